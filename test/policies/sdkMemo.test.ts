/**
 * The pack deserialises each resource of an AnalyzeStack request once, where the policy SDK would
 * once per stack policy (policy-pack/sdkMemo.ts). These canaries pin what that relies on in the
 * installed @pulumi/policy, so an SDK upgrade that changes it fails here, not in a slow preview:
 * AnalyzeStack calls `deserializeProperties` through the module export, hands every policy the same
 * Struct object per resource, and the policies see the same properties with the memo as without.
 */
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { memoizeDeserialization } from "../../policy-pack/sdkMemo";

type Deserialize = (struct: object, proxySecrets: boolean) => Record<string, unknown>;
const sdkModule = require("@pulumi/policy/deserialize") as { deserializeProperties: Deserialize };
const server = require("@pulumi/policy/server") as {
  makeAnalyzeStackRpcFun(
    name: string,
    version: string,
    level: string,
    policies: unknown[],
  ): (call: { request: unknown }, callback: (error: unknown, response: unknown) => void) => Promise<void>;
};

/** An AnalyzeStack request of `count` resources, as the gRPC server decodes it from the wire. */
function request(count: number): analyzerProto.AnalyzeStackRequest {
  const message = new analyzerProto.AnalyzeStackRequest();
  for (let i = 0; i < count; i++) {
    const resource = new analyzerProto.AnalyzerResource();
    resource.setUrn(`urn:pulumi:production::slipway::github:index/repository:Repository::repo-${i}`);
    resource.setType("github:index/repository:Repository");
    resource.setName(`repo-${i}`);
    resource.setProperties(
      structProto.Struct.fromJavaScript({ name: `repo-${i}`, topics: ["release", String(i)], settings: { merge: i % 2 === 0 } }),
    );
    // The engine always sends options; the SDK refuses a resource without them.
    resource.setOptions(new analyzerProto.AnalyzerResourceOptions());
    message.addResources(resource);
  }
  return analyzerProto.AnalyzeStackRequest.deserializeBinary(message.serializeBinary());
}

/** Run AnalyzeStack with two stack policies; what each saw, by policy. */
async function analyzeStack(req: analyzerProto.AnalyzeStackRequest): Promise<unknown[][]> {
  const seen: unknown[][] = [];
  const policy = (name: string) => ({
    name,
    description: name,
    enforcementLevel: "advisory",
    validateStack: (args: { resources: { props: Record<string, unknown> }[] }) => {
      seen.push(args.resources.map((resource) => JSON.parse(JSON.stringify(resource.props))));
    },
  });
  const serve = server.makeAnalyzeStackRpcFun("canary", "0.0.1", "advisory", [policy("first"), policy("second")]);
  await new Promise<void>((resolve, reject) => {
    void serve({ request: req }, (error) => (error ? reject(error) : resolve()));
  });
  return seen;
}

describe("the pack's AnalyzeStack deserialisation memo (policy-pack/sdkMemo.ts)", () => {
  let calls = 0;
  beforeAll(() => {
    const sdk = sdkModule.deserializeProperties;
    sdkModule.deserializeProperties = (struct, proxySecrets) => {
      calls++;
      return sdk(struct, proxySecrets);
    };
  });

  test("a request hands out the same Struct object for a resource every time it is asked", () => {
    const resource = request(1).getResourcesList()[0];
    expect(resource.getProperties()).toBe(resource.getProperties());
  });

  test("without it the SDK deserialises each resource once per stack policy; with it once, and the policies see the same", async () => {
    calls = 0;
    const before = await analyzeStack(request(50));
    expect(calls).toBe(100);
    memoizeDeserialization();
    calls = 0;
    const after = await analyzeStack(request(50));
    expect(calls).toBe(50);
    expect(after).toEqual(before);
    expect(after[0]).toHaveLength(50);
    expect(after[0][7]).toEqual({ name: "repo-7", topics: ["release", "7"], settings: { merge: false } });
  });

  test("installing it twice wraps once", async () => {
    memoizeDeserialization();
    calls = 0;
    await analyzeStack(request(10));
    expect(calls).toBe(10);
  });

  test("secret-preserving deserialisation (remediations) is never shared", () => {
    const struct = structProto.Struct.fromJavaScript({ a: 1 });
    calls = 0;
    sdkModule.deserializeProperties(struct, true);
    sdkModule.deserializeProperties(struct, true);
    expect(calls).toBe(2);
  });
});
