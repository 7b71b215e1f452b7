/**
 * GitHub's own OpenAPI description (`@octokit/openapi`): the fixture server checks every answer
 * it gives against the schema the description documents for that route and status, so the
 * fixtures cannot drift from the real API's shapes.
 */
import Ajv, { type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components: Record<string, unknown>;
}

let spec: OpenApiDocument | undefined;
let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

/**
 * OpenAPI 3.0's `nullable: true` as JSON Schema: `null` is one more allowed type (and enum value),
 * or, on a schema without a type (a `$ref`, an `allOf`), one more alternative.
 */
function jsonSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(jsonSchema);
  if (node === null || typeof node !== "object") return node;
  const { nullable, ...rest } = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) out[key] = key === "example" || key === "examples" ? value : jsonSchema(value);
  if (nullable !== true) return out;
  if (typeof out.type === "string") {
    out.type = [out.type, "null"];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: "null" }] };
}

function load(): { spec: OpenApiDocument; ajv: Ajv } {
  if (!spec || !ajv) {
    spec = jsonSchema(require("@octokit/openapi/generated/api.github.com.json")) as OpenApiDocument;
    // `example`, `x-github` and friends are annotations: not strict about unknown keywords.
    ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    for (const format of ["int32", "int64", "repo.nwo", "ssh-key", "uint32"]) ajv.addFormat(format, true);
  }
  return { spec, ajv };
}

/** The route template of the description that a concrete path matches (`/repos/acme/web/labels` -> `/repos/{owner}/{repo}/labels`). */
export function routeOf(pathname: string): string | undefined {
  const { spec } = load();
  const parts = pathname.split("/");
  return Object.keys(spec.paths).find((template) => {
    const want = template.split("/");
    return (
      want.length === parts.length &&
      want.every((segment, i) => (segment.startsWith("{") && segment.endsWith("}") ? parts[i] !== "" : segment === parts[i]))
    );
  });
}

/** Problems of a GET answer against the description (empty when it conforms). */
export function shapeProblems(pathname: string, status: number, body: unknown): string[] {
  const { spec, ajv } = load();
  const route = routeOf(pathname);
  if (route === undefined) return [`${pathname}: no such route in GitHub's REST API description`];
  const response = spec.paths[route].get?.responses[String(status)];
  if (response === undefined) return [`${route}: the description documents no ${status} answer`];
  const schema = response.content?.["application/json"]?.schema;
  if (schema === undefined) return [];
  const key = `${route} ${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ ...(schema as object), components: spec.components });
    compiled.set(key, validate);
  }
  if (validate(body)) return [];
  return (validate.errors ?? []).slice(0, 5).map((error) => `${key}: ${error.instancePath || "(body)"} ${error.message}`);
}
