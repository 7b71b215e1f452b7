/**
 * Running a stack offline in a child process: Pulumi's runtime state is global, so one process
 * runs one stack. This module stays free of @pulumi/pulumi, so commands that only spawn runs
 * (plan, gate) start fast.
 */
import { spawn } from "child_process";
import * as path from "path";
import type { RecordedStack } from "./model";
import { UserError } from "./errors";

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
 * Run a stack in a fresh child process (one Pulumi runtime per process) and return what it
 * recorded. A user error in the child comes back as a `UserError` with the same message.
 */
export function runStackInChild(options: RunOptions): Promise<RecordedStack> {
  const child = path.join(__dirname, "runStackChild.ts");
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--require", require.resolve("tsx/cjs"), child], {
      stdio: ["pipe", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    let stdout = "";
    let stderr = "";
    proc.stdout.on("data", (chunk) => (stdout += chunk));
    proc.stderr.on("data", (chunk) => (stderr += chunk));
    proc.on("error", reject);
    proc.on("close", (code) => {
      if (code === 0) {
        try {
          resolve(JSON.parse(stdout) as RecordedStack);
        } catch {
          reject(new Error(`offline run of stack '${options.stack}' printed no result: ${stderr.trim().split("\n").slice(-3).join(" ")}`));
        }
      } else if (code === 2) {
        reject(new UserError(stderr.trim()));
      } else {
        reject(new Error(`offline run of stack '${options.stack}' failed (exit ${code}): ${stderr.trim().split("\n").slice(-5).join("\n")}`));
      }
    });
    proc.stdin.end(JSON.stringify(options));
  });
}
