/**
 * Gate variants of deploy jobs, migrations and production data: each breaks one invariant, often under a name Slipway would never
 * choose, and names the verdict the policies must give.
 */
import type { VariantSpec } from "./spec";

/** The variants of this area. */
export const DEPLOY_VARIANTS: VariantSpec[] = [];
