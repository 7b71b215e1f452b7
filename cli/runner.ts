/**
 * Runs the Slipway program offline, under Pulumi's mock runtime, and records every resource
 * registration as the engine would have received it: type, name, parent, inputs (wire form,
 * secrets still wrapped), dependencies, protect, retainOnDelete, provider.
 *
 * Nothing here reaches a cloud: data-source invokes get deterministic stand-in answers (a team
 * slug's id is a stable number derived from the slug), which `slipway plan` says out loud.
 *
 * Pulumi's runtime keeps process-wide state, so one process runs one stack: `slipway plan` and
 * `slipway gate` run each stack in a child process (see `runStackInChild`).
 */
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import * as settingsModule from "@pulumi/pulumi/runtime/settings";
import * as stateModule from "@pulumi/pulumi/runtime/state";
import { PROJECT_NAME } from "../contract";
import { ConfigError } from "../components/config";
import { readStackFile, toEngineConfig } from "../components/stackFile";
import { RecordedInvoke, RecordedResource, RecordedStack, redact, SECRET_SIG, SIG_KEY, stableId } from "./model";
import { UserError } from "./errors";

/**
 * Runtime internals the mock runner needs, as `pulumi.runtime.setMocks` itself uses them. They are
 * marked @internal in the SDK's typings, so they are typed here; @pulumi/pulumi is pinned exactly.
 */
const settings = settingsModule as typeof settingsModule & { waitForRPCs(): Promise<void> };
const state = stateModule as typeof stateModule & {
  getStore(): {
    supportsSecrets: boolean;
    supportsResourceReferences: boolean;
    supportsOutputValues: boolean;
    supportsDeletedWith: boolean;
    supportsAliasSpecs: boolean;
  };
};


/** Mocks that echo inputs as state and answer the invokes the program makes. */
export const offlineMocks: pulumi.runtime.Mocks = {
  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const computed: Record<string, unknown> = {};
    if (args.type === "github:index/repository:Repository") {
      const name = String(args.inputs.name ?? args.name);
      computed.nodeId = `R_mock_${stableId(name)}`;
      computed.repoId = stableId(name);
      computed.fullName = name;
    }
    if (args.type === "random:index/randomPassword:RandomPassword") {
      // A stand-in value; the monitor marks it secret (additionalSecretOutputs), as the engine does.
      computed.result = `offline-${crypto.createHash("sha256").update(args.name).digest("hex").slice(0, 24)}`;
    }
    return { id: args.custom === false ? undefined : `${args.name}-id`, state: { ...args.inputs, ...computed } };
  },
  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    switch (args.token) {
      case "github:index/getTeam:getTeam": {
        const slug = String(args.inputs.slug);
        return { id: String(stableId(`team:${slug}`)), slug, name: slug, nodeId: `T_mock_${slug}` };
      }
      case "heroku:pipeline/getPipeline:getPipeline": {
        const name = String(args.inputs.name);
        const hex = crypto.createHash("sha256").update(`pipeline:${name}`).digest("hex");
        const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
        return { id, name, ownerId: "", ownerType: "team" };
      }
      case "github:index/getUser:getUser": {
        const login = String(args.inputs.username);
        return { id: String(stableId(`user:${login}`)), login, username: login, nodeId: `U_mock_${login}` };
      }
      default:
        return args.inputs;
    }
  },
};

/** The mock monitor, recording each RegisterResourceRequest before answering it. */
export class RecordingMonitor extends MockMonitor {
  /** Every registration, in order. */
  readonly recorded: RecordedResource[] = [];
  /** Every data-source invoke, in order (the runtime's own getResource excepted). */
  readonly invoked: RecordedInvoke[] = [];

  // The request types are the generated protobuf classes; only their getters are used here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
    const record: Omit<RecordedResource, "urn"> = {
      type: req.getType(),
      name: req.getName(),
      custom: req.getCustom(),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      protect: req.getProtect() === true,
      retainOnDelete: req.getRetainondelete() === true,
      provider: req.getProvider() || undefined,
      inputs: (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
      additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
      deleteBeforeReplace: req.getDeletebeforereplace() === true,
      ignoreChanges: req.getIgnorechangesList(),
      version: req.getVersion(),
      pluginDownloadURL: req.getPlugindownloadurl(),
      createTimeout: req.getCustomtimeouts()?.getCreate() ?? "",
    };
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return super.registerResource(req, (err: unknown, response: any) => {
      if (!err && response) {
        this.recorded.push({ urn: response.getUrn(), ...record });
        markSecretOutputs(response, record.additionalSecretOutputs);
      }
      callback(err, response);
    });
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  async invoke(req: any, callback: (err: any, response: any) => void): Promise<void> {
    const token = req.getTok();
    if (token !== "pulumi:pulumi:getResource") {
      this.invoked.push({
        token,
        args: (req.getArgs()?.toJavaScript() ?? {}) as Record<string, unknown>,
        version: req.getVersion(),
        pluginDownloadURL: req.getPlugindownloadurl(),
      });
    }
    return super.invoke(req, callback);
  }
}

/**
 * Point Pulumi's runtime at `monitor`, as `pulumi.runtime.setMocks` does, with the feature set it
 * enables: secrets travel wrapped, like the engine's. Tests that run components use it too.
 */
export function useMockMonitor(monitor: RecordingMonitor, stack: string, preview: boolean): void {
  settings.setMockOptions(monitor, PROJECT_NAME, stack, preview);
  const store = state.getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsAliasSpecs = true;
}

/** Wait until every registration the program started has been answered. */
export function waitForRegistrations(): Promise<void> {
  return settings.waitForRPCs();
}

/** The engine returns `additionalSecretOutputs` as secrets; the stock mock monitor does not. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
function markSecretOutputs(response: any, names: readonly string[]): void {
  if (names.length === 0) return;
  const struct = response.getObject();
  const state = (struct?.toJavaScript() ?? {}) as Record<string, unknown>;
  for (const name of names) {
    const value = state[name];
    const wrapped = value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
    if (value !== undefined && !wrapped) state[name] = { [SIG_KEY]: SECRET_SIG, value };
  }
  response.setObject(struct.constructor.fromJavaScript(state));
}

import type { RunOptions } from "./runInChild";
export type { RunOptions };


/**
 * Run one stack in this process. Call it once per process: Pulumi's runtime state is global.
 * A config mistake or a `pulumi.RunError` from the program is a `UserError`.
 */
export async function runStack(options: RunOptions): Promise<RecordedStack> {
  let stackFile;
  try {
    stackFile = readStackFile(options.projectDir, options.stack);
  } catch (err) {
    throw asUserError(err);
  }
  const { config, secretKeys } = toEngineConfig(stackFile);
  const monitor = new RecordingMonitor(offlineMocks);
  const preview = options.preview ?? true;
  useMockMonitor(monitor, options.stack, preview);
  pulumi.runtime.setAllConfig(config, secretKeys);

  // The program reads its stack files, ledger and changelog from the project directory.
  process.env.SLIPWAY_PROJECT_DIR = options.projectDir;
  const programPath = options.program ?? path.join(__dirname, "..", "index.ts");
  let exported: Record<string, unknown>;
  try {
    exported = require(programPath) as Record<string, unknown>;
    await waitForRegistrations();
  } catch (err) {
    throw asUserError(err);
  }
  const outputs: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(exported)) {
    if (name === "__esModule") continue;
    outputs[name] = redact(await resolveForDisplay(value));
  }
  return { stack: options.stack, project: PROJECT_NAME, resources: monitor.recorded, outputs, invokes: monitor.invoked };
}

/** Resolve an exported value, keeping secrets opaque. */
async function resolveForDisplay(value: unknown): Promise<unknown> {
  // Plain containers are shown field by field, so one secret field does not hide the rest.
  if (Array.isArray(value)) return Promise.all(value.map(resolveForDisplay));
  if (value !== null && typeof value === "object" && !pulumi.Output.isInstance(value) && Object.getPrototypeOf(value) === Object.prototype) {
    const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await resolveForDisplay(v)] as const));
    return Object.fromEntries(entries);
  }
  const output = pulumi.output(value) as pulumi.Output<unknown> & { isKnown: Promise<boolean>; promise(): Promise<unknown> };
  if (await pulumi.isSecret(output)) return "[secret]";
  // In a preview, a value the provider computes is unknown, and apply callbacks never run on it.
  if (!(await output.isKnown)) return "[unknown]";
  return output.promise();
}

/** Config and program errors are the user's to fix: no stack trace. */
export function asUserError(err: unknown): unknown {
  if (err instanceof ConfigError) return new UserError(err.message);
  if (pulumi.RunError.isInstance(err)) return new UserError((err as Error).message);
  return err;
}

// Callers that only spawn runs import the light module; re-exported here for convenience.
export { runStackInChild } from "./runInChild";
