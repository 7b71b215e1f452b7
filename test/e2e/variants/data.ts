/**
 * Gate variants of database roles, flags and the change freeze: each breaks one invariant, often under a name Slipway would never
 * choose, and names the verdict the policies must give.
 */
import type { VariantSpec } from "./spec";

/** The variants of this area. */
export const DATA_VARIANTS: VariantSpec[] = [];
