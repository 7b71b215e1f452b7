/**
 * `slipway ledger verify | record | show`: typed entry points the CLI wires to its commands.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Artifact, ReleaseLevel } from "../../contract";
import { CommandResult, UserError } from "./errors";
import {
  appendEvent,
  checkAppendOnly,
  displayPath,
  formatProblem,
  Ledger,
  LEDGER_FILE,
  LedgerEntry,
  LedgerKind,
  LEDGER_KINDS,
  LedgerProblem,
  Migrations,
  newestValidated,
  readExistingLedger,
  STACK_OF_KIND,
} from "./ledger";
import { openStackDocument, readRelease } from "./stackDocument";

/** Where the ledger is. */
export interface LedgerLocation {
  /** Project root. */
  root: string;
  /** Ledger file relative to root (default releases/ledger.jsonl). */
  ledgerPath?: string;
}

/** Options of `slipway ledger verify`. */
export interface LedgerVerifyOptions extends LedgerLocation {
  /** A previous version of the ledger file (e.g. before a push): it must be a prefix of the current one. */
  previousLedgerPath?: string;
}

/** What verify found. */
export interface LedgerVerifyResult extends CommandResult {
  /** Every problem (empty when the ledger is intact). */
  problems: LedgerProblem[];
}

/** One line about where production and staging stand. */
function standing(ledger: Ledger): string {
  const production = [...ledger.entries].reverse().find((entry) => STACK_OF_KIND[entry.event.kind] === "production");
  const validated = newestValidated(ledger);
  const parts = [
    production ? `production runs ${production.event.version} (line ${production.line}, ${production.event.kind})` : "production has run no release",
    validated ? `staging last validated ${validated.event.version} (line ${validated.line})` : "staging has validated no release",
  ];
  return parts.join("; ");
}

/** Verify the chain, every line's shape and the release rules; exit 1 when anything is wrong. */
export function ledgerVerify(options: LedgerVerifyOptions): LedgerVerifyResult {
  const ledger = readExistingLedger(options.root, options.ledgerPath);
  const problems = [...ledger.problems];
  if (options.previousLedgerPath !== undefined) {
    const previousFile = path.resolve(options.root, options.previousLedgerPath);
    if (!fs.existsSync(previousFile)) throw new UserError("does not exist", { file: options.previousLedgerPath, key: "previous ledger" });
    const currentFile = path.resolve(options.root, options.ledgerPath ?? LEDGER_FILE);
    const current = fs.existsSync(currentFile) ? fs.readFileSync(currentFile) : Buffer.alloc(0);
    problems.unshift(...checkAppendOnly(fs.readFileSync(previousFile), current));
  }
  if (problems.length > 0) {
    const text = [
      `${ledger.file}: verification FAILED, ${problems.length} problem${problems.length === 1 ? "" : "s"}:`,
      ...problems.map((problem) => `  ${formatProblem(problem)}`),
    ].join("\n");
    return { text: `${text}\n`, exitCode: 1, problems };
  }
  const head = ledger.headHash === "0".repeat(64) ? "empty" : `head ${ledger.headHash.slice(0, 12)}`;
  const text = `${ledger.file}: ${ledger.lineCount} line${ledger.lineCount === 1 ? "" : "s"}, chain intact (${head}); ${standing(ledger)}.\n`;
  return { text, exitCode: 0, problems };
}

/** Options of `slipway ledger record`. */
export interface LedgerRecordOptions extends LedgerLocation {
  /** What happened. */
  kind: LedgerKind;
  /**
   * The release: give all of version, level, changeRequest and artifacts, or none of them to read
   * the `slipway:release` of the kind's stack file (Pulumi.staging.yaml for staged/validated,
   * Pulumi.production.yaml for promoted/hotfix).
   */
  version?: string;
  /** Release level. */
  level?: ReleaseLevel;
  /** Change request. */
  changeRequest?: string;
  /** Artifacts per app. */
  artifacts?: Record<string, Artifact>;
  /** Migrations the release ships (a contract migration blocks later rollbacks across it). */
  migrations?: Migrations;
  /** rolled-back: the version production left. */
  from?: string;
  /** Release commit; default GITHUB_SHA, then `git rev-parse HEAD` in root. */
  gitSha?: string;
  /** Who records; default GITHUB_ACTOR, then USER. */
  actor?: string;
  /** Free text (required for hotfix: the incident). */
  note?: string;
  /** Environment for the defaults; default process.env. */
  env?: Record<string, string | undefined>;
  /** Clock; default now. */
  now?: Date;
}

/** What record appended. */
export interface LedgerRecordResult extends CommandResult {
  /** The new line. */
  entry: LedgerEntry;
}

function headCommit(root: string): string | undefined {
  try {
    return execFileSync("git", ["--no-optional-locks", "rev-parse", "HEAD"], { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** Append one event after verifying the chain; refuses on a broken ledger or a rule violation. */
export function ledgerRecord(options: LedgerRecordOptions): LedgerRecordResult {
  if (!LEDGER_KINDS.includes(options.kind)) {
    throw new UserError(`'${options.kind}' is not a ledger event; expected one of ${LEDGER_KINDS.join(", ")}`, { key: "kind" });
  }
  const env = options.env ?? process.env;
  // A typo in --ledger must not start a new chain: the file has to exist.
  readExistingLedger(options.root, options.ledgerPath);
  const given = [options.version, options.level, options.changeRequest, options.artifacts].filter((value) => value !== undefined).length;
  let release: { version: string; level: ReleaseLevel; changeRequest: string; artifacts: Record<string, Artifact> };
  if (given === 4) {
    release = {
      version: options.version as string,
      level: options.level as ReleaseLevel,
      changeRequest: options.changeRequest as string,
      artifacts: options.artifacts as Record<string, Artifact>,
    };
  } else if (given === 0) {
    if (options.kind === "rolled-back") {
      throw new UserError("a rolled-back event needs the release it returns to: use `slipway rollback`, or give version, level, changeRequest and artifacts", { key: "version" });
    }
    const stack = STACK_OF_KIND[options.kind];
    const document = openStackDocument(options.root, stack);
    const fromFile = readRelease(document);
    if (fromFile === undefined) throw new UserError(`is missing: cannot record ${options.kind} without a release`, { file: document.file, key: "slipway:release" });
    release = fromFile;
  } else {
    throw new UserError("give all of version, level, changeRequest and artifacts, or none of them (to read the stack file's slipway:release)", { key: "version" });
  }
  const gitSha = options.gitSha ?? env.GITHUB_SHA ?? headCommit(options.root);
  if (gitSha === undefined) throw new UserError("cannot tell the release commit: pass --git-sha (or set GITHUB_SHA)", { key: "gitSha" });
  const actor = options.actor ?? env.GITHUB_ACTOR ?? env.USER ?? env.USERNAME;
  if (actor === undefined || actor === "") throw new UserError("cannot tell who records: pass --actor (or set GITHUB_ACTOR / USER)", { key: "actor" });

  const entry = appendEvent(
    options.root,
    {
      kind: options.kind,
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      migrations: options.migrations,
      from: options.from,
      gitSha,
      actor,
      note: options.note,
    },
    { ledgerPath: options.ledgerPath, now: options.now },
  );
  const { event } = entry;
  const file = displayPath(options.root, path.resolve(options.root, options.ledgerPath ?? LEDGER_FILE));
  return {
    text: `Recorded ${file} line ${entry.line} (seq ${event.seq}): ${event.kind} ${event.version} on ${event.stack}${event.marker ? `, '${event.marker}'` : ""}.\n`,
    exitCode: 0,
    entry,
  };
}

/** Options of `slipway ledger show`. */
export interface LedgerShowOptions extends LedgerLocation {
  /** Only this version's events. */
  version?: string;
}

/**
 * Text safe to print on a terminal: control characters (an escape sequence smuggled into a note
 * could rewrite the screen or hide lines) are shown as `\u001b`-style escapes.
 */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

/** A table of the ledger's events; exit 1 (with a warning) when the ledger fails verification. */
export function ledgerShow(options: LedgerShowOptions): CommandResult {
  const ledger = readExistingLedger(options.root, options.ledgerPath);
  const entries = ledger.entries.filter((entry) => options.version === undefined || entry.event.version === options.version);
  const header = ["seq", "kind", "stack", "version", "level", "change", "time", "actor", "note"];
  const rows = entries.map(({ event }) => [
    String(event.seq),
    event.kind,
    event.stack,
    event.version,
    event.level,
    event.changeRequest,
    event.time,
    event.actor,
    [event.marker, event.migrations?.contract.length ? `contract: ${event.migrations.contract.join(", ")}` : undefined, event.note]
      .filter((part) => part !== undefined && part !== "")
      .join(" | "),
  ].map(printable));
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const format = (row: string[]) => row.map((cell, column) => (column === row.length - 1 ? cell : pad(cell, widths[column]))).join("  ").trimEnd();
  const lines = [format(header), ...rows.map(format)];
  if (rows.length === 0) lines.push(options.version !== undefined ? `(no events for ${options.version})` : "(no events)");
  if (ledger.problems.length > 0) {
    lines.push(
      "",
      `WARNING: ${ledger.file} fails verification (${ledger.problems.length} problem${ledger.problems.length === 1 ? "" : "s"}); only valid lines are shown. First: ${formatProblem(ledger.problems[0])}`,
    );
    return { text: `${lines.join("\n")}\n`, exitCode: 1 };
  }
  lines.push("", `${standing(ledger)}.`);
  return { text: `${lines.join("\n")}\n`, exitCode: 0 };
}
