/**
 * The project the commands work on: `$SLIPWAY_PROJECT_DIR` when set (as the program reads it),
 * else the repository root (where Pulumi.yaml is). A module of its own: every command needs it,
 * and loading it must cost nothing.
 */
import * as path from "node:path";

export const PROJECT_DIR = process.env.SLIPWAY_PROJECT_DIR ? path.resolve(process.env.SLIPWAY_PROJECT_DIR) : path.resolve(__dirname, "..");

/** The project's policy pack. */
export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policy-pack");
