/**
 * `slipway release notes`: the release-notes template of 003 §9.2, filled from the version's
 * CHANGELOG.md section, the ledger and the flag configuration.
 *
 * Flag changes compare the flags of Pulumi.staging.yaml (the release being shipped) with those of
 * Pulumi.production.yaml (what production runs now): flags added, removed, or whose level, served
 * state per environment (on, off, or up to a canary stage) or declared canary stages differ. When one
 * of the files is missing, the release's own flags are listed instead.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { FlagConfig, FlagStageConfig } from "../config/config";
import { stackFileName } from "../config/stackFile";
import {
  CHANGELOG_CATEGORIES,
  CHANGELOG_FILE,
  type ChangelogSection,
  changelogFacts,
  declaredMigrations,
  fieldItems,
  findSection,
  listedFlags,
  readChangelog,
} from "./changelog";
import type { CommandResult } from "./command";
import { UserError } from "../config/errors";
import { productionHistory, readLedger, requireIntactLedger, validatedEntry } from "./ledger";
import { PRODUCTION_NEXT_STEPS } from "./promote";
import { defaultRollbackTarget } from "./rollback";
import { servedAs } from "./flag";
import { openStackDocument, readFlags, readRelease } from "./stackDocument";

/** Options of `slipway release notes`. */
export interface ReleaseNotesOptions {
  /** Project root. */
  root: string;
  /** Version to write notes for. */
  version: string;
  /** Ledger file relative to root (default releases/ledger.jsonl). */
  ledgerPath?: string;
  /** Changelog relative to root (default CHANGELOG.md). */
  changelogPath?: string;
}

/** The rendered notes. */
export interface ReleaseNotesResult extends CommandResult {
  /** The notes, in Markdown (GitHub Release body). */
  markdown: string;
}

/** The canary plan of 003 §4.4, used for L3 releases whose changelog names none. */
const L3_CANARY_PLAN =
  "enable in staging on sandbox accounts, then in production for house accounts, then 1–2 low-risk clients, then broader rollout, paced by SLO burn (003 §4.4)";

/** Extra required checks of an L3 release (003 §3.3). */
const L3_CHECKS = "side-effect contracts, policy engine regression suite, browser lane smoke on sandbox (required for L3, 003 §3.3)";

function readStackFlags(root: string, stack: string): FlagConfig[] | undefined {
  if (!fs.existsSync(path.join(root, stackFileName(stack)))) return undefined;
  return readFlags(openStackDocument(root, stack));
}

const ENVIRONMENTS = ["preview", "staging", "production"] as const;

/** `house [platform-account: acme-house], pilot [client: acme, globex]`: a flag's canary, in rollout order. */
function describeStages(stages: readonly FlagStageConfig[]): string {
  return stages.length === 0 ? "none" : stages.map((stage) => `${stage.name} [${stage.scope}: ${stage.values.join(", ")}]`).join(", ");
}

/** How each environment serves the flag (on, off, or up to a canary stage), and its stages when it declares any. */
function describeServed(flag: FlagConfig): string {
  const served = ENVIRONMENTS.map((environment) => `${environment} ${servedAs(flag, environment)}`).join(", ");
  return flag.stages.length > 0 ? `${served}; stages ${describeStages(flag.stages)}` : served;
}

/** Flags added, removed or changed between production's config and the release's. */
export function flagChanges(release: readonly FlagConfig[], production: readonly FlagConfig[]): string[] {
  const changes: string[] = [];
  for (const flag of release) {
    const before = production.find((candidate) => candidate.name === flag.name);
    if (before === undefined) {
      changes.push(`\`${flag.name}\` (${flag.level}) new: ${describeServed(flag)}`);
      continue;
    }
    const differences: string[] = [];
    if (before.level !== flag.level) differences.push(`level ${before.level} → ${flag.level}`);
    // A canary's widening (off → stage house → stage pilot → on) is a change of what is served.
    for (const environment of ENVIRONMENTS) {
      const [was, now] = [servedAs(before, environment), servedAs(flag, environment)];
      if (was !== now) differences.push(`${environment} ${was} → ${now}`);
    }
    // So is a stage that targets other contexts: `stage pilot` then reaches other clients.
    if (describeStages(before.stages) !== describeStages(flag.stages))
      differences.push(`stages ${describeStages(before.stages)} → ${describeStages(flag.stages)}`);
    if (differences.length > 0) {
      const approval =
        flag.level === "L3" && flag.defaults.production && flag.productionApproval ? ` (approved by ${flag.productionApproval})` : "";
      changes.push(`\`${flag.name}\` (${flag.level}): ${differences.join(", ")}${approval}`);
    }
  }
  for (const flag of production) {
    if (!release.some((candidate) => candidate.name === flag.name)) changes.push(`\`${flag.name}\` (${flag.level}) removed`);
  }
  return changes;
}

function displayVersion(version: string): string {
  return /^(v|mvp-)/.test(version) ? version : `v${version}`;
}

function highlights(section: ChangelogSection): string[] {
  const bullets: string[] = [];
  for (const category of CHANGELOG_CATEGORIES) {
    for (const item of section.categories[category] ?? []) bullets.push(`${item} (${category.toLowerCase()})`);
  }
  if (bullets.length === 0 && section.summary.length > 0) bullets.push(section.summary.join(" "));
  return bullets.slice(0, 3);
}

/** Render the release notes of a version. */
export function releaseNotes(options: ReleaseNotesOptions): ReleaseNotesResult {
  const { root, version } = options;
  const changelogFile = options.changelogPath ?? CHANGELOG_FILE;
  const sections = readChangelog(root, changelogFile);
  if (sections === null)
    throw new UserError("does not exist: release notes are curated from the changelog (003 §9)", { file: changelogFile });
  const section = findSection(sections, version);
  if (section === undefined) {
    throw new UserError(`has no section for ${version}: write '## [${version}] - <date>' first (003 §6.1)`, { file: changelogFile });
  }
  const ledger = readLedger(root, options.ledgerPath);
  requireIntactLedger(ledger);
  const validated = validatedEntry(ledger, version);
  const staged = ledger.entries.find((entry) => entry.event.kind === "staged" && entry.event.version === version);
  const facts = changelogFacts(section);
  const level = validated?.event.level ?? staged?.event.level ?? facts.riskLevel ?? "not stated";
  const levelNote = facts.riskLevel !== undefined && facts.riskLevel !== level ? ` (${changelogFile} says ${facts.riskLevel})` : "";
  const isL3 = level === "L3";

  // Flags: the release's (staging) against production's.
  const releaseFlags = readStackFlags(root, "staging");
  const productionFlags = readStackFlags(root, "production");
  const named = listedFlags(section);
  let flagsLine: string;
  if (releaseFlags !== undefined && productionFlags !== undefined) {
    const changes = flagChanges(releaseFlags, productionFlags);
    flagsLine = changes.length > 0 ? changes.join("; ") : "no flag changes against production";
  } else {
    const list =
      releaseFlags?.map((flag) => `\`${flag.name}\` (${flag.level}): ${describeServed(flag)}`) ?? named.map((name) => `\`${name}\``);
    flagsLine = list.length > 0 ? list.join("; ") : "none";
  }
  if (section.fields.flags !== undefined && section.fields.flags !== "") flagsLine += ` — changelog: ${section.fields.flags}`;

  const checks = fieldItems(section, "checks");
  if (isL3) checks.push(L3_CHECKS);

  // The release's own migrations: what its ledger record runs that the release production runs
  // before it did not (migration Jobs stay declared after they ran).
  const runs = productionHistory(ledger);
  const inProduction = runs.length > 0 && runs[runs.length - 1].version === version;
  const previous = inProduction ? defaultRollbackTarget(runs, version) : runs[runs.length - 1]?.version;
  const previousRan = ledger.entries
    .filter((entry) => previous !== undefined && entry.event.version === previous)
    .map((entry) => entry.event.migrations);
  const migrations = declaredMigrations(section);
  const ledgerMigrations = validated?.event.migrations ?? staged?.event.migrations;
  for (const phase of ["expand", "contract"] as const) {
    for (const item of ledgerMigrations?.[phase] ?? []) {
      if (previousRan.some((ran) => ran?.[phase].includes(item))) continue;
      if (!migrations[phase].includes(item)) migrations[phase].push(item);
    }
  }
  const migrationParts = [
    ...migrations.expand.map((item) => `expand: ${item}`),
    ...migrations.contract.map((item) => `contract: ${item}`),
    ...migrations.unphased,
  ];
  const migrationsLine = migrationParts.length > 0 ? migrationParts.join("; ") : "none";

  const runbooks = fieldItems(section, "runbooks");
  const canary = fieldItems(section, "canary");
  const canaryLine =
    canary.length > 0 ? canary.join("; ") : isL3 ? L3_CANARY_PLAN : `none required for ${level}: deploy and watch the soak window (000 §3)`;

  // Flag rollback: the L3 flags the release involves.
  const knownFlags = [...(releaseFlags ?? []), ...(productionFlags ?? [])];
  const l3Flags = [...new Set(knownFlags.filter((flag) => flag.level === "L3").map((flag) => flag.name))];
  const involvedL3 = l3Flags.filter((name) => named.length === 0 || named.includes(name));
  const rollbackNotes = fieldItems(section, "rollback");
  const flagRollback =
    (involvedL3.length > 0
      ? `turn off ${involvedL3.map((name) => `\`${name}\``).join(", ")} in production (\`slipway rollback\` forces every L3 flag off)`
      : "no L3 flag involved: nothing to disable") + (rollbackNotes.length > 0 ? `; ${rollbackNotes.join("; ")}` : "");

  let deploymentRollback: string;
  if (migrations.contract.length > 0) {
    deploymentRollback = `not possible once the contract migration (${migrations.contract.join("; ")}) has run: fix forward with a hotfix`;
  } else if (previous !== undefined && previous !== version) {
    deploymentRollback = `\`slipway rollback --to ${previous}\` restores ${previous}'s validated artifacts (no rebuild), then \`${PRODUCTION_NEXT_STEPS.join("` and `")}\``;
  } else {
    deploymentRollback = "no earlier production release to return to: disable flags and fix forward";
  }

  const knownIssues = fieldItems(section, "knownIssues");
  const summary = section.summary.join(" ") || highlights(section)[0] || "";
  const validation = validated
    ? `validated by staging at ${ledger.file} line ${validated.line} (${validated.event.time})`
    : `not yet validated by staging (${ledger.file} has no validated ${version})`;

  const bullets = (items: string[], empty: string) => (items.length > 0 ? items : [empty]).map((item) => `- ${item}`);
  // A hotfix links the incident it answers (000 §6.6), as production's stack file names it.
  const productionRelease = fs.existsSync(path.join(root, stackFileName("production")))
    ? readRelease(openStackDocument(root, "production"))
    : undefined;
  const incident = productionRelease?.version === version && productionRelease.hotfix ? productionRelease.incident : undefined;
  const markdown = [
    `**Title:** ${displayVersion(version)} — ${summary}`.trimEnd(),
    "",
    ...(incident !== undefined ? [`**Hotfix** for incident ${incident} (000 §6.6)`, ""] : []),
    "**Highlights**",
    "",
    ...bullets(highlights(section), "no notable changes listed"),
    "",
    "**Operator impact**",
    "",
    `- Flags: ${flagsLine}`,
    `- New checks: ${checks.length > 0 ? checks.join("; ") : "none"}`,
    `- Migrations: ${migrationsLine}`,
    `- Runbooks updated: ${runbooks.length > 0 ? runbooks.join("; ") : "none"}`,
    "",
    "**Risk**",
    "",
    `- Release level: ${level}${levelNote}, ${validation}`,
    `- Canary plan: ${canaryLine}`,
    "",
    "**Rollback plan**",
    "",
    `- Flag rollback: ${flagRollback}`,
    `- Deployment rollback: ${deploymentRollback}`,
    "",
    "**Known issues**",
    "",
    ...bullets(knownIssues, "none known"),
    "",
  ].join("\n");
  return { text: markdown, exitCode: 0, markdown };
}
