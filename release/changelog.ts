/**
 * CHANGELOG.md in Keep a Changelog form (003 §8): `## [1.4.0] - 2026-11-20` sections with
 * `### Added/Changed/Deprecated/Removed/Fixed/Security` lists, and the entry requirements of
 * 003 §8.6 written as labelled lines anywhere in the section:
 *
 *   Risk: L2
 *   Flags: scheduled-publish (L3), new-composer      (or: Flags: none)
 *   Migrations: expand: add posts.scheduled_at; contract: drop posts.legacy_state   (or: none)
 *   Rollback: disable scheduled-publish; redeploy 1.3.0
 *
 * Optional labels feed the release notes: Canary, Checks (new checks), Runbooks, Known issues.
 * A label may be a list item or bold (`- **Risk:** L2`); an empty value continues on the list
 * items that follow it. Migration items are phased `expand:` / `contract:` so a rollback can
 * tell a destructive migration from an additive one.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { ChangelogFacts } from "../contract";

/** The changelog file, relative to the project root. */
export const CHANGELOG_FILE = "CHANGELOG.md";

/** Keep a Changelog categories, in the order release notes list them. */
export const CHANGELOG_CATEGORIES = ["Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"] as const;

/** The labelled lines Slipway reads, and the spellings it accepts for each. */
const LABELS = {
  risk: ["risk", "risk level", "release level"],
  flags: ["flags", "flags involved"],
  migrations: ["migrations", "migration notes", "migration"],
  rollback: ["rollback", "rollback notes", "rollback plan"],
  canary: ["canary", "canary plan"],
  checks: ["checks", "new checks"],
  runbooks: ["runbooks", "runbooks updated"],
  knownIssues: ["known issues"],
} as const;
export type ChangelogField = keyof typeof LABELS;

/** One `## [version]` section. */
export interface ChangelogSection {
  /** Version as written in the heading (without brackets). */
  version: string;
  /** Release date, when the heading has one. */
  date?: string;
  /** 1-based line of the heading. */
  line: number;
  /** Prose lines between the heading and the first list, label or `###` (the summary). */
  summary: string[];
  /** Labelled values (`Risk: L2` → risk: "L2"); a label given with no value maps to "". */
  fields: Partial<Record<ChangelogField, string>>;
  /** List items per `###` category. */
  categories: Record<string, string[]>;
}

const HEADING = /^##\s+\[?([^\]\s]+)\]?(?:\s*[-–—]\s*(\S+))?/;
const SUBHEADING = /^###\s+(.+?)\s*$/;
const LIST_ITEM = /^\s*[-*+]\s+(.*)$/;
const LABEL_LINE = /^\s*(?:[-*+]\s+)?(?:\*\*|__)?([A-Za-z][A-Za-z ]*?)(?:\*\*|__)?\s*:\s*(?:\*\*|__)?\s*(.*)$/;

function labelOf(text: string): ChangelogField | undefined {
  const lower = text.trim().toLowerCase();
  for (const [field, spellings] of Object.entries(LABELS) as [ChangelogField, readonly string[]][]) {
    if (spellings.includes(lower)) return field;
  }
  return undefined;
}

/** Strip markdown emphasis and trailing spaces from a value. */
function clean(value: string): string {
  return value.replace(/^(\*\*|__)|(\*\*|__)$/g, "").trim();
}

/** Parse every `## ` section (fenced code blocks are skipped). */
export function parseChangelog(text: string): ChangelogSection[] {
  const sections: ChangelogSection[] = [];
  let current: ChangelogSection | undefined;
  let category: string | undefined;
  let openField: ChangelogField | undefined; // a label with an empty value, continued by list items
  let summaryOpen = false;
  let inFence = false;

  text.split(/\r?\n/).forEach((raw, index) => {
    if (/^\s*(```|~~~)/.test(raw)) {
      inFence = !inFence;
      return;
    }
    if (inFence) return;
    const heading = HEADING.exec(raw);
    if (heading && !raw.startsWith("###")) {
      current = { version: heading[1], date: heading[2], line: index + 1, summary: [], fields: {}, categories: {} };
      sections.push(current);
      category = undefined;
      openField = undefined;
      summaryOpen = true;
      return;
    }
    if (current === undefined) return;
    const section = current;
    if (/^#\s/.test(raw)) {
      current = undefined; // a new top-level heading ends the sections
      return;
    }
    const sub = SUBHEADING.exec(raw);
    if (sub) {
      category = sub[1];
      section.categories[category] ??= [];
      openField = undefined;
      summaryOpen = false;
      return;
    }
    if (raw.trim() === "") {
      openField = undefined;
      if (section.summary.length > 0) summaryOpen = false;
      return;
    }
    const label = LABEL_LINE.exec(raw);
    const field = label ? labelOf(label[1]) : undefined;
    if (label && field !== undefined) {
      const value = clean(label[2]);
      section.fields[field] = value;
      openField = value === "" ? field : undefined;
      summaryOpen = false;
      return;
    }
    const item = LIST_ITEM.exec(raw);
    if (openField !== undefined && item) {
      const previous = section.fields[openField] ?? "";
      section.fields[openField] = previous === "" ? clean(item[1]) : `${previous}; ${clean(item[1])}`;
      return;
    }
    if (item && category !== undefined) {
      section.categories[category].push(clean(item[1]));
      return;
    }
    if (summaryOpen && !item) {
      section.summary.push(raw.trim());
      return;
    }
    summaryOpen = false;
  });
  return sections;
}

/** `v1.4.0` and `1.4.0` name the same release; `mvp-0.3.1` stays as is. */
function normaliseVersion(version: string): string {
  return version.replace(/^v(?=\d)/, "");
}

/** The section of a version, if any. */
export function findSection(sections: readonly ChangelogSection[], version: string): ChangelogSection | undefined {
  const wanted = normaliseVersion(version);
  return sections.find((section) => normaliseVersion(section.version) === wanted);
}

/** A label counts as given when it has a value ("none" is a value: it says there is nothing). */
function given(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== "";
}

/** The contract's changelog facts of a version (003 §8.6). */
export function changelogFacts(section: ChangelogSection | undefined): ChangelogFacts {
  if (section === undefined) return { present: false, flags: false, migrationNotes: false, rollbackNotes: false };
  const risk = section.fields.risk;
  const level = risk !== undefined ? /\bL[0-3]\b/.exec(risk)?.[0] : undefined;
  const riskLevel = level ?? (given(risk) ? (risk as string) : undefined);
  return {
    present: true,
    ...(riskLevel !== undefined ? { riskLevel } : {}),
    flags: given(section.fields.flags),
    migrationNotes: given(section.fields.migrations),
    rollbackNotes: given(section.fields.rollback),
  };
}

/** Read CHANGELOG.md and return the facts of a version; null when there is no CHANGELOG.md. */
export function readChangelogFacts(root: string, version: string, changelogPath: string = CHANGELOG_FILE): ChangelogFacts | null {
  const sections = readChangelog(root, changelogPath);
  return sections === null ? null : changelogFacts(findSection(sections, version));
}

/** Parse the project's changelog; null when the file does not exist. */
export function readChangelog(root: string, changelogPath: string = CHANGELOG_FILE): ChangelogSection[] | null {
  const fullPath = path.resolve(root, changelogPath);
  if (!fs.existsSync(fullPath)) return null;
  return parseChangelog(fs.readFileSync(fullPath, "utf8"));
}

const NONE = /^(none|n\/a|no|-|—|nothing)\.?$/i;

/** Items of a labelled value: `a; b` and continued list items. */
function items(value: string | undefined): string[] {
  if (!given(value)) return [];
  return (value as string)
    .split(";")
    .map((item) => item.trim())
    .filter((item) => item !== "" && !NONE.test(item));
}

/** Migrations a section declares, by phase; items without a phase are kept apart. */
export interface DeclaredMigrations {
  /** `expand: ...` items. */
  expand: string[];
  /** `contract: ...` items: the release drops or rewrites something the previous release needs. */
  contract: string[];
  /** Items without a phase. */
  unphased: string[];
}

/** Parse `Migrations: expand: X; contract: Y` (a phase whose detail is "none" declares nothing). */
export function declaredMigrations(section: ChangelogSection | undefined): DeclaredMigrations {
  const declared: DeclaredMigrations = { expand: [], contract: [], unphased: [] };
  for (const item of items(section?.fields.migrations)) {
    const phased = /^(expand|contract)\b\s*[:\-–—]?\s*(.*)$/i.exec(item);
    if (!phased) {
      declared.unphased.push(item);
      continue;
    }
    const detail = phased[2].trim();
    if (detail === "" || NONE.test(detail)) continue;
    declared[phased[1].toLowerCase() as "expand" | "contract"].push(detail);
  }
  return declared;
}

/** Flag keys a section lists under `Flags:` (`scheduled-publish (L3), composer` → both keys). */
export function listedFlags(section: ChangelogSection | undefined): string[] {
  const value = section?.fields.flags;
  if (!given(value) || NONE.test((value as string).trim())) return [];
  return (value as string)
    .replace(/\([^)]*\)/g, "") // "(L3, off in production)" describes the flag before it
    .split(/[;,]/)
    .map((item) => /^[A-Za-z][A-Za-z0-9_.-]*/.exec(item.replace(/`/g, "").trim())?.[0])
    .filter((name): name is string => name !== undefined && !NONE.test(name));
}

/** Items of any labelled value, "none" dropped. */
export function fieldItems(section: ChangelogSection | undefined, field: ChangelogField): string[] {
  return items(section?.fields[field]);
}
