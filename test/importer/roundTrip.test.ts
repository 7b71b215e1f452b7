/**
 * Round trip: a fixture organisation of 32 repositories (rulesets, classic protection, both,
 * none; an organisation ruleset; environments; labels) is imported, the written config is run
 * through the program (the offline runner `slipway plan` uses), and what the program registers
 * is compared with the fixture, setting by setting:
 *
 * - every difference between a registered input and the fixture's setting is one the importer
 *   listed as inexpressible (same repository, same setting), and every listed setting of the
 *   kinds compared here is a real difference;
 * - every registered GitHub resource that exists in the fixture has an import-file entry under
 *   the URN the program gives it, with the fixture's id; resources the fixture lacks have none.
 *
 * The fixture side is read from the fixture itself, never from the importer's mapping.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runProjectStack } from "../e2e/support";
import { makeScratch, removeScratch, editStackFile, slipwayKey } from "../support/project";
import type { RecordedResource, RecordedStack } from "../../gate/model";
import { urnsOf } from "../../importer/importFile";
import type { ImportFile } from "../../importer/importFile";
import type { ImportResult } from "../../importer/run";
import { gateChecks } from "../../components/github/policyGate";
import { fixtureOrg } from "./org";
import { importFixture, projectWithImport } from "./support";
import type { OrgFixture, RepoFixture, RulesetFixture, Rule } from "./fixtures";

const org: OrgFixture = fixtureOrg();
let scratch: string;
let result: ImportResult;
let recorded: RecordedStack;
let written: ImportFile;

beforeAll(async () => {
  scratch = makeScratch();
  ({ result } = await importFixture(org, path.join(scratch, "out")));
  written = JSON.parse(fs.readFileSync(result.written.importFile, "utf8")) as ImportFile;
  const project = projectWithImport(scratch, "adopted", result.written.stackFile);
  // Repository rules follow the riskiest release in the project: with staging's L3 they would
  // ask for L3's approvals. The round trip compares today's rules, so the project is at L2.
  editStackFile(project, "staging", (document) => document.setIn(slipwayKey("release", "level"), "L2"));
  recorded = await runProjectStack(project, "production");
}, 240_000);

afterAll(() => removeScratch(scratch));

// ---- the fixture's side ----

const coversDefault = (r: RulesetFixture, branch: string) =>
  r.target === "branch" && (r.include.includes("~DEFAULT_BRANCH") || r.include.includes(`refs/heads/${branch}`));
const defaultBranchRuleset = (repo: RepoFixture) => repo.rulesets.find((r) => coversDefault(r, repo.settings.defaultBranch));
const tagRulesetOf = (repo: RepoFixture) => repo.rulesets.find((r) => r.target === "tag");
const rule = (r: RulesetFixture, type: string): Rule | undefined => r.rules.find((x) => x.type === type);
const param = (r: RulesetFixture, type: string, key: string) => rule(r, type)?.parameters?.[key];

// ---- the program's side ----

const registered = (type: string, predicate: (resource: RecordedResource) => boolean) =>
  recorded.resources.filter((r) => r.type === type && predicate(r));
const T = {
  repository: "github:index/repository:Repository",
  branchDefault: "github:index/branchDefault:BranchDefault",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  classic: "github:index/branchProtection:BranchProtection",
  label: "github:index/issueLabel:IssueLabel",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  policy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  variable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
};
const inputs = (resource: RecordedResource) => resource.inputs as Record<string, any>;
const sorted = (values: unknown[]) => JSON.stringify([...values].map(String).sort());
/** JSON with keys in order, so two objects compare by content. */
const stable = (value: unknown): string =>
  value === undefined
    ? "undefined"
    : JSON.stringify(value, (_, v) =>
        v && typeof v === "object" && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b))) : v,
      );
/** The checks the policy gate adds in a deploy repository (the program's own list). */
const GATE_CHECKS = gateChecks(["staging", "production"]);
/** Compare required checks in two parts: the configured ones, and the policy gate's. */
function compareChecks(
  add: (setting: string, registeredValue: unknown, fixtureValue: unknown) => void,
  contextsSetting: string,
  gateSetting: string,
  registeredChecks: string[],
  fixtureChecks: string[],
) {
  const own = (checks: string[]) => checks.filter((c) => !GATE_CHECKS.includes(c));
  const gate = (checks: string[]) => checks.filter((c) => GATE_CHECKS.includes(c));
  add(contextsSetting, sorted(own(registeredChecks)), sorted(own(fixtureChecks)));
  add(gateSetting, sorted(gate(registeredChecks)), sorted(gate(fixtureChecks)));
}

/** One compared setting: the registered value and the fixture's, under the importer's setting id. */
interface Comparison {
  repository: string;
  setting: string;
  registered: unknown;
  fixture: unknown;
}

/** Every setting compared, for every repository (the registered resources the fixture also has). */
function comparisons(): Comparison[] {
  const out: Comparison[] = [];
  const add = (repository: string, setting: string, registeredValue: unknown, fixtureValue: unknown) =>
    out.push({ repository, setting, registered: registeredValue, fixture: fixtureValue });
  for (const repo of org.repositories) {
    const name = repo.settings.name;
    const branch = repo.settings.defaultBranch;
    const [repository] = registered(T.repository, (r) => inputs(r).name === name);
    add(name, "repository.description", inputs(repository).description ?? null, repo.settings.description ?? null);
    add(name, "repository.visibility", inputs(repository).visibility, repo.settings.visibility);
    add(name, "repository.allow_squash_merge", inputs(repository).allowSquashMerge, repo.settings.allowSquashMerge);
    add(name, "repository.allow_merge_commit", inputs(repository).allowMergeCommit, repo.settings.allowMergeCommit);
    add(name, "repository.allow_rebase_merge", inputs(repository).allowRebaseMerge, repo.settings.allowRebaseMerge);
    add(name, "repository.delete_branch_on_merge", inputs(repository).deleteBranchOnMerge, repo.settings.deleteBranchOnMerge);
    add(name, "repository.has_issues", inputs(repository).hasIssues, repo.settings.hasIssues);
    add(name, "repository.vulnerability_alerts", inputs(repository).vulnerabilityAlerts, repo.settings.vulnerabilityAlerts !== false);
    const [branchDefault] = registered(T.branchDefault, (r) => inputs(r).repository === name);
    add(name, "branch-default.branch", inputs(branchDefault).branch, branch);

    const fixtureRuleset = defaultBranchRuleset(repo);
    const [ruleset] = registered(
      T.ruleset,
      (r) => inputs(r).repository === name && inputs(r).target === "branch" && inputs(r).name === "slipway: default branch",
    );
    if (fixtureRuleset && ruleset) {
      const rules = inputs(ruleset).rules;
      add(name, "ruleset.name", inputs(ruleset).name, fixtureRuleset.name);
      add(name, "ruleset.enforcement", inputs(ruleset).enforcement, fixtureRuleset.enforcement);
      add(
        name,
        "ruleset.conditions.ref_name",
        stable(inputs(ruleset).conditions.refName),
        stable({ excludes: fixtureRuleset.exclude ?? [], includes: fixtureRuleset.include }),
      );
      add(name, "ruleset.bypass_actors", (inputs(ruleset).bypassActors ?? []).length, (fixtureRuleset.bypassActors ?? []).length);
      add(name, "ruleset.rules.deletion", rules.deletion === true, rule(fixtureRuleset, "deletion") !== undefined);
      add(name, "ruleset.rules.non_fast_forward", rules.nonFastForward === true, rule(fixtureRuleset, "non_fast_forward") !== undefined);
      add(
        name,
        "ruleset.rules.required_linear_history",
        rules.requiredLinearHistory === true,
        rule(fixtureRuleset, "required_linear_history") !== undefined,
      );
      add(
        name,
        "required_approving_review_count",
        rules.pullRequest.requiredApprovingReviewCount,
        param(fixtureRuleset, "pull_request", "required_approving_review_count"),
      );
      add(
        name,
        "ruleset.rules.pull_request.dismiss_stale_reviews_on_push",
        rules.pullRequest.dismissStaleReviewsOnPush === true,
        param(fixtureRuleset, "pull_request", "dismiss_stale_reviews_on_push"),
      );
      add(
        name,
        "ruleset.rules.pull_request.require_last_push_approval",
        rules.pullRequest.requireLastPushApproval === true,
        param(fixtureRuleset, "pull_request", "require_last_push_approval"),
      );
      add(
        name,
        "ruleset.rules.pull_request.required_review_thread_resolution",
        rules.pullRequest.requiredReviewThreadResolution === true,
        param(fixtureRuleset, "pull_request", "required_review_thread_resolution"),
      );
      add(
        name,
        "ruleset.rules.pull_request.require_code_owner_review",
        rules.pullRequest.requireCodeOwnerReview === true,
        param(fixtureRuleset, "pull_request", "require_code_owner_review"),
      );
      add(
        name,
        "ruleset.rules.required_status_checks.strict",
        rules.requiredStatusChecks.strictRequiredStatusChecksPolicy,
        param(fixtureRuleset, "required_status_checks", "strict_required_status_checks_policy"),
      );
      const contexts = (rules.requiredStatusChecks.requiredChecks as { context: string }[]).map((c) => c.context);
      const fixtureContexts = (param(fixtureRuleset, "required_status_checks", "required_status_checks") as { context: string }[]).map(
        (c) => c.context,
      );
      compareChecks(
        (setting, a, b) => add(name, setting, a, b),
        "required_status_checks.contexts",
        "required_status_checks.policy-gate",
        contexts,
        fixtureContexts,
      );
    }

    const [classic] = registered(T.classic, (r) => inputs(r).repositoryId === name);
    if (repo.classic && classic) {
      const c = repo.classic;
      const both = fixtureRuleset !== undefined;
      const reviews = inputs(classic).requiredPullRequestReviews[0];
      const checks = inputs(classic).requiredStatusChecks[0];
      add(name, "classic.pattern", inputs(classic).pattern, branch);
      add(name, "classic.enforce_admins", inputs(classic).enforceAdmins, c.enforceAdmins);
      add(name, "classic.allow_force_pushes", inputs(classic).allowsForcePushes, c.forcePushes);
      add(name, "classic.allow_deletions", inputs(classic).allowsDeletions, c.deletions);
      add(name, "classic.required_linear_history", inputs(classic).requiredLinearHistory, c.linearHistory);
      add(name, "classic.required_conversation_resolution", inputs(classic).requireConversationResolution, c.conversationResolution);
      add(name, "classic.dismiss_stale_reviews", reviews.dismissStaleReviews, c.dismissStale);
      add(name, "classic.require_last_push_approval", reviews.requireLastPushApproval, c.requireLastPush);
      add(name, "classic.require_code_owner_reviews", reviews.requireCodeOwnerReviews === true, c.codeOwners);
      add(name, "classic.required_status_checks.strict", checks.strict, c.strict);
      add(
        name,
        both ? "classic.required_approving_review_count" : "required_approving_review_count",
        reviews.requiredApprovingReviewCount,
        c.approvals,
      );
      compareChecks(
        (setting, a, b) => add(name, setting, a, b),
        both ? "classic.required_status_checks.contexts" : "required_status_checks.contexts",
        "classic.required_status_checks.policy-gate",
        checks.contexts,
        c.contexts,
      );
    }

    const fixtureTags = tagRulesetOf(repo);
    const [tags] = registered(
      T.ruleset,
      (r) => inputs(r).repository === name && inputs(r).target === "tag" && inputs(r).name === "slipway: release tags",
    );
    if (fixtureTags && tags) {
      add(name, "tag-ruleset.name", inputs(tags).name, fixtureTags.name);
      add(name, "tag-ruleset.enforcement", inputs(tags).enforcement, fixtureTags.enforcement);
      add(name, "tag-ruleset.includes", sorted(inputs(tags).conditions.refName.includes), sorted(fixtureTags.include));
      for (const type of ["deletion", "update", "non_fast_forward", "creation"]) {
        const key = type === "non_fast_forward" ? "nonFastForward" : type;
        add(name, `tag-ruleset.rules.${type}`, inputs(tags).rules[key] === true, rule(fixtureTags, type) !== undefined);
      }
    }

    for (const fixtureLabel of repo.labels) {
      const [label] = registered(T.label, (r) => inputs(r).repository === name && inputs(r).name === fixtureLabel.name);
      if (!label) continue;
      add(name, `label.${fixtureLabel.name}.color`, inputs(label).color, fixtureLabel.color);
      add(name, `label.${fixtureLabel.name}.description`, inputs(label).description, fixtureLabel.description ?? "");
    }

    for (const env of repo.environments) {
      const [environment] = registered(T.environment, (r) => inputs(r).repository === name && inputs(r).environment === env.name);
      if (!environment) continue;
      const e = inputs(environment);
      const teamIds = env.reviewers.filter((r) => r.type === "Team").map((r) => r.id);
      add(name, `environment.${env.name}.reviewers`, sorted(e.reviewers?.[0]?.teams ?? []), sorted(teamIds));
      add(name, `environment.${env.name}.prevent_self_review`, e.preventSelfReview, env.preventSelfReview);
      add(name, `environment.${env.name}.wait_timer`, e.waitTimer, env.waitTimer);
      add(name, `environment.${env.name}.can_admins_bypass`, e.canAdminsBypass, env.canAdminsBypass);
      const policy =
        env.branchPolicy === null
          ? undefined
          : { customBranchPolicies: env.branchPolicy !== "protected", protectedBranches: env.branchPolicy === "protected" };
      add(name, `environment.${env.name}.deployment_branch_policy`, stable(e.deploymentBranchPolicy), stable(policy));
      const policies = registered(T.policy, (r) => inputs(r).repository === name && inputs(r).environment === env.name);
      const refs = policies.map(
        (p) => `${inputs(p).tagPattern !== undefined ? "tag" : "branch"}:${inputs(p).tagPattern ?? inputs(p).branchPattern}`,
      );
      add(
        name,
        `environment.${env.name}.deployment_policies`,
        sorted(refs),
        sorted(Array.isArray(env.branchPolicy) ? env.branchPolicy.map((p) => `${p.type}:${p.name}`) : []),
      );
      for (const [variableName, value] of Object.entries(env.variables)) {
        const [variable] = registered(
          T.variable,
          (r) => inputs(r).repository === name && inputs(r).environment === env.name && inputs(r).variableName === variableName,
        );
        add(name, `environment.${env.name}.variables.${variableName}`, variable ? inputs(variable).value : undefined, value);
      }
    }
  }
  return out;
}

describe("slipway import: round trip through the program", () => {
  test("the fixture organisation is large and mixed", () => {
    expect(org.repositories.length).toBeGreaterThanOrEqual(30);
    expect(org.repositories.filter((r) => r.classic && !defaultBranchRuleset(r)).length).toBeGreaterThanOrEqual(5);
    expect(org.repositories.filter((r) => !r.classic && defaultBranchRuleset(r)).length).toBeGreaterThanOrEqual(5);
    expect(org.repositories.filter((r) => r.classic && defaultBranchRuleset(r)).length).toBeGreaterThanOrEqual(3);
    expect(result.snapshot.repositories).toHaveLength(org.repositories.length);
  });

  test("every registered input equals the fixture's setting, except the settings the importer listed", () => {
    const all = comparisons();
    // Enough was compared to mean something: every repository, and most settings.
    expect(new Set(all.map((c) => c.repository)).size).toBe(org.repositories.length);
    expect(all.length).toBeGreaterThan(400);
    const differing = all
      .filter((c) => JSON.stringify(c.registered) !== JSON.stringify(c.fixture))
      .map((c) => `${c.repository}: ${c.setting}`);
    const listed = result.config.inexpressible.map((entry) => `${entry.repository ?? ""}: ${entry.setting}`);
    const compared = new Set(all.map((c) => `${c.repository}: ${c.setting}`));
    // No unlisted difference...
    expect(differing.filter((d) => !listed.includes(d))).toEqual([]);
    // ...and no listed setting of the kinds compared here that is in fact equal.
    expect(listed.filter((entry) => compared.has(entry) && !differing.includes(entry))).toEqual([]);
    // The list is not vacuous: the fixture has real differences, and they are found.
    expect(differing.length).toBeGreaterThan(20);
  });

  test("settings the contract does express are reproduced exactly (none of them listed)", () => {
    const expressible = [
      "repository.description",
      "repository.visibility",
      "branch-default.branch",
      "classic.pattern",
      "tag-ruleset.includes",
    ];
    const listed = new Set(result.config.inexpressible.map((entry) => entry.setting));
    for (const setting of expressible) expect(listed.has(setting)).toBe(false);
    const all = comparisons().filter(
      (c) =>
        expressible.includes(c.setting) ||
        /^environment\.(preview|staging|production)\.(reviewers|wait_timer|prevent_self_review|can_admins_bypass|deployment_policies|variables\.)/.test(
          c.setting,
        ),
    );
    expect(all.length).toBeGreaterThan(90);
    for (const c of all) expect({ ...c, registered: c.registered }).toEqual({ ...c, registered: c.fixture });
  });

  test("every registered GitHub resource the fixture has is in the import file, under its URN, with the fixture's id", () => {
    const entryUrns = urnsOf(
      written.resources.map((entry) => ({
        type: entry.type,
        name: entry.logicalName,
        parent: entry.parent === undefined ? undefined : written.resources.findIndex((e) => e.name === entry.parent),
        inputs: {},
      })),
      "production",
    );
    const entriesByUrn = new Map(written.resources.map((entry, index) => [entryUrns[index], entry]));
    const expectations: { urn: string; id?: string }[] = [];
    for (const resource of recorded.resources.filter((r) => r.type.startsWith("github:index/"))) {
      const i = inputs(resource);
      const repoName: string | undefined = i.repository ?? i.repositoryId ?? (resource.type === T.repository ? i.name : undefined);
      const repo = org.repositories.find((r) => r.settings.name === repoName);
      let id: string | undefined;
      if (repo) {
        const env = repo.environments.find((e) => e.name === i.environment);
        switch (resource.type) {
          case T.repository:
          case T.branchDefault:
            id = repo.settings.name;
            break;
          case T.ruleset: {
            const found =
              i.name === "slipway: default branch"
                ? defaultBranchRuleset(repo)
                : i.name === "slipway: release tags"
                  ? tagRulesetOf(repo)
                  : undefined;
            id = found ? `${repo.settings.name}:${found.id}` : undefined;
            break;
          }
          case T.classic:
            id = repo.classic ? `${repo.settings.name}:${repo.settings.defaultBranch}` : undefined;
            break;
          case T.label:
            id = repo.labels.some((l) => l.name === i.name) ? `${repo.settings.name}:${i.name}` : undefined;
            break;
          case T.environment:
            id = env ? `${repo.settings.name}:${env.name}` : undefined;
            break;
          case T.policy: {
            const pattern = i.tagPattern ?? i.branchPattern;
            const found =
              env && Array.isArray(env.branchPolicy)
                ? env.branchPolicy.find((p) => p.name === pattern && p.type === (i.tagPattern !== undefined ? "tag" : "branch"))
                : undefined;
            id = found ? `${repo.settings.name}:${env!.name}:${found.id}` : undefined;
            break;
          }
          case T.variable:
            id = env && i.variableName in env.variables ? `${repo.settings.name}:${env.name}:${i.variableName}` : undefined;
            break;
        }
      }
      expectations.push({ urn: resource.urn, id });
    }
    const adopted = expectations.filter((e) => e.id !== undefined);
    // Most of what the program registers exists today: it is adopted, not created.
    expect(adopted.length).toBeGreaterThan(150);
    for (const { urn, id } of expectations) {
      const entry = entriesByUrn.get(urn);
      expect({ urn, id: entry?.id }).toEqual({ urn, id });
    }
    // And the file holds nothing the program does not register.
    const registeredUrns = new Set(recorded.resources.map((r) => r.urn));
    expect(entryUrns.filter((urn) => !registeredUrns.has(urn))).toEqual([]);
  });
});
