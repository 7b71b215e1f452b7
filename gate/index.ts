/**
 * The offline gate: the policy pack judges a RecordedStack over the real analyzer protocol,
 * in the engine's order: ConfigureStack, Configure, (Remediate,) Analyze per resource,
 * AnalyzeStack once. One pack process can judge several stacks: starting it (ts-node
 * type-check) is the slow part.
 *
 * Fails closed: a pack that does not start, a policy that throws, a policy that cannot judge a
 * resource (a value unknown in preview, which the engine would only warn about) is a
 * PolicyPackError (exit 2), never a pass.
 */
import type * as structProto from "google-protobuf/google/protobuf/struct_pb";
import { PROJECT_NAME } from "../contract";
import type { RecordedResource, RecordedStack } from "./model";
import { UserError } from "../config/errors";
import { type AnalyzeDiagnostic, PolicyPackProcess } from "./analyzer";
import { PolicyPackError } from "./errors";
import { type PolicyConfigFile, type ReconciledPolicyConfig, readPolicyConfigFile, reconcilePolicyConfig } from "./policyConfig";
import type { GateReport, GateViolation, PolicyPackSummary } from "./report";
import {
  analyzeRequest,
  encodeAnalyzeRequest,
  encodeAnalyzerResource,
  encodeAnalyzeStackRequest,
  marshalProperties,
  type ProviderRecord,
} from "./wire";
import { ResourceFeed } from "./feed";
import { eachAnalyzeStackResource, providersOf } from "./requests";
import { policyConfigWeakenings, type Weakening } from "./weakening";
import type { Progress } from "./progress";

export { PolicyPackError } from "./errors";
export { ResourceFeed } from "./feed";
export { readStackExport, OPAQUE_SECRET_VALUE } from "./stateFile";
export * from "./report";

/** Default number of Analyze calls in flight at once. */
export const DEFAULT_CONCURRENCY = 8;

/** How to run the gate. */
export interface GateOptions {
  /** Policy pack directory (holding PulumiPolicy.yaml). */
  packDir: string;
  /** Policy config file, in the format of `pulumi preview --policy-pack-config`. */
  policyConfigFile?: string;
  /** The default branch's policy config: every way `policyConfigFile` is weaker is reported (`Gate.weakenings`). */
  basePolicyConfigFile?: string;
  /** Told what the gate is doing (the pack starting, a stack being judged). */
  progress?: Progress;
  /** Analyze calls in flight at once. */
  concurrency?: number;
  /** Time allowed for the pack to start, in milliseconds. */
  startTimeoutMs?: number;
  /** Time allowed for one RPC, in milliseconds. */
  rpcTimeoutMs?: number;
  /** Stack tags announced in ConfigureStack; default `pulumi:project` and `pulumi:runtime`. */
  stackTags?: Record<string, string>;
  /** Stack exported to the pack process as PULUMI_STACK (only when it judges one stack). */
  processStack?: string;
  /** Project exported to the pack process as PULUMI_PROJECT; default PROJECT_NAME (`slipway`). */
  project?: string;
  /** Engine address handed to run-policy-pack (tests check nothing dials it). */
  engineAddress?: string;
}

/** What one gate run produced. */
export interface GateRun {
  /** The pack that judged, with each policy's effective level. */
  pack: PolicyPackSummary;
  /** One report per stack, in the order given. */
  reports: GateReport[];
  /** Milliseconds the pack took to start. */
  startMs: number;
  /** Every way the policy config is weaker than the base (empty without a base). */
  weakenings: Weakening[];
}

/** The message @pulumi/policy reports when a policy touched a value unknown during preview. */
const COULD_NOT_JUDGE = /^can't run policy '([^']+)' from policy pack '[^']*' during preview: ([\s\S]*)$/;

/** A started pack, configured once, judging stacks one after the other. */
export class Gate {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly process: PolicyPackProcess,
    private readonly config: ReconciledPolicyConfig,
    private readonly options: GateOptions,
    /** The pack, with each policy's effective level. */
    readonly pack: PolicyPackSummary,
    /** Every way the policy config is weaker than `basePolicyConfigFile` (empty without one). */
    readonly weakenings: Weakening[],
  ) {}

  /** The pack's process id (the benchmark reads its peak memory). */
  get packPid(): number | undefined {
    return this.process.pid;
  }

  /** Start the pack and reconcile the policy config (a bad config is a UserError naming file and key). */
  static async open(options: GateOptions): Promise<Gate> {
    // Read the config before the slow start, so a typo fails at once.
    const configFile: PolicyConfigFile | undefined = options.policyConfigFile ? readPolicyConfigFile(options.policyConfigFile) : undefined;
    const baseFile: PolicyConfigFile | undefined = options.basePolicyConfigFile
      ? readPolicyConfigFile(options.basePolicyConfigFile)
      : undefined;
    const starting = "starting the policy pack";
    options.progress?.start(starting);
    const process = await PolicyPackProcess.start({
      packDir: options.packDir,
      project: options.project ?? PROJECT_NAME,
      stack: options.processStack,
      startTimeoutMs: options.startTimeoutMs,
      rpcTimeoutMs: options.rpcTimeoutMs,
      engineAddress: options.engineAddress,
    }).finally(() => options.progress?.finish(starting));
    try {
      const info = process.info;
      if (!info.supportsConfig && configFile && configFile.entries.size > 0) {
        throw new UserError(`policy pack ${info.name} does not accept configuration`, { file: configFile.file });
      }
      const config = reconcilePolicyConfig(info.name, info.policies, info.initialConfig, configFile);
      const pack: PolicyPackSummary = {
        name: info.name,
        version: info.version,
        policies: info.policies.map((policy) => ({
          name: policy.name,
          description: policy.description,
          enforcementLevel: config.get(policy.name)?.enforcementLevel ?? policy.enforcementLevel,
          severity: policy.severity,
          remediation: policy.remediation,
        })),
      };
      const weakenings = baseFile ? policyConfigWeakenings(info.name, info.policies, info.initialConfig, baseFile, configFile) : [];
      return new Gate(process, config, options, pack, weakenings);
    } catch (err) {
      await process.close();
      throw err;
    }
  }

  /** Milliseconds the pack took to start. */
  get startMs(): number {
    return this.process.startMs;
  }

  /**
   * Judge one stack: a run already recorded, or a feed whose resources are judged as its program
   * registers them. Calls are serialised: the pack holds one stack's configuration at a time.
   */
  judge(stack: RecordedStack | ResourceFeed): Promise<GateReport> {
    const run = this.queue.then(() => this.judgeNow(stack));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kill the pack. */
  close(): Promise<void> {
    return this.process.close();
  }

  private async judgeNow(stack: RecordedStack | ResourceFeed): Promise<GateReport> {
    let feed: ResourceFeed;
    let judging: string;
    if (stack instanceof ResourceFeed) {
      feed = stack;
      judging = `judging ${stack.stack}`;
    } else {
      // A whole run is refused before the pack sees any of it.
      const duplicate = firstDuplicate(stack.resources);
      if (duplicate !== undefined) throw duplicateError(stack.stack, duplicate);
      feed = ResourceFeed.of(stack);
      judging = `judging ${stack.stack} (${stack.resources.length} resources)`;
    }
    this.options.progress?.start(judging);
    try {
      return await this.judgeFeed(feed);
    } finally {
      feed.stopTaking();
      this.options.progress?.finish(judging);
    }
  }

  /**
   * Analyze each resource as it arrives (at most `concurrency` in flight, the feed waiting when
   * the pack falls behind), then AnalyzeStack once the run ended. Failures are reported as without
   * streaming: the program's own first, then a resource recorded twice, then the first judging
   * failure (after which nothing more is sent).
   */
  private async judgeFeed(feed: ResourceFeed): Promise<GateReport> {
    await this.process.configureStack(
      feed.stack,
      feed.project,
      this.options.stackTags ?? { "pulumi:project": feed.project, "pulumi:runtime": "nodejs" },
    );
    await this.process.configure(this.config);
    const remediating = [...this.config.values()].some((entry) => entry.enforcementLevel === "remediate");
    const limit = Math.max(1, this.options.concurrency ?? DEFAULT_CONCURRENCY);

    const seen = new Set<string>();
    let duplicate: string | undefined;
    // Providers seen so far; a resource naming one not yet seen waits for the end of the run.
    const providers = new Map<string, ProviderRecord>();
    const deferred: { resource: RecordedResource; index: number }[] = [];
    // Resource violations are kept per resource, so the report's order does not depend on timing.
    const perResource: GateViolation[][] = [];
    // Inputs a remediation rewrote: the engine creates the resource from them, so AnalyzeStack sees them.
    const remediated: (structProto.Struct | undefined)[] = [];
    let failure: { error: unknown } | undefined;
    const inFlight = new Set<Promise<void>>();
    // Each judged resource's AnalyzeStack entry, encoded while the program still runs (this process
    // is mostly idle then), with the outputs it was encoded from: a component that sets its outputs
    // later is encoded again at the end.
    const stackEntries: ({ from: unknown; bytes: Uint8Array } | undefined)[] = [];
    const encodeStackEntry = (resource: RecordedResource, index: number, known: ReadonlyMap<string, ProviderRecord>): void => {
      try {
        stackEntries[index] = { from: resource.outputs ?? resource.inputs, bytes: encodeAnalyzerResource(resource, known) };
      } catch {
        // Left to the end, which reports it as before.
      }
    };

    const judgeResource = async (resource: RecordedResource, index: number, known: ReadonlyMap<string, ProviderRecord>): Promise<void> => {
      const violations: GateViolation[] = [];
      let props: structProto.Struct | undefined;
      if (remediating) {
        props = marshalProperties(resource);
        // The engine's first pass: remediations transform the inputs the analysis then sees.
        for (const remediation of await this.process.remediate(analyzeRequest(resource, known, props))) {
          if (remediation.diagnostic) {
            violations.push({
              policy: remediation.policyName,
              enforcementLevel: "advisory",
              urn: resource.urn,
              message: remediation.diagnostic,
            });
          } else if (remediation.properties) {
            props = remediation.properties;
            remediated[index] = props;
          }
        }
      }
      // Without remediations (the usual case), the request is encoded without building its message tree.
      const diagnostics =
        props === undefined
          ? await this.process.analyzeEncoded(encodeAnalyzeRequest(resource, known), resource.urn)
          : await this.process.analyze(analyzeRequest(resource, known, props));
      // The engine files a resource's diagnostics under that resource, whatever URN they name.
      violations.push(...toViolations(diagnostics, resource.urn, () => resource.urn));
      perResource[index] = violations;
      if (remediated[index] === undefined) encodeStackEntry(resource, index, known);
      // Judged, and encoded for AnalyzeStack: the gate's own copy of the record is read no more
      // (outputs a component sets later replace the marker, and are encoded again at the end).
      // Providers stay whole: the resources judged after them read their inputs.
      const entry = stackEntries[index];
      if (feed.releaseJudged && entry !== undefined && !resource.type.startsWith(PROVIDER_TYPE_PREFIX)) {
        resource.inputs = RELEASED;
        resource.outputs = RELEASED;
        entry.from = RELEASED;
      }
    };
    const launch = (resource: RecordedResource, index: number, known: ReadonlyMap<string, ProviderRecord>): void => {
      const work: Promise<void> = judgeResource(resource, index, known).then(
        () => void inFlight.delete(work),
        (error: unknown) => {
          inFlight.delete(work);
          failure ??= { error };
        },
      );
      inFlight.add(work);
    };

    for (let next = await feed.next(); next !== undefined; next = await feed.next()) {
      const { resource, index } = next;
      if (seen.has(resource.urn)) duplicate ??= resource.urn;
      seen.add(resource.urn);
      if (resource.type.startsWith(PROVIDER_TYPE_PREFIX)) providers.set(resource.urn, providerRecord(resource));
      if (duplicate !== undefined || failure !== undefined) {
        // The stack is refused either way: send nothing more, hold the program back no longer.
        feed.stopTaking();
        break;
      }
      if (resource.provider !== undefined && resource.provider !== "" && !providers.has(providerUrn(resource.provider))) {
        deferred.push(next);
        continue;
      }
      while (inFlight.size >= limit) await Promise.race(inFlight);
      launch(resource, index, providers);
    }
    await Promise.all(inFlight);
    const recorded = await feed.done; // the program's failure, if it failed
    if (duplicate === undefined) duplicate = firstDuplicate(recorded.resources);
    if (duplicate !== undefined) throw duplicateError(recorded.stack, duplicate);
    const allProviders = providersOf(recorded);
    for (const { resource, index } of failure === undefined ? deferred : []) {
      while (inFlight.size >= limit && failure === undefined) await Promise.race(inFlight);
      if (failure !== undefined) break;
      launch(resource, index, allProviders);
    }
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure.error;

    const encodedWhileJudging = (index: number, resource: RecordedResource): Uint8Array | undefined => {
      const entry = stackEntries[index];
      return entry !== undefined && entry.from === (resource.outputs ?? resource.inputs) ? entry.bytes : undefined;
    };
    const stackRequest = encodeAnalyzeStackRequest(eachAnalyzeStackResource(recorded, allProviders, remediated, encodedWhileJudging));
    stackEntries.length = 0; // encoded into the request: the entries may go while the pack judges the stack
    const stackDiagnostics = await this.process.analyzeStack(stackRequest);
    const rootUrn = `urn:pulumi:${recorded.stack}::${recorded.project}::pulumi:pulumi:Stack::${recorded.project}-${recorded.stack}`;
    // Like the engine: a URN that names a judged resource is kept, anything else is the stack's.
    const stackViolations = toViolations(stackDiagnostics, "the stack", (urn) => (seen.has(urn) ? urn : rootUrn));

    const violations: GateViolation[] = [];
    for (let index = 0; index < recorded.resources.length; index++) violations.push(...(perResource[index] ?? []));
    return {
      stack: recorded.stack,
      policies: [...this.config.values()].filter((entry) => entry.enforcementLevel !== "disabled").length,
      resources: recorded.resources.length,
      violations: [...violations, ...stackViolations],
    };
  }
}

/** Type prefix of provider resources. */
const PROVIDER_TYPE_PREFIX = "pulumi:providers:";

/** What a judged record's properties become once the gate has encoded it (see `releaseJudged`). */
const RELEASED: Record<string, unknown> = Object.freeze({});

/** A provider resource as analyzers see it. */
function providerRecord(resource: RecordedResource): ProviderRecord {
  return { urn: resource.urn, type: resource.type, name: resource.name, inputs: resource.inputs };
}

/** The provider URN of a provider reference (`<urn>::<id>`). */
function providerUrn(reference: string): string {
  const separator = reference.lastIndexOf("::");
  return separator > 0 ? reference.slice(0, separator) : reference;
}

/** The first URN recorded twice, if any. */
function firstDuplicate(resources: readonly RecordedResource[]): string | undefined {
  const seen = new Set<string>();
  for (const resource of resources) {
    if (seen.has(resource.urn)) return resource.urn;
    seen.add(resource.urn);
  }
  return undefined;
}

function duplicateError(stack: string, urn: string): UserError {
  return new UserError(`stack ${stack}: resource ${urn} is recorded twice`);
}

/** Turn diagnostics into violations; a policy that could not judge fails the gate. */
function toViolations(diagnostics: AnalyzeDiagnostic[], subject: string, urnOf: (urn: string) => string): GateViolation[] {
  const violations: GateViolation[] = [];
  for (const diagnostic of diagnostics) {
    const couldNotJudge = COULD_NOT_JUDGE.exec(diagnostic.message);
    if (couldNotJudge) {
      throw new PolicyPackError(`policy '${couldNotJudge[1]}' could not judge ${subject}: ${couldNotJudge[2].trim()}`);
    }
    if (diagnostic.enforcementLevel === "disabled") continue;
    violations.push({
      policy: diagnostic.policyName,
      // A remediation policy still violated after remediating counts as mandatory (engine rule).
      enforcementLevel: diagnostic.enforcementLevel === "advisory" ? "advisory" : "mandatory",
      urn: urnOf(diagnostic.urn),
      message: withoutDescription(diagnostic),
    });
  }
  return violations;
}

/** @pulumi/policy sends `<description>\n<message>`; the report keeps the message. */
function withoutDescription(diagnostic: AnalyzeDiagnostic): string {
  const prefix = `${diagnostic.description}\n`;
  if (diagnostic.description !== "" && diagnostic.message.startsWith(prefix)) return diagnostic.message.slice(prefix.length);
  return diagnostic.message;
}

/** Judge one stack with a pack started for it (and killed afterwards). */
export async function judgeStack(recorded: RecordedStack, options: GateOptions): Promise<GateReport> {
  const gate = await Gate.open({ ...options, processStack: options.processStack ?? recorded.stack });
  try {
    return await gate.judge(recorded);
  } finally {
    await gate.close();
  }
}

/** Stacks to judge: recorded program runs, stack exports, or feeds of programs still running. */
export type StackEntries = readonly (RecordedStack | ResourceFeed)[];

/**
 * Judge several stacks with one pack process (started once, configured per stack), in the order
 * given; a feed is judged while its program runs. A program's failure is reported before the
 * pack's, as when every run finished before judging began.
 */
export async function judgeStacks(stacks: StackEntries | Promise<StackEntries>, options: GateOptions): Promise<GateRun> {
  // Start the pack first: its start (the slow part) overlaps whatever produces the stacks.
  const opening = Gate.open(options);
  opening.catch(() => undefined); // a start failure is reported below, once the stacks settle
  let entries: StackEntries;
  try {
    entries = await stacks;
  } catch (err) {
    await opening.then(
      (gate) => gate.close(),
      () => undefined,
    );
    throw err;
  }
  const programs = Promise.all(entries.map((entry) => (entry instanceof ResourceFeed ? entry.done : entry)));
  programs.catch(() => undefined);
  let gate: Gate;
  try {
    gate = await opening;
  } catch (err) {
    await programs;
    throw err;
  }
  try {
    const reports: GateReport[] = [];
    for (const entry of entries) reports.push(await gate.judge(entry));
    return { pack: gate.pack, reports, startMs: gate.startMs, weakenings: gate.weakenings };
  } catch (err) {
    await programs;
    throw err;
  } finally {
    await gate.close();
  }
}
