/**
 * Child-process entry of `runStackInChild`: reads RunOptions on stdin, runs the stack under the
 * mock runtime, prints the RecordedStack as JSON. Exit 2 with the message on a user error.
 */
import { runStack, RunOptions } from "./runner";
import { UserError } from "./errors";

async function main(): Promise<void> {
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  const options = JSON.parse(input) as RunOptions;
  try {
    const recorded = await runStack(options);
    process.stdout.write(JSON.stringify(recorded));
  } catch (err) {
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
