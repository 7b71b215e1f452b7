/**
 * The production example as the program registers it (the offline runner, in a child process):
 * the deploy repository's main requires the policy gate, the pull-request previews and a code
 * owner's review; every required check is produced by a job, and `required-checks-produced` says
 * so, and says otherwise when a preview job goes missing.
 */
import { REPO_ROOT } from "../support/project";
import { runStackInChild } from "../../gate/runInChild";
import type { RecordedResource } from "../../gate/model";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { requiredChecksProduced } from "../../policy-pack/policies/repository";
import { messages, runStackPolicy, type Fixture } from "../policies/harness";

let resources: RecordedResource[];

beforeAll(async () => {
  resources = (await runStackInChild({ projectDir: REPO_ROOT, stack: "production" })).resources;
}, 120000);

function resource(type: string, name: string): RecordedResource {
  const found = resources.find((candidate) => candidate.type === type && candidate.name === name);
  if (found === undefined) throw new Error(`the program registers no ${type} '${name}'`);
  return found;
}

type Rules = { pullRequest: Record<string, unknown>; requiredStatusChecks: { requiredChecks: { context: string }[] } };
const BASELINE = ["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke", "Vercel"];
const L3_EXTRA = ["side-effect-contracts", "policy-regression", "browser-smoke"];

/** The repository resources the policy judges, as policy fixtures. */
function fixtures(edit: (resource: RecordedResource) => RecordedResource = (same) => same): Fixture[] {
  const judged = [
    TYPES.repository,
    TYPES.repositoryFile,
    "github:index/repositoryRuleset:RepositoryRuleset",
    "github:index/branchProtection:BranchProtection",
  ];
  return resources
    .filter((candidate) => judged.includes(candidate.type))
    .map(edit)
    .map((candidate) => ({ type: candidate.type, name: candidate.name, props: candidate.inputs }));
}

describe("the production example's repository rules", () => {
  test("storefront's main requires the gate and staging's preview beside its checks, and a code owner's review", () => {
    const rules = resource("github:index/repositoryRuleset:RepositoryRuleset", "storefront-default-branch").inputs.rules as Rules;
    // Staging's 1.5.0 is L3, so the L3 checks are required too (governingLevel).
    expect(rules.requiredStatusChecks.requiredChecks.map((check) => check.context)).toEqual([
      ...BASELINE,
      ...L3_EXTRA,
      "slipway-gate",
      "pulumi-preview (staging)",
    ]);
    expect(rules.pullRequest.requireCodeOwnerReview).toBe(true);
  });

  test("docs-site deploys nothing: neither its ruleset nor its classic protection requires the gate or code owners", () => {
    const rules = resource("github:index/repositoryRuleset:RepositoryRuleset", "docs-site-default-branch").inputs.rules as Rules;
    expect(rules.requiredStatusChecks.requiredChecks.map((check) => check.context)).toEqual(["lint", "build", "links"]);
    expect(rules.pullRequest.requireCodeOwnerReview).toBeUndefined();
    const classic = resource("github:index/branchProtection:BranchProtection", "docs-site-default-branch").inputs;
    expect(classic.requiredStatusChecks).toEqual([{ strict: true, contexts: ["lint", "build", "links"] }]);
    expect(classic.requiredPullRequestReviews).toEqual([
      { requiredApprovingReviewCount: 2, dismissStaleReviews: true, requireLastPushApproval: true },
    ]);
  });

  test("storefront gets CODEOWNERS naming production's approvers, and the drift check's environment, main only", () => {
    const codeOwners = resource(TYPES.repositoryFile, "storefront-codeowners").inputs;
    expect(codeOwners.file).toBe(".github/CODEOWNERS");
    expect(String(codeOwners.content)).toContain("/policy-config.json @acme/release-captains @acme/sre-oncall\n");
    expect(resource("github:index/repositoryEnvironment:RepositoryEnvironment", "storefront-drift").inputs).toMatchObject({
      environment: "slipway-drift",
      canAdminsBypass: false,
    });
    expect(
      resource("github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy", "storefront-drift-branch-main")
        .inputs.branchPattern,
    ).toBe("main");
    expect(resources.filter((candidate) => candidate.name === "docs-site-codeowners")).toEqual([]);
  });

  test("required-checks-produced: every required check, the gate's included, is produced by a pull-request job", async () => {
    expect(messages(await runStackPolicy(requiredChecksProduced, fixtures(), { config: { externalChecks: ["Vercel"] } }))).toEqual([]);
  });

  test("required-checks-produced: without the preview job in policy-gate.yml, main would wait forever for 'pulumi-preview (staging)'", async () => {
    const withoutPreview = (candidate: RecordedResource): RecordedResource =>
      candidate.inputs.file === ".github/workflows/policy-gate.yml" && candidate.inputs.repository === "storefront"
        ? {
            ...candidate,
            inputs: {
              ...candidate.inputs,
              content: String(candidate.inputs.content).replace("name: pulumi-preview (staging)", "name: preview of staging"),
            },
          }
        : candidate;
    expect(
      messages(await runStackPolicy(requiredChecksProduced, fixtures(withoutPreview), { config: { externalChecks: ["Vercel"] } })),
    ).toEqual([
      expect.stringMatching(
        /^RepositoryRuleset 'storefront-default-branch' requires status check 'pulumi-preview \(staging\)', but no job of a managed workflow in 'storefront' produces it/,
      ),
    ]);
  });
});
