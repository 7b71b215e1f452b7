/**
 * What the release manifest carries from the ledger for the policies (issue 10): the change
 * requests the ledger links to the release, those of every release staging validated (what a
 * flag approval may cite), and a rollback the ledger recorded. A policy cannot read the ledger;
 * the program reads it here.
 */
import { ledgerFacts } from "../../release/manifest";
import type { Ledger, LedgerEvent, LedgerKind } from "../../release/ledger";
import { fixtureRelease, type FixtureRelease } from "./fixtures";

/** A stack file's release section carrying a fixture release (and a rollback section, when given). */
function releaseOf(release: FixtureRelease, rollback?: { from: string; reason?: string }) {
  return {
    version: release.version,
    level: release.level,
    changeRequest: release.changeRequest,
    hotfix: false,
    artifacts: release.artifacts,
    ...(rollback ? { rollback } : {}),
  };
}

const RELEASE_1_2 = fixtureRelease("1.2.0", "a");
const RELEASE_1_3 = fixtureRelease("1.3.0", "b");

/** A verified ledger holding these events (the facts are read from a ledger that passed verification). */
function ledgerOf(events: [LedgerKind, FixtureRelease, Partial<LedgerEvent>?][]): Ledger {
  const entries = events.map(([kind, release, extra], index) => ({
    line: index + 1,
    lineHash: String(index + 1).padStart(64, "0"),
    event: {
      seq: index + 1,
      kind,
      stack: kind === "staged" || kind === "validated" ? "staging" : "production",
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      gitSha: release.gitSha,
      time: new Date(Date.UTC(2026, 10, 1, 9, index)).toISOString(),
      actor: "deploy-bot",
      prev: "0".repeat(64),
      hash: "0".repeat(64),
      ...extra,
    } as LedgerEvent,
  }));
  return { file: "releases/ledger.jsonl", entries, problems: [], lineCount: entries.length, headHash: "0".repeat(64) } as Ledger;
}

const shipped = (release: FixtureRelease): [LedgerKind, FixtureRelease][] => [
  ["staged", release],
  ["validated", release],
  ["promoted", release],
];

describe("the manifest's ledger facts", () => {
  test("the change requests of this version, and of every release staging validated", () => {
    const staged = fixtureRelease("1.5.0", "d");
    const ledger = ledgerOf([...shipped(RELEASE_1_2), ["staged", staged]]);
    expect(ledgerFacts(ledger, releaseOf(RELEASE_1_2))).toEqual({
      changeRequests: ["CR-120"],
      validatedChangeRequests: ["CR-120"],
      expandsInProduction: [],
      rollback: null,
    });
    // Staged only: linked to its version, but not a validated release's change request.
    expect(ledgerFacts(ledger, releaseOf(staged))).toEqual({
      changeRequests: ["CR-150"],
      validatedChangeRequests: ["CR-120"],
      expandsInProduction: [],
      rollback: null,
    });
    // A version the ledger never saw is linked to nothing.
    expect(ledgerFacts(ledger, { ...releaseOf(staged), version: "9.9.9" }).changeRequests).toEqual([]);
  });

  test("a rollback the ledger recorded, to exactly this release", () => {
    const rolledBack: [LedgerKind, FixtureRelease, Partial<LedgerEvent>] = [
      "rolled-back",
      RELEASE_1_2,
      { from: "1.3.0", to: "1.2.0", marker: "ROLLBACK 1.3.0 → 1.2.0", note: "INC-7: checkout 500s" },
    ];
    const ledger = ledgerOf([...shipped(RELEASE_1_2), ...shipped(RELEASE_1_3), rolledBack]);
    expect(ledgerFacts(ledger, releaseOf(RELEASE_1_2)).rollback).toEqual({
      from: "1.3.0",
      marker: "ROLLBACK 1.3.0 → 1.2.0",
      note: "INC-7: checkout 500s",
    });
    // Other artifacts under the rolled-back version are another build: not the rollback.
    expect(ledgerFacts(ledger, { ...releaseOf(RELEASE_1_2), artifacts: RELEASE_1_3.artifacts }).rollback).toBeNull();
    // Once production moves on, the rollback is history; and staging's later events do not hide it.
    expect(
      ledgerFacts(
        ledgerOf([...shipped(RELEASE_1_2), ...shipped(RELEASE_1_3), rolledBack, ["promoted", RELEASE_1_3]]),
        releaseOf(RELEASE_1_2),
      ).rollback,
    ).toBeNull();
    expect(
      ledgerFacts(
        ledgerOf([...shipped(RELEASE_1_2), ...shipped(RELEASE_1_3), rolledBack, ["staged", fixtureRelease("1.4.0", "c")]]),
        releaseOf(RELEASE_1_2),
      ).rollback,
    ).not.toBeNull();
  });

  test("a rollback slipway rollback wrote, before the workflow records it: a fact only when the ledger confirms it", () => {
    const ledger = ledgerOf([...shipped(RELEASE_1_2), ...shipped(RELEASE_1_3)]);
    // Production runs 1.3.0; returning to 1.2.0, which it ran, is confirmed.
    expect(ledgerFacts(ledger, releaseOf(RELEASE_1_2, { from: "1.3.0", reason: "INC-9" })).rollback).toEqual({
      from: "1.3.0",
      marker: "ROLLBACK 1.3.0 → 1.2.0",
      note: "INC-9",
    });
    // A rollback section naming a version production does not run is not a rollback.
    expect(ledgerFacts(ledger, releaseOf(RELEASE_1_2, { from: "1.9.0" })).rollback).toBeNull();
    // Nor is one to a release production never ran (a new release dressed as a rollback).
    expect(ledgerFacts(ledger, releaseOf(fixtureRelease("1.4.0", "c"), { from: "1.3.0" })).rollback).toBeNull();
    // Nor one across a contract migration the ledger records.
    const contracted = ledgerOf([
      ...shipped(RELEASE_1_2),
      ["staged", RELEASE_1_3, { migrations: { expand: [], contract: ["drop-legacy"] } }],
      ["validated", RELEASE_1_3],
      ["promoted", RELEASE_1_3],
    ]);
    expect(ledgerFacts(contracted, releaseOf(RELEASE_1_2, { from: "1.3.0" })).rollback).toBeNull();
  });
});
