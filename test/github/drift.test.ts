/**
 * drift.yml: every morning each deploy stack is compared with what the default branch declares
 * (`pulumi preview --refresh --expect-no-changes`) and what it runs is judged by the pack
 * (`slipway gate --state`), in an environment only the default branch may use; a report job files
 * the findings (scripts.test.ts runs its script).
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { inputsOf } from "./harness";
import { exampleConfig, REPO_ROOT } from "../support/project";
import { actionlint } from "../support/actionlint";
import { ACTIONS, generateWorkflows } from "../../components/github/workflows";
import { DRIFT_ENVIRONMENT, DriftEnvironment, driftPreviewCommand } from "../../components/github/drift";
import { shellJoin } from "../../contract/commands";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { deployJobGates } from "../../policy-pack/policies/deployJobs";
import { actionsPinned, workflowInjectionSafe } from "../../policy-pack/policies/workflowSecurity";
import { messages, runResourcePolicy } from "../policies/harness";

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  "continue-on-error"?: boolean;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  name: string;
  needs?: string[];
  if?: string;
  environment?: { name: string; deployment?: boolean } | string;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: Record<string, unknown>;
  jobs: Record<string, Job>;
};

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const SECRETS = ["HEROKU_API_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "SLIPWAY_GITHUB_TOKEN", "VERCEL_API_TOKEN"];

function driftFile(pulumiCloudOidc?: { organization: string; teams: Record<string, string> }): { content: string; workflow: Workflow } {
  const generated = generateWorkflows({
    repositories: [{ config: storefront }],
    deployStacks: production.github.deployStacks,
    deploySecretNames: SECRETS,
    pulumiCloudOidc,
  });
  const content = generated.find((w) => w.path === ".github/workflows/drift.yml")!.content;
  return { content, workflow: parse(content) as Workflow };
}

const { content, workflow: drift } = driftFile();

describe("drift.yml (production example)", () => {
  test("runs every morning and on demand, one check and one report per deploy stack, never two at once", () => {
    expect(drift.on).toEqual({ schedule: [{ cron: "17 5 * * *" }], workflow_dispatch: {} });
    expect(drift.permissions).toEqual({ contents: "read" });
    expect(drift.concurrency).toEqual({ group: "slipway-drift", "cancel-in-progress": false });
    expect(Object.entries(drift.jobs).map(([id, job]) => [id, job.name, job.needs ?? []])).toEqual([
      ["drift-staging", "drift (staging)", []],
      ["report-staging", "drift report (staging)", ["drift-staging"]],
      ["drift-production", "drift (production)", []],
      ["report-production", "drift report (production)", ["drift-production"]],
    ]);
    expect(actionlint(content, ".github/workflows/drift.yml")).toEqual([]);
  });

  test("each check exports the state, cuts the ledger back to the stack's anchor, previews with refresh expecting no change, and gates the export", () => {
    const job = drift.jobs["drift-production"];
    expect(job.steps.slice(3).map((step) => step.name)).toEqual([
      "release ledger",
      "install pulumi",
      "the state of production",
      "the ledger as the stack last read it",
      "pulumi preview --refresh (production)",
      "slipway gate on the state of production",
      "remove the state of production",
      "verdict",
    ]);
    const [export_, ledger, preview, gate, remove, verdict] = job.steps.slice(5);
    // Decrypted, as the engine hands state to the pack: the gate cannot judge ciphertext.
    expect(export_.run).toBe("pulumi stack export --stack production --show-secrets --file .slipway/production.state.json");
    // The decrypted export does not outlive the job's checks.
    expect(remove).toMatchObject({ if: "${{ always() }}", run: "rm -f .slipway/production.state.json" });
    expect(ledger.env).toEqual({
      SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
      STATE: ".slipway/production.state.json",
      STACK: "production",
    });
    // Plain words from the contract's preview command: the engine tests run it as written.
    expect(preview.run).toBe(shellJoin(driftPreviewCommand("production")));
    expect(preview.run).toBe(
      "pulumi preview --stack production --policy-pack policy-pack --policy-pack-config policy-config.json --non-interactive --diff --refresh --expect-no-changes",
    );
    expect(gate.run).toContain(
      "node_modules/.bin/slipway gate --state .slipway/production.state.json --policy-config policy-config.json --markdown",
    );
    // Both checks run whatever the other finds; the verdict step fails the job if either failed.
    expect([preview["continue-on-error"], gate["continue-on-error"]]).toEqual([true, true]);
    expect(verdict.if).toBe("${{ steps.preview.outcome == 'failure' || steps.gate.outcome == 'failure' }}");
    expect(job.outputs).toEqual({
      preview: "${{ steps.preview.outcome }}",
      gate: "${{ steps.gate.outcome }}",
      markdown: "${{ steps.gate.outputs.markdown }}",
    });
  });

  test("the checks run in slipway-drift, not as deployments, with a read-only backend token, each stack's own key and the providers' tokens for the refresh", () => {
    for (const stack of ["staging", "production"]) {
      const job = drift.jobs[`drift-${stack}`];
      expect(job.environment).toEqual({ name: DRIFT_ENVIRONMENT, deployment: false });
      expect(job.steps.find((step) => step.id === "preview")!.env).toEqual({
        PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
        // Production's key is not staging's: one secret per stack.
        PULUMI_CONFIG_PASSPHRASE: `\${{ secrets.PULUMI_CONFIG_PASSPHRASE_${stack.toUpperCase()} }}`,
        HEROKU_API_KEY: "${{ secrets.HEROKU_API_KEY }}",
        GITHUB_TOKEN: "${{ secrets.SLIPWAY_GITHUB_TOKEN }}",
        VERCEL_API_TOKEN: "${{ secrets.VERCEL_API_TOKEN }}",
        SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
      });
    }
    expect(content).not.toContain("ALLOW_PROD");
  });

  test("the report job alone may write issues, and runs no project code", () => {
    const report = drift.jobs["report-production"];
    expect(report.if).toBe("${{ !cancelled() }}");
    expect(report.permissions).toEqual({ issues: "write" });
    expect(report.steps).toHaveLength(1);
    expect(report.steps[0]).toMatchObject({
      uses: ACTIONS.githubScript,
      env: {
        SLIPWAY_STACK: "production",
        SLIPWAY_RESULT: "${{ needs.drift-production.result }}",
        SLIPWAY_PREVIEW: "${{ needs.drift-production.outputs.preview }}",
        SLIPWAY_GATE: "${{ needs.drift-production.outputs.gate }}",
        SLIPWAY_GATE_MARKDOWN: "${{ needs.drift-production.outputs.markdown }}",
      },
    });
    const writers = Object.entries(drift.jobs).filter(([, job]) => Object.values(job.permissions ?? {}).includes("write"));
    expect(writers.map(([id]) => id)).toEqual(["report-staging", "report-production"]);
  });

  test("with Pulumi Cloud OIDC the checks trade their OIDC token for the drift team's", () => {
    const { content: oidcContent, workflow } = driftFile({ organization: "acme", teams: { drift: "platform-readers" } });
    const job = workflow.jobs["drift-production"];
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job.steps.find((step) => step.uses === ACTIONS.pulumiAuth)?.with).toMatchObject({
      organization: "acme",
      scope: "team:platform-readers",
    });
    expect(oidcContent).not.toContain("PULUMI_ACCESS_TOKEN");
    expect(actionlint(oidcContent, ".github/workflows/drift.yml")).toEqual([]);
  });

  test("the pack judges it safe and pinned, and no drift check is a production deploy job; the same job in the production environment would be one", async () => {
    const fixture = (text: string) => ({
      type: TYPES.repositoryFile,
      name: "storefront-drift",
      props: { repository: "storefront", file: ".github/workflows/drift.yml", content: text },
    });
    for (const policy of [workflowInjectionSafe, actionsPinned, deployJobGates])
      expect((await runResourcePolicy(policy, fixture(content))).violations).toEqual([]);
    expect((await runResourcePolicy(deployJobGates, fixture(content))).notApplicable).toBe("the workflow has no production deploy job");
    // Why the checks have an environment of their own: in production's, the pack would demand a deploy job's gates of them.
    const inProduction = parse(content) as Workflow;
    inProduction.jobs["drift-production"].environment = { name: "production", deployment: false };
    expect(messages(await runResourcePolicy(deployJobGates, fixture(stringify(inProduction)))).length).toBeGreaterThan(0);
  });
});

describe("the ledger as the stack last read it (the step's script, run by bash with the real slipway)", () => {
  const script = drift.jobs["drift-production"].steps.find((step) => step.name === "the ledger as the stack last read it")!.run!;
  const example = fs.readFileSync(path.join(REPO_ROOT, "releases", "ledger.jsonl"), "utf8");
  const lines = example.trimEnd().split("\n");
  const anchorAt = (seq: number) =>
    `${seq}:${createHash("sha256")
      .update(lines[seq - 1])
      .digest("hex")}`;

  /** A workspace with the ledger checkout, the stack's export publishing `anchor`, and slipway; runs the step for `production`. */
  function runStep(options: { anchor?: string; ledger?: string }): { status: number | null; stderr: string; ledger: string } {
    const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-drift-"));
    fs.mkdirSync(path.join(workspace, ".slipway", "ledger", "releases"), { recursive: true });
    fs.writeFileSync(path.join(workspace, ".slipway", "ledger", "releases", "ledger.jsonl"), options.ledger ?? example);
    const variable = (environment: string, value: string) => ({
      type: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
      outputs: { variableName: "SLIPWAY_LEDGER_ANCHOR", environment, value },
    });
    const resources = [variable("staging", anchorAt(8)), ...(options.anchor !== undefined ? [variable("production", options.anchor)] : [])];
    fs.writeFileSync(path.join(workspace, ".slipway", "production.state.json"), JSON.stringify({ version: 3, deployment: { resources } }));
    fs.mkdirSync(path.join(workspace, "node_modules", ".bin"), { recursive: true });
    fs.writeFileSync(
      path.join(workspace, "node_modules", ".bin", "slipway"),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "bin", "slipway.js")}" "$@"\n`,
      { mode: 0o755 },
    );
    const step = drift.jobs["drift-production"].steps.find((candidate) => candidate.name === "the ledger as the stack last read it")!;
    const env = { PATH: process.env.PATH!, HOME: os.homedir(), RUNNER_TEMP: workspace, SLIPWAY_PROJECT_DIR: workspace, ...step.env };
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], { cwd: workspace, env, encoding: "utf8" });
    return {
      status: result.status,
      stderr: result.stderr,
      ledger: fs.readFileSync(path.join(workspace, ".slipway", "ledger", "releases", "ledger.jsonl"), "utf8"),
    };
  }

  test("production deployed from line 5: the lines recorded since are cut, so the preview rebuilds exactly what production deployed", () => {
    const run = runStep({ anchor: anchorAt(5) });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: "" });
    expect(run.ledger).toBe(`${lines.slice(0, 5).join("\n")}\n`);
  });

  test("a ledger rewritten before the anchor fails the step, and nothing is cut", () => {
    const rewritten = example.replace(lines[1], lines[1].replace('"seq":2', '"seq": 2'));
    const run = runStep({ anchor: anchorAt(5), ledger: rewritten });
    expect(run.status).not.toBe(0);
    expect(run.ledger).toBe(rewritten);
  });

  test("a stack that never deployed has no anchor: the whole ledger stays", () => {
    const run = runStep({});
    expect(run.status).toBe(0);
    expect(run.ledger).toBe(example);
  });
});

describe("DriftEnvironment", () => {
  test("only the default branch's workflows run in slipway-drift, and admins cannot waive that", async () => {
    const environment = new DriftEnvironment("storefront-drift", { repository: "storefront", defaultBranch: "main" });
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "slipway-drift",
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      canAdminsBypass: false,
    });
    expect(await inputsOf(environment.deploymentPolicy)).toEqual({
      repository: "storefront",
      environment: "slipway-drift",
      branchPattern: "main",
    });
  });
});
