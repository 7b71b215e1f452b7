/**
 * Where the engine-in-the-loop pieces are: the Pulumi CLI (built by `npm run engine:build`, or
 * one already on PATH), the Node.js language host if there is one, the stand-in providers.
 */
import * as fs from "node:fs";
import * as path from "node:path";

/** The repository root. */
export const REPO_ROOT = path.resolve(__dirname, "..");
/** The Go module that pins the Pulumi CLI. */
export const ENGINE_MODULE_DIR = path.join(REPO_ROOT, "engine", "cli");
/** Where `npm run engine:build` puts the CLI (git-ignored). */
export const ENGINE_BIN_DIR = path.join(REPO_ROOT, ".slipway", "engine", "bin");
/** The stand-in provider plugins (`pulumi-resource-<pkg>` launchers). */
export const STANDIN_BIN_DIR = path.join(REPO_ROOT, "engine", "standins", "bin");
/** The analyzer launcher used when no Node.js language host is installed. */
export const ANALYZER_LAUNCHER = path.join(REPO_ROOT, "engine", "analyzer", "pulumi-analyzer-slipway");

/** The Pulumi version `engine/cli/go.mod` requires (`v3.274.1`). */
export function pinnedPulumiVersion(): string {
  const goMod = fs.readFileSync(path.join(ENGINE_MODULE_DIR, "go.mod"), "utf8");
  const match = /github\.com\/pulumi\/pulumi\/pkg\/v3 (v\d+\.\d+\.\d+)/.exec(goMod);
  if (!match) throw new Error(`${path.join(ENGINE_MODULE_DIR, "go.mod")} does not require github.com/pulumi/pulumi/pkg/v3`);
  return match[1];
}

/** An executable called `name` in one of `dirs`, if any. */
function findExecutable(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The directories of PATH. */
function pathDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.PATH ?? "").split(path.delimiter).filter((dir) => dir !== "");
}

/** The engine the tests run. */
export interface Engine {
  /** The `pulumi` executable. */
  pulumi: string;
  /** Where it came from: this project's build, or PATH. */
  source: "engine:build" | "PATH";
  /** The Node.js language host beside it or on PATH, if any. */
  languageHost?: string;
}

/**
 * The engine to test with: `SLIPWAY_PULUMI` if set, else the CLI `npm run engine:build` made,
 * else a `pulumi` on PATH. Undefined when there is none.
 */
export function findEngine(env: NodeJS.ProcessEnv = process.env): Engine | undefined {
  const explicit = env.SLIPWAY_PULUMI;
  const built = findExecutable("pulumi", [ENGINE_BIN_DIR]);
  const onPath = findExecutable("pulumi", pathDirs(env));
  const pulumi = explicit ?? built ?? onPath;
  if (pulumi === undefined) return undefined;
  const source = pulumi === built ? "engine:build" : "PATH";
  // The engine looks for language hosts beside itself and on PATH.
  const languageHost = findExecutable("pulumi-language-nodejs", [path.dirname(pulumi), ...pathDirs(env)]);
  return { pulumi, source, languageHost };
}
