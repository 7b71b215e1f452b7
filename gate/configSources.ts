/**
 * The runner's half of the source map: after a program run, the config key every recorded
 * resource was built from, by URN. A resource takes the key of the nearest declared resource at
 * or above it (config/configSource.ts), refined by that declaration for its children.
 */
import type { Output } from "@pulumi/pulumi";
import type { ConfigSource } from "../config/configSource";
import type { RecordedResource } from "./model";

/** An Output's value: the SDK's own (internal) accessor, as the mocks use it. */
function outputValue<T>(output: Output<T>): Promise<T> {
  return (output as unknown as { promise(): Promise<T> }).promise();
}

/** The config key of each resource that has one, by URN. */
export async function resolveConfigSources(
  declarations: readonly ConfigSource[],
  resources: readonly RecordedResource[],
): Promise<Record<string, string>> {
  const declared = new Map<string, ConfigSource>();
  for (const declaration of declarations) declared.set(await outputValue(declaration.resource.urn), declaration);
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const sources: Record<string, string> = {};
  for (const resource of resources) {
    let ancestor: RecordedResource | undefined = resource;
    while (ancestor !== undefined && !declared.has(ancestor.urn))
      ancestor = ancestor.parent === undefined ? undefined : byUrn.get(ancestor.parent);
    if (ancestor === undefined) continue;
    const declaration = declared.get(ancestor.urn)!;
    sources[resource.urn] = (ancestor !== resource ? declaration.childKey?.(resource) : undefined) ?? declaration.key;
  }
  return sources;
}
