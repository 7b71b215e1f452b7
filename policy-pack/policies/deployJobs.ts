/**
 * Deploy jobs (000 §3–4, 001, 002 §4, 004 §3, §5–6): the production deploy job is gated and
 * serialised, checks itself and leaves a marker; migrations never ride along implicitly
 * and run in expand/contract order around the rollout (000 §7, 002 §2).
 */
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import { describe, isProductionEnvironment, list, ofType, podSpecsOf, quoteList, record, strings, text, transitiveDependencies, TYPES } from "./shared/resources";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";
import { isWorkflowPath, workflowOfFile, type Workflow, type WorkflowJob } from "./shared/workflows";

const deployJobSetting = {
    deployJobId: {
        type: "string" as const,
        default: "deploy",
        description: "Id of the deploy job in the deploy workflows.",
    },
};

const deployJobGatesSchema = configSchema(productionStacksSetting, deployJobSetting, {
    productionWorkflows: {
        type: "array",
        items: { type: "string" },
        default: [".github/workflows/deploy-production.yml"],
        description: "Workflow files that must contain the production deploy job.",
    },
    smokeStepId: { type: "string", default: "smoke", description: "Id of the step that runs the smoke checks." },
    deployMarkerStepId: { type: "string", default: "deploy-marker", description: "Id of the step that writes the deploy marker (version + SHA)." },
});

interface DeployJobGatesConfig extends ProductionStacksConfig {
    deployJobId: string;
    productionWorkflows: string[];
    smokeStepId: string;
    deployMarkerStepId: string;
}

/** What is wrong with a production deploy job, one phrase each. */
function deployJobProblems(workflow: Workflow, job: WorkflowJob, config: DeployJobGatesConfig): string[] {
    const problems: string[] = [];
    if (job.needs.length === 0) problems.push("does not need the test jobs (needs: none), so it can deploy untested code");
    const jobIds = workflow.jobs.map((candidate) => candidate.id);
    for (const need of job.needs.filter((id) => !jobIds.includes(id))) problems.push(`needs '${need}', which is not a job of this workflow`);
    if (job.concurrencyGroup === undefined) problems.push("is not serialised (no concurrency group), so two production deploys can overlap");
    else if (job.cancelInProgress) problems.push(`sets cancel-in-progress: true on concurrency group '${job.concurrencyGroup}', which would cancel a production deploy half-way`);
    const stepIds = job.steps.map((step) => step.id).filter((id): id is string => id !== undefined);
    if (!stepIds.includes(config.smokeStepId)) problems.push(`runs no smoke checks (no step with id '${config.smokeStepId}'; step ids: ${quoteList(stepIds)})`);
    if (!stepIds.includes(config.deployMarkerStepId)) problems.push(`writes no deploy marker (no step with id '${config.deployMarkerStepId}')`);
    return problems;
}

export const deployJobGates: SlipwayResourcePolicy = {
    name: "deploy-job-gates",
    description:
        "The production deploy job uses the production environment, needs the test jobs, is serialised by a concurrency group that never cancels a running deploy, runs the smoke checks and writes a deploy marker.",
    remediationSteps:
        "In the production deploy workflow give job 'deploy' `environment: {name: production}`, `needs: [<test jobs>]`, " +
        "`concurrency: {group: deploy-production, cancel-in-progress: false}`, a step with `id: smoke` running the smoke checks and a step with `id: deploy-marker` writing version and SHA.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["deployJobs", "000 §3", "000 §4", "001", "002 §4", "004 §6"],
    configSchema: deployJobGatesSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== TYPES.repositoryFile) return args.notApplicable("only workflow files are judged");
        const config = readConfig<DeployJobGatesConfig>(deployJobGatesSchema, args);
        const file = text(args.props.file);
        if (!isWorkflowPath(file)) return args.notApplicable("not a workflow file");
        const designated = config.productionWorkflows.includes(file as string);
        const workflow = workflowOfFile(args);
        const subject = `${describe(args)} (${file})`;
        if (workflow === undefined || "error" in workflow) {
            if (!designated) return args.notApplicable("not a production deploy workflow");
            reportViolation(`${subject} cannot be read: ${workflow?.error ?? "no content"}.`);
            return;
        }
        const deployJob = workflow.jobs.find((job) => job.id === config.deployJobId);
        const isProductionJob = deployJob !== undefined && isProductionEnvironment(deployJob.environment, config.productionStacks);
        if (!designated && !isProductionJob) return args.notApplicable("the workflow has no production deploy job");
        if (deployJob === undefined) {
            reportViolation(`${subject} has no job '${config.deployJobId}' (jobs: ${quoteList(workflow.jobs.map((job) => job.id))}).`);
            return;
        }
        if (!isProductionJob) {
            reportViolation(`${subject} job '${deployJob.id}' does not use the production environment (environment: ${deployJob.environment ?? "none"}), so it deploys without production's approval and secrets scoping.`);
        }
        for (const problem of deployJobProblems(workflow, deployJob, config)) reportViolation(`${subject} job '${deployJob.id}' ${problem}.`);
    },
};

const noImplicitMigrationsSchema = configSchema(deployJobSetting, {
    migrationCommandPatterns: {
        type: "array",
        items: { type: "string" },
        default: ["\\bmigrate\\b", "alembic\\s+upgrade", "db:migrate", "flyway", "liquibase", "supabase\\s+db\\s+push", "schema:update"],
        description: "Regular expressions (case-insensitive) that recognise a migration command.",
    },
});

/** The first migration command pattern a script matches, as matched text. */
function migrationIn(script: string, patterns: string[]): string | undefined {
    for (const pattern of patterns) {
        const match = new RegExp(pattern, "i").exec(script);
        if (match) return match[0];
    }
    return undefined;
}

/** Workloads whose containers start with every rollout (Jobs are the explicit way to migrate). */
const LONG_RUNNING_WORKLOADS: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet, TYPES.k8sDaemonSet];

function judgeContainers(args: ResourceValidationArgs, patterns: string[], report: (message: string) => void): void {
    for (const podSpec of podSpecsOf(args.type, args.props)) {
        const containers: [string, unknown][] = [
            ...list(podSpec.initContainers).map((container): [string, unknown] => ["init container", container]),
            ...list(podSpec.containers).map((container): [string, unknown] => ["container", container]),
        ];
        for (const [role, value] of containers) {
            const container = record(value);
            const command = [...strings(container.command), ...strings(container.args)].join(" ");
            const found = migrationIn(command, patterns);
            if (found) report(`${describe(args)} ${role} '${text(container.name) ?? "?"}' runs migrations on container start ('${found}'); run them in a migration Job instead.`);
        }
    }
}

function judgeRepositoryFile(args: ResourceValidationArgs, config: { deployJobId: string; migrationCommandPatterns: string[] }, report: (message: string) => void): void {
    const file = text(args.props.file) ?? "";
    const content = text(args.props.content) ?? "";
    if (/(^|\/)Procfile$/.test(file)) {
        if (/^release\s*:/m.test(content)) report(`${describe(args)} (${file}) declares a Heroku release phase, which runs migrations implicitly on every deploy.`);
        return;
    }
    if (/(^|\/)heroku\.yml$/.test(file)) {
        if (/^release\s*:/m.test(content)) report(`${describe(args)} (${file}) declares a Heroku release phase, which runs migrations implicitly on every deploy.`);
        return;
    }
    const workflow = workflowOfFile(args);
    if (workflow === undefined) return args.notApplicable("the file is neither a workflow nor a Heroku process file");
    if ("error" in workflow) return args.notApplicable(`the workflow cannot be read (${workflow.error}); deploy-job-gates reports it`);
    for (const job of workflow.jobs.filter((candidate) => candidate.id === config.deployJobId)) {
        for (const step of job.steps) {
            const found = migrationIn(step.run ?? "", config.migrationCommandPatterns);
            if (found) {
                report(`${describe(args)} (${file}) job '${job.id}' step '${step.id ?? step.name ?? "?"}' runs migrations inside the deploy ('${found}'); run them in a separate job the deploy needs.`);
            }
        }
    }
}

export const noImplicitMigrations: SlipwayResourcePolicy = {
    name: "no-implicit-migrations",
    description:
        "Migrations never run implicitly: no Heroku release phase, no migration inside a deploy step, no migration in a container's start command.",
    remediationSteps:
        "Remove the Heroku `release` formation / Procfile `release:` line; move migration commands out of the deploy job into their own job (or a Kubernetes migration Job " +
        "labelled slipway.dev/migration-phase) and out of container command/args and init containers.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["deployJobs", "004 §3", "004 §5"],
    configSchema: noImplicitMigrationsSchema,
    validateResource: (args, reportViolation) => {
        const config = readConfig<{ deployJobId: string; migrationCommandPatterns: string[] }>(noImplicitMigrationsSchema, args);
        if (args.type === TYPES.herokuFormation) {
            const type = text(args.props.type);
            if (type === "release") reportViolation(`${describe(args)} declares a release phase (type: release), which runs migrations implicitly on every deploy.`);
            return;
        }
        if (LONG_RUNNING_WORKLOADS.includes(args.type)) return judgeContainers(args, config.migrationCommandPatterns, reportViolation);
        if (args.type === TYPES.repositoryFile) return judgeRepositoryFile(args, config, reportViolation);
        return args.notApplicable("the resource runs no deploy or container start");
    },
};

/** Label on Kubernetes migration Jobs: `expand` runs before the rollout, `contract` after it. */
export const MIGRATION_PHASE_LABEL = "slipway.dev/migration-phase";

/** Namespace of a Kubernetes resource (`default` when unset). */
function namespaceOf(resource: PolicyResource): string {
    return text(record(resource.props.metadata).namespace) ?? "default";
}

export const migrationOrder: SlipwayStackPolicy = {
    name: "migration-order",
    description:
        "Expand migrations run before the rollout and contract migrations after it: an expand Job depends on no Deployment, a contract Job depends on every Deployment of its namespace.",
    remediationSteps:
        "Label each migration Job `slipway.dev/migration-phase: expand|contract`; give contract Jobs `dependsOn` every Deployment of the rollout and remove any Deployment from an expand Job's dependencies " +
        "(make the Deployments depend on the expand Job instead).",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["deployJobs", "000 §7", "002 §2"],
    validateStack: (args, reportViolation) => {
        const migrations = ofType(args.resources, TYPES.k8sJob).filter(
            (job) => record(record(job.props.metadata).labels)[MIGRATION_PHASE_LABEL] !== undefined,
        );
        if (migrations.length === 0) return args.notApplicable(`the stack has no Job labelled ${MIGRATION_PHASE_LABEL}`);
        const deployments = ofType(args.resources, TYPES.k8sDeployment);
        for (const job of migrations) {
            const phase = record(record(job.props.metadata).labels)[MIGRATION_PHASE_LABEL];
            const dependencies = transitiveDependencies(job);
            if (phase === "expand") {
                for (const deployment of deployments.filter((candidate) => dependencies.has(candidate))) {
                    reportViolation(`${describe(job)} (expand) depends on ${describe(deployment)}, so it runs after the rollout; expand migrations must run before it.`, job.urn);
                }
            } else if (phase === "contract") {
                const rollout = deployments.filter((deployment) => namespaceOf(deployment) === namespaceOf(job));
                for (const deployment of rollout.filter((candidate) => !dependencies.has(candidate))) {
                    reportViolation(`${describe(job)} (contract) does not depend on ${describe(deployment)}, so it may run before the rollout finishes; contract migrations must run after it.`, job.urn);
                }
            } else {
                reportViolation(`${describe(job)} has ${MIGRATION_PHASE_LABEL}: '${String(phase)}'; it must be 'expand' or 'contract'.`, job.urn);
            }
        }
    },
};

/** The deploy-jobs area, in catalogue order. */
export const deployJobPolicies = [deployJobGates, noImplicitMigrations, migrationOrder];
