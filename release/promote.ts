/**
 * `slipway promote`: write the release staging validated into `Pulumi.production.yaml`.
 *
 * Production must run exactly the artifacts staging validated (000 §4, 004 §3), so the release
 * comes from the ledger's `validated` event, never from a hand-typed version. Promote edits the
 * file and stops: it does not append to the ledger. The `promoted` event is recorded by the
 * production deploy workflow after `pulumi up` and the production smoke checks pass, because a
 * ledger line claims that production ran the release, and until the smoke is green it has not.
 */
import { shellJoin, previewCommand, upCommand } from "../contract/commands";
import type { Validation } from "../contract";
import { readChangelogFacts } from "./changelog";
import { unifiedDiff } from "./diff";
import type { CommandResult } from "./command";
import { UserError } from "../config/errors";
import { requireCommittedFile } from "./git";
import {
  anchorProblem,
  formatProblem,
  newestValidated,
  productionHistory,
  readExistingLedger,
  requireIntactLedger,
  validatedEntry,
  validationFor,
} from "./ledger";
import { sameArtifacts } from "../contract/artifacts";
import { ledgerAnchorFromEnv } from "./manifest";
import { migrationsMissingFrom, NO_MIGRATIONS, REFERENCE_ID_PATTERN } from "../contract";
import { readPolicyStatement } from "../config/policyStatement";
import { LEDGER_ANCHOR_VARIABLE } from "../contract/release";
import {
  openStackDocument,
  readMigrations,
  readRelease,
  renderStackDocument,
  type ReleaseSection,
  saveStackDocument,
  writeRelease,
} from "./stackDocument";

export { assertProductionApplyAllowed } from "./guard";
export type { ProductionApplyContext } from "./guard";

/** The production stack's name. */
export const PRODUCTION_STACK = "production";

/** Commands to run after a stack file edit, in order. */
export const PRODUCTION_NEXT_STEPS = [shellJoin(previewCommand("production")), `ALLOW_PROD=1 ${shellJoin(upCommand("production"))}`];

/** Options of `slipway promote`. */
export interface PromoteOptions {
  /** Project root (holds Pulumi.production.yaml). */
  root: string;
  /** Version to promote; default: the newest version staging validated. */
  version?: string;
  /** Ledger file relative to root (default releases/ledger.jsonl). */
  ledgerPath?: string;
  /** Edit even when root is not a git repository (uncommitted changes cannot be checked). */
  force?: boolean;
  /** Promote as a hotfix (001: production incidents only; may ship in a freeze); the deploy workflow then records `hotfix`. */
  hotfix?: boolean;
  /** The open production incident a hotfix answers (INC-77, #123 or its URL): required with `hotfix` (000 §6.6). */
  incident?: string;
  /** Show the edit without writing it. */
  dryRun?: boolean;
  /**
   * The head production last deployed from (`<seq>:<hash>`, its SLIPWAY_LEDGER_ANCHOR), or `none`;
   * default $SLIPWAY_LEDGER_ANCHOR. Given, a ledger that does not extend it is refused.
   */
  anchor?: string;
}

/** What promote did. */
export interface PromoteResult extends CommandResult {
  /** The version promoted. */
  version: string;
  /** Whether Pulumi.production.yaml changed. */
  changed: boolean;
  /** Unified diff of the edit ("" when nothing changed). */
  diff: string;
  /** The ledger's validation the release came from. */
  validation: Validation;
}

/** `1.4.2` -> [1, 4, 2] (`mvp-` and `v` prefixes and pre-release or build parts ignored); undefined when not X.Y.Z. */
function versionParts(version: string): [number, number, number] | undefined {
  const match = /^(?:mvp-|v)?(\d+)\.(\d+)\.(\d+)/.exec(version);
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/**
 * A hotfix (000 §6.6, 001) answers a production incident and is the next patch of the release
 * production runs: from X.Y.Z, X.Y.(Z+1) or a later patch when an earlier hotfix never shipped.
 */
function requireHotfixOf(incident: string | undefined, version: string, running: string | undefined, ledgerFile: string): void {
  if (incident === undefined || incident.trim() === "") {
    throw new UserError(
      "is required with --hotfix: a hotfix answers an open production incident (001, 000 §6.6); pass its id (INC-77, #123 or its URL)",
      { key: "incident" },
    );
  }
  if (!REFERENCE_ID_PATTERN.test(incident)) {
    throw new UserError(`'${incident}' is not an incident id: expected a ticket key (INC-77), a GitHub issue (#123) or an https URL`, {
      key: "incident",
    });
  }
  if (running === undefined) return;
  const [from, to] = [versionParts(running), versionParts(version)];
  if (from === undefined || to === undefined) return;
  if (to[0] !== from[0] || to[1] !== from[1] || to[2] <= from[2]) {
    throw new UserError(
      `refusing to promote ${version} as a hotfix: production runs ${running}, so a hotfix is ${from[0]}.${from[1]}.${from[2] + 1} (000 §6.6: branch from the last good tag, bump the patch)`,
      { file: ledgerFile },
    );
  }
}

/** Promote a validated release into production's stack file. */
export function promote(options: PromoteOptions): PromoteResult {
  const { root } = options;
  const ledger = readExistingLedger(root, options.ledgerPath);
  requireIntactLedger(ledger);
  const anchorText = options.anchor ?? process.env[LEDGER_ANCHOR_VARIABLE];
  const anchor =
    anchorText === undefined || anchorText.trim() === "" ? undefined : ledgerAnchorFromEnv({ [LEDGER_ANCHOR_VARIABLE]: anchorText });
  const rewritten = anchor !== undefined ? anchorProblem(ledger, anchor) : undefined;
  if (rewritten !== undefined) {
    throw new UserError(
      `refusing to promote: the ledger does not extend the one production last deployed from: ${formatProblem(rewritten)}`,
      { file: ledger.file },
    );
  }
  const entry = options.version !== undefined ? validatedEntry(ledger, options.version) : newestValidated(ledger);
  if (entry === undefined) {
    if (options.version === undefined) {
      throw new UserError("staging has validated no release yet: nothing to promote", { file: ledger.file });
    }
    const staged = ledger.entries.find((e) => e.event.kind === "staged" && e.event.version === options.version);
    const reason = staged
      ? `staging staged ${options.version} (line ${staged.line}) but never validated it: its smoke checks have not passed`
      : `staging never staged or validated ${options.version}`;
    throw new UserError(`refusing to promote ${options.version}: ${reason}`, { file: ledger.file });
  }
  const validated = entry.event;
  const version = validated.version;
  const runs = productionHistory(ledger);
  const current = runs[runs.length - 1];
  if (options.hotfix === true) requireHotfixOf(options.incident, version, current?.version, ledger.file);
  else if (options.incident !== undefined)
    throw new UserError("is only for a hotfix: pass --hotfix too, or drop --incident", { key: "incident" });
  if (current !== undefined && current.version !== version && runs.some((run) => run.version === version)) {
    throw new UserError(
      `refusing to promote ${version}: production already ran it and moved on to ${current.version}; ` +
        `to return to it, run \`slipway rollback --to ${version}\` (it also turns L3 flags off)`,
      { file: ledger.file },
    );
  }

  const stackDocument = openStackDocument(root, PRODUCTION_STACK);
  // Production may run only the migrations staging ran for this release (000 §7).
  const unvalidated = migrationsMissingFrom(readMigrations(stackDocument), validated.migrations ?? NO_MIGRATIONS);
  if (unvalidated.length > 0) {
    throw new UserError(
      `refusing to promote ${version}: ${stackDocument.file} runs migration${unvalidated.length > 1 ? "s" : ""} ${unvalidated.join(", ")}, which staging did not run for ${version} (line ${entry.line}); ` +
        "declare a migration in staging first and let it validate, or remove it from production",
      { file: ledger.file },
    );
  }
  const release: ReleaseSection = {
    version,
    level: validated.level,
    changeRequest: validated.changeRequest,
    hotfix: options.hotfix === true,
    ...(options.hotfix === true ? { incident: options.incident } : {}),
    artifacts: validated.artifacts,
  };
  const validation = validationFor(ledger, version, validated.artifacts) as Validation;
  // The same window the ledger and promote-validated-artifact hold staging to (000 §3, 003 §4.4).
  const { stagingSoakMinutes } = readPolicyStatement(root);
  const soaked =
    validation.stagedAt !== undefined ? (Date.parse(validation.validatedAt ?? "") - Date.parse(validation.stagedAt)) / 60_000 : Number.NaN;
  if (!(soaked >= stagingSoakMinutes[validated.level])) {
    throw new UserError(
      `refusing to promote ${version}: staging validated it (line ${entry.line}) ${Number.isFinite(soaked) ? `${Math.floor(soaked)} minutes after it was staged` : "with no staged line of the same run"}; an ${validated.level} release soaks at least ${stagingSoakMinutes[validated.level]} minutes`,
      { file: ledger.file },
    );
  }
  const existing = readRelease(stackDocument);
  const upToDate =
    existing !== undefined &&
    existing.version === version &&
    existing.level === release.level &&
    existing.changeRequest === release.changeRequest &&
    existing.hotfix === release.hotfix &&
    existing.incident === release.incident &&
    sameArtifacts(existing.artifacts, release.artifacts);
  if (upToDate) {
    return {
      text: `${stackDocument.file} already carries ${version} as staging validated it (${ledger.file} line ${entry.line}): nothing to change.\n`,
      exitCode: 0,
      version,
      changed: false,
      diff: "",
      validation,
    };
  }

  const notes = options.dryRun ? [] : requireCommittedFile(root, stackDocument.file, "promote", options.force === true);
  writeRelease(stackDocument, release);
  const after = renderStackDocument(stackDocument);
  const diff = unifiedDiff(stackDocument.originalText, after, {
    before: `${stackDocument.file}`,
    after: `${stackDocument.file} (promoted ${version})`,
  });
  if (options.dryRun) {
    return {
      text: `Dry run: ${stackDocument.file} would carry ${version} as staging validated it (${ledger.file} line ${entry.line}); nothing was written.\n\n${diff}`,
      exitCode: 0,
      version,
      changed: false,
      diff,
      validation,
    };
  }
  saveStackDocument(stackDocument);

  const facts = readChangelogFacts(root, version);
  const lines = [
    ...notes,
    `Promoted ${version} (${release.level}, ${release.changeRequest}${release.hotfix ? `, hotfix for incident ${release.incident}` : ""}) into ${stackDocument.file}: the artifacts staging validated at ${ledger.file} line ${entry.line} (${validated.time}).`,
    "",
    diff.trimEnd(),
    "",
  ];
  if (facts === null)
    lines.push(`warning: no CHANGELOG.md: the release-metadata policy will block production until ${version} has an entry`);
  else if (!facts.present)
    lines.push(`warning: CHANGELOG.md has no section for ${version}: the release-metadata policy will block production`);
  lines.push(
    "Next:",
    `  review and commit ${stackDocument.file}`,
    ...PRODUCTION_NEXT_STEPS.map((step) => `  ${step}`),
    `The production deploy workflow records '${release.hotfix ? "hotfix" : "promoted"}' in ${ledger.file} after production smoke passes.`,
  );
  return { text: `${lines.join("\n")}\n`, exitCode: 0, version, changed: true, diff, validation };
}
