/**
 * A Pulumi project directory as the engine reads it: `Pulumi.yaml` names the program (`main`,
 * relative to the project; default the project directory itself, whose package.json `main` then
 * applies). The offline runner and the engine tests' inline host run the same module.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml } from "yaml";
import { UserError } from "../config/errors";

/** The module the project's program is loaded from. */
export function programModule(projectDir: string): string {
  const file = path.join(projectDir, "Pulumi.yaml");
  let project: unknown;
  try {
    project = parseYaml(fs.readFileSync(file, "utf8"));
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new UserError(
      code === "ENOENT" ? "does not exist: not a Pulumi project" : `is not valid YAML: ${(err as Error).message.split("\n")[0]}`,
      { file },
    );
  }
  const main = project !== null && typeof project === "object" ? (project as { main?: unknown }).main : undefined;
  if (main !== undefined && typeof main !== "string") throw new UserError("expected a path", { file, key: "main" });
  return path.resolve(projectDir, main ?? ".");
}
