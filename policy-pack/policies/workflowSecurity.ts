/**
 * Workflow security: the code a managed workflow runs is the code it says it runs. No outsider's
 * text is expanded into a script or a job name (003 §3.3: a required check must mean what it
 * says; 003 §0.2), and every action is an immutable commit (000 §3: immutable, labelled builds,
 * the deploy job's own code included).
 *
 * Both policies judge every workflow file of every repository (any RepositoryFile whose `file` is
 * `.github/workflows/<name>.yml|yaml`), whatever the file, job or step is called: a hand-written
 * `ship.yml` with a `release` job counts as much as Slipway's own `deploy-production.yml`.
 */
import { UnknownValueError, type ResourceValidationArgs } from "@pulumi/policy";
import {
  ACTIONLINT_UNTRUSTED_INPUTS,
  addUntrustedPath,
  describeRead,
  expressionsIn,
  ExpressionSyntaxError,
  untrustedReads,
  untrustedRoots,
  WORKFLOW_RUN_UNTRUSTED_INPUTS,
  type UntrustedRoots,
} from "./shared/expressions";
import { configSchema, readConfig, type SlipwayResourcePolicy } from "./shared/policy";
import { describe, text, TYPES, type Props } from "./shared/resources";
import { credentialFinding } from "./shared/secrets";
import { parseWorkflow, type Workflow, type WorkflowStep } from "./shared/workflows";

/** Whether a RepositoryFile path is a workflow GitHub runs (a leading `/` or `./` tolerated). */
export function isManagedWorkflowPath(file: string): boolean {
  return /^\.github\/workflows\/[^/]+\.ya?ml$/.test(file.replace(/^\.?\//, ""));
}

/** How messages name the file: `RepositoryFile 'ci' (repository 'app', .github/workflows/ci.yml)`. */
function subjectOf(args: ResourceValidationArgs, repository: string, file: string): string {
  return `${describe(args)} (repository '${repository}', ${file})`;
}

/**
 * The repository name, for messages only: a name unknown during preview must not turn a mandatory
 * verdict on the (known) workflow content into a "can't run during preview" advisory.
 */
function repositoryOf(props: Props): string {
  try {
    return text(props.repository) ?? "?";
  } catch (error) {
    if (error instanceof UnknownValueError) return "(known after apply)";
    throw error;
  }
}

/**
 * The workflow a resource writes; undefined (after `notApplicable`) when it is not a workflow.
 * Reading `content` is not guarded: unknown content cannot be judged, and the SDK says so.
 */
function managedWorkflow(
  args: ResourceValidationArgs,
  reportViolation: (message: string) => void,
): { workflow: Workflow; subject: string } | undefined {
  if (args.type !== TYPES.repositoryFile) {
    args.notApplicable("only workflow files are judged");
    return undefined;
  }
  const file = text(args.props.file);
  if (file === undefined || !isManagedWorkflowPath(file)) {
    args.notApplicable("not a workflow file");
    return undefined;
  }
  const repository = repositoryOf(args.props);
  const subject = subjectOf(args, repository, file);
  const parsed = parseWorkflow(text(args.props.content) ?? "", { urn: args.urn, repository, file });
  if ("error" in parsed) {
    // A workflow that cannot be read cannot be shown safe; deploy-job-gates reports only production's.
    reportViolation(`${subject} cannot be judged: ${parsed.error.replace(/:$/, "")}.`);
    return undefined;
  }
  return { workflow: parsed, subject };
}

/** How messages name a step: `steps[2] 'smoke tests'`, `steps[0] (id 'checkout')`, `steps[1]`. */
export function stepLabel(index: number, step: WorkflowStep): string {
  if (step.name !== undefined) return `steps[${index}] '${step.name}'`;
  if (step.id !== undefined) return `steps[${index}] (id '${step.id}')`;
  return `steps[${index}]`;
}

/** Text from the workflow shown in a message, unless it looks like a credential. */
function shown(value: string): string {
  return credentialFinding("expression", value) ? "(not shown: it looks like it holds a credential)" : value;
}

// ---------------------------------------------------------------------------------------------
// workflow-injection-safe

const injectionSchema = configSchema({
  additionalUntrustedInputs: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "More context paths to treat as untrusted, dotted, `*` for any array element or property (`github.event.release.body`, `needs.*.outputs.title`); actionlint's list and the workflow_run equivalents are always included.",
  },
});

interface InjectionConfig {
  additionalUntrustedInputs: string[];
}

/** Where an expression is expanded, and what to do instead. */
interface Sink {
  /** `job 'x' name:`, `job 'x' steps[1] 'y' run:`. */
  where: string;
  /** The template text. */
  template: string;
  /** Roots untrusted in this sink. */
  roots: UntrustedRoots;
  /** The fix, one clause. */
  fix: string;
}

const SCRIPT_FIX = 'pass the value through the step\'s env: and read it as "$VAR" in the script instead';

/** What is wrong with one sink, one message each. */
function sinkProblems(sink: Sink): string[] {
  const problems: string[] = [];
  for (const expression of expressionsIn(sink.template)) {
    const source = shown(expression.source);
    if (expression.unterminated) {
      problems.push(
        `${sink.where} has an unterminated expression ${source} (no closing '}}'), so it cannot be shown safe; close or remove it.`,
      );
      continue;
    }
    let reads: ReturnType<typeof untrustedReads>;
    try {
      reads = untrustedReads(expression.body, sink.roots);
    } catch (error) {
      if (!(error instanceof ExpressionSyntaxError)) throw error;
      problems.push(
        `${sink.where} expands ${source}, which cannot be parsed (${error.message}), so it cannot be shown safe; fix or remove the expression.`,
      );
      continue;
    }
    if (reads.length > 0)
      problems.push(`${sink.where} expands ${source}, which reads untrusted ${reads.map(describeRead).join(" and ")}; ${sink.fix}.`);
  }
  return problems;
}

/** The untrusted values an env value is set from (paths), empty when none. */
function envOrigins(value: string, roots: UntrustedRoots): string[] {
  const origins: string[] = [];
  for (const expression of expressionsIn(value)) {
    if (expression.unterminated) continue;
    try {
      origins.push(...untrustedReads(expression.body, roots).map((read) => read.path));
    } catch (error) {
      // An unparseable env value is GitHub's error to report; it expands nothing into a script.
      if (!(error instanceof ExpressionSyntaxError)) throw error;
    }
  }
  return origins;
}

/**
 * The untrusted roots of a script: `basePaths`, plus `env.X` for each env var X set from an
 * untrusted value by the env maps (outermost first: workflow, job, step; an inner map's value for a
 * name replaces the outer one).
 */
function scriptRoots(basePaths: string[], envMaps: Props[], base: UntrustedRoots = untrustedRoots(basePaths)): UntrustedRoots {
  const tainted = new Map<string, { name: string; from: string }>();
  // `base` (the roots of basePaths alone) is only read: shared by every step without a tainted env var.
  let roots = base;
  for (const map of envMaps) {
    for (const [name, value] of Object.entries(map)) {
      const from = typeof value === "string" ? envOrigins(value, roots) : [];
      if (from.length > 0) tainted.set(name.toLowerCase(), { name, from: from.join(", ") });
      else tainted.delete(name.toLowerCase());
    }
    if (tainted.size === 0) {
      roots = base;
      continue;
    }
    roots = untrustedRoots(basePaths);
    for (const { name, from } of tainted.values()) addUntrustedPath(roots, `env.${name}`, from);
  }
  return roots;
}

/** The untrusted context paths of a sink: job names, or scripts (which also distrust workflow inputs). */
function untrustedPaths(config: InjectionConfig, scripts: boolean): string[] {
  const paths = [...ACTIONLINT_UNTRUSTED_INPUTS, ...WORKFLOW_RUN_UNTRUSTED_INPUTS, ...config.additionalUntrustedInputs];
  // workflow_dispatch / workflow_call inputs: whoever dispatches or calls the workflow chooses them.
  return scripts ? [...paths, "inputs.*", "github.event.inputs.*"] : paths;
}

/** Whether a step runs actions/github-script, whose `script` input is JavaScript expanded like `run:`. */
function isGithubScript(step: WorkflowStep): boolean {
  return step.uses !== undefined && /^actions\/github-script@/i.test(step.uses);
}

export const workflowInjectionSafe: SlipwayResourcePolicy = {
  name: "workflow-injection-safe",
  resourceType: TYPES.repositoryFile,
  description:
    "No untrusted GitHub expression (pull request, issue and comment text, commit messages, branch names, `github.head_ref`, workflow inputs) is expanded into a `run:` script or a job name of a managed workflow.",
  remediationSteps:
    'Move each untrusted `${{ }}` out of the script: set it in the step\'s `env:` (`env: {TITLE: ${{ github.event.pull_request.title }}}`) and use `"$TITLE"` in `run:` ' +
    "(never `${{ env.TITLE }}`, which expands it again); for actions/github-script read `process.env.TITLE`. Remove untrusted expressions from job `name:` (it is the job's status check context).",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["workflowSecurity", "003 §3.3", "003 §0.2"],
  configSchema: injectionSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<InjectionConfig>(injectionSchema, args);
    const managed = managedWorkflow(args, reportViolation);
    if (managed === undefined) return;
    const { workflow, subject } = managed;
    const nameRoots = untrustedRoots(untrustedPaths(config, false));
    const scriptPaths = untrustedPaths(config, true);
    const scriptBase = untrustedRoots(scriptPaths);
    for (const job of workflow.jobs) {
      const sinks: Sink[] = [];
      if (job.name !== undefined) {
        sinks.push({
          where: `job '${job.id}' name:`,
          template: job.name,
          roots: nameRoots,
          fix: "a job's name is its status check context, so remove the expression from it",
        });
      }
      job.steps.forEach((step, index) => {
        const roots = scriptRoots(scriptPaths, [workflow.env, job.env, step.env], scriptBase);
        const where = `job '${job.id}' ${stepLabel(index, step)}`;
        if (step.run !== undefined) sinks.push({ where: `${where} run:`, template: step.run, roots, fix: SCRIPT_FIX });
        const script = text(step.with.script);
        if (isGithubScript(step) && script !== undefined) {
          sinks.push({
            where: `${where} with.script:`,
            template: script,
            roots,
            fix: "pass the value through the step's env: and read process.env.VAR in the script instead",
          });
        }
      });
      for (const sink of sinks) for (const problem of sinkProblems(sink)) reportViolation(`${subject} ${problem}`);
    }
  },
};

// ---------------------------------------------------------------------------------------------
// actions-pinned

const pinnedSchema = configSchema({
  allowedUnpinnedActions: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Actions that may be referenced by tag or branch (`owner/repo`, `owner/repo/path`, or `owner/*`): only for actions your organisation owns and protects. Empty: every action is pinned.",
  },
});

interface PinnedConfig {
  allowedUnpinnedActions: string[];
}

const FULL_SHA = /^[0-9a-f]{40}$/;
const IMAGE_DIGEST = /@sha256:[0-9a-f]{64}$/;

/** Whether the action (the part before `@`) is allowed unpinned by config. */
function allowedUnpinned(action: string, allowed: string[]): boolean {
  const lower = action.toLowerCase();
  return allowed.some((pattern) => {
    const candidate = pattern.toLowerCase();
    if (candidate.endsWith("/*")) return lower.startsWith(candidate.slice(0, -1));
    return lower === candidate || lower.startsWith(`${candidate}/`);
  });
}

/** Why a `uses:` value is not pinned, or undefined when it is (or is exempt). */
export function unpinnedReason(uses: string, allowed: string[] = []): string | undefined {
  const value = uses.trim();
  if (value.startsWith("./")) return undefined;
  if (value.toLowerCase().startsWith("docker://")) {
    return IMAGE_DIGEST.test(value)
      ? undefined
      : "pulls a container image by tag, which can be re-pushed; pin it by digest (docker://<image>@sha256:<64-hex digest>)";
  }
  const at = value.lastIndexOf("@");
  if (at === -1) return "names no ref at all, so it runs whatever the default branch holds; pin it to a full 40-hex commit SHA";
  const [action, ref] = [value.slice(0, at), value.slice(at + 1)];
  if (FULL_SHA.test(ref)) return undefined;
  if (allowedUnpinned(action, allowed)) return undefined;
  if (/^[0-9a-f]{7,39}$/i.test(ref)) return `names an abbreviated SHA '${ref}', which can become ambiguous; use the full 40-hex commit SHA`;
  if (/^[0-9a-f]{40}$/i.test(ref))
    return `names '${ref}', which is not a lower-case commit SHA; write the full 40-hex SHA as git prints it`;
  return `names '${ref}', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: ${action}@<sha> # ${ref})`;
}

export const actionsPinned: SlipwayResourcePolicy = {
  name: "actions-pinned",
  resourceType: TYPES.repositoryFile,
  description:
    "Every `uses:` of a managed workflow (steps and reusable-workflow calls) names a full 40-hex commit SHA; local actions (`./...`) and container images by `@sha256:` digest are exempt.",
  remediationSteps:
    "Replace each `owner/repo@<tag or branch>` with `owner/repo@<full 40-hex commit SHA> # <tag>` (look the SHA up with `git ls-remote https://github.com/owner/repo 'refs/tags/<tag>*'`; " +
    "an annotated tag's commit is its `^{}` line), for steps and for `jobs.<id>.uses` reusable workflows alike; pin `docker://` images as `docker://<image>@sha256:<digest>`.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["workflowSecurity", "000 §3"],
  configSchema: pinnedSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<PinnedConfig>(pinnedSchema, args);
    const managed = managedWorkflow(args, reportViolation);
    if (managed === undefined) return;
    const { workflow, subject } = managed;
    for (const job of workflow.jobs) {
      const uses: [string, string][] = [];
      if (job.uses !== undefined) uses.push([`job '${job.id}' uses:`, job.uses]);
      job.steps.forEach((step, index) => {
        if (step.uses !== undefined) uses.push([`job '${job.id}' ${stepLabel(index, step)} uses:`, step.uses]);
      });
      for (const [where, value] of uses) {
        const reason = unpinnedReason(value, config.allowedUnpinnedActions);
        if (reason !== undefined) reportViolation(`${subject} ${where} ${shown(value)} ${reason}.`);
      }
    }
  },
};

/** The workflow-security area, in catalogue order. */
export const workflowSecurityPolicies = [workflowInjectionSafe, actionsPinned];
