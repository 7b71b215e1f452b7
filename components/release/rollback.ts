/**
 * `slipway rollback`: return production to a release it ran before.
 *
 * The target must be a release staging validated and production ran (000 §6: promote the last
 * good artifact, no rebuild). A rollback never crosses a contract migration: when any release
 * production ran after the target (or the release being left) declares one, in its ledger events
 * (`migrations.contract`) or its CHANGELOG.md section (`Migrations: contract: ...`), the old code
 * would run against a schema it no longer matches (000 §7, 003 §7.3 q4), so the answer is to fix
 * forward. The first action is the flags (003 §7.2): every L3 flag's production default goes off.
 *
 * The rollback is recorded at once (a `rolled-back` line with the deploy marker
 * `ROLLBACK X → Y`, 000 §6.3), unlike a promotion: in an incident the ledger must stop naming the
 * bad release as production's current one as soon as the decision is taken. The restored release
 * is written with `hotfix: true`, so a change freeze (001) never blocks restoring service.
 */
import * as path from "path";
import { unifiedDiff } from "./diff";
import { findSection, declaredMigrations, readChangelog, CHANGELOG_FILE } from "./changelog";
import { CommandResult, UserError } from "./errors";
import { requireCommittedFile } from "./git";
import {
  commitAppend,
  contractMigrationsInLedger,
  LEDGER_FILE,
  describeBlocker,
  MigrationBlocker,
  prepareAppend,
  ProductionRun,
  productionHistory,
  readExistingLedger,
  readLedger,
  requireIntactLedger,
  rollbackMarker,
  shippedSince,
  validatedEntry,
  withLedgerLock,
} from "./ledger";
import { PRODUCTION_NEXT_STEPS, PRODUCTION_STACK } from "./promote";
import { forceL3FlagsOffInProduction, openStackDocument, readRelease, renderStackDocument, saveStackDocument, writeRelease } from "./stackDocument";

/** Options of `slipway rollback`. */
export interface RollbackOptions {
  /** Project root (holds Pulumi.production.yaml and CHANGELOG.md). */
  root: string;
  /** Version to return to; default: the last good release production ran before the current one. */
  to?: string;
  /** Why (incident id, symptom): goes into the ledger note. */
  reason?: string;
  /** Who rolls back; default GITHUB_ACTOR, then USER. */
  actor?: string;
  /** Ledger file relative to root (default releases/ledger.jsonl). */
  ledgerPath?: string;
  /** Changelog relative to root (default CHANGELOG.md). */
  changelogPath?: string;
  /** Edit even when root is not a git repository (uncommitted changes cannot be checked). */
  force?: boolean;
  /** Environment for the actor default; default process.env. */
  env?: Record<string, string | undefined>;
  /** Clock for the ledger line; default now. */
  now?: Date;
  /** Show the edit and the ledger line without writing either. */
  dryRun?: boolean;
}

/** What rollback did. */
export interface RollbackResult extends CommandResult {
  /** The version production leaves. */
  from: string;
  /** The version production returns to. */
  to: string;
  /** Unified diff of Pulumi.production.yaml. */
  diff: string;
  /** L3 flags whose production default was switched off. */
  flagsTurnedOff: string[];
  /** The ledger line appended. */
  ledgerLine: number;
  /** The deploy marker recorded. */
  marker: string;
  /** Commands to run next, in order. */
  nextSteps: string[];
}

/**
 * The default target: the last release production ran before `current`, skipping releases it was
 * rolled back away from. When production's stack file is ahead of the ledger (a promotion whose
 * production smoke never passed, so no `promoted` line), that is the ledger's last release.
 */
export function defaultRollbackTarget(runs: readonly ProductionRun[], current: string): string | undefined {
  const last = runs[runs.length - 1];
  if (last === undefined) return undefined;
  if (last.version !== current) return last.version;
  const leftBehind = new Set<string>();
  for (let i = runs.length - 1; i >= 0; i--) {
    const run = runs[i];
    if (run.version !== current && !leftBehind.has(run.version)) return run.version;
    if (run.kind === "rolled-back" && run.from !== undefined) leftBehind.add(run.from);
  }
  return undefined;
}

/** Roll production back; refuses (UserError) with the reason when the target is not safe. */
export function rollback(options: RollbackOptions): RollbackResult {
  const { root } = options;
  const env = options.env ?? process.env;
  const ledger = readExistingLedger(root, options.ledgerPath);
  requireIntactLedger(ledger);
  const stackDocument = openStackDocument(root, PRODUCTION_STACK);
  const current = readRelease(stackDocument);
  if (current === undefined) {
    throw new UserError("is missing: production has no release to roll back from", { file: stackDocument.file, key: "slipway:release" });
  }
  const from = current.version;
  const runs = productionHistory(ledger);
  if (runs.length === 0) {
    throw new UserError("production has run no release yet: there is nothing to roll back to", { file: ledger.file });
  }
  const to = options.to ?? defaultRollbackTarget(runs, from);
  if (to === undefined) {
    throw new UserError(`production ran no release other than ${from}: there is nothing to roll back to`, { file: ledger.file });
  }
  const refuse = (reason: string): never => {
    throw new UserError(`refusing to roll back from ${from} to ${to}: ${reason}`, { file: ledger.file });
  };
  if (to === from) refuse(`production already runs ${to}`);
  const validated = validatedEntry(ledger, to);
  if (validated === undefined) refuse(`staging never validated ${to}`);
  const targetRun = [...runs].reverse().find((run) => run.version === to);
  if (targetRun === undefined) refuse(`production never ran ${to}; a rollback returns to a release production ran (promote it instead)`);
  const target = targetRun as ProductionRun;

  const crossed = shippedSince(runs, to, from);
  const blockers: MigrationBlocker[] = contractMigrationsInLedger(ledger.entries, crossed);
  const changelogFile = options.changelogPath ?? CHANGELOG_FILE;
  const sections = readChangelog(root, changelogFile);
  for (const version of crossed) {
    const contract = declaredMigrations(sections === null ? undefined : findSection(sections, version)).contract;
    if (contract.length > 0 && !blockers.some((blocker) => blocker.version === version)) {
      blockers.push({ version, contract, source: `${changelogFile} section [${version}]` });
    }
  }
  if (blockers.length > 0) {
    refuse(
      `it crosses a contract migration: ${blockers.map(describeBlocker).join("; ")}; ` +
        `${to} would run against a schema it no longer matches: fix forward with a hotfix instead, or disable flags only`,
    );
  }

  const actor = options.actor ?? env.GITHUB_ACTOR ?? env.USER ?? env.USERNAME;
  if (actor === undefined || actor === "") {
    throw new UserError("cannot tell who rolls back: pass --actor (or set GITHUB_ACTOR / USER)", { key: "actor" });
  }
  // Check the ledger line before touching any file, so a refusal leaves everything as it was.
  const prepared = prepareAppend(
    ledger,
    {
      kind: "rolled-back",
      version: to,
      level: target.level,
      changeRequest: target.changeRequest,
      artifacts: target.artifacts,
      from,
      gitSha: target.gitSha,
      actor,
      note: options.reason,
    },
    options.now,
  );
  const notes = options.dryRun ? [] : requireCommittedFile(root, stackDocument.file, "rollback", options.force === true);

  writeRelease(stackDocument, {
    version: to,
    level: target.level,
    changeRequest: target.changeRequest,
    hotfix: true,
    artifacts: target.artifacts,
  });
  const flags = forceL3FlagsOffInProduction(stackDocument);
  const after = renderStackDocument(stackDocument);
  const diff = unifiedDiff(stackDocument.originalText, after, {
    before: stackDocument.file,
    after: `${stackDocument.file} (rolled back to ${to})`,
  });
  if (options.dryRun) {
    const text = `Dry run: ${rollbackMarker(from, to)} would write ${to} into ${stackDocument.file} (L3 flags off: ${flags.turnedOff.join(", ") || "none on"}) and record rolled-back in ${ledger.file}; nothing was written.\n\n${diff}`;
    return { text, exitCode: 0, from, to, diff, flagsTurnedOff: flags.turnedOff, ledgerLine: prepared.entry.line, marker: rollbackMarker(from, to), nextSteps: [...PRODUCTION_NEXT_STEPS] };
  }
  // Under the ledger's lock: the line goes in only if nobody appended since it was checked, and
  // the stack file is written with it.
  withLedgerLock(path.resolve(root, options.ledgerPath ?? LEDGER_FILE), () => {
    const now = readLedger(root, options.ledgerPath);
    if (now.headHash !== ledger.headHash) {
      throw new UserError("changed while rollback ran (another event was recorded): run it again", { file: ledger.file });
    }
    commitAppend(root, prepared, options.ledgerPath);
    saveStackDocument(stackDocument);
  });

  const marker = rollbackMarker(from, to);
  const nextSteps = [...PRODUCTION_NEXT_STEPS];
  const lines = [
    ...notes,
    `${marker}: ${stackDocument.file} now carries ${to} (${target.level}, ${target.changeRequest}), the artifacts production ran at ${ledger.file} line ${target.line}, marked hotfix so a change freeze does not block it.`,
    flags.turnedOff.length > 0
      ? `L3 flags forced off in production (003 §7.2): ${flags.turnedOff.join(", ")}.`
      : "No L3 flag was on in production.",
    ...(flags.alreadyOff.length > 0 ? [`L3 flags already off: ${flags.alreadyOff.join(", ")}.`] : []),
    "",
    diff.trimEnd(),
    "",
    `Recorded ${ledger.file} line ${prepared.entry.line} (seq ${prepared.entry.event.seq}): rolled-back, '${marker}'.`,
    "Next:",
    `  commit ${stackDocument.file} and push ${ledger.file} to the ledger branch`,
    ...nextSteps.map((step) => `  ${step}`),
    "  run the production smoke checks, then open an incident issue: impact, timeline, suspected cause, fix plan (000 §6)",
  ];
  return {
    text: `${lines.join("\n")}\n`,
    exitCode: 0,
    from,
    to,
    diff,
    flagsTurnedOff: flags.turnedOff,
    ledgerLine: prepared.entry.line,
    marker,
    nextSteps,
  };
}
