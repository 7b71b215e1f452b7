/**
 * What the gate sends the pack for a resource, compared with what the engine sends: the
 * messages are built, serialised to bytes and read back, as the pack will read them.
 */
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "../../gate/model";
import { PolicyPackError } from "../../gate/errors";
import { type ProviderRecord, analyzeRequest, analyzerResource, marshalValue, parseUrn, resolveProvider } from "../../gate/wire";
import { resource } from "./helpers";
import { secret } from "../support/wire";

const providerUrn = "urn:pulumi:staging::slipway::pulumi:providers:github::main";
const providers = new Map<string, ProviderRecord>([
  [
    providerUrn,
    { urn: providerUrn, type: "pulumi:providers:github", name: "main", inputs: { owner: "slipway-org", token: secret("[secret]") } },
  ],
]);

function roundTrip(request: analyzerProto.AnalyzeRequest): analyzerProto.AnalyzeRequest {
  return analyzerProto.AnalyzeRequest.deserializeBinary(request.serializeBinary());
}

describe("an Analyze request", () => {
  const repository = resource(
    "staging",
    "github:index/repository:Repository",
    "app",
    {
      name: "app",
      description: UNKNOWN_VALUE,
      token: secret("[secret]"),
      nested: { list: [1, secret({ deep: true })], __meta: "internal" },
      __defaults: ["name"],
      team: { [SIG_KEY]: "5cf8f73096256a8f31e491e813e4eb8e", urn: "urn:pulumi:staging::slipway::github:index/team:Team::ops", id: "4242" },
    },
    {
      protect: true,
      parent: "urn:pulumi:staging::slipway::slipway:github:Governance::gov",
      provider: `${providerUrn}::0c2e58a4`,
      additionalSecretOutputs: ["nodeId"],
      dependencies: ["urn:pulumi:staging::slipway::github:index/team:Team::ops"],
    },
  );

  it("carries type, URN, name and the inputs: secrets still wrapped, unknowns kept, internal keys and resource references as the engine sends them", () => {
    const request = roundTrip(analyzeRequest(repository, providers));
    expect(request.getType()).toBe("github:index/repository:Repository");
    expect(request.getUrn()).toBe(repository.urn);
    expect(request.getName()).toBe("app");
    expect(request.getProperties()?.toJavaScript()).toEqual({
      name: "app",
      description: UNKNOWN_VALUE,
      token: { [SIG_KEY]: SECRET_SIG, value: "[secret]" },
      nested: { list: [1, { [SIG_KEY]: SECRET_SIG, value: { deep: true } }] },
      team: "4242",
    });
  });

  it("carries the options analyzers have fields for: protect, parent, additional secret outputs", () => {
    const options = roundTrip(analyzeRequest(repository, providers)).getOptions();
    expect(options?.getProtect()).toBe(true);
    expect(options?.getParent()).toBe("urn:pulumi:staging::slipway::slipway:github:Governance::gov");
    expect(options?.getAdditionalsecretoutputsList()).toEqual(["nodeId"]);
    expect(options?.getDeletebeforereplacedefined()).toBe(false);
  });

  it("carries the provider with its inputs, secrets wrapped", () => {
    const provider = roundTrip(analyzeRequest(repository, providers)).getProvider();
    expect(provider?.getUrn()).toBe(providerUrn);
    expect(provider?.getType()).toBe("pulumi:providers:github");
    expect(provider?.getName()).toBe("main");
    expect(provider?.getProperties()?.toJavaScript()).toEqual({
      owner: "slipway-org",
      token: { [SIG_KEY]: SECRET_SIG, value: "[secret]" },
    });
  });

  it("describes an unrecorded (default) provider from its URN", () => {
    expect(resolveProvider("urn:pulumi:staging::slipway::pulumi:providers:kubernetes::default_4_23_0::a8f2", new Map())).toEqual({
      urn: "urn:pulumi:staging::slipway::pulumi:providers:kubernetes::default_4_23_0",
      type: "pulumi:providers:kubernetes",
      name: "default_4_23_0",
      inputs: {},
    });
    expect(resolveProvider(undefined, providers)).toBeUndefined();
  });

  it("an AnalyzeStack resource also carries parent and dependencies", () => {
    const message = analyzerProto.AnalyzerResource.deserializeBinary(analyzerResource(repository, providers).serializeBinary());
    expect(message.getParent()).toBe("urn:pulumi:staging::slipway::slipway:github:Governance::gov");
    expect(message.getDependenciesList()).toEqual(["urn:pulumi:staging::slipway::github:index/team:Team::ops"]);
    expect(message.getProperties()?.toJavaScript()).toEqual(
      roundTrip(analyzeRequest(repository, providers)).getProperties()?.toJavaScript(),
    );
  });
});

describe("values that cannot travel", () => {
  it("a non-finite number is an error naming the resource and property", () => {
    expect(() => marshalValue({ spec: { replicas: Number.NaN } }, "urn:x inputs")).toThrow(
      new PolicyPackError("cannot send urn:x inputs.spec.replicas to the policy pack: NaN is not a finite number"),
    );
  });

  it("an undefined property is left out and an undefined array element becomes null, as the SDK sends them", () => {
    expect(marshalValue({ a: undefined, b: [undefined, 1] }, "x")).toEqual({ b: [null, 1] });
  });
});

describe("URNs", () => {
  it("split into stack, project, type (last of the parent chain) and name, which may contain ::", () => {
    expect(parseUrn("urn:pulumi:production::slipway::slipway:data:Database$postgresql:index/role:Role::app::runtime")).toEqual({
      stack: "production",
      project: "slipway",
      qualifiedType: "slipway:data:Database$postgresql:index/role:Role",
      type: "postgresql:index/role:Role",
      name: "app::runtime",
    });
    expect(parseUrn("not-a-urn")).toBeUndefined();
  });
});
