/**
 * The release ledger: `releases/ledger.jsonl`, one JSON line per release event, append-only.
 *
 * Every line carries `prev`, the SHA-256 of the previous line's exact bytes (64 zeros for the
 * first line), and `hash`, the SHA-256 of its own other fields in canonical form. `prev` catches
 * a removed, inserted or reordered line and an edit of any line that has a successor; `hash`
 * catches an edit of the last line, which no successor covers. Lines are written in one canonical
 * form, so a hand edit that keeps the JSON meaning but changes the bytes is caught too.
 * What this cannot catch alone is the removal of the last line(s): the ledger branch's git
 * history and `checkAppendOnly` against the previous version do (see the README, "The release ledger").
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import {
  type Artifact,
  NO_MIGRATIONS,
  RELEASE_LEVELS,
  type ReleaseLevel,
  VERSION_PATTERN,
  type Validation,
  artifactSchema,
  migrationsMissingFrom,
  prematureContracts,
  releaseMigrationsSchema,
} from "../contract";
import { artifactDifferences, COMMIT_SHA, IMAGE_BY_DIGEST, sameArtifacts, UUID } from "../contract/artifacts";
import {
  deployWorkflowPath,
  formatAnchor,
  LEDGER_FILE,
  type LedgerAnchor,
  migrateWorkflowPath,
  FLAG_WORKFLOW_PATH,
  ROLLBACK_WORKFLOW_PATH,
  WORKFLOW_REF,
} from "../contract/release";
import { displayPath, UserError } from "../config/errors";
import { issueMessage } from "../config/issues";

/** Where the ledger lives, relative to the project root (on the `slipway-ledger` branch). */

/** `prev` of the first line. */
export const GENESIS_HASH = "0".repeat(64);

/**
 * The events a ledger records: releases, flag changes a stack's deploy served (`flag`), and a
 * release's migration run by the stack's approved migration workflow (`migrated`, workflow mode).
 */
export const LEDGER_KINDS = ["staged", "validated", "promoted", "rolled-back", "hotfix", "flag", "migrated"] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/**
 * The stack each kind of event happens on: staging stages and validates, production runs. A flag
 * change happens on the stack that serves it (production unless the event says staging).
 */
export const STACK_OF_KIND: Record<LedgerKind, "staging" | "production"> = {
  staged: "staging",
  validated: "staging",
  promoted: "production",
  "rolled-back": "production",
  hotfix: "production",
  flag: "production",
  migrated: "production",
};

/** Kinds recorded on the stack the event names (production unless it says staging). */
export const STACK_CHOSEN_KINDS: readonly LedgerKind[] = ["flag", "migrated"];

/** migrated: the phase the migration workflow ran (000 §7). */
export const MIGRATION_PHASES = ["expand", "contract"] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/**
 * Why a stack may not deploy its release yet in workflow mode, or undefined: the stack's migration
 * workflow recorded the release's expand migration for exactly these artifacts (004 §3: the
 * migration runs, approved, before the deploy). The deploy job checks it before `pulumi up`.
 */
export function migrationNotRecorded(
  ledger: Ledger,
  stack: "staging" | "production",
  release: { version: string; artifacts: Record<string, Artifact> },
): string | undefined {
  requireIntactLedger(ledger);
  const recorded = ledger.entries.some(
    (entry) =>
      entry.event.kind === "migrated" &&
      entry.event.stack === stack &&
      entry.event.phase === "expand" &&
      entry.event.version === release.version &&
      sameArtifacts(entry.event.artifacts, release.artifacts),
  );
  if (recorded) return undefined;
  return `no migrated (expand) event of ${release.version} on ${stack} with these artifacts: run ${migrateWorkflowPath(stack)} for the release and have it approved before the deploy (004 §3)`;
}

/** How a stack serves a flag after a flag event: `on`, `off`, or up to a canary stage (`stage house`). */
export const FLAG_SERVED = /^(on|off|stage [a-z][a-z0-9-]*)$/;

/** flag: the flag a stack's deploy changed and how it serves it now. */
export const flagChangeSchema = z
  .object({
    /** The flag's key. */
    name: z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a kebab-case flag key"),
    /** `on`, `off` or `stage <name>`. */
    served: z.string().regex(FLAG_SERVED, "expected on, off or 'stage <name>'"),
  })
  .strict();
export type FlagChange = z.infer<typeof flagChangeSchema>;

/** Kinds after which production runs the event's version. */
const PRODUCTION_KINDS: readonly LedgerKind[] = ["promoted", "hotfix", "rolled-back"];

const HEX64 = /^[0-9a-f]{64}$/;
const APP_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * An artifact as the ledger records it: the contract's shape, and only immutable references,
 * because the ledger is what proves production runs exactly what staging validated.
 */
export const ledgerArtifactSchema = artifactSchema.superRefine((artifact, ctx) => {
  if (artifact.image === undefined && artifact.commitSha === undefined && artifact.slugId === undefined) {
    ctx.addIssue({ code: "custom", message: "an artifact needs an image, a commitSha or a slugId" });
  }
  if (artifact.image !== undefined && !IMAGE_BY_DIGEST.test(artifact.image)) {
    ctx.addIssue({ code: "custom", path: ["image"], message: "expected an image pinned by digest (name@sha256:<64 hex>)" });
  }
  if (artifact.commitSha !== undefined && !COMMIT_SHA.test(artifact.commitSha)) {
    ctx.addIssue({ code: "custom", path: ["commitSha"], message: "expected a full 40-character lowercase commit SHA" });
  }
  if (artifact.slugId !== undefined && !UUID.test(artifact.slugId)) {
    ctx.addIssue({ code: "custom", path: ["slugId"], message: "expected a Heroku slug id (a lowercase UUID)" });
  }
});

const versionSchema = z.string().regex(VERSION_PATTERN, "expected a SemVer version (1.4.0) or mvp-X.Y.Z");

/** Migrations a release ships, by phase (000 §7): contract migrations make rollback unsafe. */
export const migrationsSchema = releaseMigrationsSchema;
export type Migrations = z.infer<typeof migrationsSchema>;

/**
 * The GitHub Actions run that recorded an event (004 §10: the audit trail names the run). The
 * ledger accepts an event only from the deploy workflow of its stack; `ledger record` fills this
 * from the runner's environment and refuses to run anywhere else.
 */
export const workflowRunSchema = z
  .object({
    /** `GITHUB_RUN_ID`. */
    id: z.string().regex(/^[1-9]\d*$/, "expected a numeric run id"),
    /** `GITHUB_RUN_ATTEMPT`. */
    attempt: z.number().int().positive(),
    /** The run's page: `<server>/<owner>/<repo>/actions/runs/<id>`. */
    url: z
      .string()
      .regex(
        /^https:\/\/[^\s/]+\/[^\s/]+\/[^\s/]+\/actions\/runs\/[1-9]\d*$/,
        "expected https://<server>/<owner>/<repo>/actions/runs/<id>",
      ),
    /** `GITHUB_WORKFLOW_REF`: `<owner>/<repo>/.github/workflows/<file>@<ref>`. */
    workflow: z.string().regex(WORKFLOW_REF, "expected <owner>/<repo>/.github/workflows/<file>@refs/<heads|tags>/<name>"),
  })
  .strict();
export type WorkflowRun = z.infer<typeof workflowRunSchema>;

/** One ledger line. */
export const ledgerEventSchema = z
  .object({
    /** 1 for the first line, then +1 per line. */
    seq: z.number().int().positive(),
    /** What happened. */
    kind: z.enum(LEDGER_KINDS),
    /** Where it happened: staging for staged/validated, production otherwise. */
    stack: z.enum(["staging", "production"]),
    /** Release version. */
    version: versionSchema,
    /** Release level L0-L3. */
    level: z.enum(RELEASE_LEVELS),
    /** Change request of the release. */
    changeRequest: z.string().min(1, "a change request id is required"),
    /** Artifacts per app. */
    artifacts: z
      .record(z.string().regex(APP_NAME, "expected an app name"), ledgerArtifactSchema)
      .refine((artifacts) => Object.keys(artifacts).length > 0, "at least one app's artifact is required"),
    /** Migrations the release ships, when declared. */
    migrations: migrationsSchema.optional(),
    /** rolled-back: the version production left. */
    from: versionSchema.optional(),
    /** rolled-back: the version production returned to (equals `version`). */
    to: versionSchema.optional(),
    /** rolled-back: the deploy marker `ROLLBACK <from> → <to>` (000 §6.3). */
    marker: z.string().optional(),
    /** flag: the flag changed and how the stack serves it now (the release fields are what the stack runs). */
    flag: flagChangeSchema.optional(),
    /** migrated: the phase the stack's migration workflow ran for the release. */
    phase: z.enum(MIGRATION_PHASES).optional(),
    /** Git commit of the release. */
    gitSha: z.string().regex(COMMIT_SHA, "expected a full 40-character lowercase commit SHA"),
    /** When it was recorded (ISO 8601, UTC). */
    time: z.iso.datetime({ message: "expected an ISO 8601 UTC time (2026-11-20T10:00:00.000Z)" }),
    /** Who recorded it (GitHub actor or user). */
    actor: z.string().min(1, "an actor is required"),
    /** The workflow run that recorded it. */
    run: workflowRunSchema.optional(),
    /** Who approved the deployment (the environment's reviewers who approved the run), when someone did. */
    approvers: z.array(z.string().min(1)).min(1).optional(),
    /** Free text: incident, reason, observation. */
    note: z.string().optional(),
    /** SHA-256 of the previous line's exact bytes; 64 zeros on the first line. */
    prev: z.string().regex(HEX64, "expected 64 lowercase hex digits"),
    /** SHA-256 of this line's other fields in canonical form. */
    hash: z.string().regex(HEX64, "expected 64 lowercase hex digits"),
  })
  .strict()
  .superRefine((event, ctx) => {
    const expectedStack = STACK_OF_KIND[event.kind];
    if (!STACK_CHOSEN_KINDS.includes(event.kind) && event.stack !== expectedStack) {
      ctx.addIssue({ code: "custom", path: ["stack"], message: `a ${event.kind} event happens on ${expectedStack}, not ${event.stack}` });
    }
    if (event.kind === "rolled-back") {
      for (const key of ["from", "to", "marker"] as const) {
        if (event[key] === undefined) ctx.addIssue({ code: "custom", path: [key], message: "is required on a rolled-back event" });
      }
      if (event.to !== undefined && event.to !== event.version) {
        ctx.addIssue({ code: "custom", path: ["to"], message: `must equal version (${event.version})` });
      }
      if (event.from !== undefined && event.to !== undefined && event.marker !== rollbackMarker(event.from, event.to)) {
        ctx.addIssue({ code: "custom", path: ["marker"], message: `must read '${rollbackMarker(event.from, event.to)}'` });
      }
    } else {
      for (const key of ["from", "to", "marker"] as const) {
        if (event[key] !== undefined) ctx.addIssue({ code: "custom", path: [key], message: "only a rolled-back event has it" });
      }
    }
    if (event.kind === "flag" && event.flag === undefined)
      ctx.addIssue({ code: "custom", path: ["flag"], message: "is required on a flag event" });
    if (event.kind !== "flag" && event.flag !== undefined)
      ctx.addIssue({ code: "custom", path: ["flag"], message: "only a flag event has it" });
    if (event.kind === "migrated" && event.phase === undefined)
      ctx.addIssue({ code: "custom", path: ["phase"], message: "is required on a migrated event (expand or contract)" });
    if (event.kind !== "migrated" && event.phase !== undefined)
      ctx.addIssue({ code: "custom", path: ["phase"], message: "only a migrated event has it" });
    if (event.kind === "hotfix" && (event.note === undefined || event.note.trim() === "")) {
      ctx.addIssue({
        code: "custom",
        path: ["note"],
        message: "a hotfix names its incident in the note (001: hotfixes are for production incidents only)",
      });
    }
  });
export type LedgerEvent = z.infer<typeof ledgerEventSchema>;

/** The deploy marker of a rollback (000 §6.3). */
export function rollbackMarker(from: string, to: string): string {
  return `ROLLBACK ${from} → ${to}`;
}

/** A valid ledger line with where it sits. */
export interface LedgerEntry {
  /** 1-based line number in the file. */
  line: number;
  /** The parsed, validated event. */
  event: LedgerEvent;
  /** SHA-256 of the line's exact bytes (what the next line's `prev` must be). */
  lineHash: string;
}

/** Something wrong with the ledger, tied to a line. */
export interface LedgerProblem {
  /** 1-based line number. */
  line: number;
  /** The line's seq, when it could be read. */
  seq?: number;
  /** What broke and the likely cause. */
  message: string;
}

/** A ledger as read from disk. */
export interface Ledger {
  /** The file, as named in messages (relative to the project root). */
  file: string;
  /** Valid lines, in file order (all of them when `problems` is empty). */
  entries: LedgerEntry[];
  /** Every problem found; empty means the chain is intact and every event follows the rules. */
  problems: LedgerProblem[];
  /** Number of lines in the file. */
  lineCount: number;
  /** SHA-256 of the last line's bytes: the `prev` of the next append (GENESIS_HASH when empty). */
  headHash: string;
}

/** `line 4 (seq 4): ...`. */
export function formatProblem(problem: LedgerProblem): string {
  const seq = problem.seq !== undefined ? ` (seq ${problem.seq})` : "";
  return `line ${problem.line}${seq}: ${problem.message}`;
}

/** SHA-256 hex of some bytes. */
export function sha256Hex(bytes: Buffer | string): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Field order of a canonical line: the identifying fields first, the chain last. */
const FIELD_ORDER: readonly (keyof LedgerEvent)[] = [
  "seq",
  "kind",
  "stack",
  "version",
  "level",
  "changeRequest",
  "artifacts",
  "migrations",
  "from",
  "to",
  "marker",
  "flag",
  "phase",
  "gitSha",
  "time",
  "actor",
  "run",
  "approvers",
  "note",
  "prev",
  "hash",
];

/** Nested objects with sorted keys, so equal events always serialise to equal bytes. */
function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(record)
        .sort()
        .map((key) => [key, sortKeysDeep(record[key])]),
    );
  }
  return value;
}

/** The one serialisation Slipway writes (without the trailing newline). */
export function canonicalLine(event: Partial<LedgerEvent>): string {
  const ordered: Record<string, unknown> = {};
  for (const key of FIELD_ORDER) {
    if (event[key] !== undefined) ordered[key] = sortKeysDeep(event[key]);
  }
  return JSON.stringify(ordered);
}

/** The self hash: SHA-256 of the canonical line without its `hash` field. */
export function contentHash(event: Partial<LedgerEvent>): string {
  const { hash: _ignored, ...rest } = event;
  return sha256Hex(canonicalLine(rest));
}

/** Split a file into lines; the last element is what follows the final newline (normally empty). */
function splitLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      lines.push(bytes.subarray(start, i));
      start = i + 1;
    }
  }
  lines.push(bytes.subarray(start));
  return lines;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `key: what is wrong` of one issue with a line's JSON. */
function describeIssue(issue: z.core.$ZodIssue, json: unknown): string {
  const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "(line)";
  return `${key}: ${issueMessage(issue, json)}`;
}

/**
 * Parse and verify ledger bytes: UTF-8, JSON, shape, canonical form, self hash, the prev chain,
 * seq order, then (only when all of that holds) the release rules of every event in order.
 */
export function parseLedger(bytes: Buffer, file: string = LEDGER_FILE): Ledger {
  const problems: LedgerProblem[] = [];
  const entries: LedgerEntry[] = [];
  const rawLines = splitLines(bytes);
  const trailing = rawLines.pop() as Buffer;
  if (trailing.length > 0) rawLines.push(trailing);
  const unterminated = trailing.length > 0;
  const lineHashes = rawLines.map((line) => sha256Hex(line));

  let previousSeq = 0;
  rawLines.forEach((raw, index) => {
    const line = index + 1;
    if (unterminated && index === rawLines.length - 1) {
      problems.push({ line, message: "has no trailing newline: the last append was interrupted or the file was edited" });
    }
    if (raw.length === 0) {
      problems.push({ line, message: "is blank: ledger lines are never blank, the file was edited" });
      return;
    }
    let text: string;
    try {
      text = utf8.decode(raw);
    } catch {
      problems.push({ line, message: "is not valid UTF-8: the line was edited or corrupted" });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      problems.push({ line, message: `is not valid JSON (${(error as Error).message}): the line was edited or corrupted` });
      return;
    }
    const seqOfJson =
      json !== null && typeof json === "object" && typeof (json as { seq?: unknown }).seq === "number"
        ? (json as { seq: number }).seq
        : undefined;
    const parsed = ledgerEventSchema.safeParse(json);
    if (!parsed.success) {
      problems.push({
        line,
        seq: seqOfJson,
        message: `bad shape: ${parsed.error.issues.map((issue) => describeIssue(issue, json)).join("; ")}`,
      });
      return;
    }
    const event = parsed.data;
    const seq = event.seq;
    if (text !== canonicalLine(json as LedgerEvent)) {
      problems.push({ line, seq, message: `is not in the canonical form Slipway writes: line ${line} was edited by hand` });
    }
    if (contentHash(json as LedgerEvent) !== event.hash) {
      problems.push({ line, seq, message: `content does not match its hash: line ${line} was edited` });
    }
    const chainProblem = checkPrev(event.prev, index, lineHashes);
    if (chainProblem !== undefined) problems.push({ line, seq, message: chainProblem });
    if (seq !== previousSeq + 1) {
      const cause =
        seq > previousSeq + 1
          ? `seq ${previousSeq + 1}${seq - 1 > previousSeq + 1 ? `..${seq - 1}` : ""} is missing: a line was removed`
          : "lines were reordered, duplicated or inserted";
      problems.push({ line, seq, message: `seq ${seq} follows seq ${previousSeq}: ${cause}` });
    }
    previousSeq = seq;
    entries.push({ line, event, lineHash: lineHashes[index] });
  });

  // The release rules only mean something on an intact chain; on a broken one they would echo it.
  if (problems.length === 0) {
    entries.forEach((entry, index) => {
      const violation = ruleViolation(entry.event, entries.slice(0, index));
      if (violation !== undefined) problems.push({ line: entry.line, seq: entry.event.seq, message: violation });
    });
  }
  return {
    file,
    entries,
    problems,
    lineCount: rawLines.length,
    headHash: rawLines.length > 0 ? lineHashes[rawLines.length - 1] : GENESIS_HASH,
  };
}

/** Why line `index`'s prev does not chain to the line before it, or undefined when it does. */
function checkPrev(prev: string, index: number, lineHashes: string[]): string | undefined {
  const expected = index === 0 ? GENESIS_HASH : lineHashes[index - 1];
  if (prev === expected) return undefined;
  const otherLine = lineHashes.findIndex((hash, i) => i !== index && hash === prev);
  if (index === 0) {
    return otherLine >= 0
      ? `prev hash points to line ${otherLine + 1}, but the first line's prev must be 64 zeros: lines were reordered`
      : "prev hash is not 64 zeros, as the first line's must be: the start of the ledger was removed or this line was edited";
  }
  if (prev === GENESIS_HASH) {
    return `prev hash is the first line's (64 zeros), but this is line ${index + 1}: a line was inserted or lines were reordered`;
  }
  if (otherLine >= 0) {
    return `prev hash matches line ${otherLine + 1}, not line ${index}: lines were reordered, inserted or removed`;
  }
  return `prev hash does not match line ${index} — line ${index} was edited or a line was removed`;
}

/**
 * Read the ledger file; a missing file is an empty ledger. The program reads it this way (a
 * project with no releases yet has none); the ledger commands use `readExistingLedger`.
 */
export function readLedger(root: string, ledgerPath: string = LEDGER_FILE): Ledger {
  const fullPath = path.resolve(root, ledgerPath);
  const file = displayPath(root, fullPath);
  if (!fs.existsSync(fullPath)) return parseLedger(Buffer.alloc(0), file);
  return parseLedger(fs.readFileSync(fullPath), file);
}

/**
 * Read a ledger that must exist: a missing file is a user error naming it, never "0 lines, chain
 * intact" (a typo in --ledger would otherwise verify nothing and pass).
 */
export function readExistingLedger(root: string, ledgerPath: string = LEDGER_FILE): Ledger {
  const fullPath = path.resolve(root, ledgerPath);
  if (!fs.existsSync(fullPath)) {
    throw new UserError(`does not exist; a new project starts its ledger with an empty file (create it, commit it to the ledger branch)`, {
      file: displayPath(root, fullPath),
    });
  }
  return readLedger(root, ledgerPath);
}

/** Refuse to use a ledger that failed verification, naming its first problem. */
export function requireIntactLedger(ledger: Ledger): void {
  if (ledger.problems.length === 0) return;
  const first = ledger.problems[0];
  const more = ledger.problems.length > 1 ? ` (and ${ledger.problems.length - 1} more; run \`slipway ledger verify\`)` : "";
  const error = new UserError(`failed verification: ${formatProblem(first)}${more}`, { file: ledger.file });
  error.key = `line ${first.line}`; // for callers; the message already names the line
  throw error;
}

function lastEntry(history: readonly LedgerEntry[], match: (event: LedgerEvent) => boolean): LedgerEntry | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (match(history[i].event)) return history[i];
  return undefined;
}

/** Settings of the release rules that a team chooses (the policy statement holds them). */
export interface LedgerRules {
  /**
   * Minimum minutes between `staged` and `validated` per level. Judged when an event is recorded
   * and when a release is promoted, not when history is replayed: a team may raise its figures
   * later without its past turning invalid.
   */
  stagingSoakMinutes?: Readonly<Record<ReleaseLevel, number>>;
}

/**
 * Where an event came from, or why that is not a deploy workflow run: only the deploy workflow of
 * the event's stack writes the ledger (and the emergency rollback workflow its rolled-back
 * events, and staging's target staged again), each run records each kind once, and every run is of the ledger's own repository. A
 * line recorded on a laptop has no run and is refused.
 */
function provenanceViolation(event: Omit<LedgerEvent, "seq" | "prev" | "hash">, history: readonly LedgerEntry[]): string | undefined {
  const what = `${event.kind} ${event.version}`;
  const expected = deployWorkflowPath(event.stack);
  const run = event.run;
  if (run === undefined)
    return `${what}: has no workflow run: only ${expected} records ${event.kind} events (a line recorded by hand is refused)`;
  const [, repository, workflowPath, ref] = WORKFLOW_REF.exec(run.workflow) as RegExpExecArray;
  // The emergency rollback (rollback.yml) records only what it does, and only from a branch: its
  // environment admits the default branch alone, so a run from a pushed tag is no rollback of ours.
  // Production's is rolled-back; staging's is the target staged again, only a build staging validated.
  const stagingRollback = event.kind === "staged" && event.stack === "staging";
  // The emergency rollback turns flags off first (003 §7.2): it records those flag events too.
  const emergencyRollback =
    workflowPath === ROLLBACK_WORKFLOW_PATH && (event.kind === "rolled-back" || event.kind === "flag" || stagingRollback);
  // The kill switch (flag.yml) records the flag it turned off and nothing else, from a branch only
  // (its environment admits the default branch alone); each flag once per run, as below.
  const killSwitch = workflowPath === FLAG_WORKFLOW_PATH && event.kind === "flag";
  if (killSwitch && !ref.startsWith("refs/heads/"))
    return `${what}: recorded by ${workflowPath} from ${ref}; the kill switch runs from a branch (its environment admits the default branch only), never a tag`;
  // Both only ever turn a flag off: serving it again is a release, the production deploy's to record.
  if ((killSwitch || (emergencyRollback && event.kind === "flag")) && event.flag !== undefined && event.flag.served !== "off")
    return `${what}: recorded by ${workflowPath} serving flag ${event.flag.name} '${event.flag.served}'; it only turns flags off (the production deploy serves them again)`;
  // A migration is recorded by the stack's migration workflow alone (004 §3: never by the deploy),
  // from a branch: its environment admits the default branch only.
  if (event.kind === "migrated") {
    const migrate = migrateWorkflowPath(event.stack);
    if (workflowPath !== migrate) return `${what}: recorded by ${workflowPath}, but only ${migrate} records ${event.stack}'s migrations`;
    if (!ref.startsWith("refs/heads/"))
      return `${what}: recorded by ${workflowPath} from ${ref}; the migration workflow runs from a branch (its environment admits the default branch only), never a tag`;
  }
  if (
    emergencyRollback &&
    stagingRollback &&
    !history.some(
      (entry) =>
        entry.event.kind === "validated" && entry.event.version === event.version && sameArtifacts(entry.event.artifacts, event.artifacts),
    )
  ) {
    return `${what}: recorded by ${workflowPath}, but staging never validated ${event.version} with these artifacts; a rollback returns staging to a release it validated`;
  }
  if (emergencyRollback && !ref.startsWith("refs/heads/"))
    return `${what}: recorded by ${workflowPath} from ${ref}; the rollback workflow runs from a branch (its environment admits the default branch only), never a tag`;
  if (workflowPath !== expected && !emergencyRollback && !killSwitch && event.kind !== "migrated") {
    const also = event.kind === "rolled-back" ? ` (and ${ROLLBACK_WORKFLOW_PATH} its rollbacks)` : "";
    return `${what}: recorded by ${workflowPath}, but only ${expected} records ${event.stack} events${also}`;
  }
  if (!run.url.endsWith(`/${repository}/actions/runs/${run.id}`))
    return `${what}: run url ${run.url} is not run ${run.id} of ${repository}`;
  const firstRun = history.find((entry) => entry.event.run !== undefined)?.event.run;
  const ledgerRepository = firstRun !== undefined ? (WORKFLOW_REF.exec(firstRun.workflow) as RegExpExecArray)[1] : repository;
  if (repository !== ledgerRepository) return `${what}: recorded by a run of ${repository}, but this ledger is ${ledgerRepository}'s`;
  // A run records each event once; a flag event once per flag (one deploy may change several).
  const again = history.find(
    (entry) => entry.event.run?.id === run.id && entry.event.kind === event.kind && entry.event.flag?.name === event.flag?.name,
  );
  if (again !== undefined)
    return `${what}: run ${run.id} already recorded ${event.kind}${event.flag !== undefined ? ` ${event.flag.name}` : ""} at line ${again.line}; a run records each event once`;
  return undefined;
}

/** Why a validation came too early, or undefined: staging soaked the release its level's minutes since it was staged. */
function soakViolation(
  event: Omit<LedgerEvent, "seq" | "prev" | "hash">,
  staged: LedgerEntry,
  minutes: Readonly<Record<ReleaseLevel, number>>,
): string | undefined {
  const required = minutes[event.level];
  const soaked = (Date.parse(event.time) - Date.parse(staged.event.time)) / 60_000;
  if (soaked >= required) return undefined;
  return `validated ${event.version}: ${Math.max(0, Math.floor(soaked))} minutes after it was staged (line ${staged.line}); an ${event.level} release soaks at least ${required} minutes on staging (000 §3, 003 §4.4)`;
}

/**
 * The release rules an event must follow given the events before it, or undefined: only the
 * deploy workflows record events; staging validates only what it staged, in the same run, after
 * its soak; production runs only what staging validated; and a rollback returns to a validated
 * release production ran, never across a contract migration.
 */
export function ruleViolation(
  event: Omit<LedgerEvent, "seq" | "prev" | "hash">,
  history: readonly LedgerEntry[],
  rules: LedgerRules = {},
): string | undefined {
  return provenanceViolation(event, history) ?? releaseRuleViolation(event, history, rules);
}

/**
 * The release rules alone, without where the event comes from: what `slipway rollback` and the
 * program check before the deploy workflow records the event.
 */
export function releaseRuleViolation(
  event: Omit<LedgerEvent, "seq" | "prev" | "hash">,
  history: readonly LedgerEntry[],
  rules: LedgerRules = {},
): string | undefined {
  const what = `${event.kind} ${event.version}`;
  const migrations = event.migrations ?? NO_MIGRATIONS;
  if (event.kind === "staged" || event.kind === "promoted" || event.kind === "hotfix") {
    // 000 §7: a contract migration only after a full release cycle, i.e. once the expand it
    // completes has shipped in an earlier release production ran.
    const premature = prematureContracts(migrations, expandsShippedBefore(history, event.version));
    if (premature.length > 0) {
      return `${what}: contract migration ${premature.map((entry) => `${entry.contract} ${entry.reason}`).join("; ")} (000 §7: contract only after the expand shipped in an earlier release)`;
    }
  }
  if (event.kind === "validated") {
    const staged = history.filter((entry) => entry.event.kind === "staged" && entry.event.version === event.version);
    if (staged.length === 0) return `${what}: staging never staged ${event.version} (no earlier staged event)`;
    const sameRun = staged.find((entry) => entry.event.run?.id === event.run?.id);
    if (sameRun === undefined) {
      return `${what}: run ${event.run?.id} staged nothing; staging validates a release in the run that staged it (staged by run${staged.length > 1 ? "s" : ""} ${staged.map((entry) => entry.event.run?.id ?? "?").join(", ")})`;
    }
    if (!sameArtifacts(sameRun.event.artifacts, event.artifacts)) {
      return `${what}: artifacts differ from what staging staged (line ${sameRun.line}): ${artifactDifferences(sameRun.event.artifacts, event.artifacts).join(", ")}`;
    }
    const stagedMigrations = sameRun.event.migrations ?? NO_MIGRATIONS;
    const changed = [...migrationsMissingFrom(migrations, stagedMigrations), ...migrationsMissingFrom(stagedMigrations, migrations)];
    if (changed.length > 0) return `${what}: migrations differ from what the run staged (line ${sameRun.line}): ${changed.join(", ")}`;
    if (rules.stagingSoakMinutes !== undefined) return soakViolation(event, sameRun, rules.stagingSoakMinutes);
    return undefined;
  }
  if (event.kind === "promoted" || event.kind === "hotfix" || event.kind === "rolled-back") {
    const validated = history.filter((entry) => entry.event.kind === "validated" && entry.event.version === event.version);
    if (validated.length === 0) return `${what}: staging never validated ${event.version}`;
    const sameBuild = validated.filter((entry) => sameArtifacts(entry.event.artifacts, event.artifacts));
    if (sameBuild.length === 0) {
      const last = validated[validated.length - 1];
      return `${what}: artifacts differ from what staging validated (line ${last.line}): ${artifactDifferences(last.event.artifacts, event.artifacts).join(", ")}`;
    }
    // Production runs only the migrations staging ran for this release.
    const last = sameBuild[sameBuild.length - 1];
    const unvalidated = migrationsMissingFrom(migrations, last.event.migrations ?? NO_MIGRATIONS);
    if (unvalidated.length > 0)
      return `${what}: production runs ${unvalidated.join(", ")}, which staging did not run for ${event.version} (line ${last.line})`;
  }
  if (event.kind === "migrated" && event.stack === "production") {
    // 004 §3: a migration reaches production only once staging ran it for the same build, and validated it.
    const rehearsed = history.some(
      (entry) =>
        entry.event.kind === "migrated" &&
        entry.event.stack === "staging" &&
        entry.event.version === event.version &&
        entry.event.phase === event.phase &&
        sameArtifacts(entry.event.artifacts, event.artifacts),
    );
    if (!rehearsed)
      return `${what}: staging never ran the ${event.phase} migration of ${event.version} with these artifacts; a migration is tested on staging first (004 §3)`;
    if (
      !history.some(
        (entry) =>
          entry.event.kind === "validated" &&
          entry.event.version === event.version &&
          sameArtifacts(entry.event.artifacts, event.artifacts),
      )
    ) {
      return `${what}: staging never validated ${event.version} with these artifacts; production migrates only for a release staging validated`;
    }
  }
  if (event.kind === "flag" && event.stack === "production") {
    // A flag event records the release the flag is served with: the one production runs.
    const runs = productionRunsOf(history);
    const running = runs[runs.length - 1];
    if (running === undefined || running.version !== event.version || !sameArtifacts(running.artifacts, event.artifacts)) {
      return `${what}: production runs ${running === undefined ? "no release yet" : `${running.version}${running.version === event.version ? " with other artifacts" : ""}`}; a flag event records the release production runs`;
    }
  }
  if (event.kind === "rolled-back") {
    const from = event.from as string;
    if (from === event.version) return `${what}: a rollback goes to another version than ${from}`;
    const runs = productionRunsOf(history);
    if (!runs.some((run) => run.version === event.version)) {
      return `${what}: production never ran ${event.version}; a rollback returns to a release production ran`;
    }
    const blockers = contractMigrationsInLedger(history, shippedSince(runs, event.version, from), event.version);
    if (blockers.length > 0) return `${what}: crosses a contract migration: ${blockers.map(describeBlocker).join("; ")}`;
  }
  return undefined;
}

/**
 * The expand migrations that shipped in releases production ran before (other than `version`):
 * what a contract migration of `version` may complete.
 */
export function expandsShippedBefore(history: readonly LedgerEntry[], version: string): string[] {
  const ran = new Set(
    history
      .filter((entry) => PRODUCTION_KINDS.includes(entry.event.kind) && entry.event.version !== version)
      .map((entry) => entry.event.version),
  );
  return [...new Set(history.filter((entry) => ran.has(entry.event.version)).flatMap((entry) => entry.event.migrations?.expand ?? []))];
}

/** One release production ran, in order. */
export interface ProductionRun {
  /** Version production ran from this event on. */
  version: string;
  /** promoted, hotfix or rolled-back. */
  kind: LedgerKind;
  /** Release level. */
  level: ReleaseLevel;
  /** Change request. */
  changeRequest: string;
  /** Artifacts production ran. */
  artifacts: Record<string, Artifact>;
  /** Git commit of the release. */
  gitSha: string;
  /** When it was recorded. */
  time: string;
  /** rolled-back: the version production left. */
  from?: string;
  /** Ledger line of the event. */
  line: number;
}

function productionRunsOf(entries: readonly LedgerEntry[]): ProductionRun[] {
  return entries
    .filter((entry) => PRODUCTION_KINDS.includes(entry.event.kind))
    .map(({ event, line }) => ({
      version: event.version,
      kind: event.kind,
      level: event.level,
      changeRequest: event.changeRequest,
      artifacts: event.artifacts,
      gitSha: event.gitSha,
      time: event.time,
      ...(event.from !== undefined ? { from: event.from } : {}),
      line,
    }));
}

/** What production ran, in order (promoted, hotfix and rolled-back events). */
export function productionHistory(ledger: Ledger): ProductionRun[] {
  requireIntactLedger(ledger);
  return productionRunsOf(ledger.entries);
}

/**
 * What staging validated for a version, or null: its latest validated event, or with `artifacts`
 * the latest one that validated exactly those (a version re-staged with a new build has several).
 */
export function validationFor(ledger: Ledger, version: string, artifacts?: Record<string, Artifact>): Validation | null {
  requireIntactLedger(ledger);
  const entry = lastEntry(
    ledger.entries,
    (e) => e.kind === "validated" && e.version === version && (artifacts === undefined || sameArtifacts(e.artifacts, artifacts)),
  );
  if (entry === undefined) return null;
  const runId = entry.event.run?.id;
  const staged = lastEntry(
    ledger.entries.slice(0, entry.line - 1),
    (e) => e.kind === "staged" && e.version === version && e.run?.id === runId && sameArtifacts(e.artifacts, entry.event.artifacts),
  );
  return {
    stack: entry.event.stack,
    version,
    ledgerHash: entry.lineHash,
    artifacts: entry.event.artifacts,
    ...(staged !== undefined ? { stagedAt: staged.event.time } : {}),
    validatedAt: entry.event.time,
    ...(entry.event.run !== undefined ? { runUrl: entry.event.run.url } : {}),
    migrations: entry.event.migrations ?? NO_MIGRATIONS,
  };
}

/** The ledger entry behind `validationFor`, with its line and level (for messages). */
export function validatedEntry(ledger: Ledger, version: string): LedgerEntry | undefined {
  return lastEntry(ledger.entries, (e) => e.kind === "validated" && e.version === version);
}

/** The newest version staging validated (file order), or undefined. */
export function newestValidated(ledger: Ledger): LedgerEntry | undefined {
  return lastEntry(ledger.entries, (e) => e.kind === "validated");
}

/**
 * The versions production ran after it last ran `target`, plus `from` (the version it runs or
 * was set to run): the releases whose migrations a rollback to `target` would cross.
 */
export function shippedSince(runs: readonly ProductionRun[], target: string, from: string): string[] {
  let lastTargetRun = -1;
  runs.forEach((run, i) => {
    if (run.version === target) lastTargetRun = i;
  });
  const versions = runs.slice(lastTargetRun + 1).map((run) => run.version);
  return [...new Set([...versions, from])].filter((version) => version !== target);
}

/** A contract migration that blocks a rollback, and where it was declared. */
export interface MigrationBlocker {
  /** The release that ships it. */
  version: string;
  /** The contract migrations. */
  contract: string[];
  /** Where it is declared (`ledger line 7`, `CHANGELOG.md`). */
  source: string;
}

/** `1.3.0 ships contract migration drop-legacy (ledger line 7)`. */
export function describeBlocker(blocker: MigrationBlocker): string {
  return `${blocker.version} ships contract migration ${blocker.contract.join(", ")} (${blocker.source})`;
}

/**
 * Contract migrations the ledger records for any of `versions` (first declaring line each) that
 * the rollback target `target` did not run itself: a target that already ran on the contracted
 * schema is not crossing it.
 */
export function contractMigrationsInLedger(
  entries: readonly LedgerEntry[],
  versions: readonly string[],
  target?: string,
): MigrationBlocker[] {
  const targetRan = new Set(
    entries.filter((entry) => entry.event.version === target).flatMap((entry) => entry.event.migrations?.contract ?? []),
  );
  const blockers: MigrationBlocker[] = [];
  for (const version of versions) {
    const declaring = entries.find(
      (entry) => entry.event.version === version && (entry.event.migrations?.contract ?? []).some((name) => !targetRan.has(name)),
    );
    if (declaring !== undefined) {
      blockers.push({
        version,
        contract: (declaring.event.migrations?.contract ?? []).filter((name) => !targetRan.has(name)),
        source: `ledger line ${declaring.line}`,
      });
    }
  }
  return blockers;
}

/** An event to append: everything but the fields the ledger computes (seq, stack, marker, prev, hash). */
export interface NewLedgerEvent {
  /** What happened. */
  kind: LedgerKind;
  /** Release version (for rolled-back: the version production returns to). */
  version: string;
  /** Release level. */
  level: ReleaseLevel;
  /** Change request. */
  changeRequest: string;
  /** Artifacts per app. */
  artifacts: Record<string, Artifact>;
  /** Migrations the release ships, when declared. */
  migrations?: Migrations;
  /** rolled-back: the version production leaves. */
  from?: string;
  /** flag: the stack that serves the change; migrated: the stack migrated (default production). */
  stack?: "staging" | "production";
  /** flag: the flag changed and how it is served now. */
  flag?: FlagChange;
  /** migrated: the phase the migration workflow ran. */
  phase?: MigrationPhase;
  /** Git commit of the release. */
  gitSha: string;
  /** Who records it. */
  actor: string;
  /** The workflow run that records it. */
  run?: WorkflowRun;
  /** Who approved the deployment, when someone did. */
  approvers?: string[];
  /** Free text. */
  note?: string;
  /** When (default: now). */
  time?: string;
}

/** A line ready to append, checked against the ledger it extends. */
export interface PreparedAppend {
  /** The entry the line will be. */
  entry: LedgerEntry;
  /** The exact line, without its newline. */
  line: string;
}

/**
 * Build the next line of an intact ledger and check it: shape, then the release rules against
 * the history. Nothing is written; `commitAppend` writes it. Throws `UserError` on any refusal.
 */
export function prepareAppend(ledger: Ledger, input: NewLedgerEvent, now: Date = new Date(), rules: LedgerRules = {}): PreparedAppend {
  requireIntactLedger(ledger);
  const seq = ledger.entries.length + 1;
  const draft: Partial<LedgerEvent> = {
    seq,
    kind: input.kind,
    stack: STACK_CHOSEN_KINDS.includes(input.kind) ? (input.stack ?? STACK_OF_KIND[input.kind]) : STACK_OF_KIND[input.kind],
    version: input.version,
    level: input.level,
    changeRequest: input.changeRequest,
    artifacts: input.artifacts,
    migrations: input.migrations,
    from: input.kind === "rolled-back" ? input.from : undefined,
    to: input.kind === "rolled-back" ? input.version : undefined,
    marker: input.kind === "rolled-back" && input.from !== undefined ? rollbackMarker(input.from, input.version) : undefined,
    flag: input.flag,
    phase: input.phase,
    gitSha: input.gitSha,
    time: input.time ?? now.toISOString(),
    actor: input.actor,
    run: input.run,
    approvers: input.approvers !== undefined && input.approvers.length > 0 ? input.approvers : undefined,
    note: input.note,
    prev: ledger.headHash,
  };
  if (input.kind !== "rolled-back" && input.from !== undefined) {
    throw new UserError("only a rolled-back event has a 'from' version", { file: ledger.file, key: "from" });
  }
  const event = { ...draft, hash: contentHash(draft) };
  const parsed = ledgerEventSchema.safeParse(event);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.map(String).join(".") || "(event)";
    throw new UserError(`cannot record ${input.kind} ${input.version}: ${issueMessage(issue, event)}`, {
      file: ledger.file,
      key,
    });
  }
  const violation = ruleViolation(parsed.data, ledger.entries, rules);
  if (violation !== undefined) throw new UserError(`refusing to record: ${violation}`, { file: ledger.file });
  const line = canonicalLine(parsed.data);
  return { entry: { line: ledger.lineCount + 1, event: parsed.data, lineHash: sha256Hex(line) }, line };
}

/** Append a prepared line (creating the file and its folder if needed). */
export function commitAppend(root: string, prepared: PreparedAppend, ledgerPath: string = LEDGER_FILE): void {
  const fullPath = path.resolve(root, ledgerPath);
  fs.mkdirSync(path.dirname(fullPath), { recursive: true });
  fs.appendFileSync(fullPath, `${prepared.line}\n`);
}

/** How long an append waits for another one to finish before giving up. */
const LOCK_WAIT_MS = 30_000;

/**
 * Run `work` holding the ledger's exclusive lock (`<ledger>.lock`, created with O_EXCL). Two
 * appends at the same moment would otherwise both compute the same `seq` and `prev`, and every
 * later record would refuse the broken chain. A lock whose holder died is taken over.
 */
export function withLedgerLock<T>(fullPath: string, work: () => T): T {
  const lock = `${fullPath}.lock`;
  const deadline = Date.now() + LOCK_WAIT_MS;
  fs.mkdirSync(path.dirname(fullPath), { recursive: true });
  for (;;) {
    try {
      const handle = fs.openSync(lock, "wx");
      fs.writeSync(handle, String(process.pid));
      fs.closeSync(handle);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      if (lockHolderIsGone(lock)) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new UserError(`another append has held ${lock} for ${LOCK_WAIT_MS / 1000} s; if no slipway process runs, remove it`, {
          file: lock,
        });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20 + Math.floor(Math.random() * 30));
    }
  }
  try {
    return work();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Whether the process that wrote a lock file no longer runs (an empty or unreadable lock is young: keep waiting). */
function lockHolderIsGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lock, "utf8"));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "ESRCH";
  }
}

/**
 * Verify, check and append one event under the ledger's lock: the ledger is read again under
 * the lock, so the line chains onto the head as it is now. With `expectedHead`, the append is
 * refused when the head moved since the caller read it (the caller decided on a stale ledger).
 */
export function appendEvent(
  root: string,
  input: NewLedgerEvent,
  options: { ledgerPath?: string; now?: Date; expectedHead?: string; rules?: LedgerRules } = {},
): LedgerEntry {
  const fullPath = path.resolve(root, options.ledgerPath ?? LEDGER_FILE);
  return withLedgerLock(fullPath, () => {
    const ledger = readLedger(root, options.ledgerPath);
    if (options.expectedHead !== undefined && ledger.headHash !== options.expectedHead) {
      throw new UserError(
        `changed while this command ran (head ${ledger.headHash.slice(0, 12)}, expected ${options.expectedHead.slice(0, 12)}): run it again`,
        { file: ledger.file },
      );
    }
    const prepared = prepareAppend(ledger, input, options.now, options.rules);
    commitAppend(root, prepared, options.ledgerPath);
    return prepared.entry;
  });
}

/**
 * Append-only check between two versions of the ledger file (e.g. the branch before and after a
 * push): the old bytes must be a prefix of the new ones. Catches a rewrite even when every hash
 * was recomputed, and a removed last line, which the chain alone cannot.
 */
export function checkAppendOnly(previous: Buffer, current: Buffer): LedgerProblem[] {
  if (current.length >= previous.length && current.subarray(0, previous.length).equals(previous)) return [];
  const before = splitLines(previous);
  const after = splitLines(current);
  before.pop(); // what follows the last newline: normally nothing
  after.pop();
  for (let i = 0; i < before.length; i++) {
    if (i >= after.length) {
      return [{ line: i + 1, message: `was in the previous version of the ledger and is gone: line ${i + 1} and after were removed` }];
    }
    if (!before[i].equals(after[i])) {
      return [{ line: i + 1, message: "differs from the previous version of the ledger: history was rewritten" }];
    }
  }
  return [{ line: before.length + 1, message: "differs from the previous version of the ledger: history was rewritten" }];
}

/** The ledger's head as an anchor: its line count and the hash of its last line. */
export function anchorOf(ledger: Ledger): LedgerAnchor {
  return { seq: ledger.lineCount, hash: ledger.headHash };
}

/**
 * Why the ledger does not extend the one a stack last deployed from, or undefined when it does:
 * line `anchor.seq` must still hash to `anchor.hash`. With the prev chain intact, that proves
 * every line up to it is unchanged, whoever pushed since and however many commits they used.
 */
export function anchorProblem(ledger: Ledger, anchor: LedgerAnchor): LedgerProblem | undefined {
  const shown = `${formatAnchor(anchor).slice(0, String(anchor.seq).length + 13)}…`;
  if (anchor.seq === 0) return undefined;
  if (ledger.lineCount < anchor.seq) {
    return {
      line: ledger.lineCount + 1,
      message: `the stack last deployed from a ledger of ${anchor.seq} lines (anchor ${shown}) and this one has ${ledger.lineCount}: lines were removed`,
    };
  }
  const entry = ledger.entries.find((candidate) => candidate.line === anchor.seq);
  if (entry === undefined || entry.lineHash !== anchor.hash) {
    return {
      line: anchor.seq,
      seq: anchor.seq,
      message: `differs from the line the stack last deployed from (anchor ${shown}): the ledger's history was rewritten`,
    };
  }
  return undefined;
}
