/**
 * Support for the end-to-end release flow: a throwaway copy of the example project (its two stack
 * files, CHANGELOG.md and the ledger) in a git repository of its own, the edits a release engineer
 * makes by hand, and the offline gate run on that copy.
 *
 * Everything here goes through the same code a user's commands go through; the only shortcuts are
 * the edits a person would make in an editor (placed through the `yaml` Document API's source
 * ranges, so every other byte of the file stays as it was).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Document, isMap, isScalar, parseDocument } from "yaml";
import type { Artifact, ReleaseLevel } from "../../contract";
import type { RecordedStack } from "../../gate/model";
import { runStackInChild, type RunOptions } from "../../gate/runner";
import type { Gate, GateReport, GateViolation } from "../../gate";
import { LEDGER_FILE } from "../../contract/release";
import { openGate } from "./support";
import { copyProject } from "../support/project";

// The basics are shared with the gate tests: the repository, the project's files, the pack.
export { REPO_ROOT, PROJECT_FILES } from "../support/project";

/** Start the policy pack the way `npm run gate` does: the repository's pack and policy config. */
export function openProjectGate(): Promise<Gate> {
  return openGate();
}

function git(root: string, args: string[]): string {
  return execFileSync("git", args, { cwd: root, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

/**
 * A copy of the example project in a fresh temporary git repository, everything committed once,
 * with a local identity (so nothing depends on the machine's git config).
 */
export function copyExampleProject(): string {
  const root = copyProject(fs.mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-")), "project");
  git(root, ["init", "-q"]);
  git(root, ["config", "user.name", "Release Captain"]);
  git(root, ["config", "user.email", "release-captain@example.com"]);
  git(root, ["config", "commit.gpgsign", "false"]);
  commitAll(root, "the example project");
  return root;
}

/** Commit every change in the temporary project, as the user does after each step. */
export function commitAll(root: string, message: string): void {
  git(root, ["add", "-A"]);
  git(root, ["commit", "-q", "-m", message]);
}

/** The temporary project's HEAD commit. */
export function headCommit(root: string): string {
  return git(root, ["rev-parse", "HEAD"]);
}

/** Remove a temporary project. */
export function removeExampleProject(root: string): void {
  // copyExampleProject puts the project in a temporary directory of its own.
  fs.rmSync(path.dirname(root), { recursive: true, force: true });
}

/** A file of the project as text. */
export function readText(root: string, file: string): string {
  return fs.readFileSync(path.join(root, file), "utf8");
}

/** A stack file's `config:` section as plain data. */
export function stackConfig(root: string, stack: string): Record<string, unknown> {
  const document = parseDocument(readText(root, `Pulumi.${stack}.yaml`));
  return (document.toJS() as { config: Record<string, unknown> }).config;
}

/** A stack's `slipway:release`, as plain data. */
export interface ReleaseValues {
  /** Release version. */
  version: string;
  /** Release level. */
  level: ReleaseLevel;
  /** Change request. */
  changeRequest: string;
  /** Whether it ships as a hotfix (absent on staging). */
  hotfix?: boolean;
  /** Artifacts per app. */
  artifacts: Record<string, Artifact>;
}

/** The release a stack file carries. */
export function stackRelease(root: string, stack: string): ReleaseValues {
  return stackConfig(root, stack)["slipway:release"] as ReleaseValues;
}

/** A flag as the stack file declares it. */
export interface FlagValues {
  /** Flag key. */
  name: string;
  /** Release level of the feature behind it. */
  level: ReleaseLevel;
  /** Default per environment. */
  defaults: { preview: boolean; staging: boolean; production: boolean };
  /** Change request that approved an L3 flag on in production. */
  productionApproval?: string;
}

/** The flags a stack file declares. */
export function stackFlags(root: string, stack: string): FlagValues[] {
  return stackConfig(root, stack)["slipway:flags"] as FlagValues[];
}

/** One hand edit of a stack file: a new value for an existing scalar, or a new key after an existing one. */
export type StackFileEdit =
  | {
      /** Path of an existing scalar under the document root (`["config", "slipway:release", "version"]`). */
      path: readonly (string | number)[];
      /** Its new value. */
      value: string | boolean;
    }
  | {
      /** Path of an existing key; the new key goes on the line after its value, at the same indentation. */
      after: readonly (string | number)[];
      /** The new key. */
      key: string;
      /** Its value. */
      value: string | boolean;
    };

/** A value as YAML writes it on its own (plain when it can be, quoted when it must). */
function yamlScalar(value: string | boolean): string {
  return new Document(value).toString().trimEnd();
}

/** Offset of the start of the line holding `offset`. */
function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/**
 * Edit a stack file the way a person does in an editor: only the edited text changes, every
 * other byte (comments, flow-collection spacing, quoting) stays. Where to edit comes from the
 * `yaml` Document API (each node's source range); the result is parsed back and checked.
 */
export function handEditStackFile(root: string, stack: string, edits: readonly StackFileEdit[]): void {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const original = fs.readFileSync(file, "utf8");
  const document = parseDocument(original);
  const splices: { start: number; end: number; text: string }[] = [];
  for (const edit of edits) {
    if ("path" in edit) {
      const node = document.getIn(edit.path, true);
      if (!isScalar(node) || node.range === undefined || node.range === null)
        throw new Error(`Pulumi.${stack}.yaml: ${edit.path.join(".")} is not a scalar`);
      splices.push({ start: node.range[0], end: node.range[1], text: yamlScalar(edit.value) });
    } else {
      const parentPath = edit.after.slice(0, -1);
      const parent = document.getIn(parentPath, true);
      if (!isMap(parent)) throw new Error(`Pulumi.${stack}.yaml: ${parentPath.join(".")} is not a map`);
      if (parent.has(edit.key)) throw new Error(`Pulumi.${stack}.yaml: ${parentPath.join(".")} already has ${edit.key}`);
      const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === edit.after[edit.after.length - 1]);
      const keyNode = pair?.key;
      const valueNode = pair?.value;
      if (!isScalar(keyNode) || !keyNode.range || !valueNode || !(valueNode as { range?: [number, number, number] }).range) {
        throw new Error(`Pulumi.${stack}.yaml: ${edit.after.join(".")} does not exist`);
      }
      const indent = original.slice(lineStart(original, keyNode.range[0]), keyNode.range[0]);
      const valueEnd = (valueNode as { range: [number, number, number] }).range[1];
      splices.push({ start: valueEnd, end: valueEnd, text: `\n${" ".repeat(indent.length)}${edit.key}: ${yamlScalar(edit.value)}` });
    }
  }
  let text = original;
  for (const splice of [...splices].sort((a, b) => b.start - a.start))
    text = text.slice(0, splice.start) + splice.text + text.slice(splice.end);
  const edited = parseDocument(text);
  if (edited.errors.length > 0) throw new Error(`Pulumi.${stack}.yaml: the edit broke the YAML: ${edited.errors[0].message}`);
  for (const edit of edits) {
    const where = "path" in edit ? edit.path : [...edit.after.slice(0, -1), edit.key];
    if (edited.getIn(where) !== edit.value)
      throw new Error(`Pulumi.${stack}.yaml: ${where.join(".")} did not take the value ${String(edit.value)}`);
  }
  fs.writeFileSync(file, text);
}

/** The edits that write a release over a stack's `slipway:release` (same apps and fields). */
export function releaseEdits(release: ReleaseValues): StackFileEdit[] {
  const base = ["config", "slipway:release"];
  const edits: StackFileEdit[] = [
    { path: [...base, "version"], value: release.version },
    { path: [...base, "level"], value: release.level },
    { path: [...base, "changeRequest"], value: release.changeRequest },
  ];
  if (release.hotfix !== undefined) edits.push({ path: [...base, "hotfix"], value: release.hotfix });
  for (const [app, artifact] of Object.entries(release.artifacts)) {
    for (const [field, value] of Object.entries(artifact)) {
      if (value !== undefined) edits.push({ path: [...base, "artifacts", app, field], value });
    }
  }
  return edits;
}

/** Index of a flag (by name) in a stack file's `slipway:flags`. */
export function flagIndex(root: string, stack: string, name: string): number {
  const index = stackFlags(root, stack).findIndex((flag) => flag.name === name);
  if (index < 0) throw new Error(`Pulumi.${stack}.yaml has no flag ${name}`);
  return index;
}

/** Add a version's section to CHANGELOG.md, right under `## [Unreleased]`. */
export function addChangelogSection(root: string, section: string): void {
  const file = path.join(root, "CHANGELOG.md");
  const text = fs.readFileSync(file, "utf8");
  const heading = "## [Unreleased]\n";
  if (!text.includes(heading)) throw new Error("CHANGELOG.md has no '## [Unreleased]' heading");
  fs.writeFileSync(file, text.replace(heading, `${heading}\n${section.trimEnd()}\n`));
}

/** The ledger's lines (without newlines). */
export function ledgerLines(root: string): string[] {
  return readText(root, LEDGER_FILE)
    .split("\n")
    .filter((line) => line !== "");
}

/** Rewrite the ledger file from lines (a tampering, when the lines differ from what was recorded). */
export function writeLedgerLines(root: string, lines: readonly string[]): void {
  fs.writeFileSync(path.join(root, LEDGER_FILE), `${lines.join("\n")}\n`);
}

/**
 * Run the program on a project in a child process with ALLOW_PROD as given (undefined: unset)
 * and `env` added. SLIPWAY_LEDGER and SLIPWAY_LEDGER_ANCHOR are unset unless `env` sets them, so
 * the program reads the project's own releases/ledger.jsonl, unanchored. The child inherits
 * process.env at spawn; every variable touched is restored afterwards.
 */
export async function runProgram(options: RunOptions, allowProd?: string, env: Record<string, string> = {}): Promise<RecordedStack> {
  const names = ["ALLOW_PROD", "SLIPWAY_LEDGER", "SLIPWAY_LEDGER_ANCHOR", ...Object.keys(env)];
  const saved = Object.fromEntries(names.map((name) => [name, process.env[name]]));
  delete process.env.SLIPWAY_LEDGER;
  delete process.env.SLIPWAY_LEDGER_ANCHOR;
  if (allowProd === undefined) delete process.env.ALLOW_PROD;
  else process.env.ALLOW_PROD = allowProd;
  Object.assign(process.env, env);
  try {
    return await runStackInChild(options);
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** Run a stack of the project as `pulumi preview` would (no ALLOW_PROD, `env` added) and judge it with the gate. */
export async function gateStack(
  gate: Gate,
  root: string,
  stack: string,
  env: Record<string, string> = {},
): Promise<{ recorded: RecordedStack; report: GateReport }> {
  const recorded = await runProgram({ projectDir: root, stack }, undefined, env);
  return { recorded, report: await gate.judge(recorded) };
}

/** The mandatory violations of a report (what fails the gate). */
export function mandatoryViolations(report: GateReport): GateViolation[] {
  return report.violations.filter((violation) => violation.enforcementLevel === "mandatory");
}

/** A violation in a form whose failure message is readable. */
export function describeViolation(violation: GateViolation): string {
  return `${violation.policy} (${violation.enforcementLevel}): ${violation.message}`;
}
