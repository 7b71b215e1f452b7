import * as fs from "node:fs";
import * as path from "node:path";
import { parseDocument, type YAMLMap, type YAMLSeq } from "yaml";
import { releaseNotes } from "../../release/notes";
import { CHANGELOG, RELEASE_1_2, RELEASE_1_3, RELEASE_1_4, makeProject, record, removeProject, shipToProduction } from "./fixtures";

let root: string;
beforeEach(() => {
  root = makeProject(RELEASE_1_3);
  shipToProduction(root, RELEASE_1_2);
  shipToProduction(root, RELEASE_1_3);
  record(root, "staged", RELEASE_1_4);
  record(root, "validated", RELEASE_1_4);
});
afterEach(() => removeProject(root));

/** Give `flag` in a stack file of the project these canary stages and rollout (the yaml Document API: comments stay). */
function canary(file: string, flag: string, stages: unknown[], rollout: Record<string, string>): void {
  const full = path.join(root, file);
  const document = parseDocument(fs.readFileSync(full, "utf8"));
  const flags = document.getIn(["config", "slipway:flags"]) as YAMLSeq<YAMLMap>;
  const index = flags.items.findIndex((item) => item.get("name") === flag);
  expect(index).toBeGreaterThanOrEqual(0);
  document.setIn(["config", "slipway:flags", index, "stages"], document.createNode(stages));
  document.setIn(["config", "slipway:flags", index, "rollout"], document.createNode(rollout));
  fs.writeFileSync(full, document.toString());
}

/** The bullet lines under a bold section title of the template. */
function section(markdown: string, title: string): string[] {
  const lines = markdown.split("\n");
  const start = lines.indexOf(`**${title}**`);
  expect(start).toBeGreaterThanOrEqual(0);
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("**")) break;
    if (line.startsWith("- ")) body.push(line.slice(2));
  }
  return body;
}

describe("release notes follow the 003 §9.2 template", () => {
  test("every section of the template is there, in order", () => {
    const { markdown, exitCode } = releaseNotes({ root, version: "1.4.0" });
    expect(exitCode).toBe(0);
    const titles = markdown.split("\n").filter((line) => line.startsWith("**"));
    expect(titles).toEqual([
      "**Title:** v1.4.0 — Bulk direct messages for house accounts.",
      "**Highlights**",
      "**Operator impact**",
      "**Risk**",
      "**Rollback plan**",
      "**Known issues**",
    ]);
    expect(section(markdown, "Operator impact").map((line) => line.split(":")[0])).toEqual([
      "Flags",
      "New checks",
      "Migrations",
      "Runbooks updated",
    ]);
    expect(section(markdown, "Risk").map((line) => line.split(":")[0])).toEqual(["Release level", "Canary plan"]);
    expect(section(markdown, "Rollback plan").map((line) => line.split(":")[0])).toEqual(["Flag rollback", "Deployment rollback"]);
  });

  test("highlights are the first changelog entries", () => {
    const { markdown } = releaseNotes({ root, version: "1.4.0" });
    expect(section(markdown, "Highlights")).toEqual([
      "Bulk DMs to a client's followers, behind `bulk-dm` (added)",
      "DM batch queue with per-account rate limits (added)",
      "Scheduler skipped posts at midnight UTC (fixed)",
    ]);
  });

  test("operator impact names the flag changes against production, the checks, migrations and runbooks", () => {
    const impact = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Operator impact");
    expect(impact[0]).toBe(
      "Flags: `bulk-dm` (L3) new: preview on, staging on, production off — changelog: bulk-dm (L3, off in production), scheduled-publish",
    );
    expect(impact[1]).toBe(
      "New checks: side-effect contract for the DM sender; side-effect contracts, policy engine regression suite, browser lane smoke on sandbox (required for L3, 003 §3.3)",
    );
    expect(impact[2]).toBe("Migrations: expand: add dm_batches table");
    expect(impact[3]).toBe("Runbooks updated: docs/runbooks/dm-queue.md");
  });

  test("risk gives the ledger's level and staging validation, and the canary plan", () => {
    const risk = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Risk");
    expect(risk[0]).toMatch(/^Release level: L3, validated by staging at releases\/ledger.jsonl line 8 \(2026-.*Z\)$/);
    expect(risk[1]).toBe("Canary plan: house accounts for 2 hours, then two low-risk clients");
  });

  test("operator impact names a canary's widening and its stages, not only the defaults", () => {
    const house = { name: "house", scope: "platform-account", values: ["acme-house"] };
    const pilot = { name: "pilot", scope: "client", values: ["acme", "globex"] };
    // Production runs auto-engage for house accounts; the release widens it to the pilot clients.
    canary("Pulumi.production.yaml", "auto-engage", [house], { production: "house" });
    canary("Pulumi.staging.yaml", "auto-engage", [house, pilot], { production: "pilot" });
    // The release's new flag starts its production canary at house accounts.
    canary("Pulumi.staging.yaml", "bulk-dm", [house], { production: "house" });
    const flags = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Operator impact")[0];
    expect(flags).toBe(
      "Flags: `auto-engage` (L3): production stage house → stage pilot, stages house [platform-account: acme-house] → house [platform-account: acme-house], pilot [client: acme, globex]; " +
        "`bulk-dm` (L3) new: preview on, staging on, production stage house; stages house [platform-account: acme-house] — changelog: bulk-dm (L3, off in production), scheduled-publish",
    );
  });

  test("a stage that reaches other contexts is a change, though every environment's stage is the same", () => {
    canary("Pulumi.production.yaml", "auto-engage", [{ name: "house", scope: "platform-account", values: ["acme-house"] }], {
      production: "house",
    });
    canary("Pulumi.staging.yaml", "auto-engage", [{ name: "house", scope: "platform-account", values: ["acme-house", "acme-qa"] }], {
      production: "house",
    });
    const flags = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Operator impact")[0];
    expect(flags).toContain(
      "`auto-engage` (L3): stages house [platform-account: acme-house] → house [platform-account: acme-house, acme-qa]",
    );
    expect(flags).not.toContain("production stage house →");
  });

  test("the rollback plan names the L3 flags to turn off and the release to return to", () => {
    const plan = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Rollback plan");
    expect(plan[0]).toBe(
      "Flag rollback: turn off `scheduled-publish`, `bulk-dm` in production (`slipway rollback` forces every L3 flag off); disable bulk-dm; redeploy 1.3.0",
    );
    expect(plan[1]).toContain("Deployment rollback: `slipway rollback --to 1.3.0` restores 1.3.0's validated artifacts (no rebuild)");
  });

  test("known issues come from the changelog", () => {
    expect(section(releaseNotes({ root, version: "1.4.0" }).markdown, "Known issues")).toEqual(["DM previews render without avatars"]);
  });

  test("a release already in production rolls back to the one before it", () => {
    const plan = section(releaseNotes({ root, version: "1.3.0" }).markdown, "Rollback plan");
    expect(plan[1]).toContain("`slipway rollback --to 1.2.0`");
  });

  test("an L2 release without a canary line needs none; no flag changes are said so", () => {
    fs.rmSync(path.join(root, "Pulumi.staging.yaml"));
    const notes = releaseNotes({ root, version: "1.3.0" }).markdown;
    expect(section(notes, "Risk")[1]).toBe("Canary plan: none required for L2: deploy and watch the soak window (000 §3)");
    expect(section(notes, "Operator impact")[0]).toBe("Flags: none — changelog: none");
    expect(section(notes, "Known issues")).toEqual(["none known"]);
  });

  test("a contract migration rules out a deployment rollback", () => {
    fs.writeFileSync(path.join(root, "CHANGELOG.md"), CHANGELOG.replace("contract: none", "contract: drop dm_legacy"));
    const plan = section(releaseNotes({ root, version: "1.4.0" }).markdown, "Rollback plan");
    expect(plan[1]).toBe(
      "Deployment rollback: not possible once the contract migration (drop dm_legacy) has run: fix forward with a hotfix",
    );
  });

  test("a version without a changelog section is refused", () => {
    expect(() => releaseNotes({ root, version: "1.5.0" })).toThrow(
      "CHANGELOG.md: has no section for 1.5.0: write '## [1.5.0] - <date>' first",
    );
  });
});
