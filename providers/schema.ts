/**
 * Pulumi package schemas of the providers Slipway uses, vendored under `providers/schemas/`
 * (see its README for where each file comes from), and the few lookups the provider model makes
 * in them.
 *
 * Schemas are read lazily and cached: the GitHub schema alone is 2 MB, and a stand-in plugin only
 * ever needs its own package's.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** A property or type reference, as a Pulumi package schema spells it. */
export interface PropertySpec {
  /** Primitive or container type. */
  type?: "string" | "boolean" | "integer" | "number" | "array" | "object";
  /** `#/types/<token>` for a named type, or `pulumi.json#/Any|Json|Asset|Archive`. */
  $ref?: string;
  /** Element type of an array. */
  items?: PropertySpec;
  /** Value type of a map (an `object` without named properties). */
  additionalProperties?: PropertySpec;
  /** Any one of these shapes is accepted (Kubernetes' IntOrString, string-or-enum). */
  oneOf?: PropertySpec[];
  /** The only value allowed (Kubernetes' `apiVersion` and `kind`). */
  const?: unknown;
  /** Whether the value is a secret. */
  secret?: boolean;
  /** Whether changing this input replaces the resource. */
  willReplaceOnChanges?: boolean;
  /** Default value, when the schema states one. */
  default?: unknown;
  /** Where a default comes from (environment variables). */
  defaultInfo?: { environment?: string[] };
  /** Documentation. */
  description?: string;
  /** Deprecation notice. */
  deprecationMessage?: string;
}

/** A named type: an object with properties, or an enum. */
export interface TypeSpec {
  /** `object` for object types; the enum's underlying primitive for enums. */
  type?: PropertySpec["type"];
  /** Properties of an object type. */
  properties?: Record<string, PropertySpec>;
  /** Properties an object type requires. */
  required?: string[];
  /** Values of an enum type. */
  enum?: { value: unknown; name?: string; description?: string }[];
  /** Documentation. */
  description?: string;
  /** Per-language extras (`nodejs.requiredOutputs`). */
  language?: Record<string, unknown>;
}

/** A resource: its outputs (`properties`) and inputs (`inputProperties`). */
export interface ResourceSpec {
  /** Output properties. */
  properties?: Record<string, PropertySpec>;
  /** Outputs always present once the resource exists. */
  required?: string[];
  /** Input properties. */
  inputProperties?: Record<string, PropertySpec>;
  /** Inputs the provider refuses to go without. */
  requiredInputs?: string[];
  /** Documentation. */
  description?: string;
  /** Whether this is a component (never the case for the packages here). */
  isComponent?: boolean;
}

/** A function (data source). */
export interface FunctionSpec {
  /** Its arguments. */
  inputs?: { properties?: Record<string, PropertySpec>; required?: string[]; type?: string };
  /** What it returns. */
  outputs?: { properties?: Record<string, PropertySpec>; required?: string[]; type?: string };
  /** Documentation. */
  description?: string;
}

/** A Pulumi package schema (the parts read here). */
export interface PackageSchema {
  /** Package name (`github`). */
  name: string;
  /** Package version, when the schema states one. */
  version?: string;
  /** Stack-config variables of the provider. */
  config?: { variables?: Record<string, PropertySpec>; defaults?: string[] };
  /** The provider resource: its configuration inputs. */
  provider?: ResourceSpec;
  /** Resources by type token. */
  resources: Record<string, ResourceSpec>;
  /** Named types by token. */
  types?: Record<string, TypeSpec>;
  /** Functions by token. */
  functions?: Record<string, FunctionSpec>;
  /** Anything else the schema carries (language sections, metadata). */
  [key: string]: unknown;
}

/** The packages Slipway deploys with, and the vendored schema file each is read from. */
export const SCHEMA_FILES = {
  github: "github-6.15.0.json",
  heroku: "heroku-pulumiverse-1.0.4.json",
  postgresql: "postgresql-3.18.0.json",
  kubernetes: "kubernetes-v4.0.0-20260115033456-f47bc2d6f199.subset.json",
  vercel: "vercel-5.4.1.derived.json",
  random: "random-4.21.2.derived.json",
} as const;

/** A package the stand-ins serve. */
export type PackageName = keyof typeof SCHEMA_FILES;

/** Every package with a vendored schema. */
export const PACKAGES = Object.keys(SCHEMA_FILES) as PackageName[];

/** Where the vendored schemas live. */
export const SCHEMA_DIR = path.join(__dirname, "schemas");

const cache = new Map<string, PackageSchema>();

/** Whether `pkg` is one of the packages with a vendored schema. */
export function isPackageName(pkg: string): pkg is PackageName {
  // biome-ignore lint/suspicious/noPrototypeBuiltins: Object.hasOwn is ES2022, past our tsconfig's lib (ES2020)
  return Object.prototype.hasOwnProperty.call(SCHEMA_FILES, pkg);
}

/**
 * The package schema of `pkg`, parsed on first use and cached for the life of the process.
 * Throws for a package without a vendored schema.
 */
export function loadSchema(pkg: string): PackageSchema {
  const cached = cache.get(pkg);
  if (cached) return cached;
  if (!isPackageName(pkg)) throw new Error(`no vendored schema for package '${pkg}' (known: ${PACKAGES.join(", ")})`);
  const schema = JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES[pkg]), "utf8")) as PackageSchema;
  cache.set(pkg, schema);
  return schema;
}

/** The raw text of `pkg`'s vendored schema (what GetSchema answers). */
export function schemaText(pkg: string): string {
  if (!isPackageName(pkg)) throw new Error(`no vendored schema for package '${pkg}'`);
  return fs.readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES[pkg]), "utf8");
}

/** The package part of a type or function token (`github` of `github:index/repository:Repository`). */
export function packageOf(token: string): string {
  return token.split(":")[0];
}

/** The named type a `$ref` points to, or undefined for built-ins (`pulumi.json#/...`) and dangling refs. */
export function resolveRef(schema: PackageSchema, ref: string): TypeSpec | undefined {
  if (!ref.startsWith("#/types/")) return undefined;
  return schema.types?.[decodeURIComponent(ref.slice("#/types/".length))];
}

/** The token of a `#/types/...` reference. */
export function refToken(ref: string): string | undefined {
  return ref.startsWith("#/types/") ? decodeURIComponent(ref.slice("#/types/".length)) : undefined;
}
