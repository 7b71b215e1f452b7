/**
 * Reading `Pulumi.<stack>.yaml`.
 *
 * The engine hands a program its config decrypted, one JSON blob per top-level key, and marks a
 * whole key secret when any leaf in it is. Which leaf was `secure:` is only in the stack file,
 * so the edge reads it too: that is how a plain-text secret is caught before anything is created.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError, type ConfigProblem, NAMESPACE, type RawStackConfig, parseStackConfig, type StackConfig } from "./config";
import { type SecretsProvider, type SecretsSettings, ciphertextProblem, secretsProviderOf, secretsSettingsProblems } from "./stackSecrets";

/** A stack file as read from disk: values with secure leaves left as their ciphertext. */
export interface StackFile {
  /** File name relative to the project (`Pulumi.production.yaml`). */
  file: string;
  /** Absolute path. */
  path: string;
  /** `config:` values keyed as in the file (`slipway:github`). */
  values: Record<string, unknown>;
  /** Paths of `secure:` leaves. */
  securePaths: Set<string>;
  /** The secrets provider that encrypted the `secure:` leaves. */
  secretsProvider: SecretsProvider;
}

/** The file name of a stack's config. */
export function stackFileName(stack: string): string {
  return `Pulumi.${stack}.yaml`;
}

/** Names of the stacks that have a `Pulumi.<stack>.yaml` in the project. */
export function listStacks(projectDir: string): string[] {
  return fs
    .readdirSync(projectDir)
    .map((name) => /^Pulumi\.([^.]+)\.yaml$/.exec(name)?.[1])
    .filter((name): name is string => name !== undefined)
    .sort();
}

/**
 * Read and YAML-parse a stack file; a missing or malformed file, or a `secure:` value that is not
 * ciphertext of the file's secrets provider, is a `ConfigError`. Only the tool that re-encrypts
 * the examples reads them with `checkCiphertexts: false`.
 */
export function readStackFile(projectDir: string, stack: string, options: { checkCiphertexts?: boolean } = {}): StackFile {
  const file = stackFileName(stack);
  const fullPath = path.join(projectDir, file);
  if (!/^[A-Za-z0-9._-]+$/.test(stack)) {
    throw new ConfigError(file, [{ key: "(stack)", message: `'${stack}' is not a valid stack name` }]);
  }
  if (!fs.existsSync(fullPath)) {
    const known = listStacks(projectDir);
    throw new ConfigError(file, [
      { key: "(file)", message: `does not exist; known stacks: ${known.length > 0 ? known.join(", ") : "none"}` },
    ]);
  }
  const document = parseDocument(fs.readFileSync(fullPath, "utf8"), { prettyErrors: false });
  if (document.errors.length > 0) {
    const first = document.errors[0];
    const line = first.linePos?.[0]?.line;
    throw new ConfigError(file, [
      { key: "(yaml)", message: `is not valid YAML${line ? ` at line ${line}` : ""}: ${first.message.split("\n")[0]}` },
    ]);
  }
  const root = document.toJS() as unknown;
  const top = root && typeof root === "object" && !Array.isArray(root) ? (root as Record<string, unknown> & SecretsSettings) : {};
  const secretsProvider = secretsProviderOf(top);
  const config = top.config;
  if (config === undefined || config === null) {
    return { file, path: fullPath, values: {}, securePaths: new Set(), secretsProvider };
  }
  if (typeof config !== "object" || Array.isArray(config)) {
    throw new ConfigError(file, [{ key: "config", message: "expected a map of config keys" }]);
  }
  const secure = new Map<string, string>();
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    values[key] = collectSecure(value, key, secure);
  }
  // A value the engine could not decrypt stops `pulumi preview` before the program runs, naming
  // no key: say which, and how to fix it, before anything judges the stack.
  const problems: ConfigProblem[] = secretsSettingsProblems(top, secretsProvider);
  if (problems.length === 0 && options.checkCiphertexts !== false) {
    for (const [keyPath, ciphertext] of secure) {
      const problem = ciphertextProblem(secretsProvider, ciphertext);
      if (problem !== undefined) {
        problems.push({
          key: keyPath,
          message: `the secure: value ${problem}; set it again with: pulumi config set --secret --path '${keyPath}' --stack ${stack} <value>`,
        });
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { file, path: fullPath, values, securePaths: new Set(secure.keys()), secretsProvider };
}

/** Replace `{secure: ciphertext}` leaves by the ciphertext, recording each path and ciphertext. */
function collectSecure(value: unknown, keyPath: string, secure: Map<string, string>): unknown {
  if (isSecureLeaf(value)) {
    secure.set(keyPath, value.secure);
    return value.secure;
  }
  if (Array.isArray(value)) return value.map((item, i) => collectSecure(item, `${keyPath}[${i}]`, secure));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, collectSecure(v, `${keyPath}.${k}`, secure)]));
  }
  return value;
}

function isSecureLeaf(value: unknown): value is { secure: string } {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string"
  );
}

/**
 * Parse the config the engine gave the program, using the stack file to know which leaves are
 * secure. `engineConfig` is `pulumi.runtime.allConfig()`: values are JSON for objects.
 */
export function loadStackConfig(projectDir: string, stack: string, engineConfig: Record<string, string>): StackConfig {
  const stackFile = readStackFile(projectDir, stack);
  const values: Record<string, unknown> = {};
  for (const [key, text] of Object.entries(engineConfig)) {
    if (!key.startsWith(`${NAMESPACE}:`)) continue;
    values[key] = parseConfigText(text);
  }
  const raw: RawStackConfig = { file: stackFile.file, values, securePaths: stackFile.securePaths };
  return parseStackConfig(raw);
}

/** Engine config values are strings; structured ones are JSON. */
function parseConfigText(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * A value as the engine hands structured config to a program: JSON with every object's keys
 * sorted (Go's encoding/json sorts map keys), whatever order the stack file wrote them in.
 */
function engineJson(value: unknown): string {
  const sorted = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(sorted);
    if (node !== null && typeof node === "object") {
      return Object.fromEntries(
        Object.keys(node)
          .sort()
          .map((key) => [key, sorted((node as Record<string, unknown>)[key])]),
      );
    }
    return node;
  };
  return JSON.stringify(sorted(value));
}

/** Flatten a stack file's values into the engine's form: strings, JSON for structured values. */
export function toEngineConfig(stackFile: StackFile): { config: Record<string, string>; secretKeys: string[] } {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(stackFile.values)) {
    config[key] = typeof value === "string" ? value : engineJson(value);
    const isSecret = [...stackFile.securePaths].some((p) => p === key || p.startsWith(`${key}.`) || p.startsWith(`${key}[`));
    if (isSecret) secretKeys.push(key);
  }
  return { config, secretKeys };
}
