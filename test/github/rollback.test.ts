/**
 * rollback.yml, the emergency rollback inside the incident SLA (002: P1 mitigation within 30
 * minutes; 000 §6; 003 §7): dispatched by hand, it plans the rollback without credentials, opens
 * the incident issue, waits for one approval from the release captains or on-call SRE in
 * `production-rollback` (no wait timer, default branch only), then rolls back, deploys with the
 * pack, marks, smokes and records `rolled-back` in the ledger. The pack and the real actionlint
 * judge the file; a broken variant of each gate is caught.
 */
import { parse, stringify } from "yaml";
import { inputsOf, promiseOf, TEAM_IDS } from "./harness";
import { exampleConfig } from "../support/project";
import { actionlint } from "../support/actionlint";
import { ACTIONS, generateWorkflows } from "../../components/github/workflows";
import { DeploymentEnvironment, rollbackEnvironmentConfig } from "../../components/github/environment";
import { ROLLBACK_STACK_FILE_ARTIFACT } from "../../components/github/rollback";
import { flagdJson } from "../../config/flagd";
import { shellJoin, upCommand } from "../../contract/commands";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { deployJobGates } from "../../policy-pack/policies/deployJobs";
import { actionsPinned, workflowInjectionSafe } from "../../policy-pack/policies/workflowSecurity";
import { productionApproval, productionProtectedRefs, soakWindow } from "../../policy-pack/policies/environments";
import { messages, runResourcePolicy, runStackPolicy, type Fixture } from "../policies/harness";
import { branchRuleset, repository } from "../policies/fixtures";

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  shell?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = {
  name: string;
  needs?: string[];
  if?: string;
  environment?: { name: string; url?: string };
  concurrency?: Record<string, unknown>;
  permissions?: Record<string, string>;
  outputs?: Record<string, string>;
  "continue-on-error"?: boolean;
  steps: Step[];
};
type Workflow = { name: string; on: Record<string, any>; permissions: Record<string, string>; jobs: Record<string, Job> };

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const SECRETS = ["HEROKU_API_KEY", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE", "SLIPWAY_GITHUB_TOKEN", "VERCEL_API_TOKEN"];
const FILE = ".github/workflows/rollback.yml";

function rollbackFile(): string {
  const generated = generateWorkflows({
    repositories: [{ config: storefront }],
    deployStacks: production.github.deployStacks,
    deploySecretNames: SECRETS,
  });
  return generated.find((w) => w.path === FILE)!.content;
}

const content = rollbackFile();
const rollback = parse(content) as Workflow;
const fixture = (text: string): Fixture => ({
  type: TYPES.repositoryFile,
  name: "storefront-rollback",
  props: { repository: "storefront", file: FILE, content: text },
});
/** The workflow with one change, serialised again. */
function variant(change: (workflow: Workflow) => void): string {
  const copy = parse(content) as Workflow;
  change(copy);
  return stringify(copy);
}

describe("rollback.yml (production example)", () => {
  test("is dispatched by hand only: production or staging, the version optional, the reason required, the priority one of P0-P2", () => {
    expect(Object.keys(rollback.on)).toEqual(["workflow_dispatch"]);
    const inputs = rollback.on.workflow_dispatch.inputs;
    expect(inputs.stack).toMatchObject({ type: "choice", options: ["production", "staging"], default: "production", required: true });
    expect(inputs.version).toMatchObject({ type: "string", required: false });
    expect(inputs.reason).toMatchObject({ type: "string", required: true });
    expect(inputs.priority).toMatchObject({ type: "choice", options: ["P0", "P1", "P2"], default: "P1" });
    expect(rollback.permissions).toEqual({ contents: "read" });
    expect(Object.entries(rollback.jobs).map(([id, job]) => [id, job.needs ?? []])).toEqual([
      ["plan", []],
      ["incident", ["plan"]],
      ["deploy-production", ["plan", "incident"]],
      ["ledger-production", ["deploy-production"]],
      ["flags-production", ["deploy-production", "ledger-production"]],
      ["deploy-staging", ["plan", "incident"]],
      ["ledger-staging", ["deploy-staging"]],
      ["flags-staging", ["deploy-staging", "ledger-staging"]],
      ["outcome", ["plan", "incident", "deploy-production", "ledger-production", "deploy-staging", "ledger-staging"]],
    ]);
    // Only the chosen stack's jobs run, once the plan passed, whatever became of the incident issue.
    expect([rollback.jobs["deploy-production"].if, rollback.jobs["deploy-staging"].if]).toEqual([
      "${{ !cancelled() && needs.plan.result == 'success' && inputs.stack == 'production' }}",
      "${{ !cancelled() && needs.plan.result == 'success' && inputs.stack == 'staging' }}",
    ]);
  });

  test("the real actionlint reports nothing, and does report a broken variant", () => {
    expect(actionlint(content, FILE)).toEqual([]);
    // The outcome reads the plan's marker: without `plan` in its needs, that is an error.
    const broken = variant((workflow) => {
      workflow.jobs.outcome.needs = workflow.jobs.outcome.needs!.filter((id) => id !== "plan");
    });
    expect(actionlint(broken, FILE).map((error) => error.kind)).toContain("expression");
  });

  test("the pack judges it: injection-safe, pinned, and its production job passes deploy-job-gates as a production deploy job", async () => {
    for (const policy of [workflowInjectionSafe, actionsPinned, deployJobGates]) {
      expect({ policy: policy.name, messages: messages(await runResourcePolicy(policy, fixture(content))) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
    // It is judged, not skipped: the job in production-rollback is a production deploy job.
    expect((await runResourcePolicy(deployJobGates, fixture(content))).notApplicable).toBeUndefined();
  });

  test("a dispatch input pasted into a script is reported (workflow-injection-safe)", async () => {
    const injected = variant((workflow) => {
      const step = workflow.jobs["deploy-production"].steps.find((candidate) => candidate.id === "rollback")!;
      step.run = 'node_modules/.bin/slipway rollback --reason "${{ inputs.reason }}"';
    });
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture(injected))).join("\n")).toContain("inputs.reason");
  });

  test("an action by tag is reported (actions-pinned)", async () => {
    const unpinned = variant((workflow) => {
      workflow.jobs["deploy-production"].steps[0].uses = "actions/checkout@v4";
    });
    expect(messages(await runResourcePolicy(actionsPinned, fixture(unpinned))).join("\n")).toContain("actions/checkout@v4");
  });

  test("a rollback deploy without its gates is reported (deploy-job-gates): no concurrency, no smoke", async () => {
    const ungated = variant((workflow) => {
      const deploy = workflow.jobs["deploy-production"];
      delete deploy.concurrency;
      deploy.steps = deploy.steps.filter((step) => step.id !== "smoke" && step.id !== "deploy-marker");
    });
    const reported = messages(await runResourcePolicy(deployJobGates, fixture(ungated))).join("\n");
    expect(reported).toContain("is not serialised (no concurrency group)");
    expect(reported).toContain("runs no smoke checks after it deploys");
  });

  test("the plan checks the target without credentials and shows the diff before anyone approves", () => {
    const plan = rollback.jobs.plan;
    expect(plan.environment).toBeUndefined();
    expect(JSON.stringify(plan)).not.toContain("secrets.");
    const step = plan.steps.find((candidate) => candidate.id === "plan")!;
    // Inputs reach the shell through env only; bash with pipefail, so a refused rollback fails the step.
    expect(step.env).toEqual({
      SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
      STACK: "${{ inputs.stack }}",
      TARGET: "${{ inputs.version }}",
      REASON: "${{ inputs.reason }}",
    });
    expect(step.shell).toBe("bash");
    expect(step.run).toContain('set -- --stack "$STACK" --reason "$REASON" --dry-run');
    expect(step.run).toContain('node_modules/.bin/slipway rollback "$@" --github-output "$GITHUB_OUTPUT"');
    expect(step.run).toContain('>> "$GITHUB_STEP_SUMMARY"');
    expect(plan.outputs).toEqual({
      from: "${{ steps.plan.outputs.from }}",
      to: "${{ steps.plan.outputs.to }}",
      marker: "${{ steps.plan.outputs.marker }}",
    });
  });

  test("the deploy runs in production-rollback beside no other production deploy: verify, roll back, pulumi up with the pack, marker, smoke", () => {
    const deploy = rollback.jobs["deploy-production"];
    expect(deploy.name).toBe("rollback-production");
    expect(deploy.environment).toEqual({ name: "production-rollback", url: "${{ steps.stack-outputs.outputs.environmentUrl }}" });
    // The same group as deploy-production.yml's deploy job.
    expect(deploy.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
    expect(deploy.steps.map((step) => step.id ?? step.name ?? step.uses)).toEqual([
      ACTIONS.checkout,
      ACTIONS.setupNode,
      "install",
      "release ledger",
      "verify the ledger from the stack's anchor",
      "rollback",
      "flags-changed",
      "install pulumi",
      "pulumi-up",
      "stack-outputs",
      "deploy-marker",
      "smoke",
      "keep the stack file it deployed",
    ]);
    const step = (id: string) => deploy.steps.find((candidate) => candidate.id === id || candidate.name === id)!;
    expect(step("verify the ledger from the stack's anchor").env).toEqual({
      SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
      SLIPWAY_LEDGER_ANCHOR: "${{ vars.SLIPWAY_LEDGER_ANCHOR || 'none' }}",
    });
    // The target the plan resolved (and the approvers saw), the reason, and the incident it opened.
    expect(step("rollback").env).toMatchObject({
      STACK: "production",
      TARGET: "${{ needs.plan.outputs.to }}",
      REASON: "${{ inputs.reason }}",
      INCIDENT: "${{ needs.incident.outputs.url }}",
    });
    expect(step("rollback").run).toContain('--reason "$REASON (incident $INCIDENT)"');
    expect(step("pulumi-up").run).toBe(shellJoin(upCommand("production")));
    expect(step("pulumi-up").env).toMatchObject({
      ALLOW_PROD: "1",
      HEROKU_API_KEY: "${{ secrets.HEROKU_API_KEY }}",
      GITHUB_TOKEN: "${{ secrets.SLIPWAY_GITHUB_TOKEN }}",
    });
    // The marker of 000 §6.3, and a deploy that did not land on the target fails here.
    expect(step("deploy-marker").env).toMatchObject({
      TO: "${{ steps.rollback.outputs.to }}",
      MARKER: "${{ steps.rollback.outputs.marker }}",
    });
    expect(step("deploy-marker").run).toContain('if [ "$VERSION" != "$TO" ]; then');
    expect(step("smoke").run).toBe('npm run smoke -- --env production --url "$ENVIRONMENT_URL"');
    expect(step("keep the stack file it deployed")).toMatchObject({
      uses: ACTIONS.uploadArtifact,
      with: { name: ROLLBACK_STACK_FILE_ARTIFACT, path: "Pulumi.production.yaml" },
    });
  });

  test("staging's rollback is the same job in staging-rollback, without ALLOW_PROD", () => {
    const deploy = rollback.jobs["deploy-staging"];
    expect(deploy.environment).toEqual({ name: "staging-rollback", url: "${{ steps.stack-outputs.outputs.environmentUrl }}" });
    expect(deploy.concurrency).toEqual({ group: "deploy-staging", "cancel-in-progress": false });
    const production = rollback.jobs["deploy-production"];
    expect(deploy.steps.map((step) => step.id ?? step.name ?? step.uses)).toEqual(
      production.steps.map((step) => step.id ?? step.name ?? step.uses),
    );
    expect(deploy.steps.find((step) => step.id === "pulumi-up")!.run).toBe(shellJoin(upCommand("staging")));
    expect(deploy.steps.find((step) => step.id === "pulumi-up")!.env).not.toHaveProperty("ALLOW_PROD");
    expect(deploy.steps.find((step) => step.id === "rollback")!.env).toMatchObject({ STACK: "staging" });
    expect(deploy.steps.at(-1)).toMatchObject({ with: { path: "Pulumi.staging.yaml" } });
    // Staging runs the target again: its ledger job stages it, with no approvers to read.
    const ledger = rollback.jobs["ledger-staging"];
    expect(ledger.steps.at(-1)?.run).toContain('--kind staged --stack "$STACK"');
    expect(ledger.steps.at(-1)?.env).toMatchObject({ VERSION: "${{ needs.deploy-staging.outputs.version }}", STACK: "staging" });
    expect(ledger.permissions).toEqual({ contents: "read" });
  });

  test("the ledger job records what the rollback deployed, from its stack file, with the ledger's key and the approvers", () => {
    const ledger = rollback.jobs["ledger-production"];
    expect(ledger.environment).toEqual({ name: "slipway-ledger" });
    expect(ledger.permissions).toEqual({ contents: "read", actions: "read" });
    const names = ledger.steps.map((step) => step.name ?? step.uses);
    expect(names.indexOf("the stack file the rollback deployed")).toBeLessThan(names.indexOf("record deployed in the ledger"));
    expect(ledger.steps.find((step) => step.name === "the stack file the rollback deployed")).toMatchObject({
      uses: ACTIONS.downloadArtifact,
      with: { name: ROLLBACK_STACK_FILE_ARTIFACT, path: "." },
    });
    expect(ledger.steps.at(-1)?.run).toContain('--kind deployed --stack "$STACK"');
    expect(ledger.steps.at(-1)?.run).toContain('--approvers "$APPROVERS"');
    expect(ledger.steps.at(-1)?.env).toMatchObject({ VERSION: "${{ needs.deploy-production.outputs.version }}", STACK: "production" });
  });

  test("each flag the rollback turned off is recorded after the release, from the stack file it deployed (003 §7.2)", () => {
    const deploy = rollback.jobs["deploy-production"];
    const ids = deploy.steps.map((step) => step.id);
    // Measured before pulumi up rewrites SLIPWAY_FLAGS, after `slipway rollback` turned the flags off.
    expect(ids.indexOf("flags-changed")).toBeGreaterThan(ids.indexOf("rollback"));
    expect(ids.indexOf("flags-changed")).toBeLessThan(ids.indexOf("pulumi-up"));
    expect(deploy.steps.find((step) => step.id === "flags-changed")?.env).toEqual({
      STACK: "production",
      SERVED_BEFORE: "${{ vars.SLIPWAY_FLAGS }}",
    });
    expect(deploy.outputs?.flags).toBe("${{ steps.flags-changed.outputs.flags }}");
    const flags = rollback.jobs["flags-production"];
    // Only once the rolled-back release is recorded (a flag line records the release production runs), and only when a flag changed.
    expect(flags.if).toBe(
      "${{ needs.deploy-production.result == 'success' && needs.ledger-production.result == 'success' && needs.deploy-production.outputs.flags != '' }}",
    );
    expect(flags.environment).toEqual({ name: "slipway-ledger" });
    expect(flags.steps.find((step) => step.name === "the stack file the rollback deployed")).toMatchObject({
      uses: ACTIONS.downloadArtifact,
      with: { name: ROLLBACK_STACK_FILE_ARTIFACT, path: "." },
    });
    expect(flags.steps.at(-1)?.run).toContain("for flag in $FLAGS; do");
    expect(flags.steps.at(-1)?.run).toContain('--kind flag --stack "$STACK"');
    expect(flags.steps.at(-1)?.env).toMatchObject({ FLAGS: "${{ needs.deploy-production.outputs.flags }}", STACK: "production" });
  });

  test("only the incident jobs write, and only issues; the incident never holds the rollback back", () => {
    const writers = Object.entries(rollback.jobs).filter(([, job]) => Object.values(job.permissions ?? {}).includes("write"));
    expect(writers.map(([id, job]) => [id, job.permissions])).toEqual([
      ["incident", { issues: "write" }],
      ["outcome", { issues: "write" }],
    ]);
    expect(rollback.jobs.incident["continue-on-error"]).toBe(true);
    expect(rollback.jobs.incident.steps[0]).toMatchObject({
      uses: ACTIONS.githubScript,
      env: {
        SLIPWAY_STACK: "${{ inputs.stack }}",
        SLIPWAY_REASON: "${{ inputs.reason }}",
        SLIPWAY_PRIORITY: "${{ inputs.priority }}",
        SLIPWAY_FROM: "${{ needs.plan.outputs.from }}",
        SLIPWAY_TO: "${{ needs.plan.outputs.to }}",
      },
    });
    expect(rollback.jobs.outcome.if).toBe("${{ !cancelled() && needs.plan.result == 'success' }}");
    expect(rollback.jobs.outcome.steps[0].env).toMatchObject({
      SLIPWAY_DEPLOY:
        "${{ (inputs.stack == 'production' && needs.deploy-production.result) || (inputs.stack == 'staging' && needs.deploy-staging.result) || 'skipped' }}",
    });
  });
});

describe("production-rollback: restricted to the named teams, no wait timer, the default branch only", () => {
  const productionEnvironment = production.environments.production!;
  const config = rollbackEnvironmentConfig(productionEnvironment, "main");
  const environment = new DeploymentEnvironment("storefront-production-rollback", {
    repository: "storefront",
    environment: "production-rollback",
    config,
    reviewerTeamIds: config.reviewerTeams.map((slug) => TEAM_IDS[slug]),
    reviewerUserIds: [],
    releaseManifestJson: "{}",
    ledgerAnchor: `0:${"0".repeat(64)}`,
    flagsJson: flagdJson(production.flags, "production"),
  });

  test("the example names the release captains and on-call SRE (slipway:environments.production.rollback)", () => {
    expect(productionEnvironment.rollback).toEqual({
      reviewerTeams: ["release-captains", "sre-oncall"],
      reviewerUsers: [],
      preventSelfReview: true,
    });
  });

  test("one of release-captains or sre-oncall approves; nobody self-approves, no admin bypass, no wait timer", async () => {
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "production-rollback",
      reviewers: [{ teams: [4711, 4712], users: [] }],
      preventSelfReview: true,
      waitTimer: 0,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    const policies = await Promise.all(environment.deploymentPolicies.map(inputsOf));
    expect(policies).toEqual([{ repository: "storefront", environment: "production-rollback", branchPattern: "main" }]);
  });

  test("it holds production's credentials and the stack's anchor, as the deploy job's environment does", async () => {
    const secretNames = await Promise.all(environment.secrets.map((secret) => promiseOf(secret.secretName)));
    expect(secretNames.sort()).toEqual(Object.keys(productionEnvironment.secrets).sort());
    const variableNames = await Promise.all(environment.variables.map((variable) => promiseOf(variable.variableName)));
    expect(variableNames).toEqual(expect.arrayContaining(["SLIPWAY_LEDGER_ANCHOR", "SLIPWAY_RELEASE_MANIFEST", "SLIPWAY_FLAGS"]));
  });

  test("without a rollback section the environment's own reviewers approve", () => {
    const { rollback: _rollback, ...withoutRollback } = productionEnvironment;
    expect(rollbackEnvironmentConfig({ ...withoutRollback, reviewerTeams: ["sre-oncall"] }, "trunk")).toMatchObject({
      reviewerTeams: ["sre-oncall"],
      waitTimerMinutes: 0,
      deployRefs: { branches: ["trunk"], tags: [] },
    });
  });

  const wire = async (): Promise<Fixture> => ({
    type: TYPES.environment,
    name: "storefront-production-rollback",
    props: await inputsOf(environment.environment),
  });

  test("production-approval judges it as production, and passes it; without reviewers it fails", async () => {
    const fixture = await wire();
    expect(messages(await runResourcePolicy(productionApproval, fixture))).toEqual([]);
    expect(messages(await runResourcePolicy(productionApproval, { ...fixture, props: { ...fixture.props, reviewers: [] } }))).toEqual([
      "RepositoryEnvironment 'production-rollback' has no reviewers (teams: 0, users: 0); production deploys need at least 1 approver(s).",
    ]);
  });

  test("soak-window: no wait only when the policy config names it a rollback environment", async () => {
    const fixture = await wire();
    expect(
      (await runResourcePolicy(soakWindow, fixture, { config: { rollbackEnvironments: ["production-rollback"] } })).notApplicable,
    ).toMatch(/is a rollback environment/);
    expect(messages(await runResourcePolicy(soakWindow, fixture))).toEqual([
      "RepositoryEnvironment 'production-rollback' waits 0 minute(s) before deploying (waitTimer: 0); the soak window needs at least 10.",
    ]);
    // The exemption is by name: production itself still soaks.
    expect(
      messages(
        await runResourcePolicy(
          soakWindow,
          { ...fixture, props: { ...fixture.props, environment: "production" } },
          { config: { rollbackEnvironments: ["production-rollback"] } },
        ),
      ),
    ).toHaveLength(1);
  });

  test("production-protected-refs: main, when main is protected, is the only ref", async () => {
    // The fixtures' repository is `app`: the environment and its policy as the component registers them, there.
    const inApp = async (resource: { type: string; name: string; inputs: Promise<Record<string, unknown>> }): Promise<Fixture> => ({
      type: resource.type,
      name: resource.name,
      props: { ...(await resource.inputs), repository: "app" },
    });
    const fixtures: Fixture[] = [
      await inApp({ type: TYPES.environment, name: "app-production-rollback", inputs: inputsOf(environment.environment) }),
      await inApp({
        type: TYPES.deploymentPolicy,
        name: "app-production-rollback-branch-main",
        inputs: inputsOf(environment.deploymentPolicies[0]),
      }),
    ];
    expect(messages(await runStackPolicy(productionProtectedRefs, [repository(), branchRuleset(), ...fixtures]))).toEqual([]);
    expect(messages(await runStackPolicy(productionProtectedRefs, [repository(), ...fixtures]))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'app-production-rollback-branch-main' lets branch 'main' deploy to production, but no active ruleset or branch protection covers 'main'.",
    ]);
  });
});
