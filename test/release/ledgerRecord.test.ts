/**
 * `slipway ledger record` as the workflows run it: what it reads from the runner and the stack
 * files, what it writes, and every refusal naming the file and key a user has to fix.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ledgerRecord, ledgerVerify } from "../../release/ledgerCommands";
import { rollback } from "../../release/rollback";
import {
  commitAll,
  createEmptyLedger,
  ledgerLines,
  makeProject,
  RELEASE_1_2,
  RELEASE_1_3,
  RELEASE_1_4,
  record,
  removeProject,
  runnerEnv,
  shipToProduction,
  stagingYaml,
  writeLedgerLines,
} from "./fixtures";

const NOW = new Date("2026-11-21T03:14:00.000Z");
let root: string;
beforeEach(() => {
  root = makeProject();
});
afterEach(() => removeProject(root));

function editStackFile(stack: "staging" | "production", edit: (text: string) => string): void {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  fs.writeFileSync(file, edit(fs.readFileSync(file, "utf8")));
}

/** A kubernetes expand migration in the stack's config (what the deploy runs). */
function declareMigration(stack: "staging" | "production"): void {
  fs.appendFileSync(
    path.join(root, `Pulumi.${stack}.yaml`),
    [
      "  slipway:apps:",
      "    kubernetes:",
      "      migrations:",
      "        - {name: add-order-channel, phase: expand, app: api, command: [npm, run, migrate]}",
      "",
    ].join("\n"),
  );
}

/** A run of one of the repository's other workflows, from the default branch. */
function workflowEnv(stack: "staging" | "production", id: number, workflow: string): Record<string, string> {
  return { ...runnerEnv(stack, id), GITHUB_WORKFLOW_REF: `acme/shop/.github/workflows/${workflow}@refs/heads/main` };
}

describe("ledger record outside a deploy run, or without what it needs, refuses with the key to fix", () => {
  test("outside GitHub Actions it says which workflows record the ledger", () => {
    createEmptyLedger(root);
    expect(() => ledgerRecord({ root, kind: "staged", env: { ...runnerEnv("staging", 1), GITHUB_ACTIONS: "false" } })).toThrow(
      "run: only the deploy workflows record ledger events, and this is not a GitHub Actions run (GITHUB_ACTIONS is not 'true'); a release is staged and validated by deploy-staging.yml and promoted by deploy-production.yml",
    );
  });

  test("each refusal names its key: run, kind, phase, flag, version", () => {
    createEmptyLedger(root);
    const env = runnerEnv("staging", 2);
    const refusal = (options: Partial<Parameters<typeof ledgerRecord>[0]>) => {
      try {
        ledgerRecord({ root, kind: "staged", env, ...options });
      } catch (error) {
        return (error as Error).message;
      }
      return "recorded";
    };
    expect(refusal({ env: { ...env, GITHUB_WORKFLOW_REF: "deploy-staging.yml" } })).toBe(
      "run: GITHUB_WORKFLOW_REF 'deploy-staging.yml' is not <owner>/<repo>/.github/workflows/<file>@<ref>",
    );
    expect(refusal({ kind: "shipped" as "staged" })).toMatch(/^kind: 'shipped' is not a ledger event/);
    expect(refusal({ kind: "migrated" })).toBe("phase: a migrated event names the phase it ran: pass --phase expand or contract");
    expect(refusal({ phase: "expand" })).toBe("phase: --phase belongs to a migrated event, not staged");
    expect(refusal({ kind: "flag" })).toBe("flag: a flag event names its flag: pass --flag <name>");
    expect(refusal({ flag: "bulk-dm" })).toBe("flag: --flag belongs to a flag event, not staged");
    expect(refusal({ version: "1.5.0" })).toBe(
      "version: give all of version, level, changeRequest and artifacts, or none of them (to read the stack file's slipway:release)",
    );
    expect(ledgerLines(root)).toEqual([]);
  });

  test("without GITHUB_SHA the release commit is the project's git HEAD; outside a repository it must be given", () => {
    createEmptyLedger(root);
    const { GITHUB_SHA: _sha, ...env } = runnerEnv("staging", 3);
    expect(() => ledgerRecord({ root, kind: "staged", env })).toThrow(
      "gitSha: cannot tell the release commit: pass --git-sha (or set GITHUB_SHA)",
    );
    commitAll(root);
    const head = execFileSync("git", ["rev-parse", "HEAD"], { cwd: root, encoding: "utf8" }).trim();
    expect(ledgerRecord({ root, kind: "staged", env }).entry.event.gitSha).toBe(head);
  });

  test("without GITHUB_ACTOR or USER, or with an empty actor, nobody can be named as the recorder", () => {
    createEmptyLedger(root);
    const { GITHUB_ACTOR: _actor, ...env } = runnerEnv("staging", 4);
    const refusal = "actor: cannot tell who records: pass --actor (or set GITHUB_ACTOR / USER)";
    expect(() => ledgerRecord({ root, kind: "staged", env })).toThrow(refusal);
    expect(() => ledgerRecord({ root, kind: "staged", env: { ...env, GITHUB_ACTOR: "" } })).toThrow(refusal);
    expect(ledgerRecord({ root, kind: "staged", env: { ...env, USER: "ci-user" } }).entry.event.actor).toBe("ci-user");
  });
});

describe("ledger record reads the release from the stack file, or takes the whole release given", () => {
  test("a release given in full is recorded as given, not the stack file's", () => {
    createEmptyLedger(root);
    const given = { version: "1.5.0", level: "L1" as const, changeRequest: "CR-150", artifacts: RELEASE_1_3.artifacts };
    const staged = ledgerRecord({ root, kind: "staged", ...given, env: runnerEnv("staging", 10), now: NOW });
    expect(staged.entry.event).toMatchObject(given);
  });

  test("a stack file without a release is named", () => {
    createEmptyLedger(root);
    fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), "config:\n  slipway:environment: staging\n");
    expect(() => ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 11) })).toThrow(
      "Pulumi.staging.yaml: slipway:release: is missing: cannot record staged without a release",
    );
    fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), "config:\n  slipway:environment: production\n");
    expect(() => ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 12) })).toThrow(
      "Pulumi.production.yaml: slipway:release: is missing: cannot tell what production deployed",
    );
  });

  test("a rolled-back event records only a release `slipway rollback` wrote", () => {
    createEmptyLedger(root);
    expect(() => ledgerRecord({ root, kind: "rolled-back", env: runnerEnv("production", 13) })).toThrow(
      "Pulumi.production.yaml: slipway:release.rollback: has no rollback section: a rolled-back event records a release `slipway rollback` wrote",
    );
  });

  test("staging's rollback is staged with its marker as the note, or the note given", () => {
    createEmptyLedger(root);
    fs.writeFileSync(
      path.join(root, "Pulumi.staging.yaml"),
      stagingYaml(RELEASE_1_3).replace("    hotfix: false", '    hotfix: false\n    rollback:\n      from: "1.4.0"'),
    );
    expect(ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 14), now: NOW }).entry.event.note).toBe("ROLLBACK 1.4.0 → 1.3.0");
    const noted = ledgerRecord({ root, kind: "staged", note: "INC-9: bad build", env: runnerEnv("staging", 15), now: NOW });
    expect(noted.entry.event.note).toBe("INC-9: bad build");
  });

  test("a release shipping one expand and one contract migration records both", () => {
    shipToProduction(root, RELEASE_1_2, { expand: ["add-state-v2"], contract: [] });
    fs.appendFileSync(
      path.join(root, "Pulumi.staging.yaml"),
      [
        "  slipway:apps:",
        "    kubernetes:",
        "      migrations:",
        "        - {name: add-order-channel, phase: expand, app: api, command: [npm, run, migrate]}",
        "        - {name: drop-legacy-state, phase: contract, completes: add-state-v2, app: api, command: [npm, run, contract]}",
        "",
      ].join("\n"),
    );
    const staged = ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 17), now: NOW });
    expect(staged.entry.event.migrations).toEqual({
      expand: ["add-order-channel"],
      contract: ["drop-legacy-state"],
      completes: { "drop-legacy-state": "add-state-v2" },
    });
  });

  test("a stack without migrations records none: the line has no migrations key", () => {
    createEmptyLedger(root);
    const staged = ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 16), now: NOW });
    expect(staged.entry.event.migrations).toBeUndefined();
    expect(ledgerLines(root)[0]).not.toContain("migrations");
  });
});

describe("deployed: production records what its stack file stands for", () => {
  beforeEach(() => {
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
  });

  test("a promoted release is recorded as promoted", () => {
    const recorded = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 20), now: NOW });
    expect(recorded.text).toBe("Recorded releases/ledger.jsonl line 3 (seq 3): promoted 1.3.0 on production.\n");
  });

  test("a hotfix is recorded as hotfix, its incident as the note", () => {
    editStackFile("production", (text) => text.replace("    hotfix: false", "    hotfix: true\n    incident: INC-77"));
    const recorded = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 21), now: NOW });
    expect(recorded.entry.event).toMatchObject({ kind: "hotfix", version: "1.3.0", note: "INC-77" });
  });
});

describe("a production rollback is recorded as slipway rollback wrote it", () => {
  /** Production ran 1.3.0 then 1.4.0, and `slipway rollback` set it back to 1.3.0. */
  function rolledBackTo13(reason?: string): void {
    removeProject(root);
    root = makeProject(RELEASE_1_4);
    shipToProduction(root, RELEASE_1_3);
    shipToProduction(root, RELEASE_1_4);
    commitAll(root);
    rollback({ root, reason, now: NOW });
  }

  test("without a reason it carries its marker and no note", () => {
    rolledBackTo13();
    const rolledBack = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 29), now: NOW });
    expect(rolledBack.entry.event).toMatchObject({ kind: "rolled-back", marker: "ROLLBACK 1.4.0 → 1.3.0" });
    expect(rolledBack.entry.event.note).toBeUndefined();
  });

  test("a rollback and a flag change run no migration and record none, whatever the stack file declares", () => {
    rolledBackTo13("INC-42");
    declareMigration("production");
    const rolledBack = ledgerRecord({ root, kind: "deployed", env: runnerEnv("production", 30), now: NOW });
    expect(rolledBack.entry.event).toMatchObject({ kind: "rolled-back", version: "1.3.0" });
    expect(rolledBack.entry.event.migrations).toBeUndefined();
    const flag = ledgerRecord({ root, kind: "flag", flag: "new-composer", env: runnerEnv("production", 31), now: NOW });
    expect(flag.entry.event.migrations).toBeUndefined();
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });
});

describe("flag and migrated events name their stack and what they did", () => {
  test("a flag event records how the stack file serves the flag now; production by default", () => {
    shipToProduction(root, RELEASE_1_3);
    const production = ledgerRecord({ root, kind: "flag", flag: "scheduled-publish", env: runnerEnv("production", 40), now: NOW });
    expect(production.text).toBe("Recorded releases/ledger.jsonl line 4 (seq 4): flag scheduled-publish on 1.3.0 on production.\n");
    const off = ledgerRecord({ root, kind: "flag", flag: "auto-engage", env: runnerEnv("production", 40), now: NOW });
    expect(off.entry.event.flag).toEqual({ name: "auto-engage", served: "off" });
    const staging = ledgerRecord({ root, kind: "flag", stack: "staging", flag: "bulk-dm", env: runnerEnv("staging", 41), now: NOW });
    expect(staging.text).toBe("Recorded releases/ledger.jsonl line 6 (seq 6): flag bulk-dm on 1.4.0 on staging.\n");
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });

  test("a flag the stack file does not configure is named", () => {
    shipToProduction(root, RELEASE_1_3);
    expect(() => ledgerRecord({ root, kind: "flag", flag: "bulk-dm", env: runnerEnv("production", 42) })).toThrow(
      "Pulumi.production.yaml: slipway:flags: names no flag 'bulk-dm'",
    );
  });

  test("the staging migration workflow records the phase it ran for staging's release", () => {
    createEmptyLedger(root);
    const env = workflowEnv("staging", 50, "migrate-staging.yml");
    const migrated = ledgerRecord({ root, kind: "migrated", stack: "staging", phase: "expand", env, now: NOW });
    expect(migrated.text).toBe("Recorded releases/ledger.jsonl line 1 (seq 1): migrated (expand) 1.4.0 on staging.\n");
  });
});

describe("ledger verify counts what it found", () => {
  test("two problems are counted in the plural", () => {
    shipToProduction(root, RELEASE_1_3);
    const lines = ledgerLines(root);
    writeLedgerLines(root, [lines[0], lines[2]]);
    expect(ledgerVerify({ root }).text).toMatch(/^releases\/ledger\.jsonl: verification FAILED, 2 problems:\n/);
  });
});
