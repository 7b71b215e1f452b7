import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type Migrations, productionHistory, readLedger, sha256Hex } from "../../release/ledger";
import { ledgerRecord, ledgerVerify } from "../../release/ledgerCommands";
import { defaultRollbackTarget, rollback } from "../../release/rollback";
import {
  CHANGELOG,
  RELEASE_1_2,
  RELEASE_1_3,
  RELEASE_1_4,
  commitAll,
  fixtureRun,
  ledgerLines,
  makeProject,
  readFile,
  record,
  removeProject,
  runnerEnv,
  shipToProduction,
} from "./fixtures";

const NOW = new Date("2026-11-21T03:14:00.000Z");
let root: string;

afterEach(() => removeProject(root));

function productionConfig(): { release: Record<string, unknown>; flags: { name: string; defaults: Record<string, boolean> }[] } {
  const config = parse(readFile(root, "Pulumi.production.yaml")).config;
  return { release: config["slipway:release"], flags: config["slipway:flags"] };
}

/** Production ran 1.2.0, 1.3.0, then 1.4.0 (L3, scheduled-publish on in production). */
function productionRan(options: { migrationsOf12?: Migrations; migrationsOf13?: Migrations } = {}): void {
  root = makeProject(RELEASE_1_4);
  shipToProduction(root, RELEASE_1_2, options.migrationsOf12);
  shipToProduction(root, RELEASE_1_3, options.migrationsOf13);
  shipToProduction(root, RELEASE_1_4);
  commitAll(root);
}

describe("rollback returns production to the last good release", () => {
  test("by default to the release production ran before the current one, restoring its config", () => {
    productionRan();
    const result = rollback({ root, reason: "INC-42: duplicate DMs", now: NOW });
    expect(result.exitCode).toBe(0);
    expect([result.from, result.to]).toEqual(["1.4.0", "1.3.0"]);
    expect(productionConfig().release).toEqual({
      version: "1.3.0",
      level: "L2",
      changeRequest: "CR-130",
      hotfix: false,
      artifacts: RELEASE_1_3.artifacts,
      rollback: { from: "1.4.0", reason: "INC-42: duplicate DMs" },
    });
    expect(result.text).toContain("ROLLBACK 1.4.0 → 1.3.0: Pulumi.production.yaml now carries 1.3.0 (L2, CR-130)");
  });

  test("every L3 flag is forced off in production first, other flags and environments untouched (003 §7.2)", () => {
    productionRan();
    const result = rollback({ root, now: NOW });
    const flags = Object.fromEntries(productionConfig().flags.map((flag) => [flag.name, flag.defaults]));
    expect(flags["scheduled-publish"]).toEqual({ preview: true, staging: true, production: false });
    expect(flags["auto-engage"]).toEqual({ preview: true, staging: true, production: false });
    expect(flags["new-composer"]).toEqual({ preview: true, staging: true, production: true });
    expect(result.flagsTurnedOff).toEqual(["scheduled-publish"]);
    expect(result.text).toContain("L3 flags forced off in production (003 §7.2): scheduled-publish.");
    expect(result.text).toContain("L3 flags already off: auto-engage.");
  });

  test("the stack file keeps its comments", () => {
    productionRan();
    const before = readFile(root, "Pulumi.production.yaml");
    rollback({ root, now: NOW });
    const after = readFile(root, "Pulumi.production.yaml");
    const comments = (text: string) =>
      text
        .split("\n")
        .filter((line) => line.includes("#"))
        .map((line) => line.slice(line.indexOf("#")));
    expect(comments(after)).toEqual(comments(before));
    expect(after).toContain("productionApproval: CR-150 # approved after the canary");
  });

  test("only the deploy workflow writes the ledger: once the rollback is deployed it records rolled-back with the marker", () => {
    productionRan();
    const before = ledgerLines(root);
    rollback({ root, reason: "INC-42", now: NOW });
    expect(ledgerLines(root)).toEqual(before);
    commitAll(root);
    // deploy-production.yml's ledger job, after the rollback's deploy and smoke.
    const recorded = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 9100), approvers: ["sre-lead"], now: NOW });
    const after = ledgerLines(root);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(JSON.parse(after[after.length - 1])).toMatchObject({
      seq: before.length + 1,
      kind: "rolled-back",
      stack: "production",
      version: "1.3.0",
      from: "1.4.0",
      to: "1.3.0",
      marker: "ROLLBACK 1.4.0 → 1.3.0",
      artifacts: RELEASE_1_3.artifacts,
      actor: "deploy-bot",
      run: fixtureRun("production", 9100),
      approvers: ["sre-lead"],
      note: "INC-42",
      time: NOW.toISOString(),
      prev: sha256Hex(before[before.length - 1]),
    });
    expect(recorded.text).toContain("rolled-back 1.3.0 on production, 'ROLLBACK 1.4.0 → 1.3.0'");
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    expect(productionHistory(readLedger(root)).map((run) => run.version)).toEqual(["1.2.0", "1.3.0", "1.4.0", "1.3.0"]);
  });

  test("the emergency rollback workflow (rollback.yml) records its rollback too, and nothing else, from a branch only", () => {
    productionRan();
    rollback({ root, reason: "INC-42 (incident https://github.com/acme/shop/issues/77)", now: NOW });
    commitAll(root);
    const before = ledgerLines(root);
    const emergency = (id: number, ref: string) => ({
      ...runnerEnv("production", id),
      GITHUB_WORKFLOW_REF: `acme/shop/.github/workflows/rollback.yml@${ref}`,
    });
    // A run from a pushed tag is not the workflow whose environment admits the default branch alone.
    expect(() => ledgerRecord({ root, kind: "deployed", env: emergency(9200, "refs/tags/v9.9.9"), now: NOW })).toThrow(
      "refusing to record: rolled-back 1.3.0: recorded by .github/workflows/rollback.yml from refs/tags/v9.9.9; the rollback workflow runs from a branch (its environment admits the default branch only), never a tag",
    );
    const recorded = ledgerRecord({ root, kind: "deployed", env: emergency(9201, "refs/heads/main"), approvers: ["sre-lead"], now: NOW });
    expect(recorded.entry.event).toMatchObject({
      kind: "rolled-back",
      marker: "ROLLBACK 1.4.0 → 1.3.0",
      note: "INC-42 (incident https://github.com/acme/shop/issues/77)",
      run: { id: "9201", workflow: "acme/shop/.github/workflows/rollback.yml@refs/heads/main" },
      approvers: ["sre-lead"],
    });
    expect(ledgerLines(root)).toHaveLength(before.length + 1);
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    // Any other event from it is refused: it promotes nothing.
    expect(() =>
      record(root, "promoted", RELEASE_1_4, {
        run: { ...fixtureRun("production", 9202), workflow: "acme/shop/.github/workflows/rollback.yml@refs/heads/main" },
      }),
    ).toThrow(
      "promoted 1.4.0: recorded by .github/workflows/rollback.yml, but only .github/workflows/deploy-production.yml records production events",
    );
  });

  test("--github-output hands from, to and the marker to the rollback workflow's next steps", () => {
    productionRan();
    const outputs = path.join(root, "github-output");
    fs.writeFileSync(outputs, "earlier=kept\n");
    const cli = spawnSync(
      process.execPath,
      [path.resolve(__dirname, "..", "..", "bin", "slipway.js"), "rollback", "--dry-run", "--reason", "INC-42", "--github-output", outputs],
      {
        env: { ...process.env, SLIPWAY_PROJECT_DIR: root, SLIPWAY_LEDGER: "releases/ledger.jsonl" },
        encoding: "utf8",
      },
    );
    expect(cli.status).toBe(0);
    expect(fs.readFileSync(outputs, "utf8")).toBe("earlier=kept\nfrom=1.4.0\nto=1.3.0\nmarker=ROLLBACK 1.4.0 → 1.3.0\n");
  });

  test("it says what to run next", () => {
    productionRan();
    const result = rollback({ root, now: NOW });
    expect(result.nextSteps).toEqual([
      "pulumi preview --stack production --policy-pack policy-pack --policy-pack-config policy-config.json --non-interactive --diff",
      "gh workflow run deploy-production.yml --ref main",
    ]);
    expect(result.text).toContain(`  ${result.nextSteps[0]}\n  ${result.nextSteps[1]}`);
  });

  test("a dry run shows the rollback and writes nothing", () => {
    productionRan();
    const stackBefore = readFile(root, "Pulumi.production.yaml");
    const ledgerBefore = ledgerLines(root);
    const result = rollback({ root, now: NOW, dryRun: true });
    expect(result.text).toContain("Dry run: ROLLBACK 1.4.0 → 1.3.0 would write 1.3.0 into Pulumi.production.yaml");
    expect(result.diff).toContain("+    version: 1.3.0");
    expect(readFile(root, "Pulumi.production.yaml")).toBe(stackBefore);
    expect(ledgerLines(root)).toEqual(ledgerBefore);
  });

  test("an explicit earlier target production ran is accepted", () => {
    productionRan();
    expect(rollback({ root, to: "1.2.0", now: NOW }).marker).toBe("ROLLBACK 1.4.0 → 1.2.0");
    expect(productionConfig().release.version).toBe("1.2.0");
  });

  test("after a rollback, the next default target skips the release production was rolled back from", () => {
    productionRan();
    rollback({ root, now: NOW });
    commitAll(root);
    ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 9101), now: NOW });
    const second = rollback({ root, now: NOW });
    expect([second.from, second.to]).toEqual(["1.3.0", "1.2.0"]);
  });

  test("when production's stack file is ahead of the ledger (smoke never passed), the target is the ledger's last release", () => {
    root = makeProject(RELEASE_1_4);
    shipToProduction(root, RELEASE_1_2);
    shipToProduction(root, RELEASE_1_3);
    record(root, "staged", RELEASE_1_4);
    record(root, "validated", RELEASE_1_4); // promoted, applied, smoke failed: no promoted line
    commitAll(root);
    const result = rollback({ root, now: NOW });
    expect([result.from, result.to]).toEqual(["1.4.0", "1.3.0"]);
  });
});

describe("rollback refuses unsafe targets, with the reason, and changes nothing", () => {
  function expectUntouched(action: () => unknown, message: string): void {
    const stackFile = readFile(root, "Pulumi.production.yaml");
    const ledger = readFile(root, "releases/ledger.jsonl");
    expect(action).toThrow(message);
    expect(readFile(root, "Pulumi.production.yaml")).toBe(stackFile);
    expect(readFile(root, "releases/ledger.jsonl")).toBe(ledger);
  }

  test("a version staging never validated", () => {
    productionRan();
    expectUntouched(() => rollback({ root, to: "1.1.0" }), "refusing to roll back from 1.4.0 to 1.1.0: staging never validated 1.1.0");
  });

  test("a validated version production never ran", () => {
    productionRan();
    const next = { ...RELEASE_1_4, version: "1.5.0" };
    record(root, "staged", next);
    record(root, "validated", next);
    expectUntouched(
      () => rollback({ root, to: "1.5.0" }),
      "refusing to roll back from 1.4.0 to 1.5.0: production never ran 1.5.0; a rollback returns to a release production ran (promote it instead)",
    );
  });

  test("the version production already runs", () => {
    productionRan();
    expectUntouched(() => rollback({ root, to: "1.4.0" }), "production already runs 1.4.0");
  });

  test("across a contract migration declared in the ledger", () => {
    productionRan({
      migrationsOf12: { expand: ["add-state-v2"], contract: [] },
      migrationsOf13: { expand: [], contract: ["drop-legacy-state"], completes: { "drop-legacy-state": "add-state-v2" } },
    });
    expectUntouched(
      () => rollback({ root, to: "1.2.0" }),
      "refusing to roll back from 1.4.0 to 1.2.0: it crosses a contract migration: 1.3.0 ships contract migration drop-legacy-state (ledger line 4)",
    );
    // The ledger's own rules refuse the same line.
    expect(() => record(root, "rolled-back", RELEASE_1_2, { from: "1.4.0" })).toThrow(
      "refusing to record: rolled-back 1.2.0: crosses a contract migration: 1.3.0 ships contract migration drop-legacy-state (ledger line 4)",
    );
    // Returning to 1.3.0 itself does not cross it: 1.3.0 already ran on the contracted schema.
    expect(rollback({ root, to: "1.3.0" }).to).toBe("1.3.0");
  });

  test("across a contract migration Job production's stack file runs, whatever the ledger recorded", () => {
    productionRan();
    const contractJob = [
      "  slipway:apps:",
      "    kubernetes:",
      "      migrations:",
      "        - name: drop-posts-state",
      "          phase: contract",
      "          completes: add-posts-state-v2",
      "          app: api",
      "          command: [npm, run, migrate]",
      "",
    ].join("\n");
    fs.appendFileSync(path.join(root, "Pulumi.production.yaml"), contractJob);
    commitAll(root);
    expectUntouched(
      () => rollback({ root }),
      "refusing to roll back from 1.4.0 to 1.3.0: it crosses a contract migration: 1.4.0 ships contract migration drop-posts-state (Pulumi.production.yaml slipway:apps.kubernetes.migrations)",
    );
  });

  test("across a contract migration declared in the changelog", () => {
    productionRan();
    const changelog = CHANGELOG.replace(
      "Migrations: expand: add dm_batches table; contract: none",
      "Migrations: expand: add dm_batches table; contract: drop dm_legacy",
    );
    fs.writeFileSync(path.join(root, "CHANGELOG.md"), changelog);
    expectUntouched(
      () => rollback({ root }),
      "it crosses a contract migration: 1.4.0 ships contract migration drop dm_legacy (CHANGELOG.md section [1.4.0]); 1.3.0 would run against a schema it no longer matches: fix forward",
    );
  });

  test("a production stack file with uncommitted edits", () => {
    productionRan();
    fs.appendFileSync(path.join(root, "Pulumi.production.yaml"), "# wip\n");
    const ledger = readFile(root, "releases/ledger.jsonl");
    expect(() => rollback({ root })).toThrow("Pulumi.production.yaml: has uncommitted changes");
    expect(readFile(root, "releases/ledger.jsonl")).toBe(ledger);
  });

  test("no earlier release to return to", () => {
    root = makeProject(RELEASE_1_2);
    shipToProduction(root, RELEASE_1_2);
    commitAll(root);
    expectUntouched(() => rollback({ root }), "production ran no release other than 1.2.0: there is nothing to roll back to");
  });
});

describe("default rollback target", () => {
  const run = (version: string, kind: "promoted" | "rolled-back" = "promoted", from?: string) => ({
    version,
    kind,
    from,
    level: "L2" as const,
    changeRequest: "CR-1",
    artifacts: {},
    gitSha: "a".repeat(40),
    time: NOW.toISOString(),
    line: 1,
  });

  test("the previous release, skipping repeats of the current one and releases rolled back from", () => {
    expect(defaultRollbackTarget([run("1.0.0"), run("1.1.0")], "1.1.0")).toBe("1.0.0");
    expect(defaultRollbackTarget([run("1.0.0"), run("1.1.0"), run("1.0.0", "rolled-back", "1.1.0")], "1.0.0")).toBeUndefined();
    expect(defaultRollbackTarget([run("0.9.0"), run("1.0.0"), run("1.1.0"), run("1.0.0", "rolled-back", "1.1.0")], "1.0.0")).toBe("0.9.0");
    expect(defaultRollbackTarget([run("1.0.0"), run("1.1.0")], "1.2.0")).toBe("1.1.0");
    expect(defaultRollbackTarget([], "1.0.0")).toBeUndefined();
  });
});

describe("staging gets the same rollback: to the last release it validated (000 §3, 004 §8)", () => {
  /** Production ran 1.2.0 and 1.3.0; staging staged 1.4.0 (it runs it now). */
  function stagingRuns14(): void {
    root = makeProject(RELEASE_1_3);
    shipToProduction(root, RELEASE_1_2);
    shipToProduction(root, RELEASE_1_3);
    record(root, "staged", RELEASE_1_4);
    commitAll(root);
  }
  const stagingConfig = () => parse(readFile(root, "Pulumi.staging.yaml")).config;

  test("by default to the newest release staging validated before the current one, its artifacts, L3 flags off in staging", () => {
    stagingRuns14();
    const productionBefore = readFile(root, "Pulumi.production.yaml");
    const result = rollback({ root, stack: "staging", reason: "INC-9: staging publishes twice", now: NOW });
    expect([result.from, result.to, result.marker]).toEqual(["1.4.0", "1.3.0", "ROLLBACK 1.4.0 → 1.3.0"]);
    expect(stagingConfig()["slipway:release"]).toEqual({
      version: "1.3.0",
      level: "L2",
      changeRequest: "CR-130",
      hotfix: false,
      artifacts: RELEASE_1_3.artifacts,
      rollback: { from: "1.4.0", reason: "INC-9: staging publishes twice" },
    });
    const flags = Object.fromEntries(
      stagingConfig()["slipway:flags"].map((flag: { name: string; defaults: Record<string, boolean> }) => [
        flag.name,
        flag.defaults.staging,
      ]),
    );
    expect(flags).toEqual({ "scheduled-publish": false, "auto-engage": false, "new-composer": true, "bulk-dm": false });
    expect(result.flagsTurnedOff).toEqual(["scheduled-publish", "auto-engage", "bulk-dm"]);
    // Production is not touched.
    expect(readFile(root, "Pulumi.production.yaml")).toBe(productionBefore);
  });

  test("rollback.yml records it as the target staged again, with the marker and reason as the note; a build staging never validated is refused", () => {
    stagingRuns14();
    rollback({ root, stack: "staging", reason: "INC-9", now: NOW });
    commitAll(root);
    const env = { ...runnerEnv("staging", 9300), GITHUB_WORKFLOW_REF: "acme/shop/.github/workflows/rollback.yml@refs/heads/main" };
    const recorded = ledgerRecord({ root, kind: "staged", env, now: NOW });
    expect(recorded.entry.event).toMatchObject({
      kind: "staged",
      stack: "staging",
      version: "1.3.0",
      artifacts: RELEASE_1_3.artifacts,
      note: "ROLLBACK 1.4.0 → 1.3.0: INC-9",
    });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    // Through rollback.yml, only a release staging validated, build for build.
    const rebuilt = {
      ...RELEASE_1_3,
      artifacts: { ...RELEASE_1_3.artifacts, worker: { image: `ghcr.io/acme/worker@sha256:${"9".repeat(64)}` } },
    };
    expect(() =>
      record(root, "staged", rebuilt, {
        run: { ...fixtureRun("staging", 9301), workflow: "acme/shop/.github/workflows/rollback.yml@refs/heads/main" },
      }),
    ).toThrow(
      "staged 1.3.0: recorded by .github/workflows/rollback.yml, but staging never validated 1.3.0 with these artifacts; a rollback returns staging to a release it validated",
    );
  });

  test("a target staging never validated, or the release it runs, is refused and nothing is written", () => {
    stagingRuns14();
    const before = readFile(root, "Pulumi.staging.yaml");
    expect(() => rollback({ root, stack: "staging", to: "1.1.0", now: NOW })).toThrow(
      "refusing to roll staging back from 1.4.0 to 1.1.0: staging never validated 1.1.0",
    );
    expect(() => rollback({ root, stack: "staging", to: "1.4.0", now: NOW })).toThrow(
      "refusing to roll staging back from 1.4.0 to 1.4.0: staging already runs 1.4.0",
    );
    expect(readFile(root, "Pulumi.staging.yaml")).toBe(before);
  });

  test("never across a contract migration staging ran since the target", () => {
    root = makeProject(RELEASE_1_3);
    shipToProduction(root, RELEASE_1_2, { expand: ["add-state-v2"], contract: [] });
    shipToProduction(root, RELEASE_1_3, {
      expand: [],
      contract: ["drop-legacy-state"],
      completes: { "drop-legacy-state": "add-state-v2" },
    });
    record(root, "staged", RELEASE_1_4);
    commitAll(root);
    expect(() => rollback({ root, stack: "staging", to: "1.2.0", now: NOW })).toThrow(
      /^releases\/ledger\.jsonl: refusing to roll staging back from 1\.4\.0 to 1\.2\.0: it crosses a contract migration: 1\.3\.0 ships contract migration drop-legacy-state \(ledger line \d+\)/,
    );
    // 1.3.0 itself ran on the contracted schema.
    expect(rollback({ root, stack: "staging", now: NOW }).to).toBe("1.3.0");
  });
});
