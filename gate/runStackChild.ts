/**
 * Child-process entry of `runStackInChild`: reads RunOptions on stdin, runs the stack under the
 * mock runtime, writes each resource as it is recorded, then the rest of the run, one JSON line
 * each (`RunLine`), on the records pipe. Exit 2 with the message on a user error.
 */
import * as net from "node:net";
import { type RecordListener, runStack, type RunOptions } from "./runner";
import { UserError } from "../config/errors";
import { RECORDS_FD, type RunLine } from "./runInChild";

/**
 * Bytes the child may hold for a parent that reads slowly before its program waits. The pipe is
 * written asynchronously (stdout would block the whole program on a full pipe), so a parent
 * briefly busy or descheduled costs the program nothing.
 */
const BUFFER_BYTES = 16 * 1024 * 1024;

const records = new net.Socket({ fd: RECORDS_FD, readable: false, writable: true });
let drained: Promise<void> | undefined;

/** Write one line; a promise when the parent is far behind, settled once it caught up (the gate's back-pressure). */
function printLine(line: RunLine): Promise<void> | undefined {
  records.write(`${JSON.stringify(line)}\n`);
  if (drained === undefined && records.writableLength < BUFFER_BYTES) return undefined;
  drained ??= new Promise((resolve) =>
    records.once("drain", () => {
      drained = undefined;
      resolve();
    }),
  );
  return drained;
}

const streaming: RecordListener = {
  recorded: (resource) => printLine({ resource }),
  outputsChanged: (resource) => void printLine({ outputs: { urn: resource.urn, outputs: resource.outputs ?? {} } }),
};

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
    const { resources: _streamed, ...run } = await runStack(options, streaming);
    finished = true;
    records.end(`${JSON.stringify({ run } satisfies RunLine)}\n`);
  } catch (err) {
    finished = true;
    if (err instanceof UserError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
