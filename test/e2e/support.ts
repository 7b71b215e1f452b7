/**
 * Support for the end-to-end gate tests: the offline run of a stack on a project copy (built by
 * test/support/project.ts), the real policy pack judging the result, variant runs ahead of the
 * tests, and a converter that turns a program run into the `pulumi stack export` a deployed
 * stack would give. Everything goes through the code users run.
 */
import { spawn } from "node:child_process";
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { type RecordedStack, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "../../gate/model";
import { runStackInChild } from "../../gate/runner";
import { Gate, type GateReport } from "../../gate";
import { copyProject, PACK_DIR, POLICY_CONFIG, REPO_ROOT, SLIPWAY_BIN } from "../support/project";

/** Run a stack of a project directory offline (its own child process, as `slipway gate` does); `preview: false` runs it as an update. */
export function runProjectStack(projectDir: string, stack: string, preview = true): Promise<RecordedStack> {
  // An update of production is refused without ALLOW_PROD=1, as under the engine.
  return runStackInChild({ projectDir, stack, preview, env: preview ? {} : { ALLOW_PROD: "1" } });
}

/** Start the repository's policy pack with a policy config (the slow part: start one per file). */
export function openGate(policyConfigFile: string = POLICY_CONFIG): Promise<Gate> {
  return Gate.open({ packDir: PACK_DIR, policyConfigFile });
}

/** Sorted unique names of the policies a report lists as mandatory violations. */
export function mandatoryPolicies(report: GateReport): string[] {
  return [
    ...new Set(report.violations.filter((violation) => violation.enforcementLevel === "mandatory").map((violation) => violation.policy)),
  ].sort();
}

/** Sorted unique names of every violated policy, advisory ones included. */
export function violatedPolicies(report: GateReport): string[] {
  return [...new Set(report.violations.map((violation) => violation.policy))].sort();
}

/** The messages a report holds for one policy. */
export function messagesOf(report: GateReport, policy: string): string[] {
  return report.violations.filter((violation) => violation.policy === policy).map((violation) => violation.message);
}

/** A variant declared with `VariantRuns.define`: its program run, once started. */
export interface Variant {
  /** The variant's project copy (set when the runs start). */
  projectDir?: string;
  /** The recorded stack; rejects as the run did (a config error is a UserError). */
  recorded(): Promise<RecordedStack>;
}

/**
 * Runs variant projects ahead of the tests that judge them, at most `lanes` program runs at a
 * time: each run is its own child process, and the pack judges the results one by one anyway.
 */
export class VariantRuns {
  private readonly declared: {
    name: string;
    stack: string;
    prepare: (projectDir: string) => void;
    variant: Variant & { run?: Promise<RecordedStack> };
  }[] = [];

  constructor(private readonly lanes = 2) {}

  /** Declare a variant (while the tests are collected); its run starts with `startAll`. */
  define(name: string, stack: string, prepare: (projectDir: string) => void): Variant {
    const variant: Variant & { run?: Promise<RecordedStack> } = {
      recorded: () => variant.run ?? Promise.reject(new Error(`variant '${name}' was never started (call startAll in beforeAll)`)),
    };
    this.declared.push({ name, stack, prepare, variant });
    return variant;
  }

  /** Copy and edit every declared variant under `scratch` and start their runs, `lanes` at a time. */
  startAll(scratch: string): void {
    const lanes: Promise<unknown>[] = Array.from({ length: this.lanes }, () => Promise.resolve());
    this.declared.forEach(({ name, stack, prepare, variant }, index) => {
      const projectDir = copyProject(scratch, name);
      variant.projectDir = projectDir;
      const lane = index % this.lanes;
      const run = lanes[lane].then(() => {
        prepare(projectDir);
        return runProjectStack(projectDir, stack);
      });
      lanes[lane] = run.catch(() => undefined);
      // The test awaits it later; until then an expected rejection is not "unhandled".
      run.catch(() => undefined);
      variant.run = run;
    });
  }
}

// ---- `pulumi stack export` ----

/** One resource of a `pulumi stack export` (deployment v3), the fields Pulumi writes. */
export interface ExportedResource {
  /** The resource's URN. */
  urn: string;
  /** Custom (provider-managed) or component. */
  custom: boolean;
  /** The provider's id of a custom resource. */
  id?: string;
  /** Type token. */
  type: string;
  /** Inputs as last deployed (secrets as ciphertext). */
  inputs?: Record<string, unknown>;
  /** Outputs the provider returned (secrets as ciphertext). */
  outputs?: Record<string, unknown>;
  /** Parent URN (the root stack for top-level resources). */
  parent?: string;
  /** `protect` resource option. */
  protect: boolean;
  /** `retainOnDelete` resource option, written when set. */
  retainOnDelete?: boolean;
  /** URNs the resource depends on. */
  dependencies?: string[];
  /** Provider reference `<provider urn>::<provider id>` of a custom resource. */
  provider?: string;
  /** Per-input dependencies (none recorded offline). */
  propertyDependencies?: Record<string, string[]>;
  /** Output names marked secret. */
  additionalSecretOutputs?: string[];
  /** When the resource was created. */
  created: string;
  /** When it last changed. */
  modified: string;
}

/** A `pulumi stack export` file (what `pulumi stack export --file` writes). */
export interface StackExportFile {
  /** Deployment format version. */
  version: 3;
  /** The deployment. */
  deployment: {
    /** Who wrote it, when. */
    manifest: { time: string; magic: string; version: string };
    /** How the secrets' ciphertext was made. */
    secrets_providers: { type: string; state: Record<string, unknown> };
    /** Every resource, the root stack first, each after the resources it depends on. */
    resources: ExportedResource[];
  };
}

/** Deterministic stand-in ciphertext: looks like the passphrase provider's, derived from the place, never the value. */
function ciphertextFor(place: string): string {
  return `v1:${crypto.createHash("sha256").update(`ciphertext:${place}`).digest("base64").slice(0, 32)}`;
}

/**
 * Wire secrets → export secrets: `{sig, ciphertext}`, or `{sig, plaintext}` (the value's JSON text)
 * as `--show-secrets` writes them; a preview unknown cannot be in state.
 */
function toExportValue(value: unknown, place: string, showSecrets: boolean): unknown {
  if (value === UNKNOWN_VALUE) throw new Error(`${place} is unknown in the program run; a stack export holds resolved values only`);
  if (Array.isArray(value)) return value.map((item, index) => toExportValue(item, `${place}[${index}]`, showSecrets));
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      return showSecrets
        ? { [SIG_KEY]: SECRET_SIG, plaintext: JSON.stringify(record.value) }
        : { [SIG_KEY]: SECRET_SIG, ciphertext: ciphertextFor(place) };
    }
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, toExportValue(inner, `${place}.${key}`, showSecrets)]));
  }
  return value;
}

/** Options of `toStackExport`. */
export interface ExportOptions {
  /** Time written on the export and every resource. */
  time?: string;
  /** Write secrets in plain text, as `pulumi stack export --show-secrets` does (default: ciphertext). */
  showSecrets?: boolean;
}

/**
 * What `pulumi stack export` would print after `pulumi up` of the program run `recorded` (an
 * update run: ids and outputs known): every resource as the run recorded it, the root Stack and
 * the providers included, with its id, inputs, outputs, parent, dependencies, options and
 * provider reference. Secrets become ciphertext, as the passphrase secrets provider writes them.
 */
export function toStackExport(recorded: RecordedStack, options: ExportOptions = {}): StackExportFile {
  const time = options.time ?? "2026-11-21T10:00:00.000Z";
  const rootUrn = `urn:pulumi:${recorded.stack}::${recorded.project}::pulumi:pulumi:Stack::${recorded.project}-${recorded.stack}`;
  const stamp = { created: time, modified: time };
  const resources: ExportedResource[] = recorded.resources.map((resource) => ({
    urn: resource.urn,
    custom: resource.custom,
    ...(resource.id !== undefined ? { id: resource.id } : {}),
    type: resource.type,
    inputs: toExportValue(resource.inputs, `${resource.urn}.inputs`, options.showSecrets ?? false) as Record<string, unknown>,
    outputs: toExportValue(resource.outputs ?? {}, `${resource.urn}.outputs`, options.showSecrets ?? false) as Record<string, unknown>,
    ...(resource.parent !== undefined ? { parent: resource.parent } : {}),
    protect: resource.protect,
    ...(resource.retainOnDelete ? { retainOnDelete: true } : {}),
    dependencies: resource.dependencies,
    ...(resource.provider !== undefined ? { provider: resource.provider } : {}),
    propertyDependencies: resource.propertyDependencies,
    ...(resource.additionalSecretOutputs.length > 0 ? { additionalSecretOutputs: resource.additionalSecretOutputs } : {}),
    ...(resource.ignoreChanges.length > 0 ? { ignoreChanges: resource.ignoreChanges } : {}),
    ...(resource.customTimeouts.create + resource.customTimeouts.update + resource.customTimeouts.delete > 0
      ? { customTimeouts: resource.customTimeouts }
      : {}),
    ...stamp,
  }));
  return {
    version: 3,
    deployment: {
      manifest: { time, magic: crypto.createHash("sha256").update(`${rootUrn}${time}`).digest("hex"), version: "v3.274.1" },
      // The passphrase provider's salt: `v1:<salt>:v1:<nonce>:<ciphertext of a known message>`.
      secrets_providers: {
        type: "passphrase",
        state: {
          salt: `${ciphertextFor(`salt:${rootUrn}`)}:${ciphertextFor(`nonce:${rootUrn}`)}:${ciphertextFor(`check:${rootUrn}`).slice(3)}`,
        },
      },
      resources,
    },
  };
}

/** Write an export (or any JSON) to `<scratch>/<name>` and return the path. */
export function writeJson(scratch: string, name: string, content: unknown): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, JSON.stringify(content, null, 2));
  return file;
}

/** What a CLI run left behind. */
export interface CliResult {
  /** Exit status. */
  status: number | null;
  /** Everything printed on stdout. */
  stdout: string;
  /** Everything printed on stderr. */
  stderr: string;
}

/**
 * Run `slipway <args>` as a user would (asynchronously: the pack starts meanwhile), from the
 * repository root or, given `projectDir`, in that project (SLIPWAY_PROJECT_DIR set to it).
 */
export function runSlipway(args: string[], projectDir?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const where =
      projectDir === undefined ? { cwd: REPO_ROOT } : { cwd: projectDir, env: { ...process.env, SLIPWAY_PROJECT_DIR: projectDir } };
    const child = spawn(process.execPath, [SLIPWAY_BIN, ...args], { ...where, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}
