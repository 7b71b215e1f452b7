import { inputsOf, invokes, optionsOf } from "./harness";
import { exampleConfig } from "../support/project";
import type { RepositoryConfig } from "../../config/config";
import { ReleaseRepository, TRIAGE_LABELS, mergeRequirements } from "../../components/github/repository";

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const docsSite = production.github.repositories.find((repo) => repo.name === "docs-site")!;

const BASELINE = ["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke", "Vercel"];
const L3_EXTRA = ["side-effect-contracts", "policy-regression", "browser-smoke"];

describe("ReleaseRepository (production example, storefront, L2 release)", () => {
  // The break-glass team's id comes from the policy statement (policy-config.json): 4711.
  const repo = new ReleaseRepository("storefront", { config: storefront, releaseLevel: production.release.level, breakGlassTeamId: 4711 });

  test("the repository squash-merges only, deletes merged branches, alerts on vulnerabilities, starts with a commit and is archived, never deleted", async () => {
    expect(await inputsOf(repo.repository)).toEqual({
      name: "storefront",
      description: "Acme storefront - web, API and worker",
      visibility: "private",
      hasIssues: true,
      allowSquashMerge: true,
      allowMergeCommit: false,
      allowRebaseMerge: false,
      deleteBranchOnMerge: true,
      vulnerabilityAlerts: true,
      archiveOnDestroy: true,
      autoInit: true,
    });
    expect(await optionsOf(repo.repository)).toEqual({ retainOnDelete: true, protect: false, ignoreChanges: ["autoInit"] });
  });

  test("main is the default branch", async () => {
    expect(await inputsOf(repo.branchDefault)).toEqual({ repository: "storefront", branch: "main" });
  });

  test("main is protected by an active ruleset: reviews, up-to-date required checks, no force push or deletion, only break glass bypasses", async () => {
    expect(repo.branchProtection).toBeUndefined();
    expect(await inputsOf(repo.branchRuleset!)).toEqual({
      name: "slipway: default branch",
      repository: "storefront",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
      bypassActors: [{ actorId: 4711, actorType: "Team", bypassMode: "pull_request" }],
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredLinearHistory: true,
        pullRequest: {
          requiredApprovingReviewCount: 1,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
          requiredReviewThreadResolution: true,
        },
        requiredStatusChecks: {
          requiredChecks: BASELINE.map((context) => ({ context })),
          strictRequiredStatusChecksPolicy: true,
        },
      },
    });
  });

  test("release tags v* and mvp-* cannot be moved or deleted, by anyone", async () => {
    expect(await inputsOf(repo.tagRuleset)).toEqual({
      name: "slipway: release tags",
      repository: "storefront",
      target: "tag",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/tags/v*", "refs/tags/mvp-*"], excludes: [] } },
      rules: { deletion: true, update: true, nonFastForward: true },
    });
  });

  test("the release levels L0-L3, incident priorities P0-P2 and drift are labels", async () => {
    const labels = await Promise.all(repo.labels.map(inputsOf));
    expect(labels.map((label) => label.name)).toEqual(["L0", "L1", "L2", "L3", "P0", "P1", "P2", "drift"]);
    expect(labels[3]).toEqual({
      repository: "storefront",
      name: "L3",
      color: "d93f0b",
      description: "Release level L3: external side effects, strictest gates",
    });
    for (const label of TRIAGE_LABELS) {
      expect(label.description.length).toBeLessThanOrEqual(100);
      expect(label.color).toMatch(/^[0-9a-f]{6}$/);
    }
  });

  test("the break-glass team is not looked up: a preview needs no token that reads the organisation", () => {
    expect(invokes.filter((call) => call.token.startsWith("github:index/getTeam:getTeam"))).toEqual([]);
  });
});

describe("ReleaseRepository protection modes", () => {
  test("protection 'both' (docs-site): a ruleset and classic protection with the same rules, and no bypass at all", async () => {
    const repo = new ReleaseRepository("docs-site", { config: docsSite, releaseLevel: "L2" });
    const ruleset = await inputsOf(repo.branchRuleset!);
    expect(ruleset.bypassActors).toBeUndefined();
    expect((ruleset.rules as Record<string, unknown>).requiredStatusChecks).toEqual({
      requiredChecks: [{ context: "lint" }, { context: "build" }, { context: "links" }],
      strictRequiredStatusChecksPolicy: true,
    });
    expect(await inputsOf(repo.branchProtection!)).toEqual({
      repositoryId: "docs-site",
      pattern: "main",
      enforceAdmins: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      requiredLinearHistory: true,
      requireConversationResolution: true,
      requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true }],
      requiredStatusChecks: [{ strict: true, contexts: ["lint", "build", "links"] }],
    });
  });

  test("protection 'branchProtection': classic protection only, on the configured default branch", async () => {
    const config: RepositoryConfig = { ...docsSite, name: "legacy-site", defaultBranch: "trunk", protection: "branchProtection" };
    const repo = new ReleaseRepository("legacy-site", { config, releaseLevel: "L1" });
    expect(repo.branchRuleset).toBeUndefined();
    const protection = await inputsOf(repo.branchProtection!);
    expect(protection.repositoryId).toBe("legacy-site");
    expect(protection.pattern).toBe("trunk");
    expect(protection.enforceAdmins).toBe(true);
  });

  test("protection 'ruleset': no classic protection", () => {
    const repo = new ReleaseRepository("ruleset-only", {
      config: { ...storefront, name: "ruleset-only" },
      releaseLevel: "L1",
      breakGlassTeamId: 4711,
    });
    expect(repo.branchRuleset).toBeDefined();
    expect(repo.branchProtection).toBeUndefined();
  });
});

describe("ReleaseRepository of a deploy repository", () => {
  const GATE = ["slipway-gate", "pulumi-preview (staging)"];

  test("main requires the policy gate and the pull-request previews beside the configured checks, and a code owner's review", async () => {
    const repo = new ReleaseRepository("gated", {
      config: { ...storefront, name: "gated", protection: "both" },
      releaseLevel: "L2",
      breakGlassTeamId: 4711,
      gateChecks: GATE,
      requireCodeOwnerReview: true,
    });
    expect(repo.requiredChecks).toEqual([...BASELINE, ...GATE]);
    const rules = (await inputsOf(repo.branchRuleset!)).rules as Record<string, Record<string, unknown>>;
    expect(rules.requiredStatusChecks).toEqual({
      requiredChecks: [...BASELINE, ...GATE].map((context) => ({ context })),
      strictRequiredStatusChecksPolicy: true,
    });
    expect(rules.pullRequest).toEqual({
      requiredApprovingReviewCount: 1,
      dismissStaleReviewsOnPush: true,
      requireLastPushApproval: true,
      requiredReviewThreadResolution: true,
      requireCodeOwnerReview: true,
    });
    // Classic protection, where used, requires the same.
    const protection = await inputsOf(repo.branchProtection!);
    expect(protection.requiredStatusChecks).toEqual([{ strict: true, contexts: [...BASELINE, ...GATE] }]);
    expect(protection.requiredPullRequestReviews).toEqual([
      { requiredApprovingReviewCount: 1, dismissStaleReviews: true, requireLastPushApproval: true, requireCodeOwnerReviews: true },
    ]);
  });

  test("an L3 release adds its checks to the gate's, each once", () => {
    const repo = new ReleaseRepository("gated-l3", {
      config: { ...storefront, name: "gated-l3" },
      releaseLevel: "L3",
      gateChecks: [...GATE, "lint"],
    });
    expect(repo.requiredChecks).toEqual([...BASELINE, ...L3_EXTRA, ...GATE]);
  });

  test("a repository that is not a deploy repository requires neither the gate nor a code owner's review", async () => {
    const repo = new ReleaseRepository("not-deployed", { config: { ...docsSite, name: "not-deployed" }, releaseLevel: "L2" });
    const rules = (await inputsOf(repo.branchRuleset!)).rules as Record<string, Record<string, unknown>>;
    expect(rules.pullRequest.requireCodeOwnerReview).toBeUndefined();
    expect(repo.requiredChecks).not.toContain("slipway-gate");
  });
});

describe("ReleaseRepository for an L3 release", () => {
  test("an L3 release also requires side-effect contracts, policy regression and browser smoke, and 2 approvals", async () => {
    const repo = new ReleaseRepository("storefront-l3", {
      config: { ...storefront, name: "storefront-l3", protection: "both" },
      releaseLevel: "L3",
      breakGlassTeamId: 4711,
    });
    expect(repo.requiredChecks).toEqual([...BASELINE, ...L3_EXTRA]);
    const rules = (await inputsOf(repo.branchRuleset!)).rules as Record<string, Record<string, unknown>>;
    expect(rules.pullRequest.requiredApprovingReviewCount).toBe(2);
    expect(rules.requiredStatusChecks.requiredChecks).toEqual([...BASELINE, ...L3_EXTRA].map((context) => ({ context })));
    const protection = await inputsOf(repo.branchProtection!);
    expect(protection.requiredPullRequestReviews).toEqual([
      { requiredApprovingReviewCount: 2, dismissStaleReviews: true, requireLastPushApproval: true },
    ]);
    expect(protection.requiredStatusChecks).toEqual([{ strict: true, contexts: [...BASELINE, ...L3_EXTRA] }]);
  });

  test("an L3 release never lowers approvals configured above the L3 minimum", () => {
    expect(mergeRequirements({ ...storefront, minApprovals: 3 }, "L3").requiredApprovals).toBe(3);
    expect(mergeRequirements(storefront, "L2")).toEqual({ requiredChecks: BASELINE, requiredApprovals: 1 });
  });
});

describe("ReleaseRepository break-glass team", () => {
  test("the break-glass team bypasses by pull request only, under the id the policy statement gives", async () => {
    const repo = new ReleaseRepository("explicit-id", {
      config: { ...storefront, name: "explicit-id" },
      releaseLevel: "L2",
      breakGlassTeamId: 99,
    });
    expect((await inputsOf(repo.branchRuleset!)).bypassActors).toEqual([{ actorId: 99, actorType: "Team", bypassMode: "pull_request" }]);
  });

  test("a repository that names no break-glass team lets nobody bypass, whatever team the statement names", async () => {
    const config: RepositoryConfig = { ...storefront, name: "no-bypass", breakGlassTeam: undefined };
    const repo = new ReleaseRepository("no-bypass", { config, releaseLevel: "L2", breakGlassTeamId: 4711 });
    expect((await inputsOf(repo.branchRuleset!)).bypassActors).toBeUndefined();
  });
});
