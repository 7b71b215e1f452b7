/**
 * The stand-ins' "cloud" for `pulumi import`: what exists before Pulumi manages it. A test writes
 * it as a JSON file and names it in SLIPWAY_STANDIN_IMPORT_STATE; Read of a resource the engine
 * holds no state for (an import) answers from it, by type token and provider id, as the real
 * provider answers from the API.
 *
 * File: `[{ "type": "<type token>", "id": "<provider id>", "inputs": {...}, "outputs"?: {...} }]`.
 * Without `outputs`, the outputs are the inputs completed with the stand-in's computed values
 * (what Create would have reported for them).
 */
import * as fs from "node:fs";
import { z } from "zod";

/** Environment variable naming the import "cloud" file. */
export const IMPORT_STATE_ENV = "SLIPWAY_STANDIN_IMPORT_STATE";

const entrySchema = z
  .object({
    type: z.string().min(1),
    id: z.string().min(1),
    inputs: z.record(z.string(), z.unknown()),
    outputs: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

/** One resource of the cloud. */
export type CloudResource = z.infer<typeof entrySchema>;

/** The cloud, keyed by `<type>\u0000<id>`. */
export type Cloud = Map<string, CloudResource>;

const key = (type: string, id: string) => `${type}\u0000${id}`;

/** Read and check the cloud file; a bad file is an error naming it and the entry. */
export function loadCloud(file: string): Cloud {
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`${IMPORT_STATE_ENV}=${file}: cannot read it as JSON: ${(err as Error).message}`);
  }
  const result = z.array(entrySchema).safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`${IMPORT_STATE_ENV}=${file}: at ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  const cloud: Cloud = new Map();
  for (const [index, entry] of result.data.entries()) {
    if (cloud.has(key(entry.type, entry.id)))
      throw new Error(`${IMPORT_STATE_ENV}=${file}: at ${index}: '${entry.type}' '${entry.id}' is listed twice`);
    cloud.set(key(entry.type, entry.id), entry);
  }
  return cloud;
}

/** The resource of `type` with provider id `id`, if the cloud has it. */
export function findInCloud(cloud: Cloud, type: string, id: string): CloudResource | undefined {
  return cloud.get(key(type, id));
}
