/**
 * `slipway ledger verify | record | show`: typed entry points the CLI wires to its commands.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Artifact, ReleaseLevel } from "../contract";
import type { CommandResult } from "./command";
import { displayPath, UserError } from "../config/errors";
import {
  anchorProblem,
  appendEvent,
  checkAppendOnly,
  type FlagChange,
  formatProblem,
  type Ledger,
  type LedgerEntry,
  type LedgerKind,
  LEDGER_KINDS,
  type LedgerProblem,
  MIGRATION_PHASES,
  migrationNotRecorded,
  type MigrationPhase,
  type Migrations,
  newestValidated,
  readExistingLedger,
  releaseRuleViolation,
  requireIntactLedger,
  rollbackMarker,
  STACK_CHOSEN_KINDS,
  STACK_OF_KIND,
  type WorkflowRun,
} from "./ledger";
import { openStackDocument, readFlags, readMigrations, readRelease } from "./stackDocument";
import { servedAs } from "./flag";
import { readPolicyStatement } from "../config/policyStatement";
import { textTable } from "./textTable";
import { LEDGER_ANCHOR_VARIABLE, LEDGER_FILE, NO_ANCHOR, parseAnchor, WORKFLOW_REF } from "../contract/release";

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
  /**
   * The head the stack last deployed from (`<seq>:<hash>`, its SLIPWAY_LEDGER_ANCHOR), or `none`
   * on a stack's first deploy: every line up to it must be unchanged.
   */
  anchor?: string;
}

/** What verify found. */
export interface LedgerVerifyResult extends CommandResult {
  /** Every problem (empty when the ledger is intact). */
  problems: LedgerProblem[];
}

/** One line about where production and staging stand. */
function standing(ledger: Ledger): string {
  const production = [...ledger.entries].reverse().find((entry) => entry.event.stack === "production");
  const validated = newestValidated(ledger);
  const parts = [
    production
      ? `production runs ${production.event.version} (line ${production.line}, ${production.event.kind})`
      : "production has run no release",
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
  let anchored = "";
  if (options.anchor !== undefined && options.anchor !== NO_ANCHOR) {
    const anchor = parseAnchor(options.anchor);
    if (anchor === undefined) {
      throw new UserError(
        `'${options.anchor}' is not an anchor: expected <seq>:<64 hex> (the stack's ${LEDGER_ANCHOR_VARIABLE}), or '${NO_ANCHOR}' before a stack's first deploy`,
        { key: "anchor" },
      );
    }
    const problem = anchorProblem(ledger, anchor);
    if (problem !== undefined) problems.unshift(problem);
    anchored = `, extends the anchor at line ${anchor.seq}`;
  } else if (options.anchor === NO_ANCHOR) {
    anchored = ", no anchor yet (the stack's first deploy)";
  }
  if (problems.length > 0) {
    const text = [
      `${ledger.file}: verification FAILED, ${problems.length} problem${problems.length === 1 ? "" : "s"}:`,
      ...problems.map((problem) => `  ${formatProblem(problem)}`),
    ].join("\n");
    return { text: `${text}\n`, exitCode: 1, problems };
  }
  const head = ledger.headHash === "0".repeat(64) ? "empty" : `head ${ledger.headHash.slice(0, 12)}`;
  const text = `${ledger.file}: ${ledger.lineCount} line${ledger.lineCount === 1 ? "" : "s"}, chain intact (${head})${anchored}; ${standing(ledger)}.\n`;
  return { text, exitCode: 0, problems };
}

/**
 * The kind the production deploy workflow records: whatever event Pulumi.production.yaml's release
 * stands for, decided by the file, not by the workflow.
 */
export const DEPLOYED = "deployed";

/** Options of `slipway ledger record`. */
export interface LedgerRecordOptions extends LedgerLocation {
  /** What happened; `deployed`: the production event the production stack file's release stands for. */
  kind: LedgerKind | typeof DEPLOYED;
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
  /** flag: the flag whose change the deploy served (its state is read from the stack file). */
  flag?: string;
  /** flag: the stack that served it; migrated: the stack migrated (default production). */
  stack?: "staging" | "production";
  /** migrated: the phase the migration workflow ran. */
  phase?: MigrationPhase;
  /** Release commit; default GITHUB_SHA, then `git rev-parse HEAD` in root. */
  gitSha?: string;
  /** Who records; default GITHUB_ACTOR, then USER. */
  actor?: string;
  /** Free text (required for hotfix: the incident). */
  note?: string;
  /** GitHub logins who approved the deployment (the environment's reviewers), when someone did. */
  approvers?: string[];
  /** Environment for the defaults and the workflow run; default process.env. */
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
    return execFileSync("git", ["--no-optional-locks", "rev-parse", "HEAD"], {
      cwd: root,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/**
 * The workflow run recording an event, from the runner's environment. Outside GitHub Actions
 * there is none, and recording is refused: only the deploy workflows write the ledger, and a line
 * without a run fails verification anyway.
 */
export function workflowRunFromEnv(env: Record<string, string | undefined>): WorkflowRun {
  const names = [
    "GITHUB_ACTIONS",
    "GITHUB_RUN_ID",
    "GITHUB_RUN_ATTEMPT",
    "GITHUB_SERVER_URL",
    "GITHUB_REPOSITORY",
    "GITHUB_WORKFLOW_REF",
  ] as const;
  const missing = names.filter((name) => env[name] === undefined || env[name] === "");
  if (missing.length > 0 || env.GITHUB_ACTIONS !== "true") {
    throw new UserError(
      `only the deploy workflows record ledger events, and this is not a GitHub Actions run (${missing.length > 0 ? `${missing.join(", ")} not set` : "GITHUB_ACTIONS is not 'true'"}); ` +
        "a release is staged and validated by deploy-staging.yml and promoted by deploy-production.yml",
      { key: "run" },
    );
  }
  const workflow = env.GITHUB_WORKFLOW_REF as string;
  if (!WORKFLOW_REF.test(workflow))
    throw new UserError(`GITHUB_WORKFLOW_REF '${workflow}' is not <owner>/<repo>/.github/workflows/<file>@<ref>`, { key: "run" });
  const attempt = Number(env.GITHUB_RUN_ATTEMPT);
  return {
    id: env.GITHUB_RUN_ID as string,
    attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1,
    url: `${(env.GITHUB_SERVER_URL as string).replace(/\/+$/, "")}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`,
    workflow,
  };
}

/**
 * What production deployed, as an event: a release written by `slipway rollback` is `rolled-back`
 * (from and reason from its rollback section), a hotfix is `hotfix` (its incident as the note),
 * anything else is `promoted`.
 */
function productionEventOf(options: LedgerRecordOptions): { kind: LedgerKind; from?: string; note?: string } {
  const document = openStackDocument(options.root, "production");
  const release = readRelease(document);
  if (release === undefined)
    throw new UserError("is missing: cannot tell what production deployed", { file: document.file, key: "slipway:release" });
  if (release.rollback !== undefined)
    return { kind: "rolled-back", from: release.rollback.from, note: release.rollback.reason ?? options.note };
  if (release.hotfix) return { kind: "hotfix", note: release.incident ?? options.note };
  return { kind: "promoted" };
}

/** Migrations worth recording: none at all is left out of the line. */
function nonEmpty(migrations: Migrations | undefined): Migrations | undefined {
  return migrations !== undefined && migrations.expand.length + migrations.contract.length > 0 ? migrations : undefined;
}

/** Append one event after verifying the chain; refuses on a broken ledger or a rule violation. */
export function ledgerRecord(options: LedgerRecordOptions): LedgerRecordResult {
  if (options.kind === DEPLOYED) return ledgerRecord({ ...options, ...productionEventOf(options) });
  if (!LEDGER_KINDS.includes(options.kind)) {
    throw new UserError(`'${options.kind}' is not a ledger event; expected one of ${LEDGER_KINDS.join(", ")}, or ${DEPLOYED}`, {
      key: "kind",
    });
  }
  const env = options.env ?? process.env;
  // A typo in --ledger must not start a new chain: the file has to exist.
  readExistingLedger(options.root, options.ledgerPath);
  const run = workflowRunFromEnv(env);
  const { stagingSoakMinutes } = readPolicyStatement(options.root);
  const given = [options.version, options.level, options.changeRequest, options.artifacts].filter((value) => value !== undefined).length;
  let release: { version: string; level: ReleaseLevel; changeRequest: string; artifacts: Record<string, Artifact> };
  let stackMigrations: Migrations | undefined;
  let note = options.note;
  let flag: FlagChange | undefined;
  const kindStack = STACK_CHOSEN_KINDS.includes(options.kind)
    ? (options.stack ?? STACK_OF_KIND[options.kind])
    : STACK_OF_KIND[options.kind];
  if (options.kind === "migrated" && (options.phase === undefined || !MIGRATION_PHASES.includes(options.phase))) {
    throw new UserError(`a migrated event names the phase it ran: pass --phase ${MIGRATION_PHASES.join(" or ")}`, { key: "phase" });
  }
  if (options.kind !== "migrated" && options.phase !== undefined)
    throw new UserError(`--phase belongs to a migrated event, not ${options.kind}`, { key: "phase" });
  if (options.kind === "flag") {
    // What the stack serves is what its file says now: the deploy that records this just applied it.
    if (options.flag === undefined) throw new UserError("a flag event names its flag: pass --flag <name>", { key: "flag" });
    const document = openStackDocument(options.root, kindStack);
    const configured = readFlags(document).find((candidate) => candidate.name === options.flag);
    if (configured === undefined) throw new UserError(`names no flag '${options.flag}'`, { file: document.file, key: "slipway:flags" });
    flag = { name: configured.name, served: servedAs(configured, kindStack) };
  } else if (options.flag !== undefined) {
    throw new UserError(`--flag belongs to a flag event, not ${options.kind}`, { key: "flag" });
  }
  if (given === 4) {
    release = {
      version: options.version as string,
      level: options.level as ReleaseLevel,
      changeRequest: options.changeRequest as string,
      artifacts: options.artifacts as Record<string, Artifact>,
    };
  } else if (given === 0) {
    const document = openStackDocument(options.root, kindStack);
    const fromFile = readRelease(document);
    if (fromFile === undefined)
      throw new UserError(`is missing: cannot record ${options.kind} without a release`, { file: document.file, key: "slipway:release" });
    if (options.kind === "rolled-back" && fromFile.rollback === undefined) {
      throw new UserError("has no rollback section: a rolled-back event records a release `slipway rollback` wrote", {
        file: document.file,
        key: "slipway:release.rollback",
      });
    }
    release = fromFile;
    // A staging rollback (slipway rollback --stack staging) stages its target again: the note says so.
    if (options.kind === "staged" && fromFile.rollback !== undefined && note === undefined) {
      const reason = fromFile.rollback.reason !== undefined ? `: ${fromFile.rollback.reason}` : "";
      note = `${rollbackMarker(fromFile.rollback.from, fromFile.version)}${reason}`;
    }
    // The migrations the release runs, from the stack's config (a rollback records none: it returns to code that ran before).
    stackMigrations = options.kind === "rolled-back" || options.kind === "flag" ? undefined : readMigrations(document);
  } else {
    throw new UserError(
      "give all of version, level, changeRequest and artifacts, or none of them (to read the stack file's slipway:release)",
      { key: "version" },
    );
  }
  const gitSha = options.gitSha ?? env.GITHUB_SHA ?? headCommit(options.root);
  if (gitSha === undefined) throw new UserError("cannot tell the release commit: pass --git-sha (or set GITHUB_SHA)", { key: "gitSha" });
  const actor = options.actor ?? env.GITHUB_ACTOR ?? env.USER ?? env.USERNAME;
  if (actor === undefined || actor === "")
    throw new UserError("cannot tell who records: pass --actor (or set GITHUB_ACTOR / USER)", { key: "actor" });

  const entry = appendEvent(
    options.root,
    {
      kind: options.kind,
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      migrations: options.migrations ?? nonEmpty(stackMigrations),
      from: options.from,
      ...(flag !== undefined ? { stack: kindStack, flag } : {}),
      ...(options.kind === "migrated" ? { stack: kindStack, phase: options.phase } : {}),
      gitSha,
      actor,
      run,
      approvers: options.approvers,
      note,
    },
    { ledgerPath: options.ledgerPath, now: options.now, rules: { stagingSoakMinutes } },
  );
  const { event } = entry;
  const file = displayPath(options.root, path.resolve(options.root, options.ledgerPath ?? LEDGER_FILE));
  return {
    text: `Recorded ${file} line ${entry.line} (seq ${event.seq}): ${event.kind}${event.flag ? ` ${event.flag.name} ${event.flag.served}` : ""}${event.phase ? ` (${event.phase})` : ""} ${event.version} on ${event.stack}${event.marker ? `, '${event.marker}'` : ""}.\n`,
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
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are exactly what this escapes
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A table of the ledger's events; exit 1 (with a warning) when the ledger fails verification. */
export function ledgerShow(options: LedgerShowOptions): CommandResult {
  const ledger = readExistingLedger(options.root, options.ledgerPath);
  const entries = ledger.entries.filter((entry) => options.version === undefined || entry.event.version === options.version);
  const header = ["seq", "kind", "stack", "version", "level", "change", "time", "actor", "note"];
  const rows = entries.map(({ event }) =>
    [
      String(event.seq),
      event.kind,
      event.stack,
      event.version,
      event.level,
      event.changeRequest,
      event.time,
      event.actor,
      [
        event.marker,
        event.flag !== undefined ? `flag ${event.flag.name} ${event.flag.served}` : undefined,
        event.migrations?.contract.length ? `contract: ${event.migrations.contract.join(", ")}` : undefined,
        event.note,
      ]
        .filter((part) => part !== undefined && part !== "")
        .join(" | "),
    ].map(printable),
  );
  const lines = textTable(header, rows);
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

/** Options of `slipway ledger soak`. */
export interface LedgerSoakOptions extends LedgerLocation {
  /** The version staging deployed in this run. */
  version: string;
  /** Environment holding the run (GITHUB_RUN_ID); default process.env. */
  env?: Record<string, string | undefined>;
}

/** When the staging soak of a release ends. */
export interface SoakWindow {
  /** The staged line the window starts at. */
  staged: LedgerEntry;
  /** Minutes the release's level soaks. */
  minutes: number;
  /** When validated may be recorded. */
  endsAt: Date;
}

/**
 * The soak window of the release this run staged: from its `staged` line, as long as its level
 * asks (the team's figures in the policy statement, else the playbooks'). The soak job waits for
 * it, runs the smoke checks again, and only then records `validated`.
 */
export function soakWindow(options: LedgerSoakOptions): SoakWindow {
  const env = options.env ?? process.env;
  const runId = env.GITHUB_RUN_ID;
  if (runId === undefined || runId === "")
    throw new UserError("the soak belongs to the run that staged the release, and GITHUB_RUN_ID is not set", { key: "run" });
  const ledger = readExistingLedger(options.root, options.ledgerPath);
  requireIntactLedger(ledger);
  const staged = [...ledger.entries]
    .reverse()
    .find((entry) => entry.event.kind === "staged" && entry.event.version === options.version && entry.event.run?.id === runId);
  if (staged === undefined)
    throw new UserError(
      `has no staged ${options.version} recorded by run ${runId}: the soak starts when this run's staged line is on the ledger branch`,
      { file: ledger.file },
    );
  const { stagingSoakMinutes } = readPolicyStatement(options.root);
  const minutes = stagingSoakMinutes[staged.event.level];
  return { staged, minutes, endsAt: new Date(Date.parse(staged.event.time) + minutes * 60_000) };
}
/**
 * `slipway ledger migrated --stack <stack>`: exit 0 when the stack's migration workflow recorded
 * the expand migration of the release in Pulumi.<stack>.yaml (same version and artifacts), 1 with
 * why not. The deploy job of a workflow-mode team runs it before `pulumi up` (004 §3). With
 * `before`, the migration workflow asks first whether the release's migration may run at all
 * (production: only once staging ran it for the same build and validated the release).
 */
export function ledgerMigrationCheck(
  options: LedgerLocation & { stack: "staging" | "production"; before?: MigrationPhase; now?: Date },
): CommandResult & { version?: string } {
  const document = openStackDocument(options.root, options.stack);
  const release = readRelease(document);
  if (release === undefined)
    throw new UserError("is missing: no release to check the migration of", { file: document.file, key: "slipway:release" });
  const ledger = readExistingLedger(options.root, options.ledgerPath);
  requireIntactLedger(ledger);
  if (options.before !== undefined) {
    const draft = {
      kind: "migrated" as const,
      stack: options.stack,
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      phase: options.before,
      gitSha: "0".repeat(40),
      time: (options.now ?? new Date()).toISOString(),
      actor: "slipway",
    };
    const violation = releaseRuleViolation(draft, ledger.entries);
    if (violation !== undefined) return { text: `refusing to migrate ${release.version} on ${options.stack}: ${violation}\n`, exitCode: 1 };
    return {
      text: `${release.version} on ${options.stack}: its ${options.before} migration may run.\n`,
      exitCode: 0,
      version: release.version,
    };
  }
  const problem = migrationNotRecorded(ledger, options.stack, release);
  if (problem !== undefined) return { text: `refusing to deploy ${release.version} to ${options.stack}: ${problem}\n`, exitCode: 1 };
  return { text: `${release.version} on ${options.stack}: its expand migration is recorded in ${ledger.file}.\n`, exitCode: 0 };
}
