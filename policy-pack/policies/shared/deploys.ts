/**
 * Deploy jobs, recognised by what they are and do rather than by what they are called: a job of
 * ANY workflow file whose environment is production, or that runs a deploy against production
 * (`pulumi up -s production`, `vercel --prod`, `heroku container:release`, `kubectl apply -n
 * production`, `pulumi/actions` with `command: up`, ...). Expressions and variables are expanded
 * as far as the workflow says (matrix values, dispatch input options, `env:` maps, earlier
 * assignments, `$GITHUB_ENV` writes), so `--stack ${{ matrix.stack }}` over `[staging, production]`
 * deploys production too.
 */
import { isProductionName } from "../../../contract/production";
import { RecentAnswers } from "./recent";
import { parseYaml } from "./yaml";
import {
  classifyTargets,
  deployOf,
  isPreviewCommand,
  isSetupAction,
  isSetupCommand,
  migrationActionOf,
  migrationOf,
  updateShellState,
  type DeployUse,
  type ShellState,
  type TargetKind,
} from "./commands";
import { list, record, strings, type Props } from "./resources";
import { expandValue, nameTokens, parseShell, withNestedCommands, type Expansion, type ShellCommand } from "./shell";
import { parseWorkflow, type Workflow, type WorkflowJob, type WorkflowStep } from "./workflows";

/** A deploy a step runs. */
export interface DeployFinding {
  /** The command (or action) as written, for messages. */
  text: string;
  /** The tool it deploys with. */
  tool: string;
  /** Where it deploys. */
  kind: TargetKind;
  /** Index of the step in its job. */
  step: number;
  /** Whether an unnamed target is taken as production when the job declares no environment (app-platform releases). */
  unnamedMeansProduction: boolean;
}

/** One step, read. */
export interface StepFacts {
  /** Index in the job. */
  index: number;
  /** The step as workflows.ts reads it. */
  step: WorkflowStep;
  /** The step as written. */
  raw: Props;
  /** How messages name it: its id, else its name, else `steps[i]`. */
  label: string;
  /** The script's simple commands (without those run through other programs). */
  commands: ShellCommand[];
  /** Every command, those run through `sh -c`, `ssh`, `heroku run`, ... included. */
  allCommands: ShellCommand[];
  /** Deploys it runs. */
  deploys: DeployFinding[];
  /** Migrations it runs, as written. */
  migrations: string[];
  /** `continue-on-error: true`: its failure does not fail the job. */
  continueOnError: boolean;
  /** The expansion in force for it. */
  expansion: Expansion;
}

/** One job, read. */
export interface JobFacts {
  /** The job as workflows.ts reads it. */
  job: WorkflowJob;
  /** The job as written. */
  raw: Props;
  /** Its steps. */
  steps: StepFacts[];
  /** Every deploy it runs, in order. */
  deploys: DeployFinding[];
  /** Its migrations, with the step that runs them. */
  migrations: { step: StepFacts; text: string }[];
  /** The names its `environment` can take. */
  environments: string[];
  /** Whether its environment is (or can be) production. */
  productionEnvironment: boolean;
  /** `continue-on-error: true` on the job. */
  continueOnError: boolean;
}

/** A workflow file, read. */
export interface WorkflowFacts {
  /** The workflow as workflows.ts reads it. */
  workflow: Workflow;
  /** Its jobs, in file order. */
  jobs: JobFacts[];
}

/** What decides production. */
export interface ProductionNames {
  /** Names that count as production besides those whose name says so: for GitHub environments. */
  environments: readonly string[];
  /** The same for deploy targets (stacks, apps, namespaces, contexts). */
  targets: readonly string[];
}

/** How messages name a step. */
function stepLabel(step: WorkflowStep, index: number): string {
  return step.id ?? step.name ?? `steps[${index}]`;
}

/** `continue-on-error: true` (a literal; an expression is judged where it is known). */
function continuesOnError(value: unknown): boolean {
  return value === true || value === "true";
}

/** String values of a map, as lists. */
function envOf(map: Props): Record<string, string[]> {
  const env: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") env[key] = [String(value)];
  }
  return env;
}

/** Matrix values by key, `include` entries included. */
function matrixOf(job: Props): Record<string, string[]> {
  const matrix = record(record(job.strategy).matrix);
  const values: Record<string, string[]> = {};
  const add = (key: string, value: unknown) => {
    if (typeof value !== "string" && typeof value !== "number") return;
    values[key] ??= [];
    values[key].push(String(value));
  };
  for (const [key, value] of Object.entries(matrix)) {
    if (key === "include" || key === "exclude") continue;
    for (const entry of list(value)) add(key, entry);
  }
  for (const entry of list(matrix.include)) for (const [key, value] of Object.entries(record(entry))) add(key, value);
  return values;
}

/** Dispatch and call inputs: their options and defaults. */
function inputsOf(root: Props): Record<string, string[]> {
  const on = record(root.on);
  const inputs: Record<string, string[]> = {};
  for (const trigger of ["workflow_dispatch", "workflow_call"]) {
    for (const [name, spec] of Object.entries(record(record(on[trigger]).inputs))) {
      const values = [...strings(record(spec).options), ...(record(spec).default !== undefined ? [String(record(spec).default)] : [])];
      if (values.length > 0) inputs[name] = [...new Set([...(inputs[name] ?? []), ...values])];
    }
  }
  return inputs;
}

/** `echo "NAME=value" >> "$GITHUB_ENV"`: a variable later steps see. */
function githubEnvWrites(command: ShellCommand): Record<string, string> {
  const words = command.words;
  const redirect = words.findIndex((word) => word === ">>" || word === ">");
  if (redirect < 0 || !/GITHUB_ENV/.test(words[redirect + 1] ?? "")) return {};
  const written: Record<string, string> = {};
  for (const word of words.slice(1, redirect)) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(word);
    if (match) written[match[1]] = match[2];
  }
  return written;
}

/** The deploy a `uses:` step runs, by the action's inputs. */
function actionDeployOf(step: WorkflowStep, state: ShellState, env: Record<string, string[]>): DeployUse | undefined {
  const uses = (step.uses ?? "").toLowerCase().replace(/@.*$/, "");
  const input = (key: string) => {
    const value = step.with[key];
    return typeof value === "string" ? value : typeof value === "boolean" || typeof value === "number" ? String(value) : undefined;
  };
  const defined = (...values: (string | undefined)[]) => values.filter((value): value is string => value !== undefined);
  const viaCli = (program: string, args: string | undefined) =>
    args === undefined ? undefined : deployOf(parseShell(`${program} ${args}`)[0], state, env);
  if (uses === "pulumi/actions")
    return /^(up|update)$/.test(input("command") ?? "") ? { tool: "pulumi", targets: defined(input("stack-name")) } : undefined;
  if (uses.endsWith("/vercel-action"))
    return { tool: "vercel", targets: [], intrinsic: /--prod\b/.test(input("vercel-args") ?? "") ? "production" : "other" };
  if (uses.includes("heroku-deploy")) return { tool: "heroku", targets: defined(input("heroku_app_name")), unnamedMeansProduction: true };
  if (uses === "azure/k8s-deploy") return { tool: "kubernetes", targets: [...defined(input("namespace")), ...state.kubeContexts] };
  if (uses === "azure/webapps-deploy")
    return {
      tool: "az",
      targets: defined(input("app-name"), input("slot-name")),
      intrinsic: input("slot-name") === undefined ? "production" : undefined,
    };
  if (uses === "aws-actions/amazon-ecs-deploy-task-definition")
    return { tool: "aws", targets: defined(input("cluster"), input("service")) };
  if (uses.startsWith("google-github-actions/deploy-"))
    return { tool: "gcloud", targets: defined(input("service"), input("project_id"), input("project")) };
  if (uses.startsWith("superfly/flyctl-actions")) return viaCli("flyctl", input("args"));
  if (uses === "cloudflare/wrangler-action") return viaCli("wrangler", input("command") ?? "deploy");
  if (uses.startsWith("netlify/actions")) return viaCli("netlify", input("args"));
  if (uses === "nwtgck/actions-netlify")
    return { tool: "netlify", targets: [], intrinsic: input("production-deploy") === "true" ? "production" : "other" };
  if (nameTokens(uses).includes("deploy"))
    return {
      tool: uses,
      targets: Object.keys(step.with)
        .map(input)
        .filter((value): value is string => value !== undefined),
    };
  return undefined;
}

/** Read every step of a job: commands, deploys and migrations, with what each command leaves for the next. */
function stepsOf(job: WorkflowJob, raw: Props, base: Expansion, alsoProduction: readonly string[]): StepFacts[] {
  const state: ShellState = { kubeContexts: [] };
  const jobEnv: Record<string, string[]> = { ...base.env, ...envOf(record(raw.env)) };
  const rawSteps = list(raw.steps).map(record);
  return job.steps.map((step, index) => {
    const rawStep = rawSteps[index] ?? {};
    const env: Record<string, string[]> = { ...jobEnv, ...envOf(step.env) };
    const expansion: Expansion = { env, matrix: base.matrix, inputs: base.inputs };
    for (const context of strings([step.with.context, step.with["cluster-name"]].filter((value) => typeof value === "string"))) {
      if ((step.uses ?? "").toLowerCase().includes("set-context") || (step.uses ?? "").toLowerCase().includes("kubeconfig"))
        state.kubeContexts.push(context);
    }
    for (const name of ["KUBECONFIG", "KUBE_CONTEXT"]) if (env[name]) state.kubeContexts.push(...env[name]);
    const deploys: DeployFinding[] = [];
    const migrations: string[] = [];
    const note = (use: DeployUse | undefined, shown: string) => {
      if (use === undefined) return;
      const classified =
        use.intrinsic === "production" ? { kind: "production" as TargetKind } : classifyTargets(use.targets, expansion, alsoProduction);
      const kind = classified.kind === "unknown" && use.intrinsic === "other" ? "other" : classified.kind;
      deploys.push({ text: shown, tool: use.tool, kind, step: index, unnamedMeansProduction: use.unnamedMeansProduction === true });
    };
    const commands = step.run === undefined ? [] : parseShell(step.run);
    const allCommands = withNestedCommands(commands);
    for (const command of allCommands) {
      for (const [name, value] of Object.entries(command.assignments)) env[name] = [value];
      note(deployOf(command, state, env), command.text);
      const migration = migrationOf(command);
      if (migration !== undefined) migrations.push(migration);
      updateShellState(command, state);
      for (const [name, value] of Object.entries(githubEnvWrites(command))) jobEnv[name] = [value];
    }
    if (step.uses !== undefined) {
      note(actionDeployOf(step, state, env), `uses: ${step.uses}`);
      const migration = migrationActionOf(step.uses);
      if (migration !== undefined) migrations.push(`uses: ${migration}`);
    }
    return {
      index,
      step,
      raw: rawStep,
      label: stepLabel(step, index),
      commands,
      allCommands,
      deploys,
      migrations,
      continueOnError: continuesOnError(rawStep["continue-on-error"]),
      expansion,
    };
  });
}

/** Read a workflow file: every job's environment, deploys and migrations. */
export function workflowFacts(
  content: string,
  where: { urn: string; repository: string; file: string },
  production: ProductionNames,
): WorkflowFacts | { error: string } {
  // Several policies read the same file's facts: derived once per resource and production names
  // while its text stays the same. Keyed by the URN, not the text: hashing every text on every read
  // cost more than it saved on a large stack.
  const key = [where.urn, where.repository, where.file, production.targets.join("\n"), production.environments.join("\n")].join("\u0000");
  const derive = () => {
    const facts = deriveWorkflowFacts(content, where, production);
    rememberMigrationJobs(content, where, facts);
    return { content, facts };
  };
  let entry = recentFacts.answer(key, derive);
  if (entry.content !== content) {
    recentFacts.forget(key);
    entry = recentFacts.answer(key, derive);
  }
  return entry.facts;
}

/** A workflow job that runs migrations: what migration-order's stack check reads of it. */
export interface MigrationJob {
  /** The job's id. */
  id: string;
  /** The environments it runs in, expanded. */
  environments: string[];
  /** Its first migration command, as written. */
  migration: string;
}

/**
 * Each workflow file's migration jobs, kept for every file: the stack check reads every workflow
 * file once more after the resource checks, and deriving their facts again (far too many to keep
 * whole) was most of the gate's time after the program ended. A file's migration jobs do not depend
 * on the production names, so the resource checks' derivations serve it.
 */
const migrationJobsByFile = new Map<string, { content: string; jobs: readonly MigrationJob[] | { error: string } }>();

/** Files whose migration jobs are kept: every workflow file of any real stack, bounded all the same. */
const KEPT_FILES = 1 << 16;

function fileKey(where: { urn: string; repository: string; file: string }): string {
  return [where.urn, where.repository, where.file].join("\u0000");
}

function rememberMigrationJobs(
  content: string,
  where: { urn: string; repository: string; file: string },
  facts: WorkflowFacts | { error: string },
): readonly MigrationJob[] | { error: string } {
  const jobs =
    "error" in facts
      ? { error: facts.error }
      : facts.jobs
          .filter((job) => job.migrations.length > 0)
          .map((job) => ({ id: job.job.id, environments: job.environments, migration: job.migrations[0].text }));
  const key = fileKey(where);
  migrationJobsByFile.delete(key);
  if (migrationJobsByFile.size >= KEPT_FILES) migrationJobsByFile.delete(migrationJobsByFile.keys().next().value as string);
  migrationJobsByFile.set(key, { content, jobs });
  return jobs;
}

/** The jobs of a workflow file that run migrations, or why the file cannot be read. */
export function workflowMigrationJobs(
  content: string,
  where: { urn: string; repository: string; file: string },
): readonly MigrationJob[] | { error: string } {
  const kept = migrationJobsByFile.get(fileKey(where));
  if (kept?.content === content) return kept.jobs;
  return rememberMigrationJobs(content, where, workflowFacts(content, where, { environments: [], targets: [] }));
}

/**
 * Facts of the workflow files read last. The policies judging one resource read it one after the
 * other, so a few entries give every hit; keeping every file's facts cost 300 MiB of the pack's
 * peak at 400 repositories for no further gain.
 */
const recentFacts = new RecentAnswers<{ content: string; facts: WorkflowFacts | { error: string } }>(64);

function deriveWorkflowFacts(
  content: string,
  where: { urn: string; repository: string; file: string },
  production: ProductionNames,
): WorkflowFacts | { error: string } {
  const workflow = parseWorkflow(content, where);
  if ("error" in workflow) return workflow;
  const root = record(parseYaml(content));
  const rawJobs = record(root.jobs);
  const inputs = inputsOf(root);
  const workflowEnv = envOf(record(root.env));
  const jobs = workflow.jobs.map((job): JobFacts => {
    const raw = record(rawJobs[job.id]);
    const base: Expansion = { env: workflowEnv, matrix: matrixOf(raw), inputs };
    const steps = stepsOf(job, raw, base, [...production.targets, ...production.environments]);
    const environments =
      job.environment === undefined ? [] : expandValue(job.environment, { ...base, env: { ...workflowEnv, ...envOf(record(raw.env)) } });
    return {
      job,
      raw,
      steps,
      deploys: steps.flatMap((step) => step.deploys),
      migrations: steps.flatMap((step) => step.migrations.map((migration) => ({ step, text: migration }))),
      environments,
      productionEnvironment: environments.some((name) => isProductionName(name, production.environments)),
      continueOnError: continuesOnError(raw["continue-on-error"]),
    };
  });
  return { workflow, jobs };
}

/** Name tokens that say a step is a smoke or health check. */
export const SMOKE_TOKENS = new Set(["smoke", "health", "healthz", "healthcheck", "readyz", "livez"]);

/** Name tokens of a step's id, name and action. */
export function labelTokens(step: StepFacts): string[] {
  return [step.step.id, step.step.name, step.step.uses?.replace(/@.*$/, "")].flatMap((value) =>
    value === undefined ? [] : nameTokens(value),
  );
}

/** Whether a command's words say it is a smoke or health check. */
export function isSmokeCommand(command: ShellCommand): boolean {
  return command.words.some((word) => nameTokens(word).some((token) => SMOKE_TOKENS.has(token)));
}

/**
 * Whether a step deploys nothing: it prepares the job (checkout, toolchains, installs, logins),
 * previews (`pulumi preview`, `terraform plan`), migrates, or runs smoke and health checks.
 */
function deploysNothing(step: StepFacts): boolean {
  if (step.deploys.length > 0) return false;
  if (step.migrations.length > 0) return true;
  if (labelTokens(step).some((token) => SMOKE_TOKENS.has(token))) return true;
  const uses = step.step.uses;
  if (uses !== undefined) {
    const name = uses.toLowerCase().replace(/@.*$/, "");
    return (
      isSetupAction(uses) || (name === "pulumi/actions" && !/^(up|update|destroy|refresh)$/.test(String(step.step.with.command ?? "")))
    );
  }
  return step.commands.every(
    (command) => isSetupCommand(command) || isPreviewCommand(command) || isSmokeCommand(command) || migrationOf(command) !== undefined,
  );
}

/** Why a job is a production deploy job. */
export type DeployReason = { by: "command"; deploy: DeployFinding } | { by: "environment" } | { by: "designation" };

/** Job ids that `job` needs, directly or through other jobs. */
export function upstreamOf(facts: WorkflowFacts, job: JobFacts): Set<string> {
  const seen = new Set<string>();
  const pending = [...job.job.needs];
  while (pending.length > 0) {
    const id = pending.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    pending.push(...(facts.jobs.find((candidate) => candidate.job.id === id)?.job.needs ?? []));
  }
  return seen;
}

/** Jobs that need `job`, directly or through other jobs. */
export function downstreamOf(facts: WorkflowFacts, job: JobFacts): JobFacts[] {
  return facts.jobs.filter((candidate) => candidate !== job && upstreamOf(facts, candidate).has(job.job.id));
}

/**
 * The production deploy jobs of a workflow, each with why it is one:
 * - it runs a deploy against production (by command or action);
 * - it deploys an app-platform target nothing names as non-production and declares no environment;
 * - its environment is production and it deploys (anything), or it runs anything but preparation,
 *   previews, migrations and checks, unless it runs after a production deploy job it needs (a
 *   production job that only migrates or previews, or the smoke job after the deploy, is not a
 *   deploy job itself);
 * - it is `designatedJob` (the old `deployJobId` of a designated workflow: a hint).
 */
export function productionDeployJobs(facts: WorkflowFacts, designatedJob: string | undefined): { job: JobFacts; reason: DeployReason }[] {
  const found: { job: JobFacts; reason: DeployReason }[] = [];
  const reasonOf = (job: JobFacts): DeployReason | undefined => {
    const production = job.deploys.find((deploy) => deploy.kind === "production");
    if (production) return { by: "command", deploy: production };
    const unnamed = job.deploys.find((deploy) => deploy.kind === "unknown" && deploy.unnamedMeansProduction);
    if (unnamed && job.job.environment === undefined) return { by: "command", deploy: unnamed };
    if (job.productionEnvironment) {
      if (job.deploys.length > 0) return { by: "environment" };
      // A production job that only migrates, previews or checks, or that runs after a production deploy job, deploys nothing itself.
      const afterDeploy = [...upstreamOf(facts, job)].some((id) => found.some((entry) => entry.job.job.id === id));
      if (!afterDeploy && !job.steps.every(deploysNothing)) return { by: "environment" };
    }
    if (designatedJob !== undefined && job.job.id === designatedJob) return { by: "designation" };
    return undefined;
  };
  // Jobs in dependency order, so a job after a deploy job knows it is one.
  const ordered: JobFacts[] = [];
  const visit = (job: JobFacts, path: Set<string>) => {
    if (ordered.includes(job) || path.has(job.job.id)) return;
    path.add(job.job.id);
    for (const need of job.job.needs) {
      const upstream = facts.jobs.find((candidate) => candidate.job.id === need);
      if (upstream) visit(upstream, path);
    }
    ordered.push(job);
  };
  for (const job of facts.jobs) visit(job, new Set());
  for (const job of ordered) {
    const reason = reasonOf(job);
    if (reason) found.push({ job, reason });
  }
  return facts.jobs.flatMap((job) => found.filter((entry) => entry.job === job));
}

/** Whether a job deploys at all (to any target), or is a production deploy job. */
export function deploysAnything(job: JobFacts, productionJobs: { job: JobFacts }[]): boolean {
  return job.deploys.length > 0 || productionJobs.some((entry) => entry.job === job);
}
