/**
 * The `migrated` ledger event (workflow mode, 004 §3): recorded only by the stack's migration
 * workflow, from a branch, once per run; production migrates only what staging ran for the same
 * build and validated; and a stack's deploy is refused until its release's expand migration is recorded.
 */
import { appendEvent, migrationNotRecorded, readLedger, type WorkflowRun } from "../../release/ledger";
import { ledgerMigrationCheck } from "../../release/ledgerCommands";
import { FIXTURE_REPOSITORY, makeProject, record, RELEASE_1_3, RELEASE_1_4, removeProject } from "./fixtures";

let runId = 9000;
const migrateRun = (
  stack: "staging" | "production",
  workflow = `.github/workflows/migrate-${stack}.yml`,
  ref = "refs/heads/main",
): WorkflowRun => {
  const id = runId++;
  return {
    id: String(id),
    attempt: 1,
    url: `https://github.com/${FIXTURE_REPOSITORY}/actions/runs/${id}`,
    workflow: `${FIXTURE_REPOSITORY}/${workflow}@${ref}`,
  };
};
const migrated = (root: string, stack: "staging" | "production", release = RELEASE_1_4, run = migrateRun(stack)) =>
  appendEvent(root, {
    kind: "migrated",
    stack,
    phase: "expand",
    version: release.version,
    level: release.level,
    changeRequest: release.changeRequest,
    artifacts: release.artifacts,
    gitSha: release.gitSha,
    actor: "release-captain",
    run,
    approvers: ["feature-owner"],
  });

describe("migrated events", () => {
  let root: string;
  beforeEach(() => {
    root = makeProject(RELEASE_1_3);
    record(root, "staged", RELEASE_1_3);
  });
  afterEach(() => removeProject(root));

  test("the staging migration workflow records its run; the staging deploy is refused until it has", () => {
    const ledger = () => readLedger(root);
    expect(migrationNotRecorded(ledger(), "staging", RELEASE_1_4)).toMatch(
      /^no migrated \(expand\) event of 1\.4\.0 on staging with these artifacts: run \.github\/workflows\/migrate-staging\.yml/,
    );
    expect(ledgerMigrationCheck({ root, stack: "staging" }).exitCode).toBe(1);
    const entry = migrated(root, "staging");
    expect(entry.event).toMatchObject({ kind: "migrated", stack: "staging", phase: "expand", approvers: ["feature-owner"] });
    expect(migrationNotRecorded(ledger(), "staging", RELEASE_1_4)).toBeUndefined();
    expect(ledgerMigrationCheck({ root, stack: "staging" })).toMatchObject({ exitCode: 0 });
    // Another build of the same version is not migrated by it.
    expect(migrationNotRecorded(ledger(), "staging", { ...RELEASE_1_4, artifacts: RELEASE_1_3.artifacts })).toBeDefined();
  });

  test("only the stack's migration workflow records it, from a branch, once per run", () => {
    expect(() => migrated(root, "staging", RELEASE_1_4, migrateRun("staging", ".github/workflows/deploy-staging.yml"))).toThrow(
      "refusing to record: migrated 1.4.0: recorded by .github/workflows/deploy-staging.yml, but only .github/workflows/migrate-staging.yml records staging's migrations",
    );
    expect(() => migrated(root, "staging", RELEASE_1_4, migrateRun("staging", undefined, "refs/tags/v1.4.0"))).toThrow(
      "the migration workflow runs from a branch (its environment admits the default branch only), never a tag",
    );
    const run = migrateRun("staging");
    migrated(root, "staging", RELEASE_1_4, run);
    expect(() => migrated(root, "staging", RELEASE_1_4, run)).toThrow(/a run records each event once/);
  });

  test("production migrates only what staging ran for the same build and validated (004 §3)", () => {
    expect(() => migrated(root, "production")).toThrow(
      "staging never ran the expand migration of 1.4.0 with these artifacts; a migration is tested on staging first (004 §3)",
    );
    expect(ledgerMigrationCheck({ root, stack: "staging", before: "expand" })).toMatchObject({ exitCode: 0, version: "1.4.0" });
    migrated(root, "staging");
    expect(() => migrated(root, "production")).toThrow("staging never validated 1.4.0 with these artifacts");
    record(root, "staged", RELEASE_1_4);
    record(root, "validated", RELEASE_1_4);
    expect(migrated(root, "production").event.stack).toBe("production");
  });
});
