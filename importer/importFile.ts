/**
 * The `pulumi import --file` document (Pulumi's bulk import format): one entry per resource the
 * program registers that exists today, with its provider id, under the components the program
 * puts it in (entries with `component: true`, which `pulumi import` creates empty). Each entry's
 * `name` is unique in the file (parents are named by it); `logicalName` is the name the program
 * registers, so the first `pulumi up` finds the resources it adopts.
 */
import { PROJECT_NAME } from "../contract";
import type { AdoptedResource } from "./config";

/** One entry of an import file. */
export interface ImportEntry {
  /** Type token. */
  type: string;
  /** Unique key of the entry in this file (`parent` refers to it). */
  name: string;
  /** The resource's name in the program. */
  logicalName: string;
  /** Provider id (custom resources). */
  id?: string;
  /** `name` of the parent entry; absent: the root stack. */
  parent?: string;
  /** A component, created empty by the import. */
  component?: boolean;
  /** Provider plugin version (custom resources): the one the program's SDK uses. */
  version?: string;
}

/** An import file. */
export interface ImportFile {
  /** Names of resources that exist in the stack already, by URN (none: everything is in the file). */
  nameTable: Record<string, string>;
  /** The entries, parents first. */
  resources: ImportEntry[];
}

/** The `@pulumi/github` version the program registers with (its default provider's plugin). */
function githubProviderVersion(): string {
  return (require("@pulumi/github/package.json") as { version: string }).version;
}

/** Build the import file from the adopted resources. */
export function importFile(resources: readonly AdoptedResource[]): ImportFile {
  const keys = resources.map((resource) => `${resource.name} (${resource.type.split(":").pop()})`);
  const version = githubProviderVersion();
  return {
    nameTable: {},
    resources: resources.map((resource, index) => ({
      type: resource.type,
      // The program reuses names across types (a repository and its component): the key adds the type's short name.
      name: keys[index],
      logicalName: resource.name,
      ...(resource.id !== undefined ? { id: resource.id, version } : { component: true }),
      ...(resource.parent !== undefined ? { parent: keys[resource.parent] } : {}),
    })),
  };
}

/** The URN each adopted resource gets in `stack` (the engine's rule: parent types joined by `$`, the root stack left out). */
export function urnsOf(resources: readonly AdoptedResource[], stack: string, project = PROJECT_NAME): string[] {
  const qualified: string[] = [];
  resources.forEach((resource, index) => {
    qualified[index] = resource.parent === undefined ? resource.type : `${qualified[resource.parent]}$${resource.type}`;
  });
  return resources.map((resource, index) => `urn:pulumi:${stack}::${project}::${qualified[index]}::${resource.name}`);
}
