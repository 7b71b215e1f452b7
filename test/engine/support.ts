/**
 * Support for the engine-in-the-loop tests: copies of the example project run by the real
 * Pulumi CLI (engine/driver.ts) on a local file backend, with the stand-in providers, the demo
 * passphrase, and the commands the generated workflows run (contract/commands.ts).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type CommandResult, type EngineSession, createSession, describeResult, runPulumi } from "../../engine/driver";
import { findEngine } from "../../engine/toolchain";
import { POLICY_CONFIG_FILE } from "../../contract";
import { copyProject, REPO_ROOT } from "../support/project";
import { prepareVariant, strictPolicySettings, type VariantSpec } from "../e2e/variants";

/** Engine commands can take a while on 2 cores (the pack type-checks at every start). */
export const ENGINE_TIMEOUT_MS = 300_000;

/** Fail at once, saying how to get an engine, when there is none: never skip. */
export function requireEngine(): void {
  if (findEngine() === undefined) {
    throw new Error("the engine tests need the Pulumi CLI: run `npm run engine:build` (needs Go) or put `pulumi` on PATH");
  }
}

/** A policy violation as the engine reports it in its event log. */
export interface EngineViolation {
  /** Policy name. */
  policy: string;
  /** The resource it names. */
  urn: string;
  /** The message, without the policy's description (as the gate reports it). */
  message: string;
  /** advisory or mandatory. */
  enforcementLevel: string;
}

/** What one engine command did, with the policy violations of its event log. */
export interface EngineRun extends CommandResult {
  /** Policy violations the engine reported. */
  violations: EngineViolation[];
  /** Names of the policy packs the engine applied (from its summary event). */
  policyPacks: string[];
}

/** A scratch directory for one test file. */
export function engineScratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "slipway-engine-"));
}

/**
 * A copy of the example project with its own backend: `pulumi` and `slipway` commands run in it
 * as a team runs them in its repository.
 */
export class EngineProject {
  /** The project directory (stack files, changelog, ledger, policy config). */
  readonly dir: string;
  private readonly session: EngineSession;
  private events = 0;

  constructor(scratch: string, name: string, variant?: VariantSpec) {
    this.dir = copyProject(scratch, name);
    // The pack sits in the project, as in a deploy repository: the commands name it `policy-pack`.
    fs.symlinkSync(path.join(REPO_ROOT, "policy-pack"), path.join(this.dir, "policy-pack"));
    if (variant) prepareVariant(variant, this.dir);
    this.session = createSession(path.join(scratch, `${name}-engine`), { SLIPWAY_PROJECT_DIR: this.dir });
  }

  /** Write the strict policy config beside the team's and return its path (relative to the project). */
  writeStrictPolicyConfig(): string {
    const team = JSON.parse(fs.readFileSync(path.join(this.dir, POLICY_CONFIG_FILE), "utf8")) as Record<string, Record<string, unknown>>;
    for (const [policy, settings] of Object.entries(strictPolicySettings())) team[policy] = { ...(team[policy] ?? {}), ...settings };
    const file = "policy-config.strict.json";
    fs.writeFileSync(path.join(this.dir, file), JSON.stringify(team, null, 2));
    return file;
  }

  /** Run a workflow command (argv starting with `pulumi`) in the project, with the job's environment. */
  async run(argv: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<EngineRun> {
    if (argv[0] !== "pulumi") throw new Error(`not a pulumi command: ${argv.join(" ")}`);
    const args = argv.slice(1);
    const programCommand = ["preview", "up", "destroy", "refresh"].includes(args[0]);
    const eventLog = path.join(this.dir, `.events-${++this.events}.jsonl`);
    const result = await runPulumi(this.session, this.dir, programCommand ? [...args, "--event-log", eventLog] : args, env);
    return { ...result, argv: [...argv], violations: readViolations(eventLog), policyPacks: readPolicyPacks(eventLog) };
  }

  /** `pulumi stack init <stack>` on the project's backend. */
  async initStack(stack: string): Promise<void> {
    const result = await runPulumi(this.session, this.dir, ["stack", "init", stack, "--non-interactive"]);
    if (result.code !== 0) throw new Error(describeResult(result));
  }
}

/** The policy packs the engine's summary event lists (none when there is no log). */
export function readPolicyPacks(file: string): string[] {
  if (!fs.existsSync(file)) return [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (!line.includes('"summaryEvent"')) continue;
    const packs = (JSON.parse(line) as { summaryEvent: { PolicyPacks?: Record<string, string> } }).summaryEvent.PolicyPacks ?? {};
    // Keys read `<name>|<kind>|<location>`.
    return Object.keys(packs).map((key) => key.split("|")[0]);
  }
  return [];
}

/** The policy violations in an engine event log (none when there is no log). */
export function readViolations(file: string): EngineViolation[] {
  if (!fs.existsSync(file)) return [];
  const violations: EngineViolation[] = [];
  for (const line of fs.readFileSync(file, "utf8").split("\n")) {
    if (line.trim() === "") continue;
    const event = JSON.parse(line) as {
      policyEvent?: { resourceUrn?: string; message: string; policyName: string; enforcementLevel: string };
    };
    const policy = event.policyEvent;
    if (!policy) continue;
    // The engine sends `<description>\n<message>\n`; the gate reports the message.
    const lines = policy.message.replace(/\n$/, "").split("\n");
    violations.push({
      policy: policy.policyName,
      urn: policy.resourceUrn ?? "",
      message: lines.slice(1).join("\n") || lines[0],
      enforcementLevel: policy.enforcementLevel,
    });
  }
  return violations;
}
