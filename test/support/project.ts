/**
 * The one project builder: throwaway copies of the example project (its stack files, changelog,
 * policy statement and ledger, with a Pulumi.yaml naming the repository's program as `main`), and
 * stack-file edits through the `yaml` Document API (the way a person edits them: comments and
 * layout stay), never by string surgery. Also the example stacks' config, parsed as the program
 * parses it.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type Document, isMap, isSeq, parseDocument } from "yaml";
import { POLICY_CONFIG_FILE } from "../../contract";
import { LEDGER_FILE } from "../../contract/release";
import { parseStackConfig, type StackConfig } from "../../config/config";
import { loadStackConfig, readStackFile, toEngineConfig } from "../../config/stackFile";

/** The repository root: the example project, the program, the pack and the CLI. */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");
/** The policy pack the gate serves. */
export const PACK_DIR = path.join(REPO_ROOT, "policy-pack");
/** The team's policy config, as `npm run gate` uses it. */
export const POLICY_CONFIG = path.join(REPO_ROOT, "policy-config.json");
/** The CLI entry point. */
export const SLIPWAY_BIN = path.join(REPO_ROOT, "bin", "slipway.js");

/** What the program reads from a project directory: both stack files, the changelog, the policy statement, the ledger. */
export const PROJECT_FILES = ["Pulumi.staging.yaml", "Pulumi.production.yaml", "CHANGELOG.md", POLICY_CONFIG_FILE, LEDGER_FILE] as const;

/** A fresh directory under the system temp dir; remove it with `removeScratch` in afterAll. */
export function makeScratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-gate-"));
}

/** Remove a scratch directory made by `makeScratch`. */
export function removeScratch(dir: string | undefined): void {
  if (dir?.startsWith(os.tmpdir())) fs.rmSync(dir, { recursive: true, force: true });
}

/**
 * Copy the example project's files into `<scratch>/<name>` and return that directory. Its
 * Pulumi.yaml names the repository's program as `main`, so the mock runner and `pulumi preview`
 * both run Slipway's program on the copy's stack files.
 */
export function copyProject(scratch: string, name: string): string {
  const dir = path.join(scratch, name);
  for (const file of PROJECT_FILES) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(path.join(REPO_ROOT, file), path.join(dir, file));
  }
  const project = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8").trimEnd();
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `${project}\nmain: ${path.relative(dir, REPO_ROOT)}\n`);
  return dir;
}

/** A key path inside a stack file, from the document root (`["config", "slipway:release", "version"]`). */
export type YamlPath = (string | number)[];

/** Where Slipway's config keys sit in a stack file: `config` then `slipway:<key>`. */
export function slipwayKey(key: string, ...rest: (string | number)[]): YamlPath {
  return ["config", `slipway:${key}`, ...rest];
}

/** Edit `Pulumi.<stack>.yaml` of a project copy through the yaml Document API. */
export function editStackFile(projectDir: string, stack: string, edit: (document: Document) => void): void {
  const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
  const document = parseDocument(fs.readFileSync(file, "utf8"));
  if (document.errors.length > 0) throw new Error(`${file} is not valid YAML before the edit: ${document.errors[0].message}`);
  edit(document);
  fs.writeFileSync(file, document.toString());
}

/** Index of the entry of the sequence at `sequencePath` whose `field` equals `value`; throws when absent. */
export function indexWhere(document: Document, sequencePath: YamlPath, field: string, value: string): number {
  const sequence = document.getIn(sequencePath, true);
  if (!isSeq(sequence)) throw new Error(`${sequencePath.join(".")} is not a list in the stack file`);
  const index = sequence.items.findIndex((item) => isMap(item) && item.get(field) === value);
  if (index < 0) throw new Error(`${sequencePath.join(".")} has no entry with ${field} '${value}'`);
  return index;
}

/** Append a value to the list at `sequencePath` (a flow list stays a flow list). */
export function appendTo(document: Document, sequencePath: YamlPath, value: unknown): void {
  const sequence = document.getIn(sequencePath, true);
  if (!isSeq(sequence)) throw new Error(`${sequencePath.join(".")} is not a list in the stack file`);
  sequence.add(document.createNode(value));
}

/** Drop the `## [<version>]` section of a project copy's CHANGELOG.md (headings delimit sections). */
export function removeChangelogSection(projectDir: string, version: string): void {
  const file = path.join(projectDir, "CHANGELOG.md");
  const lines = fs.readFileSync(file, "utf8").split("\n");
  const start = lines.findIndex((line) => line.startsWith(`## [${version}]`));
  if (start < 0) throw new Error(`CHANGELOG.md has no section for ${version}`);
  const next = lines.findIndex((line, index) => index > start && line.startsWith("## "));
  lines.splice(start, (next < 0 ? lines.length : next) - start);
  fs.writeFileSync(file, lines.join("\n"));
}

/** Write a copy of the team's policy config with some policies' settings replaced; returns its path. */
export function writePolicyConfig(scratch: string, name: string, settings: Record<string, Record<string, unknown>>): string {
  const base = JSON.parse(fs.readFileSync(POLICY_CONFIG, "utf8")) as Record<string, Record<string, unknown>>;
  for (const [policy, values] of Object.entries(settings)) base[policy] = { ...(base[policy] ?? {}), ...values };
  const file = path.join(scratch, name);
  fs.writeFileSync(file, JSON.stringify(base, null, 2));
  return file;
}

/** An example stack's config (or a copied project's) as the program's parser validates it (secure leaves stay `secure:` objects). */
export function exampleStack(stack: "staging" | "production", projectDir = REPO_ROOT): StackConfig {
  const stackFile = readStackFile(projectDir, stack);
  return parseStackConfig({ file: stackFile.file, values: stackFile.values, securePaths: stackFile.securePaths });
}

/** An example stack's config loaded through the engine's config map, as the program loads it (secure values stay opaque). */
export function exampleConfig(stack: "staging" | "production"): StackConfig {
  return loadStackConfig(REPO_ROOT, stack, toEngineConfig(readStackFile(REPO_ROOT, stack)).config);
}

/** The ciphertext of a `secure:` leaf of an example stack file (what the mock runtime carries as the secret's value). */
export function exampleCiphertext(stack: "staging" | "production", keyPath: (string | number)[]): string {
  const stackFile = readStackFile(REPO_ROOT, stack);
  let value: unknown = stackFile.values;
  for (const key of keyPath) value = (value as Record<string | number, unknown>)[key];
  if (typeof value !== "string") throw new Error(`${keyPath.join(".")} is not a secure leaf of Pulumi.${stack}.yaml`);
  return value;
}
