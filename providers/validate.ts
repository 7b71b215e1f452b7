/**
 * Validation of wire-form property values against a Pulumi package schema: what a real
 * provider's Check refuses before it ever calls a cloud API.
 *
 * - a key the schema does not define (at any depth: named object types are followed through
 *   `$ref`, maps through `additionalProperties`);
 * - a missing required input (`requiredInputs` of a resource, `required` of an object type);
 * - a value outside an enum type, a `const`, or an allowed-values list the provider enforces
 *   although the schema does not say so (`schemas/validators.json`);
 * - an obviously wrong primitive: an object or a list where a scalar belongs, a word where a
 *   number belongs. Scalars that providers coerce (the number 3 for a string, "true" for a
 *   boolean, "42" for an integer) are accepted, as the Terraform bridge accepts them.
 *
 * Unknown values are never judged (during preview the real value is not known yet), secrets are
 * judged by what they hold, resource references stand for the id they resolve to.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type PackageSchema, type PropertySpec, SCHEMA_DIR, refToken, resolveRef } from "./schema";
import {
  ARCHIVE_SIG,
  ASSET_SIG,
  OUTPUT_VALUE_SIG,
  RESOURCE_REF_SIG,
  SECRET_SIG,
  type WireMap,
  deepEqual,
  isUnknown,
  reveal,
  signatureOf,
} from "./wire";

/**
 * One property a provider's Check refused, and why. `property` is the path of the offending
 * value; the reason ends with the bridge's "Examine values at '<name>.<path>'." (On the wire the
 * stand-ins send the reason alone, with an empty property, as the Terraform bridge does.)
 */
export interface CheckFailure {
  /** Path of the property (`rules.pullRequest.foo`, `bypassActors[0].bypassMode`); "" for the whole resource. */
  property: string;
  /** Why it was refused, in the provider's words. */
  reason: string;
}

/** Allowed values of one property, and where that rule comes from. */
interface AllowedValues {
  /** The values. */
  values: string[];
  /** The provider code that enforces them. */
  source: string;
}

/** validators.json: package → resource or type token → property → allowed values. */
type ValidatorFile = Record<string, Record<string, Record<string, AllowedValues>> | string>;

let validatorCache: ValidatorFile | undefined;

/** The allowed-values rules of `schemas/validators.json`, read once. */
export function allowedValuesFile(): ValidatorFile {
  validatorCache ??= JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, "validators.json"), "utf8")) as ValidatorFile;
  return validatorCache;
}

/** The allowed values of `property` of the resource or type `ownerToken`, if a provider enforces some. */
export function allowedValues(pkg: string, ownerToken: string, property: string): string[] | undefined {
  const forPackage = allowedValuesFile()[pkg];
  if (!forPackage || typeof forPackage === "string") return undefined;
  return forPackage[ownerToken]?.[property]?.values;
}

/** Keys providers keep in state that are not schema properties (the bridge's `__defaults`). */
const BOOKKEEPING_KEYS = new Set(["__defaults"]);

/** A plain object in wire form (not a list, not a special value). */
function isPlainObject(value: unknown): value is WireMap {
  return value !== null && typeof value === "object" && !Array.isArray(value) && signatureOf(value) === undefined;
}

/** A short rendering of a value for failure reasons. */
function show(value: unknown): string {
  const text = JSON.stringify(reveal(value));
  return text === undefined ? "undefined" : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Where a failure points, as the Terraform bridge words it (`<resource name>.<property path>`). */
function examine(ctx: Validation, property: string): string {
  return `Examine values at '${ctx.label}.${property}'.`;
}

/** State of one validation run. */
interface Validation {
  /** The package. */
  pkg: string;
  /** Its schema. */
  schema: PackageSchema;
  /** The resource (its name), function or provider being validated, for messages. */
  label: string;
  /** Failures found so far. */
  failures: CheckFailure[];
}

/** Join a parent path and a key. */
function join(parent: string, key: string): string {
  if (parent === "") return key;
  return /^[A-Za-z_$][\w$]*$/.test(key) ? `${parent}.${key}` : `${parent}["${key.replace(/"/g, '\\"')}"]`;
}

/**
 * Validate an object's members against named properties: unknown keys, missing required ones,
 * then each member's value. `ownerToken` names the resource or type (for allowed-values rules).
 */
function checkObject(
  ctx: Validation,
  ownerToken: string,
  properties: Record<string, PropertySpec>,
  required: string[],
  value: WireMap,
  at: string,
): void {
  for (const key of Object.keys(value)) {
    if (BOOKKEEPING_KEYS.has(key) || key in properties) continue;
    const where = join(at, key);
    ctx.failures.push({ property: where, reason: `Invalid or unknown key. ${examine(ctx, where)}` });
  }
  for (const key of required) {
    if (value[key] === undefined || value[key] === null) {
      const where = join(at, key);
      ctx.failures.push({
        property: where,
        reason: `Missing required argument. The argument "${key}" is required, but no definition was found. ${examine(ctx, where)}`,
      });
    }
  }
  for (const [key, spec] of Object.entries(properties)) {
    if (!(key in value)) continue;
    checkValue(ctx, spec, value[key], join(at, key), allowedValues(ctx.pkg, ownerToken, key));
  }
}

/** Validate one value against its property spec. `allowed` lists the values a provider enforces, if any. */
function checkValue(ctx: Validation, spec: PropertySpec, value: unknown, at: string, allowed?: string[]): void {
  if (value === undefined || value === null || isUnknown(value)) return;
  switch (signatureOf(value)) {
    case SECRET_SIG:
      checkValue(ctx, spec, (value as WireMap).value, at, allowed);
      return;
    case OUTPUT_VALUE_SIG:
      if ("value" in (value as WireMap)) checkValue(ctx, spec, (value as WireMap).value, at, allowed);
      return;
    case RESOURCE_REF_SIG:
    case ASSET_SIG:
    case ARCHIVE_SIG:
      // A reference resolves to an id; assets and archives only occur where the schema allows them.
      return;
  }
  const fail = (reason: string) => ctx.failures.push({ property: at, reason: `${reason}. ${examine(ctx, at)}` });

  if (spec.const !== undefined) {
    if (!deepEqual(value, spec.const)) fail(`expected ${JSON.stringify(spec.const)}, got ${show(value)}`);
    return;
  }
  if (spec.oneOf && spec.oneOf.length > 0) {
    // Accepted when any alternative accepts it (Kubernetes' IntOrString, string-or-enum).
    const accepted = spec.oneOf.some((alternative) => {
      const trial: Validation = { ...ctx, failures: [] };
      checkValue(trial, alternative, value, at, allowed);
      return trial.failures.length === 0;
    });
    if (!accepted) fail(`expected one of ${spec.oneOf.map(describeSpec).join(" or ")}, got ${show(value)}`);
    return;
  }
  if (spec.$ref !== undefined) {
    if (spec.$ref.startsWith("pulumi.json#/")) return; // Any, Json, Asset, Archive
    const type = resolveRef(ctx.schema, spec.$ref);
    if (!type) return; // a dangling reference is the schema's problem, not the program's
    if (type.enum) {
      const values = type.enum.map((choice) => choice.value);
      if (!values.some((choice) => deepEqual(choice, value))) fail(`expected one of ${JSON.stringify(values)}, got ${show(value)}`);
      return;
    }
    if (!isPlainObject(value)) {
      fail(`expected an object, got ${show(value)}`);
      return;
    }
    checkObject(ctx, refToken(spec.$ref) as string, type.properties ?? {}, type.required ?? [], value, at);
    return;
  }
  switch (spec.type) {
    case "string":
      if (typeof value === "object") fail(`expected a string, got ${show(value)}`);
      else if (allowed && !allowed.includes(String(value)))
        fail(`expected ${lastSegment(at)} to be one of ${formatChoices(allowed)}, got ${String(value)}`);
      return;
    case "integer":
      if (!(Number.isInteger(value) || (typeof value === "string" && /^[-+]?\d+$/.test(value.trim()))))
        fail(`expected an integer, got ${show(value)}`);
      return;
    case "number":
      if (
        !(
          (typeof value === "number" && Number.isFinite(value)) ||
          (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value)))
        )
      ) {
        fail(`expected a number, got ${show(value)}`);
      }
      return;
    case "boolean":
      if (!(typeof value === "boolean" || value === "true" || value === "false")) fail(`expected a boolean, got ${show(value)}`);
      return;
    case "array":
      if (!Array.isArray(value)) {
        fail(`expected a list, got ${show(value)}`);
        return;
      }
      value.forEach((item, i) => {
        checkValue(ctx, spec.items ?? {}, item, `${at}[${i}]`, allowed);
      });
      return;
    case "object":
      if (!isPlainObject(value)) {
        fail(`expected a map, got ${show(value)}`);
        return;
      }
      for (const [key, inner] of Object.entries(value)) checkValue(ctx, spec.additionalProperties ?? {}, inner, join(at, key));
      return;
    default:
      return;
  }
}

/** The last name of a property path (`bypassMode` of `bypassActors[0].bypassMode`). */
function lastSegment(at: string): string {
  return at
    .replace(/\[\d+\]$/, "")
    .split(".")
    .pop() as string;
}

/** Allowed values the way Terraform's StringInSlice prints them: `["a" "b"]`. */
function formatChoices(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}

/** A property spec in a few words, for messages. */
function describeSpec(spec: PropertySpec): string {
  if (spec.$ref) return refToken(spec.$ref) ?? spec.$ref;
  if (spec.type === "array") return `a list of ${spec.items ? describeSpec(spec.items) : "values"}`;
  return spec.type ?? "a value";
}

/**
 * Failures of `value` (a property map) against `properties`/`required` of the resource, function
 * or provider `ownerToken` of package `pkg`. `label` names it in messages.
 */
export function validateProperties(
  pkg: string,
  schema: PackageSchema,
  ownerToken: string,
  label: string,
  properties: Record<string, PropertySpec>,
  required: string[],
  value: WireMap,
): CheckFailure[] {
  const ctx: Validation = { pkg, schema, label, failures: [] };
  checkObject(ctx, ownerToken, properties, required, value, "");
  return ctx.failures;
}

/** Failures of a single value against a property spec (used for provider config strings). */
export function validateValue(
  pkg: string,
  schema: PackageSchema,
  label: string,
  spec: PropertySpec,
  value: unknown,
  at: string,
): CheckFailure[] {
  const ctx: Validation = { pkg, schema, label, failures: [] };
  checkValue(ctx, spec, value, at);
  return ctx.failures;
}
