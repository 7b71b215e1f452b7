/**
 * Which way each config setting of the pack is stricter, in one table beside the schemas.
 *
 * `slipway gate --base-policy-config` compares a pull request's policy config with the default
 * branch's and fails on every weakening, so a pull request cannot loosen the rules that judge it.
 * What "looser" means is a property of the setting, declared here once; a test keeps the table
 * complete (every setting of every policy's configSchema has an entry, and its kind fits the
 * schema's type). A setting the table does not know is compared as `same` by the gate: any
 * change counts, which fails closed.
 */
import { DEFAULT_STAGING_SOAK_MINUTES } from "../../../contract/release";

/** How a setting's value orders from loose to strict. */
export type Stricter =
  /** A number where more is stricter (approvals, soak minutes, replicas): lowering it weakens. */
  | "higher"
  /** A number where less is stricter: raising it weakens. */
  | "lower"
  /** A list of things the policy requires or protects: dropping any item weakens. */
  | "keep-every-item"
  /** An allow-list of exceptions: adding any item weakens. */
  | "add-no-item"
  /** A boolean whose strict value is true: true to false weakens. */
  | "true"
  /** A boolean whose strict value is false: false to true weakens. */
  | "false"
  /** A value the policy keys on (a pattern, a name): any change can loosen it. */
  | "same"
  /** Who is trusted to bypass: trusting someone else weakens, trusting nobody ("") does not. */
  | "same-or-nobody"
  /** Minutes per release level; a level not named keeps its default (`defaults`): lowering any weakens. */
  | "higher-per-level"
  /** Per-repository replacements of the check lists: a repository's effective lists keep every item. */
  | "repository-checks"
  /** Freeze windows: every window that has not ended must stay covered, as long as before. */
  | "freeze-windows";

/** One setting's entry. */
export interface SettingStrictness {
  /** Which way is stricter. */
  stricter: Stricter;
  /** Why, in a phrase the gate's finding repeats. */
  why: string;
  /** `higher-per-level`: the value of a level the setting does not name. */
  defaults?: Readonly<Record<string, number>>;
}

/** A setting's entry, with what it means for a policy that reads it differently. */
export interface SettingEntry extends SettingStrictness {
  /** Per policy name: the entry where that policy's reading differs. */
  byPolicy?: Readonly<Record<string, SettingStrictness>>;
}

const hint = (what: string): SettingStrictness => ({
  stricter: "same",
  why: `${what}: another value can stop the policy recognising what it judges`,
});

/** Every setting of the pack, by name (settings shared by several policies mean the same in each, unless `byPolicy` says otherwise). */
export const SETTING_STRICTNESS: Readonly<Record<string, SettingEntry>> = {
  // Numbers: more is stricter.
  minApprovals: { stricter: "higher", why: "approving reviews a pull request needs" },
  l3MinApprovals: { stricter: "higher", why: "approving reviews an L3 release needs" },
  minReviewers: { stricter: "higher", why: "reviewers a production deploy needs" },
  soakMinutes: { stricter: "higher", why: "minutes production waits before it deploys" },
  minProductionReplicas: { stricter: "higher", why: "replicas a production Deployment needs" },
  // A number where less is stricter.
  maxRolloutSeconds: { stricter: "lower", why: "seconds a Kubernetes rollout may take before the update fails" },
  stagingSoakMinutes: {
    stricter: "higher-per-level",
    why: "minutes staging soaks a release, by level",
    defaults: DEFAULT_STAGING_SOAK_MINUTES,
  },

  // Lists of what is required, protected or counts as production: every item stays.
  productionStacks: { stricter: "keep-every-item", why: "stacks judged as production" },
  productionTargets: { stricter: "keep-every-item", why: "deploy targets judged as production" },
  productionHosts: { stricter: "keep-every-item", why: "hosts staging must never reach" },
  productionDatabases: { stricter: "keep-every-item", why: "databases staging must never reach" },
  baselineChecks: { stricter: "keep-every-item", why: "checks every pull request must pass" },
  l3Checks: { stricter: "keep-every-item", why: "checks an L3 release also requires" },
  repositoryChecks: { stricter: "repository-checks", why: "a repository's own check lists" },
  releaseTagPatterns: {
    stricter: "keep-every-item",
    why: "release tags that must be protected",
    byPolicy: {
      // Here the patterns admit refs to deploy production: a new pattern lets more refs in.
      "production-protected-refs": { stricter: "add-no-item", why: "tag patterns production may deploy from" },
    },
  },
  productionWorkflows: { stricter: "keep-every-item", why: "workflow files that must hold a gated production deploy job" },
  statefulTypes: { stricter: "keep-every-item", why: "resource types whose production deletion loses data" },
  requiredScopes: { stricter: "keep-every-item", why: "scopes every side-effect flag must support" },
  migrationCommandPatterns: { stricter: "keep-every-item", why: "patterns that recognise a migration command" },
  additionalUntrustedInputs: { stricter: "keep-every-item", why: "expressions treated as untrusted" },

  // Allow-lists of exceptions: nothing added.
  externalChecks: { stricter: "add-no-item", why: "required checks taken as produced outside the managed workflows" },
  allowedRepositorySecrets: { stricter: "add-no-item", why: "repository-wide secrets allowed" },
  rollbackEnvironments: { stricter: "add-no-item", why: "production environments that skip the soak window" },
  allowedKeys: { stricter: "add-no-item", why: "keys never treated as credentials" },
  previewSecretAllowlist: { stricter: "add-no-item", why: "secrets allowed in preview deployments" },
  allowedUnpinnedActions: { stricter: "add-no-item", why: "actions allowed without a commit SHA" },

  // Booleans.
  protectProduction: { stricter: "true", why: "production deployments must be protected too" },
  allowAdminBypass: { stricter: "false", why: "admins may deploy production without a review" },
  allowPreviewSecrets: { stricter: "false", why: "sensitive values may reach preview deployments" },

  // Who may bypass, and where.
  breakGlassTeam: { stricter: "same-or-nobody", why: "the one team that may bypass protection" },
  ledgerBranch: { stricter: "same", why: "the only branch a deploy key may push past its ruleset" },

  // Patterns the policies match against: a looser regular expression admits more.
  changeRequestPattern: { stricter: "same", why: "what counts as a change request id" },
  incidentPattern: { stricter: "same", why: "what counts as an incident id during a freeze" },
  freezeWindows: { stricter: "freeze-windows", why: "windows in which production changes are refused" },

  // Hints the policies use to find what they judge.
  deployJobId: hint("the deploy job's id"),
  smokeStepId: hint("the smoke step's id"),
  deployMarkerStepId: hint("the deploy marker step's id"),
  runtimeRoleSuffix: hint("the runtime role's name suffix"),
  migratorRoleSuffix: hint("the migrator role's name suffix"),
};

/** The strictness of one policy's setting, or undefined when the table does not know it. */
export function strictnessOf(policy: string, setting: string): SettingStrictness | undefined {
  const entry = SETTING_STRICTNESS[setting];
  if (entry === undefined) return undefined;
  return entry.byPolicy?.[policy] ?? entry;
}
