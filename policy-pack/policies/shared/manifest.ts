/**
 * The release manifest: the `SLIPWAY_RELEASE_MANIFEST` GitHub environment variable whose JSON
 * value matches the contract's releaseManifestSchema. It is how production's policies learn what
 * staging validated (a policy cannot read another stack).
 */
import type { PolicyResource } from "@pulumi/policy";
import { RELEASE_MANIFEST_VARIABLE, releaseManifestSchema, type ReleaseManifest } from "../../../contract";
import { ofType, text, TYPES } from "./resources";

/** A manifest variable, parsed or with the reason it could not be. */
export type ManifestReading =
  | { resource: PolicyResource; manifest: ReleaseManifest; error?: undefined }
  | { resource: PolicyResource; manifest?: undefined; error: string };

/** Whether the resource is the manifest variable. */
export function isManifestVariable(resource: { type: string; props: Record<string, unknown> }): boolean {
  return resource.type === TYPES.environmentVariable && text(resource.props.variableName) === RELEASE_MANIFEST_VARIABLE;
}

/** Parse a manifest value; the error names the first problems in one line. */
export function parseManifest(value: string | undefined): { manifest: ReleaseManifest } | { error: string } {
  if (value === undefined) return { error: "its value is not a string" };
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch (error) {
    return { error: `its value is not JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  const result = releaseManifestSchema.safeParse(json);
  if (!result.success) {
    const problems = result.error.issues
      .slice(0, 3)
      .map((issue) => `${issue.path.length > 0 ? issue.path.join(".") : "(root)"}: ${issue.message}`);
    return { error: `it does not match the release manifest contract (${problems.join("; ")})` };
  }
  return { manifest: result.data };
}

/** Every manifest variable of the stack, parsed. Reading the value may throw UnknownValueError during preview. */
export function manifestsOf(resources: PolicyResource[]): ManifestReading[] {
  // The same manifest delivered to several environments (a stack's deploy and rollback
  // environments) is one release: judged, and reported, once, on its first carrier.
  const seen = new Set<string>();
  return ofType(resources, TYPES.environmentVariable)
    .filter(isManifestVariable)
    .filter((resource) => {
      const raw = text(resource.props.value);
      if (raw === undefined) return true;
      if (seen.has(raw)) return false;
      seen.add(raw);
      return true;
    })
    .map((resource) => {
      const parsed = parseManifest(text(resource.props.value));
      return "error" in parsed ? { resource, error: parsed.error } : { resource, manifest: parsed.manifest };
    });
}

/**
 * The stack's release level as far as the policies are concerned: `L3` if any manifest says so,
 * `unreadable` when a manifest exists but cannot be read (callers treat that as L3, not as a pass),
 * `none` without a manifest.
 */
export function releaseLevelOf(resources: PolicyResource[]): { level: string; source: string } {
  const readings = manifestsOf(resources);
  if (readings.length === 0) return { level: "none", source: "no release manifest" };
  const unreadable = readings.find((reading) => reading.error !== undefined);
  if (unreadable) return { level: "unreadable", source: `the release manifest cannot be read (${unreadable.error})` };
  const l3 = readings.find((reading) => reading.manifest?.level === "L3");
  const manifest = (l3 ?? readings[0]).manifest as ReleaseManifest;
  // The repository rules serve every release in flight: an L3 release being prepared on main
  // (another stack's, reported by the program as governingLevel) makes the rules L3 too.
  const governing = readings.find((reading) => reading.manifest?.governingLevel === "L3")?.manifest;
  if (manifest.level !== "L3" && governing !== undefined) {
    return {
      level: "L3",
      source: `release ${manifest.version} is ${manifest.level}, but a release in flight in the project is L3 (governingLevel)`,
    };
  }
  return { level: manifest.level, source: `release ${manifest.version} is ${manifest.level}` };
}
