/**
 * The release manifest: what this stack deploys, plus the facts its policies need from outside
 * the stack. A policy cannot read staging's stack or the repository's files, so the program
 * reads them here (the ledger's validation record, the changelog section) and hands them over
 * on a real resource input (`SLIPWAY_RELEASE_MANIFEST`, see contract/index.ts).
 */
import { higherLevel, ReleaseLevel, ReleaseManifest, releaseManifestSchema } from "../contract";
import { ConfigError, keyPath, NAMESPACE, stackConfigSchema, StackConfig } from "./config";
import { listStacks, readStackFile } from "./stackFile";
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
    governingLevel: governingLevel(projectDir, stack, release.level),
  };
  // The pack parses this shape with the same schema: fail here, in the program, if it drifted.
  return releaseManifestSchema.parse(manifest);
}

/**
 * The highest release level declared by any stack file of the project. Repository rules are
 * shared by every stack, and the release being prepared on main (staging's) may be L3 while
 * production still runs an L2: the L3 checks must be required while that release is merging.
 */
export function governingLevel(projectDir: string, stack: string, ownLevel: ReleaseLevel): ReleaseLevel {
  let level = ownLevel;
  for (const other of listStacks(projectDir)) {
    if (other === stack) continue;
    const stackFile = readStackFile(projectDir, other);
    const parsed = stackConfigSchema.shape.release.safeParse(stackFile.values[`${NAMESPACE}:release`]);
    if (!parsed.success) {
      // An unreadable release elsewhere must not quietly lower the bar: name it.
      const issue = parsed.error.issues[0];
      throw new ConfigError(stackFile.file, [
        { key: keyPath(["release", ...issue.path]), message: `${issue.message} (read to decide which checks the repository rules require)` },
      ]);
    }
    level = higherLevel(level, parsed.data.level);
  }
  return level;
}
