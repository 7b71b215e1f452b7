/**
 * What was read, as Slipway config: the `slipway:github` and `slipway:environments` sections
 * that reproduce today's settings as closely as the config contract can express them, every
 * setting it cannot express (with where it lives), and the existing GitHub resources the program
 * will register, with their ids and today's settings (the import file and the gap report's state).
 *
 * The result is validated with the contract itself (config/config.ts): an import that wrote
 * config the program then refused would be a bug.
 */
import type { z } from "zod";
import { DEFAULT_REQUIRED_CHECKS } from "../contract/repositoryRules";
import { configProblems, ENVIRONMENT_NAMES, type EnvironmentName, stackConfigSchema } from "../config/config";
import { TRIAGE_LABELS } from "../components/github/repository";
import { gateChecks } from "../components/github/policyGate";
import { FLAGS_VARIABLE, RELEASE_MANIFEST_VARIABLE } from "../contract";
import { LEDGER_ANCHOR_VARIABLE } from "../contract/release";
import { COMPONENT_TYPES, TYPES } from "../contract/resourceTypes";
import type { ClassicProtection, EnvironmentSnapshot, OrganisationSnapshot, RepositorySnapshot, Ruleset } from "./github";

/** The name the program gives the default-branch ruleset, and the tag ruleset. */
export const BRANCH_RULESET_NAME = "slipway: default branch";
export const TAG_RULESET_NAME = "slipway: release tags";

/** A setting the config contract cannot express: the first `pulumi up` would change it (or leave it unmanaged). */
export interface Inexpressible {
  /** The repository it is in; absent for the organisation's. */
  repository?: string;
  /** Stable id of the setting (`ruleset.enforcement`, `repository.allow_merge_commit`, `environment.production.reviewers`). */
  setting: string;
  /** Where it lives in GitHub (the settings page or API object). */
  where: string;
  /** Its value today. */
  today: string;
  /** What Slipway does instead. */
  slipway: string;
}

/** One resource the program registers, parent first; components carry no id. */
export interface AdoptedResource {
  /** Type token. */
  type: string;
  /** The logical name the program gives it. */
  name: string;
  /** Index of the parent in the list; absent: the root stack. */
  parent?: number;
  /** The provider's import id (custom resources that exist today). */
  id?: string;
  /** Today's settings as the provider's inputs (what the gap report judges). */
  inputs: Record<string, unknown>;
}

/** The outcome of mapping. */
export interface ImportedConfig {
  /** `slipway:github`, without the ledger deploy key (yours to supply). */
  github: Record<string, unknown>;
  /** `slipway:environments`, without secret values (never readable). */
  environments: Record<string, unknown>;
  /** Settings the contract cannot express. */
  inexpressible: Inexpressible[];
  /** Keys you must still set, each with the command that sets it. */
  toSupply: string[];
  /** Existing resources, in the program's tree. */
  resources: AdoptedResource[];
}

type Rules = Map<string, Record<string, unknown>>;

function rulesOf(ruleset: Ruleset): Rules {
  return new Map(
    (ruleset.rules ?? []).map((rule) => [
      rule.type,
      ((rule as { parameters?: Record<string, unknown> }).parameters ?? {}) as Record<string, unknown>,
    ]),
  );
}

/** Ref patterns a ruleset's conditions include. */
function includedRefs(ruleset: Ruleset): string[] {
  const conditions = ruleset.conditions as { ref_name?: { include?: string[] } } | null | undefined;
  return conditions?.ref_name?.include ?? [];
}

function excludedRefs(ruleset: Ruleset): string[] {
  const conditions = ruleset.conditions as { ref_name?: { exclude?: string[] } } | null | undefined;
  return conditions?.ref_name?.exclude ?? [];
}

/** Whether a branch ruleset covers the default branch. */
function coversDefaultBranch(ruleset: Ruleset, defaultBranch: string): boolean {
  if (ruleset.target !== "branch" && ruleset.target !== undefined) return false;
  const refs = includedRefs(ruleset);
  return refs.includes("~DEFAULT_BRANCH") || refs.includes("~ALL") || refs.includes(`refs/heads/${defaultBranch}`);
}

/** Slipway's fixed rules of a default-branch ruleset, and where GitHub keeps each. */
const FIXED_RULESET_SETTINGS: { setting: string; read: (ruleset: Ruleset, rules: Rules) => unknown; slipway: unknown }[] = [
  { setting: "ruleset.name", read: (r) => r.name, slipway: BRANCH_RULESET_NAME },
  { setting: "ruleset.enforcement", read: (r) => r.enforcement, slipway: "active" },
  {
    setting: "ruleset.conditions.ref_name",
    read: (r) => JSON.stringify({ include: includedRefs(r), exclude: excludedRefs(r) }),
    slipway: JSON.stringify({ include: ["~DEFAULT_BRANCH"], exclude: [] }),
  },
  { setting: "ruleset.rules.deletion", read: (_, rules) => rules.has("deletion"), slipway: true },
  { setting: "ruleset.rules.non_fast_forward", read: (_, rules) => rules.has("non_fast_forward"), slipway: true },
  { setting: "ruleset.rules.required_linear_history", read: (_, rules) => rules.has("required_linear_history"), slipway: true },
  { setting: "ruleset.rules.pull_request", read: (_, rules) => rules.has("pull_request"), slipway: true },
  {
    setting: "ruleset.rules.pull_request.dismiss_stale_reviews_on_push",
    read: (_, rules) => rules.get("pull_request")?.dismiss_stale_reviews_on_push === true,
    slipway: true,
  },
  {
    setting: "ruleset.rules.pull_request.require_last_push_approval",
    read: (_, rules) => rules.get("pull_request")?.require_last_push_approval === true,
    slipway: true,
  },
  {
    setting: "ruleset.rules.pull_request.required_review_thread_resolution",
    read: (_, rules) => rules.get("pull_request")?.required_review_thread_resolution === true,
    slipway: true,
  },
  { setting: "ruleset.rules.required_status_checks", read: (_, rules) => rules.has("required_status_checks"), slipway: true },
  {
    setting: "ruleset.rules.required_status_checks.strict",
    read: (_, rules) => rules.get("required_status_checks")?.strict_required_status_checks_policy === true,
    slipway: true,
  },
  { setting: "ruleset.rules.creation", read: (_, rules) => rules.has("creation"), slipway: false },
  { setting: "ruleset.rules.update", read: (_, rules) => rules.has("update"), slipway: false },
  { setting: "ruleset.rules.required_signatures", read: (_, rules) => rules.has("required_signatures"), slipway: false },
];

/** Slipway's fixed settings of classic protection. */
const FIXED_CLASSIC_SETTINGS: { setting: string; read: (p: ClassicProtection) => unknown; slipway: unknown }[] = [
  { setting: "classic.enforce_admins", read: (p) => p.enforce_admins?.enabled === true, slipway: true },
  { setting: "classic.allow_force_pushes", read: (p) => p.allow_force_pushes?.enabled === true, slipway: false },
  { setting: "classic.allow_deletions", read: (p) => p.allow_deletions?.enabled === true, slipway: false },
  { setting: "classic.required_linear_history", read: (p) => p.required_linear_history?.enabled === true, slipway: true },
  { setting: "classic.required_conversation_resolution", read: (p) => p.required_conversation_resolution?.enabled === true, slipway: true },
  { setting: "classic.required_pull_request_reviews", read: (p) => p.required_pull_request_reviews !== undefined, slipway: true },
  { setting: "classic.dismiss_stale_reviews", read: (p) => p.required_pull_request_reviews?.dismiss_stale_reviews === true, slipway: true },
  {
    setting: "classic.require_last_push_approval",
    read: (p) => p.required_pull_request_reviews?.require_last_push_approval === true,
    slipway: true,
  },
  { setting: "classic.required_status_checks", read: (p) => p.required_status_checks !== undefined, slipway: true },
  { setting: "classic.required_status_checks.strict", read: (p) => p.required_status_checks?.strict === true, slipway: true },
  { setting: "classic.restrictions", read: (p) => p.restrictions !== undefined, slipway: false },
  { setting: "classic.required_signatures", read: (p) => p.required_signatures?.enabled === true, slipway: false },
];

/** Slipway's fixed repository settings (components/github/repository.ts). */
const FIXED_REPOSITORY_SETTINGS: {
  setting: string;
  field: "allow_squash_merge" | "allow_merge_commit" | "allow_rebase_merge" | "delete_branch_on_merge" | "has_issues";
  slipway: boolean;
}[] = [
  { setting: "repository.allow_squash_merge", field: "allow_squash_merge", slipway: true },
  { setting: "repository.allow_merge_commit", field: "allow_merge_commit", slipway: false },
  { setting: "repository.allow_rebase_merge", field: "allow_rebase_merge", slipway: false },
  { setting: "repository.delete_branch_on_merge", field: "delete_branch_on_merge", slipway: true },
  { setting: "repository.has_issues", field: "has_issues", slipway: true },
];

/** Variables Slipway sets itself in every environment. */
const RESERVED_VARIABLES = [RELEASE_MANIFEST_VARIABLE, FLAGS_VARIABLE, LEDGER_ANCHOR_VARIABLE];

/** Protection settings of a repository as the contract holds them. */
interface Protection {
  requiredChecks: string[];
  approvals: number;
}

function checksOfRuleset(rules: Rules): string[] {
  const checks = rules.get("required_status_checks")?.required_status_checks as { context: string }[] | undefined;
  return (checks ?? []).map((check) => check.context);
}

function approvalsOfRuleset(rules: Rules): number {
  return Number(rules.get("pull_request")?.required_approving_review_count ?? 0);
}

/** Who may bypass a ruleset, teams by slug (`team platform (4713), always`); `nobody` when no one. */
function describeBypass(ruleset: Ruleset, teams: readonly { id: number; slug: string }[]): string {
  const actors = ruleset.bypass_actors ?? [];
  if (actors.length === 0) return "nobody";
  return actors
    .map((actor) => {
      const slug = actor.actor_type === "Team" ? teams.find((t) => t.id === actor.actor_id)?.slug : undefined;
      return `${actor.actor_type}${slug ? ` ${slug}` : ""}${actor.actor_id !== null && actor.actor_id !== undefined ? ` (${actor.actor_id})` : ""}, ${actor.bypass_mode ?? "always"}`;
    })
    .join("; ");
}

/** Today's inputs of a ruleset, in the provider's shape (what the gap report judges). */
export function rulesetInputs(ruleset: Ruleset, repository: string): Record<string, unknown> {
  const rules = rulesOf(ruleset);
  const pr = rules.get("pull_request");
  const status = rules.get("required_status_checks");
  const outRules: Record<string, unknown> = {};
  if (rules.has("creation")) outRules.creation = true;
  if (rules.has("update")) outRules.update = true;
  if (rules.has("deletion")) outRules.deletion = true;
  if (rules.has("non_fast_forward")) outRules.nonFastForward = true;
  if (rules.has("required_linear_history")) outRules.requiredLinearHistory = true;
  if (rules.has("required_signatures")) outRules.requiredSignatures = true;
  if (pr) {
    outRules.pullRequest = {
      requiredApprovingReviewCount: pr.required_approving_review_count ?? 0,
      dismissStaleReviewsOnPush: pr.dismiss_stale_reviews_on_push === true,
      requireLastPushApproval: pr.require_last_push_approval === true,
      requiredReviewThreadResolution: pr.required_review_thread_resolution === true,
      requireCodeOwnerReview: pr.require_code_owner_review === true,
    };
  }
  if (status) {
    outRules.requiredStatusChecks = {
      requiredChecks: ((status.required_status_checks as { context: string; integration_id?: number }[]) ?? []).map((check) => ({
        context: check.context,
        ...(check.integration_id !== undefined ? { integrationId: check.integration_id } : {}),
      })),
      strictRequiredStatusChecksPolicy: status.strict_required_status_checks_policy === true,
    };
  }
  return {
    name: ruleset.name,
    repository,
    target: ruleset.target ?? "branch",
    enforcement: ruleset.enforcement,
    conditions: { refName: { includes: includedRefs(ruleset), excludes: excludedRefs(ruleset) } },
    ...((ruleset.bypass_actors ?? []).length > 0
      ? {
          bypassActors: (ruleset.bypass_actors ?? []).map((actor) => ({
            actorId: actor.actor_id,
            actorType: actor.actor_type,
            bypassMode: actor.bypass_mode,
          })),
        }
      : {}),
    rules: outRules,
  };
}

/** Today's inputs of classic protection, in the provider's shape. */
export function classicInputs(protection: ClassicProtection, repository: string, branch: string): Record<string, unknown> {
  const reviews = protection.required_pull_request_reviews;
  const checks = protection.required_status_checks;
  return {
    repositoryId: repository,
    pattern: branch,
    enforceAdmins: protection.enforce_admins?.enabled === true,
    allowsForcePushes: protection.allow_force_pushes?.enabled === true,
    allowsDeletions: protection.allow_deletions?.enabled === true,
    requiredLinearHistory: protection.required_linear_history?.enabled === true,
    requireConversationResolution: protection.required_conversation_resolution?.enabled === true,
    requireSignedCommits: protection.required_signatures?.enabled === true,
    requiredPullRequestReviews: reviews
      ? [
          {
            requiredApprovingReviewCount: reviews.required_approving_review_count ?? 0,
            dismissStaleReviews: reviews.dismiss_stale_reviews === true,
            requireLastPushApproval: reviews.require_last_push_approval === true,
            requireCodeOwnerReviews: reviews.require_code_owner_reviews === true,
          },
        ]
      : [],
    requiredStatusChecks: checks ? [{ strict: checks.strict === true, contexts: checks.contexts ?? [] }] : [],
  };
}

/** Reviewers of an environment: team slugs and user logins with their ids, and self-review. */
function reviewersOf(environment: EnvironmentSnapshot["environment"]): {
  teams: Record<string, number>;
  users: Record<string, number>;
  preventSelfReview: boolean;
} {
  const teams: Record<string, number> = {};
  const users: Record<string, number> = {};
  let preventSelfReview = false;
  for (const rule of environment.protection_rules ?? []) {
    const r = rule as {
      type: string;
      prevent_self_review?: boolean;
      reviewers?: { type?: string; reviewer?: { id?: number; slug?: string; login?: string } }[];
    };
    if (r.type !== "required_reviewers") continue;
    preventSelfReview = r.prevent_self_review === true;
    for (const entry of r.reviewers ?? []) {
      if (entry.type === "Team" && entry.reviewer?.slug && entry.reviewer.id !== undefined) teams[entry.reviewer.slug] = entry.reviewer.id;
      if (entry.type === "User" && entry.reviewer?.login && entry.reviewer.id !== undefined)
        users[entry.reviewer.login] = entry.reviewer.id;
    }
  }
  return { teams, users, preventSelfReview };
}

/** Whether admins may bypass the environment's rules: GitHub's answer when it gives one (the OpenAPI description omits the field), else its default, true. */
function canAdminsBypass(environment: EnvironmentSnapshot["environment"]): boolean {
  return (environment as { can_admins_bypass?: boolean }).can_admins_bypass !== false;
}

function waitTimerOf(environment: EnvironmentSnapshot["environment"]): number {
  for (const rule of environment.protection_rules ?? []) {
    const r = rule as { type: string; wait_timer?: number };
    if (r.type === "wait_timer") return r.wait_timer ?? 0;
  }
  return 0;
}

/** An environment's config, and what of it the contract cannot express. */
function environmentConfig(
  name: EnvironmentName,
  snapshot: EnvironmentSnapshot,
): {
  config: Record<string, unknown>;
  teams: Record<string, number>;
  users: Record<string, number>;
  inexpressible: Omit<Inexpressible, "repository">[];
  secretNames: string[];
} {
  const { environment } = snapshot;
  const reviewers = reviewersOf(environment);
  const inexpressible: Omit<Inexpressible, "repository">[] = [];
  const where = `environment '${name}'`;
  const config: Record<string, unknown> = {
    // GitHub allows six of each, as the contract does.
    reviewerTeams: Object.keys(reviewers.teams).slice(0, 6),
    reviewerUsers: Object.keys(reviewers.users).slice(0, 6),
    preventSelfReview: reviewers.preventSelfReview,
    waitTimerMinutes: waitTimerOf(environment),
    canAdminsBypass: canAdminsBypass(environment),
  };
  const policy = environment.deployment_branch_policy ?? null;
  if (policy?.custom_branch_policies) {
    const branches = snapshot.branchPolicies.filter((p) => (p as { type?: string }).type !== "tag").map((p) => p.name!);
    const tags = snapshot.branchPolicies.filter((p) => (p as { type?: string }).type === "tag").map((p) => p.name!);
    config.deployRefs = { branches, tags };
  } else if (policy === null && name !== "preview") {
    inexpressible.push({
      setting: `environment.${name}.deployment_branch_policy`,
      where,
      today: "every branch may deploy",
      slipway: "protected branches only, unless deployRefs names refs",
    });
  } else if (policy?.protected_branches && name === "preview") {
    inexpressible.push({
      setting: `environment.${name}.deployment_branch_policy`,
      where,
      today: "protected branches only",
      slipway: "preview admits every branch unless deployRefs names refs",
    });
  }
  for (const [kind, list] of [
    ["team", reviewers.teams],
    ["user", reviewers.users],
  ] as const) {
    if (Object.keys(list).length > 6) {
      inexpressible.push({
        setting: `environment.${name}.reviewers`,
        where,
        today: `${Object.keys(list).length} reviewer ${kind}s`,
        slipway: `at most 6 reviewer ${kind}s`,
      });
    }
  }
  const variables: Record<string, string> = {};
  for (const [key, value] of Object.entries(snapshot.variables)) {
    if (RESERVED_VARIABLES.includes(key)) {
      inexpressible.push({
        setting: `environment.${name}.variables.${key}`,
        where,
        today: "set by hand",
        slipway: "Slipway sets it from the release, the ledger and the flags",
      });
    } else variables[key] = value;
  }
  config.variables = variables;
  return { config, teams: reviewers.teams, users: reviewers.users, inexpressible, secretNames: snapshot.secretNames };
}

/** Whether the contract can hold a repository or branch name (config/config.ts `identifier`). */
function fitsContract(text: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text);
}

/** The repositories whose names the contract can hold (the others are listed, not governed). */
function governedRepositories(snapshot: OrganisationSnapshot): RepositorySnapshot[] {
  return snapshot.repositories.filter((repo) => fitsContract(repo.repository.name) && fitsContract(repo.repository.default_branch));
}

/** Map what was read to config; throws when the result is not valid config (a bug). */
export function toConfig(snapshot: OrganisationSnapshot, options: { stack: string }): ImportedConfig {
  const inexpressible: Inexpressible[] = [];
  const toSupply: string[] = [];
  const resources: AdoptedResource[] = [];
  const add = (resource: AdoptedResource): number => resources.push(resource) - 1;
  const topology = add({ type: COMPONENT_TYPES.topology, name: "release", inputs: {} });
  const teams: Record<string, number> = {};
  const users: Record<string, number> = {};
  const repositories: Record<string, unknown>[] = [];
  // Deploy repositories (those with a playbook environment) also require the policy gate's checks
  // and, when production names approvers, their review as code owners (components/topology.ts).
  const isPlaybookEnvironment = (name: string) => (ENVIRONMENT_NAMES as readonly string[]).includes(name);
  const deployRepos = governedRepositories(snapshot).filter((repo) =>
    (repo.environments ?? []).some((env) => isPlaybookEnvironment(env.environment.name)),
  );
  const productionHasApprovers = deployRepos.some((repo) =>
    repo.environments!.some(
      (env) =>
        env.environment.name === "production" &&
        (env.environment.protection_rules ?? []).some((rule) => (rule as { type: string }).type === "required_reviewers"),
    ),
  );
  const policyGateChecks = gateChecks(["staging", "production"]);

  const governed = governedRepositories(snapshot);
  for (const repo of snapshot.repositories.filter((r) => !governed.includes(r))) {
    const { name, default_branch: branch } = repo.repository;
    const [setting, today] = fitsContract(name) ? ["repository.default_branch", branch] : ["repository.name", name];
    inexpressible.push({
      repository: name,
      setting,
      where: "repository",
      today,
      slipway:
        "not governed: the config names repositories and branches with letters, digits, '.', '_' and '-', starting with a letter or digit",
    });
  }

  for (const repo of governed) {
    const { repository } = repo;
    const name = repository.name;
    const branch = repository.default_branch;
    const note = (entry: Omit<Inexpressible, "repository">) => inexpressible.push({ repository: name, ...entry });
    const rulesets = repo.rulesets ?? [];
    const own = rulesets.filter((r) => r.source_type !== "Organization");
    const organisation = rulesets.filter((r) => r.source_type === "Organization");
    const branchRuleset = own.find((r) => coversDefaultBranch(r, branch));
    const tagRuleset = own.find((r) => r.target === "tag");
    const classic = repo.classicProtection ?? undefined;
    for (const r of organisation) {
      note({
        setting: `organisation-ruleset.${r.id}`,
        where: `organisation ruleset '${r.name}' (id ${r.id})`,
        today: `applies to ${name}`,
        slipway: "not managed: Slipway manages repository rulesets; the organisation ruleset stays as it is",
      });
    }
    for (const r of own.filter((r) => r !== branchRuleset && r !== tagRuleset)) {
      note({
        setting: `ruleset.${r.id}`,
        where: `repository ruleset '${r.name}' (id ${r.id})`,
        today: r.enforcement,
        slipway: "not managed: stays as it is",
      });
    }

    const protection = branchRuleset && classic ? "both" : classic ? "branchProtection" : "ruleset";
    if (!branchRuleset && !classic) {
      const today =
        repo.rulesets === undefined || repo.classicProtection === undefined
          ? "not readable with this token"
          : organisation.some((r) => coversDefaultBranch(r, branch))
            ? "protected only by an organisation ruleset"
            : "unprotected";
      note({ setting: "protection", where: `default branch '${branch}'`, today, slipway: "creates the default-branch ruleset" });
    }
    if (branchRuleset && rulesOf(branchRuleset).get("required_status_checks")) {
      const bound = (
        rulesOf(branchRuleset).get("required_status_checks")!.required_status_checks as { context: string; integration_id?: number }[]
      ).filter((check) => check.integration_id !== undefined);
      if (bound.length > 0)
        note({
          setting: "required_status_checks.integration_id",
          where: `ruleset '${branchRuleset.name}' (id ${branchRuleset.id})`,
          today: bound.map((check) => `${check.context} from app ${check.integration_id}`).join(", "),
          slipway: "checks by name, from any app",
        });
    }
    // The contract holds one set of checks and approvals: the adopted ruleset's, else classic's.
    const primary: Protection | undefined = branchRuleset
      ? { requiredChecks: checksOfRuleset(rulesOf(branchRuleset)), approvals: approvalsOfRuleset(rulesOf(branchRuleset)) }
      : classic
        ? {
            requiredChecks: classic.required_status_checks?.contexts ?? [],
            approvals: classic.required_pull_request_reviews?.required_approving_review_count ?? 0,
          }
        : undefined;
    let requiredChecks = primary?.requiredChecks ?? [];
    if (requiredChecks.length === 0) {
      note({
        setting: "required_status_checks.contexts",
        where: `default branch '${branch}'`,
        today: "none",
        slipway: `requires at least one check: the baseline (${DEFAULT_REQUIRED_CHECKS.join(", ")})`,
      });
      requiredChecks = [...DEFAULT_REQUIRED_CHECKS];
    }
    let minApprovals = primary?.approvals ?? 0;
    if (minApprovals < 1 || minApprovals > 6) {
      note({
        setting: "required_approving_review_count",
        where: `default branch '${branch}'`,
        today: String(minApprovals),
        slipway: minApprovals < 1 ? "at least 1 approving review" : "at most 6",
      });
      minApprovals = Math.min(6, Math.max(1, minApprovals));
    }
    if (branchRuleset && classic) {
      const classicChecks = classic.required_status_checks?.contexts ?? [];
      const classicApprovals = classic.required_pull_request_reviews?.required_approving_review_count ?? 0;
      if (JSON.stringify([...classicChecks].sort()) !== JSON.stringify([...requiredChecks].sort())) {
        note({
          setting: "classic.required_status_checks.contexts",
          where: `classic protection of '${branch}'`,
          today: classicChecks.join(", ") || "none",
          slipway: `the ruleset's checks (${requiredChecks.join(", ")})`,
        });
      }
      if (classicApprovals !== minApprovals) {
        note({
          setting: "classic.required_approving_review_count",
          where: `classic protection of '${branch}'`,
          today: String(classicApprovals),
          slipway: `the ruleset's ${minApprovals}`,
        });
      }
    }

    let releaseTagPatterns: string[] | undefined;
    if (tagRuleset) {
      const patterns = includedRefs(tagRuleset).map((ref) => ref.replace(/^refs\/tags\//, ""));
      if (patterns.length > 0) releaseTagPatterns = patterns;
    } else {
      note({
        setting: "tag-ruleset",
        where: "release tags",
        today: "no tag ruleset",
        slipway: "creates a ruleset that makes release tags immutable",
      });
    }

    const repositoryConfig: Record<string, unknown> = {
      name,
      ...(repository.description ? { description: repository.description } : {}),
      visibility: repository.visibility ?? (repository.private ? "private" : "public"),
      defaultBranch: branch,
      protection,
      requiredChecks,
      l3Checks: [],
      minApprovals,
      ...(releaseTagPatterns ? { releaseTagPatterns } : {}),
    };
    repositories.push(repositoryConfig);

    for (const fixed of FIXED_REPOSITORY_SETTINGS) {
      const today = repository[fixed.field];
      if (today !== undefined && today !== fixed.slipway)
        note({ setting: fixed.setting, where: "repository settings", today: String(today), slipway: String(fixed.slipway) });
    }
    if (repo.vulnerabilityAlerts === false) {
      note({
        setting: "repository.vulnerability_alerts",
        where: "repository security settings",
        today: "off (or not visible to this token)",
        slipway: "on",
      });
    }
    const isDeployRepository = deployRepos.includes(repo);
    const codeOwnerReview = isDeployRepository && productionHasApprovers;
    const missingGateChecks = isDeployRepository ? policyGateChecks.filter((check) => !requiredChecks.includes(check)) : [];
    const component = add({ type: COMPONENT_TYPES.releaseRepository, name, parent: topology, inputs: {} });
    add({
      type: TYPES.repository,
      name,
      parent: component,
      id: name,
      inputs: {
        name,
        description: repository.description ?? undefined,
        visibility: repositoryConfig.visibility,
        hasIssues: repository.has_issues,
        allowSquashMerge: repository.allow_squash_merge,
        allowMergeCommit: repository.allow_merge_commit,
        allowRebaseMerge: repository.allow_rebase_merge,
        deleteBranchOnMerge: repository.delete_branch_on_merge,
        ...(repo.vulnerabilityAlerts !== undefined ? { vulnerabilityAlerts: repo.vulnerabilityAlerts } : {}),
      },
    });
    add({ type: TYPES.branchDefault, name: `${name}-default-branch`, parent: component, id: name, inputs: { repository: name, branch } });
    if (branchRuleset) {
      const rules = rulesOf(branchRuleset);
      for (const fixed of FIXED_RULESET_SETTINGS) {
        const today = fixed.read(branchRuleset, rules);
        if (today !== fixed.slipway)
          note({
            setting: fixed.setting,
            where: `ruleset '${branchRuleset.name}' (id ${branchRuleset.id})`,
            today: String(today),
            slipway: String(fixed.slipway),
          });
      }
      const where = `ruleset '${branchRuleset.name}' (id ${branchRuleset.id})`;
      if ((branchRuleset.bypass_actors ?? []).length > 0) {
        note({
          setting: "ruleset.bypass_actors",
          where,
          today: describeBypass(branchRuleset, snapshot.teams ?? []),
          slipway: `none, or the break-glass team of policy-config.json in pull_request mode (set breakGlassTeam)`,
        });
      }
      const codeOwners = rules.get("pull_request")?.require_code_owner_review === true;
      if (codeOwners !== codeOwnerReview)
        note({
          setting: "ruleset.rules.pull_request.require_code_owner_review",
          where,
          today: String(codeOwners),
          slipway: String(codeOwnerReview),
        });
      if (missingGateChecks.length > 0)
        note({
          setting: "required_status_checks.policy-gate",
          where,
          today: "not required",
          slipway: `a deploy repository requires the policy gate's checks: ${missingGateChecks.join(", ")}`,
        });
      add({
        type: TYPES.ruleset,
        name: `${name}-default-branch`,
        parent: component,
        id: `${name}:${branchRuleset.id}`,
        inputs: rulesetInputs(branchRuleset, name),
      });
    }
    if (classic) {
      for (const fixed of FIXED_CLASSIC_SETTINGS) {
        const today = fixed.read(classic);
        if (today !== fixed.slipway)
          note({
            setting: fixed.setting,
            where: `classic protection of '${branch}'`,
            today: String(today),
            slipway: String(fixed.slipway),
          });
      }
      const where = `classic protection of '${branch}'`;
      const codeOwners = classic.required_pull_request_reviews?.require_code_owner_reviews === true;
      if (codeOwners !== codeOwnerReview)
        note({ setting: "classic.require_code_owner_reviews", where, today: String(codeOwners), slipway: String(codeOwnerReview) });
      if (missingGateChecks.length > 0)
        note({
          setting: "classic.required_status_checks.policy-gate",
          where,
          today: "not required",
          slipway: `a deploy repository requires the policy gate's checks: ${missingGateChecks.join(", ")}`,
        });
      add({
        type: TYPES.branchProtection,
        name: `${name}-default-branch`,
        parent: component,
        id: `${name}:${branch}`,
        inputs: classicInputs(classic, name, branch),
      });
    }
    if (tagRuleset) {
      const rules = rulesOf(tagRuleset);
      const fixedTag: [string, unknown, unknown][] = [
        ["tag-ruleset.name", tagRuleset.name, TAG_RULESET_NAME],
        ["tag-ruleset.enforcement", tagRuleset.enforcement, "active"],
        ["tag-ruleset.bypass_actors", describeBypass(tagRuleset, snapshot.teams ?? []), "nobody"],
        ["tag-ruleset.conditions.ref_name.exclude", JSON.stringify(excludedRefs(tagRuleset)), "[]"],
        ["tag-ruleset.rules.deletion", rules.has("deletion"), true],
        ["tag-ruleset.rules.update", rules.has("update"), true],
        ["tag-ruleset.rules.non_fast_forward", rules.has("non_fast_forward"), true],
        ["tag-ruleset.rules.creation", rules.has("creation"), false],
      ];
      for (const [setting, today, slipway] of fixedTag) {
        if (today !== slipway)
          note({ setting, where: `ruleset '${tagRuleset.name}' (id ${tagRuleset.id})`, today: String(today), slipway: String(slipway) });
      }
      add({
        type: TYPES.ruleset,
        name: `${name}-release-tags`,
        parent: component,
        id: `${name}:${tagRuleset.id}`,
        inputs: rulesetInputs(tagRuleset, name),
      });
    }
    if (repo.labels !== undefined) {
      for (const label of TRIAGE_LABELS) {
        const existing = repo.labels.find((l) => l.name === label.name);
        if (!existing) continue;
        if (existing.color !== label.color)
          note({ setting: `label.${label.name}.color`, where: `label '${label.name}'`, today: existing.color, slipway: label.color });
        if ((existing.description ?? "") !== label.description)
          note({
            setting: `label.${label.name}.description`,
            where: `label '${label.name}'`,
            today: existing.description || "(none)",
            slipway: label.description,
          });
        add({
          type: TYPES.label,
          name: `${name}-label-${label.name}`,
          parent: component,
          id: `${name}:${label.name}`,
          inputs: { repository: name, name: label.name, color: existing.color, description: existing.description ?? "" },
        });
      }
    }
  }

  // Deploy repositories: those with a playbook environment. Environments are one config for all of them.
  const environments: Record<string, unknown> = {};
  const environmentNames = ENVIRONMENT_NAMES.filter((envName) =>
    deployRepos.some((repo) => repo.environments!.some((env) => env.environment.name === envName)),
  );
  const chosen: Partial<Record<EnvironmentName, ReturnType<typeof environmentConfig>>> = {};
  for (const repo of governed) {
    const name = repo.repository.name;
    for (const env of repo.environments ?? []) {
      const envName = env.environment.name;
      if (!(ENVIRONMENT_NAMES as readonly string[]).includes(envName)) {
        inexpressible.push({
          repository: name,
          setting: `environment.${envName}`,
          where: `environment '${envName}'`,
          today: "exists",
          slipway: `not managed: Slipway manages ${ENVIRONMENT_NAMES.join(", ")}`,
        });
        continue;
      }
      const mapped = environmentConfig(envName as EnvironmentName, env);
      const first = chosen[envName as EnvironmentName];
      if (first === undefined) {
        chosen[envName as EnvironmentName] = mapped;
        environments[envName] = mapped.config;
        Object.assign(teams, mapped.teams);
        Object.assign(users, mapped.users);
        for (const secretName of mapped.secretNames) {
          toSupply.push(
            `pulumi config set --secret --path 'slipway:environments.${envName}.secrets.${secretName}' --stack ${options.stack}   # ${name}: its value cannot be read`,
          );
        }
      } else if (JSON.stringify(first.config) !== JSON.stringify(mapped.config)) {
        inexpressible.push({
          repository: name,
          setting: `environment.${envName}`,
          where: `environment '${envName}'`,
          today: JSON.stringify(mapped.config),
          slipway: `one config for every deploy repository: the first one's (${JSON.stringify(first.config)})`,
        });
      }
      for (const entry of mapped.inexpressible) inexpressible.push({ repository: name, ...entry });
    }
  }
  for (const repo of deployRepos) {
    const name = repo.repository.name;
    for (const envName of environmentNames) {
      const env = repo.environments!.find((e) => e.environment.name === envName);
      if (!env) continue;
      const component = add({ type: COMPONENT_TYPES.deploymentEnvironment, name: `${name}-${envName}`, parent: topology, inputs: {} });
      const config = environments[envName] as { deployRefs?: { branches: string[]; tags: string[] }; variables: Record<string, string> };
      const reviewers = reviewersOf(env.environment);
      const policy = env.environment.deployment_branch_policy ?? null;
      add({
        type: TYPES.environment,
        name: `${name}-${envName}`,
        parent: component,
        id: `${name}:${envName}`,
        inputs: {
          repository: name,
          environment: envName,
          ...(Object.keys(reviewers.teams).length + Object.keys(reviewers.users).length > 0
            ? { reviewers: [{ teams: Object.values(reviewers.teams), users: Object.values(reviewers.users) }] }
            : {}),
          preventSelfReview: reviewers.preventSelfReview,
          waitTimer: waitTimerOf(env.environment),
          canAdminsBypass: canAdminsBypass(env.environment),
          ...(policy !== null
            ? {
                deploymentBranchPolicy: {
                  protectedBranches: policy.protected_branches,
                  customBranchPolicies: policy.custom_branch_policies,
                },
              }
            : {}),
        },
      });
      for (const branchPolicy of env.branchPolicies) {
        const isTag = (branchPolicy as { type?: string }).type === "tag";
        const wanted = isTag ? config.deployRefs?.tags : config.deployRefs?.branches;
        if (!wanted?.includes(branchPolicy.name!)) continue;
        add({
          type: TYPES.deploymentPolicy,
          name: `${name}-${envName}-${isTag ? "tag" : "branch"}-${branchPolicy.name}`,
          parent: component,
          id: `${name}:${envName}:${branchPolicy.id}`,
          inputs: {
            repository: name,
            environment: envName,
            ...(isTag ? { tagPattern: branchPolicy.name } : { branchPattern: branchPolicy.name }),
          },
        });
      }
      for (const [variableName, value] of Object.entries(env.variables)) {
        if (!(variableName in config.variables)) continue;
        add({
          type: TYPES.environmentVariable,
          name: `${name}-${envName}-variable-${variableName}`,
          parent: component,
          id: `${name}:${envName}:${variableName}`,
          inputs: { repository: name, environment: envName, variableName, value },
        });
      }
    }
  }

  const github: Record<string, unknown> = {
    owner: snapshot.owner,
    ownsRepositoryResources: true,
    repositories,
    ...(deployRepos.length > 0 ? { deployRepositories: deployRepos.map((repo) => repo.repository.name) } : {}),
    ...(Object.keys(teams).length > 0 ? { teams } : {}),
    ...(Object.keys(users).length > 0 ? { users } : {}),
  };
  toSupply.unshift(
    `the ledger deploy key (slipway:github.ledgerDeployKey): ssh-keygen -t ed25519 -N '' -C slipway-ledger -f ledger-key, then pulumi config set --path 'slipway:github.ledgerDeployKey.publicKey' "$(cat ledger-key.pub)" --stack ${options.stack} and pulumi config set --secret --path 'slipway:github.ledgerDeployKey.privateKey' --stack ${options.stack} < ledger-key`,
  );
  validate(github, environments);
  return { github, environments, inexpressible, toSupply, resources };
}

/**
 * Check the sections with the contract. The ledger deploy key is the one thing import cannot
 * supply (its private half exists nowhere GitHub shows), so its absence is expected.
 */
function validate(github: Record<string, unknown>, environments: Record<string, unknown>): void {
  const problems = [
    ...issues(stackConfigSchema.shape.github, github, ["github"]).filter((p) => !p.key.startsWith("slipway:github.ledgerDeployKey")),
    ...issues(stackConfigSchema.shape.environments, environments, ["environments"]),
  ];
  const parsed = github as { teams?: Record<string, number>; users?: Record<string, number> };
  for (const [envName, env] of Object.entries(environments) as [string, { reviewerTeams: string[]; reviewerUsers: string[] }][]) {
    for (const slug of env.reviewerTeams)
      if (parsed.teams?.[slug] === undefined)
        problems.push({ key: `slipway:environments.${envName}.reviewerTeams`, message: `team '${slug}' has no id` });
    for (const login of env.reviewerUsers)
      if (parsed.users?.[login] === undefined)
        problems.push({ key: `slipway:environments.${envName}.reviewerUsers`, message: `user '${login}' has no id` });
  }
  if (problems.length > 0) {
    throw new Error(
      `slipway import built config the contract refuses (a bug in the importer):\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n")}`,
    );
  }
}

function issues(schema: z.ZodType, value: unknown, base: string[]) {
  const result = schema.safeParse(value);
  return result.success ? [] : configProblems(result.error, value, base);
}
