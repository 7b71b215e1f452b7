/**
 * The whole release lifecycle under the real engine, in the README's order, each `pulumi` step
 * run exactly as the generated workflow job runs it (its `run:` line) with exactly the
 * environment the job sets (its `env:`, every secret given a stand-in value, every `vars.` read
 * from what the stack manages in its GitHub environment): staging deploys, the ledger refuses a
 * validation before the soak, `slipway promote`, production refuses to apply without ALLOW_PROD
 * and applies with it, its ledger job records what it deployed, a second apply changes nothing,
 * the stack export gets the engine's verdict from `slipway gate --state`, a rewritten ledger is
 * caught against the anchor production published, an emergency rollback through rollback.yml
 * applies, is recorded and judges clean, and production's protected data survives a destroy.
 * Before that, production runs 1.4.0 and a first promotion of 1.5.0 fails its candidate's smoke
 * checks: the deploy job's restore path brings 1.4.0 back and the ledger records why. Production
 * traffic (the Vercel aliases, the live Heroku app's release, the Kubernetes image) is read from
 * the engine's state after every step.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { runStackInChild } from "../../gate/runInChild";
import { DEMO_PASSPHRASE, describeResult } from "../../engine/driver";
import { REPO_ROOT } from "../support/project";
import { runnerEnv } from "../support/runner";
import { canonicalLine, contentHash, sha256Hex } from "../../release/ledger";
import { SLIPWAY_BIN, shellJoin, upCommand } from "../../contract/commands";
import { GO_LIVE_ENV, rollbackEnvironmentName } from "../../contract/release";
import { ENGINE_TIMEOUT_MS, EngineProject, type EngineRun, engineScratch, requireEngine } from "./support";

/** A step of a generated workflow. */
interface Step {
  id?: string;
  name?: string;
  run?: string;
  if?: string;
  shell?: string;
  env?: Record<string, string>;
}
type Workflows = Record<string, { jobs: Record<string, { if?: string; steps: Step[] }> }>;

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

/** The step of a job that runs `pulumi <verb>` (the one of that id, when the job has several), as the workflow has it. */
function pulumiStep(file: string, job: string, verb: string, id?: string): Step {
  const steps = workflows[file]?.jobs[job]?.steps.filter((candidate) => candidate.run?.startsWith(`pulumi ${verb} `)) ?? [];
  const step = id === undefined ? steps[0] : steps.find((candidate) => candidate.id === id);
  if (!step || (id === undefined && steps.length > 1))
    throw new Error(
      `${file} job ${job} has no${id === undefined ? " single" : ""} 'pulumi ${verb}' step${id === undefined ? "" : ` of id ${id}`}`,
    );
  return step;
}

/** A step of a job by id (or name). */
function jobStep(file: string, job: string, idOrName: string): Step {
  const step = workflows[file]?.jobs[job]?.steps.find((candidate) => candidate.id === idOrName || candidate.name === idOrName);
  if (!step) throw new Error(`${file} job ${job} has no step '${idOrName}'`);
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
    else
      env[name] =
        secret === undefined ? value : secret === "PULUMI_CONFIG_PASSPHRASE" ? DEMO_PASSPHRASE : `standin-${secret.toLowerCase()}`;
  }
  return env;
}

/** A resource of a stack's state. */
interface StateResource {
  urn: string;
  type: string;
  id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
}

/** The resources of a stack's state, from `pulumi stack export` (none before its first deploy). */
async function stateOf(stack: string): Promise<StateResource[]> {
  const exported = await project.run(["pulumi", "stack", "export", "--stack", stack]);
  expectOk(exported);
  return (JSON.parse(exported.stdout) as { deployment: { resources?: StateResource[] } }).deployment.resources ?? [];
}

/** The GitHub environment variables a stack manages for a GitHub environment (default: the stack's own), from its state. */
async function environmentVars(stack: string, environment = stack): Promise<Record<string, string>> {
  const vars: Record<string, string> = {};
  for (const resource of await stateOf(stack)) {
    if (
      resource.type === "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable" &&
      resource.outputs?.environment === environment
    ) {
      vars[String(resource.outputs.variableName)] = String(resource.outputs.value);
    }
  }
  return vars;
}

/** Run a workflow step's pulumi command as its job would (a job of `environment`, default the stack's own). */
async function runStep(
  step: Step,
  stack: string,
  extra: string[] = [],
  env: Record<string, string> = {},
  environment = stack,
): Promise<EngineRun> {
  return project.run([...argvOf(step), ...extra], { ...stepEnv(step, await environmentVars(stack, environment)), ...env });
}

/** The deploy job's two updates, as it runs them when the candidate's smoke checks pass: candidate, then live. */
async function deployAsTheJobDoes(stack: "staging" | "production"): Promise<void> {
  const file = `deploy-${stack}.yml`;
  const candidate = pulumiStep(file, "deploy", "up", "pulumi-up");
  const live = pulumiStep(file, "deploy", "up", "go-live");
  expect([candidate.env?.[GO_LIVE_ENV], live.env?.[GO_LIVE_ENV]]).toEqual(["candidate", "live"]);
  const first = await runStep(candidate, stack);
  expectOk(first);
  expect(first.violations).toEqual([]);
  const second = await runStep(live, stack);
  expectOk(second);
  expect(second.violations).toEqual([]);
}

/** What a shell step of a job printed and wrote to `$GITHUB_OUTPUT`. */
interface ShellRun {
  status: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
}

/**
 * Run a workflow step's shell script as the runner would, in the project (the job's checkout),
 * with `shell: bash` (`bash -e -o pipefail`), the step's `env:` (secrets and vars as in `stepEnv`)
 * and `expressions`: the value of each `${{ ... }}` the step's env reads (a step outcome, a job
 * output, a dispatch input). An expression left unset is an error, never passed on as text.
 */
function runShellStep(
  step: Step,
  vars: Record<string, string>,
  expressions: Record<string, string>,
  runner: Record<string, string>,
  script = step.run!,
): ShellRun {
  const env = { ...stepEnv(step, vars), ...expressions };
  const unplayed = Object.entries(env).filter(([, value]) => value.includes("${{"));
  if (unplayed.length > 0)
    throw new Error(`step '${step.name}': no value given for ${unplayed.map(([name, value]) => `${name}=${value}`).join(", ")}`);
  const temp = fs.mkdtempSync(path.join(scratch, "runner-"));
  const outputFile = path.join(temp, "github-output");
  fs.writeFileSync(outputFile, "");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-e", "-o", "pipefail", "-c", script], {
    cwd: project.dir,
    encoding: "utf8",
    env: {
      ...process.env,
      SLIPWAY_PROJECT_DIR: project.dir,
      ...runner,
      ...env,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: path.join(temp, "summary.md"),
      RUNNER_TEMP: temp,
    },
  });
  const outputs: Record<string, string> = {};
  for (const line of fs.readFileSync(outputFile, "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) outputs[line.slice(0, at)] = line.slice(at + 1);
  }
  return { status: result.status, stdout: result.stdout, stderr: withoutBuildNotice(result.stderr), outputs };
}

/** The `slipway ledger record` line of a ledger job's record step (its git commit and push need the ledger remote). */
function ledgerRecordScript(file: string, job: string, kind: string): { step: Step; script: string } {
  const step = jobStep(file, job, `record ${kind} in the ledger`);
  const lines = step.run!.split("\n").filter((line) => line.startsWith(`${SLIPWAY_BIN} ledger record `));
  expect(lines).toHaveLength(1);
  return { step, script: lines[0] };
}

/** Every event of the project's ledger, in order. */
function ledgerEvents(): Record<string, unknown>[] {
  return fs
    .readFileSync(path.join(project.dir, "releases", "ledger.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** The artifacts staging validated for a version, from the ledger. */
function validatedArtifacts(version: string): Record<string, { commitSha?: string; slugId?: string; image?: string }> {
  const events = ledgerEvents() as { kind: string; version: string; artifacts: never }[];
  const validated = events.filter((event) => event.kind === "validated" && event.version === version).pop();
  if (!validated) throw new Error(`staging never validated ${version}`);
  return validated.artifacts;
}

/** Every Vercel deployment id the engine's state has held, with the commit it built: an alias may point at one no longer in state. */
const deploymentCommits = new Map<string, string>();

/** Where production traffic goes, from the engine's state: the commit each domain's alias serves, the live Heroku app's slug, the worker's image. */
interface Traffic {
  /** Domain → the commit of the deployment its alias points at. */
  vercel: Record<string, string>;
  /** The slug the live app (acme-api) released. */
  heroku: string;
  /** The slug the candidate app runs. */
  herokuCandidate: string;
  /** The image the worker Deployment runs. */
  kubernetes: string;
}

async function trafficOf(stack: string): Promise<Traffic> {
  const state = await stateOf(stack);
  const ofType = (type: string) => state.filter((resource) => resource.type === type);
  for (const deployment of ofType("vercel:index/deployment:Deployment"))
    deploymentCommits.set(String(deployment.id), String(deployment.outputs?.ref));
  const vercel: Record<string, string> = {};
  for (const alias of ofType("vercel:index/alias:Alias")) {
    const commit = deploymentCommits.get(String(alias.outputs?.deploymentId));
    if (commit === undefined)
      throw new Error(
        `alias ${String(alias.outputs?.alias)} points at deployment ${String(alias.outputs?.deploymentId)}, which no state of this test held`,
      );
    vercel[String(alias.outputs?.alias)] = commit;
  }
  const release = (suffix: string) => {
    const found = ofType("heroku:app/release:Release").filter((resource) => resource.urn.endsWith(`::${suffix}`));
    expect(found).toHaveLength(1);
    return String(found[0].outputs?.slugId);
  };
  const workers = ofType("kubernetes:apps/v1:Deployment").filter(
    (resource) => (resource.outputs?.metadata as { name?: string })?.name === "worker",
  );
  expect(workers).toHaveLength(1);
  const spec = workers[0].outputs?.spec as { template: { spec: { containers: { image: string }[] } } } | undefined;
  if (spec === undefined) throw new Error("the worker Deployment has no spec in state");
  const containers = spec.template.spec.containers;
  return { vercel, heroku: release("api-release"), herokuCandidate: release("api-candidate-release"), kubernetes: containers[0].image };
}

/** Production traffic all on `version`'s artifacts (and the candidate app on `candidate`'s). */
function trafficOn(version: string, candidate = version): Traffic {
  const [live, next] = [validatedArtifacts(version), validatedArtifacts(candidate)];
  return {
    vercel: { "acme.shop": live.web.commitSha!, "www.acme.shop": live.web.commitSha! },
    heroku: live.api.slugId!,
    herokuCandidate: next.api.slugId!,
    kubernetes: live.worker.image!,
  };
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
  return { status: result.status, stdout: result.stdout, stderr: withoutBuildNotice(result.stderr) };
}

/**
 * Stderr without the CLI's notice that it runs its TypeScript sources because the build is stale
 * (the tree may be edited while the engine tests run): a note, not the command's answer.
 */
function withoutBuildNotice(stderr: string): string {
  return stderr.replace(/^slipway: .*: running the TypeScript sources through tsx \(`npm run build` precompiles them\)\n/gm, "");
}

function git(...args: string[]): void {
  const result = spawnSync("git", ["-c", "user.name=release-engineer", "-c", "user.email=re@acme.test", ...args], {
    cwd: project.dir,
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
}

function expectOk(run: EngineRun): void {
  if (run.code !== 0) throw new Error(describeResult(run));
}

/** What changes a run's event log summary reports, by kind. */
/** The engine's event log of the latest run. */
function latestEvents(): { file: string; lines: string[] } {
  const log = fs
    .readdirSync(project.dir)
    .filter((name) => name.startsWith(".events-"))
    .sort((a, b) => Number(a.split("-")[1].split(".")[0]) - Number(b.split("-")[1].split(".")[0]))
    .pop();
  return { file: log!, lines: fs.readFileSync(path.join(project.dir, log!), "utf8").split("\n") };
}

function changesOf(run: EngineRun): Record<string, number> {
  const { file, lines } = latestEvents();
  for (const line of lines) {
    if (line.includes('"summaryEvent"'))
      return (JSON.parse(line) as { summaryEvent: { resourceChanges: Record<string, number> } }).summaryEvent.resourceChanges;
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
  // A job's `node_modules/.bin/slipway` (npm ci installs it): this checkout's CLI. The ledger job checks the branch out at ledger/.
  fs.mkdirSync(path.join(project.dir, "node_modules", ".bin"), { recursive: true });
  fs.writeFileSync(
    path.join(project.dir, SLIPWAY_BIN),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "bin", "slipway.js")}" "$@"\n`,
    { mode: 0o755 },
  );
  fs.symlinkSync(project.dir, path.join(project.dir, "ledger"));
  fs.writeFileSync(path.join(project.dir, ".gitignore"), ".slipway/\n.events-*\npolicy-pack\n/node_modules/\n/ledger\n");
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
      await deployAsTheJobDoes("staging");
      // The stack published the ledger head it deployed from: its next deploy verifies from it.
      expect((await environmentVars("staging")).SLIPWAY_LEDGER_ANCHOR).toMatch(/^8:[0-9a-f]{64}$/);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the ledger job stages a release and refuses to validate it before the soak; promote writes what staging validated into production",
    async () => {
      // 1.5.0 is L3: 120 minutes of soak before validated may be recorded.
      const staged = slipway(
        ["ledger", "record", "--kind", "staged", "--stack", "staging", "--version", "1.5.0"],
        deployRun("staging", 9501),
      );
      expect({ status: staged.status, stderr: staged.stderr }).toEqual({ status: 0, stderr: "" });
      const early = slipway(
        ["ledger", "record", "--kind", "validated", "--stack", "staging", "--version", "1.5.0"],
        deployRun("staging", 9501),
      );
      expect(early.status).toBe(2);
      expect(early.stderr).toContain("an L3 release soaks at least 120 minutes on staging");
      // Recorded on a laptop, it is refused outright.
      const laptop = slipway(["ledger", "record", "--kind", "validated", "--stack", "staging", "--version", "1.5.0"], {
        GITHUB_ACTIONS: "",
      });
      expect(laptop.status).toBe(2);
      expect(laptop.stderr).toContain("only the deploy workflows record ledger events");
      git("commit", "-q", "-am", "ledger: 1.5.0 staged again");
      // Production couples into the pipeline staging created, as the README says.
      const pipelines = await project.run(["pulumi", "stack", "output", "herokuPipelines", "--stack", "staging", "--json"]);
      const pipelineId = (JSON.parse(pipelines.stdout) as Record<string, string>)["acme-api"];
      expect(pipelineId).toMatch(/^[0-9a-f-]{36}$/);
      expectOk(
        await project.run(["pulumi", "config", "set", "--path", "slipway:apps.heroku[0].pipelineId", pipelineId, "--stack", "production"]),
      );
      git("commit", "-q", "-am", "production couples into staging's pipeline");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "production runs the release its stack names (1.4.0), deployed as the job deploys: the candidate update, then the live one",
    async () => {
      await deployAsTheJobDoes("production");
      expect(await trafficOf("production")).toEqual(trafficOn("1.4.0"));
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "a release whose candidate fails its smoke checks never takes production traffic: the job restores the release before, and the ledger records rolled-back with the reason",
    async () => {
      // The example ledger's validation of 1.5.0 (line 8) came after a full soak.
      const promoted = slipway(["promote"]);
      expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: "" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.5\.0/);
      git("commit", "-q", "-am", "promote 1.5.0");
      const file = "deploy-production.yml";
      const run = deployRun("production", 9510);

      // The candidate update: 1.5.0 runs on the candidate app and its own deployment; the domains and the live app stay on 1.4.0.
      const candidate = await runStep(pulumiStep(file, "deploy", "up", "pulumi-up"), "production");
      expectOk(candidate);
      expect(candidate.violations).toEqual([]);
      const duringCandidate = await trafficOf("production");
      // Kubernetes has no candidate phase (kubernetesWorkloads.ts): the rollout itself is gated on readiness.
      expect(duringCandidate).toEqual({ ...trafficOn("1.4.0", "1.5.0"), kubernetes: validatedArtifacts("1.5.0").worker.image });
      // What the smoke step checks: the candidates' own URLs, the 1.5.0 deployment's among them (no domain points at it).
      const candidateUrls = await project.run(["pulumi", "stack", "output", "candidateUrls", "--stack", "production", "--json"]);
      expectOk(candidateUrls);
      const deployment = (await stateOf("production")).find((resource) => resource.type === "vercel:index/deployment:Deployment")!;
      expect(deployment.outputs?.ref).toBe(validatedArtifacts("1.5.0").web.commitSha);
      expect(Object.values(JSON.parse(candidateUrls.stdout) as Record<string, string>)).toContain(
        `https://${String(deployment.outputs?.url).replace(/^https?:\/\//, "")}`,
      );
      expect(Object.values(duringCandidate.vercel)).not.toContain(deployment.outputs?.ref);

      // The smoke step fails: the live update, the live smoke and the marker are skipped; the restore steps run.
      const outcomes = { UP: "success", SMOKE: "failure", GO_LIVE: "skipped", SMOKE_LIVE: "skipped" };
      const restoreStep = jobStep(file, "deploy", "restore");
      expect(restoreStep.if).toBe("${{ failure() && steps.pulumi-up.outcome != 'skipped' }}");
      const restore = runShellStep(restoreStep, await environmentVars("production"), outcomes, run);
      expect({ status: restore.status, stderr: restore.stderr }).toEqual({ status: 0, stderr: "" });
      const reason = `the smoke checks of the candidate failed on production; the previous release was restored automatically (https://github.com/acme/storefront/actions/runs/9510)`;
      expect(restore.stdout).toContain(`::error title=release failed::${reason}`);
      expect(restore.outputs).toMatchObject({ from: "1.5.0", to: "1.4.0" });
      const restoredFile = fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8");
      expect(restoredFile).toMatch(/version: 1\.4\.0/);
      expect(restoredFile).toContain("from: 1.5.0");

      const restoreUp = pulumiStep(file, "deploy", "up", "restore-up");
      expect(restoreUp.env?.[GO_LIVE_ENV]).toBe("live");
      const restored = await runStep(restoreUp, "production");
      expectOk(restored);
      expect(restored.violations).toEqual([]);
      expect(await trafficOf("production")).toEqual(trafficOn("1.4.0", "1.4.0"));
      const version = await project.run(["pulumi", "stack", "output", "releaseVersion", "--stack", "production"]);
      expect(version.stdout.trim()).toBe("1.4.0");

      // The restored job (the deploy job's `restored` output true) records it from the restored stack file, with the approvers of the run.
      expect(workflows[file].jobs.restored.if).toBe("${{ failure() && needs.deploy.outputs.restored == 'true' }}");
      const { step, script } = ledgerRecordScript(file, "restored", "deployed");
      const recorded = runShellStep(
        step,
        {},
        { VERSION: restore.outputs.to, STACK: "production", LEDGER_BRANCH: "slipway-ledger", APPROVERS: "sre-lead" },
        run,
        script,
      );
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      expect(recorded.stdout).toContain("rolled-back 1.4.0 on production");
      const last = ledgerEvents().pop();
      expect(last).toMatchObject({ kind: "rolled-back", stack: "production", version: "1.4.0", from: "1.5.0", note: reason });
      // The restored stack file reaches main (the artifact, merged): the ledger and the file agree again.
      git("commit", "-q", "-am", "ledger: 1.4.0 restored; the restored stack file");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "production is never previewed by a pull request, refuses to apply without ALLOW_PROD, applies with the deploy job's credentials, and its ledger job records it",
    async () => {
      // 1.5.0 again, its smoke fixed: it never ran in production, so it may be promoted.
      const promoted = slipway(["promote"]);
      expect({ status: promoted.status, stderr: promoted.stderr }).toEqual({ status: 0, stderr: "" });
      git("commit", "-q", "-am", "promote 1.5.0 again");
      // A pull request's preview would decrypt production's config: policy-gate.yml previews staging only.
      expect(workflows["policy-gate.yml"].jobs["pulumi-preview-production"]).toBeUndefined();
      const step = pulumiStep("deploy-production.yml", "deploy", "up", "pulumi-up");
      expect(step.env?.ALLOW_PROD).toBe("1");
      const refused = await runStep(step, "production", [], { ALLOW_PROD: "" });
      expect(refused.code).not.toBe(0);
      expect(`${refused.stdout}${refused.stderr}`).toContain("refusing to apply to production stack 'production'");
      await deployAsTheJobDoes("production");
      expect(await trafficOf("production")).toEqual(trafficOn("1.5.0"));
      const recorded = slipway(
        ["ledger", "record", "--kind", "deployed", "--stack", "production", "--version", "1.5.0", "--approvers", "sre-lead"],
        deployRun("production", 9502),
      );
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      expect(recorded.stdout).toContain("promoted 1.5.0 on production");
      git("commit", "-q", "-am", "ledger: 1.5.0 promoted");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "a second apply changes nothing but the anchor, which follows the ledger; a third changes nothing",
    async () => {
      const again = await runStep(pulumiStep("deploy-production.yml", "deploy", "up", "go-live"), "production");
      expectOk(again);
      // The promoted line moved the ledger's head: the only change is the anchor variable, of the
      // production environment and of its emergency rollback environment.
      expect(changesOf(again)).toEqual({ same: expect.any(Number), update: 2 });
      expect(updatedUrns()).toEqual([
        expect.stringMatching(/ActionsEnvironmentVariable::.*SLIPWAY_LEDGER_ANCHOR/),
        expect.stringMatching(/ActionsEnvironmentVariable::.*SLIPWAY_LEDGER_ANCHOR/),
      ]);
      expect(updatedUrns().some((urn) => urn.includes("rollback"))).toBe(true);
      const third = await runStep(pulumiStep("deploy-production.yml", "deploy", "up", "go-live"), "production");
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
      expectOk(
        await project.run(["pulumi", "stack", "export", "--stack", "production", "--show-secrets", "--file", "production.export.json"]),
      );
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
        const events = honest
          .toString("utf8")
          .trim()
          .split("\n")
          .map((line) => JSON.parse(line));
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
        const up = await runStep(pulumiStep("deploy-production.yml", "deploy", "up", "pulumi-up"), "production");
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
    "the emergency rollback (rollback.yml) returns production to the release before: plan, slipway rollback, pulumi up, the marker check, the ledger job; the export judges clean",
    async () => {
      const file = "rollback.yml";
      expect(Object.keys(workflows[file].jobs)).toEqual(
        expect.arrayContaining(["plan", "incident", "deploy-production", "ledger-production", "outcome"]),
      );
      // Dispatched from main: the ledger accepts a rollback's line from this workflow only from a branch.
      const run = {
        ...runnerEnv("production", 9520, "acme/storefront"),
        GITHUB_WORKFLOW_REF: "acme/storefront/.github/workflows/rollback.yml@refs/heads/main",
        GITHUB_SHA: "3".repeat(40),
      };
      const inputs = { REASON: "INC-42: checkout errors" };
      expect(await trafficOf("production")).toEqual(trafficOn("1.5.0"));

      // plan: the ledger verified, the rollback's dry run (no version given: the last good release).
      expect(runShellStep(jobStep(file, "plan", "verify the ledger"), {}, {}, run).status).toBe(0);
      const plan = runShellStep(jobStep(file, "plan", "plan"), {}, { ...inputs, STACK: "production", TARGET: "" }, run);
      expect({ status: plan.status, stderr: plan.stderr }).toEqual({ status: 0, stderr: "" });
      expect(plan.outputs).toMatchObject({ from: "1.5.0", to: "1.4.0" });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.5\.0/);
      // (The incident job opens the issue with actions/github-script: its URL is all this job reads.)
      const incident = "https://github.com/acme/storefront/issues/77";

      // deploy-production, in production-rollback: the ledger from the anchor that environment holds, the rollback, pulumi up.
      const environment = rollbackEnvironmentName("production");
      const rollbackVars = await environmentVars("production", environment);
      expect(rollbackVars.SLIPWAY_LEDGER_ANCHOR).toBe((await environmentVars("production")).SLIPWAY_LEDGER_ANCHOR);
      const verified = runShellStep(jobStep(file, "deploy-production", "verify the ledger from the stack's anchor"), rollbackVars, {}, run);
      expect({ status: verified.status, stderr: verified.stderr }).toEqual({ status: 0, stderr: "" });
      const rolledBack = runShellStep(
        jobStep(file, "deploy-production", "rollback"),
        rollbackVars,
        { ...inputs, STACK: "production", TARGET: plan.outputs.to, INCIDENT: incident },
        run,
      );
      expect({ status: rolledBack.status, stderr: rolledBack.stderr }).toEqual({ status: 0, stderr: "" });
      expect(rolledBack.outputs).toMatchObject({ from: "1.5.0", to: "1.4.0", marker: plan.outputs.marker });
      expect(fs.readFileSync(path.join(project.dir, "Pulumi.production.yaml"), "utf8")).toMatch(/version: 1\.4\.0/);
      const up = pulumiStep(file, "deploy-production", "up", "pulumi-up");
      // No go-live phase: a rollback returns to a release production ran, straight to live.
      expect(up.env?.[GO_LIVE_ENV]).toBeUndefined();
      const applied = await runStep(up, "production", [], {}, environment);
      expectOk(applied);
      expect(applied.violations).toEqual([]);
      expect(await trafficOf("production")).toEqual(trafficOn("1.4.0"));

      // The marker step fails the job unless the stack deployed the rollback's target.
      const releaseVersion = (await project.run(["pulumi", "stack", "output", "releaseVersion", "--stack", "production"])).stdout.trim();
      const marker = runShellStep(
        jobStep(file, "deploy-production", "deploy-marker"),
        {},
        { VERSION: releaseVersion, TO: rolledBack.outputs.to, MARKER: rolledBack.outputs.marker, STACK: "production" },
        run,
      );
      expect({ status: marker.status, version: marker.outputs.version }).toEqual({ status: 0, version: "1.4.0" });
      const wrong = runShellStep(
        jobStep(file, "deploy-production", "deploy-marker"),
        {},
        { VERSION: "1.5.0", TO: rolledBack.outputs.to, MARKER: rolledBack.outputs.marker, STACK: "production" },
        run,
      );
      expect(wrong.status).not.toBe(0);

      // ledger-production records it from the stack file the rollback deployed.
      const { step, script } = ledgerRecordScript(file, "ledger-production", "deployed");
      const recorded = runShellStep(
        step,
        {},
        { VERSION: marker.outputs.version, STACK: "production", LEDGER_BRANCH: "slipway-ledger", APPROVERS: "sre-lead" },
        run,
        script,
      );
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      expect(recorded.stdout).toContain("rolled-back 1.4.0 on production");
      const last = ledgerEvents().pop();
      expect(last).toMatchObject({
        kind: "rolled-back",
        stack: "production",
        version: "1.4.0",
        from: "1.5.0",
        note: `INC-42: checkout errors (incident ${incident})`,
      });
      git("commit", "-q", "-am", "ROLLBACK 1.5.0 → 1.4.0 (rollback.yml), ledger: rolled-back");

      expectOk(
        await project.run(["pulumi", "stack", "export", "--stack", "production", "--show-secrets", "--file", "rolled-back.export.json"]),
      );
      const gate = slipway(["gate", "--state", "rolled-back.export.json", "--policy-config", "policy-config.json", "--json"]);
      expect({ status: gate.status, stderr: gate.stderr }).toEqual({ status: 0, stderr: "slipway: policy config: policy-config.json\n" });
      expect((JSON.parse(gate.stdout) as { result: string; stacks: { violations: unknown[] }[] }).stacks[0].violations).toEqual([]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the kill switch (flag.yml) turns a flag off in place, and holds: a deploy of main still serving it on is refused until `slipway flag on` overrides the kill",
    async () => {
      const file = "flag.yml";
      const stackFile = path.join(project.dir, "Pulumi.production.yaml");
      const onMain = fs.readFileSync(stackFile, "utf8");
      const run = {
        ...runnerEnv("production", 9530, "acme/storefront"),
        GITHUB_WORKFLOW_REF: "acme/storefront/.github/workflows/flag.yml@refs/heads/main",
        GITHUB_SHA: "4".repeat(40),
      };
      const served = async () => JSON.parse((await environmentVars("production")).SLIPWAY_FLAGS).flags["dark-mode"].defaultVariant;
      expect(await served()).toBe("on");

      // flag-production, in production-rollback: slipway flag off in the checkout...
      const environment = rollbackEnvironmentName("production");
      const vars = await environmentVars("production", environment);
      const off = runShellStep(
        jobStep(file, "flag-production", "flag"),
        vars,
        { STACK: "production", FLAG: "dark-mode", SERVED_BEFORE: vars.SLIPWAY_FLAGS },
        run,
      );
      expect({ status: off.status, stderr: off.stderr, flags: off.outputs.flags }).toEqual({ status: 0, stderr: "", flags: "dark-mode" });
      // ...then pulumi up targeted at the stack's flag sources (the step's script, its targets from the stack output).
      const sources = await project.run(["pulumi", "stack", "output", "flagSources", "--json", "--stack", "production"]);
      expectOk(sources);
      const targets = (JSON.parse(sources.stdout) as string[]).flatMap((urn) => ["--target", urn]);
      const upStep = jobStep(file, "flag-production", "pulumi-up");
      expect(upStep.run).toContain('"${targets[@]}"');
      const killed = await project.run([...argvOf({ run: shellJoin(upCommand("production")) }), ...targets], {
        ...stepEnv(upStep, vars),
        STACK: "production",
      });
      expectOk(killed);
      expect(killed.violations).toEqual([]);
      expect(await served()).toBe("off");

      // ledger-production records the flag line, from the stack file the kill switch deployed.
      const version = (await project.run(["pulumi", "stack", "output", "releaseVersion", "--stack", "production"])).stdout.trim();
      const recordStep = jobStep(file, "ledger-production", "record flag in the ledger");
      const lines = recordStep.run!.split("\n");
      const loop = lines
        .slice(
          lines.findIndex((line) => line.startsWith("for flag in")),
          lines.indexOf("done") + 1,
        )
        .join("\n");
      const recorded = runShellStep(
        recordStep,
        {},
        { VERSION: version, STACK: "production", LEDGER_BRANCH: "slipway-ledger", FLAGS: off.outputs.flags },
        run,
        loop,
      );
      expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({ status: 0, stderr: "" });
      const kill = ledgerEvents().pop() as { seq: number; kind: string; flag: unknown };
      expect(kill).toMatchObject({ kind: "flag", stack: "production", flag: { name: "dark-mode", served: "off" } });

      // Nobody merged the flag-stack-file artifact: main still has the flag on. Its deploy is refused.
      fs.writeFileSync(stackFile, onMain);
      git("commit", "-q", "-am", "main: the kill switch's stack file is not merged");
      const redeploy = await runStep(pulumiStep("deploy-production.yml", "deploy", "up", "pulumi-up"), "production");
      expect(redeploy.code).not.toBe(0);
      // Refused wherever the flag is served: the environments' SLIPWAY_FLAGS variables and the ConfigMap.
      const killMessage = `serves flag 'dark-mode' on in production but .github/workflows/flag.yml turned it off in an emergency at ledger line ${kill.seq}`;
      expect(redeploy.violations.length).toBeGreaterThan(0);
      for (const violation of redeploy.violations) {
        expect([violation.policy, violation.message]).toEqual(["l3-flags-off-in-production", expect.stringContaining(killMessage)]);
      }
      expect(redeploy.violations.map((violation) => violation.message)).toContainEqual(
        expect.stringMatching(
          /^ActionsEnvironmentVariable 'storefront-production-variable-SLIPWAY_FLAGS' variable SLIPWAY_FLAGS serves flag 'dark-mode'/,
        ),
      );
      expect(await served()).toBe("off");

      // Turning it on again is a decision the stack file states: the pack then lets it through.
      const on = slipway(["flag", "on", "dark-mode"]);
      expect({ status: on.status, stderr: on.stderr }).toEqual({ status: 0, stderr: "" });
      expect(on.stdout).toContain(`It overrides the emergency kill at ledger line ${kill.seq}`);
      const key = { PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE };
      const preview = await runStep(pulumiStep("drift.yml", "drift-production", "preview"), "production", [], key);
      expect(preview.violations).toEqual([]);
      fs.writeFileSync(stackFile, onMain);
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
