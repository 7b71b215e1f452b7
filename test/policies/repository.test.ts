import {
  defaultBranchProtected,
  l3RequiredChecks,
  noBranchDeletion,
  noBypassActors,
  noForcePush,
  pullRequestReviews,
  releaseTagsProtected,
  requiredChecksProduced,
  requiredStatusChecks,
} from "../../policy-pack/policies/repository";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import {
  BASELINE_CHECKS,
  branchRuleset,
  classicProtection,
  manifestVariable,
  policyGate,
  releaseManifest,
  repository,
  tagRuleset,
  workflowFile,
} from "./fixtures";
import { messages, runStackPolicy, unknown } from "./harness";

const branchDefault = (branch: string) => ({ type: TYPES.branchDefault, name: "default-branch", props: { repository: "app", branch } });

describe("default-branch-protected", () => {
  test("a default branch covered by an active ruleset is protected", async () => {
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), branchRuleset()]))).toEqual([]);
  });

  test("classic branch protection alone also protects the default branch", async () => {
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), classicProtection()]))).toEqual([]);
  });

  test("a repository with nothing protecting main fails", async () => {
    const outcome = await runStackPolicy(defaultBranchProtected, [repository()]);
    expect(messages(outcome)).toEqual([
      "Repository 'app' branch 'main' (the default branch) is not protected: no ruleset or branch protection for repository 'app' covers it.",
    ]);
    expect(outcome.violations[0].urn).toBe("urn:pulumi:production::slipway::github:index/repository:Repository::app");
  });

  test("a ruleset in evaluate mode does not protect", async () => {
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), branchRuleset({ enforcement: "evaluate" })]))).toEqual([
      "Repository 'app' branch 'main' (the default branch) is not protected: RepositoryRuleset 'main-protection' matches 'main' but its enforcement is 'evaluate', not 'active'.",
    ]);
  });

  test("ruleset includes are full refs: a bare branch name matches nothing", async () => {
    const [message] = messages(await runStackPolicy(defaultBranchProtected, [repository(), branchRuleset({ includes: ["main"] })]));
    expect(message).toContain("RepositoryRuleset 'main-protection' does not match 'main' (ref conditions must be full refs");
  });

  test.each([["refs/heads/main"], ["~ALL"], ["refs/heads/ma*"], ["refs/heads/**"]])("ruleset include %s covers main", async (include) => {
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), branchRuleset({ includes: [include] })]))).toEqual([]);
  });

  test("an exclude wins over an include", async () => {
    const ruleset = branchRuleset({ includes: ["~ALL"] });
    (ruleset.props.conditions as { refName: { excludes: string[] } }).refName.excludes = ["refs/heads/main"];
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), ruleset]))).toHaveLength(1);
  });

  test("the default branch comes from BranchDefault", async () => {
    const outcome = await runStackPolicy(defaultBranchProtected, [
      repository(),
      branchDefault("trunk"),
      branchRuleset({ includes: ["refs/heads/main"] }),
    ]);
    expect(messages(outcome)[0]).toMatch(/^Repository 'app' branch 'trunk' \(the default branch\) is not protected/);
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), branchDefault("trunk"), branchRuleset()]))).toEqual([]);
  });

  test("classic protection with a non-matching pattern does not protect", async () => {
    const [message] = messages(await runStackPolicy(defaultBranchProtected, [repository(), classicProtection({ pattern: "release/*" })]));
    expect(message).toContain("BranchProtection 'main-classic' pattern 'release/*' does not match 'main'");
  });

  test("protection of another repository does not count", async () => {
    const other = branchRuleset();
    other.props.repository = "other";
    expect(messages(await runStackPolicy(defaultBranchProtected, [repository(), other]))).toHaveLength(1);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(defaultBranchProtected, [manifestVariable()])).notApplicable).toBe(
      "the stack manages no GitHub repository",
    );
  });

  test("an unknown ruleset target during preview is reported, not passed", async () => {
    const ruleset = branchRuleset();
    ruleset.props.target = unknown;
    const outcome = await runStackPolicy(defaultBranchProtected, [repository(), ruleset]);
    expect(outcome.unknown).toBe(
      "can't run policy 'default-branch-protected' during preview: string value at .target can't be known during preview",
    );
  });
});

describe("no-force-push", () => {
  test("a ruleset with nonFastForward blocks force pushes", async () => {
    expect(messages(await runStackPolicy(noForcePush, [repository(), branchRuleset()]))).toEqual([]);
  });

  test("a ruleset without nonFastForward lets force pushes through", async () => {
    expect(messages(await runStackPolicy(noForcePush, [repository(), branchRuleset({ rules: { nonFastForward: false } })]))).toEqual([
      "Repository 'app' branch 'main' accepts force pushes: RepositoryRuleset 'main-protection' does not set rules.nonFastForward.",
    ]);
  });

  test("protection is the union: classic protection blocks what the ruleset allows", async () => {
    const fixtures = [repository(), branchRuleset({ rules: { nonFastForward: false } }), classicProtection()];
    expect(messages(await runStackPolicy(noForcePush, fixtures))).toEqual([]);
  });

  test("classic protection that allows force pushes fails", async () => {
    expect(messages(await runStackPolicy(noForcePush, [repository(), classicProtection({ allowsForcePushes: true })]))).toEqual([
      "Repository 'app' branch 'main' accepts force pushes: BranchProtection 'main-classic' has allowsForcePushes: true.",
    ]);
  });

  test("a branch a protection names literally is judged too", async () => {
    const prod = classicProtection({ pattern: "prod", allowsForcePushes: true }, "prod-classic");
    expect(messages(await runStackPolicy(noForcePush, [repository(), branchRuleset(), prod]))).toEqual([
      "Repository 'app' branch 'prod' accepts force pushes: BranchProtection 'prod-classic' has allowsForcePushes: true.",
    ]);
  });

  test("an unprotected default branch accepts force pushes", async () => {
    expect(messages(await runStackPolicy(noForcePush, [repository()]))[0]).toMatch(
      /^Repository 'app' branch 'main' accepts force pushes: no active ruleset or branch protection covers it/,
    );
  });

  test("force pushes are blocked only if some layer blocks them: two layers that both allow them each fail with their reason", async () => {
    const fixtures = [repository(), branchRuleset({ rules: { nonFastForward: false } }), classicProtection({ allowsForcePushes: true })];
    expect(messages(await runStackPolicy(noForcePush, fixtures))).toEqual([
      "Repository 'app' branch 'main' accepts force pushes: RepositoryRuleset 'main-protection' does not set rules.nonFastForward; BranchProtection 'main-classic' has allowsForcePushes: true.",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(noForcePush, [])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("no-branch-deletion", () => {
  test("a ruleset with the deletion rule protects main", async () => {
    expect(messages(await runStackPolicy(noBranchDeletion, [repository(), branchRuleset()]))).toEqual([]);
  });

  test("a ruleset without the deletion rule lets main be deleted", async () => {
    expect(messages(await runStackPolicy(noBranchDeletion, [repository(), branchRuleset({ rules: { deletion: false } })]))).toEqual([
      "Repository 'app' branch 'main' can be deleted: RepositoryRuleset 'main-protection' does not set rules.deletion.",
    ]);
  });

  test("classic protection that allows deletions fails", async () => {
    expect(messages(await runStackPolicy(noBranchDeletion, [repository(), classicProtection({ allowsDeletions: true })]))).toEqual([
      "Repository 'app' branch 'main' can be deleted: BranchProtection 'main-classic' has allowsDeletions: true.",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(noBranchDeletion, [manifestVariable()])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("pull-request-reviews", () => {
  test("one approval with stale approvals dismissed is enough for an L2 release", async () => {
    expect(messages(await runStackPolicy(pullRequestReviews, [repository(), branchRuleset({ approvals: 1 }), manifestVariable()]))).toEqual(
      [],
    );
  });

  test("main requires a pull request", async () => {
    const ruleset = branchRuleset();
    delete (ruleset.props.rules as Record<string, unknown>).pullRequest;
    expect(messages(await runStackPolicy(pullRequestReviews, [repository(), ruleset]))).toEqual([
      "Repository 'app' branch 'main' does not require a pull request (no layer sets rules.pullRequest or requiredPullRequestReviews); at least 1 required.",
    ]);
  });

  test("zero approvals fail", async () => {
    expect(messages(await runStackPolicy(pullRequestReviews, [repository(), branchRuleset({ approvals: 0 })]))).toEqual([
      "Repository 'app' branch 'main' requires 0 approving review(s) (RepositoryRuleset 'main-protection'); at least 1 required.",
    ]);
  });

  test("an L3 release needs two approvals", async () => {
    const fixtures = [repository(), branchRuleset({ approvals: 1 }), manifestVariable(releaseManifest({ level: "L3" }))];
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures))).toEqual([
      "Repository 'app' branch 'main' requires 1 approving review(s) (RepositoryRuleset 'main-protection'); release v1.4.0 is L3, which needs at least 2.",
    ]);
  });

  test("an unreadable manifest is treated as L3, not as a pass", async () => {
    const [message] = messages(
      await runStackPolicy(pullRequestReviews, [repository(), branchRuleset({ approvals: 1 }), manifestVariable("not json")]),
    );
    expect(message).toContain("the release manifest cannot be read");
  });

  test("stale approvals must be dismissed", async () => {
    const ruleset = branchRuleset({ rules: { pullRequest: { requiredApprovingReviewCount: 2, dismissStaleReviewsOnPush: false } } });
    expect(messages(await runStackPolicy(pullRequestReviews, [repository(), ruleset]))).toEqual([
      "Repository 'app' branch 'main' keeps stale approvals after new pushes: no layer sets dismissStaleReviewsOnPush / dismissStaleReviews (RepositoryRuleset 'main-protection').",
    ]);
  });

  test("the highest count of any layer applies (union)", async () => {
    const fixtures = [
      repository(),
      branchRuleset({ approvals: 0 }),
      classicProtection({ requiredPullRequestReviews: [{ requiredApprovingReviewCount: 2, dismissStaleReviews: true }] }),
    ];
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures, { config: { minApprovals: 2 } }))).toEqual([]);
  });

  test("classic reviews default to one approval", async () => {
    const fixtures = [repository(), classicProtection({ requiredPullRequestReviews: [{ dismissStaleReviews: true }] })];
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures))).toEqual([]);
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures, { config: { minApprovals: 2 } }))[0]).toContain(
      "requires 1 approving review(s)",
    );
  });

  test("two layers that each ask for one approval give one approval, not two", async () => {
    const fixtures = [
      repository(),
      branchRuleset({ approvals: 1 }),
      classicProtection({ requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, dismissStaleReviews: true }] }),
    ];
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures))).toEqual([]);
    expect(messages(await runStackPolicy(pullRequestReviews, fixtures, { config: { minApprovals: 2 } }))).toEqual([
      "Repository 'app' branch 'main' requires 1 approving review(s) (RepositoryRuleset 'main-protection', BranchProtection 'main-classic'); at least 2 required.",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(pullRequestReviews, [])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("required-status-checks", () => {
  test("the baseline checks are required and branches must be up to date", async () => {
    expect(messages(await runStackPolicy(requiredStatusChecks, [repository(), branchRuleset()]))).toEqual([]);
  });

  test("a missing baseline check fails", async () => {
    const checks = BASELINE_CHECKS.filter((check) => check !== "migrations" && check !== "security");
    expect(messages(await runStackPolicy(requiredStatusChecks, [repository(), branchRuleset({ checks })]))).toEqual([
      "Repository 'app' branch 'main' does not require the baseline check(s) 'migrations', 'security' (required now: 'lint', 'typecheck', 'unit', 'integration', 'smoke').",
    ]);
  });

  test("branches must be up to date before merging", async () => {
    const ruleset = branchRuleset({
      rules: {
        requiredStatusChecks: { requiredChecks: BASELINE_CHECKS.map((context) => ({ context })), strictRequiredStatusChecksPolicy: false },
      },
    });
    expect(messages(await runStackPolicy(requiredStatusChecks, [repository(), ruleset]))).toEqual([
      "Repository 'app' branch 'main' does not require branches to be up to date before merging (no layer sets strictRequiredStatusChecksPolicy / strict).",
    ]);
  });

  test("checks from rulesets and classic protection add up", async () => {
    const fixtures = [
      repository(),
      branchRuleset({ checks: ["lint", "typecheck", "unit"] }),
      classicProtection({ requiredStatusChecks: [{ strict: true, contexts: ["integration", "migrations", "security", "smoke"] }] }),
    ];
    expect(messages(await runStackPolicy(requiredStatusChecks, fixtures))).toEqual([]);
  });

  test("baselineChecks is configurable", async () => {
    const fixtures = [repository(), branchRuleset({ checks: ["lint", "unit"] })];
    expect(messages(await runStackPolicy(requiredStatusChecks, fixtures, { config: { baselineChecks: ["lint", "unit"] } }))).toEqual([]);
  });

  test("a repository's own baseline replaces the default (a docs site is not a product)", async () => {
    const fixtures = [repository(), branchRuleset({ checks: ["lint", "build", "links"] })];
    const config = { repositoryChecks: { app: { baselineChecks: ["lint", "build", "links"] } } };
    expect(messages(await runStackPolicy(requiredStatusChecks, fixtures, { config }))).toEqual([]);
  });

  test("a repository's own baseline is still enforced", async () => {
    const fixtures = [repository(), branchRuleset({ checks: ["lint"] })];
    const config = { repositoryChecks: { app: { baselineChecks: ["lint", "links"] } } };
    expect(messages(await runStackPolicy(requiredStatusChecks, fixtures, { config }))).toEqual([
      "Repository 'app' branch 'main' does not require the baseline check(s) 'links' (required now: 'lint').",
    ]);
  });

  test("a repository that requires no status check is not asked to be up to date; one that requires a check is", async () => {
    const config = { repositoryChecks: { app: { baselineChecks: [] } } };
    const noChecks = branchRuleset();
    delete (noChecks.props.rules as Record<string, unknown>).requiredStatusChecks;
    expect(messages(await runStackPolicy(requiredStatusChecks, [repository(), noChecks], { config }))).toEqual([]);
    const notStrict = branchRuleset({
      rules: { requiredStatusChecks: { requiredChecks: [{ context: "lint" }], strictRequiredStatusChecksPolicy: false } },
    });
    expect(messages(await runStackPolicy(requiredStatusChecks, [repository(), notStrict], { config }))).toEqual([
      "Repository 'app' branch 'main' does not require branches to be up to date before merging (no layer sets strictRequiredStatusChecksPolicy / strict).",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(requiredStatusChecks, [])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("required-checks-produced", () => {
  test("every required check is a job of the PR workflow", async () => {
    expect(messages(await runStackPolicy(requiredChecksProduced, [repository(), branchRuleset(), policyGate()]))).toEqual([]);
  });

  test("a typo in a required check fails", async () => {
    const ruleset = branchRuleset({ checks: ["lint", "unit-tests"] });
    expect(messages(await runStackPolicy(requiredChecksProduced, [repository(), ruleset, policyGate(["lint", "unit"])]))).toEqual([
      "RepositoryRuleset 'main-protection' requires status check 'unit-tests', but no job of a managed workflow in 'app' produces it (pull-request jobs report: 'lint', 'unit', 'slipway-gate').",
    ]);
  });

  test("a check produced only by a push workflow never reports on the PR", async () => {
    const [message] = messages(
      await runStackPolicy(requiredChecksProduced, [
        repository(),
        branchRuleset({ checks: ["lint"] }),
        policyGate(["lint"], { push: { branches: ["main"] } }),
      ]),
    );
    expect(message).toBe(
      "RepositoryRuleset 'main-protection' requires status check 'lint', but it is produced by .github/workflows/policy-gate.yml, which does not run on pull requests (on: 'push').",
    );
  });

  test("a job without a name reports its id", async () => {
    const workflow = workflowFile("ci.yml", {
      on: "pull_request",
      jobs: { lint: { "runs-on": "ubuntu-latest", steps: [{ run: "npm run lint" }] } },
    });
    expect(messages(await runStackPolicy(requiredChecksProduced, [repository(), branchRuleset({ checks: ["lint"] }), workflow]))).toEqual(
      [],
    );
  });

  test("a matrix job produces one context per combination", async () => {
    const workflow = workflowFile("ci.yml", {
      on: ["pull_request"],
      jobs: { unit: { name: "unit", strategy: { matrix: { node: [20, 22] } }, steps: [] } },
    });
    expect(
      messages(await runStackPolicy(requiredChecksProduced, [repository(), branchRuleset({ checks: ["unit (20)"] }), workflow])),
    ).toEqual([]);
  });

  test("externalChecks declares checks reported by an app", async () => {
    const fixtures = [repository(), branchRuleset({ checks: ["lint", "codecov/patch"] }), policyGate(["lint"])];
    expect(messages(await runStackPolicy(requiredChecksProduced, fixtures))).toHaveLength(1);
    expect(messages(await runStackPolicy(requiredChecksProduced, fixtures, { config: { externalChecks: ["codecov/patch"] } }))).toEqual([]);
  });

  test("classic protection contexts are judged too", async () => {
    const fixtures = [
      repository(),
      classicProtection({ requiredStatusChecks: [{ strict: true, contexts: ["lnt"] }] }),
      policyGate(["lint"]),
    ];
    expect(messages(await runStackPolicy(requiredChecksProduced, fixtures))[0]).toMatch(
      /^BranchProtection 'main-classic' requires status check 'lnt'/,
    );
  });

  test("a workflow that runs on both push and pull requests reports its checks on pull requests", async () => {
    const fixtures = [
      repository(),
      branchRuleset({ checks: ["lint"] }),
      policyGate(["lint"], { push: { branches: ["main"] }, pull_request: {} }),
    ];
    expect(messages(await runStackPolicy(requiredChecksProduced, fixtures))).toEqual([]);
  });

  test("another repository's workflow does not report checks on this repository's pull requests", async () => {
    const docsRuleset = branchRuleset({ name: "docs-protection", checks: ["lint"] });
    docsRuleset.props.repository = "docs";
    const docsWorkflow = (checks: string[]) => {
      const workflow = workflowFile("docs.yml", {
        on: "pull_request",
        jobs: Object.fromEntries(checks.map((check) => [check, { steps: [] }])),
      });
      workflow.props.repository = "docs";
      return workflow;
    };
    const fixtures = [repository(), repository("docs"), branchRuleset({ checks: ["lint"] }), docsRuleset, policyGate(["lint"])];
    expect(messages(await runStackPolicy(requiredChecksProduced, [...fixtures, docsWorkflow(["links"])]))).toEqual([
      "RepositoryRuleset 'docs-protection' requires status check 'lint', but no job of a managed workflow in 'docs' produces it (pull-request jobs report: 'links').",
    ]);
    expect(messages(await runStackPolicy(requiredChecksProduced, [...fixtures, docsWorkflow(["lint"])]))).toEqual([]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(requiredChecksProduced, [policyGate()])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("no-bypass-actors", () => {
  test("no bypass actor and admins included passes", async () => {
    expect(messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), classicProtection()]))).toEqual([]);
  });

  test("organization admins may not bypass production's protection", async () => {
    const ruleset = branchRuleset({ bypassActors: [{ actorId: 1, actorType: "OrganizationAdmin", bypassMode: "always" }] });
    expect(messages(await runStackPolicy(noBypassActors, [repository(), ruleset]))).toEqual([
      "RepositoryRuleset 'main-protection' lets OrganizationAdmin 1 (always) bypass the protection of 'main' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("only the named break-glass team may bypass", async () => {
    const ruleset = branchRuleset({
      bypassActors: [
        { actorId: 4242, actorType: "Team", bypassMode: "always" },
        { actorId: 5, actorType: "RepositoryRole", bypassMode: "pull_request" },
      ],
    });
    expect(messages(await runStackPolicy(noBypassActors, [repository(), ruleset], { config: { breakGlassTeam: "4242" } }))).toEqual([
      "RepositoryRuleset 'main-protection' lets RepositoryRole 5 (pull_request) bypass the protection of 'main' in 'app'; only break-glass team '4242' may.",
    ]);
  });

  test("classic protection must include admins", async () => {
    expect(messages(await runStackPolicy(noBypassActors, [repository(), classicProtection({ enforceAdmins: false })]))).toEqual([
      "BranchProtection 'main-classic' lets repository admins (enforceAdmins is not true) bypass the protection of 'main' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("classic bypassers other than the break-glass team fail", async () => {
    const classic = classicProtection({
      requiredPullRequestReviews: [{ requiredApprovingReviewCount: 1, pullRequestBypassers: ["acme/release-captains", "/octocat"] }],
    });
    expect(
      messages(await runStackPolicy(noBypassActors, [repository(), classic], { config: { breakGlassTeam: "release-captains" } })),
    ).toEqual([
      "BranchProtection 'main-classic' lets /octocat bypass the protection of 'main' in 'app'; only break-glass team 'release-captains' may.",
    ]);
  });

  /** A ruleset on the ledger branch with only the update restriction, that deploy keys may pass. */
  function ledgerWriters(overrides: { includes?: string[]; rules?: Record<string, unknown> } = {}) {
    const ruleset = branchRuleset({
      name: "ledger-writers",
      includes: overrides.includes ?? ["refs/heads/slipway-ledger"],
      bypassActors: [{ actorType: "DeployKey", bypassMode: "always" }],
    });
    ruleset.props.rules = { update: true, ...(overrides.rules ?? {}) };
    return ruleset;
  }
  const ledgerAppendOnly = () => branchRuleset({ name: "ledger", includes: ["refs/heads/slipway-ledger"] });

  test("the ledger jobs' deploy key may fast-forward the ledger branch, past a layer that only restricts updates", async () => {
    expect(messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), ledgerAppendOnly(), ledgerWriters()]))).toEqual(
      [],
    );
  });

  test("a deploy key that could also force-push or delete the ledger branch fails", async () => {
    const writers = ledgerWriters({ rules: { nonFastForward: true } });
    expect(messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), writers]))).toEqual([
      "RepositoryRuleset 'ledger-writers' lets DeployKey (always) bypass the protection of 'slipway-ledger' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("a deploy key may never bypass the default branch's protection, whatever the policy config calls the ledger branch", async () => {
    const writers = ledgerWriters({ includes: ["~DEFAULT_BRANCH"] });
    expect(
      messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), writers], { config: { ledgerBranch: "main" } })),
    ).toEqual([
      "RepositoryRuleset 'ledger-writers' lets DeployKey (always) bypass the protection of 'main' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("only a deploy key may pass the ledger branch's update restriction: an integration may not", async () => {
    const writers = ledgerWriters();
    writers.props.bypassActors = [{ actorId: 2, actorType: "Integration", bypassMode: "always" }];
    expect(messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), ledgerAppendOnly(), writers]))).toEqual([
      "RepositoryRuleset 'ledger-writers' lets Integration 2 (always) bypass the protection of 'slipway-ledger' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("a deploy key may pass an update restriction on the ledger branch only, not on another production branch", async () => {
    const writers = ledgerWriters({ includes: ["refs/heads/prod"] });
    expect(messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), writers]))).toEqual([
      "RepositoryRuleset 'ledger-writers' lets DeployKey (always) bypass the protection of 'prod' in 'app'; no break-glass team is configured.",
    ]);
    expect(
      messages(await runStackPolicy(noBypassActors, [repository(), branchRuleset(), writers], { config: { ledgerBranch: "prod" } })),
    ).toEqual([]);
  });

  test("a ruleset covering several protected branches is reported once for each actor that may bypass it", async () => {
    const ruleset = branchRuleset({
      includes: ["~DEFAULT_BRANCH", "refs/heads/prod"],
      bypassActors: [
        { actorId: 1, actorType: "OrganizationAdmin", bypassMode: "always" },
        { actorId: 7, actorType: "Integration", bypassMode: "always" },
      ],
    });
    expect(messages(await runStackPolicy(noBypassActors, [repository(), ruleset]))).toEqual([
      "RepositoryRuleset 'main-protection' lets OrganizationAdmin 1 (always) bypass the protection of 'main' in 'app'; no break-glass team is configured.",
      "RepositoryRuleset 'main-protection' lets Integration 7 (always) bypass the protection of 'main' in 'app'; no break-glass team is configured.",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(noBypassActors, [])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("l3-required-checks", () => {
  const l3 = manifestVariable(releaseManifest({ level: "L3" }));

  test("an L3 release with side-effect contracts, policy regression and browser smoke required passes", async () => {
    expect(messages(await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset(), l3]))).toEqual([]);
  });

  test("an L3 release without the L3 checks fails", async () => {
    expect(messages(await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset({ checks: BASELINE_CHECKS }), l3]))).toEqual([
      "Repository 'app' branch 'main' does not require the L3 check(s) 'side-effect-contracts', 'policy-regression', 'browser-smoke'; release v1.4.0 is L3.",
    ]);
  });

  test("an L2 release does not need the L3 checks", async () => {
    const outcome = await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset({ checks: BASELINE_CHECKS }), manifestVariable()]);
    expect(outcome.notApplicable).toBe("the L3 checks apply to L3 releases only (release v1.4.0 is L2)");
  });

  test("an L2 production release while an L3 release is in flight still needs the L3 checks", async () => {
    const inFlight = manifestVariable(releaseManifest({ level: "L2", governingLevel: "L3" }));
    expect(messages(await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset({ checks: BASELINE_CHECKS }), inFlight]))).toEqual([
      "Repository 'app' branch 'main' does not require the L3 check(s) 'side-effect-contracts', 'policy-regression', 'browser-smoke'; release v1.4.0 is L2, but a release in flight in the project is L3 (governingLevel).",
    ]);
  });

  test("a repository with no L3 checks of its own needs none", async () => {
    const config = { repositoryChecks: { app: { l3Checks: [] } } };
    expect(
      messages(await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset({ checks: BASELINE_CHECKS }), l3], { config })),
    ).toEqual([]);
  });

  test("l3Checks is configurable", async () => {
    const fixtures = [repository(), branchRuleset({ checks: [...BASELINE_CHECKS, "contracts"] }), l3];
    expect(messages(await runStackPolicy(l3RequiredChecks, fixtures, { config: { l3Checks: ["contracts"] } }))).toEqual([]);
  });

  test("an unreadable manifest is treated as L3: the L3 checks are still required", async () => {
    const unreadable = manifestVariable("not json");
    expect(messages(await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset(), unreadable]))).toEqual([]);
    const [message] = messages(
      await runStackPolicy(l3RequiredChecks, [repository(), branchRuleset({ checks: BASELINE_CHECKS }), unreadable]),
    );
    expect(message).toMatch(
      /^Repository 'app' branch 'main' does not require the L3 check\(s\) 'side-effect-contracts', 'policy-regression', 'browser-smoke'; the release manifest cannot be read/,
    );
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(l3RequiredChecks, [l3])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});

describe("release-tags-protected", () => {
  test("v* and mvp-* tags cannot be moved or deleted", async () => {
    expect(messages(await runStackPolicy(releaseTagsProtected, [repository(), tagRuleset()]))).toEqual([]);
  });

  test("a broader tag pattern covers the release tags", async () => {
    expect(messages(await runStackPolicy(releaseTagsProtected, [repository(), tagRuleset({ includes: ["refs/tags/*"] })]))).toEqual([]);
  });

  test("release tags without a tag ruleset can be moved and deleted", async () => {
    expect(messages(await runStackPolicy(releaseTagsProtected, [repository(), branchRuleset()]))).toEqual([
      "Repository 'app' release tags 'v*' can be moved: no active tag ruleset sets rules.update (no active tag ruleset covers them).",
      "Repository 'app' release tags 'v*' can be deleted: no active tag ruleset sets rules.deletion (no active tag ruleset covers them).",
      "Repository 'app' release tags 'mvp-*' can be moved: no active tag ruleset sets rules.update (no active tag ruleset covers them).",
      "Repository 'app' release tags 'mvp-*' can be deleted: no active tag ruleset sets rules.deletion (no active tag ruleset covers them).",
    ]);
  });

  test("a tag ruleset without the update rule lets tags move", async () => {
    expect(
      messages(
        await runStackPolicy(releaseTagsProtected, [repository(), tagRuleset({ includes: ["refs/tags/v*"], rules: { update: false } })], {
          config: { releaseTagPatterns: ["v*"] },
        }),
      ),
    ).toEqual([
      "Repository 'app' release tags 'v*' can be moved: no active tag ruleset sets rules.update (covering: RepositoryRuleset 'release-tags').",
    ]);
  });

  test("a tag ruleset in evaluate mode does not protect", async () => {
    const [message] = messages(
      await runStackPolicy(releaseTagsProtected, [repository(), tagRuleset({ enforcement: "evaluate" })], {
        config: { releaseTagPatterns: ["v*"] },
      }),
    );
    expect(message).toContain("its enforcement is 'evaluate'");
  });

  test("a bypass actor other than the break-glass team can move tags", async () => {
    const fixtures = [
      repository(),
      tagRuleset({ includes: ["refs/tags/v*"], bypassActors: [{ actorId: 2, actorType: "Integration", bypassMode: "always" }] }),
    ];
    expect(messages(await runStackPolicy(releaseTagsProtected, fixtures, { config: { releaseTagPatterns: ["v*"] } }))).toEqual([
      "RepositoryRuleset 'release-tags' lets Integration 2 (always) move or delete release tags 'v*'.",
    ]);
  });

  test("releaseTagPatterns is configurable", async () => {
    const fixtures = [repository(), tagRuleset({ includes: ["refs/tags/release-*"] })];
    expect(messages(await runStackPolicy(releaseTagsProtected, fixtures, { config: { releaseTagPatterns: ["release-*"] } }))).toEqual([]);
  });

  test("the break-glass team may bypass the release tag ruleset; an integration may not", async () => {
    const fixtures = [
      repository(),
      tagRuleset({
        includes: ["refs/tags/v*"],
        bypassActors: [
          { actorId: 4242, actorType: "Team", bypassMode: "always" },
          { actorId: 2, actorType: "Integration", bypassMode: "always" },
        ],
      }),
    ];
    expect(
      messages(await runStackPolicy(releaseTagsProtected, fixtures, { config: { releaseTagPatterns: ["v*"], breakGlassTeam: "4242" } })),
    ).toEqual(["RepositoryRuleset 'release-tags' lets Integration 2 (always) move or delete release tags 'v*'."]);
  });

  test("when no tag ruleset applies, the message gives each ruleset's reason", async () => {
    const second = tagRuleset({ enforcement: "disabled" });
    second.name = "old-tags";
    second.props.name = "old-tags";
    const fixtures = [repository(), tagRuleset({ enforcement: "evaluate" }), second];
    expect(messages(await runStackPolicy(releaseTagsProtected, fixtures, { config: { releaseTagPatterns: ["v*"] } }))).toEqual([
      "Repository 'app' release tags 'v*' can be moved: no active tag ruleset sets rules.update (RepositoryRuleset 'release-tags' matches 'v1.2.3' but its enforcement is 'evaluate', not 'active'; RepositoryRuleset 'old-tags' matches 'v1.2.3' but its enforcement is 'disabled', not 'active').",
      "Repository 'app' release tags 'v*' can be deleted: no active tag ruleset sets rules.deletion (RepositoryRuleset 'release-tags' matches 'v1.2.3' but its enforcement is 'evaluate', not 'active'; RepositoryRuleset 'old-tags' matches 'v1.2.3' but its enforcement is 'disabled', not 'active').",
    ]);
  });

  test("a stack without repositories is not applicable", async () => {
    expect((await runStackPolicy(releaseTagsProtected, [])).notApplicable).toBe("the stack manages no GitHub repository");
  });
});
