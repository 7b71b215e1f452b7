import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../../contract";
import { type RecordedInvoke, SECRET_SIG, SIG_KEY } from "../../gate/model";
import { RecordingMonitor, useMockMonitor, waitForRegistrations } from "../../gate/runner";
import { parseStackConfig, type StackConfig } from "../../config/config";
import { readStackFile } from "../../config/stackFile";
import { sharedAvailable } from "../support/sharedData";

/** The project root (holds the example stack files). */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** `../shared` beside the project: read-only reference data, absent on some machines. */
export const SHARED_DIR = path.resolve(__dirname, "..", "..", "..", "shared");

/** One registration as the engine would receive it. */
export interface Registration {
  /** Type token. */
  type: string;
  /** Logical name. */
  name: string;
  /** URN the mock monitor gave it. */
  urn: string;
  /** Parent URN. */
  parent: string;
  /** Provider-managed (true) or component (false). */
  custom: boolean;
  /** Inputs in wire form: secrets wrapped in Pulumi's secret signature. */
  inputs: Record<string, unknown>;
  /** URNs it depends on (explicit dependsOn and input dependencies). */
  dependencies: string[];
  /** `protect` option. */
  protect: boolean;
  /** `retainOnDelete` option. */
  retainOnDelete: boolean;
  /** `deleteBeforeReplace` option. */
  deleteBeforeReplace: boolean;
  /** `ignoreChanges` option. */
  ignoreChanges: string[];
  /** `additionalSecretOutputs` option. */
  additionalSecretOutputs: string[];
  /** Provider plugin version requested. */
  version: string;
  /** Provider plugin download URL requested. */
  pluginDownloadURL: string;
  /** Custom create timeout, if any. */
  createTimeout: number;
}

/** One data-source invoke. */
export type Invocation = RecordedInvoke;

/** What a program registered and invoked. */
export interface ProgramRecord {
  /** Registrations in order. */
  resources: Registration[];
  /** Invokes in order. */
  invokes: Invocation[];
}

/** The password the mocked `random.RandomPassword` named `name` generates. */
export function mockPassword(name: string): string {
  return `mock-password-of-${name}`;
}

/**
 * Mocks: state echoes inputs, ids are `<name>-id`; a random password has a known result (so the
 * inputs that use it show whether they carry it as a secret). The components make no lookups.
 */
const mocks: pulumi.runtime.Mocks = {
  newResource: (args) => {
    const computed = args.type === "random:index/randomPassword:RandomPassword" ? { result: mockPassword(args.name) } : {};
    return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...computed } };
  },
  call: (args) => {
    throw new Error(`unexpected invoke ${args.token}: the app components make no lookups`);
  },
};

/**
 * Run `program` as stack `stack` (a preview, like `pulumi preview`) and return what it registered.
 * One program at a time: the runtime is process-wide.
 */
export async function runProgram(stack: string, program: () => void): Promise<ProgramRecord> {
  const monitor = new RecordingMonitor(mocks);
  useMockMonitor(monitor, stack, true);
  try {
    program();
  } finally {
    // Even when the program throws, let what it started registering finish inside this test.
    await waitForRegistrations();
  }
  const resources = monitor.recorded.map(
    (r): Registration => ({
      type: r.type,
      name: r.name,
      urn: r.urn,
      parent: r.parent ?? "",
      custom: r.custom,
      inputs: r.inputs,
      dependencies: r.dependencies,
      protect: r.protect,
      retainOnDelete: r.retainOnDelete,
      deleteBeforeReplace: r.deleteBeforeReplace ?? false,
      ignoreChanges: r.ignoreChanges ?? [],
      additionalSecretOutputs: r.additionalSecretOutputs,
      version: r.version ?? "",
      pluginDownloadURL: r.pluginDownloadURL ?? "",
      createTimeout: r.customTimeouts.create,
    }),
  );
  return { resources, invokes: monitor.invoked };
}

/** A secret as it appears in wire-form inputs. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether a wire value is a wrapped secret. */
export function isSecret(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replace wrapped secrets by their values (for schema checks, never for printing). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isSecret(value)) return unwrapSecrets((value as { value: unknown }).value);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}

/** The registrations of one type, in order. */
export function ofType(record: ProgramRecord, type: string): Registration[] {
  return record.resources.filter((resource) => resource.type === type);
}

/** The one registration of a type and name; fails the test when absent. */
export function find(record: ProgramRecord, type: string, name: string): Registration {
  const found = record.resources.find((resource) => resource.type === type && resource.name === name);
  if (!found) {
    const names = ofType(record, type).map((resource) => resource.name);
    throw new Error(`no ${type} named '${name}' was registered (registered: ${names.join(", ") || "none"})`);
  }
  return found;
}

/** The registrations whose parent is `parent`, as sorted `type::name` strings. */
export function childrenOf(record: ProgramRecord, parent: Registration): string[] {
  return record.resources
    .filter((resource) => resource.parent === parent.urn)
    .map((resource) => `${resource.type}::${resource.name}`)
    .sort();
}

/** A URN as the mock monitor builds it for a child of the component `parentType`. */
export function childUrn(stack: string, parentType: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT_NAME}::${parentType}$${type}::${name}`;
}

/** The validated config of an example stack file in the project. */
export function exampleStack(stack: "staging" | "production"): StackConfig {
  const stackFile = readStackFile(PROJECT_DIR, stack);
  return parseStackConfig({ file: stackFile.file, values: stackFile.values, securePaths: stackFile.securePaths });
}

/** The ciphertext of a `secure:` leaf of an example stack file (what the mock runtime carries as the secret's value). */
export function exampleCiphertext(stack: "staging" | "production", keyPath: (string | number)[]): string {
  const stackFile = readStackFile(PROJECT_DIR, stack);
  let value: unknown = stackFile.values;
  for (const key of keyPath) value = (value as Record<string | number, unknown>)[key];
  if (typeof value !== "string") throw new Error(`${keyPath.join(".")} is not a secure leaf of Pulumi.${stack}.yaml`);
  return value;
}

/** Whether the provider schemas in `../shared` are present; tests that need them skip otherwise (never in CI). */
export function providerSchemasAvailable(): boolean {
  return sharedAvailable("provider-schemas", "provider-schema checks");
}
