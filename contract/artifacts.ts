/**
 * Artifacts: what staging validates and production must run, the same bytes. The config contract,
 * the ledger and the pack's promotion policies all judge artifact references with these formats,
 * and compare two artifacts with these functions, so "immutable" and "the same artifact" mean one
 * thing everywhere (000 §3–4, 002 §3).
 */
import { z } from "zod";

/** A container image pinned by digest: `registry/name@sha256:<64 hex>` (a tag such as `:latest` can move). */
export const IMAGE_BY_DIGEST = /^[a-z0-9][a-z0-9._/:-]*@sha256:[0-9a-f]{64}$/;
/** A full lowercase git commit SHA, as git prints it: a branch name or a short SHA deploys whatever it points at. */
export const COMMIT_SHA = /^[0-9a-f]{40}$/;
/** A lowercase UUID: a Heroku slug id (and pipeline id). */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An artifact reference, as staging validated it and production must run it. */
export const artifactSchema = z
  .object({
    /** Container image pinned by digest: `registry/name@sha256:<64 hex>`. */
    image: z.string().optional(),
    /** Git commit SHA a Vercel deployment is built from (40 hex). */
    commitSha: z.string().optional(),
    /** Heroku slug id (UUID) a release is created from. */
    slugId: z.string().optional(),
  })
  .strict();
export type Artifact = z.infer<typeof artifactSchema>;

/** The references an artifact may carry, in the order messages name them. */
export const ARTIFACT_FIELDS = ["image", "commitSha", "slugId"] as const satisfies readonly (keyof Artifact)[];

/** The format each reference must have to be immutable. */
export const ARTIFACT_FORMATS: Readonly<Record<keyof Artifact, RegExp>> = { image: IMAGE_BY_DIGEST, commitSha: COMMIT_SHA, slugId: UUID };

/** Whether `value` is an immutable reference of its kind. */
export function isImmutableReference(kind: keyof Artifact, value: string): boolean {
  return ARTIFACT_FORMATS[kind].test(value);
}

/** Two artifacts are the same when every reference they carry is equal (absent equals only absent). */
export function sameArtifact(left: Artifact, right: Artifact): boolean {
  return ARTIFACT_FIELDS.every((field) => left[field] === right[field]);
}

/** Where two artifact sets differ (`api.image`, `worker (only on one side)`), apps in name order. */
export function artifactDifferences(a: Record<string, Artifact>, b: Record<string, Artifact>): string[] {
  const differences: string[] = [];
  const apps = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  for (const app of apps) {
    const left = a[app];
    const right = b[app];
    if (left === undefined || right === undefined) {
      differences.push(`${app} (only on one side)`);
      continue;
    }
    for (const field of ARTIFACT_FIELDS) {
      if (left[field] !== right[field]) differences.push(`${app}.${field}`);
    }
  }
  return differences;
}

/** Artifact sets equal app by app and reference by reference. */
export function sameArtifacts(a: Record<string, Artifact>, b: Record<string, Artifact>): boolean {
  return artifactDifferences(a, b).length === 0;
}
