/**
 * The GitHub component tests' view of the shared mock monitor (test/support/mocks.ts), set up as
 * `pulumi up` of `production` before any component is built: what each resource was registered
 * with, found from the resource object itself. Import this module first in a test file.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../../gate/model";
import { startMockMonitor } from "../support/mocks";

/** Team ids the tests configure, by slug (`slipway:github.teams`). */
export const TEAM_IDS: Record<string, number> = { "release-captains": 4711, "sre-oncall": 4712, "qa-leads": 4713 };
/** User ids the tests configure, by login (`slipway:github.users`). */
export const USER_IDS: Record<string, number> = { "alice-release": 9001, "bob-oncall": 9002 };

const monitor = startMockMonitor("production", false);

/** Every registration of the test file, keyed `<type>::<name>` (two with one key would leave one). */
export const registrations = new Map<string, RecordedResource>();
monitor.listener = { recorded: (resource) => void registrations.set(`${resource.type}::${resource.name}`, resource) };

/** Data-source calls made, in order (the components make none: each one also fails the program). */
export const invokes = monitor.invoked;

/** The value of an output, once known. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply(resolve));
}

/** The registration of a resource (waits for it). */
async function registrationOf(resource: pulumi.Resource): Promise<RecordedResource> {
  const urn = await promiseOf(resource.urn);
  const [, , qualifiedType, name] = urn.split("::");
  const registration = registrations.get(`${qualifiedType.split("$").pop()}::${name}`);
  if (registration === undefined) throw new Error(`no registration recorded for ${urn}`);
  return registration;
}

/** The inputs a resource was registered with, in wire form: secrets still wrapped (waits for its registration). */
export async function inputsOf(resource: pulumi.Resource): Promise<Record<string, unknown>> {
  return (await registrationOf(resource)).inputs;
}

/** The resource options a resource was registered with (waits for its registration). */
export async function optionsOf(
  resource: pulumi.Resource,
): Promise<{ retainOnDelete: boolean; protect: boolean; ignoreChanges?: string[] }> {
  const registration = await registrationOf(resource);
  return {
    retainOnDelete: registration.retainOnDelete,
    protect: registration.protect,
    ...(registration.ignoreChanges.length > 0 ? { ignoreChanges: registration.ignoreChanges } : {}),
  };
}

/** Wait until every resource is registered. */
export async function registered(resources: pulumi.Resource[]): Promise<void> {
  await Promise.all(resources.map((resource) => promiseOf(resource.urn)));
}
