/**
 * The `slipway` command: plan, gate, promote, rollback, ledger, release notes, bench.
 *
 * Exit codes: 0 success; 1 the gate found a mandatory violation (or a check failed);
 * 2 bad usage or bad input, printed as one line naming the file and key, never a stack trace.
 */
import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import { UserError } from "./errors";
import { listStacks, readStackFile } from "../components/stackFile";
import { ConfigError } from "../components/config";
import { runStackInChild } from "./runInChild";
import { planJson, planText } from "./plan";

/**
 * The project the command works on: `$SLIPWAY_PROJECT_DIR` when set (as the program reads it),
 * else the repository root (where Pulumi.yaml is).
 */
export const PROJECT_DIR = process.env.SLIPWAY_PROJECT_DIR ? path.resolve(process.env.SLIPWAY_PROJECT_DIR) : path.resolve(__dirname, "..");

interface Command {
  /** One-line summary for `slipway --help`. */
  summary: string;
  /** Full usage text for `slipway <command> --help`. */
  usage: string;
  /** Option definitions for util.parseArgs. */
  options: NonNullable<ParseArgsConfig["options"]>;
  /** Whether the command takes positional arguments (subcommands). */
  positionals?: boolean;
  /** Run it; resolves to the exit code. */
  run(values: Record<string, unknown>, positionals: string[]): Promise<number>;
}

const commands: Record<string, Command> = {
  plan: {
    summary: "Show the resources a stack registers, offline (mock runtime, no credentials).",
    usage: `Usage: slipway plan --stack <name> [--json] [--inputs]

Runs the program under Pulumi's mock runtime with Pulumi.<name>.yaml and prints every resource
it would register, as a tree. No credentials, no Pulumi CLI, no network.

Options:
  --stack <name>  Stack to run (staging, production, ...). Required.
  --json          Print the registrations as JSON (secrets shown as [secret]).
  --inputs        Show each resource's inputs in the tree.
  -h, --help      Show this help.`,
    options: { stack: { type: "string" }, json: { type: "boolean" }, inputs: { type: "boolean" } },
    async run(values) {
      const stack = requireStack(values.stack);
      const recorded = await runStackInChild({ projectDir: PROJECT_DIR, stack });
      if (values.json) process.stdout.write(JSON.stringify(planJson(recorded), null, 2) + "\n");
      else process.stdout.write(planText(recorded, values.inputs === true) + "\n");
      return 0;
    },
  },
  secrets: {
    summary: "List a stack's secret config keys, with the command that sets each one.",
    usage: `Usage: slipway secrets --stack <name>

Prints every secure: key of Pulumi.<name>.yaml and the pulumi command that sets it, one per line,
never a value. After switching the stack to your own secrets provider
(pulumi stack change-secrets-provider <provider> --stack <name>), run each one: pulumi prompts
for the real value (or reads it from stdin), so it never lands in your shell history.

Options:
  --stack <name>  Stack whose secrets to list. Required.
  -h, --help      Show this help.`,
    options: { stack: { type: "string" } },
    async run(values) {
      const stack = requireStack(values.stack);
      let file;
      try {
        file = readStackFile(PROJECT_DIR, stack);
      } catch (err) {
        if (err instanceof ConfigError) throw new UserError(err.message);
        throw err;
      }
      for (const key of [...file.securePaths].sort()) {
        process.stdout.write(`pulumi config set --secret --path '${key}' --stack ${stack}\n`);
      }
      return 0;
    },
  },
};

function requireStack(value: unknown): string {
  if (typeof value !== "string" || value === "") {
    throw new UserError(`--stack is required; stacks in this project: ${listStacks(PROJECT_DIR).join(", ")}`);
  }
  return value;
}

/** Register another command (used by the modules that implement gate, promote, ...). */
export function registerCommand(name: string, command: Command): void {
  commands[name] = command;
}

function topLevelHelp(): string {
  const width = Math.max(...Object.keys(commands).map((n) => n.length));
  return [
    "Usage: slipway <command> [options]",
    "",
    "Slipway: your release playbook as a Pulumi program, with guardrails that run offline.",
    "",
    "Commands:",
    ...Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`),
    "",
    "Run `slipway <command> --help` for a command's options.",
  ].join("\n");
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "-h" || name === "--help" || name === "help") {
    process.stdout.write(topLevelHelp() + "\n");
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) throw new UserError(`unknown command '${name}'; commands: ${Object.keys(commands).join(", ")}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...command.options, help: { type: "boolean", short: "h" } },
      allowPositionals: command.positionals === true,
      strict: true,
    });
  } catch (err) {
    throw new UserError(`${(err as Error).message.split("\n")[0]} (see \`slipway ${name} --help\`)`);
  }
  if (parsed.values.help) {
    process.stdout.write(command.usage + "\n");
    return 0;
  }
  return command.run(parsed.values as Record<string, unknown>, parsed.positionals);
}

// The other commands register themselves (they import registerCommand from here).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("./releaseCommands");
// eslint-disable-next-line @typescript-eslint/no-require-imports
require("./gateCommand");

/**
 * Exit once everything written has reached the reader: stdout to a pipe is asynchronous, and
 * process.exit would cut `slipway plan --json | jq` at the pipe's buffer.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

if (require.main === module || process.argv[1]?.endsWith("slipway.js") || process.argv[1]?.endsWith("slipway")) {
  main(process.argv.slice(2)).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      if (err instanceof UserError) {
        process.stderr.write(`slipway: ${err.message}\n`);
        exitAfterFlush(2);
        return;
      }
      process.stderr.write(`slipway: internal error: ${err instanceof Error ? err.stack : String(err)}\n`);
      exitAfterFlush(3);
    },
  );
}
