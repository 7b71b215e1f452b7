/**
 * policy-gate.yml, the pull request's judge: the offline gate against the default branch's rules,
 * a real preview of every stack before production with credentials that cannot reach production,
 * the verdict as one comment and as code scanning alerts, each write permission in a job that runs
 * none of the pull request's code.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { exampleConfig } from "../support/project";
import { actionlint } from "../support/actionlint";
import { ACTIONS, generateWorkflows } from "../../components/github/workflows";
import { gateChecks, previewedStacks } from "../../components/github/policyGate";
import { PULUMI_CLI_VERSION, previewCommand, shellJoin } from "../../contract/commands";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { actionsPinned, workflowInjectionSafe } from "../../policy-pack/policies/workflowSecurity";
import { runResourcePolicy } from "../policies/harness";

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  shell?: string;
  "continue-on-error"?: boolean;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  name: string;
  needs?: string[];
  if?: string;
  environment?: { name: string; deployment?: boolean };
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = { name: string; on: Record<string, unknown>; permissions: Record<string, string>; jobs: Record<string, Job> };

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const SECRETS = ["HEROKU_API_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "SLIPWAY_GITHUB_TOKEN", "VERCEL_API_TOKEN"];

function policyGate(options: { pulumiCloudOidc?: { organization: string; teams: Record<string, string> }; deployStacks?: string[] } = {}): {
  content: string;
  workflow: Workflow;
} {
  const generated = generateWorkflows({
    repositories: [{ config: storefront }],
    deployStacks: options.deployStacks ?? production.github.deployStacks,
    deploySecretNames: SECRETS,
    pulumiCloudOidc: options.pulumiCloudOidc,
  });
  const content = generated.find((w) => w.path === ".github/workflows/policy-gate.yml")!.content;
  return { content, workflow: parse(content) as Workflow };
}

const { workflow: gate } = policyGate();

describe("policy-gate.yml (production example)", () => {
  test("every pull request into main is judged by the gate and a real preview of staging; production is never previewed on a pull request", () => {
    expect(gate.on).toEqual({ pull_request: { branches: ["main"] } });
    expect(gate.permissions).toEqual({ contents: "read" });
    expect(Object.entries(gate.jobs).map(([id, job]) => [id, job.name])).toEqual([
      ["slipway-gate", "slipway-gate"],
      ["gate-comment", "slipway-gate comment"],
      ["code-scanning", "slipway-gate code scanning"],
      ["pulumi-preview-staging", "pulumi-preview (staging)"],
    ]);
    // A preview decrypts the stack's config, and the pull request's code runs in the job.
    const commands = Object.values(gate.jobs).flatMap((job) => job.steps.map((step) => step.run ?? ""));
    expect(commands.filter((command) => command.includes("production"))).toEqual([]);
    expect(previewedStacks(["staging", "production"])).toEqual(["staging"]);
    expect(previewedStacks(["production"])).toEqual([]);
  });

  test("the checks main requires are exactly the names of the jobs that produce them", () => {
    expect(gateChecks(production.github.deployStacks)).toEqual(["slipway-gate", "pulumi-preview (staging)"]);
    const names = Object.values(gate.jobs).map((job) => job.name);
    for (const check of gateChecks(production.github.deployStacks)) expect(names).toContain(check);
    // Three stacks: both stacks before production are previewed and required.
    const three = policyGate({ deployStacks: ["dev", "staging", "production"] }).workflow;
    expect(gateChecks(["dev", "staging", "production"])).toEqual(["slipway-gate", "pulumi-preview (dev)", "pulumi-preview (staging)"]);
    expect(Object.values(three.jobs).map((job) => job.name)).toEqual(expect.arrayContaining(gateChecks(["dev", "staging", "production"])));
  });

  test("the gate runs the project's own binary with no credential, against the default branch's policy config from the pull request's base commit", () => {
    const job = gate.jobs["slipway-gate"];
    expect(job.permissions).toBeUndefined();
    expect(job.environment).toBeUndefined();
    const base = job.steps.find((step) => step.name === "the default branch's policy config")!;
    expect(base).toEqual({
      name: "the default branch's policy config",
      uses: ACTIONS.checkout,
      with: {
        ref: "${{ github.event.pull_request.base.sha }}",
        path: ".slipway/base",
        "sparse-checkout": "policy-config.json",
        "sparse-checkout-cone-mode": false,
        "persist-credentials": false,
      },
    });
    const step = job.steps.find((candidate) => candidate.id === "gate")!;
    expect(step.env).toEqual({ SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl" });
    expect(step.run).toContain('node_modules/.bin/slipway gate --policy-config policy-config.json --markdown "${base[@]}"');
    expect(step.run).not.toContain("npx");
    expect(job.outputs).toEqual({ markdown: "${{ steps.gate.outputs.markdown }}" });
  });

  describe("the gate step, run by bash as the runner runs it, with a stand-in slipway", () => {
    const script = gate.jobs["slipway-gate"].steps.find((step) => step.id === "gate")!.run!;

    /** Run the step in a workspace whose slipway prints its arguments and exits `exit`. */
    function runGateStep(options: { exit: number; basePolicyConfig: boolean }): {
      status: number | null;
      argv: string;
      output: string;
      summary: string;
    } {
      const workspace = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-gate-step-"));
      fs.mkdirSync(path.join(workspace, "node_modules", ".bin"), { recursive: true });
      const bin = path.join(workspace, "node_modules", ".bin", "slipway");
      fs.writeFileSync(bin, `#!/bin/sh\necho "$*" > argv.txt\nprintf '## slipway gate\\n\\nverdict\\n'\nexit ${options.exit}\n`, {
        mode: 0o755,
      });
      fs.mkdirSync(path.join(workspace, ".slipway", "base"), { recursive: true });
      if (options.basePolicyConfig) fs.writeFileSync(path.join(workspace, ".slipway", "base", "policy-config.json"), "{}");
      const env = {
        PATH: process.env.PATH!,
        RUNNER_TEMP: workspace,
        GITHUB_OUTPUT: path.join(workspace, "output"),
        GITHUB_STEP_SUMMARY: path.join(workspace, "summary"),
      };
      const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: workspace,
        env,
        encoding: "utf8",
      });
      const read = (name: string) => (fs.existsSync(path.join(workspace, name)) ? fs.readFileSync(path.join(workspace, name), "utf8") : "");
      return { status: result.status, argv: read("argv.txt").trim(), output: read("output"), summary: read("summary") };
    }

    test("a violation (exit 1) fails the step after the verdict reached the summary and the job's output", () => {
      const run = runGateStep({ exit: 1, basePolicyConfig: true });
      expect(run.status).toBe(1);
      expect(run.argv).toBe("gate --policy-config policy-config.json --markdown --base-policy-config .slipway/base/policy-config.json");
      expect(run.summary).toBe("## slipway gate\n\nverdict\n");
      expect(run.output).toMatch(/^markdown<<(slipway-[0-9a-f]{32})\n## slipway gate\n\nverdict\n\n\1\n$/);
    });

    test("a pass (exit 0) passes; a default branch without policy-config.json yet is compared with nothing", () => {
      const run = runGateStep({ exit: 0, basePolicyConfig: false });
      expect(run.status).toBe(0);
      expect(run.argv).toBe("gate --policy-config policy-config.json --markdown");
    });
  });

  test("the comment and the code scanning upload each hold one write permission, run none of the pull request's code, and skip forks", () => {
    const comment = gate.jobs["gate-comment"];
    const scanning = gate.jobs["code-scanning"];
    expect(comment.permissions).toEqual({ "pull-requests": "write" });
    expect(scanning.permissions).toEqual({ contents: "read", actions: "read", "security-events": "write" });
    for (const job of [comment, scanning]) {
      expect(job.needs).toEqual(["slipway-gate"]);
      expect(job.if).toBe("${{ !cancelled() && github.event.pull_request.head.repo.full_name == github.repository }}");
      // No checkout, no install, no script of the pull request: data in, one API call out.
      expect(job.steps.filter((step) => step.run !== undefined || step.uses === ACTIONS.checkout)).toEqual([]);
    }
    expect(comment.steps).toEqual([
      expect.objectContaining({
        uses: ACTIONS.githubScript,
        env: {
          SLIPWAY_GATE_MARKDOWN: "${{ needs.slipway-gate.outputs.markdown }}",
          SLIPWAY_GATE_RESULT: "${{ needs.slipway-gate.result }}",
        },
      }),
    ]);
    // Every other job keeps the workflow's read-only token (the preview: its own, also read-only).
    const writers = Object.entries(gate.jobs).filter(([, job]) => Object.values(job.permissions ?? {}).includes("write"));
    expect(writers.map(([id]) => id)).toEqual(["gate-comment", "code-scanning"]);
  });

  test("SARIF: the gate job runs exactly `slipway gate --sarif slipway-sarif` and code scanning uploads one file per stack, each in its category", () => {
    const steps = gate.jobs["slipway-gate"].steps;
    const sarif = steps.find((step) => step.name === "slipway gate (SARIF)")!;
    expect(sarif.run).toBe("node_modules/.bin/slipway gate --sarif slipway-sarif");
    // A report of the same verdict: the gate step decides the check, not the SARIF writer.
    expect(sarif["continue-on-error"]).toBe(true);
    expect(steps.at(-1)).toMatchObject({ uses: ACTIONS.uploadArtifact, with: { name: "slipway-sarif", path: "slipway-sarif/*.sarif" } });
    const uploads = gate.jobs["code-scanning"].steps.filter((step) => step.uses === ACTIONS.uploadSarif);
    expect(uploads.map((step) => step.with)).toEqual([
      { sarif_file: "slipway-sarif/staging.sarif", category: "slipway-gate/staging" },
      { sarif_file: "slipway-sarif/production.sarif", category: "slipway-gate/production" },
    ]);
    expect(uploads.map((step) => step.if)).toEqual([
      "${{ hashFiles('slipway-sarif/staging.sarif') != '' }}",
      "${{ hashFiles('slipway-sarif/production.sarif') != '' }}",
    ]);
  });

  test("the preview of staging runs in the preview environment, not as a deployment, with that environment's credentials only", () => {
    const job = gate.jobs["pulumi-preview-staging"];
    expect(job.environment).toEqual({ name: "preview", deployment: false });
    expect(job.steps.slice(-2)).toEqual([
      { name: "install pulumi", uses: ACTIONS.pulumi, with: { "pulumi-version": PULUMI_CLI_VERSION } },
      {
        name: "pulumi preview (staging)",
        // The command the engine tests run (contract/commands.ts).
        run: shellJoin(previewCommand("staging")),
        env: {
          PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}",
          PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
          SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
        },
      },
    ]);
    // No deploy credential: the providers' tokens stay in the deploy environments.
    expect(JSON.stringify(job)).not.toMatch(/HEROKU|VERCEL|SLIPWAY_GITHUB_TOKEN|ALLOW_PROD/);
  });

  test("with Pulumi Cloud OIDC the preview stores no token: it trades its OIDC token for the preview team's, and only it may ask for one", () => {
    const { content, workflow } = policyGate({ pulumiCloudOidc: { organization: "acme", teams: {} } });
    const job = workflow.jobs["pulumi-preview-staging"];
    expect(job.permissions).toEqual({ contents: "read", "id-token": "write" });
    expect(job.steps.find((step) => step.uses === ACTIONS.pulumiAuth)?.with).toEqual({
      organization: "acme",
      "requested-token-type": "urn:pulumi:token-type:access_token:team",
      scope: "team:slipway-preview",
      "token-expiration": 1800,
    });
    expect(job.steps.at(-1)!.env).toEqual({
      PULUMI_CONFIG_PASSPHRASE: "${{ secrets.PULUMI_CONFIG_PASSPHRASE }}",
      SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
    });
    expect(content).not.toContain("PULUMI_ACCESS_TOKEN");
    expect(
      Object.entries(workflow.jobs)
        .filter(([, candidate]) => candidate.permissions?.["id-token"] !== undefined)
        .map(([id]) => id),
    ).toEqual(["pulumi-preview-staging"]);
    expect(actionlint(content, ".github/workflows/policy-gate.yml")).toEqual([]);
  });

  test("workflow-injection-safe and actions-pinned pass it, with and without OIDC", async () => {
    for (const { content } of [policyGate(), policyGate({ pulumiCloudOidc: { organization: "acme", teams: {} } })]) {
      const fixture = {
        type: TYPES.repositoryFile,
        name: "storefront-policy-gate",
        props: { repository: "storefront", file: ".github/workflows/policy-gate.yml", content },
      };
      for (const policy of [workflowInjectionSafe, actionsPinned])
        expect(await runResourcePolicy(policy, fixture)).toEqual({ violations: [] });
    }
  });
});
