/**
 * A pure model of what the real provider plugins do with a resource's properties, driven by their
 * vendored Pulumi package schemas (`providers/schemas/`).
 *
 * Two users share it:
 * - the stand-in provider plugins (`engine/standins/`), which the real Pulumi engine drives over
 *   gRPC when it previews and deploys Slipway without network or credentials;
 * - the offline gate, which must predict what the engine will hand the policy pack: inputs after
 *   the provider's Check, outputs after Create (unknown during preview).
 *
 * Every function takes and returns property maps in Pulumi's wire form (see `wire.ts`): secrets
 * stay wrapped and unknowns stay unknown, exactly as the engine sends them.
 */
import * as crypto from "node:crypto";
import { type PackageSchema, type PropertySpec, type ResourceSpec, type FunctionSpec, loadSchema, isPackageName, PACKAGES } from "./schema";
import { synthesize, stableUuid, digest, stableInteger } from "./synth";
import { type CheckFailure, validateProperties, validateValue } from "./validate";
import {
  UNKNOWN_VALUE,
  type WireMap,
  clone,
  containsUnknown,
  deepEqual,
  getPath,
  isSecret,
  isUnknown,
  reveal,
  secret,
  setPath,
  unwrap,
} from "./wire";

export type { CheckFailure } from "./validate";

/** What Check answers: the inputs the engine will use, and what it refused. */
export interface CheckResult {
  /** The checked inputs (the news, with the provider's defaults filled in). */
  inputs: WireMap;
  /** Properties refused; empty when the inputs are valid. */
  failures: CheckFailure[];
}

/** What the engine tells Check besides the new inputs. */
export interface CheckOptions {
  /** The resource's URN (its last segment is the resource name, used for autonaming). */
  urn?: string;
  /** The resource name, when no URN is at hand. */
  name?: string;
  /** The engine's random seed for this resource (autonaming is derived from it). */
  randomSeed?: Uint8Array | string;
  /** The resource's previous inputs, if it exists already (an autoname is kept). */
  olds?: WireMap;
}

/** How one top-level property changes, as a DiffResponse's detailedDiff reports it. */
export type DiffKind = "add" | "add-replace" | "delete" | "delete-replace" | "update" | "update-replace";

/** What Diff answers. */
export interface DiffResult {
  /** Whether anything changes. */
  changes: boolean;
  /** Top-level keys that change. */
  diffs: string[];
  /** Top-level keys whose change replaces the resource. */
  replaces: string[];
  /** Each changed key and how. */
  detailedDiff: Record<string, DiffKind>;
  /** Whether the old resource must go before the new one is created (a fixed name cannot exist twice). */
  deleteBeforeReplace: boolean;
}

/** Options of a diff. */
export interface DiffOptions {
  /** `ignoreChanges` paths: their old values are kept. */
  ignoreChanges?: string[];
  /** The provider's configuration (Kubernetes' enableConfigMapMutable / enableSecretMutable). */
  providerConfig?: WireMap;
  /** Environment to read provider settings from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

/** A created resource: its id and output properties. */
export interface CreateResult {
  /** Provider-assigned id. */
  id: string;
  /** Output properties. */
  outputs: WireMap;
}

/** The resource spec of `type`, or undefined when the package has no such resource. */
export function resourceSpec(pkg: string, type: string): ResourceSpec | undefined {
  if (!isPackageName(pkg)) return undefined;
  return loadSchema(pkg).resources[type];
}

/** The function spec of `token`, or undefined. */
export function functionSpec(pkg: string, token: string): FunctionSpec | undefined {
  if (!isPackageName(pkg)) return undefined;
  return loadSchema(pkg).functions?.[token];
}

/** The short name of a token (`RepositoryRuleset` of `github:index/repositoryRuleset:RepositoryRuleset`). */
function labelOf(token: string): string {
  return token.split(":").pop() as string;
}

/** The name segment of a URN (`urn:pulumi:stack::project::type::name` → name). */
export function nameFromUrn(urn: string): string {
  const parts = urn.split("::");
  return parts[parts.length - 1];
}

/** A failure for a package or type the stand-ins do not know, as the real plugins refuse them. */
function unknownTypeFailure(pkg: string, type: string): CheckFailure {
  const known = isPackageName(pkg) ? "" : ` (no schema for package '${pkg}'; known: ${PACKAGES.join(", ")})`;
  return { property: "", reason: `unrecognized resource type (Check): ${type}${known}` };
}

/**
 * What the real provider's Check does with a resource's new inputs: refuses unknown properties
 * (at any depth), missing required inputs, values outside an enum or an enforced list of allowed
 * values, and obviously wrong primitives; never judges an unknown value; looks through secrets.
 *
 * The inputs come back unchanged, except for Kubernetes, which fills in `apiVersion` and `kind`
 * and autonames a resource without `metadata.name` as `<resource name>-<8 hex>` (derived from
 * the engine's random seed; an existing autoname is kept), annotated `pulumi.com/autonamed`.
 * An unknown resource type is a failure, not an exception.
 */
export function check(pkg: string, type: string, news: WireMap, options: CheckOptions = {}): CheckResult {
  const resource = resourceSpec(pkg, type);
  if (!resource) return { inputs: clone(news), failures: [unknownTypeFailure(pkg, type)] };
  const schema = loadSchema(pkg);
  const inputs = clone(news);
  if (pkg === "kubernetes") applyKubernetesDefaults(resource, type, inputs, options);
  // Messages name the resource the way the bridge does: by its name, else by its type.
  const label = options.name ?? (options.urn ? nameFromUrn(options.urn) : labelOf(type));
  const failures = validateProperties(pkg, schema, type, label, resource.inputProperties ?? {}, resource.requiredInputs ?? [], inputs);
  return { inputs, failures };
}

/** The annotation the Kubernetes provider puts on objects it named itself. */
export const AUTONAMED_ANNOTATION = "pulumi.com/autonamed";

/** Kubernetes' Check defaults: apiVersion, kind, and an autoname. Mutates `inputs`. */
function applyKubernetesDefaults(resource: ResourceSpec, type: string, inputs: WireMap, options: CheckOptions): void {
  for (const key of ["apiVersion", "kind"]) {
    const constant = resource.inputProperties?.[key]?.const;
    if (inputs[key] === undefined && constant !== undefined) inputs[key] = constant;
  }
  // Lists are not objects with a name; patches must name what they patch.
  if (/(List|Patch)$/.test(type) || !resource.inputProperties?.metadata) return;
  if (isUnknown(inputs.metadata)) return;
  if (inputs.metadata === undefined || inputs.metadata === null) inputs.metadata = {};
  const metadata = unwrap(inputs.metadata) as WireMap;
  if (metadata === null || typeof metadata !== "object" || metadata.name !== undefined || metadata.generateName !== undefined) return;

  const oldMetadata = unwrap(options.olds?.metadata) as WireMap | undefined;
  const oldAnnotations = unwrap(oldMetadata?.annotations) as WireMap | undefined;
  const name = options.name ?? (options.urn ? nameFromUrn(options.urn) : type);
  if (oldMetadata && typeof oldMetadata.name === "string" && unwrap(oldAnnotations?.[AUTONAMED_ANNOTATION]) === "true") {
    metadata.name = oldMetadata.name; // an autoname sticks for the life of the resource
  } else {
    const seed = options.randomSeed === undefined ? "" : Buffer.from(options.randomSeed as Uint8Array).toString("hex");
    metadata.name = `${name}-${crypto.createHash("sha256").update(`${seed}\u0000${name}`).digest("hex").slice(0, 8)}`;
  }
  if (isUnknown(metadata.annotations)) return;
  const annotations = (unwrap(metadata.annotations) as WireMap | undefined) ?? {};
  annotations[AUTONAMED_ANNOTATION] = "true";
  if (metadata.annotations === undefined) metadata.annotations = annotations;
}

/** Wrap as secrets the values of properties the schema marks secret. Mutates and returns `outputs`. */
function markSecrets(resource: ResourceSpec, outputs: WireMap): WireMap {
  for (const [key, value] of Object.entries(outputs)) {
    if (value === undefined || value === null || isSecret(value)) continue;
    if (resource.properties?.[key]?.secret || resource.inputProperties?.[key]?.secret) outputs[key] = secret(value);
  }
  return outputs;
}

/** Properties a resource outputs but does not take as inputs (computed by the provider). */
export function outputOnlyProperties(resource: ResourceSpec): [string, PropertySpec][] {
  return Object.entries(resource.properties ?? {}).filter(([key]) => !resource.inputProperties?.[key]);
}

/**
 * The outputs a resource shows during preview: its inputs, plus every output-only property as
 * unknown (the provider computes it at Create); secret properties wrapped as secrets (a secret
 * output-only property is a secret unknown).
 *
 * For the preview of an update, pass the resource's current outputs as `olds`: computed
 * properties it already has keep their known values, as a provider's plan keeps them.
 */
export function previewOutputs(pkg: string, type: string, inputs: WireMap, olds?: WireMap): WireMap {
  const resource = resourceSpec(pkg, type);
  const outputs = clone(inputs);
  if (!resource) return outputs;
  for (const [key] of outputOnlyProperties(resource)) {
    if (outputs[key] !== undefined) continue;
    const old = olds?.[key];
    outputs[key] = old !== undefined && old !== null ? clone(old) : UNKNOWN_VALUE;
  }
  return markSecrets(resource, outputs);
}

/**
 * The outputs after Create: the inputs, plus deterministic values for output-only properties
 * (derived from a hash of the URN, the inputs and the property name, of the schema's type), secret
 * properties wrapped, and a deterministic id. `olds` (previous outputs, on Update) win over new
 * values, so computed properties stay stable across updates.
 */
export function createOutputs(pkg: string, type: string, urn: string, inputs: WireMap, olds?: WireMap): CreateResult {
  const resource = resourceSpec(pkg, type);
  const outputs = clone(inputs);
  // What the real API would hand a new object is seeded with its inputs too: a replacement (a
  // Vercel deployment of another commit, a Heroku release of another slug) is a new object with
  // a new id and URL, as the real provider reports it; the same inputs give the same values.
  const revealed = reveal(inputs) as WireMap;
  const seed = `${urn}\u0000${canonicalJson(revealed)}`;
  if (!resource) return { id: stableUuid(seed, "id"), outputs };
  const schema = loadSchema(pkg);
  const computed = COMPUTED[type]?.(revealed, seed) ?? {};
  for (const [key, spec] of outputOnlyProperties(resource)) {
    if (outputs[key] !== undefined && !isUnknown(outputs[key])) continue;
    const old = olds?.[key];
    outputs[key] =
      old !== undefined && !isUnknown(old) ? clone(old) : key in computed ? computed[key] : synthesize(schema, spec, seed, key);
  }
  return { id: resourceId(pkg, seed, inputs), outputs: markSecrets(resource, outputs) };
}

/** JSON with object keys sorted: the engine sends a map's keys in no fixed order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === "object" && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

/** A resource's id: Kubernetes names objects `<namespace>/<name>`; other providers get a UUID derived from `seed` (URN and inputs). */
function resourceId(pkg: string, seed: string, inputs: WireMap): string {
  if (pkg === "kubernetes") {
    const name = reveal(getPath(inputs, "metadata.name"));
    const namespace = reveal(getPath(inputs, "metadata.namespace"));
    if (typeof name === "string") return typeof namespace === "string" && namespace !== "" ? `${namespace}/${name}` : name;
  }
  return stableUuid(seed, "id");
}

/** Computed outputs whose value depends on the inputs, where a generic stand-in would mislead (`seed`: URN and inputs). */
const COMPUTED: Record<string, (inputs: WireMap, seed: string) => WireMap> = {
  "random:index/randomPassword:RandomPassword": (inputs, seed) => ({
    result: randomString(inputs, seed),
    bcryptHash: `$2a$10$${digest(seed, "bcryptHash", 53)}`,
  }),
  "random:index/randomString:RandomString": (inputs, seed) => ({ result: randomString(inputs, seed) }),
  "random:index/randomInteger:RandomInteger": (inputs, seed) => {
    const min = Number(inputs.min ?? 0);
    const max = Number(inputs.max ?? min);
    return { result: min + (stableInteger(seed, "result") % (max - min + 1)) };
  },
};

/** A string of `length` characters from the character classes random's inputs allow, stable per seed. */
function randomString(inputs: WireMap, seed: string): string {
  const length = Math.max(0, Math.floor(Number(inputs.length ?? 16)));
  let charset = "";
  if (inputs.upper !== false) charset += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (inputs.lower !== false) charset += "abcdefghijklmnopqrstuvwxyz";
  if (inputs.numeric !== false && inputs.number !== false) charset += "0123456789";
  if (inputs.special !== false) charset += typeof inputs.overrideSpecial === "string" ? inputs.overrideSpecial : "!@#$%&*()-_=+[]{}<>:?";
  if (charset === "") charset = "abcdefghijklmnopqrstuvwxyz";
  let out = "";
  for (let block = 0; out.length < length; block++) {
    const bytes = crypto.createHash("sha256").update(`${seed}\u0000result\u0000${block}`).digest();
    for (const byte of bytes) {
      if (out.length >= length) break;
      out += charset[byte % charset.length];
    }
  }
  return out;
}

/** Whether a Kubernetes provider flag is on, from the provider config or its environment variable. */
function kubernetesFlag(config: WireMap | undefined, key: string, envVar: string, env: NodeJS.ProcessEnv): boolean {
  const value = reveal(config?.[key]);
  if (value !== undefined && value !== null) return value === true || value === "true";
  return env[envVar] === "true";
}

/**
 * Whether changing `key` replaces a Kubernetes object rather than updating it in place, following
 * the Kubernetes provider: a Job's spec is immutable; renaming or moving an object (metadata.name
 * or namespace) makes a new one; ConfigMaps and Secrets are immutable unless the provider enables
 * mutation (enableConfigMapMutable / enableSecretMutable); a workload's selector is immutable.
 */
function kubernetesReplaces(type: string, key: string, olds: WireMap, news: WireMap, options: DiffOptions): boolean {
  const env = options.env ?? process.env;
  const kind = labelOf(type);
  const changed = (path: string) =>
    containsUnknown(getPath(news, path)) || !deepEqual(reveal(getPath(olds, path)), reveal(getPath(news, path)));
  if (key === "metadata") return changed("metadata.name") || changed("metadata.namespace");
  if (type === "kubernetes:batch/v1:Job" && key === "spec") return true;
  if (type === "kubernetes:core/v1:ConfigMap" && ["data", "binaryData", "immutable"].includes(key)) {
    return !kubernetesFlag(options.providerConfig, "enableConfigMapMutable", "PULUMI_K8S_ENABLE_CONFIGMAP_MUTABLE", env);
  }
  if (type === "kubernetes:core/v1:Secret" && ["data", "stringData", "type", "immutable"].includes(key)) {
    return !kubernetesFlag(options.providerConfig, "enableSecretMutable", "PULUMI_K8S_ENABLE_SECRET_MUTABLE", env);
  }
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"].includes(kind) && key === "spec") return changed("spec.selector");
  return false;
}

/**
 * Replacements the derived schemas cannot carry (the SDK does not say `replaceOnChanges`; the
 * bridged Terraform provider plans them with `RequiresReplace`): a Vercel deployment is immutable,
 * every input but `deleteOnDestroy` replaces it (terraform-provider-vercel resource_deployment.go),
 * and an alias has no update: a new deployment id or domain is a new alias.
 */
const REPLACED_ON_CHANGE: Record<string, (key: string) => boolean> = {
  "vercel:index/deployment:Deployment": (key) => key !== "deleteOnDestroy",
  "vercel:index/alias:Alias": () => true,
};

/**
 * What the real provider's Diff answers for old inputs `olds` and new inputs `news`: the changed
 * top-level keys (an unknown new value counts as a change), which of them replace the resource
 * (schema `willReplaceOnChanges`; REPLACED_ON_CHANGE; Kubernetes' own rules, see kubernetesReplaces), and whether a
 * replacement must delete first (a Kubernetes object that keeps its explicit name).
 * Secret-ness alone is no change: providers compare the values.
 */
export function diff(pkg: string, type: string, olds: WireMap, news: WireMap, options: DiffOptions = {}): DiffResult {
  const resource = resourceSpec(pkg, type);
  const effectiveNews = clone(news);
  for (const path of options.ignoreChanges ?? []) setPath(effectiveNews, path, clone(getPath(olds, path)));

  const keys = [...new Set([...Object.keys(olds), ...Object.keys(effectiveNews)])].filter((key) => key !== "__defaults").sort();
  const result: DiffResult = { changes: false, diffs: [], replaces: [], detailedDiff: {}, deleteBeforeReplace: false };
  for (const key of keys) {
    const before = olds[key];
    const after = effectiveNews[key];
    const absentBefore = before === undefined || before === null;
    const absentAfter = after === undefined || after === null;
    const changed = (!absentAfter && containsUnknown(after)) || !deepEqual(reveal(before), reveal(after));
    if (!changed) continue;
    const replaces =
      resource?.inputProperties?.[key]?.willReplaceOnChanges === true ||
      REPLACED_ON_CHANGE[type]?.(key) === true ||
      (pkg === "kubernetes" && kubernetesReplaces(type, key, olds, effectiveNews, options));
    result.diffs.push(key);
    if (replaces) result.replaces.push(key);
    const kind = absentBefore ? "add" : absentAfter ? "delete" : "update";
    result.detailedDiff[key] = (replaces ? `${kind}-replace` : kind) as DiffKind;
  }
  result.changes = result.diffs.length > 0;
  if (pkg === "kubernetes" && result.replaces.length > 0) {
    // Two objects cannot share a name: one the program named must be deleted before its replacement.
    const oldName = reveal(getPath(olds, "metadata.name"));
    const newName = reveal(getPath(effectiveNews, "metadata.name"));
    const autonamed = reveal(getPath(effectiveNews, `metadata.annotations["${AUTONAMED_ANNOTATION}"]`)) === "true";
    result.deleteBeforeReplace = !autonamed && oldName === newName;
  }
  return result;
}

/** Keys the engine puts in a provider's inputs that are not provider configuration. */
const ENGINE_PROVIDER_KEYS = new Set(["version", "pluginDownloadURL", "__internal"]);

/**
 * What the real provider's CheckConfig does with its configuration: refuses keys the provider
 * does not define and values of the wrong type. Stack config reaches providers as strings, so a
 * string is accepted for a non-string property when it parses as JSON of the right type.
 * The engine's own keys (`version`, `pluginDownloadURL`) pass through.
 */
export function checkConfig(pkg: string, inputs: WireMap): CheckResult {
  if (!isPackageName(pkg))
    return { inputs: clone(inputs), failures: [{ property: "", reason: `no schema for provider package '${pkg}'` }] };
  const schema: PackageSchema = loadSchema(pkg);
  const properties = { ...(schema.config?.variables ?? {}), ...(schema.provider?.inputProperties ?? {}) };
  const failures: CheckFailure[] = [];
  for (const [key, value] of Object.entries(inputs)) {
    if (ENGINE_PROVIDER_KEYS.has(key)) continue;
    const spec = properties[key];
    if (!spec) {
      failures.push({
        property: key,
        reason: `could not validate provider configuration: Invalid or unknown key. Check \`pulumi config get ${pkg}:${key}\`.`,
      });
      continue;
    }
    let candidate = unwrap(value);
    if (typeof candidate === "string" && !isUnknown(candidate) && spec.type !== "string") {
      try {
        candidate = JSON.parse(candidate);
      } catch {
        // Not JSON: judged as the string it is.
      }
    }
    for (const failure of validateValue(pkg, schema, "Provider", spec, candidate, key)) {
      failures.push({ property: failure.property, reason: `could not validate provider configuration: ${failure.reason}` });
    }
  }
  for (const key of schema.provider?.requiredInputs ?? []) {
    if (inputs[key] === undefined) failures.push({ property: key, reason: `Missing required configuration key '${pkg}:${key}'` });
  }
  return { inputs: clone(inputs), failures };
}

/** What a data source's real provider refuses in its arguments (same rules as Check). */
export function checkInvokeArgs(pkg: string, token: string, args: WireMap): CheckFailure[] {
  const fn = functionSpec(pkg, token);
  if (!fn) return [{ property: "", reason: `unknown function ${token}` }];
  return validateProperties(pkg, loadSchema(pkg), token, labelOf(token), fn.inputs?.properties ?? {}, fn.inputs?.required ?? [], args);
}

/**
 * A schema-shaped result of the data source `token`: every required output filled with a
 * deterministic value derived from `seed`, then `known` laid over it.
 */
export function invokeResult(pkg: string, token: string, seed: string, known: WireMap): WireMap {
  const fn = functionSpec(pkg, token);
  if (!fn) return clone(known);
  const schema = loadSchema(pkg);
  const result: WireMap = {};
  for (const key of fn.outputs?.required ?? []) {
    const spec = fn.outputs?.properties?.[key];
    if (spec) result[key] = synthesize(schema, spec, seed, key);
  }
  return { ...result, ...clone(known) };
}
