/**
 * Which config entry each resource was built from: the source map that lets the gate point a
 * finding at the line of `Pulumi.<stack>.yaml` a person edits, not at a resource name.
 *
 * The topology declares, for each component it builds, the config key it came from
 * (`slipway:apps.heroku[0]`), and may say which sub-entry a child came from (a secret, a service,
 * the release's artifact). The offline runner reads the declarations once the program has run;
 * nothing here is an input or an output, so the engine and the policies never see it.
 */
import type * as pulumi from "@pulumi/pulumi";

/** A resource under a declared one, as the runner recorded it. */
export interface SourcedResource {
  /** Type token. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs in wire form (secrets wrapped); only plain strings are worth reading here. */
  inputs: Record<string, unknown>;
}

/** The config key of a resource under a declared one, or undefined for the declaration's own key. */
export type ChildKey = (child: SourcedResource) => string | undefined;

/** One declaration: a resource, the key it was built from, and how to name its children's keys. */
export interface ConfigSource {
  /** The component (or resource) built from the key. */
  resource: pulumi.Resource;
  /** Its config key path (`slipway:github.repositories[0]`). */
  key: string;
  /** A finer key for a resource under it. */
  childKey?: ChildKey;
}

// Process-wide: the runner may load this module through another path (compiled or not) than the program.
const REGISTRY = Symbol.for("slipway.configSources");
type Holder = { [REGISTRY]?: ConfigSource[] };

function registry(): ConfigSource[] {
  const holder = globalThis as Holder;
  holder[REGISTRY] ??= [];
  return holder[REGISTRY];
}

/** Declare that `resource` (and everything under it) was built from the config entry `key`. */
export function builtFrom<T extends pulumi.Resource>(key: string, resource: T, childKey?: ChildKey): T {
  registry().push({ resource, key, childKey });
  return resource;
}

/** The declarations made since the last call, emptying the list (one program run per call). */
export function takeConfigSources(): ConfigSource[] {
  return registry().splice(0);
}

/** A plain string input of a recorded resource, or undefined. */
export function plainString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}
