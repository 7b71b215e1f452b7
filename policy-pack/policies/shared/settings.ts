/**
 * Config fragments shared by several policies. A value read by several policies is declared in
 * each one's configSchema (the engine only hands a policy the keys of its own schema), so the
 * fragments live here once and are spread into every schema that needs them.
 */
import { FLAG_SCOPES } from "../../../contract";
import { LEDGER_BRANCH } from "../../../contract/release";
import {
  DEFAULT_L3_CHECKS,
  DEFAULT_L3_MIN_APPROVALS,
  DEFAULT_MIN_APPROVALS,
  DEFAULT_RELEASE_TAG_PATTERNS,
  DEFAULT_REQUIRED_CHECKS,
  LEAST_L3_MIN_APPROVALS,
  LEAST_MIN_APPROVALS,
} from "../../../contract/repositoryRules";
import type { ConfigProperties } from "./policy";

/** Stack names that count as production. */
export const productionStacksSetting: ConfigProperties = {
  productionStacks: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Stack and GitHub environment names that count as production besides those whose name says so " +
      "(a `prod`, `production`, `prd` or `live` token: `prod-eu` is, `preprod` is not).",
  },
};

/** The break-glass team: the only actor allowed to bypass protections. */
export const breakGlassSetting: ConfigProperties = {
  breakGlassTeam: {
    type: "string",
    default: "",
    description:
      "The one team allowed to bypass protection: its numeric team id (ruleset bypass actors) or its slug " +
      "(`org/slug` in classic branch protection). Empty: nobody may bypass.",
  },
};

/** The branch that holds the release ledger. */
export const ledgerBranchSetting: ConfigProperties = {
  ledgerBranch: {
    type: "string",
    default: LEDGER_BRANCH,
    description:
      "The release ledger's branch: on it (never on the default branch) a deploy key may bypass a ruleset that only restricts updates, " +
      "so the deploy workflows' ledger jobs can append; deletion and force pushes stay blocked for everyone.",
  },
};

/** Checks every PR must pass (003 §3.3). */
export const baselineChecksSetting: ConfigProperties = {
  baselineChecks: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_REQUIRED_CHECKS],
    description: "Status check contexts every pull request into the default branch must pass.",
  },
};

/** Per-repository overrides of the checks: a documentation repository is not a product repository. */
export const repositoryChecksSetting: ConfigProperties = {
  repositoryChecks: {
    type: "object",
    additionalProperties: {
      type: "object",
      properties: {
        baselineChecks: { type: "array", items: { type: "string" } },
        l3Checks: { type: "array", items: { type: "string" } },
      },
      additionalProperties: false,
    },
    default: {},
    description: "Per repository name, the baselineChecks and/or l3Checks that replace the defaults for that repository.",
  },
};

/** The checks that apply to one repository: its override, else the pack-wide setting. */
export function checksFor(
  repositoryChecks: Record<string, { baselineChecks?: string[]; l3Checks?: string[] }>,
  repository: string,
  kind: "baselineChecks" | "l3Checks",
  fallback: string[],
): string[] {
  return repositoryChecks[repository]?.[kind] ?? fallback;
}

/** Extra checks an L3 release requires (003 §3.3). */
export const l3ChecksSetting: ConfigProperties = {
  l3Checks: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_L3_CHECKS],
    description: "Status check contexts an L3 (external side effects) release also requires.",
  },
};

/** Release tag patterns (000 §2). */
export const releaseTagSetting: ConfigProperties = {
  releaseTagPatterns: {
    type: "array",
    items: { type: "string" },
    default: [...DEFAULT_RELEASE_TAG_PATTERNS],
    description: "Tag name patterns (fnmatch) that mark releases.",
  },
};

/** Required approvals for a normal and an L3 release (003 §3.2). */
export const approvalsSetting: ConfigProperties = {
  minApprovals: {
    type: "integer",
    minimum: LEAST_MIN_APPROVALS,
    default: DEFAULT_MIN_APPROVALS,
    description: "Approving reviews a pull request into the default branch needs.",
  },
  l3MinApprovals: {
    type: "integer",
    minimum: LEAST_L3_MIN_APPROVALS,
    default: DEFAULT_L3_MIN_APPROVALS,
    description: "Approving reviews needed while the stack's release is L3.",
  },
};

/** Names of values that look like credentials but are not (allow-list). */
export const allowedKeysSetting: ConfigProperties = {
  allowedKeys: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Variable or key names never treated as credentials (exact names).",
  },
};

/** The scopes every side-effect flag supports (003 §4.2). */
export const requiredScopesSetting: ConfigProperties = {
  requiredScopes: {
    type: "array",
    items: { type: "string" },
    default: [...FLAG_SCOPES],
    description: "Scopes every L3 (side-effect) flag must support.",
  },
};

/** Values of the production-stacks setting. */
export interface ProductionStacksConfig {
  /** Stack names that count as production. */
  productionStacks: string[];
}

/** Value of the break-glass setting. */
export interface BreakGlassConfig {
  /** Team id or slug allowed to bypass; empty for nobody. */
  breakGlassTeam: string;
}
