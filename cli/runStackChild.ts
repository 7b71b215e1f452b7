/**
 * Child-process entry of `runStackInChild`: reads RunOptions on stdin, runs the stack under the
 * mock runtime, prints the RecordedStack as JSON. Exit 2 with the message on a user error.
 */
import { runStack, RunOptions } from "./runner";
import { UserError } from "./errors";

let finished = false;
// If the event loop drains before the run finished, some output never resolved: say so.
process.on("beforeExit", () => {
  if (!finished) {
    process.stderr.write("the program never finished: an output or registration never resolved under the mock runtime\n");
    process.exit(1);
  }
});

async function main(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const options = JSON.parse(input) as RunOptions;
  try {
    const recorded = await runStack(options);
    finished = true;
    process.stdout.write(JSON.stringify(recorded));
  } catch (err) {
    finished = true;
    if (err instanceof UserError) {
      process.stderr.write(err.message + "\n");
      process.exit(2);
    }
    throw err;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
