/**
 * Every resource the example stacks register uses its provider's real property names: the plans
 * of both stacks are checked, at every depth, against the provider schemas in ../shared
 * (GitHub 6.15.0, Postgres 3.18.0, pulumiverse Heroku 1.0.4), and required inputs are present.
 */
import * as fs from "fs";
import * as path from "path";
import { runStackInChild } from "../../cli/runner";
import { RecordedResource, SECRET_SIG, SIG_KEY } from "../../cli/model";

const sharedDir = path.resolve(__dirname, "..", "..", "..", "shared", "provider-schemas");
const SCHEMA_FILES: Record<string, string> = {
  github: "github-6.15.0.json",
  postgresql: "postgresql-3.18.0.json",
  heroku: "heroku-pulumiverse-1.0.4.json",
};

interface PropertySpec {
  type?: string;
  $ref?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
}
interface ObjectSpec {
  properties?: Record<string, PropertySpec>;
  inputProperties?: Record<string, PropertySpec>;
  requiredInputs?: string[];
  required?: string[];
}
interface ProviderSchema {
  resources: Record<string, ObjectSpec>;
  types: Record<string, ObjectSpec>;
}

const haveSchemas = fs.existsSync(sharedDir);
if (!haveSchemas) {
  // eslint-disable-next-line no-console
  console.log(`provider schema checks skipped: ${sharedDir} is absent (it ships beside the project in CI, not in a user's clone)`);
}
const describeWithSchemas = haveSchemas ? describe : describe.skip;

function unwrapSecret(value: unknown): unknown {
  if (value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
    return (value as Record<string, unknown>).value;
  }
  return value;
}

/** Problems of a value against a property spec: unknown keys at any depth. */
function check(schema: ProviderSchema, value: unknown, spec: PropertySpec | undefined, where: string, problems: string[]): void {
  const plain = unwrapSecret(value);
  if (spec === undefined || plain === null || plain === undefined) return;
  if (spec.$ref?.startsWith("#/types/")) {
    const type = schema.types[decodeURIComponent(spec.$ref.slice("#/types/".length))];
    if (type === undefined) return problems.push(`${where}: the schema has no type ${spec.$ref}`) as unknown as void;
    if (typeof plain !== "object" || Array.isArray(plain)) return problems.push(`${where}: expected an object`) as unknown as void;
    checkObject(schema, plain as Record<string, unknown>, type.properties ?? {}, type.required ?? [], where, problems);
    return;
  }
  if (spec.type === "array" && Array.isArray(plain)) plain.forEach((item, i) => check(schema, item, spec.items, `${where}[${i}]`, problems));
  if (spec.type === "object" && spec.additionalProperties && typeof plain === "object") {
    for (const [key, inner] of Object.entries(plain as object)) check(schema, inner, spec.additionalProperties, `${where}.${key}`, problems);
  }
}

function checkObject(
  schema: ProviderSchema,
  value: Record<string, unknown>,
  properties: Record<string, PropertySpec>,
  required: string[],
  where: string,
  problems: string[],
): void {
  for (const [key, inner] of Object.entries(value)) {
    if (key.startsWith("__")) continue; // SDK bookkeeping (e.g. __defaults), never sent to the provider
    if (!(key in properties)) problems.push(`${where}.${key}: not a property of the schema`);
    else check(schema, inner, properties[key], `${where}.${key}`, problems);
  }
  for (const key of required) if (value[key] === undefined) problems.push(`${where}.${key}: required, but missing`);
}

describeWithSchemas("the example stacks use the providers' real property names", () => {
  const schemas: Record<string, ProviderSchema> = {};
  const resources: RecordedResource[] = [];

  beforeAll(async () => {
    for (const [provider, file] of Object.entries(SCHEMA_FILES)) schemas[provider] = JSON.parse(fs.readFileSync(path.join(sharedDir, file), "utf8"));
    const root = path.resolve(__dirname, "..", "..");
    for (const stack of ["staging", "production"]) resources.push(...(await runStackInChild({ projectDir: root, stack })).resources);
  });

  it.each(Object.keys(SCHEMA_FILES))("every %s resource matches the schema", (provider) => {
    const ours = resources.filter((r) => r.custom && r.type.startsWith(`${provider}:`));
    expect(ours.length).toBeGreaterThan(0);
    const problems: string[] = [];
    for (const resource of ours) {
      const spec = schemas[provider].resources[resource.type];
      if (spec === undefined) {
        problems.push(`${resource.type}: no such resource in the schema`);
        continue;
      }
      checkObject(schemas[provider], resource.inputs, spec.inputProperties ?? {}, spec.requiredInputs ?? [], `${resource.type} '${resource.name}'`, problems);
    }
    expect(problems).toEqual([]);
  });

  it("the check catches a misspelt property (it can fail)", () => {
    const problems: string[] = [];
    const spec = schemas.github.resources["github:index/repositoryEnvironment:RepositoryEnvironment"];
    checkObject(schemas.github, { repository: "r", environment: "e", waitTimers: 5, reviewers: [{ team: [1] }] }, spec.inputProperties ?? {}, spec.requiredInputs ?? [], "env", problems);
    expect(problems).toEqual(["env.waitTimers: not a property of the schema", "env.reviewers[0].team: not a property of the schema"]);
  });
});
