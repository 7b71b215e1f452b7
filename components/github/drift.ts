/**
 * Drift: does each deploy stack still run what its config declares, and does what it runs still
 * pass the pack? `drift.yml` answers every morning (and on demand), per deploy stack:
 *
 * 1. `pulumi stack export --show-secrets`: what the stack recorded at its last deploy, decrypted as
 *    the engine hands state to the pack (the gate cannot judge ciphertext; the file is removed
 *    when the job ends, whatever happened);
 * 2. the ledger cut back to the head the stack last deployed from (its anchor, read from that
 *    state and verified): the program then rebuilds exactly the release manifest it deployed, and
 *    ledger lines appended since (the stack's own `promoted`, staging's next release) are not drift;
 * 3. `pulumi preview --refresh --expect-no-changes` with the pack: the live resources against the
 *    default branch's program and config;
 * 4. `slipway gate --state` on the export: the pack on what runs today;
 * 5. a report job opens or updates the stack's one drift issue when 3 or 4 failed (scripts.ts).
 *
 * The checks run in `slipway-drift`, a GitHub environment only the default branch may use, with
 * no reviewers (a scheduled check must not wait for an approval, nor page production's approvers
 * every night) and read-only credentials of its own. Not in the stack's own environment: that one
 * holds deploy credentials and makes every job wait for its reviewers.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { POLICY_CONFIG_FILE } from "../../contract";
import { credentialEnvName, previewCommand, shellJoin, SLIPWAY_BIN } from "../../contract/commands";
import { LEDGER_ANCHOR_VARIABLE } from "../../contract/release";
import { ACTIONS } from "./actions";
import {
  type GeneratorSettings,
  type Job,
  LEDGER_ENV,
  ledgerCheckoutStep,
  outputFileLines,
  perStackSecret,
  pulumiAccess,
  pulumiSetupStep,
  READ_ONLY,
  setupSteps,
  uniqueJobId,
  type Workflow,
} from "./jobs";
import { DRIFT_ISSUE_SCRIPT } from "./scripts";
import { COMPONENT_TYPES, TYPES } from "../../contract/resourceTypes";

/** The GitHub environment the drift checks run in. */
export const DRIFT_ENVIRONMENT = "slipway-drift";

/** When the drift check runs: every day at 05:17 UTC (off the hour, when GitHub's scheduler is busiest). */
export const DRIFT_SCHEDULE = "17 5 * * *";

/** The drift check's preview: the deploy preview's command, refreshed from the live resources, failing on any change. */
export function driftPreviewCommand(stack: string): string[] {
  return [...previewCommand(stack), "--refresh", "--expect-no-changes"];
}

/** Where the drift job writes a stack's export (git-ignored, beside the ledger checkout). */
export function stateFile(stack: string): string {
  return `.slipway/${stack}.state.json`;
}

// Reads the anchor the stack published (the ledger head it deployed from) out of its export.
const READ_ANCHOR = [
  "const [file, stack] = process.argv.slice(1); ",
  'const state = JSON.parse(require("fs").readFileSync(file, "utf8")); ',
  "const anchor = (state.deployment.resources || []).find((resource) => ",
  `resource.type === "${TYPES.environmentVariable}" && resource.outputs &&`,
  ` resource.outputs.variableName === "${LEDGER_ANCHOR_VARIABLE}" && resource.outputs.environment === stack); `,
  'process.stdout.write(anchor ? String(anchor.outputs.value) : "none");',
].join("");

/**
 * The script that cuts the ledger checkout back to the stack's anchor: verified from the anchor
 * first (a rewritten ledger fails here), then only its first `<seq>` lines are kept.
 */
export const LEDGER_AT_ANCHOR_SCRIPT = [
  `anchor="$(node -e '${READ_ANCHOR}' "$STATE" "$STACK")"`,
  'echo "${STACK} last deployed from ledger head ${anchor}"',
  `SLIPWAY_LEDGER_ANCHOR="$anchor" ${SLIPWAY_BIN} ledger verify`,
  'if [ "$anchor" != none ]; then',
  '  head -n "${anchor%%:*}" "$SLIPWAY_LEDGER" > "$RUNNER_TEMP/ledger-at-anchor.jsonl"',
  '  mv "$RUNNER_TEMP/ledger-at-anchor.jsonl" "$SLIPWAY_LEDGER"',
  "fi",
].join("\n");

/**
 * The env of the drift job's pulumi steps: the backend (a read-only token, or none after an OIDC
 * exchange) and the stack's own key (a passphrase secret per stack: production's key is not
 * staging's) for the export; the providers' credentials too for the refresh, under the names the
 * deploy job uses.
 */
function driftEnv(
  settings: GeneratorSettings,
  stack: string,
  backend: Record<string, string>,
): { state: Record<string, string>; refresh: Record<string, string> } {
  const state: Record<string, string> = { ...backend };
  const refresh: Record<string, string> = { ...backend };
  for (const secret of settings.deploySecretNames) {
    if (secret === "PULUMI_ACCESS_TOKEN") continue;
    if (secret === "PULUMI_CONFIG_PASSPHRASE") {
      state[secret] = refresh[secret] = `\${{ secrets.${perStackSecret(secret, stack)} }}`;
    } else {
      refresh[credentialEnvName(secret)] = `\${{ secrets.${secret} }}`;
    }
  }
  return { state, refresh };
}

/** `drift.yml` of a deploy repository: a check and a report job per deploy stack. */
export function driftWorkflow(deployStacks: string[], settings: GeneratorSettings): Workflow {
  const jobs: Record<string, Job> = {};
  for (const stack of deployStacks) {
    const access = pulumiAccess(settings, "drift", 30);
    const env = driftEnv(settings, stack, access.env);
    const state = stateFile(stack);
    const checkId = uniqueJobId(`drift-${stack}`, jobs);
    jobs[checkId] = {
      name: `drift (${stack})`,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      environment: { name: DRIFT_ENVIRONMENT, deployment: false },
      permissions: access.permissions,
      outputs: {
        preview: "${{ steps.preview.outcome }}",
        gate: "${{ steps.gate.outcome }}",
        markdown: "${{ steps.gate.outputs.markdown }}",
      },
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        pulumiSetupStep(),
        ...access.steps,
        {
          name: `the state of ${stack}`,
          run: shellJoin(["pulumi", "stack", "export", "--stack", stack, "--show-secrets", "--file", state]),
          env: env.state,
        },
        { name: "the ledger as the stack last read it", env: { ...LEDGER_ENV, STATE: state, STACK: stack }, run: LEDGER_AT_ANCHOR_SCRIPT },
        // Both checks run whatever the other finds; the last step fails the job if either did.
        {
          name: `pulumi preview --refresh (${stack})`,
          id: "preview",
          "continue-on-error": true,
          run: shellJoin(driftPreviewCommand(stack)),
          env: { ...env.refresh, ...LEDGER_ENV },
        },
        {
          name: `slipway gate on the state of ${stack}`,
          id: "gate",
          "continue-on-error": true,
          shell: "bash",
          run: [
            "status=0",
            `${shellJoin([SLIPWAY_BIN, "gate", "--state", state, "--policy-config", POLICY_CONFIG_FILE, "--markdown"])} > "$RUNNER_TEMP/drift-gate.md" || status=$?`,
            'cat "$RUNNER_TEMP/drift-gate.md" >> "$GITHUB_STEP_SUMMARY"',
            ...outputFileLines("markdown", "$RUNNER_TEMP/drift-gate.md"),
            'exit "$status"',
          ].join("\n"),
        },
        // The export holds decrypted secrets: it does not outlive the job's checks.
        { name: `remove the state of ${stack}`, if: "${{ always() }}", run: shellJoin(["rm", "-f", state]) },
        {
          name: "verdict",
          if: "${{ steps.preview.outcome == 'failure' || steps.gate.outcome == 'failure' }}",
          env: { STACK: stack },
          run: 'echo "::error title=drift::${STACK} differs from its config or fails the pack (see the steps above)"\nexit 1',
        },
      ],
    };
    jobs[uniqueJobId(`report-${stack}`, jobs)] = {
      name: `drift report (${stack})`,
      needs: [checkId],
      if: "${{ !cancelled() }}",
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 5,
      // Writes issues, runs no project code.
      permissions: { issues: "write" },
      steps: [
        {
          name: `the drift issue of ${stack}`,
          uses: ACTIONS.githubScript,
          env: {
            SLIPWAY_STACK: stack,
            SLIPWAY_RESULT: `\${{ needs.${checkId}.result }}`,
            SLIPWAY_PREVIEW: `\${{ needs.${checkId}.outputs.preview }}`,
            SLIPWAY_GATE: `\${{ needs.${checkId}.outputs.gate }}`,
            SLIPWAY_GATE_MARKDOWN: `\${{ needs.${checkId}.outputs.markdown }}`,
          },
          with: { script: DRIFT_ISSUE_SCRIPT },
        },
      ],
    };
  }
  return {
    name: "drift",
    on: { schedule: [{ cron: DRIFT_SCHEDULE }], workflow_dispatch: {} },
    permissions: READ_ONLY,
    concurrency: { group: "slipway-drift", "cancel-in-progress": false },
    jobs,
  };
}

/** Inputs of a `DriftEnvironment`. */
export interface DriftEnvironmentArgs {
  /** Repository the environment belongs to: a name, or `ReleaseRepository.repositoryName` so it waits for the repository. */
  repository: pulumi.Input<string>;
  /** The default branch: the only ref whose jobs may use the environment. */
  defaultBranch: string;
}

/**
 * The `slipway-drift` environment of a deploy repository: only the default branch's workflows
 * run in it, and admins cannot waive that. Its secrets are the team's (README, "CI credentials"):
 * a read-only backend token (or none, with OIDC), each stack's key, read-only provider tokens.
 */
export class DriftEnvironment extends pulumi.ComponentResource {
  /** The environment. */
  readonly environment: github.RepositoryEnvironment;
  /** The default branch's deployment policy. */
  readonly deploymentPolicy: github.RepositoryEnvironmentDeploymentPolicy;

  constructor(name: string, args: DriftEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.driftEnvironment, name, {}, opts);
    this.environment = new github.RepositoryEnvironment(
      name,
      {
        repository: args.repository,
        environment: DRIFT_ENVIRONMENT,
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        canAdminsBypass: false,
      },
      { parent: this },
    );
    this.deploymentPolicy = new github.RepositoryEnvironmentDeploymentPolicy(
      `${name}-branch-${args.defaultBranch}`,
      { repository: this.environment.repository, environment: this.environment.environment, branchPattern: args.defaultBranch },
      { parent: this },
    );
    this.registerOutputs({ environment: DRIFT_ENVIRONMENT });
  }
}
