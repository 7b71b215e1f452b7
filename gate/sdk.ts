/**
 * Every Pulumi SDK internal Slipway relies on, in one module: the wire format's signature
 * constants, and the runtime pieces the offline runner and the engine's inline host need that
 * `pulumi.runtime.setMocks` and the Automation API use but the SDK does not publish (marked
 * @internal in its typings). @pulumi/pulumi is pinned exactly in package.json, and
 * test/gate/sdk.test.ts is the canary: it compares each constant and each piece to the installed
 * SDK, so an upgrade that moves one fails there rather than silently here.
 *
 * The constants are copies, so the commands that only read or judge recorded values (the gate,
 * the provider model) do not load the SDK's runtime for them; the runtime is loaded on first use.
 */
import type * as grpc from "@grpc/grpc-js";
import type * as mocksModule from "@pulumi/pulumi/runtime/mocks";
import type * as rpcModule from "@pulumi/pulumi/runtime/rpc";
import type * as settingsModule from "@pulumi/pulumi/runtime/settings";
import type * as stackModule from "@pulumi/pulumi/runtime/stack";

/** The wire form's signature key: `{ [SIG_KEY]: SECRET_SIG, value }` marks a secret (`runtime/rpc` specialSigKey). */
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
/** Signature value of a secret (specialSecretSig). */
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
/** Signature value of a resource reference (specialResourceSig). */
export const RESOURCE_REFERENCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** Signature value of an output value (specialOutputValueSig). */
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
/** Signature value of an asset (specialAssetSig). */
export const ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17";
/** Signature value of an archive (specialArchiveSig). */
export const ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7";
/** The engine's marker for a value unknown during preview (unknownValue). */
export const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The runtime's feature flags, which `setMocks` sets on its global store (`runtime/state` getStore, @internal). */
export interface RuntimeFeatures {
  supportsSecrets: boolean;
  supportsResourceReferences: boolean;
  supportsOutputValues: boolean;
  supportsDeletedWith: boolean;
  supportsAliasSpecs: boolean;
}

/** The runtime pieces the offline runner uses, as `pulumi.runtime.setMocks` uses them. */
export interface SdkRuntime {
  /** The mock resource monitor `setMocks` installs; the runner's RecordingMonitor extends it. */
  MockMonitor: typeof mocksModule.MockMonitor;
  /** Inputs to the wire form, and back. */
  serializeProperties: typeof rpcModule.serializeProperties;
  deserializeProperties: typeof rpcModule.deserializeProperties;
  /** Runs a program inside its root Stack resource, as the language host does. */
  runInPulumiStack: typeof stackModule.runInPulumiStack;
  /** Points the runtime at a mock monitor. */
  setMockOptions: typeof settingsModule.setMockOptions;
  /** Resolves when every RPC the program started has been answered (@internal). */
  waitForRPCs(): Promise<void>;
  /** The runtime's global store of feature flags (@internal). */
  getStore(): RuntimeFeatures;
}

let runtime: SdkRuntime | undefined;

/** The SDK's runtime internals, loaded on first use. */
export function sdkRuntime(): SdkRuntime {
  if (runtime === undefined) {
    const mocks = require("@pulumi/pulumi/runtime/mocks") as typeof mocksModule;
    const rpc = require("@pulumi/pulumi/runtime/rpc") as typeof rpcModule;
    const stack = require("@pulumi/pulumi/runtime/stack") as typeof stackModule;
    const settings = require("@pulumi/pulumi/runtime/settings") as typeof settingsModule & { waitForRPCs(): Promise<void> };
    const state = require("@pulumi/pulumi/runtime/state") as { getStore(): RuntimeFeatures };
    runtime = {
      MockMonitor: mocks.MockMonitor,
      serializeProperties: rpc.serializeProperties,
      deserializeProperties: rpc.deserializeProperties,
      runInPulumiStack: stack.runInPulumiStack,
      setMockOptions: settings.setMockOptions,
      waitForRPCs: () => settings.waitForRPCs(),
      getStore: () => state.getStore(),
    };
  }
  return runtime;
}

/** A language runtime service that runs an inline program (the Automation API's, @internal). */
// biome-ignore lint/suspicious/noConfusingVoidType: the SDK's own signature (an inline program may return nothing)
export type InlineLanguageServer = new (program: () => Promise<Record<string, unknown> | void>) => grpc.UntypedServiceImplementation;

/** The Automation API's LanguageServer, which runs an inline program for `pulumi` (`automation/server`). */
export function inlineLanguageServer(): InlineLanguageServer {
  return (require("@pulumi/pulumi/automation/server") as { LanguageServer: InlineLanguageServer }).LanguageServer;
}
