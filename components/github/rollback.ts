/**
 * `rollback.yml`: the emergency rollback inside the incident SLA (002: P1 mitigation within 30
 * minutes), without a pull request, a soak timer or a laptop (001 forbids manual production
 * changes). Dispatched by hand from the default branch with the stack (production by default, or
 * staging: 004 §8), the version to return to (default: the last good release), a reason and a
 * priority:
 *
 * 1. `plan` (no credentials): verifies the ledger and dry-runs `slipway rollback`, so the target is
 *    checked (validated by staging, run by production, no contract migration crossed) and the
 *    approvers see the diff in the run's summary before they approve;
 * 2. `incident`: opens the incident issue of 000 §6.5 (Impact, Timeline, Suspected cause, Fix
 *    plan) at once, while the approval is pending; paperwork never holds the rollback back;
 * 3. `deploy-<stack>`, in `<stack>-rollback` (reviewers: the release captains and on-call SRE, no
 *    wait timer, default branch only, the stack's credentials): the ledger verified from the
 *    stack's anchor, `slipway rollback` (the validated artifacts of the target, L3 flags forced off,
 *    003 §7.2), `pulumi up` with the policy pack, the marker `ROLLBACK X → Y` (000 §6.3), the smoke
 *    checks; the stack file it deployed is kept as the run's artifact;
 * 4. `ledger-<stack>`: records it from that stack file, in the ledger's own environment:
 *    production's `rolled-back` with the approvers, staging's target `staged` again (the ledger
 *    accepts these two from this workflow, from a branch only);
 * 5. `flags-<stack>`: then a `flag` line per flag the rollback serves differently (the L3 flags it
 *    turned off), so a later deploy of main cannot quietly turn them back on (the pack reads
 *    them as killed flags);
 * 6. `outcome`: adds the result to the incident's timeline.
 */
import { SLIPWAY_BIN, shellJoin, upCommand } from "../../contract/commands";
import { rollbackEnvironmentName } from "../../contract/release";
import { ACTIONS } from "./actions";
import {
  type GeneratorSettings,
  type Job,
  LEDGER_ENV,
  ledgerCheckoutStep,
  pulumiAccess,
  pulumiSetupStep,
  READ_ONLY,
  setupSteps,
  type Workflow,
} from "./jobs";
import { INCIDENT_ISSUE_SCRIPT, INCIDENT_OUTCOME_SCRIPT, INCIDENT_PRIORITIES } from "./scripts";
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

/** The artifact that carries the stack file the rollback deployed to the ledger job (and to whoever merges it). */
export const ROLLBACK_STACK_FILE_ARTIFACT = "rollback-stack-file";

/** The stacks rollback.yml rolls back: every deploy stack, production (the last) first, as the dispatch form offers them. */
export function rollbackStacks(deployStacks: string[]): string[] {
  return [...deployStacks].reverse();
}

/** The id of the job that rolls `stack` back and deploys it. */
export function rollbackDeployJob(stack: string): string {
  return `deploy-${stack}`;
}

/** The shell of the `slipway rollback` step: the target when given, the reason (and its incident), the outputs. */
function rollbackScript(dryRun: boolean): string {
  const args = dryRun
    ? ['set -- --stack "$STACK" --reason "$REASON" --dry-run', 'if [ -n "$TARGET" ]; then set -- "$@" --to "$TARGET"; fi']
    : [
        'set -- --stack "$STACK" --to "$TARGET" --reason "$REASON"',
        'if [ -n "$INCIDENT" ]; then set -- --stack "$STACK" --to "$TARGET" --reason "$REASON (incident $INCIDENT)"; fi',
      ];
  return [
    ...args,
    // `shell: bash` runs with pipefail: a refused rollback fails the step through the tee.
    `${SLIPWAY_BIN} rollback "$@" --github-output "$GITHUB_OUTPUT" | tee "$RUNNER_TEMP/rollback.txt"`,
    '{ echo "### slipway rollback"; echo; echo \'```diff\'; cat "$RUNNER_TEMP/rollback.txt"; echo \'```\'; } >> "$GITHUB_STEP_SUMMARY"',
  ].join("\n");
}

/** The job that rolls `stack` back, in its rollback environment, with the deploy job's gates. */
function deployJob(stack: string, production: boolean, settings: GeneratorSettings): Job {
  const stepOutput = (output: string) => `\${{ steps.stack-outputs.outputs.${output} }}`;
  const access = pulumiAccess(settings, stack, 30);
  // The rollback environment carries the stack's anchor (the same head as its own environment's).
  const upEnv = upStepEnv(access.env, settings, production);
  return {
    name: `rollback-${stack}`,
    needs: ["plan", "incident"],
    // The chosen stack only, once the plan passed; the incident job's result never matters.
    if: `\${{ !cancelled() && needs.plan.result == 'success' && inputs.stack == '${stack}' }}`,
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 30,
    // Reviewers: the release captains and on-call SRE; no wait timer; the default branch only; the stack's credentials.
    environment: { name: rollbackEnvironmentName(stack), url: stepOutput(STACK_OUTPUTS.environmentUrl) },
    // Never beside a deploy of the same stack, and never cancelling one half-way.
    concurrency: { group: `deploy-${stack}`, "cancel-in-progress": false },
    ...(settings.pulumiCloudOidc !== undefined ? { permissions: access.permissions } : {}),
    outputs: {
      version: "${{ steps.deploy-marker.outputs.version }}",
      url: stepOutput(STACK_OUTPUTS.environmentUrl),
      // The flags the rollback turned off (or otherwise serves differently): the flags ledger job records each.
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
      {
        name: `slipway rollback (${stack})`,
        id: "rollback",
        env: {
          ...LEDGER_ENV,
          STACK: stack,
          TARGET: "${{ needs.plan.outputs.to }}",
          REASON: "${{ inputs.reason }}",
          INCIDENT: "${{ needs.incident.outputs.url }}",
        },
        shell: "bash",
        run: rollbackScript(false),
      },
      flagsChangedStep(stack),
      pulumiSetupStep(),
      ...access.steps,
      { name: `pulumi up (${stack})`, id: "pulumi-up", run: shellJoin(upCommand(stack)), env: upEnv },
      stackOutputsStep(stack, access.env),
      {
        name: "deploy marker",
        id: "deploy-marker",
        env: {
          VERSION: stepOutput(STACK_OUTPUTS.releaseVersion),
          TO: "${{ steps.rollback.outputs.to }}",
          MARKER: "${{ steps.rollback.outputs.marker }}",
          STACK: stack,
        },
        run: [
          `: "\${VERSION:?the stack exported no ${STACK_OUTPUTS.releaseVersion}}"`,
          'if [ "$VERSION" != "$TO" ]; then echo "::error::the stack deployed ${VERSION}, not ${TO}"; exit 1; fi',
          'echo "${MARKER} ${GITHUB_SHA} on ${STACK}" >> "$GITHUB_STEP_SUMMARY"',
          'echo "::notice title=deploy marker::${MARKER} ${GITHUB_SHA} on ${STACK}"',
          'echo "version=${VERSION}" >> "$GITHUB_OUTPUT"',
        ].join("\n"),
      },
      smokeStep(stack, stepOutput(STACK_OUTPUTS.environmentUrl)),
      keepStackFileStep(stack, ROLLBACK_STACK_FILE_ARTIFACT),
    ],
  };
}

/** `rollback.yml` of a deploy repository: one dispatch form, a deploy and a ledger job per deploy stack. */
export function rollbackWorkflow(deployStacks: string[], settings: GeneratorSettings): Workflow {
  const stacks = rollbackStacks(deployStacks);
  const productionStack = deployStacks[deployStacks.length - 1];
  const jobs: Record<string, Job> = {
    plan: {
      name: "plan the rollback",
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 10,
      outputs: { from: "${{ steps.plan.outputs.from }}", to: "${{ steps.plan.outputs.to }}", marker: "${{ steps.plan.outputs.marker }}" },
      steps: [
        ...setupSteps(settings),
        ledgerCheckoutStep(settings),
        { name: "verify the ledger", env: LEDGER_ENV, run: `${SLIPWAY_BIN} ledger verify` },
        {
          name: "the rollback, dry run",
          id: "plan",
          // Dispatch inputs reach the shell through env only (workflow-injection-safe).
          env: { ...LEDGER_ENV, STACK: "${{ inputs.stack }}", TARGET: "${{ inputs.version }}", REASON: "${{ inputs.reason }}" },
          shell: "bash",
          run: rollbackScript(true),
        },
      ],
    },
    incident: {
      name: "open the incident issue",
      needs: ["plan"],
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 5,
      // The paperwork must never hold the rollback back.
      "continue-on-error": true,
      permissions: { issues: "write" },
      outputs: { issue: "${{ steps.issue.outputs.issue }}", url: "${{ steps.issue.outputs.url }}" },
      steps: [
        {
          name: "incident issue (000 §6.5)",
          id: "issue",
          uses: ACTIONS.githubScript,
          env: {
            SLIPWAY_STACK: "${{ inputs.stack }}",
            SLIPWAY_REASON: "${{ inputs.reason }}",
            SLIPWAY_PRIORITY: "${{ inputs.priority }}",
            SLIPWAY_FROM: "${{ needs.plan.outputs.from }}",
            SLIPWAY_TO: "${{ needs.plan.outputs.to }}",
          },
          with: { script: INCIDENT_ISSUE_SCRIPT },
        },
      ],
    },
  };
  for (const stack of stacks) {
    const production = stack === productionStack;
    const deployId = rollbackDeployJob(stack);
    jobs[deployId] = deployJob(stack, production, settings);
    const restoreStackFile = [
      {
        name: "the stack file the rollback deployed",
        uses: ACTIONS.downloadArtifact,
        with: { name: ROLLBACK_STACK_FILE_ARTIFACT, path: "." },
      },
    ];
    // Production records what it deployed (rolled-back, from the stack file); staging stages the target again.
    jobs[`ledger-${stack}`] = ledgerJob(stack, production ? "deployed" : "staged", [deployId], settings, restoreStackFile, deployId);
    // Then each flag it turned off (003 §7.2: related flags first), after the release it serves them
    // with: these lines are what keeps a later deploy of main from turning them back on unnoticed.
    jobs[`flags-${stack}`] = {
      ...ledgerJob(stack, "flag", [deployId, `ledger-${stack}`], settings, restoreStackFile, deployId),
      name: `ledger: flag (${stack})`,
      if: `\${{ needs.${deployId}.result == 'success' && needs.ledger-${stack}.result == 'success' && needs.${deployId}.outputs.flags != '' }}`,
    };
  }
  // The result of whichever stack's jobs ran.
  const resultOf = (job: (stack: string) => string) =>
    `\${{ ${stacks.map((stack) => `(inputs.stack == '${stack}' && needs.${job(stack)}.result)`).join(" || ")} || 'skipped' }}`;
  jobs.outcome = {
    name: "the outcome, on the incident",
    needs: ["plan", "incident", ...stacks.flatMap((stack) => [rollbackDeployJob(stack), `ledger-${stack}`])],
    // A refused plan deployed nothing and opened no incident: its run says why.
    if: "${{ !cancelled() && needs.plan.result == 'success' }}",
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 5,
    permissions: { issues: "write" },
    steps: [
      {
        name: "incident timeline",
        uses: ACTIONS.githubScript,
        env: {
          SLIPWAY_ISSUE: "${{ needs.incident.outputs.issue }}",
          SLIPWAY_MARKER: "${{ needs.plan.outputs.marker }}",
          SLIPWAY_DEPLOY: resultOf(rollbackDeployJob),
          SLIPWAY_LEDGER: resultOf((stack) => `ledger-${stack}`),
        },
        with: { script: INCIDENT_OUTCOME_SCRIPT },
      },
    ],
  };
  return {
    name: "rollback",
    on: {
      workflow_dispatch: {
        inputs: {
          stack: { description: "The stack to roll back", type: "choice", options: stacks, default: productionStack, required: true },
          version: {
            description: "The version to return to (default: the last good release the stack ran)",
            type: "string",
            required: false,
          },
          reason: { description: "Why: the symptom, and the incident if one is open", type: "string", required: true },
          priority: {
            description: "Incident priority (003 §7.1)",
            type: "choice",
            options: [...INCIDENT_PRIORITIES],
            default: "P1",
            required: true,
          },
        },
      },
    },
    permissions: READ_ONLY,
    jobs,
  };
}
