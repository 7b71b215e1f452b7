/**
 * Effective protection of a branch or tag, the way GitHub applies it: every active ruleset whose
 * ref conditions match, plus every classic branch protection whose pattern matches, for the same
 * repository. Each layer is enforced on its own, so the effective rule is the union: a push is
 * blocked when any layer blocks it, the required approvals are the highest any layer asks, the
 * required checks are all the layers' checks together.
 */
import type { PolicyResource } from "@pulumi/policy";
import { fnmatch, isLiteralPattern } from "./glob";
import { block, describe, isTrue, list, numeric, ofType, record, strings, text, TYPES } from "./resources";

/** Who may bypass a protection layer. */
export interface Bypass {
  /** How a message names the actor (`Team 42 (always)`, `repository admins`). */
  actor: string;
  /** Whether the actor is the configured break-glass team. */
  breakGlass: boolean;
  /** The ruleset actor type (`Team`, `DeployKey`, …); absent for classic protection. */
  actorType?: string;
}

/** One ruleset or classic branch protection that applies to a ref. */
export interface ProtectionLayer {
  /** The resource that declares the layer. */
  resource: PolicyResource;
  /** How a message names it: `RepositoryRuleset 'main-protection'`. */
  label: string;
  /** Force pushes (non-fast-forward updates) are blocked. */
  blocksForcePush: boolean;
  /** Deleting the ref is blocked. */
  blocksDeletion: boolean;
  /** Updating (moving) the ref is blocked (tag rulesets). */
  blocksUpdate: boolean;
  /** Changes must come through a pull request. */
  requiresPullRequest: boolean;
  /** Approving reviews required. */
  approvals: number;
  /** New pushes dismiss earlier approvals. */
  dismissesStaleApprovals: boolean;
  /** Status check contexts required. */
  requiredChecks: string[];
  /** The branch must be up to date with the base before merging. */
  requiresUpToDate: boolean;
  /** Actors allowed to bypass the layer. */
  bypasses: Bypass[];
}

/** Everything that applies to one ref of one repository. */
export interface EffectiveProtection {
  /** Repository name. */
  repository: string;
  /** Branch or tag name (without `refs/heads/` or `refs/tags/`). */
  ref: string;
  /** Layers that apply and are enforced. */
  layers: ProtectionLayer[];
  /** Why other layers that name this repository do not protect the ref (for messages). */
  notApplied: string[];
}

/** A repository the stack manages, with its default branch. */
export interface ManagedRepository {
  /** The Repository resource. */
  resource: PolicyResource;
  /** Repository name. */
  name: string;
  /** Default branch (from BranchDefault; `main` when the stack does not set one). */
  defaultBranch: string;
}

/** Every Repository in the stack with its default branch. */
export function managedRepositories(resources: PolicyResource[]): ManagedRepository[] {
  const defaults = new Map<string, string>();
  for (const branchDefault of ofType(resources, TYPES.branchDefault)) {
    const repository = text(branchDefault.props.repository);
    const branch = text(branchDefault.props.branch);
    if (repository && branch) defaults.set(repository, branch);
  }
  return ofType(resources, TYPES.repository).map((resource) => {
    const name = text(resource.props.name) ?? resource.name;
    return { resource, name, defaultBranch: defaults.get(name) ?? "main" };
  });
}

/** Does a ruleset ref condition entry match the ref? (`~ALL`, `~DEFAULT_BRANCH`, `refs/heads/<fnmatch>`) */
function conditionMatches(condition: string, fullRef: string, isDefaultBranch: boolean): boolean {
  if (condition === "~ALL") return true;
  if (condition === "~DEFAULT_BRANCH") return isDefaultBranch;
  return fnmatch(condition, fullRef);
}

/** The ruleset's includes, for messages that explain why it misses a ref. */
function includesOf(ruleset: PolicyResource): string[] {
  return strings(record(record(block(ruleset.props.conditions)).refName).includes);
}

function rulesetBypasses(ruleset: PolicyResource, breakGlassTeam: string): Bypass[] {
  return list(ruleset.props.bypassActors).map((entry) => {
    const actor = record(entry);
    const actorType = text(actor.actorType) ?? "unknown actor type";
    const actorId = actor.actorId === undefined ? "" : String(actor.actorId);
    const mode = text(actor.bypassMode) ?? "always";
    return {
      actor: `${actorType}${actorId ? ` ${actorId}` : ""} (${mode})`,
      breakGlass: breakGlassTeam !== "" && actorType === "Team" && actorId === breakGlassTeam,
      actorType,
    };
  });
}

function rulesetLayer(ruleset: PolicyResource, breakGlassTeam: string): ProtectionLayer {
  const rules = record(block(ruleset.props.rules));
  const pullRequest = block(rules.pullRequest);
  const statusChecks = block(rules.requiredStatusChecks);
  return {
    resource: ruleset,
    label: describe(ruleset),
    blocksForcePush: isTrue(rules.nonFastForward),
    blocksDeletion: isTrue(rules.deletion),
    blocksUpdate: isTrue(rules.update),
    requiresPullRequest: pullRequest !== undefined,
    approvals: pullRequest ? (numeric(pullRequest.requiredApprovingReviewCount) ?? 0) : 0,
    dismissesStaleApprovals: pullRequest !== undefined && isTrue(pullRequest.dismissStaleReviewsOnPush),
    requiredChecks: statusChecks
      ? list(statusChecks.requiredChecks)
          .map((check) => text(record(check).context))
          .filter((context): context is string => context !== undefined)
      : [],
    requiresUpToDate: statusChecks !== undefined && isTrue(statusChecks.strictRequiredStatusChecksPolicy),
    bypasses: rulesetBypasses(ruleset, breakGlassTeam),
  };
}

/** Classic bypassers are `org/team-slug` or `/user` strings. */
function classicBypass(actor: string, breakGlassTeam: string): Bypass {
  const breakGlass = breakGlassTeam !== "" && (actor === breakGlassTeam || actor.endsWith(`/${breakGlassTeam}`));
  return { actor, breakGlass };
}

function classicLayer(protection: PolicyResource, breakGlassTeam: string): ProtectionLayer {
  const props = protection.props;
  const reviews = block(props.requiredPullRequestReviews);
  const checks = block(props.requiredStatusChecks);
  const bypasses: Bypass[] = [];
  // enforceAdmins defaults to false: then repository admins are exempt from every rule.
  if (!isTrue(props.enforceAdmins)) bypasses.push({ actor: "repository admins (enforceAdmins is not true)", breakGlass: false });
  for (const actor of strings(reviews?.pullRequestBypassers)) bypasses.push(classicBypass(actor, breakGlassTeam));
  for (const actor of strings(props.forcePushBypassers)) bypasses.push(classicBypass(actor, breakGlassTeam));
  return {
    resource: protection,
    label: describe(protection),
    // Classic protection blocks force pushes and deletion unless explicitly allowed.
    blocksForcePush: !isTrue(props.allowsForcePushes),
    blocksDeletion: !isTrue(props.allowsDeletions),
    blocksUpdate: isTrue(props.lockBranch),
    requiresPullRequest: reviews !== undefined,
    // The provider's default for requiredApprovingReviewCount is 1.
    approvals: reviews ? (numeric(reviews.requiredApprovingReviewCount) ?? 1) : 0,
    dismissesStaleApprovals: reviews !== undefined && isTrue(reviews.dismissStaleReviews),
    requiredChecks: checks ? strings(checks.contexts) : [],
    requiresUpToDate: checks !== undefined && isTrue(checks.strict),
    bypasses,
  };
}

/** The effective protection of `branch` in `repository`. */
export function branchProtectionOf(
  resources: PolicyResource[],
  repository: ManagedRepository,
  branch: string,
  breakGlassTeam = "",
): EffectiveProtection {
  const fullRef = `refs/heads/${branch}`;
  const isDefault = branch === repository.defaultBranch;
  const layers: ProtectionLayer[] = [];
  const notApplied: string[] = [];
  for (const ruleset of ofType(resources, TYPES.ruleset)) {
    if (text(ruleset.props.repository) !== repository.name) continue;
    if (text(ruleset.props.target) !== "branch") continue;
    const refName = record(record(block(ruleset.props.conditions)).refName);
    const included = strings(refName.includes).some((condition) => conditionMatches(condition, fullRef, isDefault));
    const excluded = strings(refName.excludes).some((condition) => conditionMatches(condition, fullRef, isDefault));
    if (!included || excluded) {
      const hint = includesOf(ruleset).some((include) => !include.startsWith("refs/") && !include.startsWith("~"))
        ? " (ref conditions must be full refs such as 'refs/heads/main', or ~DEFAULT_BRANCH / ~ALL)"
        : "";
      notApplied.push(`${describe(ruleset)} does not match '${branch}'${excluded ? " (excluded)" : ""}${hint}`);
      continue;
    }
    const enforcement = text(ruleset.props.enforcement) ?? "unset";
    if (enforcement !== "active") {
      notApplied.push(`${describe(ruleset)} matches '${branch}' but its enforcement is '${enforcement}', not 'active'`);
      continue;
    }
    layers.push(rulesetLayer(ruleset, breakGlassTeam));
  }
  for (const protection of ofType(resources, TYPES.branchProtection)) {
    if (text(protection.props.repositoryId) !== repository.name) continue;
    const pattern = text(protection.props.pattern) ?? "";
    if (!fnmatch(pattern, branch)) {
      notApplied.push(`${describe(protection)} pattern '${pattern}' does not match '${branch}'`);
      continue;
    }
    layers.push(classicLayer(protection, breakGlassTeam));
  }
  return { repository: repository.name, ref: branch, layers, notApplied };
}

/** The effective protection of tag `tag` in `repository` (tag rulesets only: classic protection is for branches). */
export function tagProtectionOf(
  resources: PolicyResource[],
  repository: ManagedRepository,
  tag: string,
  breakGlassTeam = "",
): EffectiveProtection {
  const fullRef = `refs/tags/${tag}`;
  const layers: ProtectionLayer[] = [];
  const notApplied: string[] = [];
  for (const ruleset of ofType(resources, TYPES.ruleset)) {
    if (text(ruleset.props.repository) !== repository.name) continue;
    if (text(ruleset.props.target) !== "tag") continue;
    const refName = record(record(block(ruleset.props.conditions)).refName);
    const included = strings(refName.includes).some((condition) => conditionMatches(condition, fullRef, false));
    const excluded = strings(refName.excludes).some((condition) => conditionMatches(condition, fullRef, false));
    if (!included || excluded) continue;
    const enforcement = text(ruleset.props.enforcement) ?? "unset";
    if (enforcement !== "active") {
      notApplied.push(`${describe(ruleset)} matches '${tag}' but its enforcement is '${enforcement}', not 'active'`);
      continue;
    }
    layers.push(rulesetLayer(ruleset, breakGlassTeam));
  }
  return { repository: repository.name, ref: tag, layers, notApplied };
}

/**
 * Branches worth judging for push protection: the default branch, plus every branch a protection
 * layer names literally (`prod`, `release`), since naming it says the team means to protect it.
 */
export function protectedBranchCandidates(resources: PolicyResource[], repository: ManagedRepository): string[] {
  const branches = new Set<string>([repository.defaultBranch]);
  for (const ruleset of ofType(resources, TYPES.ruleset)) {
    if (text(ruleset.props.repository) !== repository.name || text(ruleset.props.target) !== "branch") continue;
    for (const include of includesOf(ruleset)) {
      const branch = include.startsWith("refs/heads/") ? include.slice("refs/heads/".length) : undefined;
      if (branch && isLiteralPattern(branch)) branches.add(branch);
    }
  }
  for (const protection of ofType(resources, TYPES.branchProtection)) {
    if (text(protection.props.repositoryId) !== repository.name) continue;
    const pattern = text(protection.props.pattern);
    if (pattern && isLiteralPattern(pattern)) branches.add(pattern);
  }
  return [...branches];
}

/** Union helpers over the layers of an effective protection. */
export const union = {
  /** Some layer blocks force pushes. */
  blocksForcePush: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.blocksForcePush),
  /** Some layer blocks deletion. */
  blocksDeletion: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.blocksDeletion),
  /** Some layer blocks updates (moving the ref). */
  blocksUpdate: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.blocksUpdate),
  /** Some layer requires a pull request. */
  requiresPullRequest: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.requiresPullRequest),
  /** The highest approval count any layer requires. */
  approvals: (protection: EffectiveProtection): number =>
    protection.layers.reduce((highest, layer) => Math.max(highest, layer.approvals), 0),
  /** Some layer dismisses stale approvals. */
  dismissesStaleApprovals: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.dismissesStaleApprovals),
  /** Every check some layer requires. */
  requiredChecks: (protection: EffectiveProtection): string[] => [...new Set(protection.layers.flatMap((layer) => layer.requiredChecks))],
  /** Some layer requires the branch to be up to date. */
  requiresUpToDate: (protection: EffectiveProtection): boolean => protection.layers.some((layer) => layer.requiresUpToDate),
};

/** Why a ref has no protection, for messages: the near misses, or that nothing names it. */
export function explainUnprotected(protection: EffectiveProtection): string {
  return protection.notApplied.length > 0
    ? protection.notApplied.join("; ")
    : `no ruleset or branch protection for repository '${protection.repository}' covers it`;
}
