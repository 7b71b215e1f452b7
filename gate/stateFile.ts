/**
 * Read a `pulumi stack export` file (deployment version 3) into a RecordedStack the gate judges.
 *
 * The gate judges an export the way the engine judges a snapshot (AnalyzeSnapshot,
 * pkg/resource/deploy/analyze_snapshot.go): every resource not pending deletion, the root
 * `pulumi:pulumi:Stack` and provider resources included; Analyze sees each resource's inputs
 * and AnalyzeStack its outputs, with its provider's URN, type, name and inputs. A snapshot holds
 * no deleteBeforeReplace, so analyzers see it unset.
 *
 * Secrets appear in exports as `{<sig>: <secret sig>, ciphertext}`, or `{..., plaintext}` with
 * --show-secrets. A plaintext secret stays wrapped as a secret with its value, as the engine hands
 * the pack decrypted state: the pack judges what the engine would judge. A ciphertext secret the
 * gate cannot decrypt becomes an opaque value (OPAQUE_SECRET_VALUE), and a policy that needs such a
 * value to judge says it cannot, rather than passing.
 */
import * as fs from "node:fs";
import { z } from "zod";
import { type RecordedResource, type RecordedStack, SECRET_SIG, SIG_KEY, redact } from "./model";
import { UserError } from "../config/errors";
import { parseUrn } from "./wire";

/** The value every secret from an export carries: opaque, never the secret. */
import { OPAQUE_SECRET_VALUE } from "../contract";
export { OPAQUE_SECRET_VALUE };

const exportedResourceSchema = z.looseObject({
  urn: z.string().min(1),
  type: z.string().min(1),
  custom: z.boolean().optional(),
  id: z.string().optional(),
  inputs: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.unknown()).optional(),
  parent: z.string().optional(),
  dependencies: z.array(z.string()).optional(),
  protect: z.boolean().optional(),
  retainOnDelete: z.boolean().optional(),
  provider: z.string().optional(),
  propertyDependencies: z.record(z.string(), z.array(z.string())).optional(),
  additionalSecretOutputs: z.array(z.string()).optional(),
  ignoreChanges: z.array(z.string()).optional(),
  aliases: z.array(z.unknown()).optional(),
  customTimeouts: z.looseObject({ create: z.number().optional(), update: z.number().optional(), delete: z.number().optional() }).optional(),
  delete: z.boolean().optional(),
});

const stackExportSchema = z.looseObject({
  version: z.literal(3, { error: "only deployment version 3 (what `pulumi stack export` writes) is supported" }),
  deployment: z.looseObject({
    resources: z.array(exportedResourceSchema).optional(),
  }),
});

/** Read and convert a stack export. Any problem is a UserError naming the file and the key. */
export function readStackExport(file: string): RecordedStack {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message;
    throw new UserError(`cannot read the stack export: ${reason}`, { file });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UserError(`not valid JSON (expected the output of \`pulumi stack export\`): ${(err as Error).message}`, { file });
  }
  const parsed = stackExportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.length > 0 ? issue.path.map(String).join(".") : "(top level)";
    throw new UserError(issue.message, { file, key });
  }

  const resources = parsed.data.deployment.resources ?? [];
  if (resources.length === 0) {
    throw new UserError("the export has no resources, so no stack to judge", { file, key: "deployment.resources" });
  }
  let stack: string | undefined;
  let project: string | undefined;
  const judged: RecordedResource[] = [];
  let outputs: Record<string, unknown> = {};
  resources.forEach((resource, index) => {
    const key = `deployment.resources.${index}.urn`;
    const urn = parseUrn(resource.urn);
    if (!urn) throw new UserError(`${JSON.stringify(resource.urn)} is not a Pulumi URN`, { file, key });
    if (stack === undefined) {
      stack = urn.stack;
      project = urn.project;
    } else if (urn.stack !== stack || urn.project !== project) {
      throw new UserError(`belongs to ${urn.project}/${urn.stack}, not ${project}/${stack}: an export holds one stack`, { file, key });
    }
    if (resource.delete === true) return;
    if (resource.type === "pulumi:pulumi:Stack") outputs = redact(resource.outputs ?? {}) as Record<string, unknown>;
    judged.push({
      urn: resource.urn,
      type: resource.type,
      name: urn.name,
      custom: resource.custom ?? false,
      parent: resource.parent || undefined,
      dependencies: resource.dependencies ?? [],
      propertyDependencies: resource.propertyDependencies ?? {},
      protect: resource.protect ?? false,
      retainOnDelete: resource.retainOnDelete ?? false,
      id: resource.id || undefined,
      provider: resource.provider || undefined,
      inputs: exportedSecrets(resource.inputs ?? {}) as Record<string, unknown>,
      outputs: exportedSecrets(resource.outputs ?? {}) as Record<string, unknown>,
      additionalSecretOutputs: resource.additionalSecretOutputs ?? [],
      ignoreChanges: resource.ignoreChanges ?? [],
      // Aliases in state are URNs (older exports) or alias specs; analyzers get the URNs.
      aliases: (resource.aliases ?? []).filter((alias): alias is string => typeof alias === "string"),
      customTimeouts: {
        create: resource.customTimeouts?.create ?? 0,
        update: resource.customTimeouts?.update ?? 0,
        delete: resource.customTimeouts?.delete ?? 0,
      },
    });
  });

  return { stack: stack as string, project: project as string, resources: judged, outputs, invokes: [] };
}

/**
 * Re-wrap every exported secret as a wire secret: a --show-secrets `plaintext` (JSON text of the
 * value) with its value, a `ciphertext` with an opaque one.
 */
export function exportedSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(exportedSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG)
      return {
        [SIG_KEY]: SECRET_SIG,
        value: typeof record.plaintext === "string" ? decodePlaintext(record.plaintext) : OPAQUE_SECRET_VALUE,
      };
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) out[key] = exportedSecrets(inner);
    return out;
  }
  return value;
}

/** `plaintext` is the value's JSON text; anything else is kept as the string it is. */
function decodePlaintext(plaintext: string): unknown {
  try {
    return JSON.parse(plaintext);
  } catch {
    return plaintext;
  }
}
