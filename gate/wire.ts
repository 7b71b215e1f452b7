/**
 * From a recorded resource to the analyzer's wire messages, the way the engine marshals them
 * (pkg/resource/plugin MarshalProperties with KeepSecrets, KeepUnknowns, SkipInternalKeys):
 * secrets stay wrapped exactly as recorded, unknowns stay the unknown marker, resource
 * references become their id (or URN), internal `__` keys are dropped.
 */
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { type RecordedResource, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "./model";
import { OUTPUT_VALUE_SIG, RESOURCE_REFERENCE_SIG } from "./sdk";
import { PolicyPackError } from "./errors";
import { encodeStruct, type JsonValue, withLeadingFields } from "./structEncoding";

export type { JsonValue } from "./structEncoding";

/**
 * Marshal one wire-form property value for the analyzer. Throws a PolicyPackError naming the
 * resource and property path when the value cannot travel as a protobuf Value.
 */
export function marshalValue(value: unknown, where: string): JsonValue | undefined {
  if (value === undefined) return undefined;
  if (value === null || typeof value === "boolean" || typeof value === "string") return value;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw unmarshalable(where, `${value} is not a finite number`);
    return value;
  }
  if (Array.isArray(value)) {
    // An array element cannot be absent on the wire: the SDK sends null for undefined elements.
    return value.map((element, index) => marshalValue(element, `${where}[${index}]`) ?? null);
  }
  if (typeof value === "object") {
    const record = value as Record<string, unknown>;
    const signature = record[SIG_KEY];
    if (signature === SECRET_SIG) {
      return { [SIG_KEY]: SECRET_SIG, value: marshalValue(record.value, `${where}.value`) ?? null };
    }
    if (signature === RESOURCE_REFERENCE_SIG) {
      // The engine does not keep resource references for analyzers: it sends the id, else the URN.
      const id = record.id;
      if (typeof id === "string" && id !== "") return id;
      return marshalValue(record.urn, `${where}.urn`) ?? null;
    }
    if (signature === OUTPUT_VALUE_SIG) {
      const inner = "value" in record ? (marshalValue(record.value, `${where}.value`) ?? null) : UNKNOWN_VALUE;
      return record.secret === true ? { [SIG_KEY]: SECRET_SIG, value: inner } : inner;
    }
    const out: { [key: string]: JsonValue } = {};
    for (const [key, inner] of Object.entries(record)) {
      // Internal keys (`__defaults`, `__meta`) never reach analyzers (SkipInternalKeys).
      if (key.startsWith("__")) continue;
      const marshaled = marshalValue(inner, `${where}.${key}`);
      if (marshaled !== undefined) out[key] = marshaled;
    }
    return out;
  }
  throw unmarshalable(where, `a ${typeof value} is not a property value`);
}

function unmarshalable(where: string, reason: string): PolicyPackError {
  return new PolicyPackError(`cannot send ${where} to the policy pack: ${reason}`);
}

/** A property map marshaled: the fields of the Struct the analyzer receives; `where` names it in errors. */
function marshalFields(properties: Record<string, unknown>, where: string): { [key: string]: JsonValue } {
  const marshaled = marshalValue(properties, where);
  return marshaled !== null && typeof marshaled === "object" && !Array.isArray(marshaled) ? marshaled : {};
}

/** Marshal a property map to the `google.protobuf.Struct` the analyzer receives; `where` names it in errors. */
export function marshalMap(properties: Record<string, unknown>, where: string): structProto.Struct {
  return structProto.Struct.fromJavaScript(marshalFields(properties, where));
}

/** Marshal a resource's inputs (what Analyze sees) to the Struct the analyzer receives. */
export function marshalProperties(resource: RecordedResource): structProto.Struct {
  return marshalMap(resource.inputs, `${resource.urn} inputs`);
}

/** Marshal a resource's outputs (what AnalyzeStack sees; the inputs when none are recorded). */
export function marshalOutputs(resource: RecordedResource): structProto.Struct {
  return marshalMap(resource.outputs ?? resource.inputs, `${resource.urn} outputs`);
}

/** A provider as analyzers see it: its URN, type, name and inputs. */
export interface ProviderRecord {
  /** Provider URN. */
  urn: string;
  /** Provider type (`pulumi:providers:github`). */
  type: string;
  /** Provider name (last URN segment). */
  name: string;
  /** Provider inputs in wire form; empty when the provider was not recorded (a default provider). */
  inputs: Record<string, unknown>;
}

/** Split a URN into its stack, project, qualified type and name; undefined if it is not one. */
export function parseUrn(urn: string): { stack: string; project: string; qualifiedType: string; type: string; name: string } | undefined {
  const match = /^urn:pulumi:([^:]*)::([^:]*)::(.*?)::(.*)$/s.exec(urn);
  if (!match) return undefined;
  const [, stack, project, qualifiedType, name] = match;
  const segments = qualifiedType.split("$");
  return { stack, project, qualifiedType, type: segments[segments.length - 1], name };
}

/**
 * Resolve a provider reference (`<provider urn>::<id>`) against the providers known for the stack.
 * An unrecorded provider (the engine's default provider) is described from its URN alone.
 */
export function resolveProvider(reference: string | undefined, providers: ReadonlyMap<string, ProviderRecord>): ProviderRecord | undefined {
  if (reference === undefined || reference === "") return undefined;
  const separator = reference.lastIndexOf("::");
  const urn = separator > 0 ? reference.slice(0, separator) : reference;
  const known = providers.get(urn);
  if (known) return known;
  const parsed = parseUrn(urn);
  if (!parsed) return undefined;
  return { urn, type: parsed.type, name: parsed.name, inputs: {} };
}

/** The options analyzers receive (AnalyzerResourceOptions), as the engine marshals them. */
export function resourceOptions(resource: RecordedResource): analyzerProto.AnalyzerResourceOptions {
  const options = new analyzerProto.AnalyzerResourceOptions();
  options.setProtect(resource.protect);
  options.setIgnorechangesList(resource.ignoreChanges);
  options.setAliasesList(resource.aliases);
  // A pointer in the engine: set or not, and when set, its value.
  options.setDeletebeforereplace(resource.deleteBeforeReplace === true);
  options.setDeletebeforereplacedefined(resource.deleteBeforeReplace !== undefined);
  options.setAdditionalsecretoutputsList(resource.additionalSecretOutputs);
  const timeouts = new analyzerProto.AnalyzerResourceOptions.CustomTimeouts();
  timeouts.setCreate(resource.customTimeouts.create);
  timeouts.setUpdate(resource.customTimeouts.update);
  timeouts.setDelete(resource.customTimeouts.delete);
  options.setCustomtimeouts(timeouts);
  options.setParent(resource.parent ?? "");
  // retainOnDelete has no field in AnalyzerResourceOptions: analyzers never see it.
  return options;
}

/**
 * Provider messages built so far: every resource of a provider carries the same one, twice (in
 * Analyze and in AnalyzeStack), and its message is only ever serialised, never changed.
 */
const providerMessages = new WeakMap<ProviderRecord, analyzerProto.AnalyzerProviderResource>();

function providerMessage(provider: ProviderRecord): analyzerProto.AnalyzerProviderResource {
  let message = providerMessages.get(provider);
  if (message === undefined) {
    message = newProviderMessage(provider);
    providerMessages.set(provider, message);
  }
  return message;
}

function newProviderMessage(provider: ProviderRecord): analyzerProto.AnalyzerProviderResource {
  const message = new analyzerProto.AnalyzerProviderResource();
  message.setUrn(provider.urn);
  message.setType(provider.type);
  message.setName(provider.name);
  message.setProperties(marshalMap(provider.inputs, `${provider.urn} inputs`));
  return message;
}

/** An AnalyzeRequest's fields but its type (1) and properties (2). */
function analyzeRequestRest(resource: RecordedResource, providers: ReadonlyMap<string, ProviderRecord>): analyzerProto.AnalyzeRequest {
  const request = new analyzerProto.AnalyzeRequest();
  request.setUrn(resource.urn);
  request.setName(resource.name);
  request.setOptions(resourceOptions(resource));
  const provider = resolveProvider(resource.provider, providers);
  if (provider) request.setProvider(providerMessage(provider));
  return request;
}

/** The AnalyzeRequest the engine sends for one resource registration. */
export function analyzeRequest(
  resource: RecordedResource,
  providers: ReadonlyMap<string, ProviderRecord>,
  properties?: structProto.Struct,
): analyzerProto.AnalyzeRequest {
  const request = analyzeRequestRest(resource, providers);
  request.setType(resource.type);
  request.setProperties(properties ?? marshalProperties(resource));
  return request;
}

/** `analyzeRequest(resource, providers).serializeBinary()`, its inputs encoded without the Struct tree. */
export function encodeAnalyzeRequest(resource: RecordedResource, providers: ReadonlyMap<string, ProviderRecord>): Buffer {
  const properties = encodeStruct(marshalFields(resource.inputs, `${resource.urn} inputs`));
  return withLeadingFields(resource.type, properties, analyzeRequestRest(resource, providers).serializeBinary());
}

/** An AnalyzerResource's fields but its type (1) and properties (2). */
function analyzerResourceRest(resource: RecordedResource, providers: ReadonlyMap<string, ProviderRecord>): analyzerProto.AnalyzerResource {
  const message = new analyzerProto.AnalyzerResource();
  message.setUrn(resource.urn);
  message.setName(resource.name);
  message.setOptions(resourceOptions(resource));
  const provider = resolveProvider(resource.provider, providers);
  if (provider) message.setProvider(providerMessage(provider));
  message.setParent(resource.parent ?? "");
  message.setDependenciesList(resource.dependencies);
  const dependencies = message.getPropertydependenciesMap();
  for (const [property, urns] of Object.entries(resource.propertyDependencies)) {
    // The engine skips properties without dependencies.
    if (urns.length === 0) continue;
    dependencies.set(property, new analyzerProto.AnalyzerPropertyDependencies().setUrnsList(urns));
  }
  return message;
}

/** The AnalyzerResource the engine sends in AnalyzeStack for one resource: its outputs, its dependencies. */
export function analyzerResource(
  resource: RecordedResource,
  providers: ReadonlyMap<string, ProviderRecord>,
  properties?: structProto.Struct,
): analyzerProto.AnalyzerResource {
  const message = analyzerResourceRest(resource, providers);
  message.setType(resource.type);
  message.setProperties(properties ?? marshalOutputs(resource));
  return message;
}

/** `analyzerResource(resource, providers).serializeBinary()`, its outputs encoded without the Struct tree. */
export function encodeAnalyzerResource(resource: RecordedResource, providers: ReadonlyMap<string, ProviderRecord>): Buffer {
  const properties = encodeStruct(marshalFields(resource.outputs ?? resource.inputs, `${resource.urn} outputs`));
  return withLeadingFields(resource.type, properties, analyzerResourceRest(resource, providers).serializeBinary());
}

/** A protobuf varint. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value % 0x80) | 0x80);
    value = Math.floor(value / 0x80);
  }
  bytes.push(value);
  return bytes;
}

/**
 * The AnalyzeStack request, encoded one resource at a time: byte for byte what
 * `AnalyzeStackRequest.serializeBinary()` gives (field 1, `resources`, repeated), without ever
 * holding every resource's message tree at once, the largest thing a gate of thousands of
 * resources would otherwise hold.
 */
export function encodeAnalyzeStackRequest(resources: Iterable<analyzerProto.AnalyzerResource | Uint8Array>): Buffer {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (const resource of resources) {
    // A resource already encoded (the gate encodes each as it is judged) is taken as it is.
    const bytes = resource instanceof Uint8Array ? resource : resource.serializeBinary();
    // Field 1, wire type 2 (length-delimited), then the length.
    const header = Uint8Array.from([(1 << 3) | 2, ...varint(bytes.length)]);
    chunks.push(header, bytes);
    size += header.length + bytes.length;
  }
  return Buffer.concat(chunks, size);
}
