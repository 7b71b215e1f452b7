/**
 * `policy-gate.yml`: how a pull request into the default branch is judged, and who sees it.
 *
 * - `slipway-gate` runs the offline gate on every stack (no credential at all), comparing the
 *   pull request's policy config with the default branch's (`--base-policy-config`): a pull request
 *   cannot loosen the rules that judge it. A required check.
 * - `pulumi-preview (<stack>)`, for each deploy stack before production: the real engine with the
 *   pack, in the `preview` GitHub environment, whose credentials can read pre-production stacks
 *   only. A required check. Production is never previewed here: a preview decrypts the stack's
 *   config, which holds production's credentials, and a pull request's code runs in this job.
 * - `slipway-gate comment` posts the verdict as one comment, updated in place; `code scanning`
 *   uploads the gate's SARIF per stack. Each holds the one write permission it needs and runs no
 *   code from the pull request (pull requests from forks get neither: their token is read-only).
 */
import type { RepositoryConfig } from "../../config/config";
import { gateCommand, previewCommand, shellJoin, SLIPWAY_BIN } from "../../contract/commands";
import { ACTIONS } from "./actions";
import {
  type GeneratorSettings,
  type Job,
  LEDGER_ENV,
  ledgerCheckoutStep,
  outputFileLines,
  pulumiAccess,
  pulumiSetupStep,
  READ_ONLY,
  setupSteps,
  uniqueJobId,
  type Workflow,
} from "./jobs";
import { GATE_COMMENT_SCRIPT } from "./scripts";

/** The gate job's name: its status check context. */
export const GATE_CHECK = "slipway-gate";

/** The GitHub environment pull-request previews run in: any branch may use it, and it holds nothing that reaches production. */
export const PREVIEW_ENVIRONMENT = "preview";

/** Where the gate writes one SARIF file per stack (`<dir>/<stack>.sarif`). */
export const SARIF_DIR = "slipway-sarif";

/** Where the gate job checks out the default branch's policy config (git-ignored). */
export const BASE_POLICY_CONFIG = ".slipway/base/policy-config.json";

/** The deploy stacks a pull request previews: every one before production (the last). */
export function previewedStacks(deployStacks: string[]): string[] {
  return deployStacks.slice(0, -1);
}

/** The check context of a stack's pull-request preview. */
export function previewCheck(stack: string): string {
  return `pulumi-preview (${stack})`;
}

/** The status checks policy-gate.yml produces on every pull request: the default branch requires them in deploy repositories. */
export function gateChecks(deployStacks: string[]): string[] {
  return [GATE_CHECK, ...previewedStacks(deployStacks).map(previewCheck)];
}

// Pull requests from forks get a read-only token: no comment, no upload, only the checks.
const SAME_REPOSITORY = "github.event.pull_request.head.repo.full_name == github.repository";

/** `policy-gate.yml` of a deploy repository. */
export function policyGateWorkflow(config: RepositoryConfig, deployStacks: string[], settings: GeneratorSettings): Workflow {
  const jobs: Record<string, Job> = {
    [GATE_CHECK]: {
      name: GATE_CHECK,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 15,
      outputs: { markdown: "${{ steps.gate.outputs.markdown }}" },
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        // The rules as the default branch has them, from the pull request's base commit: the
        // gate reports every way the pull request's policy config loosens them.
        {
          name: "the default branch's policy config",
          uses: ACTIONS.checkout,
          with: {
            ref: "${{ github.event.pull_request.base.sha }}",
            path: ".slipway/base",
            "sparse-checkout": "policy-config.json",
            "sparse-checkout-cone-mode": false,
            "persist-credentials": false,
          },
        },
        {
          name: "slipway gate",
          id: "gate",
          shell: "bash",
          env: LEDGER_ENV,
          run: [
            // A base without the file (the first pull request that adds it) has nothing to loosen.
            "base=()",
            `if [ -f ${BASE_POLICY_CONFIG} ]; then base=(--base-policy-config ${BASE_POLICY_CONFIG}); else echo "::notice title=slipway gate::the default branch has no policy-config.json yet: nothing to compare"; fi`,
            "status=0",
            `${shellJoin(gateCommand("markdown"))} "\${base[@]}" > "$RUNNER_TEMP/slipway-gate.md" || status=$?`,
            'cat "$RUNNER_TEMP/slipway-gate.md" >> "$GITHUB_STEP_SUMMARY"',
            ...outputFileLines("markdown", "$RUNNER_TEMP/slipway-gate.md"),
            'exit "$status"',
          ].join("\n"),
        },
        // SARIF is a report of the same verdict: its failure must not decide the check.
        {
          name: "slipway gate (SARIF)",
          if: "${{ !cancelled() }}",
          "continue-on-error": true,
          env: LEDGER_ENV,
          run: `${SLIPWAY_BIN} gate --sarif ${SARIF_DIR}`,
        },
        {
          name: "keep the SARIF files",
          if: `\${{ !cancelled() && hashFiles('${SARIF_DIR}/*.sarif') != '' }}`,
          uses: ACTIONS.uploadArtifact,
          with: { name: SARIF_DIR, path: `${SARIF_DIR}/*.sarif`, "retention-days": 5, "if-no-files-found": "ignore" },
        },
      ],
    },
    "gate-comment": {
      name: `${GATE_CHECK} comment`,
      needs: [GATE_CHECK],
      if: `\${{ !cancelled() && ${SAME_REPOSITORY} }}`,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 5,
      permissions: { "pull-requests": "write" },
      steps: [
        {
          name: "the verdict, in one comment on the pull request",
          uses: ACTIONS.githubScript,
          env: {
            SLIPWAY_GATE_MARKDOWN: `\${{ needs.${GATE_CHECK}.outputs.markdown }}`,
            SLIPWAY_GATE_RESULT: `\${{ needs.${GATE_CHECK}.result }}`,
          },
          with: { script: GATE_COMMENT_SCRIPT },
        },
      ],
    },
    "code-scanning": {
      name: `${GATE_CHECK} code scanning`,
      needs: [GATE_CHECK],
      if: `\${{ !cancelled() && ${SAME_REPOSITORY} }}`,
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 10,
      // The only job with security-events: write; it runs no code from the pull request.
      permissions: { ...READ_ONLY, actions: "read", "security-events": "write" },
      steps: [
        { name: "the gate's SARIF files", uses: ACTIONS.downloadArtifact, with: { name: SARIF_DIR, path: SARIF_DIR } },
        ...deployStacks.map((stack) => ({
          name: `upload SARIF (${stack})`,
          if: `\${{ hashFiles('${SARIF_DIR}/${stack}.sarif') != '' }}`,
          uses: ACTIONS.uploadSarif,
          with: { sarif_file: `${SARIF_DIR}/${stack}.sarif`, category: `${GATE_CHECK}/${stack}` },
        })),
      ],
    },
  };
  for (const stack of previewedStacks(deployStacks)) {
    const access = pulumiAccess(settings, PREVIEW_ENVIRONMENT, 30);
    jobs[uniqueJobId(`pulumi-preview-${stack}`, jobs)] = {
      name: previewCheck(stack),
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 30,
      // The pull request's code runs here, so it gets the preview environment's credentials only:
      // read access to pre-production stacks and their key. A preview is not a deployment.
      environment: { name: PREVIEW_ENVIRONMENT, deployment: false },
      permissions: access.permissions,
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        pulumiSetupStep(),
        ...access.steps,
        {
          name: `pulumi preview (${stack})`,
          run: shellJoin(previewCommand(stack)),
          env: { ...access.env, PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}", ...LEDGER_ENV },
        },
      ],
    };
  }
  return {
    name: "policy-gate",
    on: { pull_request: { branches: [config.defaultBranch] } },
    permissions: READ_ONLY,
    concurrency: { group: "policy-gate-${{ github.ref }}", "cancel-in-progress": true },
    jobs,
  };
}
