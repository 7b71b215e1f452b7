/**
 * Shared helpers of the provider tests: where things are, and a stand-in plugin started the way
 * the engine starts it (its launcher script, port read from stdout) with a gRPC client on it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import { ResourceProviderClient } from "@pulumi/pulumi/proto/provider_grpc_pb";

/** The project root. */
export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The directory of the launcher scripts (what goes first on PATH for the engine). */
export const LAUNCHER_DIR = path.join(PROJECT_DIR, "engine", "standins", "bin");

/** A running stand-in plugin and a client connected to it. */
export interface RunningPlugin {
  /** gRPC client of the ResourceProvider service. */
  client: ResourceProviderClient;
  /** The plugin's port. */
  port: number;
  /** Everything the plugin wrote to stderr so far. */
  stderr(): string;
  /** Stop the plugin (the way the engine does: a signal) and close the client. */
  stop(): Promise<void>;
}

/** Start `pulumi-resource-<pkg>` with `env` added to this process's environment. */
export function startPlugin(pkg: string, env: NodeJS.ProcessEnv = {}): Promise<RunningPlugin> {
  const launcher = path.join(LAUNCHER_DIR, `pulumi-resource-${pkg}`);
  const child: ChildProcess = spawn(launcher, ["127.0.0.1:1"], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr?.on("data", (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    let stdout = "";
    const onData = (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf("\n");
      if (newline < 0) return;
      child.stdout?.off("data", onData);
      const port = Number(stdout.slice(0, newline).trim());
      if (!Number.isInteger(port) || port <= 0) {
        child.kill();
        reject(new Error(`${launcher} printed ${JSON.stringify(stdout)} instead of a port; stderr: ${stderr}`));
        return;
      }
      const client = new ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
      resolve({
        client,
        port,
        stderr: () => stderr,
        stop: () =>
          new Promise((done) => {
            client.close();
            if (child.exitCode !== null) return done();
            child.once("exit", () => done());
            child.kill("SIGTERM");
          }),
      });
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`${launcher} exited (${code}) before printing a port; stderr: ${stderr}`)));
    child.once("error", reject);
  });
}

/** Call a unary method of the client as a promise. */
export function call<Req, Res>(client: ResourceProviderClient, method: string, request: Req): Promise<Res> {
  return new Promise((resolve, reject) => {
    const fn = (client as unknown as Record<string, (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void>)[method];
    fn.call(client, request, (err, res) => (err ? reject(err) : resolve(res)));
  });
}
