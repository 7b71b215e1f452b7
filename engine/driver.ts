/**
 * Runs real `pulumi` commands for the engine tests and the benchmark: a local file backend in a
 * scratch directory, the examples' demo passphrase, the stand-in providers first on PATH, and no
 * plugin downloads.
 *
 * With a Node.js language host installed beside the CLI or on PATH, a command runs exactly as
 * given. Without one (the proxy serves none, see engine/README.md) two pieces of the standard
 * machinery stand in for it, and nothing else changes:
 * - the program runs in Pulumi's own inline language runtime (engine/inlineHost.ts, `--client`);
 * - `--policy-pack <dir>` becomes the analyzer launcher, which starts the pack in <dir> the way
 *   the language host's RunPlugin would (engine/analyzer/pulumi-analyzer-slipway).
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ANALYZER_LAUNCHER, type Engine, REPO_ROOT, STANDIN_BIN_DIR, findEngine } from "./toolchain";

/** The passphrase the example stacks' secrets are encrypted with. Public on purpose: demo data only. */
export const DEMO_PASSPHRASE = "slipway-demo-passphrase";

/** A local backend and Pulumi home in a scratch directory. */
export interface EngineSession {
  /** The engine in use. */
  engine: Engine;
  /** The scratch directory holding the backend and PULUMI_HOME. */
  dir: string;
  /** The environment every command gets. */
  env: NodeJS.ProcessEnv;
}

/** What one command did. */
export interface CommandResult {
  /** The command as given (before any stand-in substitution). */
  argv: string[];
  /** Exit code. */
  code: number;
  /** Everything it wrote to stdout. */
  stdout: string;
  /** Everything it wrote to stderr. */
  stderr: string;
  /** Wall time in milliseconds. */
  ms: number;
}

/**
 * A fresh session in `dir` (created if absent): `file://<dir>/state` as backend, `<dir>/home` as
 * PULUMI_HOME. Throws when no engine is available, saying how to get one.
 */
export function createSession(dir: string, extraEnv: NodeJS.ProcessEnv = {}): EngineSession {
  const engine = findEngine();
  if (engine === undefined) {
    throw new Error("no Pulumi CLI: run `npm run engine:build` (needs Go), set SLIPWAY_PULUMI, or put `pulumi` on PATH");
  }
  const state = path.join(dir, "state");
  const home = path.join(dir, "home");
  fs.mkdirSync(state, { recursive: true });
  fs.mkdirSync(home, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_HOME: home,
    PULUMI_BACKEND_URL: `file://${state}`,
    PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE,
    PULUMI_SKIP_UPDATE_CHECK: "true",
    PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
    PULUMI_SKIP_CONFIRMATIONS: "true",
    // No color codes in what tests read.
    NO_COLOR: "1",
    // Enables --event-log (the engine's JSON event stream), as the Automation API does.
    PULUMI_DEBUG_COMMANDS: "true",
    PATH: [STANDIN_BIN_DIR, path.dirname(engine.pulumi), process.env.PATH ?? ""].join(path.delimiter),
    ...extraEnv,
  };
  delete env.PULUMI_ACCESS_TOKEN;
  return { engine, dir, env };
}

/**
 * The pulumi commands that need the project's language runtime: those that run the program
 * (`--client`), and `import`, which runs none but asks the runtime for the project's plugins
 * (engine/inlineHost.ts gives it the runtime through the project, as it has no `--client`).
 */
const PROGRAM_COMMANDS = new Set(["up", "update", "preview", "refresh", "destroy", "import"]);

/** Replace `--policy-pack <dir>` with the analyzer launcher; returns the new argv and the pack dir. */
function launchPacksWithoutLanguageHost(args: string[], cwd: string): { args: string[]; packDir?: string } {
  const out: string[] = [];
  let packDir: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const inline = arg.startsWith("--policy-pack=") ? arg.slice("--policy-pack=".length) : undefined;
    if (arg === "--policy-pack" || inline !== undefined) {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error("--policy-pack needs a value");
      const resolved = path.resolve(cwd, value);
      // An executable is already a binary analyzer plugin; only a pack directory needs the launcher.
      if (!fs.statSync(resolved).isDirectory()) {
        out.push("--policy-pack", value);
        continue;
      }
      if (packDir !== undefined) throw new Error("the analyzer launcher serves one policy pack per command");
      packDir = resolved;
      out.push("--policy-pack", ANALYZER_LAUNCHER);
    } else {
      out.push(arg);
    }
  }
  return { args: out, packDir };
}

/**
 * Run `pulumi <args>` in `cwd` (a project directory). `args` starts after `pulumi`, exactly as a
 * workflow or README runs it. Resolves with the result whatever the exit code.
 */
export function runPulumi(session: EngineSession, cwd: string, args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<CommandResult> {
  const env: NodeJS.ProcessEnv = { ...session.env, ...extraEnv };
  let command: string;
  let argv: string[];
  // Only the commands that need a language runtime get one.
  if (session.engine.languageHost !== undefined || !PROGRAM_COMMANDS.has(args[0] ?? "")) {
    command = session.engine.pulumi;
    argv = args;
  } else {
    const launched = launchPacksWithoutLanguageHost(args, cwd);
    if (launched.packDir !== undefined) env.SLIPWAY_POLICY_PACK_DIR = launched.packDir;
    command = process.execPath;
    argv = [
      "--require",
      require.resolve("tsx/cjs"),
      path.join(REPO_ROOT, "engine", "inlineHost.ts"),
      session.engine.pulumi,
      ...launched.args,
    ];
  }
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(command, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ argv: ["pulumi", ...args], code: code ?? 1, stdout, stderr, ms: Date.now() - started }));
  });
}

/** A short description of a failed command, for test failure messages. */
export function describeResult(result: CommandResult): string {
  const tail = (text: string) => text.trim().split("\n").slice(-40).join("\n");
  return `$ ${result.argv.join(" ")}\n(exit ${result.code})\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`;
}
