import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { UserError } from "../../config/errors";
import { assertProductionApplyAllowed } from "../../release/guard";
import { promote } from "../../release/promote";
import { unifiedDiff } from "../../release/diff";
import {
  RELEASE_1_3,
  RELEASE_1_4,
  commitAll,
  fixtureRelease,
  ledgerLines,
  makeProject,
  readFile,
  record,
  removeProject,
  shipToProduction,
  writeLedgerLines,
} from "./fixtures";

let root: string;
beforeEach(() => {
  root = makeProject(RELEASE_1_3);
  shipToProduction(root, RELEASE_1_3);
});
afterEach(() => removeProject(root));

function productionRelease(): Record<string, unknown> {
  return parse(readFile(root, "Pulumi.production.yaml")).config["slipway:release"];
}

describe("promote writes exactly what staging validated into production's stack file", () => {
  beforeEach(() => {
    record(root, "staged", RELEASE_1_4);
    record(root, "validated", RELEASE_1_4);
    commitAll(root);
  });

  test("the newest validated release is promoted, with its artifacts, level and change request", () => {
    const result = promote({ root });
    expect(result.exitCode).toBe(0);
    expect(result.version).toBe("1.4.0");
    expect(productionRelease()).toEqual({
      version: "1.4.0",
      level: "L3",
      changeRequest: "CR-140",
      hotfix: false,
      artifacts: RELEASE_1_4.artifacts,
    });
    expect(result.validation.ledgerHash).toHaveLength(64);
    expect(result.text).toContain(
      "Promoted 1.4.0 (L3, CR-140) into Pulumi.production.yaml: the artifacts staging validated at releases/ledger.jsonl line 5",
    );
    // The commands the deploy workflow runs (contract/commands.ts), the team's policy config included.
    expect(result.text).toContain("pulumi preview --stack production --policy-pack policy-pack --policy-pack-config policy-config.json");
    expect(result.text).toContain(
      "ALLOW_PROD=1 pulumi up --yes --stack production --policy-pack policy-pack --policy-pack-config policy-config.json",
    );
  });

  test("comments and everything promote does not own are kept byte for byte", () => {
    const before = readFile(root, "Pulumi.production.yaml");
    promote({ root });
    const after = readFile(root, "Pulumi.production.yaml");
    // Only the release's leaves changed: same line count, same comment lines, same flags block.
    const beforeLines = before.split("\n");
    const afterLines = after.split("\n");
    expect(afterLines).toHaveLength(beforeLines.length);
    const changed = beforeLines.map((line, i) => [line, afterLines[i]]).filter(([a, b]) => a !== b);
    expect(changed.map(([, b]) => b.trim())).toEqual([
      "version: 1.4.0 # set by slipway promote",
      "level: L3",
      'changeRequest: "CR-140"',
      `web: {commitSha: "${"c".repeat(40)}"}`,
      `image: ${RELEASE_1_4.artifacts.api.image}`,
      `slugId: ${RELEASE_1_4.artifacts.api.slugId}`,
      `image: ${RELEASE_1_4.artifacts.worker.image}`,
    ]);
    for (const comment of beforeLines.filter((line) => line.includes("#"))) {
      const key = comment.split("#")[1];
      expect(after).toContain(key);
    }
    expect(after.slice(after.indexOf("  slipway:flags:"))).toBe(before.slice(before.indexOf("  slipway:flags:")));
  });

  test("the diff shows the change in unified form", () => {
    const result = promote({ root });
    expect(result.diff.startsWith("--- Pulumi.production.yaml\n+++ Pulumi.production.yaml (promoted 1.4.0)\n@@ ")).toBe(true);
    expect(result.diff).toContain(
      [
        "   slipway:release:",
        "-    version: 1.3.0 # set by slipway promote",
        "-    level: L2",
        '-    changeRequest: "CR-130"',
        "+    version: 1.4.0 # set by slipway promote",
        "+    level: L3",
        '+    changeRequest: "CR-140"',
        "     hotfix: false",
      ].join("\n"),
    );
    expect(result.text).toContain(result.diff.trimEnd());
  });

  test("promote does not append to the ledger: the deploy workflow records promoted after smoke", () => {
    const lines = ledgerLines(root);
    promote({ root });
    expect(ledgerLines(root)).toEqual(lines);
  });

  test("a hotfix promotion marks the release hotfix with its incident, so the deploy workflow records a hotfix", () => {
    // 000 §6.6: the hotfix of 1.3.0 is 1.3.1, branched from the last good tag.
    const hotfix = fixtureRelease("1.3.1", "d");
    record(root, "staged", hotfix);
    record(root, "validated", hotfix);
    commitAll(root);
    const result = promote({ root, version: "1.3.1", hotfix: true, incident: "#77" });
    expect(productionRelease()).toMatchObject({ version: "1.3.1", hotfix: true, incident: "#77" });
    expect(result.text).toContain("Promoted 1.3.1 (L2, CR-131, hotfix for incident #77) into Pulumi.production.yaml");
    expect(result.text).toContain("records 'hotfix' in releases/ledger.jsonl after production smoke passes");
    // A later ordinary promotion drops the incident with the hotfix mark.
    commitAll(root);
    promote({ root, version: "1.4.0" });
    expect(productionRelease()).not.toHaveProperty("incident");
    expect(productionRelease().hotfix).toBe(false);
  });

  test("a hotfix names its incident, is the next patch of what production runs, and --incident is for hotfixes only; a refusal writes nothing", () => {
    const before = readFile(root, "Pulumi.production.yaml");
    expect(() => promote({ root, hotfix: true })).toThrow(
      "incident: is required with --hotfix: a hotfix answers an open production incident (001, 000 §6.6); pass its id (INC-77, #123 or its URL)",
    );
    expect(() => promote({ root, hotfix: true, incident: "the checkout" })).toThrow("incident: 'the checkout' is not an incident id");
    // Production runs 1.3.0: 1.4.0 is a new minor, not a hotfix.
    expect(() => promote({ root, hotfix: true, incident: "INC-77" })).toThrow(
      "refusing to promote 1.4.0 as a hotfix: production runs 1.3.0, so a hotfix is 1.3.1 (000 §6.6: branch from the last good tag, bump the patch)",
    );
    expect(() => promote({ root, incident: "INC-77" })).toThrow("incident: is only for a hotfix: pass --hotfix too, or drop --incident");
    expect(readFile(root, "Pulumi.production.yaml")).toBe(before);
  });

  test("a dry run shows the diff and writes nothing", () => {
    const before = readFile(root, "Pulumi.production.yaml");
    const ledgerBefore = ledgerLines(root);
    const result = promote({ root, dryRun: true });
    expect(result.text).toMatch(/^Dry run: Pulumi.production.yaml would carry 1.4.0 .*nothing was written/);
    expect(result.diff).toContain("+    version: 1.4.0");
    expect(readFile(root, "Pulumi.production.yaml")).toBe(before);
    expect(ledgerLines(root)).toEqual(ledgerBefore);
  });

  test("promoting again changes nothing", () => {
    promote({ root });
    commitAll(root);
    const second = promote({ root });
    expect(second.changed).toBe(false);
    expect(second.text).toContain("already carries 1.4.0 as staging validated it");
  });

  test("a release staging only staged is refused, with the reason", () => {
    const next = { ...RELEASE_1_4, version: "1.5.0" };
    record(root, "staged", next);
    const before = readFile(root, "Pulumi.production.yaml");
    expect(() => promote({ root, version: "1.5.0" })).toThrow(
      "refusing to promote 1.5.0: staging staged 1.5.0 (line 6) but never validated it: its smoke checks have not passed",
    );
    expect(() => promote({ root, version: "2.0.0" })).toThrow("refusing to promote 2.0.0: staging never staged or validated 2.0.0");
    expect(readFile(root, "Pulumi.production.yaml")).toBe(before);
  });

  test("a validation recorded before the level's staging soak is refused (000 §3, 003 §4.4)", () => {
    const early = { ...RELEASE_1_4, version: "1.4.1" };
    record(root, "staged", early);
    record(root, "validated", early, { soakMinutes: 20 });
    expect(() => promote({ root, version: "1.4.1" })).toThrow(
      "refusing to promote 1.4.1: staging validated it (line 7) 20 minutes after it was staged; an L3 release soaks at least 120 minutes",
    );
  });

  test("a ledger rewritten below production's anchor is refused", () => {
    const anchor = `3:${"0".repeat(64)}`;
    expect(() => promote({ root, anchor })).toThrow(
      "refusing to promote: the ledger does not extend the one production last deployed from: line 3 (seq 3): differs from the line the stack last deployed from",
    );
  });

  test("production running a migration staging did not run for the release is refused", () => {
    fs.appendFileSync(
      path.join(root, "Pulumi.production.yaml"),
      [
        "  slipway:apps:",
        "    kubernetes:",
        "      migrations:",
        "        - {name: backfill-dm-counts, phase: expand, app: api, command: [npm, run, backfill]}",
        "",
      ].join("\n"),
    );
    commitAll(root);
    expect(() => promote({ root })).toThrow(
      "refusing to promote 1.4.0: Pulumi.production.yaml runs migration expand backfill-dm-counts, which staging did not run for 1.4.0 (line 5)",
    );
  });

  test("a ledger that fails verification is refused", () => {
    const lines = ledgerLines(root);
    lines.splice(1, 1);
    writeLedgerLines(root, lines);
    expect(() => promote({ root })).toThrow(/^releases\/ledger.jsonl: failed verification: line 2 \(seq 3\): prev hash/);
  });

  test("a release production already ran and left is refused: that is a rollback", () => {
    shipToProduction(root, { ...RELEASE_1_4 });
    expect(() => promote({ root, version: "1.3.0" })).toThrow(
      "production already ran it and moved on to 1.4.0; to return to it, run `slipway rollback --to 1.3.0`",
    );
  });

  test("uncommitted edits of Pulumi.production.yaml are refused", () => {
    fs.appendFileSync(path.join(root, "Pulumi.production.yaml"), "# a note someone is still writing\n");
    expect(() => promote({ root })).toThrow(
      "Pulumi.production.yaml: has uncommitted changes (git status: 'M'); promote refuses to mix its edit with other changes: commit or discard them first",
    );
  });

  test("other uncommitted files do not block promote", () => {
    fs.writeFileSync(path.join(root, "notes.txt"), "scratch\n");
    expect(promote({ root }).changed).toBe(true);
  });

  test("a missing production stack file is a one-line error naming it", () => {
    fs.rmSync(path.join(root, "Pulumi.production.yaml"));
    const error = (() => {
      try {
        promote({ root });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).file).toBe("Pulumi.production.yaml");
    expect((error as UserError).message).toMatch(/^Pulumi.production.yaml: does not exist in /);
  });

  test("a bad release section is named by its key", () => {
    const text = readFile(root, "Pulumi.production.yaml").replace("level: L2", "level: L7");
    fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), text);
    commitAll(root);
    expect(() => promote({ root })).toThrow("Pulumi.production.yaml: slipway:release.level: expected one of L0, L1, L2, L3");
  });
});

describe("promote outside a git repository", () => {
  test("refuses unless forced, and says why", () => {
    record(root, "staged", RELEASE_1_4);
    record(root, "validated", RELEASE_1_4);
    expect(() => promote({ root })).toThrow(
      `cannot check for uncommitted changes: ${root} is not a git repository; run it in the repository, or pass --force`,
    );
    const result = promote({ root, force: true });
    expect(result.text).toContain(
      `warning: ${root} is not a git repository; edited Pulumi.production.yaml without checking for uncommitted changes (--force)`,
    );
    expect(productionRelease().version).toBe("1.4.0");
  });

  test("with nothing validated there is nothing to promote", () => {
    fs.writeFileSync(path.join(root, "releases", "ledger.jsonl"), "");
    expect(() => promote({ root, force: true })).toThrow("staging has validated no release yet: nothing to promote");
  });
});

describe("production apply guard (004 §3: ALLOW_PROD=1)", () => {
  test("pulumi preview always runs, even on production without ALLOW_PROD", () => {
    expect(() => assertProductionApplyAllowed({ stack: "production", dryRun: true, env: {} })).not.toThrow();
  });

  test("pulumi up on production refuses without ALLOW_PROD=1", () => {
    expect(() => assertProductionApplyAllowed({ stack: "production", dryRun: false, env: {} })).toThrow(
      "ALLOW_PROD: refusing to apply to production stack 'production': ALLOW_PROD is not set; set ALLOW_PROD=1",
    );
    expect(() => assertProductionApplyAllowed({ stack: "prod", dryRun: false, env: { ALLOW_PROD: "true" } })).toThrow(
      "ALLOW_PROD is 'true'",
    );
  });

  test("pulumi up on production runs with ALLOW_PROD=1", () => {
    expect(() => assertProductionApplyAllowed({ stack: "production", dryRun: false, env: { ALLOW_PROD: "1" } })).not.toThrow();
  });

  test("staging applies without the guard", () => {
    expect(() => assertProductionApplyAllowed({ stack: "staging", dryRun: false, env: {} })).not.toThrow();
  });

  test("the production stacks are configurable", () => {
    expect(() => assertProductionApplyAllowed({ stack: "live", dryRun: false, env: {}, productionStacks: ["live"] })).toThrow(UserError);
  });
});

describe("unified diff", () => {
  test("equal texts have no diff; a change gets a hunk with context", () => {
    expect(unifiedDiff("a\nb\n", "a\nb\n", { before: "x", after: "y" })).toBe("");
    const diff = unifiedDiff("1\n2\n3\n4\n5\n6\n7\n", "1\n2\n3\nfour\n5\n6\n7\n", { before: "x", after: "y" });
    expect(diff).toBe("--- x\n+++ y\n@@ -2,5 +2,5 @@\n 2\n 3\n-4\n+four\n 5\n 6\n");
  });

  test("insertions and deletions are counted in the hunk header", () => {
    const diff = unifiedDiff("a\nb\nc\n", "a\nc\nd\n", { before: "x", after: "y" });
    expect(diff).toBe("--- x\n+++ y\n@@ -1,3 +1,3 @@\n a\n-b\n c\n+d\n");
  });
});
