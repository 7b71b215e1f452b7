/**
 * The whole release lifecycle under the real engine, in the README's order, each `pulumi` step
 * run exactly as the generated workflow job runs it (its `run:` line) with exactly the
 * environment the job sets (its `env:`, every secret given a stand-in value, every `vars.` read
 * from what the stack manages in its GitHub environment): staging deploys, the ledger refuses a
 * validation before the soak, `slipway promote`, production refuses to apply without ALLOW_PROD
 * and applies with it, its ledger job records what it deployed, a second apply changes nothing,
 * the stack export gets the engine's verdict from `slipway gate --state`, a rewritten ledger is
 * caught against the anchor production published, a rollback applies, is recorded and judges
 * clean, and production's protected data survives a destroy.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runStackInChild } from "../../cli/runInChild";
import { DEMO_PASSPHRASE, describeResult } from "../../engine/driver";
import { REPO_ROOT } from "../e2e/support";
import { runnerEnv } from "../support/runner";
import { canonicalLine, contentHash, sha256Hex } from "../../components/release/ledger";
import { ENGINE_TIMEOUT_MS, EngineProject, EngineRun, engineScratch, requireEngine } from "./support";

/** A step of a generated workflow. */
interface Step {
  id?: string;
  name?: string;
  run?: string;
  env?: Record<string, string>;
}
type Workflows = Record<string, { jobs: Record<string, { steps: Step[] }> }>;

let scratch: string;
let project: EngineProject;
let workflows: Workflows;

/** The generated workflows of the storefront repository, by file name, from the production program. */
async function generatedWorkflows(projectDir: string): Promise<Workflows> {
  const recorded = await runStackInChild({ projectDir, stack: "production" });
  const files: Workflows = {};
  for (const resource of recorded.resources) {
    if (resource.type !== "github:index/repositoryFile:RepositoryFile" || resource.inputs.repository !== "storefront") continue;
    files[path.basename(String(resource.inputs.file))] = parse(String(resource.inputs.content)) as Workflows[string];
  }
  return files;
}

/** The step of a job that runs `pulumi <verb>`, as the workflow has it. */
function pulumiStep(file: string, job: string, verb: string): Step {
  const step = workflows[file]?.jobs[job]?.steps.find((candidate) => candidate.run?.startsWith(`pulumi ${verb} `));
  if (!step) throw new Error(`${file} job ${job} has no 'pulumi ${verb}' step`);
  return step;
}

/** A step's command as argv: the generated commands are plain words (contract/commands.ts). */
function argvOf(step: Step): string[] {
  const words = step.run!.trim().split(/\s+/);
  for (const word of words) if (!/^[A-Za-z0-9_./:=@%+-]+$/.test(word)) throw new Error(`'${step.run}' is not a plain command`);
  return words;
}

/**
 * The environment a step sets, as the runner would have it: literal values as written, each
 * secret a stand-in (the config passphrase the demo one), each `${{ vars.NAME || 'default' }}`
 * the variable the stack manages in its GitHub environment (read from the stack's state, as
 * GitHub would serve it), else the default.
 */
function stepEnv(step: Step, vars: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.env ?? {})) {
    const secret = /^\$\{\{ secrets\.([A-Z0-9_]+) \}\}$/.exec(value)?.[1];
    const variable = /^\$\{\{ vars\.([A-Z0-9_]+) \|\| '([^']*)' \}\}$/.exec(value);
    if (variable !== null) env[name] = vars[variable[1]] ?? variable[2];
    else env[name] = secret === undefined ? value : secret === "PULUMI_CONFIG_PASSPHRASE" ? DEMO_PASSPHRASE : `standin-${secret.toLowerCase()}`;
  }
  return env;
}

/** The GitHub environment variables a stack manages for its own environment, from its state (none before its first deploy). */
async function environmentVars(stack: string): Promise<Record<string, string>> {
  const exported = await project.run(["pulumi", "stack", "export", "--stack", stack]);
  expectOk(exported);
  const resources = (JSON.parse(exported.stdout) as { deployment: { resources?: { type: string; outputs?: Record<string, unknown> }[] } }).deployment.resources ?? [];
  const vars: Record<string, string> = {};
  for (const resource of resources) {
    if (resource.type === "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable" && resource.outputs?.environment === stack) {
      vars[String(resource.outputs.variableName)] = String(resource.outputs.value);
    }
  }
  return vars;
}

/** Run a workflow step's pulumi command as its job would. */
async function runStep(step: Step, stack: string, extra: string[] = [], env: Record<string, string> = {}): Promise<EngineRun> {
  return project.run([...argvOf(step), ...extra], { ...stepEnv(step, await environmentVars(stack)), ...env });
}

/** The runner's environment in a run of the storefront repository's deploy workflow for `stack`. */
function deployRun(stack: "staging" | "production", id: number): Record<string, string> {
  return { ...runnerEnv(stack, id, "acme/storefront"), GITHUB_SHA: "2".repeat(40) };
}

/** `slipway <args>` on the project, as a release engineer or the ledger job runs it. */
function slipway(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "slipway.js"), ...args], {
    cwd: project.dir,
    encoding: "utf8",
    env: { ...process.env, SLIPWAY_PROJECT_DIR: project.dir, ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function git(...args: string[]): void {
  const result = spawnSync("git", ["-c", "user.name=release-engineer", "-c", "user.email=re@acme.test", ...args], { cwd: project.dir, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

function expectOk(run: EngineRun): void {
  if (run.code !== 0) throw new Error(describeResult(run));
}

/** What changes a run's event log summary reports, by kind. */
/** The engine's event log of the latest run. */
function latestEvents(): { file: string; lines: string[] } {
  const log = fs.readdirSync(project.dir).filter((name) => name.startsWith(".events-")).sort((a, b) => Number(a.split("-")[1].split(".")[0]) - Number(b.split("-")[1].split(".")[0])).pop();
  return { file: log!, lines: fs.readFileSync(path.join(project.dir, log!), "utf8").split("\n") };
}

function changesOf(run: EngineRun): Record<string, number> {
  const { file, lines } = latestEvents();
  for (const line of lines) {
    if (line.includes('"summaryEvent"')) return (JSON.parse(line) as { summaryEvent: { resourceChanges: Record<string, number> } }).summaryEvent.resourceChanges;
  }
  throw new Error(`no summary in ${file} after ${run.argv.join(" ")}`);
}

/** The URNs the latest run updated in place, sorted. */
function updatedUrns(): string[] {
  const urns = latestEvents()
    .lines.filter((line) => line.includes('"resOutputsEvent"'))
    .map((line) => (JSON.parse(line) as { resOutputsEvent: { metadata: { op: string; urn: string } } }).resOutputsEvent.metadata)
    .filter((metadata) => metadata.op === "update")
    .map((metadata) => metadata.urn);
  return [...new Set(urns)].sort();
}

beforeAll(async () => {
  requireEngine();
  scratch = engineScratch();
  project = new EngineProject(scratch, "lifecycle");
  // The "release ledger" step checks the ledger branch out at .slipway/ledger: here, the project's own ledger.
  fs.mkdirSync(path.join(project.dir, ".slipway"), { recursive: true });
  fs.symlinkSync(project.dir, path.join(project.dir, ".slipway", "ledger"));
  fs.writeFileSync(path.join(project.dir, ".gitignore"), ".slipway/\n.events-*\npolicy-pack\n");
  git("init", "-q", "-b", "main");
  git("add", "-A");
  git("commit", "-q", "-m", "the example project");
  workflows = await generatedWorkflows(project.dir);
  await project.initStack("staging");
  await project.initStack("production");
}, ENGINE_TIMEOUT_MS);

describe("a release from staging to production under the real engine", () => {
  it(
    "staging previews and deploys with only what the workflows pass",
    async () => {
      expectOk(await runStep(pulumiStep("policy-gate.yml", "pulumi-preview-staging", "preview"), "staging"));
      const up = await runStep(pulumiStep("deploy-staging.yml", "deploy", "up"), "staging");
      expectOk(up);
      expect(up.violations).toEqual([]);
      // The stack published the ledger head it deployed from: its next deploy verifies from it.
      expect((await environmentVars("staging")).SLIPWAY_LEDGER_ANCHOR).toMatch(/^8:[0-9a-f]{64}$/);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the ledger job stages a release and refuses to validate it before the soak; promote writes what staging validated into production",
    async () => {
      // 1.5.0 is L3: 120 minutes of soak before validated may be recorded.
      const staged = slipway(["ledger", "record", "--kind", "staged", "--stack", "staging", "--version", "1.5.0"], deployRun("staging", 9501));
      expect({ status: staged.status, stderr: staged.stderr }).toEqual({ status: 0, stderr: "" });
      const early = slipway(["ledger", "record", "--kind", "validated", "--stack", "staging", "--version", "1.5.0"], deployRun("staging", 9501));
      expect(early.status).toBe(2);
      expect(early.stderr).toContain("an L3 release soaks at least 120 minutes on staging");
      // Recorded on a laptop, it is refused outright.
      const laptop = slipway(["ledger", "record", "--kind", "validated", "--stack", "staging", "--version", "1.5.0"], { GITHUB_ACTIONS: "" });
      expect(laptop.status).toBe(2);
      expect(laptop.stderr).toContain("only the deploy workflows record ledger events");
      git("commit", "-q", "-am", "ledger: 1.5.0 staged again");
      // Production couples into the pipeline staging created, as the README says.
      const pipelines = await project.run(["pulumi", "stack", "output", "herokuPipelines", "--stack", "staging", "--json"]);
      const pipelineId = (JSON.parse(pipelines.stdout) as Record<string, string>)["acme-api"];
      expect(pipelineId).toMatch(/^[0-9a-f-]{36}$/);
      expectOk(await project.run(["pulumi", "config", "set", "--path", "slipway:apps.heroku[0].pipelineId", pipelineId, "--stack", "production"]));
      git("commit", "-q", "-am", "production couples into staging's pipeline");
      // The example ledger's validation of 1.5.0 (line 8) came after a full soak.
      const promoted = slipway(["promote"]);
      expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.5\.0/);
      git("commit", "-q", "-am", "promote 1.5.0");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "production is never previewed by a pull request, refuses to apply without ALLOW_PROD, applies with the deploy job's credentials, and its ledger job records it",
    async () => {
      // A pull request's preview would decrypt production's config: policy-gate.yml previews staging only.
      expect(workflows["policy-gate.yml"].jobs["pulumi-preview-production"]).toBeUndefined();
      const step = pulumiStep("deploy-production.yml", "deploy", "up");
      expect(step.env?.ALLOW_PROD).toBe("1");
      const refused = await runStep(step, "production", [], { ALLOW_PROD: "" });
      expect(refused.code).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain("refusing to apply to production stack 'production'");
      const applied = await runStep(step, "production");
      expectOk(applied);
      expect(applied.violations).toEqual([]);
      const recorded = slipway(["ledger", "record", "--kind", "deployed", "--stack", "production", "--version", "1.5.0", "--approvers", "sre-lead"], deployRun("production", 9502));
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      expect(recorded.stdout).toContain("promoted 1.5.0 on production");
      git("commit", "-q", "-am", "ledger: 1.5.0 promoted");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "a second apply changes nothing but the anchor, which follows the ledger; a third changes nothing",
    async () => {
      const again = await runStep(pulumiStep("deploy-production.yml", "deploy", "up"), "production");
      expectOk(again);
      // The promoted line moved the ledger's head: the only change is the anchor variable, of the
      // production environment and of its emergency rollback environment.
      expect(changesOf(again)).toEqual({ same: expect.any(Number), update: 2 });
      expect(updatedUrns()).toEqual([expect.stringMatching(/ActionsEnvironmentVariable::.*SLIPWAY_LEDGER_ANCHOR/), expect.stringMatching(/ActionsEnvironmentVariable::.*SLIPWAY_LEDGER_ANCHOR/)]);
      expect(updatedUrns().some((urn) => urn.includes("rollback"))).toBe(true);
      const third = await runStep(pulumiStep("deploy-production.yml", "deploy", "up"), "production");
      expectOk(third);
      expect(Object.keys(changesOf(third))).toEqual(["same"]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the drift check of production passes with its job's environment after the deploy, and fails on a change production has not applied",
    async () => {
      // slipway-drift holds one key per stack (PULUMI_CONFIG_PASSPHRASE_PRODUCTION): here, the demo passphrase.
      const key = { PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE };
      expectOk(await runStep(pulumiStep("drift.yml", "drift-production", "stack"), "production", [], key));
      const drift = pulumiStep("drift.yml", "drift-production", "preview");
      const clean = await runStep(drift, "production", [], key);
      expectOk(clean);
      expect(clean.violations).toEqual([]);
      const stackFile = path.join(project.dir, "Pulumi.production.yaml");
      const deployed = fs.readFileSync(stackFile, "utf8");
      try {
        fs.writeFileSync(stackFile, deployed.replace("API_BASE_URL: https://api.acme.shop", "API_BASE_URL: https://api-v2.acme.shop"));
        const drifted = await runStep(drift, "production", [], key);
        expect(drifted.code).not.toBe(0);
        expect(`${drifted.stdout}${drifted.stderr}`).toContain("error: no changes were expected for preview but changes were proposed");
      } finally {
        fs.writeFileSync(stackFile, deployed);
      }
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the stack export gets the engine's verdict from slipway gate --state",
    async () => {
      expectOk(await project.run(["pulumi", "stack", "export", "--stack", "production", "--show-secrets", "--file", "production.export.json"]));
      const gate = slipway(["gate", "--state", "production.export.json", "--policy-config", "policy-config.json", "--json"]);
      expect({ status: gate.status, stderr: gate.stderr }).toEqual({ status: 0, stderr: "slipway: policy config: policy-config.json\n" });
      const report = (JSON.parse(gate.stdout) as { stacks: { stack: string; violations: unknown[]; resources: number }[] }).stacks[0];
      expect(report.stack).toBe("production");
      expect(report.violations).toEqual([]);
      expect(report.resources).toBeGreaterThan(80);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "a ledger rewritten with fresh hashes is caught against production's anchor: by the deploy job's verify step and by pulumi preview",
    async () => {
      const ledgerFile = path.join(project.dir, "releases", "ledger.jsonl");
      const honest = fs.readFileSync(ledgerFile);
      try {
        const events = honest.toString("utf8").trim().split("\n").map((line) => JSON.parse(line));
        events[0].note = "tidied";
        const lines: string[] = [];
        events.forEach((event, index) => {
          const draft = { ...event, prev: index === 0 ? "0".repeat(64) : sha256Hex(lines[index - 1]) };
          delete draft.hash;
          lines.push(canonicalLine({ ...draft, hash: contentHash(draft) }));
        });
        fs.writeFileSync(ledgerFile, `${lines.join("\n")}\n`);
        expect(slipway(["ledger", "verify"]).status).toBe(0);
        const deploy = workflows["deploy-production.yml"].jobs.deploy;
        const verifyStep = deploy.steps.find((step) => step.name === "verify the ledger from the stack's anchor")!;
        const verified = slipway(["ledger", "verify"], stepEnv(verifyStep, await environmentVars("production")));
        expect(verified.status).toBe(1);
        expect(verified.stdout).toContain("differs from the line the stack last deployed from");
        // Had the job gone on, pulumi up would have refused in its preview: the pack fails the release.
        const up = await runStep(pulumiStep("deploy-production.yml", "deploy", "up"), "production");
        expect(up.code).not.toBe(0);
        const refusal = up.violations.find((violation) => violation.policy === "promote-validated-artifact");
        expect(refusal?.message).toContain("the release ledger does not extend the one stack 'production' last deployed from");
      } finally {
        fs.writeFileSync(ledgerFile, honest);
      }
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "rollback returns production to the release before, applies, is recorded by the ledger job, and the export judges clean",
    async () => {
      const rolledBack = slipway(["rollback", "--reason", "INC-42: checkout errors"]);
      expect({ status: rolledBack.status, stderr: rolledBack.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.4\.0/);
      git("commit", "-q", "-am", "ROLLBACK 1.5.0 → 1.4.0");
      expectOk(await runStep(pulumiStep("deploy-production.yml", "deploy", "up"), "production"));
      const recorded = slipway(["ledger", "record", "--kind", "deployed", "--stack", "production", "--version", "1.4.0"], deployRun("production", 9503));
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      expect(recorded.stdout).toContain("rolled-back 1.4.0 on production, 'ROLLBACK 1.5.0 → 1.4.0'");
      expectOk(await project.run(["pulumi", "stack", "export", "--stack", "production", "--show-secrets", "--file", "rolled-back.export.json"]));
      const gate = slipway(["gate", "--state", "rolled-back.export.json", "--policy-config", "policy-config.json", "--json"]);
      expect({ status: gate.status, stderr: gate.stderr }).toEqual({ status: 0, stderr: "slipway: policy config: policy-config.json\n" });
      expect((JSON.parse(gate.stdout) as { result: string; stacks: { violations: unknown[] }[] }).stacks[0].violations).toEqual([]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "destroying production is refused: its data is protected",
    async () => {
      const destroy = await project.run(["pulumi", "destroy", "--yes", "--stack", "production", "--non-interactive"], { ALLOW_PROD: "1" });
      expect(destroy.code).not.toBe(0);
      expect(`${destroy.stdout}${destroy.stderr}`).toMatch(/protected/);
    },
    ENGINE_TIMEOUT_MS,
  );
});
