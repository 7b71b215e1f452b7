/**
 * Feature flags wherever they are delivered, and what makes a flag a side effect.
 *
 * Slipway delivers one flagd JSON document per environment (the Kubernetes ConfigMap key, the
 * GitHub `SLIPWAY_FLAGS` variable, the Vercel env var and the Heroku config var), but the pack
 * judges programs that follow none of its conventions: a flagd document is recognised by its shape
 * in any string a resource carries, and a plain config var that turns a known flag on (a Heroku
 * config var `AUTO_PUBLISH=true`, a container env `FEATURE_AUTO_PUBLISH=on`, a list
 * `ENABLED_FEATURES=auto-publish,...`) is a delivery of that flag too.
 */
import type { Logger } from "@openfeature/core";
import { FlagdCore } from "@openfeature/flagd-core";
import { UnknownValueError } from "@pulumi/policy";
import { z } from "zod";
import { FLAGS_CONFIGMAP_KEY, FLAGS_ENV_VAR, FLAGS_VARIABLE, OPAQUE_SECRET_VALUE, RELEASE_LEVELS } from "../../../contract";
import { list, record, text, TYPES, WORKLOAD_TYPES, type Props } from "./resources";
import { walkStrings } from "./secrets";

/** Slipway's per-flag metadata; every field optional here so a missing one is reported, not thrown. */
const flagMetadataSchema = z
  .object({
    level: z.enum(RELEASE_LEVELS).optional(),
    scopes: z.string().optional(),
    killSwitch: z.boolean().optional(),
    productionApproval: z.string().optional(),
    overridesKill: z.string().optional(),
  })
  .loose();

/** A flagd flag (extra flagd fields such as `targeting` are allowed). */
const flagSchema = z
  .object({
    state: z.enum(["ENABLED", "DISABLED"]),
    variants: z.record(z.string(), z.unknown()),
    defaultVariant: z.string(),
    metadata: flagMetadataSchema.optional(),
  })
  .loose();

/** A flagd document, with its shared evaluators (`$evaluators`, which targeting rules `$ref`). */
const flagDocumentSchema = z
  .object({ flags: z.record(z.string(), flagSchema), $evaluators: z.record(z.string(), z.unknown()).optional() })
  .loose();

/** A parsed flag. */
export type ParsedFlag = z.infer<typeof flagSchema>;

/** Vercel's bulk env var resource (not created by Slipway, but a place flags are delivered). */
export const VERCEL_ENV_VARS_TYPE = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables";

/** A flag document found on a resource. */
export interface FlagSource {
  /** Where on the resource it sits, for messages (`data['flags.flagd.json']`). */
  where: string;
  /** The raw JSON text. */
  raw: string | undefined;
}

/** A value that is unknown during preview reads as this: skipped, and rethrown by the caller once the known values are judged. */
function safely<T>(read: () => T, onUnknown?: (error: UnknownValueError) => void): T | undefined {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof UnknownValueError)) throw error;
    onUnknown?.(error);
    return undefined;
  }
}

/**
 * The flag documents a resource carries (empty when it carries none): Slipway's own keys first
 * (whose values must be flag documents: an unreadable one is reported), then any other string
 * shaped like a flagd document (`{"flags": {"<key>": {"state"|"variants"|"defaultVariant": ...}}}`),
 * wherever it sits. Reading a Slipway key that is unknown during preview throws UnknownValueError
 * (a flag document the policy cannot see must not pass); other unknown values are skipped.
 */
export function flagSourcesOf(type: string, props: Props): FlagSource[] {
  // A secret read from an encrypted stack export is OPAQUE_SECRET_VALUE: it is not a document to
  // parse; encryptedFlagCarriersOf reports it as a place the gate cannot judge.
  const known = slipwaySourcesOf(type, props).filter((source) => source.raw !== OPAQUE_SECRET_VALUE);
  const seen = new Set(known.map((source) => source.raw));
  const found: FlagSource[] = [...known];
  for (const value of deliveredStrings(type, props)) {
    if (seen.has(value.value) || !looksLikeFlagDocument(value.value)) continue;
    seen.add(value.value);
    found.push({ where: value.where, raw: value.value });
  }
  return found;
}

function slipwaySourcesOf(type: string, props: Props): FlagSource[] {
  switch (type) {
    case TYPES.k8sConfigMap: {
      const data = record(props.data);
      return FLAGS_CONFIGMAP_KEY in data ? [{ where: `data['${FLAGS_CONFIGMAP_KEY}']`, raw: text(data[FLAGS_CONFIGMAP_KEY]) }] : [];
    }
    case TYPES.environmentVariable:
    case TYPES.repositoryVariable:
      return text(props.variableName) === FLAGS_VARIABLE ? [{ where: `variable ${FLAGS_VARIABLE}`, raw: text(props.value) }] : [];
    case TYPES.vercelEnvVar:
      return text(props.key) === FLAGS_ENV_VAR ? [{ where: `env var ${FLAGS_ENV_VAR}`, raw: text(props.value) }] : [];
    case TYPES.vercelProject:
      return list(props.environments)
        .map(record)
        .filter((entry) => text(entry.key) === FLAGS_ENV_VAR)
        .map((entry) => ({ where: `environments[${FLAGS_ENV_VAR}]`, raw: text(entry.value) }));
    case TYPES.herokuApp:
      return configVarSources(props, ["configVars", "sensitiveConfigVars"]);
    case TYPES.herokuConfig:
      return configVarSources(props, ["vars", "sensitiveVars"]);
    default:
      return [];
  }
}

function configVarSources(props: Props, fields: string[]): FlagSource[] {
  const sources: FlagSource[] = [];
  for (const field of fields) {
    const vars = record(props[field]);
    if (FLAGS_ENV_VAR in vars) sources.push({ where: `${field}.${FLAGS_ENV_VAR}`, raw: text(vars[FLAGS_ENV_VAR]) });
  }
  return sources;
}

/** Output-only mirrors of other properties: judging them again would report the same flag twice. */
const MIRRORED_PROPERTIES: Record<string, string[]> = { [TYPES.herokuApp]: ["allConfigVars"] };

/** A string a resource carries, with where it sits. */
interface DeliveredString {
  /** Path for messages. */
  where: string;
  /** The value (base64 Secret data decoded). */
  value: string;
}

/** Every known string of a resource (Kubernetes Secret `data` decoded from base64); unknown values are skipped. */
function deliveredStrings(type: string, props: Props): DeliveredString[] {
  const mirrored = MIRRORED_PROPERTIES[type] ?? [];
  const strings: DeliveredString[] = [];
  for (const property of Object.keys(props)) {
    if (mirrored.includes(property)) continue;
    const value = safely(() => props[property]);
    walkStrings(value, (found) => {
      const where = found.path ? `${property}${found.path.startsWith("[") ? "" : "."}${found.path}` : property;
      strings.push({ where, value: type === TYPES.k8sSecret && property === "data" ? decodeBase64(found.value) : found.value });
    });
  }
  return strings;
}

function decodeBase64(value: string): string {
  return /^[A-Za-z0-9+/=\s]+$/.test(value) ? Buffer.from(value, "base64").toString("utf8") : value;
}

/** Whether a string is shaped like a flagd document (then it is judged, and reported when it does not parse as one). */
function looksLikeFlagDocument(value: string): boolean {
  const trimmed = value.trim();
  if (!trimmed.startsWith("{") || !trimmed.includes('"flags"')) return false;
  let json: unknown;
  try {
    json = JSON.parse(trimmed);
  } catch {
    return false;
  }
  const flags = record(record(json).flags);
  return Object.values(flags).some((flag) => {
    const fields = record(flag);
    return "defaultVariant" in fields || "variants" in fields || "state" in fields;
  });
}

/** Parse a flag document; a one-line error when it is not flagd JSON. */
export function parseFlags(
  raw: string | undefined,
): { flags: Record<string, ParsedFlag>; evaluators: Record<string, unknown> } | { error: string } {
  if (raw === undefined) return { error: "the value is not a string" };
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (error) {
    return { error: `not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const result = flagDocumentSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    return { error: `not a flagd document (${issue.path.join(".") || "(root)"}: ${issue.message})` };
  }
  return { flags: result.data.flags, evaluators: result.data.$evaluators ?? {} };
}

/** Whether a flag evaluates to on by default: enabled and its default variant is `true`. */
export function isOnByDefault(flag: ParsedFlag): boolean {
  return flag.state === "ENABLED" && flag.variants[flag.defaultVariant] === true;
}

/**
 * Whether a flag may be served on to anyone: enabled, and on by default or with a targeting rule
 * (which serves some context a variant; a canary stage is someone). Used where any "on" counts.
 */
export function mayServeOn(flag: ParsedFlag): boolean {
  if (flag.state !== "ENABLED") return false;
  return isOnByDefault(flag) || (targetingOf(flag) !== undefined && Object.values(flag.variants).includes(true));
}

/** A flag's targeting rule, or undefined when it has none (absent, null or `{}`: flagd serves the default). */
function targetingOf(flag: ParsedFlag): unknown {
  const targeting = (flag as Record<string, unknown>).targeting;
  if (targeting === undefined || targeting === null) return undefined;
  return typeof targeting === "object" && Object.keys(targeting as object).length === 0 ? undefined : targeting;
}

/** The scopes a flag declares (`metadata.scopes` is comma-separated, flagd metadata being scalars). */
export function scopesOf(flag: ParsedFlag): string[] {
  return (flag.metadata?.scopes ?? "")
    .split(",")
    .map((scope) => scope.trim())
    .filter((scope) => scope !== "");
}

/** A metadata key without case or separators (`side_effect` and `sideEffect` are one key). */
function normalise(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** Metadata keys that declare a flag's side effects explicitly. */
const SIDE_EFFECT_KEYS = new Set(["sideeffect", "sideeffects", "externalsideeffect", "externalsideeffects", "externaleffects"]);
/** Metadata keys that state a risk level other than `level`. */
const LEVEL_KEYS = new Set(["risk", "risklevel", "releaselevel"]);
/** Values that say "no". */
const NEGATIVE = /^(false|no|none|off|0|)$/i;

/**
 * Why a flag is a side-effect flag (003 §1, §4.2, §7.2), or undefined when nothing says it is: by
 * its effect, not its label alone. Level L3; membership of the kill-switch set (the flags disabled
 * first on rollback are the side-effect flags); an explicit side-effect declaration in its metadata
 * (`sideEffect: true`, `sideEffects: "publish,dm"`), or L3 stated under another key (`riskLevel`).
 */
export function sideEffectEvidence(flag: ParsedFlag): string | undefined {
  const metadata = (flag.metadata ?? {}) as Record<string, unknown>;
  if (metadata.level === "L3") return "metadata.level: L3";
  if (metadata.killSwitch === true) return "metadata.killSwitch: true";
  for (const [key, value] of Object.entries(metadata)) {
    const name = normalise(key);
    if (SIDE_EFFECT_KEYS.has(name)) {
      const declared =
        typeof value === "boolean"
          ? value
          : typeof value === "number"
            ? value !== 0
            : typeof value === "string"
              ? !NEGATIVE.test(value.trim())
              : false;
      if (declared) return `metadata.${key}: ${JSON.stringify(value)}`;
    }
    if (LEVEL_KEYS.has(name) && typeof value === "string" && value.trim().toUpperCase() === "L3")
      return `metadata.${key}: ${JSON.stringify(value)}`;
  }
  return undefined;
}

/** How a message names a flag: `L3 flag 'x'`, or `side-effect flag 'x' (labelled L2, but metadata.killSwitch: true)`. */
export function flagLabel(key: string, flag: ParsedFlag): string {
  const evidence = sideEffectEvidence(flag);
  if (evidence === undefined || flag.metadata?.level === "L3") return `${flag.metadata?.level === "L3" ? "L3 " : ""}flag '${key}'`;
  const label = flag.metadata?.level !== undefined ? `labelled ${flag.metadata.level}` : "no metadata.level";
  return `side-effect flag '${key}' (${label}, but ${evidence})`;
}

/** A config var (or env var, ConfigMap entry, GitHub variable) a resource sets. */
export interface ConfigVar {
  /** Where on the resource, for messages (`vars.AUTO_PUBLISH`). */
  where: string;
  /** The variable's name. */
  name: string;
  /** Its value. */
  value: string;
}

/**
 * The plain config vars a resource sets: Heroku config vars, Vercel env vars, Kubernetes ConfigMap
 * and Secret entries and container env, GitHub variables. Values unknown during preview are
 * skipped (they are judged in `pulumi up`).
 */
export function configVarsOf(type: string, props: Props): ConfigVar[] {
  const vars: ConfigVar[] = [];
  const fromMap = (field: string, decode = false) => {
    const map = record(safely(() => props[field]));
    for (const name of Object.keys(map)) {
      const value = safely(() => map[name]);
      if (typeof value === "string") vars.push({ where: `${field}.${name}`, name, value: decode ? decodeBase64(value) : value });
    }
  };
  const fromPairs = (field: string, nameField: string) => {
    const entries = safely(() => list(props[field])) ?? [];
    entries.forEach((entry) => {
      const pair = record(entry);
      const name = safely(() => text(pair[nameField]));
      const value = safely(() => text(pair.value));
      if (name !== undefined && value !== undefined) vars.push({ where: `${field}[${name}]`, name, value });
    });
  };
  switch (type) {
    case TYPES.herokuApp:
      fromMap("configVars");
      fromMap("sensitiveConfigVars");
      break;
    case TYPES.herokuConfig:
      fromMap("vars");
      fromMap("sensitiveVars");
      break;
    case TYPES.k8sConfigMap:
      fromMap("data");
      break;
    case TYPES.k8sSecret:
      fromMap("stringData");
      fromMap("data", true);
      break;
    case TYPES.vercelProject:
      fromPairs("environments", "key");
      break;
    case VERCEL_ENV_VARS_TYPE:
      fromPairs("variables", "key");
      break;
    case TYPES.vercelEnvVar:
    case TYPES.environmentVariable:
    case TYPES.repositoryVariable: {
      const nameField = type === TYPES.vercelEnvVar ? "key" : "variableName";
      const name = safely(() => text(props[nameField]));
      const value = safely(() => text(props.value));
      if (name !== undefined && value !== undefined)
        vars.push({ where: `${type === TYPES.vercelEnvVar ? "env var" : "variable"} ${name}`, name, value });
      break;
    }
    default:
      if (WORKLOAD_TYPES.includes(type)) {
        const spec = safely(() => props.spec);
        walkStrings(spec, (found) => {
          const env = /(?:^|\.)(initContainers|containers)\[(\d+)\]\.env\[\d+\]\.value$/.exec(found.path);
          if (env) vars.push({ where: `${env[1]}[${env[2]}].env[${found.key}]`, name: found.key, value: found.value });
        });
      }
  }
  return vars;
}

/**
 * Where a resource delivers flags in a value an encrypted stack export hides (OPAQUE_SECRET_VALUE):
 * a flag document under a key that holds one, or a config var whose name turns a known flag on or
 * lists flags. The engine decrypts such values for the pack; the offline gate on an encrypted export
 * cannot, and must not pass what it could not read.
 */
export function encryptedFlagCarriersOf(type: string, props: Props, knownFlags: readonly string[]): string[] {
  const places = slipwaySourcesOf(type, props)
    .filter((source) => source.raw === OPAQUE_SECRET_VALUE)
    .map((source) => source.where);
  const byKey = new Set(knownFlags.map(normalise));
  for (const variable of configVarsOf(type, props)) {
    if (variable.value !== OPAQUE_SECRET_VALUE || places.includes(variable.where)) continue;
    const name = normalise(variable.name);
    const namesFlag = FLAG_NAME_PREFIXES.some((prefix) => name.startsWith(prefix) && byKey.has(name.slice(prefix.length)));
    if (namesFlag || FLAG_LIST_NAME.test(name)) places.push(variable.where);
  }
  return places;
}

/** Name prefixes that mark a variable as a flag (`FEATURE_AUTO_PUBLISH`, `FF_AUTO_PUBLISH`, ...), normalised. */
const FLAG_NAME_PREFIXES = [
  "",
  "featureflag",
  "featureflags",
  "feature",
  "features",
  "flag",
  "flags",
  "ff",
  "enable",
  "flagd",
  "openfeature",
  "slipwayflag",
];
/** Names of variables that list the flags turned on (`ENABLED_FEATURES=auto-publish,dark-mode`), normalised. */
const FLAG_LIST_NAME = /(features|flags|featureflags|toggles)$/;
/** Values that turn a flag on. */
const ON_VALUE = /^(true|on|1|yes|enabled?)$/i;

/** A config var that turns a known flag on. */
export interface FlagSetting {
  /** The flag's key. */
  flag: string;
  /** What the variable says, for messages (`AUTO_PUBLISH=true`, `ENABLED_FEATURES lists 'auto-publish'`). */
  says: string;
}

/**
 * The known flags a config var turns on: by its name (the flag key in any case, with `_` for `-`,
 * optionally prefixed `FEATURE_`, `FLAG_`, `FF_`, `ENABLE_`...: OpenFeature's env var provider
 * convention) and an on value; by a list of flag keys under a name ending in FEATURES or FLAGS; or
 * by a JSON object of flag keys to true.
 */
export function flagSettingsOf(variable: ConfigVar, knownFlags: readonly string[]): FlagSetting[] {
  const name = normalise(variable.name);
  const value = variable.value.trim();
  const byKey = new Map(knownFlags.map((flag) => [normalise(flag), flag]));
  const settings: FlagSetting[] = [];
  if (ON_VALUE.test(value)) {
    for (const prefix of FLAG_NAME_PREFIXES) {
      const flag = name.startsWith(prefix) ? byKey.get(name.slice(prefix.length)) : undefined;
      if (flag !== undefined) {
        settings.push({ flag, says: `${variable.name}=${value}` });
        break;
      }
    }
    return settings;
  }
  if (value.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(value);
    } catch {
      return settings;
    }
    const entries = record(json);
    if ("flags" in entries) return settings; // a flagd document: judged as one
    for (const [key, setting] of Object.entries(entries)) {
      const flag = byKey.get(normalise(key));
      if (flag !== undefined && (setting === true || (typeof setting === "string" && ON_VALUE.test(setting)))) {
        settings.push({ flag, says: `${variable.name} sets '${key}': ${JSON.stringify(setting)}` });
      }
    }
    return settings;
  }
  if (FLAG_LIST_NAME.test(name)) {
    for (const item of value.split(/[\s,;]+/)) {
      const flag = byKey.get(normalise(item));
      if (flag !== undefined && !settings.some((setting) => setting.flag === flag))
        settings.push({ flag, says: `${variable.name} lists '${item}'` });
    }
  }
  return settings;
}

/** JSONLogic comparisons a canary stage may use: a context attribute against literals. */
const STAGE_COMPARISONS = new Set(["==", "===", "!=", "!==", "in"]);
/** Boolean connectives between stage conditions. */
const STAGE_CONNECTIVES = new Set(["or", "and", "!"]);
/** More context attributes than this and the outsiders cannot all be tried (2^n contexts). */
const MAX_STAGE_ATTRIBUTES = 8;
/** A value no stage names: what an outsider's attribute holds when it is set. */
const OUTSIDER_VALUE = "\u0001slipway-outsider";

/**
 * A flagd targeting rule with `$ref`s to the document's shared `$evaluators` replaced by what they
 * name (what flagd does before it evaluates); an unknown reference is reported.
 */
function resolveEvaluators(rule: unknown, evaluators: Record<string, unknown>, depth = 0): unknown {
  if (depth > 32) throw new Error("$evaluators refer to each other in a loop");
  if (Array.isArray(rule)) return rule.map((item) => resolveEvaluators(item, evaluators, depth));
  if (rule !== null && typeof rule === "object") {
    const entries = Object.entries(rule as Record<string, unknown>);
    if (entries.length === 1 && entries[0][0] === "$ref") {
      const name = String(entries[0][1]);
      if (!(name in evaluators)) throw new Error(`$ref '${name}' names no shared evaluator`);
      return resolveEvaluators(evaluators[name], evaluators, depth + 1);
    }
    return Object.fromEntries(entries.map(([key, value]) => [key, resolveEvaluators(value, evaluators, depth)]));
  }
  return rule;
}

/** The attribute a `{"var": ...}` operand reads, or undefined when the operand is no plain attribute read. */
function attributeRead(operand: unknown): string | undefined {
  if (operand === null || typeof operand !== "object" || Array.isArray(operand)) return undefined;
  const entries = Object.entries(operand as Record<string, unknown>);
  if (entries.length !== 1 || entries[0][0] !== "var") return undefined;
  const argument = entries[0][1];
  const name =
    typeof argument === "string"
      ? argument
      : Array.isArray(argument) && argument.length === 1 && typeof argument[0] === "string"
        ? argument[0]
        : undefined;
  // `$flagd.timestamp` turns a flag on by the clock, for everyone: not a stage.
  return name !== undefined && name !== "" && !name.startsWith("$flagd.") ? name : undefined;
}

function isLiteral(value: unknown): boolean {
  return value === null || ["string", "number", "boolean"].includes(typeof value);
}

/**
 * Why a targeting rule is not a set of named stages, or undefined when it is. A named stage is a
 * context attribute compared with literal values (`==`, `!=`, `in` a literal list), combined with
 * `or`, `and`, `!`, choosing variants with `if`. For such a rule, every context whose attributes
 * match none of the literals is treated alike, so trying each attribute set to an unnamed value or
 * unset decides whether anyone outside the stages gets the flag. Anything else (`fractional`
 * percentages, the clock, substring or numeric comparisons, one attribute against another, a
 * variant named by an attribute) can reach contexts nobody named.
 */
function stageRuleProblem(rule: unknown, attributes: Set<string>, asCondition: boolean): string | undefined {
  if (isLiteral(rule)) return undefined;
  if (Array.isArray(rule) || rule === null || typeof rule !== "object")
    return `a ${Array.isArray(rule) ? "list" : typeof rule} where a rule belongs`;
  const entries = Object.entries(rule as Record<string, unknown>);
  if (entries.length !== 1) return `an object with ${entries.length} operators`;
  const [operator, raw] = entries[0];
  const args = Array.isArray(raw) ? raw : [raw];
  if (operator === "if") {
    for (let i = 0; i < args.length; i++) {
      const isCondition = i % 2 === 0 && i < args.length - 1;
      const problem = stageRuleProblem(args[i], attributes, isCondition);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (STAGE_CONNECTIVES.has(operator)) {
    if (!asCondition) return `'${operator}' where a variant is chosen`;
    for (const arg of args) {
      const problem = stageRuleProblem(arg, attributes, true);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  if (STAGE_COMPARISONS.has(operator)) {
    if (args.length !== 2) return `'${operator}' with ${args.length} operands`;
    const [left, right] = args;
    if (operator === "in") {
      const attribute = attributeRead(left);
      if (attribute === undefined) return "'in' whose first operand is not a context attribute";
      if (!Array.isArray(right) || !right.every(isLiteral))
        return "'in' over something other than a list of literal values (a string is a substring test)";
      attributes.add(attribute);
      return undefined;
    }
    const attribute = attributeRead(left) ?? attributeRead(right);
    const other = attributeRead(left) !== undefined ? right : left;
    if (attribute === undefined || !isLiteral(other))
      return `'${operator}' that does not compare one context attribute with a literal value`;
    attributes.add(attribute);
    return undefined;
  }
  return `'${operator}'`;
}

/** How a flag is served on outside its canary stages, for messages; undefined when it is not. */
export interface ServedOutsideStages {
  /** The flag has no targeting: its default variant is on, for everyone. */
  byDefault: boolean;
  /** `by default (defaultVariant: 'on')`, `through its targeting, to a context with ...`. */
  how: string;
}

/**
 * Whether a flag of a flagd document is served on (its value `true`) to anyone outside the stages
 * its targeting names, judged with flagd's own evaluator (@openfeature/flagd-core): the flag as
 * flagd serves it, not its `defaultVariant` alone. A targeting rule that is not a set of named
 * stages (see stageRuleProblem) counts as served to outsiders: nobody can say whom it reaches.
 */
export function servedOutsideStages(key: string, flag: ParsedFlag, evaluators: Record<string, unknown>): ServedOutsideStages | undefined {
  if (flag.state !== "ENABLED") return undefined;
  const targeting = targetingOf(flag);
  if (targeting === undefined)
    return isOnByDefault(flag) ? { byDefault: true, how: `by default (defaultVariant: '${flag.defaultVariant}')` } : undefined;
  let rule: unknown;
  try {
    rule = resolveEvaluators(targeting, evaluators);
  } catch (error) {
    return { byDefault: false, how: `through targeting that cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const attributes = new Set<string>();
  const problem = stageRuleProblem(rule, attributes, false);
  if (problem !== undefined)
    return { byDefault: false, how: `through targeting that is not a set of named stages (it uses ${problem}), so it may reach anyone` };
  if (attributes.size > MAX_STAGE_ATTRIBUTES)
    return {
      byDefault: false,
      how: `through targeting over ${attributes.size} context attributes, more than the ${MAX_STAGE_ATTRIBUTES} whose outsiders can be tried`,
    };
  const core = new FlagdCore(undefined, SILENT);
  core.setConfigurations(JSON.stringify({ flags: { [key]: { ...flag, targeting: rule } } }));
  const served = core.getFlag(key);
  if (served === undefined) return undefined;
  const names = [...attributes].sort();
  for (let mask = 0; mask < 1 << names.length; mask++) {
    const context: Record<string, string> = {};
    names.forEach((name, i) => {
      if (mask & (1 << i)) context[name] = OUTSIDER_VALUE;
    });
    const result = served.evaluate(context, SILENT);
    if (result.value === true) {
      const who =
        names.length === 0
          ? "everyone"
          : `a context with ${names.map((name) => (name in context ? `a ${name} no stage names` : `no ${name}`)).join(" and ")}`;
      return {
        byDefault: false,
        how:
          result.reason === "TARGETING_MATCH"
            ? `through its targeting, to ${who}`
            : `by default (defaultVariant: '${flag.defaultVariant}'), to ${who}`,
      };
    }
  }
  return undefined;
}

/** flagd-core logs targeting errors; a policy reports, it does not log. */
const SILENT: Logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
