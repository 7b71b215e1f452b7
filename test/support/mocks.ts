/**
 * The one mock monitor the component suites share (apps, data, flags, GitHub): the gate's own
 * RecordingMonitor, answered by Pulumi-unit-test-style mocks (state echoes inputs, ids are
 * `<name>-id`), with Pulumi's runtime pointed at it the way `pulumi.runtime.setMocks` does. It
 * records what the engine would receive: wire-form inputs (secrets wrapped) and resource options.
 * Wire values (`secret()` and the like) are in ./wire.ts.
 */
import type * as pulumi from "@pulumi/pulumi";
import { PROJECT_NAME } from "../../contract";
import type { RecordedInvoke } from "../../gate/model";
import { RecordingMonitor, useMockMonitor, waitForRegistrations } from "../../gate/runner";

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
 * Mocks: state echoes inputs, custom resources get the id `<name>-id` (components none, as from the
 * engine); a random password has a known result (so the inputs that use it show whether they carry
 * it as a secret). The components make no lookups: an invoke fails the program.
 */
const mocks: pulumi.runtime.Mocks = {
  newResource: (args) => {
    const computed = args.type === "random:index/randomPassword:RandomPassword" ? { result: mockPassword(args.name) } : {};
    return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...computed } };
  },
  call: (args) => {
    throw new Error(`unexpected invoke ${args.token}: the components make no lookups`);
  },
};

/**
 * Point Pulumi's runtime at a fresh mock monitor for `stack` (`preview`: as `pulumi preview`, else
 * as `pulumi up`) and return it; what it records grows as the test file builds components.
 */
export function startMockMonitor(stack: string, preview: boolean): RecordingMonitor {
  const monitor = new RecordingMonitor(mocks);
  useMockMonitor(monitor, stack, preview);
  return monitor;
}

/**
 * Run `program` as stack `stack` (a preview, like `pulumi preview`) and return what it registered.
 * One program at a time: the runtime is process-wide.
 */
export async function runProgram(stack: string, program: () => void): Promise<ProgramRecord> {
  const monitor = startMockMonitor(stack, true);
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
