/**
 * A flag change is recorded in the release ledger (004 §10: the audit trail), by the run that
 * deployed it: `slipway ledger record --kind flag --flag <name>` reads how the stack serves the flag
 * from its stack file and records it with the release the stack runs. Like every ledger line, only
 * the stack's deploy workflow (or the emergency rollback, which turns flags off first) records it.
 */
import { setFlag } from "../../release/flag";
import { ledgerRecord, ledgerShow, ledgerVerify } from "../../release/ledgerCommands";
import { copyProject, editStackFile, indexWhere, makeScratch, removeScratch, slipwayKey } from "../support/project";
import { runnerEnv } from "../support/runner";

const REPOSITORY = "acme/storefront";

describe("flag events in the ledger", () => {
  let scratch: string;
  let root: string;
  beforeEach(() => {
    scratch = makeScratch();
    root = copyProject(scratch, "ledger");
  });
  afterEach(() => removeScratch(scratch));

  test("the production deploy that served `flag off` records it with the release production runs", () => {
    setFlag({ root, name: "dark-mode", state: "off", force: true });
    const recorded = ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: runnerEnv("production", 9001, REPOSITORY) });
    expect(recorded.text).toBe("Recorded releases/ledger.jsonl line 9 (seq 9): flag dark-mode off 1.4.0 on production.\n");
    expect(recorded.entry.event).toMatchObject({
      kind: "flag",
      stack: "production",
      version: "1.4.0",
      changeRequest: "CR-2017",
      flag: { name: "dark-mode", served: "off" },
    });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    expect(ledgerShow({ root }).text).toMatch(/^9\s+flag\s+production\s+1\.4\.0 .*flag dark-mode off$/m);
  });

  test("one deploy may serve several flag changes: each flag once per run", () => {
    editStackFile(root, "production", (document) => {
      const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
      document.setIn(
        slipwayKey("flags", index, "stages"),
        document.createNode([{ name: "house", scope: "platform-account", values: ["acme-house"] }]),
      );
    });
    setFlag({ root, name: "auto-publish", state: "on", stage: "house", force: true });
    setFlag({ root, name: "dark-mode", state: "off", force: true });
    const env = runnerEnv("production", 9002, REPOSITORY);
    expect(ledgerRecord({ root, kind: "flag", flag: "auto-publish", env }).entry.event.flag).toEqual({
      name: "auto-publish",
      served: "stage house",
    });
    ledgerRecord({ root, kind: "flag", flag: "dark-mode", env });
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env })).toThrow(
      "flag 1.4.0: run 9002 already recorded flag dark-mode at line 10; a run records each event once",
    );
  });

  test("staging's flag changes are recorded by staging's deploy, with the release staging runs", () => {
    setFlag({ root, stack: "staging", name: "auto-publish", state: "off", force: true });
    const recorded = ledgerRecord({
      root,
      kind: "flag",
      stack: "staging",
      flag: "auto-publish",
      env: runnerEnv("staging", 9003, REPOSITORY),
    });
    expect(recorded.entry.event).toMatchObject({
      kind: "flag",
      stack: "staging",
      version: "1.5.0",
      flag: { name: "auto-publish", served: "off" },
    });
  });

  test("refused: no workflow run, another stack's workflow, an unknown flag, a flag on another kind of event", () => {
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: {} })).toThrow(/GITHUB_ACTIONS|workflow run/);
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: runnerEnv("staging", 9004, REPOSITORY) })).toThrow(
      "flag 1.4.0: recorded by .github/workflows/deploy-staging.yml, but only .github/workflows/deploy-production.yml records production events",
    );
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mod", env: runnerEnv("production", 9005, REPOSITORY) })).toThrow(
      "Pulumi.production.yaml: slipway:flags: names no flag 'dark-mod'",
    );
    expect(() => ledgerRecord({ root, kind: "flag", env: runnerEnv("production", 9006, REPOSITORY) })).toThrow(
      "a flag event names its flag: pass --flag <name>",
    );
    expect(() => ledgerRecord({ root, kind: "staged", flag: "dark-mode", env: runnerEnv("staging", 9007, REPOSITORY) })).toThrow(
      "--flag belongs to a flag event, not staged",
    );
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });

  test("a flag event records the release production runs, not another", () => {
    editStackFile(root, "production", (document) => document.setIn(slipwayKey("release", "version"), "1.5.0"));
    editStackFile(root, "production", (document) => document.setIn(slipwayKey("release", "changeRequest"), "CR-2041"));
    expect(() => ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: runnerEnv("production", 9008, REPOSITORY) })).toThrow(
      "flag 1.5.0: production runs 1.4.0; a flag event records the release production runs",
    );
  });
});
