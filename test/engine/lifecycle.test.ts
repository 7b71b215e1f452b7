/**
 * The whole release lifecycle under the real engine, in the README's order, each `pulumi` step
 * run exactly as the generated workflow job runs it (its `run:` line) with exactly the
 * environment the job sets (its `env:`, every secret given a stand-in value): staging deploys,
 * staging's ledger records staged and validated, `slipway promote`, production refuses to apply
 * without ALLOW_PROD and applies with it, a second apply changes nothing, the stack export gets
 * the engine's verdict from `slipway gate --state`, a rollback applies and judges clean, and
 * production's protected data survives a destroy.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { runStackInChild } from "../../cli/runInChild";
import { DEMO_PASSPHRASE, describeResult } from "../../engine/driver";
import { REPO_ROOT } from "../e2e/support";
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
 * `${{ secrets.NAME }}` a stand-in (the passphrase secret: the examples' demo passphrase).
 */
function stepEnv(step: Step): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(step.env ?? {})) {
    const secret = /^\$\{\{ secrets\.([A-Z0-9_]+) \}\}$/.exec(value)?.[1];
    env[name] = secret === undefined ? value : secret === "PULUMI_CONFIG_PASSPHRASE" ? DEMO_PASSPHRASE : `standin-${secret.toLowerCase()}`;
  }
  return env;
}

/** Run a workflow step's pulumi command as its job would. */
async function runStep(step: Step, extra: string[] = [], env: Record<string, string> = {}): Promise<EngineRun> {
  return project.run([...argvOf(step), ...extra], { ...stepEnv(step), ...env });
}

/** `slipway <args>` on the project, as a release engineer or the ledger job runs it. */
function slipway(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [path.join(REPO_ROOT, "bin", "slipway.js"), ...args], {
    cwd: project.dir,
    encoding: "utf8",
    env: { ...process.env, SLIPWAY_PROJECT_DIR: project.dir },
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
function changesOf(run: EngineRun): Record<string, number> {
  const log = fs.readdirSync(project.dir).filter((name) => name.startsWith(".events-")).sort((a, b) => Number(a.split("-")[1].split(".")[0]) - Number(b.split("-")[1].split(".")[0])).pop();
  for (const line of fs.readFileSync(path.join(project.dir, log!), "utf8").split("\n")) {
    if (line.includes('"summaryEvent"')) return (JSON.parse(line) as { summaryEvent: { resourceChanges: Record<string, number> } }).summaryEvent.resourceChanges;
  }
  throw new Error(`no summary in ${log} after ${run.argv.join(" ")}`);
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
      expectOk(await runStep(pulumiStep("policy-gate.yml", "pulumi-preview-staging", "preview")));
      const up = await runStep(pulumiStep("deploy-staging.yml", "deploy", "up"));
      expectOk(up);
      expect(up.violations).toEqual([]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the ledger job records staged and validated; promote writes staging's release into production",
    async () => {
      const sha = "1".repeat(40);
      for (const kind of ["staged", "validated"]) {
        const record = slipway("ledger", "record", "--kind", kind, "--stack", "staging", "--version", "1.5.0", "--sha", sha, "--actor", "deploy-bot");
        expect({ kind, status: record.status, stderr: record.stderr }).toEqual({ kind, status: 0, stderr: "" });
      }
      git("commit", "-q", "-am", "ledger: 1.5.0 staged and validated");
      // Production couples into the pipeline staging created, as the README says.
      const pipelines = await project.run(["pulumi", "stack", "output", "herokuPipelines", "--stack", "staging", "--json"]);
      const pipelineId = (JSON.parse(pipelines.stdout) as Record<string, string>)["acme-api"];
      expect(pipelineId).toMatch(/^[0-9a-f-]{36}$/);
      expectOk(await project.run(["pulumi", "config", "set", "--path", "slipway:apps.heroku[0].pipelineId", pipelineId, "--stack", "production"]));
      git("commit", "-q", "-am", "production couples into staging's pipeline");
      const promoted = slipway("promote");
      expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.5\.0/);
      git("commit", "-q", "-am", "promote 1.5.0");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "production previews with the pull request's credentials, refuses to apply without ALLOW_PROD, and applies with the deploy job's",
    async () => {
      const preview = await runStep(pulumiStep("policy-gate.yml", "pulumi-preview-production", "preview"));
      expectOk(preview);
      expect(preview.violations).toEqual([]);
      const step = pulumiStep("deploy-production.yml", "deploy", "up");
      expect(step.env?.ALLOW_PROD).toBe("1");
      const refused = await runStep(step, [], { ALLOW_PROD: "" });
      expect(refused.code).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain("refusing to apply to production stack 'production'");
      const applied = await runStep(step);
      expectOk(applied);
      expect(applied.violations).toEqual([]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "a second apply changes nothing: no perpetual diff",
    async () => {
      const again = await runStep(pulumiStep("deploy-production.yml", "deploy", "up"));
      expectOk(again);
      expect(Object.keys(changesOf(again))).toEqual(["same"]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the stack export gets the engine's verdict from slipway gate --state",
    async () => {
      expectOk(await project.run(["pulumi", "stack", "export", "--stack", "production", "--file", "production.export.json"]));
      const gate = slipway("gate", "--state", "production.export.json", "--policy-config", "policy-config.json", "--json");
      expect({ status: gate.status, stderr: gate.stderr }).toEqual({ status: 0, stderr: "" });
      const report = JSON.parse(gate.stdout) as { stack: string; violations: unknown[]; resources: number };
      expect(report.stack).toBe("production");
      expect(report.violations).toEqual([]);
      expect(report.resources).toBeGreaterThan(80);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "rollback returns production to the release before, applies, and the export judges clean",
    async () => {
      const promoted = slipway("ledger", "record", "--kind", "promoted", "--stack", "production", "--version", "1.5.0", "--sha", "2".repeat(40), "--actor", "deploy-bot");
      expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: "" });
      git("commit", "-q", "-am", "ledger: 1.5.0 promoted");
      const rolledBack = slipway("rollback", "--reason", "INC-42: checkout errors", "--actor", "release-captain");
      expect({ status: rolledBack.status, stderr: rolledBack.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.4\.0/);
      expectOk(await runStep(pulumiStep("deploy-production.yml", "deploy", "up")));
      expectOk(await project.run(["pulumi", "stack", "export", "--stack", "production", "--file", "rolled-back.export.json"]));
      const gate = slipway("gate", "--state", "rolled-back.export.json", "--policy-config", "policy-config.json", "--json");
      expect({ status: gate.status, stderr: gate.stderr }).toEqual({ status: 0, stderr: "" });
      expect((JSON.parse(gate.stdout) as { violations: unknown[] }).violations).toEqual([]);
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
