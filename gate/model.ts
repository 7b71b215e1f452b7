/**
 * What the offline runner records of a program run, and what the gate judges.
 *
 * A `RecordedResource` is one RegisterResourceRequest as the engine would have received it. Its
 * `inputs` are the wire form (the `google.protobuf.Struct` JSON the engine gets), with secrets
 * still wrapped in Pulumi's secret signature, so the gate can hand them to the analyzer exactly
 * as the engine does and the policy pack sees secrets as secrets.
 */

import * as crypto from "node:crypto";

import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "./sdk";

/** Pulumi's wire signature key and secret signature, and the unknown marker (gate/sdk.ts). */
export { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE };

/**
 * One resource as the engine holds it when it asks the policy pack to judge it: recorded from a
 * program run under the mock runtime (which plays the engine's part: the root Stack, default
 * providers, the providers' Check and preview outputs), or read from a stack export.
 */
export interface RecordedResource {
  /** URN built the way the engine builds it. */
  urn: string;
  /** Type token (`github:index/repositoryRuleset:RepositoryRuleset`). */
  type: string;
  /** Logical name. */
  name: string;
  /** True for provider-managed (custom) resources and providers, false for components and the root Stack. */
  custom: boolean;
  /** Parent URN (the root Stack for top-level resources); absent for the root and default providers. */
  parent?: string;
  /** URNs this resource depends on (explicit `dependsOn` and input dependencies). */
  dependencies: string[];
  /** The dependencies of each input property (what AnalyzeStack's propertyDependencies carries). */
  propertyDependencies: Record<string, string[]>;
  /** `protect` resource option. */
  protect: boolean;
  /** `retainOnDelete` resource option (analyzers never see it). */
  retainOnDelete: boolean;
  /** The resource's id, once it exists (an update run, a stack export); absent in a preview. */
  id?: string;
  /** Provider reference (`<provider urn>::<id>`), for every custom resource that is not a provider. */
  provider?: string;
  /**
   * What Analyze sees: the inputs after the provider's Check (providers: their config, with
   * `version`), in wire form (secrets wrapped, unknowns as UNKNOWN_VALUE).
   */
  inputs: Record<string, unknown>;
  /** What AnalyzeStack sees: the outputs (a preview's have computed values unknown). Absent: the inputs. */
  outputs?: Record<string, unknown>;
  /** Output property names marked secret by `additionalSecretOutputs`. */
  additionalSecretOutputs: string[];
  /** `deleteBeforeReplace` option; absent when the program did not set it. */
  deleteBeforeReplace?: boolean;
  /** `ignoreChanges` option. */
  ignoreChanges: string[];
  /** Alias URNs (`aliases` option). */
  aliases: string[];
  /** `customTimeouts` option, in seconds, as the engine passes it to analyzers (0: unset). */
  customTimeouts: { create: number; update: number; delete: number };
  /** Provider plugin version requested (program runs only). */
  version?: string;
  /** Provider plugin download URL requested (program runs only). */
  pluginDownloadURL?: string;
}

/** A custom resource with no options set: what a record holds unless told otherwise. */
export function recordedResource(
  fields: Pick<RecordedResource, "urn" | "type" | "name" | "inputs"> & Partial<RecordedResource>,
): RecordedResource {
  return {
    custom: true,
    dependencies: [],
    propertyDependencies: {},
    protect: false,
    retainOnDelete: false,
    additionalSecretOutputs: [],
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { create: 0, update: 0, delete: 0 },
    ...fields,
  };
}

/** One data-source invoke, as the mock runner records it. */
export interface RecordedInvoke {
  /** Function token. */
  token: string;
  /** Arguments. */
  args: Record<string, unknown>;
  /** Plugin version requested. */
  version: string;
  /** Plugin download URL requested. */
  pluginDownloadURL: string;
}

/** The result of running a stack offline. */
export interface RecordedStack {
  /** Stack name (`staging`, `production`). */
  stack: string;
  /** Pulumi project name. */
  project: string;
  /** Every registration, in the order the program made it. */
  resources: RecordedResource[];
  /** Stack outputs, with secrets shown as `[secret]`. */
  outputs: Record<string, unknown>;
  /** Data-source invokes the program made (answered with stand-ins offline); none for a stack export. */
  invokes: RecordedInvoke[];
  /**
   * The config key each resource was built from, by URN (`slipway:apps.heroku[0]`), as the program
   * declared it (config/configSource.ts): where the gate locates a finding. Absent for a stack
   * export, and for resources no declaration covers.
   */
  sources?: Record<string, string>;
}

/** Replace wrapped secrets by `[secret]` and unknowns by `[unknown]`, for display. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === UNKNOWN_VALUE) return "[unknown]";
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return "[secret]";
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) out[key] = redact(inner);
    return out;
  }
  return value;
}

/** A number derived from a name: stands in for ids (team, user) a real run would look up. */
export function stableId(name: string): number {
  return (crypto.createHash("sha256").update(name).digest().readUInt32BE(0) % 9_000_000) + 1_000_000;
}
