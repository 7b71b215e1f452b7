/**
 * The policy pack as the engine runs it: a child process started by `run-policy-pack`, spoken to
 * over the real analyzer gRPC protocol (`@pulumi/pulumi/proto/analyzer_grpc_pb`).
 *
 * Start-up mirrors the engine's NewPolicyAnalyzer: cwd = the pack directory, arguments
 * `<engine address> .` plus PulumiPolicy.yaml's runtime options as `-key=value`, the engine's
 * PULUMI_* variables, run-policy-pack resolved from the pack directory (what the
 * pulumi-analyzer-policy shim does). run-policy-pack type-checks TypeScript packs with ts-node
 * (typeCheck: true is hard-coded, honouring the pack's tsconfig.json); the engine sets no
 * transpile-only switch for analyzers and neither do we, so a pack that does not type-check
 * fails here as it fails in `pulumi preview`. (Slipway's own pack has a JavaScript `main`,
 * policy-pack/entry.js, which loads its build, type-checked by `npm run build`: ts-node then has
 * nothing to compile.) The start is gated on readiness: see `readPort`.
 *
 * Every failure fails closed with a PolicyPackError; `close()` always kills the child.
 */
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { UserError } from "../config/errors";
import { PolicyPackError, oneLine } from "./errors";
import type { EnforcementLevel, PolicyConfigEntry, PolicyInfo, PolicySeverity, ReconciledPolicyConfig } from "./policyConfig";

/**
 * The engine address handed to run-policy-pack. Nothing dials it: run-policy-pack shifts it off
 * argv unused, and @pulumi/pulumi's log module only dials PULUMI_NODEJS_ENGINE, which the engine
 * does not set for analyzers (their log output goes to stderr, which we capture). So we serve
 * no Engine service and pass an address nothing can connect to; the gate's tests check that
 * nothing tries.
 */
export const UNUSED_ENGINE_ADDRESS = "127.0.0.1:0";

/**
 * The pack's start is gated on readiness: the gate waits for the port line while the pack runs,
 * and a pack that exits fails the gate at once with its output. This ceiling only ends a start
 * that hangs (a live pack that never prints its port), as a last resort; a slow start on a busy
 * machine is not a failure. `$SLIPWAY_PACK_START_CEILING_SECONDS` changes it.
 */
export const DEFAULT_START_CEILING_MS = 10 * 60_000;
/** The environment variable that sets the start ceiling, in seconds. */
export const START_CEILING_VARIABLE = "SLIPWAY_PACK_START_CEILING_SECONDS";
/** After the pack exited, how long its output may take to drain before the failure is reported. */
const EXIT_DRAIN_MS = 2000;
/** Default time allowed for one RPC (a policy that hangs fails the gate). */
export const DEFAULT_RPC_TIMEOUT_MS = 60_000;

/** The server's own message size limit (400 MiB), so big stacks pass as they do in the engine. */
const MAX_MESSAGE_BYTES = 400 * 1024 * 1024;
/** How much of the pack's output is kept for error messages. */
const OUTPUT_TAIL_BYTES = 16 * 1024;

/** How to start a policy pack. */
export interface PolicyPackStartOptions {
  /** Directory holding PulumiPolicy.yaml (as the user named it; used in messages). */
  packDir: string;
  /** Project exported to the pack as PULUMI_PROJECT, as the engine does. */
  project: string;
  /** Stack exported as PULUMI_STACK, only when this process judges a single stack. */
  stack?: string;
  /** Last-resort ceiling on the start, in milliseconds (default: `startCeilingMs()`). */
  startTimeoutMs?: number;
  /** Per-RPC timeout in milliseconds. */
  rpcTimeoutMs?: number;
  /** Engine address argument; defaults to UNUSED_ENGINE_ADDRESS. */
  engineAddress?: string;
}

/** What GetAnalyzerInfo says about the pack. */
export interface AnalyzerInfo {
  /** Pack name. */
  name: string;
  /** Pack version. */
  version: string;
  /** Whether the pack accepts Configure. */
  supportsConfig: boolean;
  /** The pack's policies, in the order the pack declares them. */
  policies: PolicyInfo[];
  /** Config the pack passed to its PolicyPack constructor. */
  initialConfig: Map<string, PolicyConfigEntry>;
}

/** One diagnostic (a reported violation) from Analyze or AnalyzeStack. */
export interface AnalyzeDiagnostic {
  /** Policy that reported it. */
  policyName: string;
  /** The policy's description. */
  description: string;
  /** Message, which @pulumi/policy prefixes with the description. */
  message: string;
  /** Level the violation is reported at. */
  enforcementLevel: EnforcementLevel;
  /** URN the policy named, or empty. */
  urn: string;
}

/** One remediation from Remediate. */
export interface Remediation {
  /** Policy that remediated. */
  policyName: string;
  /** Transformed properties, when the policy changed the resource. */
  properties?: structProto.Struct;
  /** A warning, when the remediation could not run. */
  diagnostic: string;
}

const policyPackProjectSchema = z.looseObject({
  runtime: z.union([z.string(), z.looseObject({ name: z.string(), options: z.record(z.string(), z.unknown()).optional() })]),
});

const LEVEL_BY_PROTO: Record<number, EnforcementLevel> = {
  [analyzerProto.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate",
  [analyzerProto.EnforcementLevel.DISABLED]: "disabled",
};
const PROTO_BY_LEVEL: Record<EnforcementLevel, analyzerProto.EnforcementLevel> = {
  advisory: analyzerProto.EnforcementLevel.ADVISORY,
  mandatory: analyzerProto.EnforcementLevel.MANDATORY,
  remediate: analyzerProto.EnforcementLevel.REMEDIATE,
  disabled: analyzerProto.EnforcementLevel.DISABLED,
};

/** A running policy pack and a client speaking the analyzer protocol to it. */
export class PolicyPackProcess {
  /** What the pack said about itself. */
  readonly info: AnalyzerInfo;
  /** Milliseconds from spawn to a handshaken, described analyzer. */
  readonly startMs: number;

  /** The pack's process id (the benchmark reads its peak memory). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  private constructor(
    private readonly child: ChildProcess,
    private readonly client: analyzerGrpc.AnalyzerClient,
    private readonly calls: Rpc,
    private readonly output: OutputTail,
    private readonly releaseExitHook: () => void,
    info: AnalyzerInfo,
    startMs: number,
  ) {
    this.info = info;
    this.startMs = startMs;
  }

  /** Start the pack, handshake and describe it. On any failure the child is killed. */
  static async start(options: PolicyPackStartOptions): Promise<PolicyPackProcess> {
    const started = Date.now();
    const packDir = options.packDir;
    // The real path: a pack linked into a project resolves its dependencies where it really is.
    const absoluteDir = fs.existsSync(packDir) ? fs.realpathSync(packDir) : path.resolve(packDir);
    const runtimeArgs = readPolicyPackProject(packDir, absoluteDir);
    let script: string;
    try {
      script = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [absoluteDir] });
    } catch {
      throw new PolicyPackError(`policy pack ${packDir}: @pulumi/pulumi is not installed for it (run npm ci)`, packDir);
    }

    const env: NodeJS.ProcessEnv = { ...process.env, PULUMI_NODEJS_PROJECT: options.project, PULUMI_PROJECT: options.project };
    env.PULUMI_NODEJS_DRY_RUN = env.PULUMI_DRY_RUN = "true";
    if (options.stack) env.PULUMI_NODEJS_STACK = env.PULUMI_STACK = options.stack;
    const child = spawn(process.execPath, [script, options.engineAddress ?? UNUSED_ENGINE_ADDRESS, ".", ...runtimeArgs], {
      cwd: absoluteDir,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    const killOnExit = (): void => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    };
    process.on("exit", killOnExit);
    const releaseExitHook = (): void => {
      process.removeListener("exit", killOnExit);
    };
    const output = new OutputTail();
    let client: analyzerGrpc.AnalyzerClient | undefined;
    try {
      const port = await readPort(child, output, packDir, options.startTimeoutMs ?? startCeilingMs());
      client = new analyzerGrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), {
        "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
        "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
      });
      const connected = client;
      await new Promise<void>((resolve, reject) =>
        connected.waitForReady(Date.now() + 10_000, (err) =>
          err
            ? reject(
                new PolicyPackError(
                  `policy pack ${packDir} printed port ${port} but does not accept connections${output.describe()}`,
                  packDir,
                ),
              )
            : resolve(),
        ),
      );
      const calls = new Rpc(packDir, child, output, options.rpcTimeoutMs ?? DEFAULT_RPC_TIMEOUT_MS);
      await handshake(calls, connected, options.engineAddress ?? UNUSED_ENGINE_ADDRESS, absoluteDir);
      const info = await describe(calls, connected);
      return new PolicyPackProcess(child, connected, calls, output, releaseExitHook, info, Date.now() - started);
    } catch (err) {
      client?.close();
      await stopChild(child);
      releaseExitHook();
      throw err;
    }
  }

  /** ConfigureStack: the stack being judged, as the engine announces it before analysis. */
  async configureStack(stack: string, project: string, tags: Record<string, string>): Promise<void> {
    const request = new analyzerProto.AnalyzerStackConfigureRequest();
    request.setStack(stack);
    request.setProject(project);
    request.setDryRun(true);
    const tagMap = request.getTagsMap();
    for (const [key, value] of Object.entries(tags)) tagMap.set(key, value);
    try {
      await this.calls.call<analyzerProto.AnalyzerStackConfigureResponse>(`ConfigureStack(${stack})`, (metadata, options, callback) =>
        this.client.configureStack(request, metadata, options, callback),
      );
    } catch (err) {
      // Older packs do not implement ConfigureStack; the engine carries on without it.
      if (!isUnimplemented(err)) throw err;
    }
  }

  /** Configure: every policy's effective enforcement level and properties. */
  async configure(config: ReconciledPolicyConfig): Promise<void> {
    const request = new analyzerProto.ConfigureAnalyzerRequest();
    const map = request.getPolicyconfigMap();
    for (const [name, entry] of config) {
      const policyConfig = new analyzerProto.PolicyConfig();
      policyConfig.setEnforcementlevel(PROTO_BY_LEVEL[entry.enforcementLevel]);
      // Always set: the server calls getProperties().toJavaScript() unguarded.
      policyConfig.setProperties(structProto.Struct.fromJavaScript(entry.properties as Record<string, structProto.JavaScriptValue>));
      map.set(name, policyConfig);
    }
    await this.calls.call<emptyProto.Empty>("Configure", (metadata, options, callback) =>
      this.client.configure(request, metadata, options, callback),
    );
  }

  /** Remediate one resource (the engine's first pass, before Analyze). */
  async remediate(request: analyzerProto.AnalyzeRequest): Promise<Remediation[]> {
    const response = await this.calls.call<analyzerProto.RemediateResponse>(
      `Remediate(${request.getUrn()})`,
      (metadata, options, callback) => this.client.remediate(request, metadata, options, callback),
    );
    return response.getRemediationsList().map((remediation) => ({
      policyName: remediation.getPolicyname(),
      properties: remediation.getProperties(),
      diagnostic: remediation.getDiagnostic(),
    }));
  }

  /** Analyze one resource. */
  async analyze(request: analyzerProto.AnalyzeRequest): Promise<AnalyzeDiagnostic[]> {
    const response = await this.calls.call<analyzerProto.AnalyzeResponse>(`judging ${request.getUrn()}`, (metadata, options, callback) =>
      this.client.analyze(request, metadata, options, callback),
    );
    return response.getDiagnosticsList().map(toDiagnostic);
  }

  /** Analyze with the request already encoded (`encodeAnalyzeRequest`); `urn` names it in errors. */
  async analyzeEncoded(request: Buffer, urn: string): Promise<AnalyzeDiagnostic[]> {
    const method = analyzerGrpc.AnalyzerService.analyze;
    const response = await this.calls.call<analyzerProto.AnalyzeResponse>(`judging ${urn}`, (metadata, options, callback) =>
      this.client.makeUnaryRequest(
        method.path,
        (encoded: Buffer) => encoded,
        method.responseDeserialize,
        request,
        metadata,
        options,
        (error, value) => callback(error, value as analyzerProto.AnalyzeResponse),
      ),
    );
    return response.getDiagnosticsList().map(toDiagnostic);
  }

  /**
   * AnalyzeStack over every resource: messages, or the request already encoded
   * (`encodeAnalyzeStackRequest`), which a big stack sends without holding every message at once.
   */
  async analyzeStack(resources: analyzerProto.AnalyzerResource[] | Buffer): Promise<AnalyzeDiagnostic[]> {
    const label = "judging the stack (AnalyzeStack)";
    let response: analyzerProto.AnalyzeResponse;
    if (Buffer.isBuffer(resources)) {
      const method = analyzerGrpc.AnalyzerService.analyzeStack;
      response = await this.calls.call<analyzerProto.AnalyzeResponse>(label, (metadata, options, callback) =>
        this.client.makeUnaryRequest(
          method.path,
          (encoded: Buffer) => encoded,
          method.responseDeserialize,
          resources,
          metadata,
          options,
          (error, value) => callback(error, value as analyzerProto.AnalyzeResponse),
        ),
      );
    } else {
      const request = new analyzerProto.AnalyzeStackRequest();
      request.setResourcesList(resources);
      response = await this.calls.call<analyzerProto.AnalyzeResponse>(label, (metadata, options, callback) =>
        this.client.analyzeStack(request, metadata, options, callback),
      );
    }
    return response.getDiagnosticsList().map(toDiagnostic);
  }

  /** What the pack printed lately (stderr and stdout after the port), for diagnostics. */
  recentOutput(): string {
    return this.output.text();
  }

  /** Close the connection and kill the pack. Safe to call twice. */
  async close(): Promise<void> {
    this.client.close();
    await stopChild(this.child);
    this.releaseExitHook();
  }
}

function toDiagnostic(diagnostic: analyzerProto.AnalyzeDiagnostic): AnalyzeDiagnostic {
  return {
    policyName: diagnostic.getPolicyname(),
    description: diagnostic.getDescription(),
    message: diagnostic.getMessage(),
    enforcementLevel: LEVEL_BY_PROTO[diagnostic.getEnforcementlevel()] ?? "mandatory",
    urn: diagnostic.getUrn(),
  };
}

/** Read PulumiPolicy.yaml like the engine: runtime must be nodejs; options become `-key=value` args. */
function readPolicyPackProject(packDir: string, absoluteDir: string): string[] {
  const file = path.join(absoluteDir, "PulumiPolicy.yaml");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new UserError("not a policy pack (no PulumiPolicy.yaml)", { file: packDir });
  }
  const display = path.join(packDir, "PulumiPolicy.yaml");
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (err) {
    throw new UserError(`not valid YAML: ${oneLine((err as Error).message)}`, { file: display });
  }
  const project = policyPackProjectSchema.safeParse(parsed);
  if (!project.success) {
    throw new UserError("a runtime name (nodejs) is required", { file: display, key: "runtime" });
  }
  const runtime = typeof project.data.runtime === "string" ? { name: project.data.runtime, options: {} } : project.data.runtime;
  if (runtime.name !== "nodejs") {
    throw new UserError(`the offline gate runs nodejs packs, not ${runtime.name}`, { file: display, key: "runtime" });
  }
  const args: string[] = [];
  for (const [key, value] of Object.entries(runtime.options ?? {})) {
    const text = value === null || value === undefined ? "" : String(value);
    if (text !== "") args.push(`-${key}=${text}`);
  }
  return args;
}

/**
 * The start ceiling in milliseconds: `$SLIPWAY_PACK_START_CEILING_SECONDS` when set (a positive
 * number of seconds), else `DEFAULT_START_CEILING_MS`.
 */
export function startCeilingMs(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[START_CEILING_VARIABLE];
  if (text === undefined || text.trim() === "") return DEFAULT_START_CEILING_MS;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) {
    throw new UserError(`${START_CEILING_VARIABLE} must be a positive number of seconds, not ${JSON.stringify(text)}`);
  }
  return Math.round(value * 1000);
}

/**
 * Wait for the first stdout line, the port, as the engine does, for as long as the pack runs:
 * its exit fails the start at once, with its last output; anything but a port fails closed;
 * `ceilingMs` only ends a live pack that never prints one.
 */
function readPort(child: ChildProcess, output: OutputTail, packDir: string, ceilingMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let firstLine = "";
    let settled = false;
    let drain: NodeJS.Timeout | undefined;
    const finish = (error: Error | undefined, port?: number): void => {
      if (settled) return;
      settled = true;
      clearTimeout(ceiling);
      clearTimeout(drain);
      child.stdout?.removeListener("data", onStdout);
      child.stdout?.on("data", (chunk: Buffer) => output.add(chunk));
      if (error) reject(error);
      else resolve(port as number);
    };
    const onStdout = (chunk: Buffer): void => {
      const text = chunk.toString("utf8");
      const newline = text.indexOf("\n");
      if (newline < 0) {
        firstLine += text;
        return;
      }
      firstLine += text.slice(0, newline);
      output.add(Buffer.from(text.slice(newline + 1), "utf8"));
      const port = Number(firstLine.trim());
      if (Number.isInteger(port) && port > 0 && port < 65536) finish(undefined, port);
      else
        finish(
          new PolicyPackError(
            `policy pack ${packDir} printed ${JSON.stringify(oneLine(firstLine, 200))} where its port was expected${output.describe()}`,
            packDir,
          ),
        );
    };
    child.stdout?.on("data", onStdout);
    child.stderr?.on("data", (chunk: Buffer) => output.add(chunk));
    child.once("error", (err) => finish(new PolicyPackError(`policy pack ${packDir} could not be started: ${err.message}`, packDir)));
    const exited = (code: number | null, signal: NodeJS.Signals | null): void =>
      finish(new PolicyPackError(`policy pack ${packDir} failed to start (${describeExit(code, signal)})${output.describe()}`, packDir));
    // "close" comes after the exit and after the last output has been read; should something
    // else hold the pipes open, the exit still fails the start, once its output had a moment.
    child.once("close", exited);
    child.once("exit", (code, signal) => {
      // Once started, the pack's exit (close() killing it) is no start failure: no timer to hold the process.
      if (!settled) drain = setTimeout(() => exited(code, signal), EXIT_DRAIN_MS);
    });
    const ceiling = setTimeout(
      () =>
        finish(
          new PolicyPackError(
            `policy pack ${packDir} did not print its port within ${seconds(ceilingMs)}, though still running: the start-up ceiling, a last resort, ended it ` +
              `(set ${START_CEILING_VARIABLE} to wait longer)${output.describe()}`,
            packDir,
          ),
        ),
      ceilingMs,
    );
  });
}

/** Handshake, as the engine does first; a pack that does not implement it is fine. */
async function handshake(rpc: Rpc, client: analyzerGrpc.AnalyzerClient, engineAddress: string, packDir: string): Promise<void> {
  const request = new analyzerProto.AnalyzerHandshakeRequest();
  request.setEngineAddress(engineAddress);
  request.setRootDirectory(packDir);
  request.setProgramDirectory(packDir);
  try {
    await rpc.call<analyzerProto.AnalyzerHandshakeResponse>("Handshake", (metadata, options, callback) =>
      client.handshake(request, metadata, options, callback),
    );
  } catch (err) {
    if (!isUnimplemented(err)) throw err;
  }
}

/** Severities as PolicyInfo carries them (unspecified: none). */
const SEVERITY_BY_PROTO: Record<number, PolicySeverity | undefined> = {
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerProto.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** GetAnalyzerInfo: the pack's name, version, policies and config schemas. */
async function describe(rpc: Rpc, client: analyzerGrpc.AnalyzerClient): Promise<AnalyzerInfo> {
  const response = await rpc.call<analyzerProto.AnalyzerInfo>("GetAnalyzerInfo", (metadata, options, callback) =>
    client.getAnalyzerInfo(new emptyProto.Empty(), metadata, options, callback),
  );
  const policies: PolicyInfo[] = response.getPoliciesList().map((policy) => {
    const schema = policy.getConfigschema();
    const type = policy.getPolicyType();
    return {
      name: policy.getName(),
      description: policy.getDescription(),
      enforcementLevel: LEVEL_BY_PROTO[policy.getEnforcementlevel()] ?? "mandatory",
      severity: SEVERITY_BY_PROTO[policy.getSeverity()],
      remediation: policy.getRemediationSteps(),
      kind:
        type === analyzerProto.PolicyType.POLICY_TYPE_RESOURCE
          ? "resource"
          : type === analyzerProto.PolicyType.POLICY_TYPE_STACK
            ? "stack"
            : "unknown",
      configSchema: schema
        ? { properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>, required: schema.getRequiredList() }
        : undefined,
    };
  });
  const initialConfig = new Map<string, PolicyConfigEntry>();
  response.getInitialconfigMap().forEach((config, name) => {
    initialConfig.set(name, {
      enforcementLevel: LEVEL_BY_PROTO[config.getEnforcementlevel()],
      properties: (config.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>,
    });
  });
  return {
    name: response.getName(),
    version: response.getVersion(),
    supportsConfig: response.getSupportsconfig(),
    policies,
    initialConfig,
  };
}

type UnaryInvoker<T> = (
  metadata: grpc.Metadata,
  options: Partial<grpc.CallOptions>,
  callback: (error: grpc.ServiceError | null, response: T) => void,
) => void;

/** One unary call with a deadline; failures become one-line PolicyPackErrors. */
class Rpc {
  constructor(
    private readonly packDir: string,
    private readonly child: ChildProcess,
    private readonly output: OutputTail,
    private readonly timeoutMs: number,
  ) {}

  call<T>(label: string, invoke: UnaryInvoker<T>): Promise<T> {
    return new Promise((resolve, reject) => {
      invoke(new grpc.Metadata(), { deadline: Date.now() + this.timeoutMs }, (error, response) => {
        if (!error) {
          resolve(response);
          return;
        }
        // A dropped connection usually means the pack died: wait (briefly) for it to be gone
        // and its last output read, so the message can say so.
        const settle = error.code === grpc.status.UNAVAILABLE ? waitForClose(this.child, 2000) : Promise.resolve();
        void settle.then(() => reject(this.failure(label, error)));
      });
    });
  }

  private failure(label: string, error: grpc.ServiceError): PolicyPackError {
    if (error.code === grpc.status.UNIMPLEMENTED) return new UnimplementedError(label, this.packDir);
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return new PolicyPackError(
        `policy pack ${this.packDir} exited (${describeExit(this.child.exitCode, this.child.signalCode)}) while ${label}${this.output.describe()}`,
        this.packDir,
      );
    }
    if (error.code === grpc.status.DEADLINE_EXCEEDED) {
      return new PolicyPackError(
        `policy pack ${this.packDir} did not answer within ${seconds(this.timeoutMs)} while ${label}`,
        this.packDir,
      );
    }
    return new PolicyPackError(
      `policy pack ${this.packDir} failed while ${label}: ${oneLine(error.details || error.message)}`,
      this.packDir,
    );
  }
}

class UnimplementedError extends PolicyPackError {
  constructor(label: string, packDir: string) {
    super(`policy pack ${packDir} does not implement ${label}`, packDir);
  }
}

function isUnimplemented(err: unknown): boolean {
  return err instanceof UnimplementedError;
}

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

function describeExit(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `killed by ${signal}` : `exit code ${code}`;
}

/** Resolve when the child has exited and its output is read, or after `timeoutMs`. */
function waitForClose(child: ChildProcess, timeoutMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    // Exited already; "close" may still be pending while its pipes drain.
    if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) return Promise.resolve();
  }
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    child.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** Kill the child (TERM, then KILL) and wait for it to be gone. */
async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
  await exited;
  clearTimeout(timer);
}

/** The last bytes the pack printed. */
class OutputTail {
  private buffer = "";

  add(chunk: Buffer): void {
    this.buffer = (this.buffer + chunk.toString("utf8")).slice(-OUTPUT_TAIL_BYTES);
  }

  text(): string {
    return this.buffer;
  }

  /** `: <last lines, one line, no stack frames>` or nothing. */
  describe(): string {
    const lines = this.buffer
      // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes (ESC [ ... m) from the engine's output
      .replace(/\u001b\[[0-9;]*m/g, "")
      .split(/\r?\n/)
      .filter((line) => line.trim() !== "" && !/^\s+at\s/.test(line));
    if (lines.length === 0) return "";
    return `: ${oneLine(lines.slice(-8).join("\n"))}`;
  }
}
