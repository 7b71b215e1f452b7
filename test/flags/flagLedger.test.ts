/**
 * A flag change is recorded in the release ledger (004 §10: the audit trail), by the run that
 * deployed it: `slipway ledger record --kind flag --flag <name>` reads how the stack serves the flag
 * from its stack file and records it with the release the stack runs. Like every ledger line, only
 * the stack's deploy workflow (or the emergency rollback, which turns flags off first) records it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { flagdDocument } from "../../config/flagd";
import { setFlag } from "../../release/flag";
import { readLedger } from "../../release/ledger";
import { ledgerRecord, ledgerShow, ledgerVerify } from "../../release/ledgerCommands";
import { killedFlags } from "../../release/manifest";
import { copyProject, editStackFile, exampleStack, indexWhere, makeScratch, removeScratch, slipwayKey } from "../support/project";
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

  describe("a kill stays a kill (003 §7.2)", () => {
    /** The kill switch (flag.yml) turns `name` off in production and records it; main's stack file is left as it was. */
    function killInProduction(name: string, runId: number): number {
      const stackFile = path.join(root, "Pulumi.production.yaml");
      const onMain = fs.readFileSync(stackFile, "utf8");
      setFlag({ root, name, state: "off", force: true });
      const env = {
        ...runnerEnv("production", runId, REPOSITORY),
        GITHUB_WORKFLOW_REF: `${REPOSITORY}/.github/workflows/flag.yml@refs/heads/main`,
      };
      const { seq } = ledgerRecord({ root, kind: "flag", flag: name, env }).entry.event;
      fs.writeFileSync(stackFile, onMain);
      return seq;
    }

    test("the ledger names the flag the kill switch turned off; another flag's event leaves it killed, its own deploy ends it", () => {
      const seq = killInProduction("dark-mode", 9101);
      expect(killedFlags(readLedger(root), "production")).toEqual([{ name: "dark-mode", seq, workflow: ".github/workflows/flag.yml" }]);
      // Staging's flags were not killed; a flag turned off by the deploy is no kill.
      expect(killedFlags(readLedger(root), "staging")).toEqual([]);
      setFlag({ root, name: "auto-publish", state: "off", force: true });
      ledgerRecord({ root, kind: "flag", flag: "auto-publish", env: runnerEnv("production", 9102, REPOSITORY) });
      expect(killedFlags(readLedger(root), "production").map((kill) => kill.name)).toEqual(["dark-mode"]);
      // The deploy that serves it on again (with the override) records a flag event: the kill is over.
      setFlag({ root, name: "dark-mode", state: "on", force: true });
      ledgerRecord({ root, kind: "flag", flag: "dark-mode", env: runnerEnv("production", 9104, REPOSITORY) });
      expect(killedFlags(readLedger(root), "production")).toEqual([]);
    });

    test("`slipway flag on` of a killed flag writes the kill it overrides, and the served document carries it", () => {
      const seq = killInProduction("dark-mode", 9103);
      const result = setFlag({ root, name: "dark-mode", state: "on", force: true });
      expect(result.text).toContain(
        `It overrides the emergency kill at ledger line ${seq} (overridesKill.production): say why in the pull request.`,
      );
      expect(result.diff).toContain(`overridesKill`);
      const flags = exampleStack("production", root).flags;
      const darkMode = flags.find((flag) => flag.name === "dark-mode");
      expect(darkMode?.overridesKill).toEqual({ production: seq });
      expect(flagdDocument(flags, "production").flags["dark-mode"].metadata.overridesKill).toBe(String(seq));
      // Other environments' documents do not claim the override.
      expect(flagdDocument(flags, "staging").flags["dark-mode"].metadata.overridesKill).toBeUndefined();
    });

    test("a flag no emergency killed is turned on without an override", () => {
      const result = setFlag({ root, name: "auto-publish", state: "on", force: true, approval: "CR-2017" });
      expect(result.text).not.toContain("overrides the emergency kill");
      expect(result.diff).not.toContain("overridesKill");
    });
  });
});
