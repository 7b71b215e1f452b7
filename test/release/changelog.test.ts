import { changelogFacts, declaredMigrations, findSection, listedFlags, parseChangelog, readChangelogFacts } from "../../release/changelog";
import { CHANGELOG, makeProject, removeProject } from "./fixtures";

const sections = parseChangelog(CHANGELOG);

describe("CHANGELOG.md sections (Keep a Changelog)", () => {
  test("every ## [version] section is found, with its date; headings in code blocks are not sections", () => {
    expect(sections.map((section) => [section.version, section.date])).toEqual([
      ["Unreleased", undefined],
      ["1.4.0", "2026-11-20"],
      ["1.3.0", "2026-11-10"],
      ["1.2.0", "2026-11-01"],
    ]);
  });

  test("categories list their items and the summary is the prose under the heading", () => {
    const section = findSection(sections, "1.4.0");
    expect(section?.summary).toEqual(["Bulk direct messages for house accounts."]);
    expect(section?.categories).toEqual({
      Added: ["Bulk DMs to a client's followers, behind `bulk-dm`", "DM batch queue with per-account rate limits"],
      Fixed: ["Scheduler skipped posts at midnight UTC"],
    });
  });

  test("v-prefixed versions name the same section", () => {
    expect(findSection(sections, "v1.3.0")?.version).toBe("1.3.0");
  });
});

describe("changelog facts for the release-metadata policy (003 §8.6)", () => {
  test("an entry with risk, flags, migrations and rollback notes (bold and list-item labels)", () => {
    expect(changelogFacts(findSection(sections, "1.4.0"))).toEqual({
      present: true,
      riskLevel: "L3",
      flags: true,
      migrationNotes: true,
      rollbackNotes: true,
    });
  });

  test("'none' counts as stating there is nothing; a multi-line label continues on its list items", () => {
    const section = findSection(sections, "1.3.0");
    expect(changelogFacts(section)).toEqual({ present: true, riskLevel: "L2", flags: true, migrationNotes: true, rollbackNotes: true });
    expect(section?.fields.migrations).toBe("expand: add posts.board_position");
    expect(listedFlags(section)).toEqual([]);
  });

  test("an entry missing flags, migrations and rollback notes says so", () => {
    expect(changelogFacts(findSection(sections, "1.2.0"))).toEqual({
      present: true,
      riskLevel: "L1",
      flags: false,
      migrationNotes: false,
      rollbackNotes: false,
    });
  });

  test("a version without a section is not present", () => {
    expect(changelogFacts(findSection(sections, "9.9.9"))).toEqual({
      present: false,
      flags: false,
      migrationNotes: false,
      rollbackNotes: false,
    });
  });

  test("a risk that is not a level is kept as written, for the policy to judge", () => {
    const [section] = parseChangelog("## [2.0.0] - 2026-12-01\nRisk: high\n");
    expect(changelogFacts(section).riskLevel).toBe("high");
  });

  test("facts come from the project's CHANGELOG.md; no file means null", () => {
    const root = makeProject();
    try {
      expect(readChangelogFacts(root, "1.4.0")?.riskLevel).toBe("L3");
      expect(readChangelogFacts(root, "1.4.0", "docs/CHANGELOG.md")).toBeNull();
    } finally {
      removeProject(root);
    }
  });
});

describe("flags and migrations a section declares", () => {
  test("flag keys are read from the Flags line", () => {
    expect(listedFlags(findSection(sections, "1.4.0"))).toEqual(["bulk-dm", "scheduled-publish"]);
  });

  test("migrations are phased; 'contract: none' declares no contract migration", () => {
    expect(declaredMigrations(findSection(sections, "1.4.0"))).toEqual({ expand: ["add dm_batches table"], contract: [], unphased: [] });
    const [section] = parseChangelog("## [2.0.0]\nMigrations: contract: drop users.nickname; backfill tenants\n");
    expect(declaredMigrations(section)).toEqual({ expand: [], contract: ["drop users.nickname"], unphased: ["backfill tenants"] });
  });
});
