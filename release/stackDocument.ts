/**
 * Editing `Pulumi.<stack>.yaml` in place: the `slipway:release` and `slipway:flags` keys only.
 *
 * Edits go through the `yaml` package's Document API (parseDocument, setIn, deleteIn) leaf by
 * leaf, so comments, key order and quoting of everything else survive. The values are validated
 * with the config contract's own schemas (config/config.ts), so promote and rollback accept
 * exactly what the program accepts.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Document, isMap, isSeq, parseDocument, type ToStringOptions } from "yaml";
import { z } from "zod";
import { type Artifact, NO_MIGRATIONS, type ReleaseLevel, type ReleaseMigrations, releaseMigrationsOf } from "../contract";
import {
  configProblems,
  type ConfigProblem,
  type FlagConfig,
  migrationSchema,
  NAMESPACE,
  type ReleaseConfig,
  stackConfigSchema,
} from "../config/config";
import { stackFileName } from "../config/stackFile";
import { UserError } from "../config/errors";
import { alignLines } from "./diff";

/** A stack file opened for editing. */
export interface StackDocument {
  /** File name as shown to users (`Pulumi.production.yaml`). */
  file: string;
  /** Absolute path. */
  path: string;
  /** The text as read. */
  originalText: string;
  /** The parsed document, edited in place. */
  document: Document;
  /** Stringify options under which the untouched document reproduces the file. */
  renderOptions: ToStringOptions;
}

/** The release a stack deploys, as promote and rollback write it. */
export interface ReleaseSection {
  /** Release version. */
  version: string;
  /** Release level. */
  level: ReleaseLevel;
  /** Change request. */
  changeRequest: string;
  /** Whether the release may ship during a freeze. */
  hotfix: boolean;
  /** The production incident a hotfix answers (000 §6.6); absent: the key is removed. */
  incident?: string;
  /** Artifacts per app. */
  artifacts: Record<string, Artifact>;
  /** A rollback: the version production leaves and why (absent: the key is removed). */
  rollback?: { from: string; reason?: string };
}

const RELEASE_KEY = `${NAMESPACE}:release`;
const FLAGS_KEY = `${NAMESPACE}:flags`;
const APPS_KEY = `${NAMESPACE}:apps`;
const ARTIFACT_FIELDS = ["image", "commitSha", "slugId"] as const;

/** Open `Pulumi.<stack>.yaml` under root; a missing or malformed file is a `UserError`. */
export function openStackDocument(root: string, stack: string): StackDocument {
  const file = stackFileName(stack);
  const fullPath = path.join(root, file);
  if (!fs.existsSync(fullPath)) throw new UserError(`does not exist in ${root}`, { file });
  const originalText = fs.readFileSync(fullPath, "utf8");
  const document = parseDocument(originalText, { prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0]?.line;
    throw new UserError(`is not valid YAML${line !== undefined ? ` at line ${line}` : ""}: ${first.message.split("\n")[0]}`, { file });
  }
  const config = document.get("config");
  if (config !== undefined && config !== null && !isMap(config)) {
    throw new UserError("expected a map of config keys", { file, key: "config" });
  }
  return { file, path: fullPath, originalText, document, renderOptions: chooseRenderOptions(document, originalText) };
}

/**
 * The `yaml` stringifier normalises a few layout choices (flow-map padding, sequence indent).
 * Pick the combination that reproduces the untouched file, so a diff shows only our edits.
 */
function chooseRenderOptions(document: Document, originalText: string): ToStringOptions {
  let best: { options: ToStringOptions; changedLines: number } | undefined;
  for (const flowCollectionPadding of [false, true]) {
    for (const indentSeq of [true, false]) {
      const options: ToStringOptions = { lineWidth: 0, flowCollectionPadding, indentSeq };
      const rendered = document.toString(options);
      if (rendered === originalText) return options;
      const before = originalText.split("\n");
      const after = rendered.split("\n");
      const changedLines = Math.max(before.length, after.length) - before.filter((line, i) => after[i] === line).length;
      if (best === undefined || changedLines < best.changedLines) best = { options, changedLines };
    }
  }
  return (best as { options: ToStringOptions }).options;
}

/** The document as text, in the file's own layout. */
export function renderStackDocument(stackDocument: StackDocument): string {
  const rendered = stackDocument.document.toString(stackDocument.renderOptions);
  return restoreLayout(stackDocument.originalText, rendered);
}

/** A line with flow-collection spacing and trailing blanks removed: `{ a: 1 }` and `{a: 1}` agree. */
function layoutKey(line: string): string {
  return line
    .replace(/([{[])\s+/g, "$1")
    .replace(/\s+([}\],])/g, "$1")
    .replace(/,\s+/g, ", ")
    .trimEnd();
}

/**
 * The stringifier has one padding setting for flow maps and flow lists, and a file may pad one
 * and not the other, so a re-render can respace lines we never edited. Every rendered line that
 * equals an original line but for that spacing is given back in its original form.
 */
export function restoreLayout(originalText: string, rendered: string): string {
  if (rendered === originalText) return rendered;
  const before = originalText.split("\n");
  const after = rendered.split("\n");
  const out: string[] = [];
  for (const step of alignLines(before, after, layoutKey)) {
    if (step.kind === " ") out.push(before[step.before as number]);
    else if (step.kind === "+") out.push(after[step.after as number]);
  }
  return out.join("\n");
}

/** Write the document back; returns the new text. */
export function saveStackDocument(stackDocument: StackDocument): string {
  const text = renderStackDocument(stackDocument);
  fs.writeFileSync(stackDocument.path, text);
  return text;
}

/** The first problem of a section, formatted as the program's own config errors are. */
function firstProblem(error: z.ZodError, input: unknown, section: string): ConfigProblem {
  return configProblems(error, input, [section])[0];
}

/** The stack's `slipway:release`, validated; undefined when the key is absent. */
export function readRelease(stackDocument: StackDocument): ReleaseConfig | undefined {
  const value = stackDocument.document.getIn(["config", RELEASE_KEY]);
  if (value === undefined || value === null) return undefined;
  const json = isMap(value) ? value.toJSON() : value;
  const parsed = stackConfigSchema.shape.release.safeParse(json);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error, json, "release");
    throw new UserError(problem.message, { file: stackDocument.file, key: problem.key });
  }
  return parsed.data;
}

/**
 * The migrations the stack's config runs (`slipway:apps.kubernetes.migrations`), by phase: what a
 * ledger event records for the release, taken from the config and not from prose.
 */
export function readMigrations(stackDocument: StackDocument): ReleaseMigrations {
  const value = stackDocument.document.getIn(["config", APPS_KEY, "kubernetes", "migrations"]);
  if (value === undefined || value === null) return NO_MIGRATIONS;
  const json = isSeq(value) ? value.toJSON() : value;
  const parsed = z.array(migrationSchema).safeParse(json);
  if (!parsed.success) {
    const problem = configProblems(parsed.error, json, ["apps", "kubernetes", "migrations"])[0];
    throw new UserError(problem.message, { file: stackDocument.file, key: problem.key });
  }
  return releaseMigrationsOf(parsed.data);
}

/** The stack's `slipway:flags`, validated; empty when the key is absent. */
export function readFlags(stackDocument: StackDocument): FlagConfig[] {
  const value = stackDocument.document.getIn(["config", FLAGS_KEY]);
  if (value === undefined || value === null) return [];
  const json = isSeq(value) ? value.toJSON() : value;
  const parsed = stackConfigSchema.shape.flags.safeParse(json);
  if (!parsed.success) {
    const problem = firstProblem(parsed.error, json, "flags");
    throw new UserError(problem.message, { file: stackDocument.file, key: problem.key });
  }
  return parsed.data;
}

/** Write a release into `slipway:release` leaf by leaf, removing apps and fields it does not have. */
export function writeRelease(stackDocument: StackDocument, release: ReleaseSection): void {
  const { document } = stackDocument;
  const base = ["config", RELEASE_KEY];
  const existing = document.getIn(base);
  if (existing !== undefined && existing !== null && !isMap(existing)) {
    throw new UserError("expected a map (version, level, changeRequest, hotfix, artifacts)", {
      file: stackDocument.file,
      key: RELEASE_KEY,
    });
  }
  document.setIn([...base, "version"], release.version);
  document.setIn([...base, "level"], release.level);
  document.setIn([...base, "changeRequest"], release.changeRequest);
  document.setIn([...base, "hotfix"], release.hotfix);
  if (release.incident !== undefined) document.setIn([...base, "incident"], release.incident);
  else if (document.hasIn([...base, "incident"])) document.deleteIn([...base, "incident"]);
  if (release.rollback !== undefined) {
    document.setIn(
      [...base, "rollback"],
      document.createNode({
        from: release.rollback.from,
        ...(release.rollback.reason !== undefined ? { reason: release.rollback.reason } : {}),
      }),
    );
  } else if (document.hasIn([...base, "rollback"])) {
    document.deleteIn([...base, "rollback"]);
  }
  const artifactsPath = [...base, "artifacts"];
  const current = document.getIn(artifactsPath);
  if (isMap(current)) {
    const apps = current.items.map((pair) => String((pair.key as { value?: unknown })?.value ?? pair.key));
    for (const app of apps) if (!(app in release.artifacts)) document.deleteIn([...artifactsPath, app]);
  }
  for (const [app, artifact] of Object.entries(release.artifacts)) {
    for (const field of ARTIFACT_FIELDS) {
      const value = artifact[field];
      if (value !== undefined) document.setIn([...artifactsPath, app, field], value);
      else if (document.hasIn([...artifactsPath, app, field])) document.deleteIn([...artifactsPath, app, field]);
    }
  }
}

/** What forcing L3 flags off changed. */
export interface FlagsForcedOff {
  /** L3 flags whose production default was on and is now off. */
  turnedOff: string[];
  /** L3 flags that were already off in production. */
  alreadyOff: string[];
}

/** Set every L3 flag's production default to false (003 §7.2: disable side-effect flags first). */
export function forceL3FlagsOffInProduction(stackDocument: StackDocument): FlagsForcedOff {
  return forceL3FlagsOff(stackDocument, "production");
}

/** Switch every L3 flag's default in `environment` off (003 §7.2: the rollback's first action). */
export function forceL3FlagsOff(stackDocument: StackDocument, environment: "staging" | "production"): FlagsForcedOff {
  const flags = readFlags(stackDocument);
  const result: FlagsForcedOff = { turnedOff: [], alreadyOff: [] };
  flags.forEach((flag, index) => {
    if (flag.level !== "L3") return;
    // A flag served to a canary stage is on for those accounts: off means off for everyone.
    const staged = flag.rollout[environment] !== undefined;
    if (flag.defaults[environment] || staged) {
      stackDocument.document.setIn(["config", FLAGS_KEY, index, "defaults", environment], false);
      if (staged) {
        stackDocument.document.deleteIn(["config", FLAGS_KEY, index, "rollout", environment]);
        const rollout = stackDocument.document.getIn(["config", FLAGS_KEY, index, "rollout"]);
        if (isMap(rollout) && rollout.items.length === 0) stackDocument.document.deleteIn(["config", FLAGS_KEY, index, "rollout"]);
      }
      result.turnedOff.push(flag.name);
    } else {
      result.alreadyOff.push(flag.name);
    }
  });
  return result;
}
