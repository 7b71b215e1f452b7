/**
 * The release manifest: what this stack deploys, plus the facts its policies need from outside
 * the stack. A policy cannot read staging's stack or the repository's files, so the program
 * reads them here (the ledger's validation record, the changelog section) and hands them over
 * on a real resource input (`SLIPWAY_RELEASE_MANIFEST`, see contract/index.ts).
 */
import { ReleaseManifest, releaseManifestSchema } from "../contract";
import type { StackConfig } from "./config";
import { readLedger, validationFor } from "./release/ledger";
import { readChangelogFacts } from "./release/changelog";

/**
 * Where the ledger is: `$SLIPWAY_LEDGER` when set (CI checks the ledger branch out beside the
 * project), else `releases/ledger.jsonl`.
 */
export function ledgerPathFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SLIPWAY_LEDGER && env.SLIPWAY_LEDGER.trim() !== "" ? env.SLIPWAY_LEDGER : undefined;
}

/** Build and check the manifest; a ledger that fails verification stops the program. */
export function buildReleaseManifest(projectDir: string, stack: string, config: StackConfig): ReleaseManifest {
  const { release } = config;
  const ledger = readLedger(projectDir, ledgerPathFromEnv());
  const manifest: ReleaseManifest = {
    stack,
    environment: config.environment,
    version: release.version,
    level: release.level,
    changeRequest: release.changeRequest,
    hotfix: release.hotfix,
    artifacts: release.artifacts,
    // The validation of exactly this build: a version re-staged with new artifacts is a new build.
    validation: validationFor(ledger, release.version, release.artifacts),
    changelog: readChangelogFacts(projectDir, release.version),
  };
  // The pack parses this shape with the same schema: fail here, in the program, if it drifted.
  return releaseManifestSchema.parse(manifest);
}
