/**
 * Reference data in ../shared (the providers' schemas, DESIGN.md) sits beside the project in CI and
 * is absent from a user's clone. A test that needs it skips without it, but not where the skip
 * would hide a check that should have run: in CI (CI set), or when ../shared is there and the file
 * is not (renamed or removed). There it fails, naming the file.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/**
 * The reference-data folder beside the project. SLIPWAY_SHARED_DIR names it where the tests run
 * from a copy of the project elsewhere (Stryker's sandbox under .stryker-tmp/).
 */
export const SHARED_DIR = process.env.SLIPWAY_SHARED_DIR
  ? path.resolve(process.env.SLIPWAY_SHARED_DIR)
  : path.resolve(__dirname, "..", "..", "..", "shared");

/** Whether CI is set the way CI services set it (`CI=true`, `CI=1`); `false`, `0` and empty mean no. */
export function inCi(env: NodeJS.ProcessEnv = process.env): boolean {
  const value = (env.CI ?? "").trim().toLowerCase();
  return value !== "" && value !== "false" && value !== "0";
}

/**
 * Whether `relative` (a file or folder under ../shared) is present. Absent: false, with a warning
 * saying what is skipped, or an error when the skip would hide a missing check (see above).
 */
export function sharedAvailable(relative: string, what: string, env: NodeJS.ProcessEnv = process.env, sharedDir = SHARED_DIR): boolean {
  const target = path.join(sharedDir, relative);
  if (fs.existsSync(target)) return true;
  if (fs.existsSync(sharedDir))
    throw new Error(`${what}: ${target} is missing, though ${sharedDir} is there; a skipped check would pass unseen`);
  if (inCi(env))
    throw new Error(`${what}: ${target} is absent in CI, where ../shared is laid beside the project; a skipped check is a failure there`);
  console.warn(`skipping ${what}: ${target} is absent (../shared is not checked out)`);
  return false;
}
