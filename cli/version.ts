/**
 * Slipway's version: the `version` of the project's package.json, found upwards from this file
 * (the CLI may run from its TypeScript sources or from a build beside them).
 */
import * as fs from "node:fs";
import * as path from "node:path";

let cached: string | undefined;

/** The version `slipway --version` prints and every JSON envelope carries. */
export function slipwayVersion(): string {
  if (cached !== undefined) return cached;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const file = path.join(dir, "package.json");
    if (fs.existsSync(file)) {
      const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (manifest.name === "slipway" && typeof manifest.version === "string") {
        cached = manifest.version;
        return cached;
      }
    }
    if (path.dirname(dir) === dir) {
      cached = "0.0.0";
      return cached;
    }
  }
}
