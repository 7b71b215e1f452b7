/**
 * The requests the gate sends the policy pack for one stack, built the way the engine builds
 * them (pkg/resource/deploy/step_generator.go): one Analyze per resource, in registration order,
 * with its inputs and its provider; one AnalyzeStack with every resource's outputs, parent,
 * dependencies and property dependencies. The gate judges with exactly these; the engine tests
 * compare them with what the real engine sends.
 */
import type * as structProto from "google-protobuf/google/protobuf/struct_pb";
import type * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import type { RecordedResource, RecordedStack } from "./model";
import { type ProviderRecord, analyzeRequest, analyzerResource, encodeAnalyzerResource } from "./wire";

/** The providers a stack's resources may reference, by URN. */
export function providersOf(recorded: RecordedStack): Map<string, ProviderRecord> {
  const providers = new Map<string, ProviderRecord>();
  for (const resource of recorded.resources) {
    if (resource.type.startsWith("pulumi:providers:")) {
      providers.set(resource.urn, { urn: resource.urn, type: resource.type, name: resource.name, inputs: resource.inputs });
    }
  }
  return providers;
}

/** The Analyze request of every resource, in order. */
export function analyzeRequests(recorded: RecordedStack, providers = providersOf(recorded)): analyzerProto.AnalyzeRequest[] {
  return recorded.resources.map((resource) => analyzeRequest(resource, providers));
}

/**
 * The resources of the AnalyzeStack request. `remediated[i]`, when set, replaces resource i's
 * outputs: a remediation rewrote its inputs, and the engine creates it from those.
 */
export function analyzeStackResources(
  recorded: RecordedStack,
  providers = providersOf(recorded),
  remediated: readonly (structProto.Struct | undefined)[] = [],
): analyzerProto.AnalyzerResource[] {
  return recorded.resources.map((resource, index) => analyzerResource(resource, providers, remediated[index]));
}

/**
 * The same resources one at a time, built as they are taken (see `encodeAnalyzeStackRequest`);
 * `encoded(index, resource)` may hand one over already encoded (the gate encodes each as it judges it).
 */
export function* eachAnalyzeStackResource(
  recorded: RecordedStack,
  providers = providersOf(recorded),
  remediated: readonly (structProto.Struct | undefined)[] = [],
  encoded: (index: number, resource: RecordedResource) => Uint8Array | undefined = () => undefined,
): Generator<analyzerProto.AnalyzerResource | Uint8Array> {
  for (const [index, resource] of recorded.resources.entries()) {
    const rewritten = remediated[index];
    yield encoded(index, resource) ??
      (rewritten === undefined ? encodeAnalyzerResource(resource, providers) : analyzerResource(resource, providers, rewritten));
  }
}
