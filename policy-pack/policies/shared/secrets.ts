/**
 * Credential detection, and a walk over string values that does not let preview unknowns pass.
 *
 * The policy SDK hands policies the plaintext of secrets: its deserializer unwraps Pulumi's secret
 * signature before validation (deserialize.js, `proxySecrets` false for Analyze/AnalyzeStack). A
 * policy therefore cannot tell a secret-wrapped input from a plain one, and judges by WHERE a value
 * sits: a credential in a field that is plaintext by nature (a GitHub variable, a config var, a
 * ConfigMap, a non-sensitive env var, a workflow file) is exposed whatever Pulumi's state does.
 * Values are never printed: findings name the key and the kind of credential only.
 */
import { UnknownValueError } from "@pulumi/policy";

/** Value shapes that are credentials whatever their key (well-known token formats). */
const CREDENTIAL_SHAPES: { kind: string; pattern: RegExp }[] = [
  { kind: "a GitHub token", pattern: /\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/ },
  { kind: "an AWS access key id", pattern: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
  { kind: "a Stripe key", pattern: /\b[sr]k_(live|test)_[A-Za-z0-9]{16,}/ },
  { kind: "a Slack token", pattern: /\bxox[abprs]-[A-Za-z0-9-]{10,}/ },
  { kind: "an npm token", pattern: /\bnpm_[A-Za-z0-9]{36}\b/ },
  { kind: "a GitLab token", pattern: /\bglpat-[A-Za-z0-9_-]{20,}/ },
  { kind: "a SendGrid key", pattern: /\bSG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/ },
  { kind: "a Google API key", pattern: /\bAIza[0-9A-Za-z_-]{35}/ },
  { kind: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
  { kind: "a JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/ },
  // `postgres://user:password@host`, but not `postgres://user:${DB_PASSWORD}@host` (a reference).
  { kind: "a URL with an embedded password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:@/]+:(?![$%])[^\s@/]+@/i },
];

/** Key names that say the value is a credential. */
const CREDENTIAL_KEY =
  /(secret|passw(or)?d|passwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential|auth[_-]?key|signing[_-]?key|encryption[_-]?key|\bdsn\b|_dsn$)/i;

/** Key names that mention a credential but name something public about it (`TOKEN_URL`, `SECRET_NAME`, `CLIENT_ID`). */
const NOT_A_CREDENTIAL_KEY =
  /(^|[_-])(url|uri|path|ttl|expiry|expires|expiration|file|name|names|id|header|length|endpoint|issuer|audience|type|ref)$/i;

/** Values that are settings, not secrets: numbers, booleans, credential-free URLs and paths, keywords. */
const SETTING_VALUE =
  /^(true|false|yes|no|on|off|\d+(\.\d+)?[a-z]*|https?:\/\/[^@\s]*|\/[\w/.-]*|read|write|none|inherit|required|optional|enabled|disabled)$/i;

/** References to a secret held elsewhere (`${{ secrets.X }}`, `${X}`, `$(X)`). */
const REFERENCE = /\$\{\{|\$\{[A-Za-z_]|\$\([A-Za-z_]/;

/** What a credential finding says (never the value itself). */
export interface CredentialFinding {
  /** Why the value counts as a credential. */
  reason: string;
}

/** Whether the value under `key` is a plaintext credential; undefined when it is not. */
export function credentialFinding(key: string, value: string, allowedKeys: readonly string[] = []): CredentialFinding | undefined {
  if (allowedKeys.includes(key)) return undefined;
  for (const shape of CREDENTIAL_SHAPES) {
    if (shape.pattern.test(value)) return { reason: `the value looks like ${shape.kind}` };
  }
  const trimmed = value.trim();
  if (
    CREDENTIAL_KEY.test(key) &&
    !NOT_A_CREDENTIAL_KEY.test(key) &&
    trimmed.length >= 6 &&
    !SETTING_VALUE.test(trimmed) &&
    !REFERENCE.test(trimmed)
  ) {
    return { reason: `its name '${key}' says it holds a credential and the value is a literal` };
  }
  return undefined;
}

/** A string found by `walkStrings`, with its path and the key it is the value of. */
export interface FoundString {
  /** Path from the walked root, for messages (`env[0].value`). */
  path: string;
  /** The key naming the value (for `{name, value}` pairs, the `name`). */
  key: string;
  /** The string. */
  value: string;
}

/**
 * Visit every known string under `root`. A value unknown during preview (an id, a computed
 * output, anything built from one) is skipped without being read, so the policy still gives a
 * definite verdict on everything known instead of @pulumi/policy turning the whole policy into a
 * "can't run during preview" advisory. The skipped values are judged where they are known: in
 * `pulumi up`, which analyzes each resource again with its inputs resolved. `onUnknown`, if
 * given, receives the path of each skipped value.
 */
export function walkStrings(root: unknown, visit: (found: FoundString) => void, rootKey = "", onUnknown?: (path: string) => void): void {
  const walk = (node: unknown, path: string, key: string): void => {
    if (typeof node === "string") {
      visit({ path, key, value: node });
      return;
    }
    if (node === null || typeof node !== "object") return;
    const container = node as Record<string, unknown>;
    for (const property of Object.keys(container)) {
      const childPath = Array.isArray(node) ? `${path}[${property}]` : path ? `${path}.${property}` : property;
      let child: unknown;
      try {
        child = container[property];
      } catch (error) {
        if (!(error instanceof UnknownValueError)) throw error;
        onUnknown?.(childPath);
        continue;
      }
      walk(child, childPath, keyOf(container, property, key, Array.isArray(node)));
    }
  };
  walk(root, "", rootKey);
}

/** The key that names a value: the property, or for `{name|key, value}` pairs the pair's name. */
function keyOf(container: Record<string, unknown>, property: string, parentKey: string, inArray: boolean): string {
  if (inArray) return parentKey;
  if (property === "value") {
    for (const nameField of ["name", "key"]) {
      let name: unknown;
      try {
        name = container[nameField];
      } catch {
        continue;
      }
      if (typeof name === "string") return name;
    }
  }
  return property;
}
