/**
 * What the default branch requires unless a team says otherwise (003 §3.2, §3.3, 000 §2): the
 * status checks every pull request passes, the extra checks an L3 release passes, the approving
 * reviews, and the tags that mark releases. The config contract defaults to these and the pack's
 * settings default to these, so an unconfigured program and an unconfigured pack ask for the same.
 */

/** Status checks every pull request into the default branch must pass (003 §3.3). */
export const DEFAULT_REQUIRED_CHECKS: readonly string[] = ["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke"];

/** Checks an L3 release (external side effects) also requires (003 §3.3). */
export const DEFAULT_L3_CHECKS: readonly string[] = ["side-effect-contracts", "policy-regression", "browser-smoke"];

/** Approving reviews a pull request needs (003 §3.2). */
export const DEFAULT_MIN_APPROVALS = 1;

/** Approving reviews a pull request needs while the release is L3 (003 §3.2). */
export const DEFAULT_L3_MIN_APPROVALS = 2;

/** The fewest approving reviews a team may configure (003 §3.2: every change is reviewed). */
export const LEAST_MIN_APPROVALS = 1;

/** The fewest approving reviews a team may configure while the release is L3 (003 §3.2: two people). */
export const LEAST_L3_MIN_APPROVALS = 2;

/** Tag name patterns (fnmatch) that mark releases (000 §2). */
export const DEFAULT_RELEASE_TAG_PATTERNS: readonly string[] = ["v*", "mvp-*"];
