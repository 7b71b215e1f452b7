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
 * Like a promotion, a rollback is an edit of Pulumi.production.yaml: the restored release, with
 * `rollback: {from, reason}`. Only the deploy workflows write the ledger, so the production deploy
 * workflow records the `rolled-back` line with the deploy marker `ROLLBACK X → Y` (000 §6.3) once
 * the rollback is deployed and smoke passes. The rollback section lets the change-freeze policy
 * tell a rollback the ledger confirms from a new release (001: restoring service is never frozen).
 */
import { unifiedDiff } from "./diff";
import { findSection, declaredMigrations, readChangelog, CHANGELOG_FILE } from "./changelog";
import type { CommandResult } from "./command";
import { UserError } from "../config/errors";
import { requireCommittedFile } from "./git";
import {
  contractMigrationsInLedger,
  describeBlocker,
  type LedgerEntry,
  type MigrationBlocker,
  type ProductionRun,
  productionHistory,
  readExistingLedger,
  releaseRuleViolation,
  requireIntactLedger,
  rollbackMarker,
  shippedSince,
  validatedEntry,
} from "./ledger";
import { PRODUCTION_STACK } from "./promote";
import { deployWorkflowPath } from "../contract/release";
import { previewCommand, shellJoin } from "../contract/commands";

/**
 * What an operator runs after a rollback: the preview with the pack, then the production deploy
 * workflow (after the edit is merged), which deploys, runs smoke and records the rollback.
 */
export const ROLLBACK_NEXT_STEPS = [
  shellJoin(previewCommand(PRODUCTION_STACK)),
  `gh workflow run ${deployWorkflowPath(PRODUCTION_STACK).split("/").pop()} --ref main`,
];
import {
  forceL3FlagsOff,
  forceL3FlagsOffInProduction,
  openStackDocument,
  readMigrations,
  readRelease,
  renderStackDocument,
  saveStackDocument,
  writeRelease,
} from "./stackDocument";

/** Options of `slipway rollback`. */
export interface RollbackOptions {
  /** Project root (holds Pulumi.production.yaml and CHANGELOG.md). */
  root: string;
  /** The stack to roll back: production (default), or staging (to the last release it validated, 000 §3). */
  stack?: "production" | "staging";
  /** Version to return to; default: the last good release production ran before the current one. */
  to?: string;
  /** Why (incident id, symptom): written into the release, and into the ledger note when the workflow records the rollback. */
  reason?: string;
  /** Ledger file relative to root (default releases/ledger.jsonl). */
  ledgerPath?: string;
  /** Changelog relative to root (default CHANGELOG.md). */
  changelogPath?: string;
  /** Edit even when root is not a git repository (uncommitted changes cannot be checked). */
  force?: boolean;
  /** Clock for the rule check; default now. */
  now?: Date;
  /** Show the edit without writing it. */
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
  /** The deploy marker the workflow will record. */
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

/**
 * Staging's default target: the newest release staging validated before it last staged `current`
 * (its last green release, 000 §3), other than `current`.
 */
export function defaultStagingTarget(entries: readonly LedgerEntry[], current: string): string | undefined {
  const lastStaged = [...entries].reverse().find((entry) => entry.event.kind === "staged" && entry.event.version === current);
  const before = lastStaged === undefined ? entries : entries.filter((entry) => entry.line < lastStaged.line);
  return [...before].reverse().find((entry) => entry.event.kind === "validated" && entry.event.version !== current)?.event.version;
}

/**
 * Return staging to a release it validated (000 §3: "rollback to last green artifact"), the same
 * way as production: its validated artifacts, L3 flags off in staging, never across a contract
 * migration staging ran since. The rollback workflow records it as a `staged` line of the target,
 * its note the marker and the reason: staging runs that release again.
 */
function rollbackStaging(options: RollbackOptions): RollbackResult {
  const { root } = options;
  const ledger = readExistingLedger(root, options.ledgerPath);
  requireIntactLedger(ledger);
  const stackDocument = openStackDocument(root, "staging");
  const current = readRelease(stackDocument);
  if (current === undefined) {
    throw new UserError("is missing: staging has no release to roll back from", { file: stackDocument.file, key: "slipway:release" });
  }
  const from = current.version;
  const to = options.to ?? defaultStagingTarget(ledger.entries, from);
  if (to === undefined)
    throw new UserError(`staging validated no release other than ${from}: there is nothing to roll back to`, { file: ledger.file });
  const refuse = (reason: string): never => {
    throw new UserError(`refusing to roll staging back from ${from} to ${to}: ${reason}`, { file: ledger.file });
  };
  if (to === from) refuse(`staging already runs ${to}`);
  const validated =
    validatedEntry(ledger, to) ?? refuse(`staging never validated ${to}; a rollback returns to a release staging validated`);
  // What staging ran since it validated the target: their contract migrations are not undone.
  const since = [
    ...new Set([
      ...ledger.entries
        .filter((entry) => entry.line > validated.line && entry.event.stack === "staging")
        .map((entry) => entry.event.version),
      from,
    ]),
  ].filter((version) => version !== to);
  const blockers: MigrationBlocker[] = contractMigrationsInLedger(ledger.entries, since, to);
  const targetRan = new Set(
    ledger.entries.filter((entry) => entry.event.version === to).flatMap((entry) => entry.event.migrations?.contract ?? []),
  );
  const declaredNow = readMigrations(stackDocument).contract.filter(
    (name) => !targetRan.has(name) && !blockers.some((blocker) => blocker.contract.includes(name)),
  );
  if (declaredNow.length > 0)
    blockers.push({ version: from, contract: declaredNow, source: `${stackDocument.file} slipway:apps.kubernetes.migrations` });
  if (blockers.length > 0) {
    refuse(
      `it crosses a contract migration: ${blockers.map(describeBlocker).join("; ")}; ${to} would run against a schema it no longer matches: fix forward instead`,
    );
  }
  const notes = options.dryRun ? [] : requireCommittedFile(root, stackDocument.file, "rollback", options.force === true);
  const event = validated.event;
  writeRelease(stackDocument, {
    version: to,
    level: event.level,
    changeRequest: event.changeRequest,
    hotfix: false,
    artifacts: event.artifacts,
    rollback: { from, ...(options.reason !== undefined && options.reason.trim() !== "" ? { reason: options.reason } : {}) },
  });
  const flags = forceL3FlagsOff(stackDocument, "staging");
  const diff = unifiedDiff(stackDocument.originalText, renderStackDocument(stackDocument), {
    before: stackDocument.file,
    after: `${stackDocument.file} (rolled back to ${to})`,
  });
  const marker = rollbackMarker(from, to);
  const nextSteps = [`gh workflow run rollback.yml --ref main -f stack=staging -f version=${to} -f reason='<why>'`];
  if (options.dryRun) {
    const text = `Dry run: ${marker} on staging would write ${to} into ${stackDocument.file} (L3 flags off in staging: ${flags.turnedOff.join(", ") || "none on"}); nothing was written.\n\n${diff}`;
    return { text, exitCode: 0, from, to, diff, flagsTurnedOff: flags.turnedOff, marker, nextSteps };
  }
  saveStackDocument(stackDocument);
  const lines = [
    ...notes,
    `${marker} on staging: ${stackDocument.file} now carries ${to} (${event.level}, ${event.changeRequest}), the artifacts staging validated at ${ledger.file} line ${validated.line}.`,
    flags.turnedOff.length > 0
      ? `L3 flags forced off in staging (003 §7.2): ${flags.turnedOff.join(", ")}.`
      : "No L3 flag was on in staging.",
    "",
    diff.trimEnd(),
    "",
    "rollback.yml deploys this, runs the smoke checks and records it in the ledger (staged, with the marker); the next push to main stages its release again.",
  ];
  return { text: `${lines.join("\n")}\n`, exitCode: 0, from, to, diff, flagsTurnedOff: flags.turnedOff, marker, nextSteps };
}

/** Roll production (or staging) back; refuses (UserError) with the reason when the target is not safe. */
export function rollback(options: RollbackOptions): RollbackResult {
  if (options.stack === "staging") return rollbackStaging(options);
  const { root } = options;
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
  const blockers: MigrationBlocker[] = contractMigrationsInLedger(ledger.entries, crossed, to);
  // The contract Jobs production's config runs now: the schema production has, whatever the
  // ledger recorded (an older ledger may have no migrations at all). The target must have run them.
  const targetRan = new Set(
    ledger.entries.filter((entry) => entry.event.version === to).flatMap((entry) => entry.event.migrations?.contract ?? []),
  );
  const declaredNow = readMigrations(stackDocument).contract.filter(
    (name) => !targetRan.has(name) && !blockers.some((blocker) => blocker.contract.includes(name)),
  );
  if (declaredNow.length > 0) {
    blockers.push({ version: from, contract: declaredNow, source: `${stackDocument.file} slipway:apps.kubernetes.migrations` });
  }
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

  // The event the deploy workflow will record must pass the release rules: check it now, before
  // touching any file, so a refusal leaves everything as it was.
  const violation = releaseRuleViolation(
    {
      kind: "rolled-back",
      stack: "production",
      version: to,
      level: target.level,
      changeRequest: target.changeRequest,
      artifacts: target.artifacts,
      from,
      to,
      marker: rollbackMarker(from, to),
      gitSha: target.gitSha,
      time: (options.now ?? new Date()).toISOString(),
      actor: "slipway rollback",
    },
    ledger.entries,
  );
  if (violation !== undefined) refuse(violation);
  const notes = options.dryRun ? [] : requireCommittedFile(root, stackDocument.file, "rollback", options.force === true);

  writeRelease(stackDocument, {
    version: to,
    level: target.level,
    changeRequest: target.changeRequest,
    hotfix: false,
    artifacts: target.artifacts,
    rollback: { from, ...(options.reason !== undefined && options.reason.trim() !== "" ? { reason: options.reason } : {}) },
  });
  const flags = forceL3FlagsOffInProduction(stackDocument);
  const after = renderStackDocument(stackDocument);
  const diff = unifiedDiff(stackDocument.originalText, after, {
    before: stackDocument.file,
    after: `${stackDocument.file} (rolled back to ${to})`,
  });
  const marker = rollbackMarker(from, to);
  const nextSteps = [...ROLLBACK_NEXT_STEPS];
  if (options.dryRun) {
    const text = `Dry run: ${marker} would write ${to} into ${stackDocument.file} (L3 flags off: ${flags.turnedOff.join(", ") || "none on"}); nothing was written.\n\n${diff}`;
    return { text, exitCode: 0, from, to, diff, flagsTurnedOff: flags.turnedOff, marker, nextSteps };
  }
  saveStackDocument(stackDocument);

  const lines = [
    ...notes,
    `${marker}: ${stackDocument.file} now carries ${to} (${target.level}, ${target.changeRequest}), the artifacts production ran at ${ledger.file} line ${target.line}, marked as a rollback from ${from} so a change freeze does not block it.`,
    flags.turnedOff.length > 0
      ? `L3 flags forced off in production (003 §7.2): ${flags.turnedOff.join(", ")}.`
      : "No L3 flag was on in production.",
    ...(flags.alreadyOff.length > 0 ? [`L3 flags already off: ${flags.alreadyOff.join(", ")}.`] : []),
    "",
    diff.trimEnd(),
    "",
    "Next:",
    `  commit ${stackDocument.file} and merge it (a pull request: the default branch is protected)`,
    ...nextSteps.map((step) => `  ${step}`),
    `  the workflow deploys after the production environment's approval, runs the smoke checks and records '${marker}' (rolled-back) in ${ledger.file}`,
    "  open an incident issue: impact, timeline, suspected cause, fix plan (000 §6)",
  ];
  return {
    text: `${lines.join("\n")}\n`,
    exitCode: 0,
    from,
    to,
    diff,
    flagsTurnedOff: flags.turnedOff,
    marker,
    nextSteps,
  };
}
