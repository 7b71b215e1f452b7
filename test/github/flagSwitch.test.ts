/**
 * flag.yml, the kill switch that acts in seconds (003 §7.2, §7.4 option A): dispatched by hand, it
 * waits for one approval from the release captains or on-call SRE in `<stack>-rollback` (no wait
 * timer, default branch only), turns one flag off with `slipway flag off`, updates only the flag
 * sources (`pulumi up --target`, the URNs the program lists), and records the `flag` event. Its
 * scripts run here under bash, with the real `slipway` on a copy of the example project and a
 * stand-in `pulumi` that answers with what the program really registers.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { generateWorkflows } from "../../components/github/workflows";
import { FLAG_STACK_FILE_ARTIFACT } from "../../components/github/flagSwitch";
import { flagdJson } from "../../config/flagd";
import { rollbackEnvironmentConfig } from "../../components/github/environment";
import { ledgerRecord, ledgerVerify } from "../../release/ledgerCommands";
import { openStackDocument, readFlags } from "../../release/stackDocument";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { deployJobGates } from "../../policy-pack/policies/deployJobs";
import { actionsPinned, workflowInjectionSafe } from "../../policy-pack/policies/workflowSecurity";
import { messages, runResourcePolicy, type Fixture } from "../policies/harness";
import { actionlint } from "../support/actionlint";
import { runnerEnv } from "../support/runner";
import { runProjectStack } from "../e2e/support";
import { copyProject, editStackFile, indexWhere, makeScratch, removeScratch, REPO_ROOT, slipwayKey } from "../support/project";
import { exampleConfig } from "../support/project";

type Step = {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
};
type Job = {
  name: string;
  needs?: string[];
  if?: string;
  environment?: { name: string };
  concurrency?: Record<string, unknown>;
  outputs?: Record<string, string>;
  steps: Step[];
};
type Workflow = { on: Record<string, any>; permissions: Record<string, string>; jobs: Record<string, Job> };

const FILE = ".github/workflows/flag.yml";
const production = exampleConfig("production");
const storefront = production.github.repositories.find((repository) => repository.name === "storefront")!;
const content = generateWorkflows({
  repositories: [{ config: storefront }],
  deployStacks: production.github.deployStacks,
  deploySecretNames: ["PULUMI_ACCESS_TOKEN", "SLIPWAY_GITHUB_TOKEN"],
}).find((workflow) => workflow.path === FILE)!.content;
const workflow = parse(content) as Workflow;
const fixture = (text: string): Fixture => ({
  type: TYPES.repositoryFile,
  name: "storefront-flag",
  props: { repository: "storefront", file: FILE, content: text },
});
const stepOf = (job: string, id: string) => workflow.jobs[job].steps.find((step) => step.id === id)!;

describe("flag.yml: the generated kill switch", () => {
  test("dispatched by hand with a stack and a flag; off only; one approval in the stack's rollback environment", () => {
    expect(Object.keys(workflow.on)).toEqual(["workflow_dispatch"]);
    const inputs = workflow.on.workflow_dispatch.inputs;
    expect(Object.keys(inputs)).toEqual(["stack", "flag"]);
    expect(inputs.stack).toMatchObject({ type: "choice", options: ["production", "staging"], default: "production", required: true });
    expect(inputs.flag).toMatchObject({ type: "string", required: true });
    expect(workflow.permissions).toEqual({ contents: "read" });
    expect(Object.entries(workflow.jobs).map(([id, job]) => [id, job.needs ?? [], job.environment?.name])).toEqual([
      ["plan", [], undefined],
      ["flag-production", ["plan"], "production-rollback"],
      ["ledger-production", ["flag-production"], "slipway-ledger"],
      ["flag-staging", ["plan"], "staging-rollback"],
      ["ledger-staging", ["flag-staging"], "slipway-ledger"],
    ]);
    expect(workflow.jobs["flag-production"].concurrency).toEqual({ group: "flag-production", "cancel-in-progress": false });
  });

  test("its environment is restricted to the named teams: the rollback reviewers, no wait timer, the default branch only", () => {
    const environment = rollbackEnvironmentConfig(production.environments.production!, "main");
    expect(environment.reviewerTeams.length).toBeGreaterThan(0);
    expect(environment.reviewerTeams).toEqual(
      production.environments.production!.rollback?.reviewerTeams ?? production.environments.production!.reviewerTeams,
    );
    expect(environment).toMatchObject({ waitTimerMinutes: 0, canAdminsBypass: false, deployRefs: { branches: ["main"], tags: [] } });
  });

  test("the real actionlint reports nothing, and does report a broken variant", () => {
    expect(actionlint(content, FILE)).toEqual([]);
    const broken = parse(content) as Workflow;
    broken.jobs["ledger-production"].needs = [];
    expect(actionlint(stringify(broken), FILE).map((error) => error.kind)).toContain("expression");
  });

  test("the pack judges it: injection-safe, pinned, and its production job passes deploy-job-gates", async () => {
    for (const policy of [workflowInjectionSafe, actionsPinned, deployJobGates]) {
      expect({ policy: policy.name, messages: messages(await runResourcePolicy(policy, fixture(content))) }).toEqual({
        policy: policy.name,
        messages: [],
      });
    }
    expect((await runResourcePolicy(deployJobGates, fixture(content))).notApplicable).toBeUndefined();
    // The flag input pasted into a script is reported.
    const injected = parse(content) as Workflow;
    injected.jobs["flag-production"].steps.find((step) => step.id === "flag")!.run =
      'node_modules/.bin/slipway flag off "${{ inputs.flag }}"';
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture(stringify(injected)))).join("\n")).toContain("inputs.flag");
    // Without its smoke step it is an ungated production deploy.
    const ungated = parse(content) as Workflow;
    ungated.jobs["flag-production"].steps = ungated.jobs["flag-production"].steps.filter((step) => step.id !== "smoke");
    expect(messages(await runResourcePolicy(deployJobGates, fixture(stringify(ungated)))).join("\n")).toContain("runs no smoke checks");
  });
});

describe("flag.yml's scripts under bash", () => {
  let scratch: string;
  beforeEach(() => {
    scratch = makeScratch();
  });
  afterEach(() => removeScratch(scratch));

  /** A git repository of the example project, `node_modules/.bin/slipway` the real CLI, and a stand-in `pulumi` that logs its argv. */
  function project(
    name: string,
    sources: string[],
  ): { root: string; env: Record<string, string>; run: (script: string, env: Record<string, string>) => ReturnType<typeof spawnSync> } {
    const root = copyProject(scratch, name);
    const bin = path.join(scratch, `${name}-bin`);
    fs.mkdirSync(path.join(root, "node_modules", ".bin"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "node_modules", ".bin", "slipway"),
      `#!/bin/sh\nexec node ${JSON.stringify(path.join(REPO_ROOT, "bin", "slipway.js"))} "$@"\n`,
      { mode: 0o755 },
    );
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "flag-sources.json"), JSON.stringify(sources));
    fs.writeFileSync(
      path.join(bin, "pulumi"),
      `#!/bin/bash\nprintf '%s\\n' "$*" >> ${JSON.stringify(path.join(bin, "pulumi.log"))}\nif [ "$1 $2 $3" = "stack output flagSources" ]; then cat ${JSON.stringify(path.join(bin, "flag-sources.json"))}; fi\n`,
      { mode: 0o755 },
    );
    const git = (...args: string[]) => expect(spawnSync("git", args, { cwd: root, encoding: "utf8" }).status).toBe(0);
    git("init", "-q");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A");
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "init");
    const temp = path.join(scratch, `${name}-tmp`);
    fs.mkdirSync(temp);
    const env = {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: process.env.HOME ?? scratch,
      RUNNER_TEMP: temp,
      GITHUB_OUTPUT: path.join(temp, "output"),
      GITHUB_STEP_SUMMARY: path.join(temp, "summary"),
      GITHUB_SHA: "3".repeat(40),
      SLIPWAY_PROJECT_DIR: root,
    };
    const run = (script: string, extra: Record<string, string>) =>
      spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
        cwd: root,
        env: { ...env, ...extra },
        encoding: "utf8",
      });
    return { root, env, run };
  }
  const served = (root: string, stack: "staging" | "production") => flagdJson(readFlags(openStackDocument(root, stack)), stack);
  const output = (file: string) => fs.readFileSync(file, "utf8");

  test("flag off, only that flag changes, pulumi up targets exactly the flag sources the program registers, and the ledger records the flag event", async () => {
    // What the program registers and lists: the environments' SLIPWAY_FLAGS variables and the ConfigMap.
    const source = copyProject(scratch, "program");
    const stack = await runProjectStack(source, "production");
    const flagSources = stack.outputs.flagSources as string[];
    const expected = stack.resources
      .filter(
        (resource) =>
          (resource.type === "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable" &&
            resource.inputs.variableName === "SLIPWAY_FLAGS" &&
            String(resource.inputs.environment).startsWith("production")) ||
          resource.type === "kubernetes:core/v1:ConfigMap",
      )
      .map((resource) => resource.urn);
    expect(expected.length).toBeGreaterThan(1);
    expect([...flagSources].sort()).toEqual([...expected].sort());

    const { root, env, run } = project("kill", flagSources);
    const flagStep = stepOf("flag-production", "flag");
    const before = served(root, "production");
    const flagRun = run(flagStep.run!, { STACK: "production", FLAG: "dark-mode", SERVED_BEFORE: before });
    expect(flagRun.stderr).toBe("");
    expect(flagRun.status).toBe(0);
    expect(output(env.GITHUB_OUTPUT)).toBe("flags=dark-mode\n");
    expect(readFlags(openStackDocument(root, "production")).find((flag) => flag.name === "dark-mode")!.defaults.production).toBe(false);

    const up = stepOf("flag-production", "pulumi-up");
    expect(up.if).toBe("steps.flag.outputs.flags != ''");
    expect(run(up.run!, { STACK: "production" }).status).toBe(0);
    const [, call] = output(path.join(scratch, "kill-bin", "pulumi.log"))
      .trimEnd()
      .split("\n");
    expect(call.startsWith("up --yes --stack production --policy-pack")).toBe(true);
    const targets = [...call.matchAll(/--target (\S+)/g)].map((match) => match[1]);
    expect(targets.sort()).toEqual([...expected].sort());

    // The ledger job, from the stack file the kill switch kept: a flag line from flag.yml.
    const ledger = workflow.jobs["ledger-production"];
    expect(ledger.if).toBe("${{ needs.flag-production.result == 'success' && needs.flag-production.outputs.flags != '' }}");
    expect(ledger.steps.find((step) => step.uses?.includes("download-artifact"))!.with).toEqual({
      name: FLAG_STACK_FILE_ARTIFACT,
      path: ".",
    });
    const record = ledger.steps.find((step) => step.name === "record flag in the ledger")!;
    expect(record.env).toMatchObject({
      FLAGS: "${{ needs.flag-production.outputs.flags }}",
      VERSION: "${{ needs.flag-production.outputs.version }}",
    });
    const kill = {
      ...runnerEnv("production", 9400, "acme/storefront"),
      GITHUB_WORKFLOW_REF: "acme/storefront/.github/workflows/flag.yml@refs/heads/main",
    };
    const recorded = ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: kill });
    expect(recorded.entry.event).toMatchObject({
      kind: "flag",
      stack: "production",
      flag: { name: "dark-mode", served: "off" },
      run: { id: "9400" },
    });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    // Once per run, and never from a tag.
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: kill })).toThrow("run 9400 already recorded flag dark-mode");
    const tagged = {
      ...runnerEnv("production", 9401, "acme/storefront"),
      GITHUB_WORKFLOW_REF: "acme/storefront/.github/workflows/flag.yml@refs/tags/v9.9.9",
    };
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: tagged })).toThrow(
      "recorded by .github/workflows/flag.yml from refs/tags/v9.9.9; the kill switch runs from a branch (its environment admits the default branch only), never a tag",
    );
    // It records flags only: a release event from flag.yml is refused.
    expect(() => ledgerRecord({ root, kind: "deployed", env: kill })).toThrow(
      "but only .github/workflows/deploy-production.yml records production events",
    );
  }, 120_000);

  test("refused before any update: a flag input that is not a key, an option in disguise, an undeployed change riding along, no flag sources", () => {
    const { root, run } = project("refuse", []);
    const flagStep = stepOf("flag-production", "flag");
    const before = served(root, "production");
    for (const flag of ["--stack=staging", "dark-mode; rm -rf /", "Dark-Mode", ""]) {
      const result = run(flagStep.run!, { STACK: "production", FLAG: flag, SERVED_BEFORE: before });
      expect({ flag, status: result.status, stdout: result.stdout }).toEqual({
        flag,
        status: 2,
        stdout: "::error title=kill switch::the flag input is not a flag key (kebab-case, as slipway:flags names them)\n",
      });
    }
    expect(run(flagStep.run!, { STACK: "production", FLAG: "no-such-flag", SERVED_BEFORE: before }).stderr).toContain(
      "names no flag 'no-such-flag'",
    );
    // A canary widening merged but not deployed (auto-publish: house, then pilot) may not ride along with the kill switch.
    const canary = (stage: string) => {
      editStackFile(root, "production", (document) => {
        const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
        document.setIn(
          slipwayKey("flags", index, "stages"),
          document.createNode([
            { name: "house", scope: "platform-account", values: ["acme-house"] },
            { name: "pilot", scope: "client", values: ["globex", "initech"] },
          ]),
        );
        document.setIn(slipwayKey("flags", index, "rollout"), document.createNode({ production: stage }));
      });
      spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", `canary ${stage}`], { cwd: root });
    };
    canary("house");
    const servedAtHouse = served(root, "production");
    canary("pilot");
    const riding = run(flagStep.run!, { STACK: "production", FLAG: "dark-mode", SERVED_BEFORE: servedAtHouse });
    expect(riding.status).toBe(1);
    expect(riding.stdout).toContain("Pulumi.production.yaml also serves auto-publish differently from what production serves now");
    // No flag sources listed: no update at all (an untargeted up would be a whole deploy).
    const up = run(stepOf("flag-production", "pulumi-up").run!, { STACK: "production" });
    expect(up.status).toBe(1);
    expect(up.stdout).toContain("lists no flag sources");
    expect(
      output(path.join(scratch, "refuse-bin", "pulumi.log"))
        .trimEnd()
        .split("\n"),
    ).toEqual(["stack output flagSources --json --stack production"]);
  });

  test("a second kill switch keeps the first one's flag off though its stack file is not merged yet", () => {
    const { root, env, run } = project("second", []);
    const flagStep = stepOf("flag-production", "flag");
    // new-checkout went on in production through the normal path; then a first kill switch served
    // dark-mode off, and main's stack file still has it on.
    editStackFile(root, "production", (document) => {
      const index = indexWhere(document, slipwayKey("flags"), "name", "new-checkout");
      document.setIn(slipwayKey("flags", index, "defaults", "production"), true);
    });
    spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "new-checkout on"], { cwd: root });
    const servedNow = JSON.parse(served(root, "production"));
    expect(servedNow.flags["dark-mode"].defaultVariant).toBe("on");
    servedNow.flags["dark-mode"].defaultVariant = "off";
    const other = { name: "new-checkout" };
    const result = run(flagStep.run!, { STACK: "production", FLAG: other.name, SERVED_BEFORE: JSON.stringify(servedNow) });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("dark-mode is served off in production, but the stack file has it otherwise");
    expect(output(env.GITHUB_OUTPUT)).toBe(`flags=${other.name}\n`);
    const flags = readFlags(openStackDocument(root, "production"));
    expect(flags.filter((flag) => flag.name === "dark-mode" || flag.name === other.name).map((flag) => flag.defaults.production)).toEqual([
      false,
      false,
    ]);
  });
});
