/**
 * Canary for the Pulumi SDK internals Slipway relies on (gate/sdk.ts): an SDK upgrade that renames,
 * moves or changes one of them fails here, not silently in the gate or the runner.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import * as sdkRpc from "@pulumi/pulumi/runtime/rpc";
import { RecordingMonitor, offlineMocks, useMockMonitor } from "../../gate/runner";
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  inlineLanguageServer,
  OUTPUT_VALUE_SIG,
  RESOURCE_REFERENCE_SIG,
  type RuntimeFeatures,
  sdkRuntime,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN_VALUE,
} from "../../gate/sdk";

const FEATURES: (keyof RuntimeFeatures)[] = [
  "supportsSecrets",
  "supportsResourceReferences",
  "supportsOutputValues",
  "supportsDeletedWith",
  "supportsAliasSpecs",
];

function features(): Record<string, unknown> {
  const store = sdkRuntime().getStore() as unknown as Record<string, unknown>;
  return Object.fromEntries(FEATURES.map((feature) => [feature, store[feature]]));
}

describe("the SDK adapter (gate/sdk.ts) against the installed @pulumi/pulumi", () => {
  test("the wire constants are the SDK's", () => {
    expect({ SIG_KEY, SECRET_SIG, RESOURCE_REFERENCE_SIG, OUTPUT_VALUE_SIG, ASSET_SIG, ARCHIVE_SIG, UNKNOWN_VALUE }).toEqual({
      SIG_KEY: sdkRpc.specialSigKey,
      SECRET_SIG: sdkRpc.specialSecretSig,
      RESOURCE_REFERENCE_SIG: sdkRpc.specialResourceSig,
      OUTPUT_VALUE_SIG: sdkRpc.specialOutputValueSig,
      ASSET_SIG: sdkRpc.specialAssetSig,
      ARCHIVE_SIG: sdkRpc.specialArchiveSig,
      UNKNOWN_VALUE: sdkRpc.unknownValue,
    });
  });

  test("the gate's test pack keeps its own copy of the secret signature, equal to the SDK's", () => {
    const fixture = fs.readFileSync(path.join(__dirname, "..", "gate", "fixtures", "mini-pack", "index.ts"), "utf8");
    expect(fixture).toContain(`const SIG_KEY = "${sdkRpc.specialSigKey}";`);
    expect(fixture).toContain(`const SECRET_SIG = "${sdkRpc.specialSecretSig}";`);
  });

  test("the runtime pieces are the SDK's, with the methods the recording monitor overrides", () => {
    const runtime = sdkRuntime();
    expect(runtime.serializeProperties).toBe(sdkRpc.serializeProperties);
    expect(runtime.deserializeProperties).toBe(sdkRpc.deserializeProperties);
    expect(runtime.runInPulumiStack).toBe(require("@pulumi/pulumi/runtime/stack").runInPulumiStack);
    expect(runtime.setMockOptions).toBe(require("@pulumi/pulumi/runtime/settings").setMockOptions);
    expect(runtime.MockMonitor).toBe(require("@pulumi/pulumi/runtime/mocks").MockMonitor);
    for (const method of ["registerResource", "registerResourceOutputs", "invoke", "supportsFeature"]) {
      expect(typeof (runtime.MockMonitor.prototype as unknown as Record<string, unknown>)[method]).toBe("function");
    }
    expect(typeof require("@pulumi/pulumi/runtime/settings").waitForRPCs).toBe("function");
    expect(typeof require("@pulumi/pulumi/runtime/state").getStore).toBe("function");
  });

  test("the runner's mock monitor enables the features pulumi.runtime.setMocks enables", async () => {
    await pulumi.runtime.setMocks({ newResource: () => ({ id: "id", state: {} }), call: () => ({}) }, "slipway", "canary", true);
    const bySetMocks = features();
    for (const feature of FEATURES) expect(typeof bySetMocks[feature]).toBe("boolean");
    const store = sdkRuntime().getStore();
    for (const feature of FEATURES) store[feature] = !bySetMocks[feature];
    useMockMonitor(new RecordingMonitor(offlineMocks), "canary", true);
    expect(features()).toEqual(bySetMocks);
    await expect(sdkRuntime().waitForRPCs()).resolves.toBeUndefined();
  });

  test("a secret round-trips through the SDK's serializer in the wire form our constants describe", async () => {
    useMockMonitor(new RecordingMonitor(offlineMocks), "canary", true);
    const { serializeProperties, deserializeProperties } = sdkRuntime();
    const wire = await serializeProperties("canary", { password: pulumi.secret("hunter2"), plain: "visible" });
    expect(wire).toEqual({ password: { [SIG_KEY]: SECRET_SIG, value: "hunter2" }, plain: "visible" });
    const back = deserializeProperties(structProto.Struct.fromJavaScript(wire as Record<string, structProto.JavaScriptValue>));
    expect(back).toEqual({ password: { [SIG_KEY]: SECRET_SIG, value: "hunter2" }, plain: "visible" });
    // The SDK reads our unknown marker as unknown, and any other string as itself.
    const unknown = deserializeProperties(structProto.Struct.fromJavaScript({ later: UNKNOWN_VALUE, known: `${UNKNOWN_VALUE}x` }), true);
    expect(pulumi.isUnknown(unknown.later)).toBe(true);
    expect(unknown.known).toBe(`${UNKNOWN_VALUE}x`);
  });

  test("the Automation API's language server is there for the engine's inline host", () => {
    const LanguageServer = inlineLanguageServer();
    expect(typeof LanguageServer).toBe("function");
    const server = new LanguageServer(async () => ({})) as unknown as Record<string, unknown>;
    for (const method of ["run", "getRequiredPlugins"]) expect(typeof server[method]).toBe("function");
  });
});
