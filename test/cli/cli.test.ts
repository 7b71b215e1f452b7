/**
 * The `slipway` command as a user runs it: plan both example stacks, clear one-line errors with
 * exit 2 for user mistakes, help on every command, secrets never printed.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { runStackInChild } from "../../gate/runner";
import { UserError } from "../../cli/errors";

const root = path.resolve(__dirname, "..", "..");

function slipway(...args: string[]) {
  const result = spawnSync(process.execPath, [path.join(root, "bin", "slipway.js"), ...args], { encoding: "utf8", cwd: root });
  // The CLI may note on stderr that it runs its TypeScript sources (a build older than a source).
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr.replace(/^slipway: .*: running the TypeScript sources through tsx.*\n/m, ""),
  };
}

/** The one stack of `plan --json`'s envelope. */
function planOf(stdout: string) {
  return JSON.parse(stdout).stacks[0];
}

/** Every `secure:` ciphertext in a stack file: none may ever be printed. */
function secureValues(stack: string): string[] {
  const text = fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8");
  return [...text.matchAll(/secure: (\S+)/g)].map((match) => match[1]);
}

describe("slipway plan on the example stacks", () => {
  const plans: Record<string, ReturnType<typeof slipway>> = {};
  beforeAll(() => {
    plans.staging = slipway("plan", "--stack", "staging", "--json");
    plans.production = slipway("plan", "--stack", "production", "--json");
  });

  it.each(["staging", "production"])("%s plans offline and exits 0", (stack) => {
    expect(plans[stack].stderr).toBe("");
    expect(plans[stack].code).toBe(0);
    const plan = planOf(plans[stack].stdout);
    expect(plan.stack).toBe(stack);
    expect(plan.project).toBe("slipway");
    expect(plan.outputs.environment).toBe(stack);
  });

  it("production registers every kind of target the playbooks ship to", () => {
    const types = new Set<string>(planOf(plans.production.stdout).resources.map((r: { type: string }) => r.type));
    for (const type of [
      "slipway:index:ReleaseTopology",
      "github:index/repositoryRuleset:RepositoryRuleset",
      "github:index/repositoryEnvironment:RepositoryEnvironment",
      "github:index/repositoryFile:RepositoryFile",
      "vercel:index/deployment:Deployment",
      "heroku:app/release:Release",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:batch/v1:Job",
      "postgresql:index/role:Role",
    ]) {
      expect(types).toContain(type);
    }
  });

  it("each resource is recorded with its parent, dependencies and options", () => {
    const resources = planOf(plans.production.stdout).resources as {
      type: string;
      name: string;
      parent?: string;
      protect: boolean;
      dependencies: string[];
    }[];
    const database = resources.find((r) => r.type === "postgresql:index/database:Database")!;
    expect(database.protect).toBe(true);
    expect(database.parent).toMatch(
      /^urn:pulumi:production::slipway::slipway:index:ReleaseTopology\$slipway:data:PostgresDatabase::storefront$/,
    );
    const contract = resources.find((r) => r.type === "kubernetes:batch/v1:Job" && r.name.includes("drop-legacy-status"))!;
    const rollout = resources.find((r) => r.type === "kubernetes:apps/v1:Deployment")!;
    expect(contract.dependencies.some((urn) => urn.endsWith(`::${rollout.name}`))).toBe(true);
  });

  it.each(["staging", "production"])(
    "%s: the topology hangs under the root Stack, everything else under a component typed slipway:<module>:<Type>",
    (stack) => {
      const resources = planOf(plans[stack].stdout).resources as { type: string; name: string; custom: boolean; parent?: string }[];
      // As under the engine: the root Stack holds the program, default providers stand beside it.
      const roots = resources
        .filter((r) => r.parent === undefined && !r.type.startsWith("pulumi:providers:"))
        .map((r) => `${r.type} ${r.name}`);
      expect(roots).toEqual([`pulumi:pulumi:Stack slipway-${stack}`]);
      const topLevel = resources
        .filter((r) => r.parent === `urn:pulumi:${stack}::slipway::pulumi:pulumi:Stack::slipway-${stack}`)
        .map((r) => `${r.type} ${r.name}`);
      expect(topLevel).toEqual(["slipway:index:ReleaseTopology release"]);
      for (const component of resources.filter((r) => !r.custom && r.type !== "pulumi:pulumi:Stack"))
        expect(component.type).toMatch(/^slipway:[a-z]+:[A-Z][A-Za-z]+$/);
    },
  );

  it.each(["staging", "production"])("%s never prints a secret's value", (stack) => {
    const values = secureValues(stack);
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(plans[stack].stdout).not.toContain(value);
    expect(plans[stack].stdout).toContain('"[secret]"');
  });

  it("the tree view names resources under their parents", () => {
    const tree = slipway("plan", "--stack", "production");
    expect(tree.code).toBe(0);
    expect(tree.stdout).toMatch(/^Stack production \(project slipway\): \d+ resources$/m);
    expect(tree.stdout).toMatch(/├─ slipway:apps:HerokuApp {2}api\n[│ ]*├─ heroku:app\/app:App {2}api {2}\[protect\]/);
    expect(tree.stdout).toContain("Offline run: no cloud was called, and the program looked nothing up.");
  });
});

describe("output survives a slow pipe", () => {
  it("plan --json reaches a reader that starts late, whole (well past a 64 KiB pipe buffer)", () => {
    // `slipway plan --json | jq` where jq is slow to start: stdout to a pipe is asynchronous.
    const command = `${JSON.stringify(process.execPath)} bin/slipway.js plan --stack production --json | (sleep 3; cat)`;
    const result = spawnSync("bash", ["-c", command], { cwd: root, encoding: "utf8", maxBuffer: 16 * 1024 * 1024 });
    expect(result.status).toBe(0);
    expect(result.stdout.length).toBeGreaterThan(64 * 1024);
    expect(planOf(result.stdout).stack).toBe("production");
  });
});

describe("user mistakes are one clear line and exit 2", () => {
  it("an unknown stack names the missing file and the known stacks", () => {
    const result = slipway("plan", "--stack", "prod");
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("Pulumi.prod.yaml");
    expect(result.stderr).toContain("known stacks: production, staging");
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("a missing --stack says which stacks exist", () => {
    const result = slipway("plan");
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("slipway: --stack is required; stacks in this project: production, staging");
  });

  it("the gate refuses an unknown stack before starting anything", () => {
    const result = slipway("gate", "--stack", "qa");
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("slipway: unknown stack 'qa': there is no Pulumi.qa.yaml (stacks: production, staging)");
  });

  it("a missing ledger is exit 2 naming it, never an empty pass", () => {
    const result = slipway("ledger", "verify", "--ledger", "missing.jsonl");
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(/^slipway: missing\.jsonl: does not exist;/);
  });

  it("a missing policy config file is named", () => {
    const result = slipway("gate", "--stack", "staging", "--policy-config", "nope.json");
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe("slipway: nope.json: does not exist (--policy-config)");
  });
});

describe("a config mistake stops the program before any resource is registered", () => {
  let projectDir: string;
  beforeAll(() => {
    projectDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-cli-"));
    for (const file of ["Pulumi.production.yaml", "Pulumi.staging.yaml", "CHANGELOG.md", "policy-config.json"])
      fs.copyFileSync(path.join(root, file), path.join(projectDir, file));
    // A project whose program is Slipway's: Pulumi.yaml names it as main.
    fs.writeFileSync(
      path.join(projectDir, "Pulumi.yaml"),
      `${fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8").trimEnd()}\nmain: ${root}\n`,
    );
    fs.mkdirSync(path.join(projectDir, "releases"));
    fs.copyFileSync(path.join(root, "releases", "ledger.jsonl"), path.join(projectDir, "releases", "ledger.jsonl"));
    const file = path.join(projectDir, "Pulumi.production.yaml");
    const document = parseDocument(fs.readFileSync(file, "utf8"));
    // A plain-text secret and an image by tag: both reported, at once.
    document.setIn(["config", "slipway:environments", "production", "secrets", "HEROKU_API_KEY"], "plain-text-key");
    document.setIn(["config", "slipway:release", "artifacts", "worker", "image"], "ghcr.io/acme/worker:latest");
    fs.writeFileSync(file, document.toString());
  });
  afterAll(() => fs.rmSync(projectDir, { recursive: true, force: true }));

  it("names the file, every key and what to do", async () => {
    const failure = runStackInChild({ projectDir, stack: "production" });
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow(
      [
        "Pulumi.production.yaml: 2 config problems:",
        "  - slipway:environments.production.secrets.HEROKU_API_KEY: is plain text, but this key only takes a secret: run `pulumi config set --secret --path 'slipway:environments.production.secrets.HEROKU_API_KEY' <value>`",
        "  - slipway:release.artifacts.worker.image: expected an image pinned by digest (registry/name@sha256:<64 hex>); tags like :latest can move",
      ].join("\n"),
    );
  });
});
