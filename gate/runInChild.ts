/**
 * Running a stack offline in a child process: Pulumi's runtime state is global, so one process
 * runs one stack. This module stays free of @pulumi/pulumi, so commands that only spawn runs
 * (plan, gate) start fast.
 */
import { spawn } from "node:child_process";
import type { Readable } from "node:stream";
import * as path from "node:path";
import type { RecordedResource, RecordedStack } from "./model";
import { UserError } from "../config/errors";

/** Options of an offline run. */
export interface RunOptions {
  /** Project directory holding the stack files, the ledger (releases/) and CHANGELOG.md. */
  projectDir: string;
  /** Stack to run. */
  stack: string;
  /** Program module to load; default the project's (Pulumi.yaml `main`). */
  program?: string;
  /** Run as a preview (`pulumi preview`) rather than an update; default true. */
  preview?: boolean;
  /** Extra environment for the run (an update of production needs ALLOW_PROD=1, as under the engine). */
  env?: Record<string, string>;
}

/**
 * What the child writes on its records pipe (file descriptor 3, so nothing the program prints on
 * stdout can corrupt it), one JSON object a line, as the run goes: each resource as it is
 * recorded, a component's outputs when it sets them, and last the rest of the run.
 */
export type RunLine =
  | { resource: RecordedResource }
  | { outputs: { urn: string; outputs: Record<string, unknown> } }
  | { run: Omit<RecordedStack, "resources"> };

/** What loads the child's TypeScript: build/register.js (see there). */
const CHILD_LOADER = path.join(__dirname, "..", "build", "register.js");

/** The records pipe's file descriptor in the child. */
export const RECORDS_FD = 3;

/**
 * Told of each resource as the child records it; a promise returned pauses reading the child's
 * records (and so, once the child's buffer is full, its program) until it settles: the gate's
 * back-pressure.
 */
export type OnResource = (resource: RecordedResource) => void | Promise<void>;

/**
 * Run a stack in a fresh child process (one Pulumi runtime per process) and return what it
 * recorded, streamed line by line so `onResource` sees each resource while the program runs.
 * A user error in the child comes back as a `UserError` with the same message.
 */
export function runStackInChild(options: RunOptions, onResource?: OnResource): Promise<RecordedStack> {
  const child = path.join(__dirname, "runStackChild.ts");
  return new Promise((resolve, reject) => {
    // The child loads the CLI and the program as the CLI itself does: from the build while their
    // sources are unchanged (no compiling, and no source-mapped stack traces, which the SDK takes for
    // every registration and promise), through tsx otherwise (a changed file, the user's own program).
    const proc = spawn(process.execPath, ["--require", CHILD_LOADER, child], {
      stdio: ["pipe", "pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    const resources: RecordedResource[] = [];
    const byUrn = new Map<string, RecordedResource>();
    let run: Omit<RecordedStack, "resources"> | undefined;
    let malformed: string | undefined;
    let pending = "";
    let stderr = "";
    const take = (line: string): void => {
      if (line === "" || malformed !== undefined) return;
      let parsed: RunLine;
      try {
        parsed = JSON.parse(line) as RunLine;
      } catch {
        malformed = line.slice(0, 200);
        return;
      }
      if ("resource" in parsed) {
        resources.push(parsed.resource);
        byUrn.set(parsed.resource.urn, parsed.resource);
        const wait = onResource?.(parsed.resource);
        if (wait !== undefined && !records.isPaused()) {
          records.pause();
          void wait.then(() => records.resume());
        }
      } else if ("outputs" in parsed) {
        const resource = byUrn.get(parsed.outputs.urn);
        if (resource) resource.outputs = parsed.outputs.outputs;
      } else if ("run" in parsed) {
        run = parsed.run;
      }
    };
    const records = proc.stdio[RECORDS_FD] as Readable;
    records.setEncoding("utf8");
    records.on("data", (chunk: string) => {
      const lines = (pending + chunk).split("\n");
      pending = lines.pop() as string;
      for (const line of lines) take(line);
    });
    proc.stdout.resume(); // what the program prints is not the run's record
    proc.stderr.on("data", (chunk) => (stderr += chunk));
    proc.on("error", reject);
    proc.on("close", (code) => {
      take(pending);
      if (code === 0) {
        if (run !== undefined && malformed === undefined) resolve({ ...run, resources });
        else {
          const why = malformed !== undefined ? `printed ${JSON.stringify(malformed)}` : "printed no result";
          reject(new Error(`offline run of stack '${options.stack}' ${why}: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
        }
      } else if (code === 2) {
        reject(new UserError(stderr.trim()));
      } else {
        reject(
          new Error(`offline run of stack '${options.stack}' failed (exit ${code}): ${stderr.trim().split("\n").slice(-5).join("\n")}`),
        );
      }
    });
    proc.stdin.end(JSON.stringify(options));
  });
}
