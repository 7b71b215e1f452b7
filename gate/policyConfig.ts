/**
 * Policy configuration, in the file format of `pulumi preview --policy-pack-config`:
 * `{ "<policy>": "mandatory" | "advisory" | "remediate" | "disabled" | { "enforcementLevel"?: ..., ...props } }`,
 * with `"all"` setting the level of every policy.
 *
 * Reconciled like the engine does it (pkg/resource/analyzer ReconcilePolicyPackConfig): schema
 * defaults, then the pack's initial config, then the file, validated against each policy's
 * config schema. Stricter than the engine where the engine would silently do nothing: a policy
 * name the pack does not have, or a property its schema does not declare, is an error here.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { UserError } from "../config/errors";

/** Enforcement levels of the analyzer protocol. */
export const ENFORCEMENT_LEVELS = ["advisory", "mandatory", "remediate", "disabled"] as const;
export type EnforcementLevel = (typeof ENFORCEMENT_LEVELS)[number];

/** A policy's config schema as GetAnalyzerInfo reports it. */
export interface PolicyConfigSchema {
  /** JSON schemas of the config properties, by property name. */
  properties: Record<string, unknown>;
  /** Property names that must be set. */
  required: string[];
}

/** How bad a violation is, as the pack declares it. */
export type PolicySeverity = "low" | "medium" | "high" | "critical";

/** One policy of the pack, as GetAnalyzerInfo reports it. */
export interface PolicyInfo {
  /** Policy name (the contract users refer to). */
  name: string;
  /** One-line description. */
  description: string;
  /** Enforcement level the pack declares for it. */
  enforcementLevel: EnforcementLevel;
  /** Severity, when the pack declares one. */
  severity?: PolicySeverity;
  /** What to change when it fails, when the pack says (empty otherwise). */
  remediation?: string;
  /** Whether it judges one resource at a time or the whole stack. */
  kind: "resource" | "stack" | "unknown";
  /** Config schema, when the policy takes configuration. */
  configSchema?: PolicyConfigSchema;
}

/** One policy's configuration: a level and/or properties. */
export interface PolicyConfigEntry {
  /** Enforcement level, when set. */
  enforcementLevel?: EnforcementLevel;
  /** Config properties (never including enforcementLevel). */
  properties: Record<string, unknown>;
}

/** A parsed policy config file: entries by policy name (or `all`), and where they came from. */
export interface PolicyConfigFile {
  /** The file, as the user named it. */
  file: string;
  /** Entries by key, in file order. */
  entries: Map<string, PolicyConfigEntry>;
}

/** The configuration Configure sends: every policy with its effective level and properties. */
export type ReconciledPolicyConfig = Map<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;

const enforcementLevelSchema = z.enum(ENFORCEMENT_LEVELS);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Read and parse a policy config file. Any mistake is a UserError naming the file and key. */
export function readPolicyConfigFile(file: string): PolicyConfigFile {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
    throw new UserError(`cannot read the policy config: ${reason}`, { file });
  }
  return parsePolicyConfig(text, file);
}

/** Parse policy config text (the engine accepts empty content as no config). */
export function parsePolicyConfig(text: string, file: string): PolicyConfigFile {
  const entries = new Map<string, PolicyConfigEntry>();
  if (text.trim() === "") return { file, entries };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UserError(`the policy config is not valid JSON: ${(err as Error).message}`, { file });
  }
  if (!isPlainObject(parsed)) {
    throw new UserError("the policy config must be a JSON object keyed by policy name", { file });
  }
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === "string") {
      entries.set(key, { enforcementLevel: parseLevel(value, file, key), properties: {} });
    } else if (isPlainObject(value)) {
      const { enforcementLevel, ...properties } = value;
      entries.set(key, {
        enforcementLevel: enforcementLevel === undefined ? undefined : parseLevel(enforcementLevel, file, `${key}.enforcementLevel`),
        properties,
      });
    } else {
      throw new UserError(`must be an enforcement level (${ENFORCEMENT_LEVELS.join(", ")}) or an object`, { file, key });
    }
  }
  return { file, entries };
}

function parseLevel(value: unknown, file: string, key: string): EnforcementLevel {
  const result = enforcementLevelSchema.safeParse(value);
  if (!result.success) {
    throw new UserError(`${JSON.stringify(value)} is not an enforcement level (${ENFORCEMENT_LEVELS.join(", ")})`, { file, key });
  }
  return result.data;
}

/**
 * Reconcile the config Configure sends: every policy, its level (pack default, initial config,
 * then the file; `all` first, a policy's own entry after) and its properties (schema defaults,
 * initial config, file), each validated against the policy's schema.
 */
export function reconcilePolicyConfig(
  packName: string,
  policies: readonly PolicyInfo[],
  initialConfig: ReadonlyMap<string, PolicyConfigEntry>,
  given: PolicyConfigFile | undefined,
): ReconciledPolicyConfig {
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const source = given?.file ?? `policy pack ${packName}`;

  if (given) {
    for (const [key, entry] of given.entries) {
      if (key === "all") {
        if (Object.keys(entry.properties).length > 0) {
          throw new UserError("only an enforcementLevel can apply to all policies", { file: given.file, key: "all" });
        }
        continue;
      }
      const policy = byName.get(key);
      if (!policy) {
        throw new UserError(`policy pack ${packName} has no policy of that name`, { file: given.file, key });
      }
      for (const property of Object.keys(entry.properties)) {
        if (!policy.configSchema || !(property in policy.configSchema.properties)) {
          const accepted = policy.configSchema ? Object.keys(policy.configSchema.properties) : [];
          const hint = accepted.length > 0 ? `it accepts ${accepted.join(", ")}` : "it takes no configuration";
          throw new UserError(`policy ${key} has no such setting (${hint})`, { file: given.file, key: `${key}.${property}` });
        }
      }
    }
  }

  const result: ReconciledPolicyConfig = new Map();
  for (const policy of policies) {
    const properties: Record<string, unknown> = {};
    for (const [property, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
      if (isPlainObject(schema) && "default" in schema) properties[property] = schema.default;
    }
    result.set(policy.name, { enforcementLevel: policy.enforcementLevel, properties });
  }
  for (const layer of [initialConfig, given?.entries]) {
    if (!layer) continue;
    const all = layer.get("all");
    if (all?.enforcementLevel) {
      for (const entry of result.values()) entry.enforcementLevel = all.enforcementLevel;
    }
    for (const [key, entry] of layer) {
      const target = result.get(key);
      if (key === "all" || !target) continue;
      if (entry.enforcementLevel) target.enforcementLevel = entry.enforcementLevel;
      Object.assign(target.properties, entry.properties);
    }
  }

  for (const policy of policies) {
    if (!policy.configSchema) continue;
    const entry = result.get(policy.name);
    if (!entry) continue;
    const issue = firstSchemaIssue(policy, entry.properties, source);
    if (issue) {
      const key = `${policy.name}${issue.path ? `.${issue.path}` : ""}`;
      if (given) throw new UserError(issue.message, { file: given.file, key });
      throw new UserError(`${source}: ${key}: ${issue.message}`);
    }
  }
  return result;
}

/** Validate properties against a policy's JSON schema (the engine validates with gojsonschema). */
function firstSchemaIssue(
  policy: PolicyInfo,
  properties: Record<string, unknown>,
  source: string,
): { path: string; message: string } | undefined {
  const schema = policy.configSchema;
  if (!schema) return undefined;
  let validator: z.ZodType;
  try {
    validator = z.fromJSONSchema({
      type: "object",
      properties: schema.properties as Record<string, z.core.JSONSchema.JSONSchema>,
      required: schema.required,
    });
  } catch (err) {
    throw new UserError(`${source}: ${policy.name}: the pack's config schema cannot be read: ${(err as Error).message}`);
  }
  const outcome = validator.safeParse(properties);
  if (outcome.success) return undefined;
  const issue = outcome.error.issues[0];
  const issuePath = issue.path.map(String).join(".");
  if (issue.path.length === 1 && properties[issuePath] === undefined && schema.required.includes(issuePath)) {
    return { path: issuePath, message: "this setting is required and has no default" };
  }
  return { path: issuePath, message: issue.message };
}
