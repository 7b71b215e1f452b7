/**
 * Pulumi's mock runtime for the GitHub component tests, in the style of Pulumi's unit-testing
 * docs: mocks that record every resource registration, set before any component is built.
 * Import this module first in a test file.
 */
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as settings from "@pulumi/pulumi/runtime/settings";
import { SECRET_SIG, SIG_KEY } from "../../gate/model";
import type { StackConfig } from "../../config/config";
import { loadStackConfig, readStackFile, toEngineConfig } from "../../config/stackFile";

/** Team ids the tests configure, by slug (`slipway:github.teams`). */
export const TEAM_IDS: Record<string, number> = { "release-captains": 4711, "sre-oncall": 4712, "qa-leads": 4713 };
/** User ids the tests configure, by login (`slipway:github.users`). */
export const USER_IDS: Record<string, number> = { "alice-release": 9001, "bob-oncall": 9002 };

/** One recorded registration. */
export interface Registration {
  /** Type token. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs as the monitor received them (secrets still wrapped). */
  inputs: Record<string, unknown>;
}

/** Resource options the engine would receive, keyed `<type>::<name>` (mocks do not see options). */
export const resourceOptions = new Map<string, { retainOnDelete: boolean; protect: boolean; ignoreChanges?: string[] }>();

/** Every registration of the test file, keyed `<type>::<name>`. */
export const registrations = new Map<string, Registration>();
/** Data-source calls made, as `<token> <inputs JSON>`. */
export const invokes: string[] = [];

pulumi.runtime.setMocks(
  {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
      registrations.set(`${args.type}::${args.name}`, { type: args.type, name: args.name, inputs: args.inputs });
      return { id: `${args.name}-id`, state: args.inputs };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      // The components name teams and users by the ids config gives: a lookup would need a
      // token at preview time. Any invoke is recorded, and the tests expect none.
      invokes.push(`${args.token} ${JSON.stringify(args.inputs)}`);
      throw new Error(`unexpected invoke ${args.token}: the GitHub components make no lookups`);
    },
  },
  "slipway",
  "production",
  false,
);

// The mocks see inputs only; options travel on the request, so read them there on the way in.
const monitor = settings.getMonitor() as unknown as { registerResource(req: RegisterRequest, callback: unknown): unknown };
const registerResource = monitor.registerResource.bind(monitor);
monitor.registerResource = (req, callback) => {
  resourceOptions.set(`${req.getType()}::${req.getName()}`, {
    retainOnDelete: req.getRetainondelete() === true,
    protect: req.getProtect() === true,
    ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: req.getIgnorechangesList() } : {}),
  });
  return registerResource(req, callback);
};

/** The getters of a RegisterResourceRequest read here. */
interface RegisterRequest {
  getType(): string;
  getName(): string;
  getRetainondelete(): boolean | undefined;
  getIgnorechangesList(): string[];
  getProtect(): boolean | undefined;
}

/** The value of an output, once known. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The inputs a resource was registered with (waits for its registration). */
export async function inputsOf(resource: pulumi.Resource): Promise<Record<string, unknown>> {
  const urn = await promiseOf(resource.urn);
  const [, , qualifiedType, name] = urn.split("::");
  const type = qualifiedType.split("$").pop()!;
  const registration = registrations.get(`${type}::${name}`);
  if (registration === undefined) throw new Error(`no registration recorded for ${urn}`);
  return registration.inputs;
}

/** The resource options a resource was registered with (waits for its registration). */
export async function optionsOf(
  resource: pulumi.Resource,
): Promise<{ retainOnDelete: boolean; protect: boolean; ignoreChanges?: string[] }> {
  const urn = await promiseOf(resource.urn);
  const [, , qualifiedType, name] = urn.split("::");
  const options = resourceOptions.get(`${qualifiedType.split("$").pop()}::${name}`);
  if (options === undefined) throw new Error(`no registration recorded for ${urn}`);
  return options;
}

/** Wait until every resource is registered. */
export async function registered(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((resource) => promiseOf(resource.urn)));
}

/** A value the way the monitor receives a secret. */
export function wrappedSecret(value: string): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether a recorded input is a wrapped secret. */
export function isWrappedSecret(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** The project root, where the example stack files are. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** An example stack's config, parsed the way the program parses it (secure values stay opaque). */
export function exampleConfig(stack: "staging" | "production"): StackConfig {
  return loadStackConfig(PROJECT_DIR, stack, toEngineConfig(readStackFile(PROJECT_DIR, stack)).config);
}
