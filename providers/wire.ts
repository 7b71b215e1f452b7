/**
 * Property values in Pulumi's wire form: the `google.protobuf.Struct` JSON that the engine and
 * providers exchange. Special values are objects carrying Pulumi's signature key:
 *
 * - a secret is `{ [SIG_KEY]: SECRET_SIG, value }`;
 * - a resource reference, an asset, an archive or an output value carries its own signature;
 * - a value unknown during preview is the string UNKNOWN_VALUE.
 *
 * The provider model only ever reads these values and builds new ones around them: whatever it
 * passes through goes back to the engine byte for byte.
 */
import { ARCHIVE_SIG, ASSET_SIG, OUTPUT_VALUE_SIG, RESOURCE_REFERENCE_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "../gate/sdk";

/**
 * The signatures (gate/sdk.ts): a resource reference is `{sig, urn, id, packageVersion}`, an output
 * value `{sig, value?, secret?, dependencies?}`.
 */
export { ARCHIVE_SIG, ASSET_SIG, OUTPUT_VALUE_SIG, RESOURCE_REFERENCE_SIG as RESOURCE_REF_SIG, SECRET_SIG, SIG_KEY, UNKNOWN_VALUE };

/** A property map in wire form. */
export type WireMap = Record<string, unknown>;

/** The signature of a special value, or undefined for plain values. */
export function signatureOf(value: unknown): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const sig = (value as WireMap)[SIG_KEY];
  return typeof sig === "string" ? sig : undefined;
}

/** Whether `value` is a wrapped secret. */
export function isSecret(value: unknown): value is { value: unknown } {
  return signatureOf(value) === SECRET_SIG;
}

/** Whether `value` is the unknown marker itself. */
export function isUnknown(value: unknown): boolean {
  return value === UNKNOWN_VALUE;
}

/** Wrap `value` as a secret (an already-wrapped secret stays as it is). */
export function secret(value: unknown): WireMap {
  return isSecret(value) ? (value as unknown as WireMap) : { [SIG_KEY]: SECRET_SIG, value };
}

/**
 * `value` with the secret wrapper(s) around it removed, and an output value replaced by what it
 * holds (unknown when it holds nothing). Nested values are left alone.
 */
export function unwrap(value: unknown): unknown {
  let current = value;
  for (;;) {
    const sig = signatureOf(current);
    if (sig === SECRET_SIG) current = (current as WireMap).value;
    else if (sig === OUTPUT_VALUE_SIG) current = "value" in (current as WireMap) ? (current as WireMap).value : UNKNOWN_VALUE;
    else return current;
  }
}

/** `value` with every secret wrapper removed, at every depth (what a provider compares). */
export function reveal(value: unknown): unknown {
  const inner = unwrap(value);
  if (Array.isArray(inner)) return inner.map(reveal);
  if (inner !== null && typeof inner === "object" && signatureOf(inner) === undefined) {
    return Object.fromEntries(Object.entries(inner as WireMap).map(([key, v]) => [key, reveal(v)]));
  }
  return inner;
}

/** Whether `value` is unknown or holds an unknown anywhere inside. */
export function containsUnknown(value: unknown): boolean {
  const inner = unwrap(value);
  if (inner === UNKNOWN_VALUE) return true;
  if (Array.isArray(inner)) return inner.some(containsUnknown);
  if (inner !== null && typeof inner === "object") {
    if (signatureOf(inner) !== undefined) return false;
    return Object.values(inner as WireMap).some(containsUnknown);
  }
  return false;
}

/** Whether `value` is or holds a secret anywhere inside. */
export function containsSecret(value: unknown): boolean {
  if (isSecret(value)) return true;
  if (Array.isArray(value)) return value.some(containsSecret);
  if (value !== null && typeof value === "object" && signatureOf(value) === undefined) {
    return Object.values(value as WireMap).some(containsSecret);
  }
  return false;
}

/** Structural equality of two plain JSON values; `undefined` and `null` count as absent, alike. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === undefined || a === null) return b === undefined || b === null;
  if (b === undefined || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a as WireMap), ...Object.keys(b as WireMap)]);
    return [...keys].every((key) => deepEqual((a as WireMap)[key], (b as WireMap)[key]));
  }
  return a === b;
}

/** A deep copy of a JSON value, dropping `undefined` members (a Struct cannot carry them). */
export function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/**
 * The value at a property path (`a.b[0].c`, `metadata.name`, `a["x.y"]`) of `root`, looking
 * through secrets, or undefined.
 */
export function getPath(root: unknown, pathText: string): unknown {
  let current: unknown = root;
  for (const segment of parsePath(pathText)) {
    current = unwrap(current);
    if (current === null || typeof current !== "object") return undefined;
    current = (current as WireMap)[segment as string];
  }
  return current;
}

/** Segments of a property path: names and array indexes (`a.b[0]["x.y"]` → a, b, 0, x.y). */
export function parsePath(pathText: string): (string | number)[] {
  const segments: (string | number)[] = [];
  const pattern = /([^.[\]"]+)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g;
  for (const match of pathText.matchAll(pattern)) {
    if (match[1] !== undefined) segments.push(match[1]);
    else if (match[2] !== undefined) segments.push(Number(match[2]));
    else segments.push(match[3].replace(/\\(.)/g, "$1"));
  }
  return segments;
}

/** Set (or, with `undefined`, delete) the value at a property path of `root`, creating objects on the way. */
export function setPath(root: WireMap, pathText: string, value: unknown): void {
  const segments = parsePath(pathText);
  let current: unknown = root;
  for (let i = 0; i < segments.length - 1; i++) {
    const container = unwrap(current) as WireMap;
    const key = segments[i] as string;
    if (container[key] === undefined || container[key] === null || typeof unwrap(container[key]) !== "object") {
      if (value === undefined) return;
      container[key] = typeof segments[i + 1] === "number" ? [] : {};
    }
    current = container[key];
  }
  const container = unwrap(current) as WireMap;
  const last = segments[segments.length - 1] as string;
  if (value === undefined) {
    if (Array.isArray(container)) container.splice(Number(last), 1);
    else delete container[last];
  } else container[last] = value;
}
