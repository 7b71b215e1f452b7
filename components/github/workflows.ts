/**
 * The GitHub Actions workflows Slipway generates and commits to the governed repositories.
 *
 * - `pr-checks.yml` (every repository): one job per required check, named after the check's
 *   context, so every required status check is produced by a job (003 §3.3). A required check
 *   nobody produces blocks merges forever; a job whose name drifts from its check is worse.
 * - `policy-gate.yml` (deploy repositories): the offline `slipway gate`, its comment and code
 *   scanning upload, and a real `pulumi preview --policy-pack` of each stack before production
 *   (policyGate.ts).
 * - `deploy-<stack>.yml` (deploy repositories): tests, then, in the stack's GitHub environment
 *   (approval, soak, protected refs), the release goes live only after its checks (003 §5.1,
 *   000 §4): a `candidate` update builds it where customers do not reach it, its smoke checks
 *   run, a `live` update moves traffic, the smoke checks run again; then a deploy marker with
 *   version and SHA and the ledger entry (000 §3-4, 004 §6). When any of that fails, the job
 *   restores the previous release on its own and the ledger records it with the reason.
 * - `drift.yml` (deploy repositories): the scheduled drift check of every deploy stack (drift.ts).
 *
 * Workflows are built as objects and serialised with the `yaml` package: structure is never
 * assembled from strings. The deploy job reads the deployed version and the environment URL from
 * the stack's outputs (`STACK_OUTPUTS`), so the marker names what `pulumi up` actually applied.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import * as YAML from "yaml";
import type { RepositoryConfig } from "../../config/config";
import { POLICY_CONFIG_FILE, type ReleaseLevel } from "../../contract";
import { SLIPWAY_BIN, shellJoin, upCommand } from "../../contract/commands";
import { DEFAULT_STAGING_SOAK_MINUTES, GO_LIVE_ENV, type GoLivePhase, type MigrationMode } from "../../contract/release";
import { ACTIONS, ACTION_VERSIONS } from "./actions";
import { driftWorkflow } from "./drift";
import {
  type GeneratorSettings,
  type Job,
  LEDGER_CHECKOUT,
  LEDGER_ENV,
  ledgerCheckoutStep,
  pulumiAccess,
  pulumiSetupStep,
  type PulumiCloudOidc,
  READ_ONLY,
  setupSteps,
  shellWord,
  type Step,
  uniqueJobId,
  type Workflow,
} from "./jobs";
import {
  flagsChangedStep,
  keepStackFileStep,
  LEDGER_ANCHOR_ENV,
  ledgerJob,
  STACK_OUTPUTS,
  smokeStep,
  stackOutputsStep,
  upStepEnv,
} from "./deploySteps";
import { migrateWorkflow, migrationRecordedStep } from "./migrations";
import { policyGateWorkflow } from "./policyGate";
import { rollbackWorkflow } from "./rollback";
import { flagWorkflow } from "./flagSwitch";
import { hotfixIncidentJob, publishReleaseJob } from "./paperTrail";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";
import { nextTurn } from "../nextTurn";

export { ACTIONS, ACTION_VERSIONS, LEDGER_CHECKOUT };
export { LEDGER_ANCHOR_ENV, ledgerJob, STACK_OUTPUTS, stackOutputsStep, upStepEnv };

/** The artifact that carries the stack file a failed deploy restored to its ledger job (and to whoever merges it). */
export const RESTORED_STACK_FILE_ARTIFACT = "restored-stack-file";

/**
 * Why the deploy restored the previous release, from the outcomes of its steps (env UP, SMOKE,
 * GO_LIVE, SMOKE_LIVE): the first that did not succeed, and the run, as `$reason`. It becomes the rollback's
 * reason, so the ledger's `rolled-back` line (production) or `staged` line (staging) carries it.
 */
export const RESTORE_REASON_SCRIPT = [
  'failed="pulumi up (candidate)"',
  'if [ "$UP" = success ]; then failed="the smoke checks of the candidate"; fi',
  'if [ "$SMOKE" = success ]; then failed="pulumi up (live)"; fi',
  'if [ "$GO_LIVE" = success ]; then failed="the smoke checks of the live release"; fi',
  'if [ "$SMOKE_LIVE" = success ]; then failed="the deploy marker"; fi',
  'reason="${failed} failed on ${STACK}; the previous release was restored automatically (${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID})"',
].join("\n");

/** Env of a `pulumi up` step in a go-live phase. */
function phaseEnv(upEnv: Record<string, string>, phase: GoLivePhase): Record<string, string> {
  return { ...upEnv, [GO_LIVE_ENV]: phase };
}

export { POLICY_CONFIG_FILE };

/** A repository the workflows are written to; a `ReleaseRepository` fits as is. */
export interface WorkflowRepository {
  /** The repository's validated config: checks, check commands, default branch, tag patterns. */
  config: RepositoryConfig;
  /** Repository name as an input (e.g. `ReleaseRepository.repositoryName`) so files wait for the repository; default `config.name`. */
  repositoryName?: pulumi.Input<string>;
  /** Default branch as an input (e.g. `ReleaseRepository.defaultBranch`) so files wait for it; default `config.defaultBranch`. */
  defaultBranch?: pulumi.Input<string>;
}

/** Inputs of `DeployWorkflows`. */
export interface DeployWorkflowsArgs {
  /** Governed repositories: each gets `pr-checks.yml`. */
  repositories: WorkflowRepository[];
  /** Stacks a deploy workflow is generated for, in promotion order (`slipway:github.deployStacks`); the last one is production. */
  deployStacks: string[];
  /** Repositories whose workflows run the Slipway program (`deployRepositories(config)`): each gets `policy-gate.yml`, `deploy-<stack>.yml` and `drift.yml`; default: the first repository. */
  deployRepositories?: string[];
  /** Environment secrets `pulumi up` receives as env vars (provider credentials); `PULUMI_ACCESS_TOKEN` is always passed, unless OIDC replaces it. */
  deploySecretNames?: string[];
  /** Pulumi Cloud OIDC (`slipway:github.pulumiCloudOidc`): every job trades its OIDC token for a short-lived team token; absent: jobs read `PULUMI_ACCESS_TOKEN` from their environment. */
  pulumiCloudOidc?: PulumiCloudOidc;
  /** Node.js version the jobs run; default `20`. */
  nodeVersion?: string;
  /** Branch the deploy workflows append the release ledger to; default `slipway-ledger`. */
  ledgerBranch?: string;
  /** Staging soak minutes per release level (the policy statement's); default the playbooks'. Sizes the soak job's timeout. */
  stagingSoakMinutes?: Readonly<Record<ReleaseLevel, number>>;
  /** `slipway:migrations.mode`: `workflow` adds `migrate-<stack>.yml` per deploy stack and the deploy's check of its ledger record; default `job`. */
  migrationsMode?: MigrationMode;
}

/** One generated workflow file. */
export interface GeneratedWorkflow {
  /** Repository (config name) the file is committed to. */
  repository: string;
  /** Path in the repository: `.github/workflows/<name>.yml`. */
  path: string;
  /** The workflow YAML. */
  content: string;
}

/** The checks a repository's workflows produce: required and L3 checks, minus those produced elsewhere. */
export function producedChecks(config: RepositoryConfig): string[] {
  return [...new Set([...config.requiredChecks, ...config.l3Checks])].filter((check) => !config.externalChecks.includes(check));
}

/** The shell command of a check: configured, else `npm run <check>`. */
export function checkCommand(config: RepositoryConfig, check: string): string {
  return config.checkCommands[check] ?? `npm run ${shellWord(check)}`;
}

/** `pr-checks.yml`: one job per produced check, its `name` being the check's context. */
export function prChecksWorkflow(config: RepositoryConfig, settings: GeneratorSettings): Workflow {
  const jobs: Record<string, Job> = {};
  for (const check of producedChecks(config)) {
    jobs[uniqueJobId(check, jobs)] = {
      name: check,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      steps: [...setupSteps(settings), { name: check, run: checkCommand(config, check) }],
    };
  }
  return {
    name: "pr-checks",
    on: { pull_request: { branches: [config.defaultBranch] } },
    permissions: READ_ONLY,
    // A new push supersedes the checks of the old one.
    concurrency: { group: "pr-checks-${{ github.ref }}", "cancel-in-progress": true },
    jobs,
  };
}

/**
 * `deploy-<stack>.yml`. Pre-production stacks deploy the default branch, record `staged`, soak,
 * run the smoke checks again and record `validated`; the last stack (production) deploys release
 * tags or a manual dispatch, after the environment's approval and wait timer, and records what it
 * deployed (`promoted`, `hotfix`, or a rollback's `rolled-back`) with its approvers. Every deploy first verifies the ledger from the head the stack
 * last deployed from (its `SLIPWAY_LEDGER_ANCHOR`), before `pulumi up` reads it.
 */
export function deployWorkflow(config: RepositoryConfig, deployStacks: string[], stack: string, settings: GeneratorSettings): Workflow {
  const production = stack === deployStacks[deployStacks.length - 1];
  const checks = producedChecks(config).filter((check) => config.requiredChecks.includes(check));
  const testSteps: Step[] =
    checks.length > 0 ? checks.map((check) => ({ name: check, run: checkCommand(config, check) })) : [{ name: "test", run: "npm test" }];
  const access = pulumiAccess(settings, stack, 60);
  const upEnv = upStepEnv(access.env, settings, production);
  const stepOutput = (output: string) => `\${{ steps.stack-outputs.outputs.${output} }}`;
  const smoke = (url: string, id?: string, name?: string): Step => smokeStep(stack, url, id, name);
  // After any failure from the first update on: the previous release, back on its own (000 §4).
  const restoring = "${{ failure() && steps.pulumi-up.outcome != 'skipped' }}";

  const jobs: Record<string, Job> = {
    test: {
      name: "test",
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      steps: [...setupSteps(settings), ...testSteps],
    },
    deploy: {
      name: `deploy-${stack}`,
      // Production: a hotfix ships only for an open incident (000 §6.6).
      needs: production ? ["test", "incident"] : ["test"],
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 60,
      // The environment brings the reviewers, the wait timer, the allowed refs and the secrets.
      environment: { name: stack, url: stepOutput(STACK_OUTPUTS.environmentUrl) },
      // One deploy per stack at a time, and a queued deploy never cancels a running one.
      concurrency: { group: `deploy-${stack}`, "cancel-in-progress": false },
      ...(settings.pulumiCloudOidc !== undefined ? { permissions: access.permissions } : {}),
      outputs: {
        version: "${{ steps.deploy-marker.outputs.version }}",
        url: stepOutput(STACK_OUTPUTS.environmentUrl),
        // A failed deploy that restored the previous release: its ledger job records it.
        restored: "${{ steps.smoke-restored.outcome == 'success' }}",
        "restored-version": "${{ steps.restore.outputs.to }}",
        // The flags whose served value this deploy changes: the `flags` ledger job records each.
        flags: "${{ steps.flags-changed.outputs.flags }}",
      },
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        {
          name: "verify the ledger from the stack's anchor",
          env: { ...LEDGER_ENV, ...LEDGER_ANCHOR_ENV },
          run: `${SLIPWAY_BIN} ledger verify`,
        },
        // Workflow mode: the release's migration ran, approved, before this deploy (004 §3).
        ...(settings.migrationsMode === "workflow" ? [migrationRecordedStep(stack)] : []),
        flagsChangedStep(stack),
        pulumiSetupStep(),
        ...access.steps,
        {
          // Vercel: a deployment no domain points at; Heroku: the candidate app. The domains and
          // the live app stay on the release they run. Kubernetes rolls out, gated on readiness.
          name: `pulumi up (${stack}, candidate: traffic stays on the live release)`,
          id: "pulumi-up",
          run: shellJoin(upCommand(stack)),
          env: phaseEnv(upEnv, "candidate"),
        },
        stackOutputsStep(stack, access.env),
        {
          name: "smoke the candidate (003 §5.1: not released until its checks pass)",
          id: "smoke",
          env: { CANDIDATE_URLS: stepOutput(STACK_OUTPUTS.candidateUrls) },
          run: [
            `: "\${CANDIDATE_URLS:?the stack exported no ${STACK_OUTPUTS.candidateUrls}}"`,
            'urls="$(jq -r \'.[]\' <<<"$CANDIDATE_URLS")"',
            'if [ -z "$urls" ]; then echo "::notice title=smoke::no candidate: a Kubernetes rollout is gated on readiness and smoked live below"; fi',
            "for url in $urls; do",
            `  npm run smoke -- --env ${shellWord(stack)} --url "$url"`,
            "done",
          ].join("\n"),
        },
        {
          name: `pulumi up (${stack}, live: traffic moves to the release)`,
          id: "go-live",
          run: shellJoin(upCommand(stack)),
          env: phaseEnv(upEnv, "live"),
        },
        smoke(stepOutput(STACK_OUTPUTS.environmentUrl), "smoke-live", "smoke the live release"),
        {
          name: "deploy marker",
          id: "deploy-marker",
          env: { VERSION: stepOutput(STACK_OUTPUTS.releaseVersion), STACK: stack },
          run: [
            `: "\${VERSION:?the stack exported no ${STACK_OUTPUTS.releaseVersion}}"`,
            'echo "DEPLOY ${VERSION} ${GITHUB_SHA} to ${STACK}" >> "$GITHUB_STEP_SUMMARY"',
            'echo "::notice title=deploy marker::DEPLOY ${VERSION} ${GITHUB_SHA} to ${STACK}"',
            'echo "version=${VERSION}" >> "$GITHUB_OUTPUT"',
          ].join("\n"),
        },
        // The release failed: restore the previous one (the job still fails).
        {
          name: "restore the previous release: slipway rollback",
          id: "restore",
          if: restoring,
          env: {
            ...LEDGER_ENV,
            STACK: stack,
            UP: "${{ steps.pulumi-up.outcome }}",
            SMOKE: "${{ steps.smoke.outcome }}",
            GO_LIVE: "${{ steps.go-live.outcome }}",
            SMOKE_LIVE: "${{ steps.smoke-live.outcome }}",
          },
          shell: "bash",
          run: [
            RESTORE_REASON_SCRIPT,
            'echo "::error title=release failed::${reason}"',
            `${SLIPWAY_BIN} rollback --stack "$STACK" --reason "$reason" --github-output "$GITHUB_OUTPUT" | tee "$RUNNER_TEMP/restore.txt"`,
            '{ echo "### restored the previous release"; echo; echo \'```diff\'; cat "$RUNNER_TEMP/restore.txt"; echo \'```\'; } >> "$GITHUB_STEP_SUMMARY"',
          ].join("\n"),
        },
        {
          name: `pulumi up (${stack}, restore the previous release)`,
          id: "restore-up",
          if: "${{ failure() && steps.restore.outcome == 'success' }}",
          run: shellJoin(upCommand(stack)),
          env: phaseEnv(upEnv, "live"),
        },
        { ...stackOutputsStep(stack, access.env, "restored-outputs"), if: "${{ failure() && steps.restore-up.outcome == 'success' }}" },
        {
          ...smoke(
            `\${{ steps.restored-outputs.outputs.${STACK_OUTPUTS.environmentUrl} }}`,
            "smoke-restored",
            "smoke the restored release",
          ),
          if: "${{ failure() && steps.restored-outputs.outcome == 'success' }}",
        },
        keepStackFileStep(
          stack,
          RESTORED_STACK_FILE_ARTIFACT,
          "keep the stack file it restored",
          "${{ failure() && steps.smoke-restored.outcome == 'success' }}",
        ),
      ],
    },
  };
  // The restore, on the ledger: production's rolled-back (from the restored stack file, with the
  // reason), staging's previous release staged again with the rollback's marker and reason.
  const restoredLedger = ledgerJob(
    stack,
    production ? "deployed" : "staged",
    ["deploy"],
    settings,
    [
      {
        name: "the stack file the deploy restored",
        uses: ACTIONS.downloadArtifact,
        with: { name: RESTORED_STACK_FILE_ARTIFACT, path: "." },
      },
    ],
    "deploy",
    "restored-version",
  );
  jobs.restored = {
    ...restoredLedger,
    name: production ? "ledger: rolled-back (restored)" : "ledger: staged (restored)",
    if: "${{ failure() && needs.deploy.outputs.restored == 'true' }}",
  };
  if (production) {
    // What production deployed decides the event: promoted, hotfix, or a rollback's rolled-back.
    jobs.ledger = ledgerJob(stack, "deployed", ["deploy"], settings);
    // After the release's own line: a flag event records the release production runs.
    jobs.flags = flagsLedgerJob(stack, ["deploy", "ledger"], settings);
    // The paper trail: the hotfix's incident is open before, the GitHub Release after (paperTrail.ts).
    jobs.incident = hotfixIncidentJob(settings);
    jobs.release = publishReleaseJob(settings);
  } else {
    jobs.staged = ledgerJob(stack, "staged", ["deploy"], settings);
    jobs.flags = flagsLedgerJob(stack, ["deploy", "staged"], settings);
    // The soak (000 §3, 003 §4.4): wait the release level's minutes from the staged line, run the
    // smoke checks again at the end, and only then may the run record validated.
    jobs.soak = {
      name: "soak",
      needs: ["deploy", "staged"],
      "runs-on": "ubuntu-latest",
      "timeout-minutes": Math.max(...Object.values(settings.stagingSoakMinutes)) + 30,
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        {
          name: "wait out the soak window",
          env: { ...LEDGER_ENV, VERSION: "${{ needs.deploy.outputs.version }}" },
          run: `${SLIPWAY_BIN} ledger soak --version "$VERSION"`,
        },
        smoke("${{ needs.deploy.outputs.url }}"),
      ],
    };
    jobs.validated = ledgerJob(stack, "validated", ["deploy", "soak"], settings);
  }
  return {
    name: `deploy-${stack}`,
    on: production ? { push: { tags: config.releaseTagPatterns }, workflow_dispatch: {} } : { push: { branches: [config.defaultBranch] } },
    permissions: READ_ONLY,
    jobs,
  };
}

/** The ledger job that records a `flag` event per flag the deploy served differently; only when there is one. */
function flagsLedgerJob(stack: string, needs: string[], settings: GeneratorSettings): Job {
  return { ...ledgerJob(stack, "flag", needs, settings), name: "ledger: flag", if: "${{ needs.deploy.outputs.flags != '' }}" };
}

/** Serialise a workflow, with a header saying where it comes from. */
export function workflowYaml(workflow: Workflow): string {
  // Shared objects (one env map in two steps) are written out in full: no YAML anchors.
  const document = new YAML.Document(workflow, { aliasDuplicateObjects: false });
  document.commentBefore = " Generated by Slipway from the stack config: edit Pulumi.<stack>.yaml, not this file.";
  // A pinned action carries its version as a comment: `uses: actions/checkout@<sha> # v4.4.0`.
  YAML.visit(document, {
    Pair(_, pair) {
      if (YAML.isScalar(pair.key) && pair.key.value === "uses" && YAML.isScalar(pair.value) && ACTION_VERSIONS[String(pair.value.value)]) {
        pair.value.comment = ` ${ACTION_VERSIONS[String(pair.value.value)]}`;
      }
    },
  });
  return document.toString({ lineWidth: 0 });
}

/** Every workflow file of every repository, as plain data. */
export function generateWorkflows(args: DeployWorkflowsArgs): GeneratedWorkflow[] {
  const settings: GeneratorSettings = {
    nodeVersion: args.nodeVersion ?? "20",
    ledgerBranch: args.ledgerBranch ?? "slipway-ledger",
    deploySecretNames: args.deploySecretNames ?? [],
    stagingSoakMinutes: args.stagingSoakMinutes ?? DEFAULT_STAGING_SOAK_MINUTES,
    pulumiCloudOidc: args.pulumiCloudOidc,
    migrationsMode: args.migrationsMode ?? "job",
  };
  const configs = args.repositories.map((repository) => repository.config);
  const deployNames = args.deployRepositories ?? configs.slice(0, 1).map((config) => config.name);
  const deployConfigs = deployNames.map((deployName) => {
    const deployConfig = configs.find((config) => config.name === deployName);
    if (deployConfig === undefined) {
      throw new Error(
        `slipway:github.deployRepositories: names '${deployName}', which is not one of the repositories (${configs.map((c) => c.name).join(", ")})`,
      );
    }
    return deployConfig;
  });
  const file = (repository: string, name: string, workflow: Workflow): GeneratedWorkflow => ({
    repository,
    path: `.github/workflows/${name}.yml`,
    content: workflowYaml(workflow),
  });
  return [
    ...configs.map((config) => file(config.name, "pr-checks", prChecksWorkflow(config, settings))),
    ...deployConfigs.flatMap((deployConfig) => [
      file(deployConfig.name, "policy-gate", policyGateWorkflow(deployConfig, args.deployStacks, settings)),
      ...args.deployStacks.map((stack) =>
        file(deployConfig.name, `deploy-${stack}`, deployWorkflow(deployConfig, args.deployStacks, stack, settings)),
      ),
      file(deployConfig.name, "drift", driftWorkflow(args.deployStacks, settings)),
      file(deployConfig.name, "rollback", rollbackWorkflow(args.deployStacks, settings)),
      file(deployConfig.name, "flag", flagWorkflow(args.deployStacks, settings)),
      ...(settings.migrationsMode === "workflow"
        ? args.deployStacks.map((stack) => file(deployConfig.name, `migrate-${stack}`, migrateWorkflow(stack, settings)))
        : []),
    ]),
  ];
}

/** Branch Slipway commits generated workflows to; a pull request carries them to the default branch. */
export const WORKFLOWS_BRANCH = "slipway/workflows";

/** The generated workflows, committed to `slipway/workflows` in each repository. */
export class DeployWorkflows extends pulumi.ComponentResource {
  /** Every generated workflow, as YAML text (for review and linting). */
  readonly workflows: GeneratedWorkflow[];
  /** The committed files, one per workflow, in the order of `workflows` (all there once `ready` settled). */
  readonly files: github.RepositoryFile[] = [];
  /** Settles once every file exists and the outputs are registered. */
  readonly ready: Promise<void>;

  constructor(name: string, args: DeployWorkflowsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.deployWorkflows, name, {}, opts);
    this.workflows = generateWorkflows(args);
    this.ready = this.commit(name, args);
  }

  /**
   * Creates the files a batch at a time, yielding to the event loop in between: hundreds of
   * repositories mean thousands of files, and those created register while the rest are built.
   */
  private async commit(name: string, args: DeployWorkflowsArgs): Promise<void> {
    const repositories = new Map<string, WorkflowRepository>();
    for (const repository of args.repositories)
      if (!repositories.has(repository.config.name)) repositories.set(repository.config.name, repository);
    for (const [index, workflow] of this.workflows.entries()) {
      if (index > 0 && index % FILES_PER_TURN === 0) await nextTurn();
      const target = repositories.get(workflow.repository)!;
      const fileName = workflow.path.slice(workflow.path.lastIndexOf("/") + 1, -".yml".length);
      const file = new github.RepositoryFile(
        `${name}-${workflow.repository}-${fileName}`,
        {
          repository: target.repositoryName ?? target.config.name,
          // The default branch is protected (pull requests only, no bypass for automation), so
          // Slipway proposes workflow changes on its own branch and they reach main by review.
          branch: WORKFLOWS_BRANCH,
          autocreateBranch: true,
          autocreateBranchSourceBranch: target.defaultBranch ?? target.config.defaultBranch,
          file: workflow.path,
          content: workflow.content,
          commitMessage: `ci: update ${workflow.path} (generated by Slipway from the stack config)`,
          // The file may exist from before Slipway managed it: Slipway's version wins.
          overwriteOnCreate: true,
        },
        { parent: this },
      );
      this.files.push(file);
    }
    this.registerOutputs({ files: this.workflows.map((workflow) => `${workflow.repository}/${workflow.path}`) });
  }
}

/** Files created between two turns of the event loop (about a repository's worth). */
const FILES_PER_TURN = 8;
