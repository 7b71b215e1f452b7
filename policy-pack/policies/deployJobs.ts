/**
 * Deploy jobs (000 §3–4, 001, 002 §4, 004 §3, §5–6): the production deploy job is gated and
 * serialised, checks itself and leaves a marker; migrations never ride along implicitly
 * and run in expand/contract order around the rollout (000 §7, 002 §2).
 *
 * Every policy here judges the invariant, not Slipway's conventions: a production deploy job is
 * recognised in ANY workflow file by its environment and by the deploys it runs (shared/deploys.ts),
 * a smoke check by what it runs, a migration by the tool it invokes and a contract migration by
 * what it destroys (shared/commands.ts). Slipway's names (`deploy`, `deploy-production.yml`,
 * step ids, the migration-phase label) are only extra hints.
 */
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { parseYaml } from "./shared/yaml";
import { destructiveEvidence, migrationOf, scriptCheck } from "./shared/commands";
import {
  deploysAnything,
  downstreamOf,
  isSmokeCommand,
  labelTokens,
  productionDeployJobs,
  SMOKE_TOKENS,
  workflowFacts,
  workflowMigrationJobs,
  type DeployReason,
  type JobFacts,
  type StepFacts,
  type WorkflowFacts,
} from "./shared/deploys";
import { known, knownStrings } from "./shared/known";
import { manifestsOf } from "./shared/manifest";
import { prematureContracts } from "../../contract";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import {
  describe,
  isProductionStack,
  list,
  ofType,
  podSpecsOf,
  quoteList,
  record,
  stackOf,
  text,
  transitiveDependencies,
  TYPES,
  type Props,
} from "./shared/resources";
import { credentialFinding } from "./shared/secrets";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";
import { commandName, commandsOf, commandsOfArgv, nameTokens, type ShellCommand } from "./shared/shell";
import { isWorkflowPath } from "./shared/workflows";

const deployJobSetting = {
  deployJobId: {
    type: "string" as const,
    default: "deploy",
    description:
      "A hint: the job with this id is judged as a production deploy job in productionWorkflows, and as a deploy job by no-implicit-migrations, " +
      "besides every job recognised by its environment and its deploy commands.",
  },
};

const productionTargetsSetting = {
  productionTargets: {
    type: "array" as const,
    items: { type: "string" as const },
    default: [],
    description:
      "Deploy targets that are production besides those whose name says so: Pulumi stacks, Heroku and Fly apps, Kubernetes namespaces and contexts, " +
      "serverless stages (e.g. a production Heroku app called `acme-api`).",
  },
};

const deployJobGatesSchema = configSchema(productionStacksSetting, productionTargetsSetting, deployJobSetting, {
  productionWorkflows: {
    type: "array",
    items: { type: "string" },
    default: [".github/workflows/deploy-production.yml"],
    description:
      "A hint: workflow files that must contain a production deploy job. Every workflow file is searched for production deploy jobs whatever its name.",
  },
  smokeStepId: {
    type: "string",
    default: "smoke",
    description:
      "A hint: a step with this id is taken as a smoke check (it must still run a real check); any step that runs a smoke or health check counts.",
  },
  deployMarkerStepId: {
    type: "string",
    default: "deploy-marker",
    description: "A hint: a step with this id is taken as the deploy marker; any step that records the commit SHA after the deploy counts.",
  },
});

interface DeployJobGatesConfig extends ProductionStacksConfig {
  productionTargets: string[];
  deployJobId: string;
  productionWorkflows: string[];
  smokeStepId: string;
  deployMarkerStepId: string;
}

/** Longest command text a message quotes. */
const MAX_SHOWN = 100;

/** Text from a workflow or container quoted in a message: shortened, and never a credential. */
function shown(value: string): string {
  const line = value.replace(/\s+/g, " ").trim();
  if (credentialFinding("command", line)) return "(not shown: it looks like it holds a credential)";
  return line.length > MAX_SHOWN ? `${line.slice(0, MAX_SHOWN - 1)}…` : line;
}

/**
 * The repository, for messages only: a name unknown during preview must not turn a verdict on the
 * (known) workflow content into a "can't run during preview" advisory.
 */
function repositoryOf(props: Props): string {
  return known(() => text(props.repository) ?? "?", "(known after apply)");
}

/** Whether a RepositoryFile path is a workflow GitHub runs (a leading `/` or `./` tolerated). */
function workflowPath(file: string | undefined): string | undefined {
  if (file === undefined) return undefined;
  const path = file.replace(/^\.?\//, "");
  return isWorkflowPath(path) ? path : undefined;
}

/** The workflow a RepositoryFile writes, read; undefined when it is not a workflow file. */
function readWorkflowFile(
  args: ResourceValidationArgs,
  production: { environments: string[]; targets: string[] },
): { subject: string; file: string; facts: WorkflowFacts | { error: string } } | undefined {
  const file = text(args.props.file);
  const path = workflowPath(file);
  if (path === undefined) return undefined;
  const repository = repositoryOf(args.props);
  const subject = `${describe(args)} (repository '${repository}', ${file})`;
  const content = text(args.props.content) ?? "";
  return { subject, file: path, facts: workflowFacts(content, { urn: args.urn, repository, file: path }, production) };
}

// ---------------------------------------------------------------------------------------------
// deploy-job-gates

/** Contexts that differ on every run: a concurrency group built from them serialises nothing. */
const PER_RUN_CONTEXT = /github\.(run_id|run_number|run_attempt|sha)\b|\bGITHUB_(RUN_ID|RUN_NUMBER|SHA)\b/;

/** Name tokens of a step that say it is a deploy marker. */
const MARKER_TOKENS = new Set(["marker", "deployment", "deployments", "annotation", "annotations"]);

/** A reference to the deployed commit. */
const COMMIT_SHA = /GITHUB_SHA\b|github\.sha\b|github\.event\.after\b/;

/** A step that claims to be a smoke check, and whether it really is one. */
type SmokeCandidate = { step: StepFacts; job: JobFacts; real: true } | { step: StepFacts; job: JobFacts; real: false; why: string };

/** What a step claiming to be a smoke check really checks. */
function smokeCandidate(step: StepFacts, job: JobFacts, config: DeployJobGatesConfig, later = false): SmokeCandidate | undefined {
  // A step that deploys is no smoke check by its name: only its own smoke or health commands count.
  const deploying = step.deploys.length > 0;
  const claimed = !deploying && (step.step.id === config.smokeStepId || labelTokens(step).some((token) => SMOKE_TOKENS.has(token)));
  const smokeCommands = step.commands.filter(
    (command) => isSmokeCommand(command) && !step.deploys.some((deploy) => deploy.text === command.text),
  );
  if (!claimed && smokeCommands.length === 0) return undefined;
  if (step.continueOnError)
    return { step, job, real: false, why: "it sets continue-on-error: true, so its failure does not fail the deploy" };
  if (later && job.continueOnError)
    return { step, job, real: false, why: "its job sets continue-on-error: true, so its failure does not fail the run" };
  if (step.step.uses !== undefined) return deploying ? undefined : { step, job, real: true };
  const check = scriptCheck(step.commands, claimed ? undefined : smokeCommands, shown);
  if (check.kind === "no-op")
    return {
      step,
      job,
      real: false,
      why: check.shown === "" ? "it runs nothing" : `it runs only commands that cannot fail (${check.shown})`,
    };
  if (check.kind === "ignored") return { step, job, real: false, why: `it never fails on a failed check (${check.shown})` };
  return { step, job, real: true };
}

/** Whether a step records the deploy (version and commit): a marker. */
function isMarker(step: StepFacts, afterDeploy: boolean, config: DeployJobGatesConfig): boolean {
  const records =
    step.step.uses !== undefined ||
    step.commands.some(
      // By program name: `/bin/true` records no more than `true`.
      (command) =>
        command.words.length > 0 &&
        !/^(true|:)$/.test(commandName(command.words[0])) &&
        !(commandName(command.words[0]) === "exit" && (command.words[1] ?? "0") === "0"),
    );
  if (!records || /^actions\/checkout@/.test(step.step.uses ?? "")) return false;
  if (step.step.id === config.deployMarkerStepId || labelTokens(step).includes("marker")) return true;
  // `deployment` in a name says a marker (a GitHub deployment, an annotation) only of a step that does not deploy itself.
  if (step.deploys.length === 0 && labelTokens(step).some((token) => MARKER_TOKENS.has(token))) return true;
  const mentioned = [step.step.run ?? "", ...Object.values(step.step.env).map(String), ...Object.values(step.step.with).map(String)].some(
    (value) => COMMIT_SHA.test(value),
  );
  return afterDeploy && mentioned;
}

/** Index of the step a job's production deploy starts at (0 when no step is recognised as the deploy). */
function deployStart(job: JobFacts): number {
  const deploy = job.deploys.find((candidate) => candidate.kind === "production") ?? job.deploys[0];
  return deploy?.step ?? 0;
}

/** What is wrong with a production deploy job, one phrase each. */
function deployJobProblems(facts: WorkflowFacts, job: JobFacts, reason: DeployReason, config: DeployJobGatesConfig): string[] {
  const problems: string[] = [];
  const environment = job.job.environment ?? "none";
  if (!job.productionEnvironment) {
    const deploys = reason.by === "command" ? ` but deploys to production ('${shown(reason.deploy.text)}')` : "";
    problems.push(
      `does not use the production environment (environment: ${environment})${deploys}, so it deploys without production's approval and secrets scoping`,
    );
  }
  if (job.job.needs.length === 0) problems.push("does not need the test jobs (needs: none), so it can deploy untested code");
  const jobIds = facts.jobs.map((candidate) => candidate.job.id);
  for (const need of job.job.needs.filter((id) => !jobIds.includes(id)))
    problems.push(`needs '${need}', which is not a job of this workflow`);
  const group = job.job.concurrencyGroup;
  if (group === undefined) problems.push("is not serialised (no concurrency group), so two production deploys can overlap");
  else if (job.job.cancelInProgress)
    problems.push(`sets cancel-in-progress: true on concurrency group '${group}', which would cancel a production deploy half-way`);
  else if (PER_RUN_CONTEXT.test(group)) {
    problems.push(
      `is not serialised: its concurrency group '${group}' differs on every run (${(PER_RUN_CONTEXT.exec(group) as RegExpExecArray)[0]}), so two production deploys can overlap`,
    );
  }
  if (job.continueOnError) problems.push("sets continue-on-error: true, so a failed deploy or smoke check does not fail the run");

  // Smoke checks: steps from the deploy on, and in the jobs that run after this one.
  const start = deployStart(job);
  const later = downstreamOf(facts, job);
  const candidates = [
    ...job.steps.filter((step) => step.index >= start).map((step) => smokeCandidate(step, job, config)),
    ...later.flatMap((other) => other.steps.map((step) => smokeCandidate(step, other, config, true))),
  ].filter((candidate): candidate is SmokeCandidate => candidate !== undefined);
  if (candidates.length === 0) {
    const steps = job.steps.map((step) => step.label);
    problems.push(
      `runs no smoke checks after it deploys (no step with id '${config.smokeStepId}' nor one running a smoke or health check; steps: ${quoteList(steps)})`,
    );
  } else if (!candidates.some((candidate) => candidate.real)) {
    for (const candidate of candidates) {
      if (candidate.real) continue;
      const where = candidate.job === job ? "" : ` (job '${candidate.job.job.id}')`;
      problems.push(`runs no real smoke check: step '${candidate.step.label}'${where} is not one, ${candidate.why}`);
    }
  }
  const markers = [
    ...job.steps.filter((step) => isMarker(step, step.index >= start, config)),
    ...later.flatMap((other) => other.steps.filter((step) => isMarker(step, true, config))),
  ];
  if (markers.length === 0)
    problems.push(
      `writes no deploy marker (no step with id '${config.deployMarkerStepId}' nor one recording the commit SHA after the deploy)`,
    );
  return problems;
}

export const deployJobGates: SlipwayResourcePolicy = {
  name: "deploy-job-gates",
  description:
    "Every production deploy job, in any managed workflow file (a job whose environment is production, or that deploys to production: pulumi up, vercel --prod, Heroku releases, kubectl/helm, ...), " +
    "uses the production environment, needs the test jobs, is serialised by a concurrency group that never cancels a running deploy, runs a smoke check that can fail and writes a deploy marker; " +
    "and a production Vercel project does not put a deployment on its domains before that smoke check (003 §5.1).",
  remediationSteps:
    "Give each production deploy job `environment: {name: production}`, `needs: [<test jobs>]`, `concurrency: {group: deploy-production, cancel-in-progress: false}`, " +
    "a step after the deploy that runs the smoke checks and fails when they fail (no `|| true`, no `continue-on-error`, not `true` or `echo`), and a step writing version and SHA (a deploy marker). " +
    "A job that deploys elsewhere should say so with its environment (`environment: staging`). " +
    "On a production Vercel project set autoAssignCustomDomains: false and point the domains at a deployment with vercel.Alias once its checks passed.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["deployJobs", "000 §3", "000 §4", "001", "002 §4", "004 §6"],
  configSchema: deployJobGatesSchema,
  validateResource: (args, reportViolation) => {
    if (args.type === TYPES.vercelProject) {
      const config = readConfig<DeployJobGatesConfig>(deployJobGatesSchema, args);
      if (!isProductionStack(stackOf(args.urn), config.productionStacks))
        return args.notApplicable("not a production stack's Vercel project");
      // Unset means Vercel's default: true. A production deployment then serves customers as soon as it is built.
      if (args.props.autoAssignCustomDomains !== false) {
        reportViolation(
          `${describe(args)} assigns its production domains to every production deployment as soon as it is built (autoAssignCustomDomains: ${
            args.props.autoAssignCustomDomains === undefined ? "unset, Vercel's default true" : String(args.props.autoAssignCustomDomains)
          }), so a release serves customers before the deploy job's smoke check.`,
        );
      }
      return;
    }
    if (args.type !== TYPES.repositoryFile) return args.notApplicable("only workflow files and Vercel projects are judged");
    const config = readConfig<DeployJobGatesConfig>(deployJobGatesSchema, args);
    const read = readWorkflowFile(args, { environments: config.productionStacks, targets: config.productionTargets });
    if (read === undefined) return args.notApplicable("not a workflow file");
    const { subject, file, facts } = read;
    const designated = config.productionWorkflows.some((path) => path.replace(/^\.?\//, "") === file);
    if ("error" in facts) {
      // workflow-injection-safe and actions-pinned report every unreadable workflow; this one must hold production's deploy.
      if (!designated) return args.notApplicable("not a production deploy workflow");
      reportViolation(`${subject} cannot be read: ${facts.error}.`);
      return;
    }
    const deployJobs = productionDeployJobs(facts, designated ? config.deployJobId : undefined);
    if (deployJobs.length === 0) {
      if (!designated) return args.notApplicable("the workflow has no production deploy job");
      reportViolation(
        `${subject} has no production deploy job: no job uses the production environment or deploys to production (jobs: ${quoteList(facts.jobs.map((job) => job.job.id))}).`,
      );
      return;
    }
    for (const { job, reason } of deployJobs) {
      for (const problem of deployJobProblems(facts, job, reason, config)) reportViolation(`${subject} job '${job.job.id}' ${problem}.`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// no-implicit-migrations

const noImplicitMigrationsSchema = configSchema(productionStacksSetting, productionTargetsSetting, deployJobSetting, {
  migrationCommandPatterns: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Extra regular expressions (case-insensitive) that recognise a migration command, besides the built-in recognition of migration tools " +
      "(prisma, knex, sequelize, rails/rake, alembic, flyway, liquibase, goose, golang-migrate, django, dbmate, atlas, supabase, npm/make migrate tasks, SQL clients running files or DDL, ...).",
  },
});

interface NoImplicitMigrationsConfig extends ProductionStacksConfig {
  productionTargets: string[];
  deployJobId: string;
  migrationCommandPatterns: string[];
}

/** The migration a command runs, built-in recognition first, then the configured patterns. */
function migrationIn(command: ShellCommand, patterns: string[]): string | undefined {
  const builtIn = migrationOf(command);
  if (builtIn !== undefined) return builtIn;
  return patterns.some((pattern) => new RegExp(pattern, "i").test(command.text)) ? command.text : undefined;
}

/** The first migration among commands. */
function firstMigration(commands: ShellCommand[], patterns: string[]): string | undefined {
  for (const command of commands) {
    const found = migrationIn(command, patterns);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Workloads whose containers start with every rollout (Jobs are the explicit way to migrate). */
const LONG_RUNNING_WORKLOADS: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet, TYPES.k8sDaemonSet];

/** A container's argv (command + args), the known strings only. */
function argvOf(container: Props): string[] {
  return [...knownStrings(() => container.command), ...knownStrings(() => container.args)];
}

/** The containers of a pod spec, init containers first, with their role for messages. */
function containersOf(podSpec: Props): { role: string; container: Props }[] {
  return [
    ...known(() => list(podSpec.initContainers), []).map((container) => ({ role: "init container", container: record(container) })),
    ...known(() => list(podSpec.containers), []).map((container) => ({ role: "container", container: record(container) })),
  ];
}

function judgeContainers(args: ResourceValidationArgs, patterns: string[], report: (message: string) => void): void {
  // Values unknown during preview are skipped, not read: `pulumi up` judges them once known.
  for (const podSpec of known(() => podSpecsOf(args.type, args.props), [])) {
    for (const { role, container } of containersOf(podSpec)) {
      const found = firstMigration(commandsOfArgv(argvOf(container)), patterns);
      const name = known(() => text(container.name) ?? "?", "?");
      if (found)
        report(
          `${describe(args)} ${role} '${name}' runs migrations on container start ('${shown(found)}'); run them in a migration Job instead.`,
        );
    }
  }
}

/** Procfile process lines: `web: node server.js`. */
function procfileProcesses(content: string): { type: string; command: string }[] {
  return content
    .split("\n")
    .map((line) => /^([A-Za-z0-9_-]+)\s*:\s*(.*)$/.exec(line.trim()))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ type: match[1], command: match[2] }));
}

/** heroku.yml `run:` processes: `web: cmd` or `web: {command: [cmd]}`. */
function herokuYmlProcesses(content: string): { type: string; command: string }[] {
  let document: unknown;
  try {
    document = parseYaml(content);
  } catch {
    return [];
  }
  return Object.entries(record(record(document).run)).map(([type, value]) => ({
    type,
    command:
      typeof value === "string"
        ? value
        : list(record(value).command)
            .filter((entry) => typeof entry === "string")
            .join(" "),
  }));
}

function judgeRepositoryFile(args: ResourceValidationArgs, config: NoImplicitMigrationsConfig, report: (message: string) => void): void {
  const file = text(args.props.file) ?? "";
  const procfile = /(^|\/)Procfile$/.test(file);
  const herokuYml = /(^|\/)heroku\.ya?ml$/.test(file);
  if (procfile || herokuYml) {
    const content = text(args.props.content) ?? "";
    const subject = `${describe(args)} (${file})`;
    if (
      (procfile && /^release\s*:/m.test(content)) ||
      (herokuYml && (/^release\s*:/m.test(content) || record(record(safeParse(content)).build).release !== undefined))
    ) {
      report(`${subject} declares a Heroku release phase, which runs migrations implicitly on every deploy.`);
    }
    for (const process of (procfile ? procfileProcesses(content) : herokuYmlProcesses(content)).filter(
      (candidate) => candidate.type !== "release",
    )) {
      const found = firstMigration(commandsOf(process.command), config.migrationCommandPatterns);
      if (found)
        report(
          `${subject} process '${process.type}' runs migrations on start ('${shown(found)}'); run them in a separate job before the deploy.`,
        );
    }
    return;
  }
  const read = readWorkflowFile(args, { environments: config.productionStacks, targets: config.productionTargets });
  if (read === undefined) {
    args.notApplicable("the file is neither a workflow nor a Heroku process file");
    return;
  }
  const { subject, facts } = read;
  if ("error" in facts) {
    args.notApplicable(`the workflow cannot be read (${facts.error}); workflow-injection-safe reports it`);
    return;
  }
  const productionJobs = productionDeployJobs(facts, config.deployJobId);
  for (const job of facts.jobs) {
    if (!deploysAnything(job, productionJobs) && job.job.id !== config.deployJobId) continue;
    const deploy = job.deploys[0];
    const how =
      deploy !== undefined
        ? ` ('${shown(deploy.text)}')`
        : job.job.environment !== undefined
          ? ` (environment: ${job.job.environment})`
          : "";
    for (const step of job.steps) {
      const found =
        firstMigration(step.allCommands, config.migrationCommandPatterns) ??
        step.migrations.find((migration) => migration.startsWith("uses: "));
      if (found) {
        report(
          `${subject} job '${job.job.id}' deploys${how} and its step '${step.label}' runs migrations ('${shown(found)}'); run them in a separate job the deploy needs.`,
        );
      }
    }
  }
}

function safeParse(content: string): unknown {
  try {
    return parseYaml(content);
  } catch {
    return undefined;
  }
}

export const noImplicitMigrations: SlipwayResourcePolicy = {
  name: "no-implicit-migrations",
  description:
    "Migrations never run implicitly: no Heroku release phase, no migration command (recognised by the tool it runs) in any workflow job that deploys, " +
    "in a container's start command (Deployment, StatefulSet, DaemonSet), a Procfile process or a Vercel build.",
  remediationSteps:
    "Remove the Heroku `release` formation / Procfile `release:` line; move migration commands out of every job that deploys into their own job the deploy needs (or a Kubernetes migration Job), " +
    "and out of container command/args, init containers, Procfile processes and the Vercel build command.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["deployJobs", "004 §3", "004 §5"],
  configSchema: noImplicitMigrationsSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<NoImplicitMigrationsConfig>(noImplicitMigrationsSchema, args);
    if (args.type === TYPES.herokuFormation) {
      const type = text(args.props.type);
      if (type === "release")
        reportViolation(`${describe(args)} declares a release phase (type: release), which runs migrations implicitly on every deploy.`);
      return;
    }
    if (LONG_RUNNING_WORKLOADS.includes(args.type)) return judgeContainers(args, config.migrationCommandPatterns, reportViolation);
    if (args.type === TYPES.vercelProject) {
      for (const key of ["buildCommand", "installCommand"]) {
        const command = known(() => text(args.props[key]), undefined);
        const found = command === undefined ? undefined : firstMigration(commandsOf(command), config.migrationCommandPatterns);
        if (found)
          reportViolation(
            `${describe(args)} runs migrations in its ${key} ('${shown(found)}'), so every deploy migrates implicitly; run them in a separate job before the deploy.`,
          );
      }
      return;
    }
    if (args.type === TYPES.repositoryFile) return judgeRepositoryFile(args, config, reportViolation);
    return args.notApplicable("the resource runs no deploy or container start");
  },
};

// ---------------------------------------------------------------------------------------------
// migration-order

/** Label on Kubernetes migration Jobs: `expand` runs before the rollout, `contract` after it (a hint). */
export const MIGRATION_PHASE_LABEL = "slipway.dev/migration-phase";

/** Workloads a rollout updates. */
const ROLLOUT_TYPES: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet];

/** Namespace of a Kubernetes resource (`default` when unset, undefined when unknown during preview). */
function namespaceOf(resource: PolicyResource): string | undefined {
  return known(() => text(record(resource.props.metadata).namespace) ?? "default", undefined);
}

/** A migration Job: its phase and how messages say it. */
interface MigrationJob {
  job: PolicyResource;
  phase: "expand" | "contract";
  shown: string;
}

/** What a Job is: a migration (with its phase), a Job with a bad phase label, or neither. */
function migrationJobOf(job: PolicyResource): MigrationJob | { job: PolicyResource; badLabel: string } | undefined {
  const metadata = known(() => record(job.props.metadata), {});
  const label = known(() => record(metadata.labels)[MIGRATION_PHASE_LABEL], undefined);
  const argvs = known(() => podSpecsOf(job.type, job.props), []).flatMap((podSpec) =>
    containersOf(podSpec).map(({ container }) => argvOf(container)),
  );
  const migration = firstMigration(
    argvs.flatMap((argv) => commandsOfArgv(argv)),
    [],
  );
  if (label === undefined && migration === undefined) return undefined;
  if (label !== undefined && label !== "expand" && label !== "contract") return { job, badLabel: String(label) };
  const names = [job.name, known(() => text(metadata.name), undefined)].filter((name): name is string => name !== undefined);
  const evidence = destructiveEvidence([...argvs.map((argv) => argv.join(" ")), ...names]);
  if (label === "contract") return { job, phase: "contract", shown: "(contract)" };
  if (evidence !== undefined) {
    return {
      job,
      phase: "contract",
      shown: label === "expand" ? `(labelled expand, but a contract: '${shown(evidence)}')` : `(contract: '${shown(evidence)}')`,
    };
  }
  if (label === "expand") return { job, phase: "expand", shown: "(expand)" };
  // A backfill runs between the phases: the order around the rollout is its own.
  if ([...names, ...argvs.flat()].some((value) => nameTokens(value).includes("backfill"))) return undefined;
  return { job, phase: "expand", shown: `(expand: '${shown(migration as string)}')` };
}

/** Reviewers of a RepositoryEnvironment (`reviewers: [{teams, users}]`), counted. */
function reviewerCount(environment: PolicyResource): number {
  return known(() => list(environment.props.reviewers), []).reduce<number>(
    (sum, entry) => sum + list(record(entry).teams).length + list(record(entry).users).length,
    0,
  );
}

/**
 * Workflow mode (004 §3): a workflow job that runs migrations with a GitHub environment's
 * credentials runs only once approved, so an environment this stack manages must name reviewers.
 * A job with no environment reaches no environment secret (a CI job migrating its test database).
 */
function judgeMigrationWorkflows(resources: readonly PolicyResource[], report: (message: string, urn: string) => void): number {
  const environments = ofType(resources, TYPES.environment);
  let judged = 0;
  for (const file of ofType(resources, TYPES.repositoryFile)) {
    const path = workflowPath(known(() => text(file.props.file), undefined));
    const content = known(() => text(file.props.content), undefined);
    if (path === undefined || content === undefined) continue;
    const repository = repositoryOf(file.props);
    const jobs = workflowMigrationJobs(content, { urn: file.urn, repository, file: path });
    if ("error" in jobs) continue;
    for (const job of jobs) {
      for (const name of job.environments) {
        // GitHub names environments and repositories case-insensitively: `Prod-DB` is `prod-db`.
        const managed = environments.filter(
          (environment) =>
            text(environment.props.environment)?.toLowerCase() === name.toLowerCase() &&
            known(() => text(environment.props.repository), repository)?.toLowerCase() === repository.toLowerCase(),
        );
        for (const environment of managed) {
          judged++;
          if (reviewerCount(environment) === 0) {
            report(
              `${describe(file)} (repository '${repository}', ${path}) job '${job.id}' runs migrations ('${shown(job.migration)}') in environment '${name}', which has no reviewers (${describe(environment)}), so nobody approves the migration; give the environment required reviewers (004 §3).`,
              file.urn,
            );
          }
        }
      }
    }
  }
  return judged;
}

export const migrationOrder: SlipwayStackPolicy = {
  name: "migration-order",
  description:
    "Expand migrations run before the rollout and contract migrations after it: a Kubernetes Job that runs migrations (recognised by its commands; the slipway.dev/migration-phase label is a hint) " +
    "is a contract when it drops, renames or truncates, and then depends on every Deployment and StatefulSet of its namespace; any other migration Job is an expand, depends on none, " +
    "and every Deployment and StatefulSet of its namespace depends on it (the rollout waits until the migration completed). " +
    "A release's contract migration runs only once the expand it completes shipped in an earlier release production ran (the release manifest's ledger facts). " +
    "A workflow job that runs migrations in a GitHub environment this stack manages runs only once approved: the environment has reviewers (a separate migration workflow, 004 §3).",
  remediationSteps:
    "Give contract (destructive) migration Jobs `dependsOn` every Deployment and StatefulSet of the rollout; remove every Deployment and StatefulSet from an expand Job's dependencies " +
    "and make the workloads depend on the expand Job instead. Label each migration Job `slipway.dev/migration-phase: expand|contract` to state its phase. " +
    "Ship a contract migration (`completes: <expand>`) only in a release after one that shipped its expand reached production. " +
    "Give the environment a migration workflow job runs in required reviewers (slipway:migrations.reviewerTeams).",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["deployJobs", "000 §7", "002 §2"],
  validateStack: (args, reportViolation) => {
    // The release's own record: a contract migration only once the expand it completes shipped
    // in an earlier release production ran (000 §7), judged on the facts the ledger gave the
    // manifest, the same ones promote-validated-artifact reads.
    const releases = manifestsOf(args.resources).filter((reading) => reading.manifest?.migrations !== undefined);
    for (const { manifest, resource } of releases) {
      const shipped = manifest!.ledger?.expandsInProduction ?? [];
      for (const premature of prematureContracts(manifest!.migrations!, shipped)) {
        reportViolation(
          `Release ${manifest!.version} runs contract migration ${premature.contract}, which ${premature.reason} (expands in production so far: ${shipped.length > 0 ? shipped.join(", ") : "none"}); contract only after a full release cycle (000 §7).`,
          resource.urn,
        );
      }
    }
    const workflowMigrations = judgeMigrationWorkflows(args.resources, reportViolation);
    const jobs = ofType(args.resources, TYPES.k8sJob)
      .map(migrationJobOf)
      .filter((job): job is NonNullable<typeof job> => job !== undefined);
    if (jobs.length === 0) {
      if (releases.length === 0 && workflowMigrations === 0) {
        args.notApplicable(
          `the stack has no migration Job (none runs a migration command or is labelled ${MIGRATION_PHASE_LABEL}) and no release manifest declaring migrations`,
        );
      }
      return;
    }
    const rollouts = args.resources.filter((resource) => ROLLOUT_TYPES.includes(resource.type));
    for (const entry of jobs) {
      const { job } = entry;
      if ("badLabel" in entry) {
        reportViolation(`${describe(job)} has ${MIGRATION_PHASE_LABEL}: '${entry.badLabel}'; it must be 'expand' or 'contract'.`, job.urn);
        continue;
      }
      const dependencies = transitiveDependencies(job);
      if (entry.phase === "expand") {
        for (const rollout of rollouts.filter((candidate) => dependencies.has(candidate))) {
          reportViolation(
            `${describe(job)} ${entry.shown} depends on ${describe(rollout)}, so it runs after the rollout; expand migrations must run before it.`,
            job.urn,
          );
        }
        // Job mode: the rollout waits for the expand Job to complete (the engine runs independent resources at once).
        const namespace = namespaceOf(job);
        for (const rollout of rollouts.filter((candidate) => !dependencies.has(candidate) && !transitiveDependencies(candidate).has(job))) {
          const other = namespaceOf(rollout);
          if (namespace !== undefined && other !== undefined && other !== namespace) continue;
          reportViolation(
            `${describe(rollout)} does not depend on ${describe(job)} ${entry.shown}, so it may roll out before the migration completes; make it depend on the expand Job.`,
            rollout.urn,
          );
        }
      } else {
        const namespace = namespaceOf(job);
        const rollout = rollouts.filter((candidate) => {
          const other = namespaceOf(candidate);
          return namespace === undefined || other === undefined || other === namespace;
        });
        for (const workload of rollout.filter((candidate) => !dependencies.has(candidate))) {
          reportViolation(
            `${describe(job)} ${entry.shown} does not depend on ${describe(workload)}, so it may run before the rollout finishes; contract migrations must run after it.`,
            job.urn,
          );
        }
      }
    }
  },
};

/** The deploy-jobs area, in catalogue order. */
export const deployJobPolicies = [deployJobGates, noImplicitMigrations, migrationOrder];
