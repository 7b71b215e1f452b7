/**
 * Analyzer requests as plain JSON: how the recording analyzer writes down what the engine sends,
 * and how the tests hold the offline gate's requests next to them.
 */
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";

/** One recorded request, in the order the engine sent it. */
export type RecordedRequest =
  | { call: "analyze"; resource: RecordedAnalyzerResource }
  | { call: "analyzeStack"; resources: RecordedAnalyzerResource[] }
  | { call: "configureStack"; stack: string; project: string; dryRun: boolean };

/** A resource as an analyzer request carries it, as plain JSON. */
export interface RecordedAnalyzerResource {
  urn: string;
  type: string;
  name: string;
  properties: Record<string, unknown>;
  options?: Record<string, unknown>;
  provider?: { urn: string; type: string; name: string; properties: Record<string, unknown> };
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
}

function optionsOf(message: analyzerProto.AnalyzerResourceOptions | undefined): Record<string, unknown> | undefined {
  if (!message) return undefined;
  const timeouts = message.getCustomtimeouts();
  return {
    protect: message.getProtect(),
    ignoreChanges: message.getIgnorechangesList(),
    deleteBeforeReplace: message.getDeletebeforereplace(),
    deleteBeforeReplaceDefined: message.getDeletebeforereplacedefined(),
    additionalSecretOutputs: message.getAdditionalsecretoutputsList(),
    aliases: message.getAliasesList(),
    customTimeouts: timeouts ? { create: timeouts.getCreate(), update: timeouts.getUpdate(), delete: timeouts.getDelete() } : undefined,
    parent: message.getParent(),
  };
}

function providerOf(message: analyzerProto.AnalyzerProviderResource | undefined): RecordedAnalyzerResource["provider"] {
  if (!message) return undefined;
  return {
    urn: message.getUrn(),
    type: message.getType(),
    name: message.getName(),
    properties: (message.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
  };
}

export function resourceOf(message: analyzerProto.AnalyzeRequest | analyzerProto.AnalyzerResource): RecordedAnalyzerResource {
  const recorded: RecordedAnalyzerResource = {
    urn: message.getUrn(),
    type: message.getType(),
    name: message.getName(),
    properties: (message.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
    options: optionsOf(message.getOptions()),
    provider: providerOf(message.getProvider()),
  };
  if (message instanceof analyzerProto.AnalyzerResource) {
    recorded.parent = message.getParent();
    recorded.dependencies = message.getDependenciesList();
    const dependencies: Record<string, string[]> = {};
    message.getPropertydependenciesMap().forEach((entry, key) => {
      dependencies[key] = entry.getUrnsList();
    });
    recorded.propertyDependencies = dependencies;
  }
  return recorded;
}
