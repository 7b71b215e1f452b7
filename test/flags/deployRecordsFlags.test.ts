/**
 * The deploy workflow records a `flag` ledger event for each flag whose served value it changed
 * (004 §10: the audit trail). Before `pulumi up` its `flags-changed` step compares the flagd
 * document the environment served as the job started (`vars.SLIPWAY_FLAGS`) with the one the stack
 * file serves (`slipway flag changed`); once the release is live and its own ledger line written,
 * the `flags` ledger job runs `slipway ledger record --kind flag --flag <name>` for each.
 *
 * The steps' scripts run here under bash with the real `slipway` on a copy of the example project,
 * and the ledger job pushes to a real (local) git remote.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { flagdJson } from "../../config/flagd";
import { generateWorkflows } from "../../components/github/workflows";
import { flagsChanged, setFlag } from "../../release/flag";
import { readExistingLedger } from "../../release/ledger";
import { readFlags, openStackDocument } from "../../release/stackDocument";
import { actionlint } from "../support/actionlint";
import { runnerEnv } from "../support/runner";
import { copyProject, editStackFile, indexWhere, makeScratch, removeScratch, REPO_ROOT, slipwayKey } from "../support/project";
import { exampleConfig } from "../support/project";

const REPOSITORY = "acme/storefront";
type Step = { name?: string; id?: string; run?: string; env?: Record<string, string> };
type Job = { name: string; needs?: string[]; if?: string; outputs?: Record<string, string>; environment?: { name: string }; steps: Step[] };

const storefront = exampleConfig("production").github.repositories.find((repository) => repository.name === "storefront")!;
const workflows = generateWorkflows({
  repositories: [{ config: storefront }],
  deployStacks: ["staging", "production"],
  deploySecretNames: ["PULUMI_ACCESS_TOKEN"],
});
const deployFile = (stack: string) => workflows.find((workflow) => workflow.path === `.github/workflows/deploy-${stack}.yml`)!;
const deployJobs = (stack: string) => parse(deployFile(stack).content).jobs as Record<string, Job>;

/** What the stack's environment serves from its current stack file: the `SLIPWAY_FLAGS` the last deploy wrote. */
function servedNow(root: string, stack: "staging" | "production"): string {
  return flagdJson(readFlags(openStackDocument(root, stack)), stack);
}

let scratch: string;
beforeEach(() => {
  scratch = makeScratch();
});
afterEach(() => removeScratch(scratch));

describe("slipway flag changed: which flags a deploy serves differently", () => {
  test("nothing changed: none; `flag off` and a wider canary stage: those flags, in the file's order", () => {
    const root = copyProject(scratch, "changed");
    const before = servedNow(root, "production");
    expect(flagsChanged({ root, stack: "production", servedBefore: before }).changed).toEqual([]);
    editStackFile(root, "production", (document) => {
      const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
      document.setIn(
        slipwayKey("flags", index, "stages"),
        document.createNode([{ name: "house", scope: "platform-account", values: ["acme-house"] }]),
      );
    });
    // Declaring a stage serves nothing new yet.
    expect(flagsChanged({ root, stack: "production", servedBefore: before }).changed).toEqual([]);
    setFlag({ root, name: "dark-mode", state: "off", force: true });
    setFlag({ root, name: "auto-publish", state: "on", stage: "house", force: true });
    const result = flagsChanged({ root, stack: "production", servedBefore: before });
    expect(result.changed).toEqual(["auto-publish", "dark-mode"]);
    expect(result.text).toContain("Served values change for: auto-publish, dark-mode.");
  });

  test("a canary stage's values widened: changed, though the flag is still served 'stage house'", () => {
    const root = copyProject(scratch, "values");
    const stage = (values: string[]) =>
      editStackFile(root, "production", (document) => {
        const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
        document.setIn(slipwayKey("flags", index, "stages"), document.createNode([{ name: "house", scope: "platform-account", values }]));
        document.setIn(slipwayKey("flags", index, "rollout"), document.createNode({ production: "house" }));
      });
    stage(["acme-house"]);
    const before = servedNow(root, "production");
    stage(["acme-house", "acme-qa"]);
    expect(flagsChanged({ root, stack: "production", servedBefore: before }).changed).toEqual(["auto-publish"]);
  });

  test("metadata is not a served value: a changed production approval alone records nothing", () => {
    const root = copyProject(scratch, "metadata");
    const before = JSON.parse(servedNow(root, "production"));
    const name = Object.keys(before.flags)[0];
    before.flags[name].metadata = { ...before.flags[name].metadata, productionApproval: "CR-0001", scopes: "global" };
    expect(flagsChanged({ root, stack: "production", servedBefore: JSON.stringify(before) }).changed).toEqual([]);
    // The same document with the default variant flipped is a change.
    before.flags[name].defaultVariant = before.flags[name].defaultVariant === "on" ? "off" : "on";
    expect(flagsChanged({ root, stack: "production", servedBefore: JSON.stringify(before) }).changed).toEqual([name]);
  });

  test("the first deploy (nothing served) and an unreadable document count every flag as changed, and say why", () => {
    const root = copyProject(scratch, "first");
    const every = readFlags(openStackDocument(root, "staging")).map((flag) => flag.name);
    expect(every.length).toBeGreaterThan(1);
    const first = flagsChanged({ root, stack: "staging", servedBefore: "" });
    expect(first.changed).toEqual(every);
    expect(first.text).toContain("staging served no flag document before");
    for (const corrupt of ["{not json", '{"flags": "on"}', "[]"]) {
      const result = flagsChanged({ root, stack: "staging", servedBefore: corrupt });
      expect(result.changed).toEqual(every);
      expect(result.text).toContain("is not a flagd document: every flag of Pulumi.staging.yaml counts as changed");
    }
  });
});

describe("the generated deploy workflows record the flag events", () => {
  test.each(["staging", "production"])(
    "deploy-%s: the step before pulumi up reads the served document through env; the real actionlint reports nothing",
    (stack) => {
      const { deploy } = deployJobs(stack);
      const index = deploy.steps.findIndex((step) => step.id === "flags-changed");
      const up = deploy.steps.findIndex((step) => step.id === "pulumi-up");
      expect(index).toBeGreaterThan(-1);
      expect(up).toBeGreaterThan(index);
      const step = deploy.steps[index];
      expect(step.env).toEqual({ STACK: stack, SERVED_BEFORE: "${{ vars.SLIPWAY_FLAGS }}" });
      // The document reaches the shell only through env (workflow-injection-safe).
      expect(step.run).not.toContain("${{");
      expect(deploy.outputs?.flags).toBe("${{ steps.flags-changed.outputs.flags }}");
      expect(actionlint(deployFile(stack).content, deployFile(stack).path)).toEqual([]);
      // The linter is live: a broken reference to the step's output is reported.
      expect(
        actionlint(
          deployFile(stack).content.replace("steps.flags-changed.outputs.flags }}", "steps.flags-changed.outputs.flags"),
          deployFile(stack).path,
        ).length,
      ).toBeGreaterThan(0);
    },
  );

  test("the flags job runs after the release's own line, in the ledger's environment, only when a flag changed", () => {
    const production = deployJobs("production").flags;
    const staging = deployJobs("staging").flags;
    expect(production.needs).toEqual(["deploy", "ledger"]);
    expect(staging.needs).toEqual(["deploy", "staged"]);
    for (const job of [production, staging]) {
      expect(job.if).toBe("${{ needs.deploy.outputs.flags != '' }}");
      expect(job.environment).toEqual({ name: "slipway-ledger" });
      const record = job.steps.find((step) => step.name === "record flag in the ledger")!;
      expect(record.env?.FLAGS).toBe("${{ needs.deploy.outputs.flags }}");
      expect(record.run).toContain(
        'for flag in $FLAGS; do\n  node_modules/.bin/slipway ledger record --ledger ledger/releases/ledger.jsonl --kind flag --stack "$STACK"',
      );
      expect(record.run).toContain('--flag "$flag"\ndone');
    }
  });
});

describe("the steps' scripts, run by bash with the real slipway", () => {
  /** A project copy with `node_modules/.bin/slipway`, as the jobs' checkout and `npm ci` leave it. */
  function workspace(name: string): string {
    const root = copyProject(scratch, name);
    fs.mkdirSync(path.join(root, "node_modules", ".bin"), { recursive: true });
    fs.writeFileSync(
      path.join(root, "node_modules", ".bin", "slipway"),
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "bin", "slipway.js")}" "$@"\n`,
      { mode: 0o755 },
    );
    return root;
  }

  function bash(root: string, script: string, env: Record<string, string>) {
    const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
      cwd: root,
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? root, RUNNER_TEMP: root, SLIPWAY_PROJECT_DIR: root, ...env },
      encoding: "utf8",
    });
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  }

  const git = (cwd: string, ...args: string[]) => {
    const result = spawnSync("git", args, { cwd, encoding: "utf8" });
    if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr}`);
    return result.stdout.trim();
  };

  test("production: `flag off` is found before pulumi up, and the ledger job records and pushes one flag line for it", () => {
    const root = workspace("deploy");
    const served = servedNow(root, "production");
    setFlag({ root, name: "dark-mode", state: "off", force: true });

    // The deploy job's step, with the environment's variable as the job started.
    const jobs = deployJobs("production");
    const step = jobs.deploy.steps.find((candidate) => candidate.id === "flags-changed")!;
    const output = path.join(root, "github-output");
    const found = bash(root, step.run!, { ...step.env, SERVED_BEFORE: served, GITHUB_OUTPUT: output });
    expect({ status: found.status, stderr: found.stderr }).toEqual({ status: 0, stderr: "" });
    expect(fs.readFileSync(output, "utf8")).toBe("flags=dark-mode\n");

    // The ledger job: the ledger branch checked out at `ledger`, pushing to its remote.
    const remote = path.join(scratch, "remote.git");
    git(scratch, "init", "-q", "--bare", "-b", "slipway-ledger", remote);
    git(scratch, "clone", "-q", remote, path.join(root, "ledger"));
    fs.mkdirSync(path.join(root, "ledger", "releases"));
    fs.copyFileSync(path.join(root, "releases", "ledger.jsonl"), path.join(root, "ledger", "releases", "ledger.jsonl"));
    const ledger = path.join(root, "ledger");
    git(ledger, "add", ".");
    git(ledger, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m", "ledger");
    git(ledger, "push", "-q", "origin", "HEAD:refs/heads/slipway-ledger");
    const lines = fs
      .readFileSync(path.join(ledger, "releases", "ledger.jsonl"), "utf8")
      .trimEnd()
      .split("\n").length;

    const record = jobs.flags.steps.find((candidate) => candidate.name === "record flag in the ledger")!;
    const env = { ...record.env!, ...runnerEnv("production", 9101, REPOSITORY), VERSION: "1.4.0", FLAGS: "dark-mode" };
    const recorded = bash(root, record.run!, env);
    // git push reports on stderr; nothing else may.
    expect({ status: recorded.status, stderr: recorded.stderr }).toEqual({
      status: 0,
      stderr: expect.stringMatching(/^To \S+remote\.git\n\s+\w+\.\.\w+\s+HEAD -> slipway-ledger\n$/),
    });
    expect(recorded.stdout).toContain("flag dark-mode off 1.4.0 on production");
    const pushed = git(scratch, "--git-dir", remote, "show", "slipway-ledger:releases/ledger.jsonl").split("\n");
    expect(pushed).toHaveLength(lines + 1);
    expect(JSON.parse(pushed[pushed.length - 1])).toMatchObject({
      kind: "flag",
      stack: "production",
      version: "1.4.0",
      flag: { name: "dark-mode", served: "off" },
      run: { id: "9101" },
    });
    expect(readExistingLedger(root, "ledger/releases/ledger.jsonl").problems).toEqual([]);
  });

  test("nothing changed: the output is empty, so the flags job does not run", () => {
    const root = workspace("unchanged");
    const step = deployJobs("staging").deploy.steps.find((candidate) => candidate.id === "flags-changed")!;
    const output = path.join(root, "github-output");
    const found = bash(root, step.run!, { ...step.env, SERVED_BEFORE: servedNow(root, "staging"), GITHUB_OUTPUT: output });
    expect(found.status).toBe(0);
    expect(fs.readFileSync(output, "utf8")).toBe("flags=\n");
  });

  test("before the first deploy the variable is unset (empty): every flag is recorded", () => {
    const root = workspace("first");
    const step = deployJobs("staging").deploy.steps.find((candidate) => candidate.id === "flags-changed")!;
    const output = path.join(root, "github-output");
    const found = bash(root, step.run!, { ...step.env, SERVED_BEFORE: "", GITHUB_OUTPUT: output });
    expect(found.status).toBe(0);
    expect(fs.readFileSync(output, "utf8")).toBe(
      `flags=${readFlags(openStackDocument(root, "staging"))
        .map((flag) => flag.name)
        .join(" ")}\n`,
    );
  });

  test("a missing --served-before is a one-line user error (exit 2), not an empty pass", () => {
    const root = workspace("missing");
    const missing = bash(root, 'node_modules/.bin/slipway flag changed --stack production --github-output "$RUNNER_TEMP/out"', {});
    expect(missing.status).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toContain("flag changed needs --served-before");
    expect(fs.existsSync(path.join(root, "out"))).toBe(false);
  });
});
