/**
 * The `slipway` command tree, on commander: one place for what every command shares (help
 * layout, the exit codes, usage errors as one line) and for how an action hands back its exit
 * code. Each command module adds its commands; their work is loaded only when they run, so
 * `slipway --help` stays fast.
 */
import { Command, CommanderError, Option } from "commander";
import { UserError } from "./errors";
import { slipwayVersion } from "./version";

/** The exit codes, as every help text and the README list them. */
export const EXIT_CODES: readonly [number, string][] = [
  [0, "success: nothing mandatory failed"],
  [1, "a mandatory policy violation or gate finding, or a failed check (ledger verification)"],
  [2, "bad usage or bad input: one line naming the file, the key and what is wrong"],
  [3, "internal error: a bug in slipway; the stack trace is printed, please report it"],
];

const EXIT_CODES_HELP = ["", "Exit codes:", ...EXIT_CODES.map(([code, meaning]) => `  ${code}  ${meaning}`)].join("\n");

const exitCodes = new WeakMap<Command, number>();

function rootOf(command: Command): Command {
  let root = command;
  while (root.parent) root = root.parent;
  return root;
}

/**
 * A commander action from a function that resolves to the exit code. Commander passes the
 * arguments, then the options, then the command itself.
 */
export function runs(work: (...args: never[]) => Promise<number>): (...args: unknown[]) => Promise<void> {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    exitCodes.set(rootOf(command), await (work as (...given: unknown[]) => Promise<number>)(...args));
  };
}

/** A repeatable option's accumulator (`-s staging -s production`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `-s, --stack <name>`, as `pulumi` spells it. */
export function stackOption(description: string, repeatable = false): Option {
  const option = new Option("-s, --stack <name>", description);
  return repeatable ? option.argParser(collect) : option;
}

/** `--output <file>`: the report goes to a file instead of stdout. */
export function outputOption(): Option {
  return new Option("-o, --output <file>", "Write the report to <file> instead of stdout");
}

/** The empty tree with the shared settings; subcommands inherit them when added with `.command()`. */
export function emptyProgram(): Command {
  return (
    new Command("slipway")
      .description("Your release playbook as a Pulumi program, with guardrails that run offline.")
      .version(slipwayVersion(), "-V, --version", "Print slipway's version")
      .helpOption("-h, --help", "Show this help")
      .helpCommand("help [command]", "Show the help of a command")
      // Program options only before the command: `ledger soak --version 1.5.0` is soak's option.
      .enablePositionalOptions()
      .showSuggestionAfterError()
      .configureHelp({ showGlobalOptions: false })
      .exitOverride()
      // Usage errors are printed by main as one line; commander's own printing is silenced.
      .configureOutput({ outputError: () => undefined })
  );
}

/** Add the exit codes to the help of every command of the tree. */
export function withExitCodes(command: Command): Command {
  command.addHelpText("after", EXIT_CODES_HELP);
  for (const sub of command.commands) withExitCodes(sub);
  return command;
}

/** The command a usage error is about: the deepest named in argv. */
function commandNamed(program: Command, argv: readonly string[]): string {
  let command = program;
  const names = ["slipway"];
  for (const word of argv) {
    const sub = command.commands.find((candidate) => candidate.name() === word || candidate.aliases().includes(word));
    if (!sub) break;
    command = sub;
    names.push(sub.name());
  }
  return names.join(" ");
}

/** Parse and run argv; resolves to the exit code. Usage errors become a one-line UserError (exit 2). */
export async function runProgram(program: Command, argv: readonly string[]): Promise<number> {
  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
    if (err.code === "commander.unknownCommand" && !commandNamed(program, argv).includes(" ")) {
      const word = argv.find((arg) => !arg.startsWith("-")) ?? "";
      throw new UserError(`unknown command '${word}'; commands: ${program.commands.map((command) => command.name()).join(", ")}`);
    }
    // "error: unknown option '--stak'\n(Did you mean --stack?)" -> one line pointing at the help.
    const reason = err.message
      .replace(/^error: /, "")
      .replace(/\s*\n\s*/g, " ")
      .trim();
    throw new UserError(`${reason} (see \`${commandNamed(program, argv)} --help\`)`);
  }
  return exitCodes.get(program) ?? 0;
}
