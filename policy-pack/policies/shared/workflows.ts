/**
 * GitHub Actions workflows as the program writes them (RepositoryFile `.github/workflows/*.yml`),
 * read with the `yaml` library into the few facts the policies judge.
 */
import type { PolicyResource } from "@pulumi/policy";
import { parseYaml } from "./yaml";
import { list, ofType, record, strings, text, TYPES, type Props } from "./resources";

/** One step of a job. */
export interface WorkflowStep {
  /** The step's `id`, if any. */
  id?: string;
  /** The step's `name`, if any. */
  name?: string;
  /** The shell script of a `run:` step. */
  run?: string;
  /** The action of a `uses:` step. */
  uses?: string;
  /** The step's `env:` map (values as written, expressions unexpanded). */
  env: Props;
  /** The step's `with:` map (the action's inputs). */
  with: Props;
}

/** One job of a workflow. */
export interface WorkflowJob {
  /** The job id (its key under `jobs:`). */
  id: string;
  /** The job's `name:` as written, if any. */
  name?: string;
  /** The status check context the job reports: its `name`, or its id without one. */
  checkContext: string;
  /** The reusable workflow a caller job runs (`jobs.<id>.uses`), if any. */
  uses?: string;
  /** The job's `env:` map. */
  env: Props;
  /** Whether the job runs a matrix (its contexts get ` (<values>)` appended). */
  matrix: boolean;
  /** The deployment environment name (`environment: x` or `environment: {name: x}`). */
  environment?: string;
  /** Job ids the job needs. */
  needs: string[];
  /** Concurrency group of the job, else of the workflow. */
  concurrencyGroup?: string;
  /** Whether a newer run cancels a running one (`cancel-in-progress`). */
  cancelInProgress: boolean;
  /** The job's steps. */
  steps: WorkflowStep[];
}

/** A parsed workflow file. */
export interface Workflow {
  /** URN of the RepositoryFile that writes it. */
  urn: string;
  /** Repository the file is committed to. */
  repository: string;
  /** Path of the file (`.github/workflows/deploy-production.yml`). */
  file: string;
  /** Events that trigger it (`pull_request`, `push`, ...). */
  triggers: string[];
  /** Its jobs, in file order. */
  jobs: WorkflowJob[];
  /** The workflow's top-level `env:` map. */
  env: Props;
}

/** Whether a repository file path is a workflow. */
export function isWorkflowPath(file: string | undefined): boolean {
  return file !== undefined && /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file);
}

function concurrencyOf(value: unknown): { group?: string; cancelInProgress: boolean } | undefined {
  if (typeof value === "string") return { group: value, cancelInProgress: false };
  if (value === null || typeof value !== "object") return undefined;
  const concurrency = value as Props;
  return { group: text(concurrency.group), cancelInProgress: concurrency["cancel-in-progress"] === true };
}

function triggersOf(on: unknown): string[] {
  if (typeof on === "string") return [on];
  if (Array.isArray(on)) return strings(on);
  return Object.keys(record(on));
}

function jobOf(id: string, value: unknown, workflowConcurrency: ReturnType<typeof concurrencyOf>): WorkflowJob {
  const job = record(value);
  const environment = typeof job.environment === "string" ? job.environment : text(record(job.environment).name);
  const concurrency = concurrencyOf(job.concurrency) ?? workflowConcurrency;
  return {
    id,
    name: text(job.name),
    checkContext: text(job.name) ?? id,
    uses: text(job.uses),
    env: record(job.env),
    matrix: record(job.strategy).matrix !== undefined,
    environment,
    needs: typeof job.needs === "string" ? [job.needs] : strings(job.needs),
    concurrencyGroup: concurrency?.group,
    cancelInProgress: concurrency?.cancelInProgress ?? false,
    steps: list(job.steps).map((entry) => {
      const step = record(entry);
      return {
        id: text(step.id),
        name: text(step.name),
        run: text(step.run),
        uses: text(step.uses),
        env: record(step.env),
        with: record(step.with),
      };
    }),
  };
}

/** Parse workflow YAML; a one-line error when it is not a workflow document. */
export function parseWorkflow(content: string, where: { urn: string; repository: string; file: string }): Workflow | { error: string } {
  let document: unknown;
  try {
    document = parseYaml(content);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
    return { error: `${where.file} is not valid YAML: ${reason}` };
  }
  const root = record(document);
  if (Object.keys(record(root.jobs)).length === 0) return { error: `${where.file} has no 'jobs' map` };
  const workflowConcurrency = concurrencyOf(root.concurrency);
  return {
    urn: where.urn,
    repository: where.repository,
    file: where.file,
    triggers: triggersOf(root.on),
    jobs: Object.entries(record(root.jobs)).map(([id, job]) => jobOf(id, job, workflowConcurrency)),
    env: record(root.env),
  };
}

/** A RepositoryFile's workflow, or undefined when the file is not a workflow. */
export function workflowOfFile(resource: { urn: string; props: Props }): Workflow | { error: string } | undefined {
  const file = text(resource.props.file);
  if (file === undefined || !isWorkflowPath(file)) return undefined;
  const content = text(resource.props.content) ?? "";
  const repository = text(resource.props.repository) ?? "";
  return parseWorkflow(content, { urn: resource.urn, repository, file });
}

/** Every workflow the stack writes (unparseable files are skipped here; deploy-job-gates reports them). */
export function workflowsOf(resources: PolicyResource[]): Workflow[] {
  const workflows: Workflow[] = [];
  for (const resource of ofType(resources, TYPES.repositoryFile)) {
    const workflow = workflowOfFile(resource);
    if (workflow && !("error" in workflow)) workflows.push(workflow);
  }
  return workflows;
}

/** Events that run a workflow for a pull request, so its checks report on the PR. */
export const PULL_REQUEST_EVENTS = ["pull_request", "pull_request_target", "merge_group"];

/** Whether a job of the workflow produces the status check context. */
export function jobProducesCheck(job: WorkflowJob, context: string): boolean {
  if (job.checkContext === context) return true;
  // A matrix job reports one context per combination: `<name> (<values>)`.
  return job.matrix && context.startsWith(`${job.checkContext} (`);
}
