/**
 * A governed repository: merge settings, the protected default branch, immutable release tags and
 * the labels the playbooks triage with.
 *
 * The default branch is protected per the repository's `protection` mode: a ruleset (GitHub's
 * current model), classic branch protection, or both. Either way it gets the same rules
 * (003 §3.2-3.3): pull requests with approvals that go stale on push, required status checks on
 * an up-to-date branch, linear history, no force push, no deletion. Release tags are immutable
 * (000 §2, §6: a rollback redeploys "the previous tag", which only means something if tags never
 * move).
 *
 * A deploy repository's default branch also requires the checks of its policy gate (the offline
 * gate and the pull-request previews: policyGate.ts) and, where CODEOWNERS names owners, their
 * review: a pull request is judged before it merges, and cannot change the rules that judge it
 * without their owners (codeOwners.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import type { ReleaseLevel } from "../../contract";
import type { RepositoryConfig } from "../../config/config";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** Inputs of a `ReleaseRepository`. */
export interface ReleaseRepositoryArgs {
  /** The repository's validated config (`slipway:github.repositories[i]`). */
  config: RepositoryConfig;
  /** Level of the release being shipped: L3 adds `l3Checks` to the required checks and raises approvals to `l3MinApprovals` (003 §3.2-3.3). */
  releaseLevel: ReleaseLevel;
  /** Numeric id of the break-glass team (from the policy statement), when `config.breakGlassTeam` names one; absent: nobody bypasses. */
  breakGlassTeamId?: number;
  /** Checks the policy gate workflow produces (`gateChecks`), required in a deploy repository beside the configured ones; default none. */
  gateChecks?: string[];
  /** Whether a pull request needs a code owner's review of the files CODEOWNERS names (a deploy repository with owners); default false. */
  requireCodeOwnerReview?: boolean;
}

/** A triage label and why it exists. */
interface LabelDefinition {
  /** Label name. */
  name: string;
  /** Hex color without `#`. */
  color: string;
  /** What the label means, from the playbooks (GitHub caps it at 100 characters). */
  description: string;
}

/** Release levels (003 §1), incident priorities (003 §7.1, 002) and drift: the vocabulary of release and incident issues. */
export const TRIAGE_LABELS: readonly LabelDefinition[] = [
  { name: "L0", color: "c5def5", description: "Release level L0: docs-only, no runtime impact" },
  { name: "L1", color: "0e8a16", description: "Release level L1: UI/UX safe, no side effects" },
  { name: "L2", color: "fbca04", description: "Release level L2: core logic, no external side effects" },
  { name: "L3", color: "d93f0b", description: "Release level L3: external side effects, strictest gates" },
  { name: "P0", color: "b60205", description: "Incident P0: immediate rollback (wrong-account side effects, duplicates, security)" },
  { name: "P1", color: "e99695", description: "Incident P1: rollback likely (failure-rate breach, stuck queue)" },
  { name: "P2", color: "f9d0c4", description: "Incident P2: consider rollback (contained errors, non-critical regressions)" },
  // The scheduled drift check files its findings under this label (drift.ts).
  { name: "drift", color: "5319e7", description: "A stack differs from its config, or what it runs fails the policy pack" },
];

/** The checks and approvals a release of this level needs on the default branch. */
export function mergeRequirements(
  config: RepositoryConfig,
  releaseLevel: ReleaseLevel,
): { requiredChecks: string[]; requiredApprovals: number } {
  const l3 = releaseLevel === "L3";
  const requiredChecks = [...new Set(l3 ? [...config.requiredChecks, ...config.l3Checks] : config.requiredChecks)];
  const requiredApprovals = l3 ? Math.max(config.minApprovals, config.l3MinApprovals) : config.minApprovals;
  return { requiredChecks, requiredApprovals };
}

/** One governed GitHub repository and the rules on its default branch and release tags. */
export class ReleaseRepository extends pulumi.ComponentResource {
  /** The repository's config, as given. */
  readonly config: RepositoryConfig;
  /** Status checks the default branch requires for this release level (and, in a deploy repository, the policy gate's). */
  readonly requiredChecks: string[];
  /** Approving reviews a pull request needs for this release level. */
  readonly requiredApprovals: number;
  /** The repository. */
  readonly repository: github.Repository;
  /** The repository's name, once it exists: pass it on so dependents wait for the repository. */
  readonly repositoryName: pulumi.Output<string>;
  /** Names the repository's default branch. */
  readonly branchDefault: github.BranchDefault;
  /** The default branch, once it is set. */
  readonly defaultBranch: pulumi.Output<string>;
  /** The default-branch ruleset (protection `ruleset` or `both`). */
  readonly branchRuleset?: github.RepositoryRuleset;
  /** Classic protection of the default branch (protection `branchProtection` or `both`). */
  readonly branchProtection?: github.BranchProtection;
  /** The ruleset that makes release tags immutable. */
  readonly tagRuleset: github.RepositoryRuleset;
  /** Release-level and incident-priority labels. */
  readonly labels: github.IssueLabel[];

  constructor(name: string, args: ReleaseRepositoryArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.releaseRepository, name, {}, opts);
    const { config } = args;
    const merge = mergeRequirements(config, args.releaseLevel);
    const requiredChecks = [...new Set([...merge.requiredChecks, ...(args.gateChecks ?? [])])];
    const requiredApprovals = merge.requiredApprovals;
    const requireCodeOwnerReview = args.requireCodeOwnerReview === true;
    this.config = config;
    this.requiredChecks = requiredChecks;
    this.requiredApprovals = requiredApprovals;
    const breakGlassTeamId = args.config.breakGlassTeam !== undefined ? args.breakGlassTeamId : undefined;

    this.repository = new github.Repository(
      name,
      {
        name: config.name,
        description: config.description,
        visibility: config.visibility,
        hasIssues: true,
        // Squash only: one commit per pull request keeps history linear and reverts one step (000 §6).
        allowSquashMerge: true,
        allowMergeCommit: false,
        allowRebaseMerge: false,
        deleteBranchOnMerge: true,
        vulnerabilityAlerts: true,
        // A destroy must never delete a team's repository: archive it if a delete ever reaches GitHub.
        archiveOnDestroy: true,
        // A new repository gets an initial commit, so its default branch exists for the branch
        // rules, the default-branch setting and the workflow branch to build on.
        autoInit: true,
      },
      // ...and normally it does not: a removed repository is released from the stack, untouched.
      // autoInit only matters at creation: an adopted repository (pulumi import) keeps its history.
      { parent: this, retainOnDelete: true, ignoreChanges: ["autoInit"] },
    );
    this.repositoryName = this.repository.name;

    this.branchDefault = new github.BranchDefault(
      `${name}-default-branch`,
      { repository: this.repository.name, branch: config.defaultBranch },
      { parent: this },
    );
    this.defaultBranch = this.branchDefault.branch;

    if (config.protection === "ruleset" || config.protection === "both") {
      this.branchRuleset = new github.RepositoryRuleset(
        `${name}-default-branch`,
        {
          name: "slipway: default branch",
          repository: this.repository.name,
          target: "branch",
          enforcement: "active",
          conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } },
          // Break glass may merge a pull request without the approvals or checks, never push around
          // one: `pull_request` mode keeps even an emergency change reviewed after the fact and
          // keeps force pushes and deletion impossible for everyone (003 §3.2).
          bypassActors:
            breakGlassTeamId === undefined ? undefined : [{ actorId: breakGlassTeamId, actorType: "Team", bypassMode: "pull_request" }],
          rules: {
            deletion: true,
            nonFastForward: true,
            requiredLinearHistory: true,
            pullRequest: {
              requiredApprovingReviewCount: requiredApprovals,
              dismissStaleReviewsOnPush: true,
              requireLastPushApproval: true,
              requiredReviewThreadResolution: true,
              ...(requireCodeOwnerReview ? { requireCodeOwnerReview: true } : {}),
            },
            requiredStatusChecks: {
              requiredChecks: requiredChecks.map((context) => ({ context })),
              strictRequiredStatusChecksPolicy: true,
            },
          },
        },
        { parent: this },
      );
    }

    if (config.protection === "branchProtection" || config.protection === "both") {
      this.branchProtection = new github.BranchProtection(
        `${name}-default-branch`,
        {
          // The provider takes a name or a node id; the name keeps previews deterministic.
          repositoryId: this.repository.name,
          pattern: this.defaultBranch,
          // Admins follow the same rules; classic protection has no bypass list here, so break
          // glass under classic protection means lifting it, which is itself a reviewed change.
          enforceAdmins: true,
          allowsForcePushes: false,
          allowsDeletions: false,
          requiredLinearHistory: true,
          requireConversationResolution: true,
          requiredPullRequestReviews: [
            {
              requiredApprovingReviewCount: requiredApprovals,
              dismissStaleReviews: true,
              requireLastPushApproval: true,
              ...(requireCodeOwnerReview ? { requireCodeOwnerReviews: true } : {}),
            },
          ],
          requiredStatusChecks: [{ strict: true, contexts: requiredChecks }],
        },
        { parent: this },
      );
    }

    this.tagRuleset = new github.RepositoryRuleset(
      `${name}-release-tags`,
      {
        name: "slipway: release tags",
        repository: this.repository.name,
        target: "tag",
        enforcement: "active",
        conditions: { refName: { includes: config.releaseTagPatterns.map((pattern) => `refs/tags/${pattern}`), excludes: [] } },
        // No bypass actors: a published release tag is history (003 §0.4), nobody moves it.
        rules: { deletion: true, update: true, nonFastForward: true },
      },
      { parent: this },
    );

    this.labels = TRIAGE_LABELS.map(
      (label) =>
        new github.IssueLabel(
          `${name}-label-${label.name}`,
          { repository: this.repository.name, name: label.name, color: label.color, description: label.description },
          { parent: this },
        ),
    );

    this.registerOutputs({ repositoryName: this.repositoryName, defaultBranch: this.defaultBranch });
  }
}
