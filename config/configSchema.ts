/**
 * The JSON Schema of a stack file (`Pulumi.<stack>.yaml`), generated from the config contract
 * (`stackConfigSchema` in config.ts) with zod's `toJSONSchema`, so editors complete and validate
 * `slipway:*` keys (yaml-language-server: the example stack files name it on their first line).
 *
 *   npm run schema            writes schema/slipway-stack.schema.json
 *   npm run schema -- --check exits 1 when the committed file is not what the contract generates
 *
 * The schema describes the document Pulumi reads: a `config:` map of namespaced keys, Slipway's
 * under `slipway:`, other packages' (`github:owner`, `pulumi:disable-default-providers`) passed
 * through. It is the contract's input side (defaults make a key optional; each default is
 * shown). What JSON Schema cannot say (cross-key rules such as "reviewer teams need an id", or
 * a contract migration's `completes`) is left to the program, which checks them when it runs.
 *
 * The contract's custom types are described by what they accept, probed here, never as `{}`:
 * a secret takes a `secure:` value (`{secure: <ciphertext>}`), a plain value takes a string (a
 * `secure:` value there is an error, as in the program), and a refused setting (`superuser`,
 * `breakGlassTeamId`) takes nothing, with the program's reason as its description. A custom
 * type that is none of these fails the generation, so a new one gets a deliberate description.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { NAMESPACE, SecretString, stackConfigSchema } from "./config";

/** Where the generated schema is committed, relative to the project root. */
export const STACK_SCHEMA_FILE = path.join("schema", "slipway-stack.schema.json");

type JsonSchema = Record<string, unknown>;

/** The formats JSON Schema defines; zod adds its own (`starts_with`), which validators reject. */
const STANDARD_FORMATS = new Set([
  "date-time",
  "date",
  "time",
  "duration",
  "email",
  "idn-email",
  "hostname",
  "idn-hostname",
  "ipv4",
  "ipv6",
  "uri",
  "uri-reference",
  "iri",
  "iri-reference",
  "uuid",
  "uri-template",
  "json-pointer",
  "relative-json-pointer",
  "regex",
]);

/** zod types `toJSONSchema` turns into `{}` (with `unrepresentable: "any"`), besides custom. */
const UNREPRESENTABLE = new Set(["bigint", "symbol", "undefined", "void", "date", "map", "set", "transform", "nan", "function", "promise"]);

/** A `secure:` leaf as it is written in a stack file. */
const SECURE_VALUE: JsonSchema = {
  type: "object",
  properties: { secure: { type: "string", minLength: 1, description: "ciphertext of the stack's secrets provider" } },
  required: ["secure"],
  additionalProperties: false,
  description: "a secret: set it with `pulumi config set --secret --path '<key>' <value>`",
};

/** What a `z.custom` of the contract accepts, probed with the values a stack file can hold. */
function describeCustom(schema: z.ZodType): JsonSchema {
  const acceptsSecret = schema.safeParse(new SecretString("probe")).success;
  const acceptsString = schema.safeParse("probe").success;
  if (acceptsSecret && !acceptsString) return { ...SECURE_VALUE };
  if (acceptsString && !acceptsSecret) return { type: "string" };
  if (
    !acceptsSecret &&
    !acceptsString &&
    !schema.safeParse({}).success &&
    !schema.safeParse(1).success &&
    !schema.safeParse(true).success
  ) {
    const reason = schema.safeParse("probe").error?.issues[0]?.message;
    return { not: {}, ...(reason ? { description: reason } : {}) };
  }
  throw new Error(
    `configSchema: a z.custom in the config contract accepts neither exactly secrets, nor plain strings, nor nothing: describe it in config/configSchema.ts`,
  );
}

function replace(target: JsonSchema, content: JsonSchema): void {
  const keep = target.default === undefined ? {} : { default: target.default };
  for (const key of Object.keys(target)) delete target[key];
  Object.assign(target, content, keep);
}

/** The JSON Schema of what one `slipway:*` key takes (the contract's input side). */
function keySchemas(): { properties: Record<string, JsonSchema>; required: string[] } {
  const generated = z.toJSONSchema(stackConfigSchema, {
    io: "input",
    target: "draft-2020-12",
    // Custom types come out as `{}`, to be described below; anything else unrepresentable fails.
    unrepresentable: "any",
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; in?: z.ZodType; out?: z.ZodType } } })._zod.def;
      const json = ctx.jsonSchema as JsonSchema;
      if (UNREPRESENTABLE.has(def.type)) {
        throw new Error(
          `configSchema: the config contract has a ${def.type} schema, which JSON Schema cannot describe: describe it in config/configSchema.ts`,
        );
      }
      if (def.type === "custom") {
        replace(json, describeCustom(ctx.zodSchema as unknown as z.ZodType));
      } else if (def.type === "pipe" && def.in !== undefined && def.out !== undefined) {
        // plainString.pipe(z.string().regex(...)): the string's own rules (pattern, length,
        // format) describe the value better than the custom's bare `string`.
        const inner = (def.in as unknown as { _zod: { def: { type: string } } })._zod.def;
        if (inner.type === "custom" && describeCustom(def.in).type === "string") {
          const { $schema: _ignored, ...out } = z.toJSONSchema(def.out, { io: "input", target: "draft-2020-12" }) as JsonSchema;
          if (out.type === "string") replace(json, out);
        }
      }
      // zod's own formats say what the pattern beside them already says.
      if (typeof json.format === "string" && !STANDARD_FORMATS.has(json.format)) delete json.format;
    },
  }) as JsonSchema & { properties: Record<string, JsonSchema>; required?: string[] };
  const properties: Record<string, JsonSchema> = {};
  for (const [key, schema] of Object.entries(generated.properties)) properties[`${NAMESPACE}:${key}`] = schema;
  return { properties, required: (generated.required ?? []).map((key) => `${NAMESPACE}:${key}`) };
}

/** The JSON Schema of a whole stack file. */
export function stackFileJsonSchema(): JsonSchema {
  const { properties, required } = keySchemas();
  return {
    $schema: "https://json-schema.org/draft/2020-12/schema",
    title: "Slipway stack file (Pulumi.<stack>.yaml)",
    description: `Generated from config/config.ts by \`npm run schema\`; do not edit. The program checks more than this schema can say (cross-key rules), when it runs.`,
    type: "object",
    properties: {
      secretsprovider: { type: "string", description: "the stack's secrets provider (absent: Pulumi Cloud's)" },
      encryptedkey: { type: "string", description: "the data key, encrypted by a cloud secrets provider" },
      encryptionsalt: { type: "string", description: "the passphrase secrets provider's salt" },
      environment: { description: "Pulumi ESC environments the stack imports" },
      config: {
        type: "object",
        description: `Config keys, each with its namespace: Slipway's under ${NAMESPACE}: (the program reads only these), other packages' under theirs.`,
        properties,
        required,
        patternProperties: {
          [`^(?!${NAMESPACE}:)[^:]+:.+$`]: {
            description: "another package's config (github:owner, pulumi:disable-default-providers, ...): not Slipway's to check",
          },
        },
        additionalProperties: false,
      },
    },
    required: ["config"],
  };
}

/** The committed file's text: the schema, two-space indented, one trailing newline. */
export function renderStackFileJsonSchema(): string {
  return `${JSON.stringify(stackFileJsonSchema(), null, 2)}\n`;
}

function main(argv: string[]): number {
  const file = path.resolve(__dirname, "..", STACK_SCHEMA_FILE);
  const text = renderStackFileJsonSchema();
  if (argv.includes("--check")) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
    if (committed === text) return 0;
    process.stderr.write(`${STACK_SCHEMA_FILE} is not what the config contract generates: run \`npm run schema\`\n`);
    return 1;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  process.stderr.write(`wrote ${STACK_SCHEMA_FILE}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
