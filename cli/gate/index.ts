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
import * as structProto from "google-protobuf/google/protobuf/struct_pb";
import { PROJECT_NAME } from "../../contract";
import { RecordedResource, RecordedStack } from "../model";
import { UserError } from "../errors";
import { AnalyzeDiagnostic, PolicyPackProcess } from "./analyzer";
import { PolicyPackError } from "./errors";
import { PolicyConfigFile, ReconciledPolicyConfig, readPolicyConfigFile, reconcilePolicyConfig } from "./policyConfig";
import { GateReport, GateViolation, PolicyPackSummary } from "./report";
import { analyzeRequest, marshalProperties } from "./wire";
import { analyzeStackResources, providersOf } from "./requests";
import { policyConfigWeakenings, Weakening } from "./weakening";
import type { Progress } from "../progress";

export { PolicyPackError } from "./errors";
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
    const baseFile: PolicyConfigFile | undefined = options.basePolicyConfigFile ? readPolicyConfigFile(options.basePolicyConfigFile) : undefined;
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

  /** Judge one stack. Calls are serialised: the pack holds one stack's configuration at a time. */
  judge(recorded: RecordedStack): Promise<GateReport> {
    const run = this.queue.then(() => this.judgeNow(recorded));
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Kill the pack. */
  close(): Promise<void> {
    return this.process.close();
  }

  private async judgeNow(recorded: RecordedStack): Promise<GateReport> {
    const judging = `judging ${recorded.stack} (${recorded.resources.length} resources)`;
    this.options.progress?.start(judging);
    try {
      return await this.judgeResources(recorded);
    } finally {
      this.options.progress?.finish(judging);
    }
  }

  private async judgeResources(recorded: RecordedStack): Promise<GateReport> {
    const seen = new Set<string>();
    for (const resource of recorded.resources) {
      if (seen.has(resource.urn)) throw new UserError(`stack ${recorded.stack}: resource ${resource.urn} is recorded twice`);
      seen.add(resource.urn);
    }
    const providers = providersOf(recorded);

    await this.process.configureStack(recorded.stack, recorded.project, this.options.stackTags ?? { "pulumi:project": recorded.project, "pulumi:runtime": "nodejs" });
    await this.process.configure(this.config);
    const remediating = [...this.config.values()].some((entry) => entry.enforcementLevel === "remediate");

    // Resource violations are kept per resource, so the report's order does not depend on timing.
    const perResource: GateViolation[][] = recorded.resources.map(() => []);
    // Inputs a remediation rewrote: the engine creates the resource from them, so AnalyzeStack sees them.
    const remediated: (structProto.Struct | undefined)[] = new Array(recorded.resources.length);
    await forEachBounded(recorded.resources, this.options.concurrency ?? DEFAULT_CONCURRENCY, async (resource, index) => {
      let props = marshalProperties(resource);
      if (remediating) {
        // The engine's first pass: remediations transform the inputs the analysis then sees.
        for (const remediation of await this.process.remediate(analyzeRequest(resource, providers, props))) {
          if (remediation.diagnostic) {
            perResource[index].push({ policy: remediation.policyName, enforcementLevel: "advisory", urn: resource.urn, message: remediation.diagnostic });
          } else if (remediation.properties) {
            props = remediation.properties;
            remediated[index] = props;
          }
        }
      }
      const diagnostics = await this.process.analyze(analyzeRequest(resource, providers, props));
      // The engine files a resource's diagnostics under that resource, whatever URN they name.
      perResource[index].push(...toViolations(diagnostics, resource.urn, () => resource.urn));
    });

    const stackResources = analyzeStackResources(recorded, providers, remediated);
    const stackDiagnostics = await this.process.analyzeStack(stackResources);
    const rootUrn = `urn:pulumi:${recorded.stack}::${recorded.project}::pulumi:pulumi:Stack::${recorded.project}-${recorded.stack}`;
    // Like the engine: a URN that names a judged resource is kept, anything else is the stack's.
    const stackViolations = toViolations(stackDiagnostics, "the stack", (urn) => (seen.has(urn) ? urn : rootUrn));

    return {
      stack: recorded.stack,
      policies: [...this.config.values()].filter((entry) => entry.enforcementLevel !== "disabled").length,
      resources: recorded.resources.length,
      violations: [...perResource.flat(), ...stackViolations],
    };
  }
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

/** Run `work` over items with at most `limit` in flight; the first failure stops new work. */
async function forEachBounded<T>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await work(items[index], index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failure) throw failure.error;
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

/** Stacks to judge: recorded program runs or stack exports. */
export type StackEntries = readonly RecordedStack[];

/** Judge several stacks with one pack process (started once, configured per stack). */
export async function judgeStacks(stacks: StackEntries | Promise<StackEntries>, options: GateOptions): Promise<GateRun> {
  // Start the pack first: its type-check (the slow part) overlaps whatever produces the stacks.
  const opening = Gate.open(options);
  opening.catch(() => undefined); // a start failure is reported below, once the stacks settle
  let entries: StackEntries;
  try {
    entries = await stacks;
  } catch (err) {
    await opening.then((gate) => gate.close(), () => undefined);
    throw err;
  }
  const gate = await opening;
  try {
    const reports: GateReport[] = [];
    for (const recorded of entries) reports.push(await gate.judge(recorded));
    return { pack: gate.pack, reports, startMs: gate.startMs, weakenings: gate.weakenings };
  } finally {
    await gate.close();
  }
}
