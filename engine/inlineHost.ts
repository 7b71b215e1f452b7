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
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { programModule } from "../gate/project";
import * as langrpc from "@pulumi/pulumi/proto/language_grpc_pb";
import { inlineLanguageServer } from "../gate/sdk";

// The Automation API's inline-program runtime (@internal in the SDK: cli/sdk.ts).
const LanguageServer = inlineLanguageServer();

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
  const address = `127.0.0.1:${port}`;
  // `pulumi import` runs no program, yet asks the project's language runtime for its plugins and
  // has no `--client` flag: it runs in a project that names this runtime (clientRuntimeProject).
  const run =
    args[0] === "import"
      ? clientRuntimeProject(projectDir, args, address)
      : { cwd: projectDir, args: [...args, `--client=${address}`], cleanup: () => undefined };
  const child = spawn(pulumi, run.args, { cwd: run.cwd, stdio: "inherit" });
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
    run.cleanup();
    server.forceShutdown();
    process.exit(code ?? (signal ? 1 : 0));
  });
}

/** Options of `pulumi import` that take a path (resolved against the project, where they were given). */
const IMPORT_PATH_OPTIONS = new Set(["--file", "-f", "--out", "-o", "--config-file", "--event-log", "--generate-resources"]);

/**
 * A scratch project for `pulumi import`: the project's Pulumi.yaml with the runtime set to the
 * language runtime at `address` (`runtime: {name: client, options: {address}}`, what `--client`
 * sets) and `stackConfigDir` pointing back at the project, so its stack files are the ones read
 * and written. Relative path arguments are made absolute, as the command now runs elsewhere.
 */
function clientRuntimeProject(projectDir: string, args: string[], address: string): { cwd: string; args: string[]; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-import-project-"));
  const project = parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
  const stackConfigDir = path.resolve(projectDir, typeof project.stackConfigDir === "string" ? project.stackConfigDir : ".");
  delete project.main;
  project.runtime = { name: "client", options: { address } };
  project.stackConfigDir = path.relative(dir, stackConfigDir);
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), stringifyYaml(project));
  const absolute = args.map((arg, index) => {
    const option = args[index - 1];
    if (option !== undefined && IMPORT_PATH_OPTIONS.has(option) && !arg.startsWith("-")) return path.resolve(projectDir, arg);
    const inline = /^(--[a-z-]+)=(.*)$/.exec(arg);
    if (inline !== null && IMPORT_PATH_OPTIONS.has(inline[1])) return `${inline[1]}=${path.resolve(projectDir, inline[2])}`;
    return arg;
  });
  return { cwd: dir, args: absolute, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

void main();
