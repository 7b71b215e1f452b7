/**
 * The steps and jobs that the deploy workflow and the rollback workflow share: the `pulumi up`
 * step's environment, the stack-outputs step, and the ledger job. Their own module, so that
 * workflows.ts and rollback.ts both import them and neither imports the other.
 */
import { FLAGS_VARIABLE } from "../../contract";
import { SLIPWAY_BIN, credentialEnvName } from "../../contract/commands";
import { LEDGER_ANCHOR_VARIABLE, LEDGER_DEPLOY_KEY_SECRET, LEDGER_ENVIRONMENT, LEDGER_FILE, NO_ANCHOR } from "../../contract/release";
import { ACTIONS } from "./actions";
import { stackFileName } from "../../config/stackFile";
import { type GeneratorSettings, type Job, LEDGER_ENV, READ_ONLY, type Step, shellWord } from "./jobs";

/** Stack outputs the deploy job reads from `pulumi up`: the program (index.ts) must export them. */
export const STACK_OUTPUTS = {
  /** The release version the stack deployed. */
  releaseVersion: "releaseVersion",
  /** The environment's public URL (smoke target and the deployment's link). */
  environmentUrl: "environmentUrl",
  /** Where each app's release runs before it takes traffic (JSON, app name → URL): the candidate smoke checks' targets. */
  candidateUrls: "candidateUrls",
} as const;

/**
 * The stack output listing the URNs of the resources that serve the stack's flags (index.ts
 * `flagSources`): the kill switch (flag.yml) reads it from the last deploy and targets only these.
 */
export const FLAG_SOURCES_OUTPUT = "flagSources";

/** Stack outputs that are objects: read as compact JSON, one line in `$GITHUB_OUTPUT`. */
const JSON_STACK_OUTPUTS: ReadonlySet<string> = new Set([STACK_OUTPUTS.candidateUrls]);

/**
 * The stack's ledger anchor, from its environment (the stack writes it at every deploy); a pull
 * request cannot change it. `none` only before the stack's first deploy.
 */
export const LEDGER_ANCHOR_ENV = { [LEDGER_ANCHOR_VARIABLE]: `\${{ vars.${LEDGER_ANCHOR_VARIABLE} || '${NO_ANCHOR}' }}` };

/**
 * The environment of a `pulumi up` step in a job of the stack's environment: the backend's access
 * (the stack's own identity: its stored token, or an OIDC exchange), the ledger, the stack's anchor,
 * and every credential the program needs from the environment's secrets, under the name its
 * provider reads (GITHUB_TOKEN from SLIPWAY_GITHUB_TOKEN: GitHub reserves the GITHUB_ prefix).
 */
export function upStepEnv(backendEnv: Record<string, string>, settings: GeneratorSettings, production: boolean): Record<string, string> {
  const env: Record<string, string> = { ...backendEnv, ...LEDGER_ENV, ...LEDGER_ANCHOR_ENV };
  for (const secret of new Set(settings.deploySecretNames)) {
    if (secret !== "PULUMI_ACCESS_TOKEN") env[credentialEnvName(secret)] = `\${{ secrets.${secret} }}`;
  }
  // The program refuses a production update unless this is set on purpose (004 §2).
  if (production) env.ALLOW_PROD = "1";
  return env;
}

/** The step after `pulumi up` that reads the stack's outputs (STACK_OUTPUTS) into step outputs of id `stack-outputs` (or `id`). */
export function stackOutputsStep(stack: string, backendEnv: Record<string, string>, id = "stack-outputs"): Record<string, unknown> {
  return {
    name: "stack outputs",
    id,
    env: { ...backendEnv, STACK: stack },
    run: Object.values(STACK_OUTPUTS)
      .map((output) =>
        JSON_STACK_OUTPUTS.has(output)
          ? `echo "${output}=$(pulumi stack output ${output} --json --stack "$STACK" | jq -c .)" >> "$GITHUB_OUTPUT"`
          : `echo "${output}=$(pulumi stack output ${output} --stack "$STACK")" >> "$GITHUB_OUTPUT"`,
      )
      .join("\n"),
  };
}

/**
 * A job that appends one event to the ledger branch. It runs in the ledger's own environment,
 * whose deploy key is the only actor the branch's ruleset lets push (and which only the default
 * branch and release tags may use); it sees no deploy secret, installs without install scripts,
 * and verifies that the branch's last commit only appended before it appends.
 */
export function ledgerJob(
  stack: string,
  kind: "staged" | "validated" | "deployed" | "migrated" | "flag",
  needs: string[],
  settings: GeneratorSettings,
  restoreSteps: Step[] = [],
  deployJob = "deploy",
  versionOutput = "version",
): Job {
  // Production deploys and migration runs name who approved them (the run's environment reviewers).
  const production = kind === "deployed" || kind === "migrated";
  const record = [
    `${SLIPWAY_BIN} ledger record --ledger ledger/${LEDGER_FILE} --kind ${kind} --stack "$STACK" --version "$VERSION" --sha "$GITHUB_SHA" --actor "$GITHUB_ACTOR"`,
  ];
  if (production) record[0] += ' --approvers "$APPROVERS"';
  // A migration run records the phase it ran (the job's output, from the dispatch's choice).
  if (kind === "migrated") record[0] += ' --phase "$PHASE"';
  // A deploy records one flag event per flag whose served value it changed (the deploy job's
  // output `flags`: kebab-case keys, space-separated), each with how the stack file serves it now.
  if (kind === "flag") record.splice(0, 1, "for flag in $FLAGS; do", `  ${record[0]} --flag "$flag"`, "done");
  return {
    name: `ledger: ${kind}`,
    needs,
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 10,
    environment: { name: LEDGER_ENVIRONMENT },
    // Reads the run's approvals (production); pushes with the deploy key, not the token.
    permissions: production ? { contents: "read", actions: "read" } : READ_ONLY,
    // Ledger appends are serialised across stacks: each line chains the hash of the one before.
    concurrency: { group: "slipway-ledger", "cancel-in-progress": false },
    steps: [
      { uses: ACTIONS.checkout, with: { "persist-credentials": false } },
      { uses: ACTIONS.setupNode, with: { "node-version": settings.nodeVersion, cache: "npm" } },
      // Nothing third-party runs next to the deploy key.
      { name: "install", run: "npm ci --ignore-scripts" },
      // The emergency rollback hands over the stack file it deployed (its release is what is recorded).
      ...restoreSteps,
      {
        name: "ledger branch",
        uses: ACTIONS.checkout,
        with: {
          ref: settings.ledgerBranch,
          path: "ledger",
          "fetch-depth": 2,
          "ssh-key": `\${{ secrets.${LEDGER_DEPLOY_KEY_SECRET} }}`,
          "persist-credentials": true,
        },
      },
      ...(production
        ? [
            {
              name: "approvers",
              id: "approvers",
              env: { GH_TOKEN: "${{ github.token }}" },
              run: [
                'approvers="$(gh api "repos/${GITHUB_REPOSITORY}/actions/runs/${GITHUB_RUN_ID}/approvals" --jq \'[.[] | select(.state == "approved") | .user.login] | unique | join(",")\')"',
                'echo "approvers=${approvers}" >> "$GITHUB_OUTPUT"',
              ].join("\n"),
            },
          ]
        : []),
      {
        name: `record ${kind} in the ledger`,
        env: {
          VERSION: `\${{ needs.${deployJob}.outputs.${versionOutput} }}`,
          STACK: stack,
          LEDGER_BRANCH: settings.ledgerBranch,
          ...(production ? { APPROVERS: "${{ steps.approvers.outputs.approvers }}" } : {}),
          ...(kind === "migrated" ? { PHASE: `\${{ needs.${deployJob}.outputs.phase }}` } : {}),
          ...(kind === "flag" ? { FLAGS: `\${{ needs.${deployJob}.outputs.flags }}` } : {}),
        },
        run: [
          // Force pushes are blocked; this checks the branch's last commit only appended, too.
          "if git -C ledger rev-parse -q --verify HEAD~1 >/dev/null; then",
          `  git -C ledger show HEAD~1:${LEDGER_FILE} > "$RUNNER_TEMP/previous-ledger.jsonl"`,
          `  ${SLIPWAY_BIN} ledger verify --ledger ledger/${LEDGER_FILE} --previous "$RUNNER_TEMP/previous-ledger.jsonl"`,
          "fi",
          ...record,
          `git -C ledger add ${LEDGER_FILE}`,
          `git -C ledger -c user.name="slipway-ledger" -c user.email="slipway-ledger@users.noreply.github.com" commit -m "chore(release): ledger ${kind} \${VERSION} on \${STACK} at \${GITHUB_SHA}"`,
          'git -C ledger push origin "HEAD:refs/heads/${LEDGER_BRANCH}"',
        ].join("\n"),
      },
    ],
  };
}

/** The team's smoke checks (`npm run smoke`) of the stack's environment at `url` (an expression or a URL). */
export function smokeStep(stack: string, url: string, id = "smoke", name = "smoke"): Step {
  return { name, id, env: { ENVIRONMENT_URL: url }, run: `npm run smoke -- --env ${shellWord(stack)} --url "$ENVIRONMENT_URL"` };
}

/** Keep the stack file a job deployed as the artifact `artifact` (when `condition` holds), for the repository to catch up with what runs. */
export function keepStackFileStep(stack: string, artifact: string, name = "keep the stack file it deployed", condition?: string): Step {
  return {
    name,
    ...(condition !== undefined ? { if: condition } : {}),
    uses: ACTIONS.uploadArtifact,
    with: { name: artifact, path: stackFileName(stack), "if-no-files-found": "error", "retention-days": 90 },
  };
}

/**
 * Before `pulumi up`: which flags this deploy serves differently from what the environment serves
 * now (its `SLIPWAY_FLAGS` variable, as the job started: pulumi up rewrites it). Before the first
 * update, so a failure here changes nothing and restores nothing. The document reaches the command
 * through env, never inside the script.
 */
export function flagsChangedStep(stack: string): Step {
  return {
    name: "the flags this deploy serves differently (recorded once live)",
    id: "flags-changed",
    env: { STACK: stack, SERVED_BEFORE: `\${{ vars.${FLAGS_VARIABLE} }}` },
    run: `${SLIPWAY_BIN} flag changed --stack "$STACK" --served-before "$SERVED_BEFORE" --github-output "$GITHUB_OUTPUT"`,
  };
}
