/**
 * Runs one `pulumi` command on the project in the working directory when no Node.js language host
 * is installed: `node --require tsx/cjs engine/inlineHost.ts <pulumi> <args...>`.
 *
 * The engine normally starts `pulumi-language-nodejs`, which runs the program in a fresh Node
 * process. The CLI can instead use a language runtime that is already listening (`--client`):
 * that is how Pulumi's Automation API runs inline programs, with the LanguageServer that ships
 * in @pulumi/pulumi. This process is such a runtime: it serves the SDK's LanguageServer, whose
 * program loads the project's `main` module (Pulumi.yaml, default `index`), runs the CLI with
 * `--client`, and exits with the CLI's exit code. One process serves one command, so every run
 * starts with a fresh Pulumi runtime, as under the language host.
 */
import * as grpc from "@grpc/grpc-js";
import { spawn } from "child_process";
import * as path from "path";
import { programModule } from "../cli/project";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
// The Automation API's inline-program runtime; marked @internal in the SDK's typings.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { LanguageServer } = require("@pulumi/pulumi/automation/server") as {
  LanguageServer: new (program: () => Promise<Record<string, unknown> | void>) => langrpc.ILanguageRuntimeServer;
};

async function main(): Promise<void> {
  const [pulumi, ...args] = process.argv.slice(2);
  if (pulumi === undefined) {
    process.stderr.write("usage: inlineHost.ts <pulumi> <args...>\n");
    process.exit(2);
  }
  const projectDir = process.cwd();
  const modulePath = programModule(projectDir);
  // `pulumi up` runs the program twice in this process (preview, then update), and `destroy` or
  // `refresh` may too: each run must load the project afresh, or the second one registers
  // nothing (a cached module does not run again) and the update would delete every resource.
  // The SDK and other dependencies stay loaded: the LanguageServer resets their state per run.
  const program = async (): Promise<Record<string, unknown>> => {
    for (const file of Object.keys(require.cache)) {
      if (!file.split(path.sep).includes("node_modules")) delete require.cache[file];
    }
    return require(modulePath) as Record<string, unknown>;
  };

  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  server.addService(langrpc.LanguageRuntimeService, new LanguageServer(program) as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  const child = spawn(pulumi, [...args, `--client=127.0.0.1:${port}`], { stdio: "inherit" });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  process.on("SIGINT", forward);
  process.on("SIGTERM", forward);
  child.on("error", (err) => {
    process.stderr.write(`inlineHost: cannot run ${pulumi}: ${err.message}\n`);
    process.exit(2);
  });
  child.on("exit", (code, signal) => {
    server.forceShutdown();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

void main();
