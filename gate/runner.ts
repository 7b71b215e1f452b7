/**
 * Runs the Slipway program offline, under Pulumi's mock runtime, playing the engine's part so the
 * gate judges what `pulumi preview --policy-pack` judges (pkg/resource/deploy/step_generator.go):
 *
 * - the program runs inside the root `pulumi:pulumi:Stack`, which parents top-level resources;
 * - a custom resource with no explicit provider gets the engine's default provider for its
 *   package, version and download URL (`default_6_15_0`), configured from the stack's `<pkg>:*`
 *   config plus `version`;
 * - inputs are recorded after the provider's Check and outputs as the provider previews them
 *   (providers/model.ts, driven by the providers' schemas): in a preview a new resource's id
 *   and computed properties are unknown, so the program sees them unknown too;
 * - options are recorded as the engine passes them to analyzers: ignoreChanges,
 *   deleteBeforeReplace, aliases, custom timeouts, property dependencies.
 *
 * Nothing here reaches a cloud: data-source invokes get deterministic stand-in answers (a team
 * slug's id is a stable number derived from the slug), which `slipway plan` says out loud.
 *
 * Pulumi's runtime keeps process-wide state, so one process runs one stack: `slipway plan` and
 * `slipway gate` run each stack in a child process (see `runStackInChild`).
 */
import * as crypto from "node:crypto";
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import * as pulumi from "@pulumi/pulumi";
import * as resourceProto from "@pulumi/pulumi/proto/resource_pb";
import { PROJECT_NAME } from "../contract";
import { ConfigError } from "../config/config";
import { readStackFile, toEngineConfig } from "../config/stackFile";
import { check, createOutputs, previewOutputs } from "../providers/model";
import { stableUuid as providerUuid } from "../providers/synth";
import {
  type RecordedInvoke,
  type RecordedResource,
  type RecordedStack,
  recordedResource,
  redact,
  SECRET_SIG,
  SIG_KEY,
  UNKNOWN_VALUE,
  stableId,
} from "./model";
import { UserError } from "../config/errors";
import { programModule } from "./project";
import { takeConfigSources } from "../config/configSource";
import { resolveConfigSources } from "./configSources";
import { sdkRuntime } from "./sdk";

/** Runtime internals the mock runner needs, as `pulumi.runtime.setMocks` itself uses them (gate/sdk.ts). */
const { MockMonitor, deserializeProperties, runInPulumiStack, serializeProperties, setMockOptions, getStore, waitForRPCs } = sdkRuntime();

/** Answers to the invokes a program makes; registrations are answered by RecordingMonitor itself. */
export const offlineMocks: pulumi.runtime.Mocks = {
  newResource(): never {
    throw new Error("RecordingMonitor answers registrations itself");
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

/** A stable id for a resource that exists (an update's ids), derived from its URN. */
function stableUuid(urn: string): string {
  return providerUuid(urn, "id");
}

/** The root resource's type; the engine leaves it out of its children's URNs. */
const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
/** Type prefix of provider resources. */
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/** What the monitor must know of the stack it stands in the engine for. */
export interface MonitorSettings {
  /** Stack name. */
  stack: string;
  /** Project name. */
  project: string;
  /** Whether this run is a preview (ids and computed outputs of new resources unknown). */
  preview: boolean;
  /** Provider config from the stack file by package (`github` -> `{owner: "acme"}`), wire form. */
  providerConfig: Record<string, Record<string, unknown>>;
}

/** A duration as the SDK sends it (`30m`, `1h30m`, `90s`) in seconds; 0 when empty. */
export function durationSeconds(text: string): number {
  if (text === "") return 0;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001, µs: 0.000001, ns: 0.000000001 };
  let total = 0;
  let rest = text;
  while (rest !== "") {
    const match = /^(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/.exec(rest);
    if (!match) throw new UserError(`'${text}' is not a duration (like 30m or 1h30m)`);
    total += Number(match[1]) * units[match[2]];
    rest = rest.slice(match[0].length);
  }
  return total;
}

/** The engine's name for a default provider: `default_<major>_<minor>_<patch>[_<download URL as a QName>]`. */
export function defaultProviderName(version: string, pluginDownloadURL: string): string {
  let name = "default";
  const match = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+([0-9A-Za-z.-]+))?$/.exec(version);
  if (match) {
    name += `_${match[1]}_${match[2]}_${match[3]}`;
    for (const pre of match[4]?.split(".") ?? []) name += `_${pre}`;
    for (const build of match[5]?.split(".") ?? []) name += `_${build}`;
  }
  if (pluginDownloadURL !== "") {
    // tokens.IntoQName: empty segments dropped, characters outside [A-Za-z0-9_.-] become '_'.
    const qname = pluginDownloadURL
      .split("/")
      .filter((segment) => segment !== "")
      .map((segment) => segment.replace(/[^A-Za-z0-9_.-]/g, "_"))
      .join("/");
    name += `_${qname || "_"}`;
  }
  return name;
}

/** Wrap the named top-level properties as secrets, as the engine does with additionalSecretOutputs. */
function markSecretOutputs(outputs: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  for (const name of names) {
    const value = outputs[name];
    const wrapped = value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
    if (value !== undefined && !wrapped) outputs[name] = { [SIG_KEY]: SECRET_SIG, value };
  }
  return outputs;
}

/** Told of each record as the monitor makes it: the gate judges resources while the program runs. */
export interface RecordListener {
  /**
   * A resource was recorded. A promise returned holds the registration's answer, and so the
   * program, until it settles: the gate's back-pressure.
   */
  recorded(resource: RecordedResource): void | Promise<void>;
  /** A recorded resource's outputs were set after it was recorded (a component's registerOutputs). */
  outputsChanged?(resource: RecordedResource): void;
}

/** The mock monitor, answering each registration as the engine and the provider would, and recording it. */
export class RecordingMonitor extends MockMonitor {
  /** Every resource the engine would hold, in the order it would register them. */
  readonly recorded: RecordedResource[] = [];
  /** Every data-source invoke, in order (the runtime's own getResource excepted). */
  readonly invoked: RecordedInvoke[] = [];
  private readonly byUrn = new Map<string, RecordedResource>();
  private readonly defaultProviders = new Map<string, RecordedResource>();
  private rootUrn: string | undefined;
  /** Told of each record. */
  listener: RecordListener | undefined;

  /**
   * With `settings`, the monitor answers as the engine and the providers would (the gate's
   * runs). Without, `mocks.newResource` answers, as in Pulumi's unit-testing style: known ids and
   * whatever state the test's mocks give (the component tests).
   */
  constructor(
    mocks: pulumi.runtime.Mocks,
    private readonly settings?: MonitorSettings,
  ) {
    super(mocks);
  }

  /** The engine's URN: the parent's type is prefixed, except the root Stack's. */
  private urnOf(parent: string | undefined, type: string, name: string): string {
    let qualified = type;
    if (parent !== undefined && parent !== this.rootUrn) {
      const parentType = parent.split("::")[2];
      qualified = `${parentType}$${type}`;
    }
    const stack = this.settings?.stack ?? pulumi.getStack();
    const project = this.settings?.project ?? pulumi.getProject();
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
  }

  /** Record a resource; a promise returned: what the listener asks the answer to wait for. */
  private record(resource: RecordedResource): void | Promise<void> {
    this.recorded.push(resource);
    this.byUrn.set(resource.urn, resource);
    return this.listener?.recorded(resource);
  }

  /** The default provider for a package at a version and download URL, recorded the first time it is needed. */
  private defaultProvider(settings: MonitorSettings, pkg: string, version: string, pluginDownloadURL: string): RecordedResource {
    const key = `${pkg}\u0000${version}\u0000${pluginDownloadURL}`;
    const known = this.defaultProviders.get(key);
    if (known) return known;
    const name = defaultProviderName(version, pluginDownloadURL);
    const type = `${PROVIDER_TYPE_PREFIX}${pkg}`;
    const inputs: Record<string, unknown> = { ...(settings.providerConfig[pkg] ?? {}) };
    if (version !== "") inputs.version = version;
    const urn = `urn:pulumi:${settings.stack}::${settings.project}::${type}::${name}`;
    const provider = recordedResource({
      urn,
      type,
      name,
      id: settings.preview ? undefined : stableUuid(urn),
      inputs,
      outputs: inputs,
      version: version || undefined,
      pluginDownloadURL: pluginDownloadURL || undefined,
    });
    this.defaultProviders.set(key, provider);
    void this.record(provider); // the resource that needs it waits, if anything must
    return provider;
  }

  // The request types are the generated protobuf classes; only their getters are used here.
  // biome-ignore lint/suspicious/noExplicitAny: the generated protobuf request classes, as the SDK's MockMonitor types them
  async registerResource(req: any, callback: (err: any, response: any) => void): Promise<void> {
    try {
      const type: string = req.getType();
      const name: string = req.getName();
      const custom: boolean = req.getCustom();
      const isRoot = type === ROOT_STACK_TYPE && !req.getParent();
      const isProvider = type.startsWith(PROVIDER_TYPE_PREFIX);
      const parent: string | undefined = req.getParent() || (isRoot ? undefined : this.rootUrn);
      const urn = this.urnOf(parent, type, name);
      if (isRoot) this.rootUrn = urn;
      const version: string = req.getVersion();
      const pluginDownloadURL: string = req.getPlugindownloadurl();
      const registered = (req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>;
      const propertyDependencies: Record<string, string[]> = {};
      // biome-ignore lint/suspicious/noExplicitAny: the generated protobuf request classes, as the SDK's MockMonitor types them
      req.getPropertydependenciesMap().forEach((entry: any, key: string) => {
        propertyDependencies[key] = entry.getUrnsList();
      });
      const timeouts = req.getCustomtimeouts();

      let provider: string | undefined = req.getProvider() || undefined;
      let inputs = registered;
      let outputs: Record<string, unknown> | undefined;
      let id = "";
      const pkg = type.split(":")[0];
      const settings = this.settings;
      if (settings === undefined) {
        // Unit-test style: the test's mocks answer.
        const answer = await this.mocks.newResource({
          type,
          name,
          inputs: deserializeProperties(req.getObject()),
          provider: req.getProvider(),
          custom,
          id: req.getImportid(),
        });
        id = answer.id ?? "";
        outputs = (await serializeProperties("", answer.state)) as Record<string, unknown>;
        outputs = markSecretOutputs(outputs, req.getAdditionalsecretoutputsList());
      } else if (isProvider) {
        // The engine records a provider's plugin version among its inputs.
        inputs = { ...registered, ...(version !== "" ? { version } : {}) };
        outputs = inputs;
        if (!settings.preview) id = stableUuid(urn);
      } else if (custom) {
        if (provider === undefined) {
          const fallback = this.defaultProvider(settings, pkg, version, pluginDownloadURL);
          provider = `${fallback.urn}::${settings.preview ? UNKNOWN_VALUE : stableUuid(fallback.urn)}`;
        }
        // The provider's Check, then its preview (or its Create, in an update).
        inputs = check(pkg, type, registered, { urn, randomSeed: urn }).inputs;
        const additional: string[] = req.getAdditionalsecretoutputsList();
        if (settings.preview) {
          outputs = markSecretOutputs(previewOutputs(pkg, type, inputs), additional);
        } else {
          const created = createOutputs(pkg, type, urn, inputs);
          outputs = markSecretOutputs(created.outputs, additional);
          id = created.id;
        }
      }

      const resource: RecordedResource = {
        urn,
        type,
        name,
        custom,
        parent,
        dependencies: req.getDependenciesList(),
        propertyDependencies,
        protect: req.getProtect() === true,
        retainOnDelete: req.getRetainondelete() === true,
        id: id || undefined,
        provider,
        inputs,
        outputs,
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        deleteBeforeReplace: req.getDeletebeforereplacedefined() ? req.getDeletebeforereplace() === true : undefined,
        ignoreChanges: req.getIgnorechangesList(),
        aliases: req.getAliasurnsList(),
        customTimeouts: {
          create: durationSeconds(timeouts?.getCreate() ?? ""),
          update: durationSeconds(timeouts?.getUpdate() ?? ""),
          delete: durationSeconds(timeouts?.getDelete() ?? ""),
        },
        version: version || undefined,
        pluginDownloadURL: pluginDownloadURL || undefined,
      };
      const holdBack = this.record(resource);
      const state = outputs ?? {};
      this.resources.set(urn, { urn, id: id || null, state });
      // The gate's back-pressure: the program waits for its answer while the pack catches up.
      if (holdBack !== undefined) await holdBack;
      const response = new resourceProto.RegisterResourceResponse();
      response.setUrn(urn);
      response.setId(id);
      response.setObject(structProto.Struct.fromJavaScript(state as Record<string, structProto.JavaScriptValue>));
      callback(null, response);
    } catch (err) {
      callback(err, undefined);
    }
  }

  // biome-ignore lint/suspicious/noExplicitAny: the generated protobuf request classes, as the SDK's MockMonitor types them
  async registerResourceOutputs(req: any, callback: (err: any, response: any) => void): Promise<void> {
    // A component's (and the root Stack's) outputs: what AnalyzeStack sees for it.
    const resource = this.byUrn.get(req.getUrn());
    if (resource) {
      resource.outputs = (req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
      this.listener?.outputsChanged?.(resource);
    }
    return super.registerResourceOutputs(req, callback);
  }

  // biome-ignore lint/suspicious/noExplicitAny: the generated protobuf request classes, as the SDK's MockMonitor types them
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
  setMockOptions(monitor, PROJECT_NAME, stack, preview);
  const store = getStore();
  store.supportsSecrets = true;
  store.supportsResourceReferences = true;
  store.supportsOutputValues = false;
  store.supportsDeletedWith = true;
  store.supportsAliasSpecs = true;
}

/** Wait until every registration the program started has been answered. */
export function waitForRegistrations(): Promise<void> {
  return waitForRPCs();
}

import type { RunOptions } from "./runInChild";
export type { RunOptions };

/**
 * Run one stack in this process. Call it once per process: Pulumi's runtime state is global.
 * `listener` is told of each resource as it is recorded (the gate judges it then).
 * A config mistake or a `pulumi.RunError` from the program is a `UserError`.
 */
export async function runStack(options: RunOptions, listener?: RecordListener): Promise<RecordedStack> {
  let stackFile: ReturnType<typeof readStackFile>;
  try {
    stackFile = readStackFile(options.projectDir, options.stack);
  } catch (err) {
    throw asUserError(err);
  }
  const { config, secretKeys } = toEngineConfig(stackFile);
  const preview = options.preview ?? true;
  const monitor = new RecordingMonitor(offlineMocks, {
    stack: options.stack,
    project: PROJECT_NAME,
    preview,
    providerConfig: providerConfigOf(config, secretKeys),
  });
  monitor.listener = listener;
  useMockMonitor(monitor, options.stack, preview);
  pulumi.runtime.setAllConfig(config, secretKeys);

  // The program reads its stack files, ledger and changelog from the project directory.
  process.env.SLIPWAY_PROJECT_DIR = options.projectDir;
  const programPath = options.program ?? programModule(options.projectDir);
  takeConfigSources(); // whatever an earlier run in this process declared is not this run's
  try {
    // As the language host runs it: inside the root Stack, whose outputs are the module's exports;
    // an exported function is called, and an exported promise (or what the function returns) awaited.
    await runInPulumiStack(async () => {
      const exported: unknown = require(programPath);
      return (await (exported instanceof Function ? exported() : exported)) as Record<string, unknown>;
    });
    await waitForRegistrations();
  } catch (err) {
    throw asUserError(err);
  }
  const root = monitor.recorded.find((resource) => resource.type === "pulumi:pulumi:Stack");
  const outputs = redact(root?.outputs ?? {}) as Record<string, unknown>;
  const sources = await resolveConfigSources(takeConfigSources(), monitor.recorded);
  return { stack: options.stack, project: PROJECT_NAME, resources: monitor.recorded, outputs, invokes: monitor.invoked, sources };
}

/**
 * The stack's provider config by package (`github:owner` -> `github.owner`), as the engine gives
 * it to a default provider: strings, secure values as secrets. Slipway's own and the engine's
 * (`pulumi:`) keys are no provider's.
 */
function providerConfigOf(config: Record<string, string>, secretKeys: readonly string[]): Record<string, Record<string, unknown>> {
  const byPackage: Record<string, Record<string, unknown>> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const colon = fullKey.indexOf(":");
    const pkg = fullKey.slice(0, colon);
    if (colon < 0 || pkg === "slipway" || pkg === "pulumi") continue;
    byPackage[pkg] ??= {};
    byPackage[pkg][fullKey.slice(colon + 1)] = secretKeys.includes(fullKey) ? { [SIG_KEY]: SECRET_SIG, value } : value;
  }
  return byPackage;
}

/** Config and program errors (a RunError, or a component's ResourceError) are the user's to fix: no stack trace. */
export function asUserError(err: unknown): unknown {
  if (err instanceof ConfigError) return new UserError(err.message);
  if (pulumi.RunError.isInstance(err) || pulumi.ResourceError.isInstance(err)) return new UserError((err as Error).message);
  return err;
}

// Callers that only spawn runs import the light module; re-exported here for convenience.
export { runStackInChild } from "./runInChild";
