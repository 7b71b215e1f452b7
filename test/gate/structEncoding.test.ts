/**
 * The gate encodes what it sends the pack without google-protobuf's message trees
 * (gate/structEncoding.ts); the bytes must be exactly those trees' bytes, whatever the values.
 */
import * as fc from "fast-check";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "../../gate/model";
import { encodeStruct, type JsonValue } from "../../gate/structEncoding";
import {
  type ProviderRecord,
  analyzeRequest,
  analyzerResource,
  encodeAnalyzeRequest,
  encodeAnalyzerResource,
  marshalMap,
} from "../../gate/wire";
import { secret } from "../support/wire";
import { resource } from "./helpers";

/** google-protobuf's bytes for the same Struct. */
const reference = (fields: { [key: string]: JsonValue }) => Buffer.from(structProto.Struct.fromJavaScript(fields).serializeBinary());

/** Whether a key `__proto__` appears at any depth of a value. */
const hasProtoKey = (value: unknown): boolean =>
  typeof value === "object" &&
  value !== null &&
  (Array.isArray(value)
    ? value.some(hasProtoKey)
    : Object.keys(value).some((key) => key === "__proto__" || hasProtoKey((value as Record<string, unknown>)[key])));

/**
 * Property maps as the engine's values come: any JSON, keys of any text (order and unicode
 * included), -0 and large numbers. Not the key `__proto__`, at any depth: google-protobuf's map
 * keeps its entries in a plain object, so the reference drops that key (fast-check generates it
 * now and then, nested as well as at the top).
 */
const propertyMaps = fc
  .dictionary(fc.string({ unit: "binary" }), fc.oneof(fc.jsonValue(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(-0)))
  .filter((fields) => !hasProtoKey(fields)) as fc.Arbitrary<{ [key: string]: JsonValue }>;

describe("encoding properties without the message tree", () => {
  test("any property map encodes to the bytes google-protobuf writes", () => {
    fc.assert(
      fc.property(propertyMaps, (fields) => {
        expect(Buffer.from(encodeStruct(fields)).equals(reference(fields))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  test("empty maps, lists, strings, false, zero and null are written, as google-protobuf writes them", () => {
    const edges = { a: {}, b: [], c: "", d: false, e: 0, f: null, g: [[], [{}], [null, ""]], "": "empty key", é: "ü" };
    expect(Buffer.from(encodeStruct(edges)).toString("hex")).toBe(reference(edges).toString("hex"));
    expect(encodeStruct({})).toHaveLength(0);
  });
});

describe("an Analyze request and an AnalyzeStack entry, encoded", () => {
  const providerUrn = "urn:pulumi:production::slipway::pulumi:providers:github::main";
  const providers = new Map<string, ProviderRecord>([
    [providerUrn, { urn: providerUrn, type: "pulumi:providers:github", name: "main", inputs: { owner: "acme", token: secret("t") } }],
  ]);
  const repository = resource(
    "production",
    "github:index/repository:Repository",
    "api",
    { name: "api", description: UNKNOWN_VALUE, topics: ["release", 2], token: secret("s"), __defaults: ["name"] },
    {
      protect: true,
      parent: "urn:pulumi:production::slipway::slipway:github:Governance::gov",
      provider: `${providerUrn}::0c2e58a4`,
      additionalSecretOutputs: ["nodeId"],
      dependencies: ["urn:pulumi:production::slipway::github:index/team:Team::ops"],
    },
  );
  const withOutputs = {
    ...repository,
    outputs: { name: "api", fullName: "acme/api", token: { [SIG_KEY]: SECRET_SIG, value: "s" } },
    propertyDependencies: { name: ["urn:pulumi:production::slipway::github:index/team:Team::ops"], topics: [] },
  };

  test.each([
    ["a resource with provider, options, secrets and unknowns", repository],
    ["a resource without a provider or a parent", resource("production", "github:index/issueLabel:IssueLabel", "bug", { name: "bug" })],
    ["a resource without inputs", resource("production", "slipway:github:Governance", "gov", {})],
  ])("%s: the bytes analyzeRequest's message serialises to", (_title, subject) => {
    expect(encodeAnalyzeRequest(subject, providers).equals(Buffer.from(analyzeRequest(subject, providers).serializeBinary()))).toBe(true);
  });

  test.each([
    ["outputs and property dependencies", withOutputs],
    ["no outputs recorded: its inputs", repository],
  ])("an AnalyzeStack entry with %s: the bytes analyzerResource's message serialises to", (_title, subject) => {
    expect(encodeAnalyzerResource(subject, providers).equals(Buffer.from(analyzerResource(subject, providers).serializeBinary()))).toBe(
      true,
    );
  });

  test("a value that cannot travel is refused by name, as before", () => {
    const bad = resource("production", "github:index/repository:Repository", "bad", { size: Number.POSITIVE_INFINITY });
    expect(() => encodeAnalyzeRequest(bad, providers)).toThrow(
      /cannot send urn:.*::bad inputs\.size to the policy pack: Infinity is not a finite number/,
    );
    expect(() => marshalMap(bad.inputs, "x")).toThrow(/Infinity is not a finite number/);
  });
});
