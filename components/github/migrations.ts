/**
 * `migrate-<stack>.yml`: the migration workflow of a team whose migrations run apart from the
 * deploy (`slipway:migrations.mode: workflow`; 004 §3: "Migrations MUST be run separately, never
 * as part of the deploy pipeline", approved and tested on staging first).
 *
 * Dispatched by hand for the release in `Pulumi.<stack>.yaml` at the default branch, it runs in the
 * stack's migrations environment (`<stack>-migrations`: the migration's reviewers approve the run,
 * and its secrets hold the database credentials), shares the stack's deploy concurrency group so
 * it never runs during a deploy, asks the ledger whether the migration may run (production: only
 * what staging ran for the same build and validated), runs the repository's `migrate` script for
 * the phase, and records `migrated` with the approvers. The stack's deploy job refuses a release
 * whose expand migration is not recorded (`slipway ledger migrated`).
 */
import { credentialEnvName, SLIPWAY_BIN } from "../../contract/commands";
import { migrationsEnvironmentName } from "../../contract/release";
import { LEDGER_ANCHOR_ENV, ledgerJob } from "./deploySteps";
import {
  type GeneratorSettings,
  type Job,
  LEDGER_ENV,
  ledgerCheckoutStep,
  READ_ONLY,
  setupSteps,
  shellWord,
  type Step,
  type Workflow,
} from "./jobs";

/** The deploy job's check before `pulumi up` in workflow mode: the release's expand migration is recorded. */
export function migrationRecordedStep(stack: string): Step {
  return {
    name: "the release's migration ran first (004 §3: migrate-<stack>.yml, approved)",
    env: { ...LEDGER_ENV, STACK: stack },
    run: `${SLIPWAY_BIN} ledger migrated --stack "$STACK"`,
  };
}

/** `migrate-<stack>.yml`: one approved migration run of the stack's release, recorded in the ledger. */
export function migrateWorkflow(stack: string, settings: GeneratorSettings): Workflow {
  // The database credentials come from the migrations environment's secrets, under the names the tools read.
  const credentials: Record<string, string> = {};
  for (const secret of new Set(settings.deploySecretNames)) {
    if (secret !== "PULUMI_ACCESS_TOKEN" && secret !== "PULUMI_CONFIG_PASSPHRASE")
      credentials[credentialEnvName(secret)] = `\${{ secrets.${secret} }}`;
  }
  const migrate: Job = {
    name: `migrate-${stack}`,
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 60,
    // The migration's approvers and its credentials; the environment admits the default branch only.
    environment: { name: migrationsEnvironmentName(stack) },
    // Never while the stack deploys, and a queued run never cancels a running one.
    concurrency: { group: `deploy-${stack}`, "cancel-in-progress": false },
    permissions: READ_ONLY,
    outputs: { version: "${{ steps.release.outputs.version }}", phase: "${{ steps.release.outputs.phase }}" },
    steps: [
      ...setupSteps(settings),
      ledgerCheckoutStep(settings),
      {
        name: "verify the ledger from the stack's anchor",
        env: { ...LEDGER_ENV, ...LEDGER_ANCHOR_ENV },
        run: `${SLIPWAY_BIN} ledger verify`,
      },
      {
        // Production migrates only what staging ran for the same build and validated (004 §3). The
        // dispatch's input reaches the shell through env, never inside the script (workflow-injection-safe).
        name: "the release, and may its migration run (the ledger's rules)",
        id: "release",
        env: { ...LEDGER_ENV, STACK: stack, PHASE: "${{ inputs.phase }}" },
        run: [
          'case "$PHASE" in expand|contract) ;; *) echo "::error::phase must be expand or contract, not ${PHASE}"; exit 1 ;; esac',
          `${SLIPWAY_BIN} ledger migrated --stack "$STACK" --before "$PHASE" --github-output "$GITHUB_OUTPUT"`,
          'echo "phase=${PHASE}" >> "$GITHUB_OUTPUT"',
        ].join("\n"),
      },
      {
        name: "migrate",
        env: { ...credentials, PHASE: "${{ steps.release.outputs.phase }}", VERSION: "${{ steps.release.outputs.version }}" },
        run: `npm run migrate -- --env ${shellWord(stack)} --phase "$PHASE"`,
      },
    ],
  };
  const recorded = ledgerJob(stack, "migrated", ["migrate"], settings, [], "migrate", "version");
  return {
    name: `migrate-${stack}`,
    on: {
      workflow_dispatch: {
        inputs: {
          phase: {
            description: "expand before the release deploys; contract a full release cycle after its expand reached production (000 §7)",
            type: "choice",
            options: ["expand", "contract"],
            default: "expand",
            required: true,
          },
        },
      },
    },
    permissions: READ_ONLY,
    jobs: { migrate, ledger: { ...recorded, name: "ledger: migrated" } },
  };
}
