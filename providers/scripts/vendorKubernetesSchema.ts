/**
 * Vendors the subset of the real Kubernetes provider schema that Slipway's stand-ins need.
 *
 * The full schema (7.4 MB) ships in the provider's Go module at
 * `cmd/pulumi-resource-kubernetes/schema.json`. This script keeps every resource of the groups
 * core/v1, apps/v1, batch/v1, policy/v1 and networking.k8s.io/v1 (including their `List` and
 * `Patch` variants), the provider's configuration, and every type those reach, transitively.
 * Everything else of the schema's top level (name, language sections, config) is kept as is.
 *
 * Usage (from the repository root):
 *
 *   node --require tsx/cjs providers/scripts/vendorKubernetesSchema.ts [--schema PATH] [--out PATH]
 *
 * Without `--schema` it runs `go mod download -json <module>@<version>` (the Go module proxy) and
 * reads the schema from the module's directory. The output is deterministic (keys sorted), so a
 * re-run on the same module version produces the same file.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type PackageSchema, type PropertySpec, type ResourceSpec, SCHEMA_DIR, SCHEMA_FILES, type TypeSpec, refToken } from "../schema";

/** The Go module (and pseudo-version) the schema is taken from. */
export const KUBERNETES_MODULE = "github.com/pulumi/pulumi-kubernetes/provider/v4";
/** Pseudo-version of the module (commit f47bc2d6f199, 2026-01-15). */
export const KUBERNETES_MODULE_VERSION = "v4.0.0-20260115033456-f47bc2d6f199";
/** Path of the schema inside the module. */
export const SCHEMA_PATH_IN_MODULE = "cmd/pulumi-resource-kubernetes/schema.json";

/** Resource tokens kept: every kind of these API groups. */
export const KEPT_RESOURCES = /^kubernetes:(core|apps|batch|policy|networking\.k8s\.io)\/v1:[A-Za-z]+$/;

/** Type tokens a property spec refers to, directly. */
function refsOf(spec: PropertySpec | undefined, into: string[]): void {
  if (!spec) return;
  if (typeof spec.$ref === "string") {
    const token = refToken(spec.$ref);
    if (token) into.push(token);
  }
  refsOf(spec.items, into);
  refsOf(spec.additionalProperties, into);
  for (const alternative of spec.oneOf ?? []) refsOf(alternative, into);
}

/** Type tokens a map of properties refers to. */
function refsOfProperties(properties: Record<string, PropertySpec> | undefined, into: string[]): void {
  for (const spec of Object.values(properties ?? {})) refsOf(spec, into);
}

/** Type tokens a resource (or the provider) refers to through its inputs, outputs and state. */
function refsOfResource(resource: ResourceSpec & { stateInputs?: { properties?: Record<string, PropertySpec> } }, into: string[]): void {
  refsOfProperties(resource.properties, into);
  refsOfProperties(resource.inputProperties, into);
  refsOfProperties(resource.stateInputs?.properties, into);
}

/** The same object with its keys sorted, so the vendored file is stable across runs. */
function sortedKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(
    Object.keys(record)
      .sort()
      .map((key) => [key, record[key]]),
  );
}

/** The subset of `full` described in this file's header. */
export function subsetSchema(full: PackageSchema): PackageSchema {
  const resources: Record<string, ResourceSpec> = {};
  for (const [token, resource] of Object.entries(full.resources)) {
    if (KEPT_RESOURCES.test(token)) resources[token] = resource;
  }

  // Walk the type graph from the kept resources, the provider and the config variables.
  const pending: string[] = [];
  for (const resource of Object.values(resources)) refsOfResource(resource, pending);
  if (full.provider) refsOfResource(full.provider, pending);
  refsOfProperties(full.config?.variables, pending);

  const types: Record<string, TypeSpec> = {};
  while (pending.length > 0) {
    const token = pending.pop() as string;
    if (types[token]) continue;
    const type = full.types?.[token];
    if (!type) throw new Error(`schema refers to type ${token}, which it does not define`);
    types[token] = type;
    refsOfProperties(type.properties, pending);
  }

  const subset: PackageSchema = { ...full, resources: sortedKeys(resources), types: sortedKeys(types) };
  // The subset has no functions: the Kubernetes provider defines none Slipway calls.
  delete subset.functions;
  return subset;
}

/** Where `go mod download` put the module, downloading it through the Go module proxy if needed. */
function moduleDir(): string {
  // Run outside any Go module (an empty directory): the repository's own files stay untouched.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "vendor-k8s-"));
  try {
    const output = execFileSync("go", ["mod", "download", "-json", `${KUBERNETES_MODULE}@${KUBERNETES_MODULE_VERSION}`], {
      encoding: "utf8",
      cwd: scratch,
    });
    const info = JSON.parse(output) as { Dir?: string; Error?: string };
    if (!info.Dir) throw new Error(`go mod download failed: ${info.Error ?? output}`);
    return info.Dir;
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

function main(argv: string[]): void {
  const option = (name: string): string | undefined => {
    const index = argv.indexOf(name);
    return index >= 0 ? argv[index + 1] : undefined;
  };
  const source = option("--schema") ?? path.join(moduleDir(), SCHEMA_PATH_IN_MODULE);
  const out = option("--out") ?? path.join(SCHEMA_DIR, SCHEMA_FILES.kubernetes);
  const full = JSON.parse(fs.readFileSync(source, "utf8")) as PackageSchema;
  const subset = subsetSchema(full);
  fs.writeFileSync(out, `${JSON.stringify(subset, null, 2)}\n`);
  console.log(
    `${out}: ${Object.keys(subset.resources).length} of ${Object.keys(full.resources).length} resources, ` +
      `${Object.keys(subset.types ?? {}).length} of ${Object.keys(full.types ?? {}).length} types (from ${source})`,
  );
}

if (require.main === module) main(process.argv.slice(2));
