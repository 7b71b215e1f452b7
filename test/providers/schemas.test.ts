/**
 * The vendored and derived schemas are what their README says they are: the derived ones are
 * reproduced by their script from the installed SDKs, the Kubernetes subset is closed under type
 * references, and every allowed-values rule of validators.json names a real property (and, for
 * the bridged schemas, the values its description documents).
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { deriveSchema } from "../../providers/scripts/deriveSchemaFromSdk";
import {
  KUBERNETES_MODULE,
  KUBERNETES_MODULE_VERSION,
  SCHEMA_PATH_IN_MODULE,
  subsetSchema,
} from "../../providers/scripts/vendorKubernetesSchema";
import { type PackageSchema, type PropertySpec, SCHEMA_DIR, SCHEMA_FILES, loadSchema, refToken } from "../../providers/schema";
import { allowedValuesFile } from "../../providers/validate";
import { PROJECT_DIR } from "./helpers";

const readJson = (file: string) => JSON.parse(fs.readFileSync(path.join(SCHEMA_DIR, file), "utf8")) as PackageSchema;
const sdkDir = (pkg: string) => path.dirname(require.resolve(`${pkg}/package.json`, { paths: [PROJECT_DIR] }));

describe("derived schemas", () => {
  test("vercel: the committed file is what deriveSchemaFromSdk.ts derives from @pulumiverse/vercel", () => {
    expect(deriveSchema(sdkDir("@pulumiverse/vercel"))).toEqual(readJson(SCHEMA_FILES.vercel));
  });

  test("random: the committed file is derived with every input replacing", () => {
    const derived = deriveSchema(sdkDir("@pulumi/random"), { allInputsReplace: true });
    expect(derived).toEqual(readJson(SCHEMA_FILES.random));
    for (const resource of Object.values(derived.resources)) {
      for (const spec of Object.values(resource.inputProperties ?? {})) expect(spec.willReplaceOnChanges).toBe(true);
    }
  });

  test("the SDK facts land in the schema: required inputs, secrets, output-only properties, nested types", () => {
    const vercel = loadSchema("vercel");
    const variable = vercel.resources["vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable"];
    expect(variable.requiredInputs).toEqual(["key", "projectId", "sensitive"]);
    expect(variable.inputProperties?.value.secret).toBe(true);
    expect(vercel.resources["vercel:index/projectDomain:ProjectDomain"].properties?.verified).toEqual(
      expect.objectContaining({ type: "boolean" }),
    );
    expect(vercel.resources["vercel:index/projectDomain:ProjectDomain"].inputProperties?.verified).toBeUndefined();
    expect(vercel.types?.["vercel:index/ProjectGitRepository:ProjectGitRepository"]?.required).toEqual(["repo", "type"]);
    expect(vercel.provider?.inputProperties?.apiToken.secret).toBe(true);
    const password = loadSchema("random").resources["random:index/randomPassword:RandomPassword"];
    expect(password.properties?.result.secret).toBe(true);
    expect(password.requiredInputs).toEqual(["length"]);
  });
});

describe("the Kubernetes subset", () => {
  /** Every `#/types/` reference a spec makes. */
  function refs(spec: PropertySpec | undefined, into: string[]): void {
    if (!spec) return;
    if (spec.$ref && refToken(spec.$ref)) into.push(refToken(spec.$ref) as string);
    refs(spec.items, into);
    refs(spec.additionalProperties, into);
    for (const alternative of spec.oneOf ?? []) refs(alternative, into);
  }

  test("every type it refers to is in it", () => {
    const schema = loadSchema("kubernetes");
    const referenced: string[] = [];
    for (const resource of [...Object.values(schema.resources), schema.provider!]) {
      for (const spec of Object.values(resource.properties ?? {})) refs(spec, referenced);
      for (const spec of Object.values(resource.inputProperties ?? {})) refs(spec, referenced);
    }
    for (const type of Object.values(schema.types ?? {})) {
      for (const spec of Object.values(type.properties ?? {})) refs(spec, referenced);
    }
    expect(referenced.filter((token) => !schema.types?.[token])).toEqual([]);
  });

  // The full schema lives in the Go module cache when the module was downloaded on this machine.
  const modCache = process.env.GOMODCACHE ?? path.join(process.env.GOPATH ?? path.join(process.env.HOME ?? "", "go"), "pkg", "mod");
  const fullSchema = path.join(modCache, `${KUBERNETES_MODULE}@${KUBERNETES_MODULE_VERSION}`, SCHEMA_PATH_IN_MODULE);
  (fs.existsSync(fullSchema) ? test : test.skip)("re-vendoring from the module reproduces the committed file", () => {
    const subset = subsetSchema(JSON.parse(fs.readFileSync(fullSchema, "utf8")) as PackageSchema);
    expect(`${JSON.stringify(subset, null, 2)}\n`).toEqual(fs.readFileSync(path.join(SCHEMA_DIR, SCHEMA_FILES.kubernetes), "utf8"));
  });
});

describe("vendored copies", () => {
  /** The digests the README records for the files copied verbatim. */
  test.each([
    ["github", "930328d3039938e004dadf6363c9df59eaadb32dfc811ed3ed8cc03dd88a1971"],
    ["heroku", "0be2353cf6a138f7685786e80b0667b075a753f33c5abe71dd7868d51b92251f"],
    ["postgresql", "c932cd0b755402b363599e11a96dac17139c4c96dce78b257b00ce6ed48c79a1"],
  ] as const)("%s is byte for byte the upstream schema (sha256 in the README)", (pkg, sha256) => {
    const file = path.join(SCHEMA_DIR, SCHEMA_FILES[pkg]);
    expect(crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")).toBe(sha256);
    expect(fs.readFileSync(path.join(SCHEMA_DIR, "README.md"), "utf8")).toContain(sha256);
  });
});

describe("validators.json", () => {
  /** A bridged description with each language span replaced by its HCL (wire) spelling. */
  const hclText = (description = "") =>
    description.replace(/<span [^>]*pulumi-lang-hcl="([^"]*)"[^>]*>[^<]*<\/span>/g, "$1").replace(/\s+/g, " ");

  const rules: [string, string, string, string[]][] = [];
  for (const [pkg, owners] of Object.entries(allowedValuesFile())) {
    if (typeof owners === "string") continue;
    for (const [owner, properties] of Object.entries(owners)) {
      for (const [property, rule] of Object.entries(properties)) rules.push([pkg, owner, property, rule.values]);
    }
  }

  test.each(rules)("%s %s.%s is a real input property", (pkg, owner, property) => {
    const schema = loadSchema(pkg);
    const spec = schema.resources[owner]?.inputProperties?.[property] ?? schema.types?.[owner]?.properties?.[property];
    expect(spec).toBeDefined();
  });

  test.each(rules.filter(([pkg]) => ["github", "heroku", "postgresql"].includes(pkg)))(
    "%s %s.%s: the description lists the same values",
    (pkg, owner, property, values) => {
      const schema = loadSchema(pkg);
      const spec = schema.resources[owner]?.inputProperties?.[property] ?? schema.types?.[owner]?.properties?.[property];
      const text = hclText(spec?.description);
      for (const value of values) expect(text).toMatch(new RegExp(`(\`|\\b)${value}(\`|\\b)`));
    },
  );
});
