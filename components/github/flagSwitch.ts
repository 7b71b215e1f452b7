/**
 * `flag.yml`: the kill switch that acts in seconds (003 §7.2: "immediately disable"; §7.4 option
 * A, the preferred rollback). `slipway flag off` edits the stack file, and the normal path from
 * there (a pull request, the production approval, the wait timer) takes most of an hour. This
 * workflow turns one flag off on a stack without it, still governed:
 *
 * 1. `plan` (no credentials): `slipway flag off --dry-run`, so a name that is no flag of the stack
 *    file fails before anyone is asked, and the approvers see the diff in the run's summary;
 * 2. `flag-<stack>`, in `<stack>-rollback` (the emergency rollback's environment: the release
 *    captains and on-call SRE, no wait timer, the default branch only, the stack's credentials):
 *    `slipway flag off`, a check that this is the only served value that changes, `pulumi up`
 *    with the pack limited (`--target`) to the flag sources the last deploy listed
 *    (`flagSources`: the environments' `SLIPWAY_FLAGS` variables and the `slipway-flags`
 *    ConfigMap), so no app is rebuilt or restarted; the marker, the smoke checks, and the edited
 *    stack file kept as the run's artifact, for the repository to catch up;
 * 3. `ledger-<stack>`: records the `flag` event from that stack file (the ledger accepts it from
 *    this workflow, once per flag and run, from a branch only).
 *
 * Off only: turning a flag on is a release decision (003 §4.3: a feature "earns" it; §4.4: the
 * canary's pace follows the SLO burn rate), so it goes through `slipway flag on`, review and the
 * deploy workflow, with its approval rules and wait timer. Nothing urgent is ever an "on".
 */
import { SLIPWAY_BIN, shellJoin, upCommand } from "../../contract/commands";
import { rollbackEnvironmentName } from "../../contract/release";
import { FLAGS_VARIABLE } from "../../contract";
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
import {
  FLAG_SOURCES_OUTPUT,
  keepStackFileStep,
  LEDGER_ANCHOR_ENV,
  ledgerJob,
  STACK_OUTPUTS,
  smokeStep,
  stackOutputsStep,
  upStepEnv,
} from "./deploySteps";
import { rollbackStacks } from "./rollback";

/** The artifact that carries the stack file the kill switch deployed to the ledger job (and to whoever merges it). */
export const FLAG_STACK_FILE_ARTIFACT = "flag-stack-file";

/** The id of the job that turns the flag off on `stack`. */
export function flagSwitchJob(stack: string): string {
  return `flag-${stack}`;
}

/**
 * The flag input is text anyone who may dispatch typed: it reaches the shell through env only,
 * must be a flag key (kebab-case, as the config contract names flags; it is never echoed), and
 * follows `--`, so it can never be read as an option of `slipway flag`.
 */
const CHECK_FLAG_INPUT = [
  'if ! [[ "$FLAG" =~ ^[a-z][a-z0-9-]*$ ]]; then',
  '  echo "::error title=kill switch::the flag input is not a flag key (kebab-case, as slipway:flags names them)"',
  "  exit 2",
  "fi",
];

/** `plan`: the edit, dry run, into the summary the approvers read. */
export const FLAG_PLAN_SCRIPT = [
  ...CHECK_FLAG_INPUT,
  `${SLIPWAY_BIN} flag off --stack "$STACK" --dry-run -- "$FLAG" | tee "$RUNNER_TEMP/flag.txt"`,
  '{ echo "### slipway flag off"; echo; echo \'```diff\'; cat "$RUNNER_TEMP/flag.txt"; echo \'```\'; } >> "$GITHUB_STEP_SUMMARY"',
].join("\n");

/**
 * `flag-<stack>`'s edit: `slipway flag off`, then the check that the update serves nothing else
 * differently from what the environment serves now (`SERVED_BEFORE`, its `SLIPWAY_FLAGS`): the
 * checkout's stack file may carry a change not deployed yet (a merged canary widening), which must
 * not ride along without the normal path. One case is carried instead of refused: a flag the
 * environment serves off for everyone while the file still has it on, the mark of an earlier kill
 * switch whose stack file is not merged yet; it stays off (the file follows what is served), so a
 * second kill switch never undoes the first. Output `flags`: the flag, when its served value
 * changes (empty when it was already off).
 */
export const FLAG_OFF_SCRIPT = [
  ...CHECK_FLAG_INPUT,
  `${SLIPWAY_BIN} flag off --stack "$STACK" -- "$FLAG" | tee "$RUNNER_TEMP/flag.txt"`,
  "changed() {",
  `  ${SLIPWAY_BIN} flag changed --stack "$STACK" --served-before "$SERVED_BEFORE" --github-output "$RUNNER_TEMP/changed.txt" > /dev/null`,
  "  sed -n 's/^flags=//p' \"$RUNNER_TEMP/changed.txt\" | tail -n 1",
  '  : > "$RUNNER_TEMP/changed.txt"',
  "}",
  // Served off for everyone: the default variant off, no targeting, and its off variant false.
  "served_off() {",
  '  jq -e --arg name "$1" \'.flags[$name] | type == "object" and .defaultVariant == "off" and (has("targeting") | not) and .variants.off == false\' <<< "$SERVED_BEFORE" > /dev/null 2>&1',
  "}",
  'commit() { git -c user.name="slipway-flag" -c user.email="slipway-flag@users.noreply.github.com" commit -q -m "$1" -- "Pulumi.${STACK}.yaml"; }',
  'if ! git diff --quiet -- "Pulumi.${STACK}.yaml"; then commit "flag off ${FLAG} (kill switch, not pushed)"; fi',
  'read -r -a first <<< "$(changed)"',
  'for name in "${first[@]}"; do',
  '  if [ "$name" != "$FLAG" ] && served_off "$name"; then',
  `    echo "\${name} is served off in \${STACK}, but the stack file has it otherwise (an earlier kill switch not merged yet?): it stays off"`,
  `    ${SLIPWAY_BIN} flag off --stack "$STACK" -- "$name" >> "$RUNNER_TEMP/flag.txt"`,
  '    commit "flag off ${name}: as served (kill switch, not pushed)"',
  "  fi",
  "done",
  'read -r -a now <<< "$(changed)"',
  'flags=""',
  "others=()",
  'for name in "${now[@]}"; do',
  '  if [ "$name" = "$FLAG" ]; then flags="$name"; else others+=("$name"); fi',
  "done",
  'if [ "${#others[@]}" -gt 0 ]; then',
  '  echo "::error title=kill switch::Pulumi.${STACK}.yaml also serves ${others[*]} differently from what ${STACK} serves now (a change not deployed yet, or no deploy yet): the kill switch changes one flag only; deploy or revert that change first"',
  "  exit 1",
  "fi",
  'if [ -z "$flags" ]; then echo "${FLAG} is already served off in ${STACK}: nothing to update"; fi',
  'echo "flags=${flags}" >> "$GITHUB_OUTPUT"',
  '{ echo "### slipway flag off"; echo; echo \'```diff\'; cat "$RUNNER_TEMP/flag.txt"; echo \'```\'; } >> "$GITHUB_STEP_SUMMARY"',
].join("\n");

/**
 * The targeted update: the flag sources' URNs from the stack's `flagSources` output (the last
 * deploy's), each a `--target`. No list, or anything but URNs, fails the step: an update without
 * targets would be a whole deploy without the deploy workflow's gates.
 */
export function flagUpScript(stack: string): string {
  return [
    `pulumi stack output ${FLAG_SOURCES_OUTPUT} --json --stack "$STACK" > "$RUNNER_TEMP/flag-sources.json"`,
    `if ! jq -r 'if type == "array" and length > 0 and all(.[]; type == "string" and startswith("urn:pulumi:")) then .[] else error("no flag sources") end' "$RUNNER_TEMP/flag-sources.json" > "$RUNNER_TEMP/flag-sources.txt"; then`,
    `  echo "::error title=kill switch::stack \${STACK} lists no flag sources (output ${FLAG_SOURCES_OUTPUT}): deploy it once with this version of the program first"`,
    "  exit 1",
    "fi",
    'mapfile -t urns < "$RUNNER_TEMP/flag-sources.txt"',
    "targets=()",
    'for urn in "${urns[@]}"; do targets+=(--target "$urn"); done',
    `${shellJoin(upCommand(stack))} "\${targets[@]}"`,
  ].join("\n");
}

/** The job that turns the flag off on `stack`, in the stack's rollback environment. */
function flagJob(stack: string, production: boolean, settings: GeneratorSettings): Job {
  const stepOutput = (output: string) => `\${{ steps.stack-outputs.outputs.${output} }}`;
  const access = pulumiAccess(settings, stack, 20);
  const changes = "steps.flag.outputs.flags != ''";
  return {
    name: `flag off (${stack})`,
    needs: ["plan"],
    if: `\${{ inputs.stack == '${stack}' }}`,
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 20,
    // The emergency rollback's environment: the release captains and on-call SRE, no wait timer, the default branch only.
    environment: { name: rollbackEnvironmentName(stack), url: stepOutput(STACK_OUTPUTS.environmentUrl) },
    // One kill switch of a stack at a time (each reads what the last one served); never cancelled half-way.
    concurrency: { group: `flag-${stack}`, "cancel-in-progress": false },
    ...(settings.pulumiCloudOidc !== undefined ? { permissions: access.permissions } : {}),
    outputs: { version: stepOutput(STACK_OUTPUTS.releaseVersion), flags: "${{ steps.flag.outputs.flags }}" },
    steps: [
      ...setupSteps(settings),
      ledgerCheckoutStep(settings),
      {
        name: "verify the ledger from the stack's anchor",
        env: { ...LEDGER_ENV, ...LEDGER_ANCHOR_ENV },
        run: `${SLIPWAY_BIN} ledger verify`,
      },
      {
        name: `slipway flag off (${stack})`,
        id: "flag",
        // What the environment serves now (the rollback environment holds the same document as the stack's own).
        env: { ...LEDGER_ENV, STACK: stack, FLAG: "${{ inputs.flag }}", SERVED_BEFORE: `\${{ vars.${FLAGS_VARIABLE} }}` },
        shell: "bash",
        run: FLAG_OFF_SCRIPT,
      },
      pulumiSetupStep(),
      ...access.steps,
      {
        name: `pulumi up (${stack}): the flag sources only`,
        id: "pulumi-up",
        if: changes,
        env: { ...upStepEnv(access.env, settings, production), STACK: stack },
        shell: "bash",
        run: flagUpScript(stack),
      },
      stackOutputsStep(stack, access.env),
      {
        name: "deploy marker",
        id: "deploy-marker",
        if: changes,
        env: { FLAG: "${{ steps.flag.outputs.flags }}", STACK: stack },
        run: [
          'echo "FLAG OFF ${FLAG} ${GITHUB_SHA} on ${STACK}" >> "$GITHUB_STEP_SUMMARY"',
          'echo "::notice title=deploy marker::FLAG OFF ${FLAG} ${GITHUB_SHA} on ${STACK}"',
        ].join("\n"),
      },
      smokeStep(stack, stepOutput(STACK_OUTPUTS.environmentUrl)),
      keepStackFileStep(stack, FLAG_STACK_FILE_ARTIFACT),
    ],
  };
}

/** `flag.yml` of a deploy repository: one dispatch form, a kill-switch job and a ledger job per deploy stack. */
export function flagWorkflow(deployStacks: string[], settings: GeneratorSettings): Workflow {
  const stacks = rollbackStacks(deployStacks);
  const productionStack = deployStacks[deployStacks.length - 1];
  const jobs: Record<string, Job> = {
    plan: {
      name: "plan the kill switch",
      "runs-on": "ubuntu-latest",
      "timeout-minutes": 10,
      steps: [
        ...setupSteps(settings),
        {
          name: "slipway flag off, dry run",
          // Dispatch inputs reach the shell through env only (workflow-injection-safe).
          env: { STACK: "${{ inputs.stack }}", FLAG: "${{ inputs.flag }}" },
          shell: "bash",
          run: FLAG_PLAN_SCRIPT,
        },
      ],
    },
  };
  for (const stack of stacks) {
    const job = flagSwitchJob(stack);
    jobs[job] = flagJob(stack, stack === productionStack, settings);
    jobs[`ledger-${stack}`] = {
      ...ledgerJob(
        stack,
        "flag",
        [job],
        settings,
        [
          {
            name: "the stack file the kill switch deployed",
            uses: ACTIONS.downloadArtifact,
            with: { name: FLAG_STACK_FILE_ARTIFACT, path: "." },
          },
        ],
        job,
      ),
      name: `ledger: flag (${stack})`,
      // Only once the flag is served off, and only when its served value changed.
      if: `\${{ needs.${job}.result == 'success' && needs.${job}.outputs.flags != '' }}`,
    };
  }
  return {
    name: "flag",
    on: {
      workflow_dispatch: {
        inputs: {
          stack: {
            description: "The stack whose environment serves the flag",
            type: "choice",
            options: stacks,
            default: productionStack,
            required: true,
          },
          flag: { description: "The flag to turn off for everyone (the kill switch: 003 §7.2)", type: "string", required: true },
        },
      },
    },
    permissions: READ_ONLY,
    jobs,
  };
}
