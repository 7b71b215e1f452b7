/**
 * The stack file's JSON Schema (schema/slipway-stack.schema.json, for editors): it is exactly
 * what the config contract generates, it accepts the example stacks, and it rejects what the
 * program rejects wherever JSON Schema can say so, at the key the program names.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Ajv2020, { type ErrorObject } from "ajv/dist/2020";
import addFormats from "ajv-formats";
import { parse as parseYaml, stringify } from "yaml";
import { ConfigError, parseStackConfig } from "../../config/config";
import { STACK_SCHEMA_FILE, renderStackFileJsonSchema, stackFileJsonSchema } from "../../config/configSchema";
import { readStackFile } from "../../config/stackFile";

const ROOT = path.resolve(__dirname, "..", "..");
const EXAMPLES = ["staging", "production"];

function validator() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(fs.readFileSync(path.join(ROOT, STACK_SCHEMA_FILE), "utf8")));
}

type Document = { config: Record<string, any> } & Record<string, unknown>;

function example(stack: string): Document {
  return parseYaml(fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8")) as Document;
}

/** Where the schema finds fault: each error's path, `/config/slipway:release/level` style. */
function schemaErrors(document: unknown): string[] {
  const validate = validator();
  if (validate(document)) return [];
  return (validate.errors as ErrorObject[]).map((error) =>
    error.keyword === "additionalProperties"
      ? `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`
      : error.instancePath,
  );
}

/** The program's verdict on the same document: its config problems' keys (none: accepted). */
function programProblems(document: Document): string[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-schema-"));
  try {
    fs.writeFileSync(path.join(dir, "Pulumi.check.yaml"), stringify(document));
    const file = readStackFile(dir, "check", { checkCiphertexts: false });
    parseStackConfig({ file: file.file, values: file.values, securePaths: file.securePaths });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((problem) => problem.key);
    throw err;
  }
}

it("the committed schema is what the config contract generates, byte for byte (npm run schema regenerates it)", () => {
  const committed = fs.readFileSync(path.join(ROOT, STACK_SCHEMA_FILE), "utf8");
  expect(committed === renderStackFileJsonSchema() ? "in step" : `${STACK_SCHEMA_FILE} is stale: run npm run schema`).toBe("in step");
});

it("the example stack files name the schema on their first line, for yaml-language-server", () => {
  for (const stack of EXAMPLES) {
    const firstLine = fs.readFileSync(path.join(ROOT, `Pulumi.${stack}.yaml`), "utf8").split("\n")[0];
    expect(firstLine).toBe(`# yaml-language-server: $schema=./${STACK_SCHEMA_FILE.split(path.sep).join("/")}`);
  }
});

it.each(EXAMPLES)("the %s example is valid under the schema, as the program finds it", (stack) => {
  expect(schemaErrors(example(stack))).toEqual([]);
  expect(programProblems(example(stack))).toEqual([]);
});

describe("the custom types are described by what they accept", () => {
  const keys = (stackFileJsonSchema().properties as any).config.properties;

  it("a secret takes a secure: value", () => {
    expect(keys["slipway:github"].properties.ledgerDeployKey.properties.privateKey).toMatchObject({
      type: "object",
      properties: { secure: { type: "string" } },
      required: ["secure"],
      additionalProperties: false,
    });
  });

  it("a plain value takes a string, with the contract's pattern", () => {
    expect(keys["slipway:github"].properties.owner).toEqual({ type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9._-]*$" });
  });

  it("an env var takes either", () => {
    expect(keys["slipway:apps"].properties.vercel.items.properties.env.additionalProperties.anyOf.map((s: any) => s.type)).toEqual([
      "string",
      "object",
    ]);
  });

  it("a refused setting takes nothing and says why", () => {
    expect(keys["slipway:databases"].items.properties.superuser).toEqual({
      not: {},
      description: expect.stringContaining("superuser is not a setting"),
    });
  });

  it("no schema in it is the empty schema that accepts anything", () => {
    const empties: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (node === null || typeof node !== "object") return;
      if (!Array.isArray(node) && Object.keys(node).length === 0 && !at.endsWith("/not")) empties.push(at);
      for (const [key, child] of Object.entries(node)) if (key !== "default" && key !== "enum") walk(child, `${at}/${key}`);
    };
    walk(keys, "");
    expect(empties).toEqual([]);
  });
});

describe("a bad stack file is rejected by the schema where the program rejects it", () => {
  const cases: { name: string; change: (config: Record<string, any>) => void; schema: string; program: string }[] = [
    {
      name: "a misspelt slipway key",
      change: (config) => (config["slipway:releese"] = config["slipway:release"]),
      schema: "/config/slipway:releese",
      program: "slipway:releese",
    },
    {
      name: "plain text where only a secret goes",
      change: (config) => (config["slipway:environments"].production.secrets.HEROKU_API_KEY = "plain-text-key"),
      schema: "/config/slipway:environments/production/secrets/HEROKU_API_KEY",
      program: "slipway:environments.production.secrets.HEROKU_API_KEY",
    },
    {
      name: "a secure: value where a plain value goes",
      change: (config) => (config["slipway:release"].changeRequest = { secure: "v1:AAAA:BBBB" }),
      schema: "/config/slipway:release/changeRequest",
      program: "slipway:release.changeRequest",
    },
    {
      name: "a release level that does not exist",
      change: (config) => (config["slipway:release"].level = "L9"),
      schema: "/config/slipway:release/level",
      program: "slipway:release.level",
    },
    {
      name: "an image by tag, not by digest",
      change: (config) => (config["slipway:release"].artifacts.api.image = "ghcr.io/acme/api:latest"),
      schema: "/config/slipway:release/artifacts/api/image",
      program: "slipway:release.artifacts.api.image",
    },
    {
      name: "a role privilege Slipway refuses",
      change: (config) => (config["slipway:databases"][0].superuser = true),
      schema: "/config/slipway:databases/0/superuser",
      program: "slipway:databases[0].superuser",
    },
    {
      name: "a required section left out",
      change: (config) => delete config["slipway:release"],
      schema: "/config",
      program: "slipway:release",
    },
  ];

  it.each(cases)("$name", ({ change, schema, program }) => {
    const document = example("production");
    change(document.config);
    expect(schemaErrors(document)).toContain(schema);
    expect(programProblems(document)).toContain(program);
  });

  it("other packages' keys pass through; a key without a namespace, which the program never reads, does not", () => {
    const document = example("production");
    document.config["kubernetes:context"] = "anything";
    expect(schemaErrors(document)).toEqual([]);
    document.config.environment = "production";
    expect(schemaErrors(document)).toEqual(["/config/environment"]);
  });
});
