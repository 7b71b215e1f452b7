/**
 * The `slipway` command: plan, secrets, gate, import, ledger, promote, rollback, flag, release notes, completion.
 *
 * Exit codes (program.ts, EXIT_CODES): 0 success; 1 a mandatory violation, a gate finding or a
 * failed check; 2 bad usage or bad input, printed as one line naming the file and key, never a
 * stack trace; 3 an internal error (a bug), printed with its stack trace.
 */
import type { Command } from "commander";
import { UserError } from "./errors";
import { addCompletionCommand } from "./completion";
import { addGateCommand } from "./gateCommand";
import { addImportCommand } from "./importCommand";
import { emptyProgram, runProgram, withExitCodes } from "./program";
import { addReleaseCommands } from "./releaseCommands";
import { addStackCommands } from "./stackCommands";

/**
 * The command table: each entry registers its commands on the program, in help order. The
 * command modules import nothing from this file (`npm test` fails on any import cycle).
 */
export const COMMAND_TABLE: readonly ((program: Command) => void)[] = [
  addStackCommands,
  addGateCommand,
  addImportCommand,
  addReleaseCommands,
  addCompletionCommand,
];

/** The whole command tree. */
export function createProgram(): Command {
  const program = emptyProgram();
  for (const register of COMMAND_TABLE) register(program);
  return withExitCodes(program);
}

/** Run `slipway <argv>`; resolves to the exit code (a user mistake rejects with a UserError). */
export async function main(argv: string[]): Promise<number> {
  const program = createProgram();
  if (argv.length === 0) {
    // No command is a usage error: the help goes where errors go.
    process.stderr.write(program.helpInformation());
    return 2;
  }
  return runProgram(program, argv);
}

/**
 * Exit once everything written has reached the reader: stdout to a pipe is asynchronous, and
 * process.exit would cut `slipway plan --json | jq` at the pipe's buffer.
 */
function exitAfterFlush(code: number): void {
  process.exitCode = code;
  process.stdout.write("", () => process.stderr.write("", () => process.exit(code)));
}

/**
 * The process entry point, which bin/slipway.js calls: run `slipway <argv>` and exit with its code.
 * A user mistake prints one line (exit 2); anything else is a bug, printed with its trace (exit 3).
 */
export function runCli(argv: string[]): void {
  main(argv).then(
    (code) => exitAfterFlush(code),
    (err: unknown) => {
      if (err instanceof UserError) {
        process.stderr.write(`slipway: ${err.message}\n`);
        exitAfterFlush(2);
        return;
      }
      process.stderr.write(
        `slipway: internal error (a bug; please report it with this trace): ${err instanceof Error ? err.stack : String(err)}\n`,
      );
      exitAfterFlush(3);
    },
  );
}
