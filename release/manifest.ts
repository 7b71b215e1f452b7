/**
 * The release manifest: what this stack deploys, plus the facts its policies need from outside
 * the stack. A policy cannot read staging's stack or the repository's files, so the program
 * reads them here (the ledger's validation record, the changelog section) and hands them over
 * on a real resource input (`SLIPWAY_RELEASE_MANIFEST`, see contract/index.ts).
 */
import {
  higherLevel,
  type LedgerFacts,
  type ReleaseLevel,
  type ReleaseManifest,
  releaseManifestSchema,
  releaseMigrationsOf,
} from "../contract";
import { ConfigError, goLivePhaseFromEnv, keyPath, NAMESPACE, stackConfigSchema, type StackConfig } from "../config/config";

/** A stack's release section, as the config contract parses it. */
type ReleaseConfig = StackConfig["release"];
import { listStacks, readStackFile } from "../config/stackFile";
import {
  anchorOf,
  anchorProblem,
  expandsShippedBefore,
  formatProblem,
  type Ledger,
  type LedgerEntry,
  productionHistory,
  readLedger,
  releaseRuleViolation,
  rollbackMarker,
  validationFor,
} from "./ledger";
import { type Artifact, sameArtifacts } from "../contract/artifacts";
import { UserError } from "../config/errors";
import {
  FLAG_WORKFLOW_PATH,
  formatAnchor,
  LEDGER_ANCHOR_VARIABLE,
  type LedgerAnchor,
  NO_ANCHOR,
  parseAnchor,
  ROLLBACK_WORKFLOW_PATH,
  WORKFLOW_REF,
} from "../contract/release";
import { readChangelogFacts } from "./changelog";

/**
 * Where the ledger is: `$SLIPWAY_LEDGER` when set (CI checks the ledger branch out beside the
 * project), else `releases/ledger.jsonl`.
 */
export function ledgerPathFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.SLIPWAY_LEDGER && env.SLIPWAY_LEDGER.trim() !== "" ? env.SLIPWAY_LEDGER : undefined;
}

/** What the program deploys and the ledger head it read. */
export interface PreparedRelease {
  /** The checked manifest. */
  manifest: ReleaseManifest;
  /** The ledger's head as this deploy read it (`<seq>:<sha256>`): the stack publishes it as its next anchor. */
  ledgerHead: string;
}

/**
 * The anchor the stack last deployed from, from `$SLIPWAY_LEDGER_ANCHOR` (the deploy workflow
 * sets it from the stack's environment variable): undefined when none was given or it is `none`
 * (the stack's first deploy); a malformed value is the user's error.
 */
export function ledgerAnchorFromEnv(env: NodeJS.ProcessEnv = process.env): LedgerAnchor | undefined {
  const value = env[LEDGER_ANCHOR_VARIABLE]?.trim();
  if (value === undefined || value === "" || value === NO_ANCHOR) return undefined;
  const anchor = parseAnchor(value);
  if (anchor === undefined) {
    throw new UserError(
      `is '${value}', not an anchor: expected <seq>:<64 hex> (the stack's ${LEDGER_ANCHOR_VARIABLE} variable) or '${NO_ANCHOR}'`,
      { key: `$${LEDGER_ANCHOR_VARIABLE}` },
    );
  }
  return anchor;
}

/** Build and check the manifest; a ledger that fails verification stops the program. */
export function buildRelease(
  projectDir: string,
  stack: string,
  config: StackConfig,
  env: NodeJS.ProcessEnv = process.env,
): PreparedRelease {
  const { release } = config;
  const ledger = readLedger(projectDir, ledgerPathFromEnv(env));
  const anchor = ledgerAnchorFromEnv(env);
  const anchorIssue = anchor !== undefined ? anchorProblem(ledger, anchor) : undefined;
  const manifest: ReleaseManifest = {
    stack,
    environment: config.environment,
    version: release.version,
    level: release.level,
    changeRequest: release.changeRequest,
    hotfix: release.hotfix,
    ...(release.incident !== undefined ? { incident: release.incident } : {}),
    artifacts: release.artifacts,
    migrations: releaseMigrationsOf(config.apps.kubernetes?.migrations ?? []),
    // The validation of exactly this build: a version re-staged with new artifacts is a new build.
    validation: validationFor(ledger, release.version, release.artifacts),
    changelog: readChangelogFacts(projectDir, release.version),
    governingLevel: governingLevel(projectDir, stack, release.level),
    ledger: ledgerFacts(ledger, release, config.environment),
    // A rewritten history is the policies' to report (promote-validated-artifact), not a crash.
    ...(anchor !== undefined && anchorIssue !== undefined
      ? { ledgerAnchor: { anchor: formatAnchor(anchor), problem: formatProblem(anchorIssue) } }
      : {}),
    // The candidate update holds traffic on what production runs now (the ledger's word for it).
    ...(goLivePhaseFromEnv(env) === "candidate" ? { candidate: { live: liveArtifacts(ledger) } } : {}),
  };
  // The pack parses this shape with the same schema: fail here, in the program, if it drifted.
  return { manifest: releaseManifestSchema.parse(manifest), ledgerHead: formatAnchor(anchorOf(ledger)) };
}

/** The artifacts of the release production runs now, by the ledger; null before its first run. */
function liveArtifacts(ledger: Ledger): Record<string, Artifact> | null {
  const runs = productionHistory(ledger);
  return runs.length > 0 ? runs[runs.length - 1].artifacts : null;
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
        {
          key: keyPath(["release", ...issue.path]),
          message: `${issue.message} (read to decide which checks the repository rules require)`,
        },
      ]);
    }
    level = higherLevel(level, parsed.data.level);
  }
  return level;
}

/**
 * What the ledger links to a release, for the policies: a change request counts as approved only
 * when the ledger records it (on this version's events, or, for a flag turned on in production, on
 * a release staging validated), and a rollback only when the ledger recorded it. The ledger has
 * been verified by `validationFor` before this runs.
 */
export function ledgerFacts(ledger: Ledger, release: ReleaseConfig, environment?: string): LedgerFacts {
  const { version, artifacts } = release;
  const unique = (values: string[]) => [...new Set(values)];
  const events = ledger.entries.map((entry) => entry.event);
  const production = events.filter((event) => event.stack === "production");
  const latest = production[production.length - 1];
  const recorded =
    latest !== undefined && latest.kind === "rolled-back" && latest.version === version && sameArtifacts(latest.artifacts, artifacts)
      ? { from: latest.from as string, marker: latest.marker as string, ...(latest.note !== undefined ? { note: latest.note } : {}) }
      : null;
  // Flags an emergency killed on this stack: only set when some are.
  const killed = environment === undefined ? [] : killedFlags(ledger, environment);
  return {
    changeRequests: unique(events.filter((event) => event.version === version).map((event) => event.changeRequest)),
    validatedChangeRequests: unique(events.filter((event) => event.kind === "validated").map((event) => event.changeRequest)),
    expandsInProduction: expandsShippedBefore(ledger.entries, version),
    rollback: recorded ?? confirmedRollback(ledger, release),
    ...(killed.length > 0 ? { killedFlags: killed } : {}),
  };
}

/** The workflows that turn a flag off in an emergency: the kill switch and the emergency rollback. */
const EMERGENCY_WORKFLOWS: readonly string[] = [FLAG_WORKFLOW_PATH, ROLLBACK_WORKFLOW_PATH];

/**
 * The flags an emergency turned off on `environment`'s stack and that stay killed: the latest flag
 * event of each is an `off` one of the kill switch or the emergency rollback. A later flag event
 * (a deploy serving it again, which already had to override the kill) ends it.
 */
export function killedFlags(ledger: Ledger, environment: string): NonNullable<LedgerFacts["killedFlags"]> {
  const latest = new Map<string, LedgerEntry["event"]>();
  for (const { event } of ledger.entries) {
    if (event.kind === "flag" && event.stack === environment && event.flag !== undefined) latest.set(event.flag.name, event);
  }
  const killed: NonNullable<LedgerFacts["killedFlags"]> = [];
  for (const [name, event] of latest) {
    const workflow = workflowPathOf(event.run?.workflow);
    if (event.flag?.served === "off" && workflow !== undefined && EMERGENCY_WORKFLOWS.includes(workflow)) {
      killed.push({ name, seq: event.seq, workflow });
    }
  }
  return killed;
}

/** The workflow file of a `GITHUB_WORKFLOW_REF` (`<owner>/<repo>/.github/workflows/<file>@<ref>`). */
function workflowPathOf(workflowRef: string | undefined): string | undefined {
  return workflowRef === undefined ? undefined : WORKFLOW_REF.exec(workflowRef)?.[2];
}

/**
 * A rollback `slipway rollback` wrote into the release, when the ledger confirms it: production's
 * latest release is the one it leaves, and returning to this one passes the ledger's rollback
 * rules (a release staging validated and production ran, with these artifacts, no contract
 * migration crossed). The deploy workflow records it once deployed; until then this is the fact.
 */
function confirmedRollback(ledger: Ledger, release: ReleaseConfig): LedgerFacts["rollback"] {
  const declared = release.rollback;
  if (declared === undefined) return null;
  const runs = productionHistory(ledger);
  if (runs[runs.length - 1]?.version !== declared.from) return null;
  const target = [...runs].reverse().find((run) => run.version === release.version && sameArtifacts(run.artifacts, release.artifacts));
  if (target === undefined) return null;
  const marker = rollbackMarker(declared.from, release.version);
  const violation = releaseRuleViolation(
    {
      kind: "rolled-back",
      stack: "production",
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      from: declared.from,
      to: release.version,
      marker,
      gitSha: target.gitSha,
      time: new Date().toISOString(),
      actor: "slipway",
    },
    ledger.entries,
  );
  return violation === undefined
    ? { from: declared.from, marker, ...(declared.reason !== undefined ? { note: declared.reason } : {}) }
    : null;
}
