/**
 * Deterministic stand-in values for what a real provider computes: output-only properties after
 * Create, resource ids, data-source results. Each value is derived from a hash of a seed (the
 * resource's URN and its inputs at Create) and the property's path, so the same program deployed
 * twice gets the same values, and a re-run `pulumi up` sees no changes.
 *
 * Values have the schema's type: strings, numbers, booleans of the right kind; objects with their
 * required properties filled (recursively); lists and maps empty, which every schema accepts.
 */
import * as crypto from "node:crypto";
import { type PackageSchema, type PropertySpec, resolveRef } from "./schema";

/** A hex digest of `seed` and `name`, as long as asked (up to 64). */
export function digest(seed: string, name: string, length = 64): string {
  return crypto.createHash("sha256").update(`${seed}\u0000${name}`).digest("hex").slice(0, length);
}

/** A UUID-shaped (v4 layout) string derived from `seed` and `name`. */
export function stableUuid(seed: string, name: string): string {
  const hex = digest(seed, name, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

/** A positive integer (1..999999) derived from `seed` and `name`. */
export function stableInteger(seed: string, name: string): number {
  return (parseInt(digest(seed, name, 8), 16) % 999_999) + 1;
}

/** A string for the property `name`, shaped after what its name says it holds. */
function stableString(seed: string, path: string): string {
  const name = path
    .replace(/\[\d+\]/g, "")
    .split(".")
    .pop() as string;
  const hex = digest(seed, path, 12);
  if (/(url|uri|endpoint)$/i.test(name)) return `https://standin-${hex}.invalid/`;
  if (/uuid$/i.test(name)) return stableUuid(seed, path);
  if (/(At|Time|Timestamp|Date)$/.test(name)) {
    // A fixed day plus a hashed number of seconds: a valid RFC 3339 time that never changes.
    return new Date(Date.UTC(2026, 0, 1) + (parseInt(hex.slice(0, 6), 16) % 86_400) * 1000).toISOString().replace(".000Z", "Z");
  }
  if (/hostname$/i.test(name)) return `standin-${hex}.invalid`;
  return `${name}-${hex}`;
}

/**
 * A deterministic value of the shape `spec` describes. `seed` is usually the resource URN and
 * `path` the property path; nested object types are followed up to a small depth.
 */
export function synthesize(schema: PackageSchema, spec: PropertySpec, seed: string, path: string, depth = 0): unknown {
  if (spec.const !== undefined) return spec.const;
  if (spec.oneOf && spec.oneOf.length > 0) return synthesize(schema, spec.oneOf[0], seed, path, depth);
  if (spec.$ref !== undefined) {
    if (spec.$ref.startsWith("pulumi.json#/")) return {};
    const type = resolveRef(schema, spec.$ref);
    if (!type) return {};
    if (type.enum && type.enum.length > 0) return type.enum[0].value;
    const result: Record<string, unknown> = {};
    if (depth < 4) {
      for (const key of type.required ?? []) {
        const inner = type.properties?.[key];
        if (inner) result[key] = synthesize(schema, inner, seed, `${path}.${key}`, depth + 1);
      }
    }
    return result;
  }
  switch (spec.type) {
    case "string":
      return stableString(seed, path);
    case "integer":
    case "number":
      return stableInteger(seed, path);
    case "boolean":
      return parseInt(digest(seed, path, 2), 16) % 2 === 0;
    case "array":
      return [];
    case "object":
      return {};
    default:
      return {};
  }
}
