/**
 * `slipway import` as a user runs it (bin/slipway.js, against the local fixture server through
 * GITHUB_API_URL): the token is required, the three files are written and named, nothing is
 * overwritten without --force, and the gap report is `slipway gate --state`'s verdict on the
 * export of the stack `pulumi import --file` leaves behind.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse as parseYaml, parseDocument } from "yaml";
import { toStackExport, writeJson, type CliResult } from "../e2e/support";
import { makeScratch, removeScratch, REPO_ROOT, SLIPWAY_BIN, POLICY_CONFIG } from "../support/project";
import { todayStack } from "../../importer/gap";
import { inexpressibleLine, readToken } from "../../importer/run";
import { UserError } from "../../cli/errors";
import { startFixtureServer, type FixtureServer } from "./fixtures";
import { fixtureOrg, ORG } from "./org";
import { importFixture } from "./support";

/** Run `slipway <args>` from the repository root with `env` over this process's environment (GITHUB_TOKEN removed). */
function slipway(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const base = { ...process.env };
  delete base.GITHUB_TOKEN;
  delete base.GITHUB_API_URL;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SLIPWAY_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
  });
}

let scratch: string;
let server: FixtureServer;
let tokenFile: string;

beforeAll(async () => {
  scratch = makeScratch();
  server = await startFixtureServer(fixtureOrg());
  tokenFile = path.join(scratch, "token");
  fs.writeFileSync(tokenFile, "fixture-token\n");
});

afterAll(async () => {
  await server?.close();
  removeScratch(scratch);
});

describe("slipway import (the command)", () => {
  test("without a token it stops with one line and exit 2, and writes nothing", async () => {
    const out = path.join(scratch, "no-token");
    const result = await slipway(["import", "--owner", ORG, "--out", out], { GITHUB_API_URL: server.url });
    expect(result.status).toBe(2);
    expect(result.stderr.trim()).toBe(
      "slipway: no GitHub token: set GITHUB_TOKEN or pass --token-file <file> (a token that can read the organisation; import never writes)",
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  test("a missing token file is named", async () => {
    const result = await slipway(["import", "--owner", ORG, "--token-file", path.join(scratch, "absent")], { GITHUB_API_URL: server.url });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/absent.*cannot read the token file: no such file/);
  });

  test("it writes the stack file, the import file and the gap report, says so, and refuses to overwrite them without --force", async () => {
    const out = path.join(scratch, "written");
    const first = await slipway(["import", "--owner", ORG, "--out", out, "--token-file", tokenFile, "--markdown"], {
      GITHUB_API_URL: server.url,
    });
    expect(first.stderr).not.toMatch(/internal error/);
    expect(first.status).toBe(0);
    const stackFile = path.join(out, "Pulumi.production.yaml");
    const importFile = path.join(out, "slipway-import.production.json");
    const gapFile = path.join(out, "slipway-gap.production.md");
    expect(first.stdout).toContain(`Read 32 repositories of ${ORG}; nothing was changed on GitHub.`);
    for (const file of [stackFile, importFile, gapFile]) expect(first.stdout).toContain(`Wrote ${file}`);
    expect(first.stdout).toContain("Not readable with this token (1):\n  - svc-15: environments: 403");

    const written = parseYaml(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, { repositories?: unknown[] }> };
    expect(written.config["github:owner"]).toBe(ORG);
    expect(written.config["slipway:github"].repositories).toHaveLength(32);
    // The file lists every setting the contract cannot express, where it lives, as comments.
    const header = parseDocument(fs.readFileSync(stackFile, "utf8")).commentBefore ?? "";
    const count = /Settings the config contract cannot express \((\d+)\)/.exec(header);
    expect(Number(count?.[1])).toBeGreaterThan(20);
    expect(header).toContain("storefront: repository.allow_merge_commit (repository settings): today true; Slipway: false");
    expect(header).toContain("pulumi config set --secret --path 'slipway:environments.production.secrets.HEROKU_API_KEY'");
    expect(JSON.parse(fs.readFileSync(importFile, "utf8")).resources.length).toBeGreaterThan(150);
    expect(fs.readFileSync(gapFile, "utf8")).toContain("default-branch-protected");

    const before = fs.readFileSync(stackFile, "utf8");
    const requestsBefore = server.requests.length;
    const again = await slipway(["import", "--owner", ORG, "--out", out, "--token-file", tokenFile, "--markdown"], {
      GITHUB_API_URL: server.url,
    });
    expect(again.status).toBe(2);
    expect(again.stderr.trim()).toMatch(/Pulumi\.production\.yaml.*exists: slipway import does not overwrite it without --force$/);
    expect(fs.readFileSync(stackFile, "utf8")).toBe(before);
    // Refused before anything was read.
    expect(server.requests.length).toBe(requestsBefore);

    const forced = await slipway(
      ["import", "--owner", ORG, "--out", out, "--token-file", tokenFile, "--markdown", "--force", "--repo", "storefront"],
      { GITHUB_API_URL: server.url },
    );
    expect(forced.status).toBe(0);
    expect(
      (parseYaml(fs.readFileSync(stackFile, "utf8")) as { config: Record<string, { repositories: { name: string }[] }> }).config[
        "slipway:github"
      ].repositories.map((r) => r.name),
    ).toEqual(["storefront"]);
    expect(server.requests.every((r) => r.method === "GET")).toBe(true);
  }, 180_000);
});

describe("the token", () => {
  test("comes from GITHUB_TOKEN, or from --token-file, which wins; neither, or an empty file, is a usage error", () => {
    expect(readToken(undefined, { GITHUB_TOKEN: "from-env\n" })).toBe("from-env");
    expect(readToken(tokenFile, { GITHUB_TOKEN: "from-env" })).toBe("fixture-token");
    expect(() => readToken(undefined, {})).toThrow(UserError);
    expect(() => readToken(undefined, { GITHUB_TOKEN: "  " })).toThrow(/no GitHub token: set GITHUB_TOKEN or pass --token-file/);
    const empty = path.join(scratch, "empty-token");
    fs.writeFileSync(empty, "\n");
    expect(() => readToken(empty, {})).toThrow(/empty-token: is empty: expected a GitHub token/);
  });
});

describe("the gap report", () => {
  test("equals `slipway gate --state` on the export of the stack `pulumi import --file` leaves", async () => {
    const out = path.join(scratch, "consistency");
    const { result } = await importFixture(fixtureOrg(), out, { format: "json" });
    const exported = toStackExport(todayStack(result.config.resources, { owner: ORG, stack: "production" }));
    const exportFile = writeJson(scratch, "today.json", exported);
    const gate = await slipway(["gate", "--state", exportFile, "--json", "--policy-config", POLICY_CONFIG]);
    expect(gate.status).toBe(1);
    const gap = JSON.parse(result.gapText) as { stacks: { violations: unknown[] }[] };
    expect(JSON.parse(gate.stdout)).toEqual(gap);
    // A verdict with something in it: today's organisation is far from the playbook.
    expect(gap.stacks[0].violations.length).toBeGreaterThan(10);
    expect(fs.readFileSync(result.written.gapReport, "utf8")).toBe(result.gapText);
    expect(result.config.inexpressible.map(inexpressibleLine)).toContain(
      "legacy: ruleset.enforcement (ruleset 'protect main' (id 20030)): today disabled; Slipway: active",
    );
  }, 180_000);
});
