/**
 * `slipway plan` and `slipway secrets`: what one stack registers, and which of its keys are secret.
 */
import { type Command, Option } from "commander";
import { UserError } from "./errors";
import { renderEnvelope } from "./envelope";
import { emit } from "./output";
import { outputOption, runs, stackOption } from "./program";
import { progressOn } from "./progress";
import { PROJECT_DIR } from "./projectDir";

/** The stack a command was given, or a UserError naming the stacks there are. */
export function requireStack(stack: string | undefined): string {
  if (stack === undefined || stack === "") {
    const { listStacks } = require("../config/stackFile") as typeof import("../config/stackFile");
    throw new UserError(`--stack is required; stacks in this project: ${listStacks(PROJECT_DIR).join(", ")}`);
  }
  return stack;
}

/** Add plan and secrets to the tree. */
export function addStackCommands(program: Command): void {
  program
    .command("plan")
    .summary("Show the resources a stack registers, offline (mock runtime, no credentials)")
    .description(
      "Runs the program under Pulumi's mock runtime with Pulumi.<name>.yaml and prints every resource it would register, as a tree. " +
        "No credentials, no Pulumi CLI, no network. Secrets print as [secret].",
    )
    .addOption(stackOption("The stack to run (staging, production, ...); required"))
    .addOption(new Option("--json", "Print the registrations as JSON (the slipway envelope, one stack)"))
    .addOption(new Option("--inputs", "Show each resource's inputs in the tree"))
    .addOption(outputOption())
    .action(
      runs(async (options: { stack?: string; json?: boolean; inputs?: boolean; output?: string }) => {
        const stack = requireStack(options.stack);
        const { runStackInChild } = require("../gate/runInChild") as typeof import("../gate/runInChild");
        const { planJson, planText } = require("./plan") as typeof import("./plan");
        const progress = progressOn();
        progress.start(`running ${stack}`);
        const recorded = await runStackInChild({ projectDir: PROJECT_DIR, stack }).finally(() => progress.done());
        const text = options.json
          ? renderEnvelope({ pack: null, result: "pass", stacks: [planJson(recorded)] })
          : planText(recorded, options.inputs === true);
        emit(text, options.output);
        return 0;
      }),
    );

  program
    .command("secrets")
    .summary("List a stack's secret config keys, with the command that sets each one")
    .description(
      "Prints every secure: key of Pulumi.<name>.yaml and the pulumi command that sets it, one per line, never a value. " +
        "After switching the stack to your own secrets provider (pulumi stack change-secrets-provider <provider> --stack <name>), " +
        "run each one: pulumi prompts for the real value (or reads it from stdin), so it never lands in your shell history.",
    )
    .addOption(stackOption("The stack whose secrets to list; required"))
    .action(
      runs(async (options: { stack?: string }) => {
        const stack = requireStack(options.stack);
        const { readStackFile } = require("../config/stackFile") as typeof import("../config/stackFile");
        const { ConfigError } = require("../config/config") as typeof import("../config/config");
        let file: ReturnType<typeof readStackFile>;
        try {
          file = readStackFile(PROJECT_DIR, stack);
        } catch (err) {
          if (err instanceof ConfigError) throw new UserError(err.message);
          throw err;
        }
        for (const key of [...file.securePaths].sort())
          process.stdout.write(`pulumi config set --secret --path '${key}' --stack ${stack} `);
        return 0;
      }),
    );
}
