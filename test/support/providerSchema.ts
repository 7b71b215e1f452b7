/**
 * Checks wire-form inputs against a provider's real Pulumi schema (../shared/provider-schemas):
 * every input key exists for the token, required inputs are present, values have the schema's
 * types, secret inputs travel as secrets, and values are among the choices the schema documents
 * (these schemas carry no `enum`s: the allowed values are spelled out in descriptions, e.g.
 * "(one of: database, schema, table, ...)", so they are read from there).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isSecret } from "./wire";
import { SHARED_DIR, sharedAvailable } from "./sharedData";

/** A property as a Pulumi schema describes it. */
export interface PropertySpec {
  /** Primitive or container type. */
  type?: "string" | "boolean" | "integer" | "number" | "array" | "object";
  /** Reference to a named type (`#/types/<token>`) or `pulumi.json#/Any`. */
  $ref?: string;
  /** Element type of an array. */
  items?: PropertySpec;
  /** Value type of a map. */
  additionalProperties?: PropertySpec;
  /** Explicit enum values (rare in bridged schemas). */
  enum?: { value: unknown }[];
  /** Whether the value is a secret. */
  secret?: boolean;
  /** Documentation, where bridged schemas list allowed values. */
  description?: string;
}

/** A resource as a Pulumi schema describes it. */
export interface ResourceSpec {
  /** Input properties. */
  inputProperties: Record<string, PropertySpec>;
  /** Names of required inputs. */
  requiredInputs?: string[];
  /** Output properties. */
  properties: Record<string, PropertySpec>;
}

/** A named object type. */
export interface TypeSpec {
  /** Its properties. */
  properties: Record<string, PropertySpec>;
  /** Names of required properties. */
  required?: string[];
}

/** A function (data source). */
export interface FunctionSpec {
  /** Its inputs. */
  inputs: { properties: Record<string, PropertySpec>; required?: string[] };
}

/** The parts of a provider schema these checks read. */
export interface ProviderSchema {
  /** Resources by token. */
  resources: Record<string, ResourceSpec>;
  /** Named types by token. */
  types: Record<string, TypeSpec>;
  /** Functions by token. */
  functions: Record<string, FunctionSpec>;
}

/** Whether the provider schemas in `../shared` are present; tests that need them skip otherwise (never in CI). */
export function providerSchemasAvailable(): boolean {
  return sharedAvailable("provider-schemas", "provider-schema checks");
}

/** Load a schema from ../shared/provider-schemas. */
export function loadSchema(file: string): ProviderSchema {
  return JSON.parse(fs.readFileSync(path.join(SHARED_DIR, "provider-schemas", file), "utf8")) as ProviderSchema;
}

/** Values a property's documentation allows, or [] when it documents none. */
export function documentedChoices(spec: PropertySpec): string[] {
  if (spec.enum) return spec.enum.map((choice) => String(choice.value));
  const text = (spec.description ?? "").replace(/\s+/g, " ");
  const listed = /\(one of: ([^)]*)\)/.exec(text);
  if (listed) return listed[1].split(",").map((choice) => choice.trim());
  const backticked = /(?:Must be one of|Can be either) ([^.]*)\./.exec(text);
  if (backticked) return [...backticked[1].matchAll(/`([^`]+)`/g)].map((match) => match[1]);
  const privileges = /kinds of privileges: ([A-Z, ]+?),? and ([A-Z]+)\./.exec(text);
  if (privileges) return [...privileges[1].split(",").map((choice) => choice.trim()), privileges[2]];
  return [];
}

function checkValue(schema: ProviderSchema, spec: PropertySpec, value: unknown, where: string, problems: string[]): void {
  if (value === undefined || value === null) return;
  if (spec.secret && !isSecret(value)) problems.push(`${where} is secret in the schema but sent in plain text`);
  if (isSecret(value)) {
    checkValue(schema, { ...spec, secret: false }, (value as { value: unknown }).value, where, problems);
    return;
  }
  if (spec.$ref !== undefined) {
    if (spec.$ref.startsWith("pulumi.json#/")) return;
    const typeSpec = schema.types[spec.$ref.replace(/^#\/types\//, "")];
    if (!typeSpec) {
      problems.push(`${where} refers to unknown type ${spec.$ref}`);
      return;
    }
    checkObject(schema, typeSpec.properties, typeSpec.required ?? [], value, where, problems);
    return;
  }
  switch (spec.type) {
    case "string":
      if (typeof value !== "string") problems.push(`${where} should be a string, got ${JSON.stringify(value)}`);
      else checkChoice(spec, value, where, problems);
      return;
    case "boolean":
      if (typeof value !== "boolean") problems.push(`${where} should be a boolean, got ${JSON.stringify(value)}`);
      return;
    case "integer":
      if (!Number.isInteger(value)) problems.push(`${where} should be an integer, got ${JSON.stringify(value)}`);
      return;
    case "number":
      if (typeof value !== "number") problems.push(`${where} should be a number, got ${JSON.stringify(value)}`);
      return;
    case "array":
      if (!Array.isArray(value)) {
        problems.push(`${where} should be a list, got ${JSON.stringify(value)}`);
        return;
      }
      value.forEach((item, i) => {
        const itemSpec = spec.items ?? {};
        // Bridged schemas document a list's allowed values on the list itself.
        const choices = documentedChoices(spec);
        if (choices.length > 0 && typeof item === "string" && !choices.includes(item)) {
          problems.push(`${where}[${i}] is '${item}', not one of ${choices.join(", ")}`);
        }
        checkValue(schema, itemSpec, item, `${where}[${i}]`, problems);
      });
      return;
    case "object":
      if (typeof value !== "object" || Array.isArray(value)) {
        problems.push(`${where} should be a map, got ${JSON.stringify(value)}`);
        return;
      }
      for (const [key, inner] of Object.entries(value as Record<string, unknown>)) {
        checkValue(schema, spec.additionalProperties ?? {}, inner, `${where}.${key}`, problems);
      }
      return;
    default:
      return;
  }
}

function checkChoice(spec: PropertySpec, value: string, where: string, problems: string[]): void {
  const choices = documentedChoices(spec);
  if (choices.length > 0 && !choices.includes(value)) problems.push(`${where} is '${value}', not one of ${choices.join(", ")}`);
}

function checkObject(
  schema: ProviderSchema,
  properties: Record<string, PropertySpec>,
  required: string[],
  value: unknown,
  where: string,
  problems: string[],
): void {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    problems.push(`${where} should be an object, got ${JSON.stringify(value)}`);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(key in properties)) problems.push(`${where}.${key} is not a property (known: ${Object.keys(properties).sort().join(", ")})`);
  }
  for (const key of required) {
    if (record[key] === undefined) problems.push(`${where}.${key} is required but missing`);
  }
  for (const [key, spec] of Object.entries(properties)) checkValue(schema, spec, record[key], `${where}.${key}`, problems);
}

/** Problems of a resource's wire-form inputs against the schema; [] when they conform. */
export function validateResourceInputs(schema: ProviderSchema, token: string, inputs: Record<string, unknown>): string[] {
  const resource = schema.resources[token];
  if (!resource) return [`${token} is not a resource of the schema`];
  const problems: string[] = [];
  checkObject(schema, resource.inputProperties, resource.requiredInputs ?? [], inputs, token, problems);
  return problems;
}

/** Problems of a function's arguments against the schema; [] when they conform. */
export function validateFunctionArgs(schema: ProviderSchema, token: string, args: Record<string, unknown>): string[] {
  const fn = schema.functions[token];
  if (!fn) return [`${token} is not a function of the schema`];
  const problems: string[] = [];
  checkObject(schema, fn.inputs.properties, fn.inputs.required ?? [], args, token, problems);
  return problems;
}

/** A value of a property's type, for building complete inputs from the schema. */
export function sampleValue(schema: ProviderSchema, spec: PropertySpec, name: string): unknown {
  const choices = documentedChoices(spec);
  if (spec.$ref !== undefined && !spec.$ref.startsWith("pulumi.json#/")) {
    const typeSpec = schema.types[spec.$ref.replace(/^#\/types\//, "")];
    return Object.fromEntries(Object.entries(typeSpec.properties).map(([key, inner]) => [key, sampleValue(schema, inner, key)]));
  }
  switch (spec.type) {
    case "string":
      return choices[0] ?? `sample-${name}`;
    case "boolean":
      return true;
    case "integer":
    case "number":
      return 1;
    case "array":
      return [choices[0] ?? sampleValue(schema, spec.items ?? { type: "string" }, name)];
    case "object":
      return { SAMPLE_KEY: sampleValue(schema, spec.additionalProperties ?? { type: "string" }, name) };
    default:
      return `sample-${name}`;
  }
}
