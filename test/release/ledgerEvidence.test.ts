/**
 * The ledger as evidence against someone with write access to the ledger branch: lines forged with
 * a correct chain and correct hashes still have to come from the workflow run that may record them,
 * and still have to follow the release rules. Every ledger here is built in memory and read with
 * `parseLedger`, as `slipway ledger verify` reads the file.
 */
import {
  canonicalLine,
  contentHash,
  GENESIS_HASH,
  type LedgerEvent,
  type LedgerKind,
  type Migrations,
  parseLedger,
  releaseRuleViolation,
  STACK_OF_KIND,
  sha256Hex,
  validationFor,
  type WorkflowRun,
} from "../../release/ledger";
import { FIXTURE_REPOSITORY, type FixtureRelease, fixtureRelease, fixtureRun, RELEASE_1_2, RELEASE_1_3 } from "./fixtures";

type Draft = Omit<LedgerEvent, "seq" | "prev" | "hash">;

let minute = 0;

/** An event of `release` recorded by `run` (none: a line written by hand), a minute after the previous one. */
function event(kind: LedgerKind, release: FixtureRelease, run: WorkflowRun | undefined, extra: Partial<Draft> = {}): Draft {
  minute += 1;
  return {
    kind,
    stack: STACK_OF_KIND[kind],
    version: release.version,
    level: release.level,
    changeRequest: release.changeRequest,
    artifacts: release.artifacts,
    gitSha: release.gitSha,
    time: new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString(),
    actor: "deploy-bot",
    ...(run !== undefined ? { run } : {}),
    ...extra,
  };
}

/** A run of any workflow file of a repository, from a ref. */
function runOf(workflow: string, id: number, ref = "refs/heads/main", repository = FIXTURE_REPOSITORY): WorkflowRun {
  return {
    id: String(id),
    attempt: 1,
    url: `https://github.com/${repository}/actions/runs/${id}`,
    workflow: `${repository}/.github/workflows/${workflow}@${ref}`,
  };
}

/** The lines a forger with the hashing code writes: canonical, chained, every hash correct. */
function forge(drafts: Draft[]): string[] {
  const lines: string[] = [];
  drafts.forEach((draft, index) => {
    const unhashed = { ...draft, seq: index + 1, prev: index === 0 ? GENESIS_HASH : sha256Hex(lines[index - 1]) };
    lines.push(canonicalLine({ ...unhashed, hash: contentHash(unhashed) }));
  });
  return lines;
}

function verify(drafts: Draft[]) {
  return parseLedger(Buffer.from(`${forge(drafts).join("\n")}\n`));
}

/** Every problem `verify` names, as `line: message`. */
function problems(drafts: Draft[]): string[] {
  return verify(drafts).problems.map((problem) => `${problem.line}: ${problem.message}`);
}

/** Staging stages and validates a release in one run, production promotes it in another. */
function shipped(release: FixtureRelease, stagingRun: number, productionRun: number): Draft[] {
  return [
    event("staged", release, fixtureRun("staging", stagingRun)),
    event("validated", release, fixtureRun("staging", stagingRun)),
    event("promoted", release, fixtureRun("production", productionRun)),
  ];
}

/** 1.2.0's version with 1.3.0's build: a version whose artifacts equal another version's. */
const RETAGGED = { ...RELEASE_1_3, version: "1.2.0", changeRequest: "CR-120", gitSha: RELEASE_1_2.gitSha };

describe("a line that is not an event is named, never a crash", () => {
  test("a line holding JSON null or a number is a bad shape without a seq", () => {
    for (const text of ["null", "7"]) {
      const ledger = parseLedger(Buffer.from(`${text}\n`));
      expect(ledger.problems).toEqual([{ line: 1, seq: undefined, message: expect.stringMatching(/^bad shape: \(line\): /) }]);
    }
  });

  test("a line with several shape problems names each of them, separated by ';'", () => {
    const [line] = forge([event("staged", RELEASE_1_3, fixtureRun("staging", 1))]);
    const broken = { ...JSON.parse(line), level: "L9", actor: "" };
    const ledger = parseLedger(Buffer.from(`${JSON.stringify(broken)}\n`));
    expect(ledger.problems[0].message).toMatch(/^bad shape: level: .+; actor: an actor is required$/);
  });
});

describe("only the workflow that may record an event records it", () => {
  test("the kill switch (flag.yml) records a flag it turned off from the default branch, never from a tag", () => {
    const production = shipped(RELEASE_1_2, 1, 2);
    const flag = { stack: "production" as const, flag: { name: "auto-engage", served: "off" } };
    expect(problems([...production, event("flag", RELEASE_1_2, runOf("flag.yml", 3), flag)])).toEqual([]);
    expect(problems([...production, event("flag", RELEASE_1_2, runOf("flag.yml", 3, "refs/tags/v9"), flag)])).toEqual([
      "4: flag 1.2.0: recorded by .github/workflows/flag.yml from refs/tags/v9; the kill switch runs from a branch (its environment admits the default branch only), never a tag",
    ]);
  });

  test("the kill switch records flags only: a promotion from flag.yml is refused", () => {
    const history = [event("staged", RELEASE_1_2, fixtureRun("staging", 1)), event("validated", RELEASE_1_2, fixtureRun("staging", 1))];
    expect(problems([...history, event("promoted", RELEASE_1_2, runOf("flag.yml", 3))])).toEqual([
      "3: promoted 1.2.0: recorded by .github/workflows/flag.yml, but only .github/workflows/deploy-production.yml records production events",
    ]);
  });

  test("the production deploy records the flags it changed from its tag, each flag once per run", () => {
    const production = shipped(RELEASE_1_2, 1, 2);
    const deploy = fixtureRun("production", 3);
    const served = (name: string, served: string) => ({ stack: "production" as const, flag: { name, served } });
    expect(
      problems([
        ...production,
        event("flag", RELEASE_1_2, deploy, served("auto-engage", "on")),
        event("flag", RELEASE_1_2, deploy, served("bulk-dm", "stage house")),
      ]),
    ).toEqual([]);
    expect(
      problems([
        ...production,
        event("flag", RELEASE_1_2, deploy, served("auto-engage", "on")),
        event("flag", RELEASE_1_2, deploy, served("auto-engage", "off")),
      ]),
    ).toEqual(["5: flag 1.2.0: run 3 already recorded flag auto-engage at line 4; a run records each event once"]);
  });

  test("the emergency rollback (rollback.yml) records the flags it turned off first", () => {
    const production = shipped(RELEASE_1_2, 1, 2);
    const flag = { stack: "production" as const, flag: { name: "bulk-dm", served: "off" } };
    expect(problems([...production, event("flag", RELEASE_1_2, runOf("rollback.yml", 3), flag)])).toEqual([]);
  });

  test("the kill switch and the emergency rollback only turn flags off: a line serving a flag again from them is refused", () => {
    const production = shipped(RELEASE_1_2, 1, 2);
    const served = (how: string) => ({ stack: "production" as const, flag: { name: "bulk-dm", served: how } });
    expect(problems([...production, event("flag", RELEASE_1_2, runOf("flag.yml", 3), served("on"))])).toEqual([
      "4: flag 1.2.0: recorded by .github/workflows/flag.yml serving flag bulk-dm 'on'; it only turns flags off (the production deploy serves them again)",
    ]);
    expect(problems([...production, event("flag", RELEASE_1_2, runOf("rollback.yml", 3), served("stage house"))])).toEqual([
      "4: flag 1.2.0: recorded by .github/workflows/rollback.yml serving flag bulk-dm 'stage house'; it only turns flags off (the production deploy serves them again)",
    ]);
  });

  test("the emergency rollback records no promotion and no validation", () => {
    const staged = [event("staged", RELEASE_1_2, fixtureRun("staging", 1)), event("validated", RELEASE_1_2, fixtureRun("staging", 1))];
    expect(problems([...staged, event("promoted", RELEASE_1_2, runOf("rollback.yml", 3))])).toEqual([
      "3: promoted 1.2.0: recorded by .github/workflows/rollback.yml, but only .github/workflows/deploy-production.yml records production events",
    ]);
    expect(problems([...staged, event("validated", RELEASE_1_2, runOf("rollback.yml", 1))])).toEqual([
      "3: validated 1.2.0: recorded by .github/workflows/rollback.yml, but only .github/workflows/deploy-staging.yml records staging events",
    ]);
  });

  test("staging's rollback stages again only a build staging validated under that version", () => {
    const neverValidated = [event("staged", RELEASE_1_2, fixtureRun("staging", 1))];
    expect(problems([...neverValidated, event("staged", RELEASE_1_2, runOf("rollback.yml", 2))])).toEqual([
      "2: staged 1.2.0: recorded by .github/workflows/rollback.yml, but staging never validated 1.2.0 with these artifacts; a rollback returns staging to a release it validated",
    ]);
    // The same build validated under 1.3.0 vouches for 1.3.0 only.
    const otherVersion = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
    ];
    expect(problems([...otherVersion, event("staged", RETAGGED, runOf("rollback.yml", 2))])).toEqual([
      "3: staged 1.2.0: recorded by .github/workflows/rollback.yml, but staging never validated 1.2.0 with these artifacts; a rollback returns staging to a release it validated",
    ]);
    const validated = [event("staged", RELEASE_1_2, fixtureRun("staging", 1)), event("validated", RELEASE_1_2, fixtureRun("staging", 1))];
    expect(problems([...validated, event("staged", RELEASE_1_2, runOf("rollback.yml", 2))])).toEqual([]);
  });

  test("a rollback from another workflow is refused naming the two that may record it; a promotion naming only the deploy", () => {
    const history = [...shipped(RELEASE_1_2, 1, 2), ...shipped(RELEASE_1_3, 3, 4)];
    const fromOther = event("rolled-back", RELEASE_1_2, runOf("fix-ci.yml", 5), {
      from: "1.3.0",
      to: "1.2.0",
      marker: "ROLLBACK 1.3.0 → 1.2.0",
    });
    expect(problems([...history, fromOther])).toEqual([
      "7: rolled-back 1.2.0: recorded by .github/workflows/fix-ci.yml, but only .github/workflows/deploy-production.yml records production events (and .github/workflows/rollback.yml its rollbacks)",
    ]);
    const promoted = [...shipped(RELEASE_1_2, 1, 2).slice(0, 2), event("promoted", RELEASE_1_2, runOf("fix-ci.yml", 5))];
    expect(problems(promoted)).toEqual([
      "3: promoted 1.2.0: recorded by .github/workflows/fix-ci.yml, but only .github/workflows/deploy-production.yml records production events",
    ]);
  });

  test("a run whose URL is another run's page is refused", () => {
    const run = { ...fixtureRun("staging", 11), url: "https://github.com/acme/shop/actions/runs/12" };
    expect(problems([event("staged", RELEASE_1_3, run)])).toEqual([
      "1: staged 1.3.0: run url https://github.com/acme/shop/actions/runs/12 is not run 11 of acme/shop",
    ]);
  });

  test("every run is of the ledger's own repository: a fork's deploy run is refused", () => {
    const staged = event("staged", RELEASE_1_3, fixtureRun("staging", 11));
    const fork = event("validated", RELEASE_1_3, fixtureRun("staging", 11, "mallory/shop"));
    expect(problems([staged, fork])).toEqual(["2: validated 1.3.0: recorded by a run of mallory/shop, but this ledger is acme/shop's"]);
  });

  test("the ledger's repository is its first run's, even after a line written by hand (which is named)", () => {
    const byHand = event("staged", RELEASE_1_3, undefined);
    const staged = event("staged", RELEASE_1_2, fixtureRun("staging", 11));
    const fork = event("validated", RELEASE_1_2, fixtureRun("staging", 11, "mallory/shop"));
    expect(problems([byHand, staged, fork])).toEqual([
      "1: staged 1.3.0: has no workflow run: only .github/workflows/deploy-staging.yml records staged events (a line recorded by hand is refused)",
      "3: validated 1.2.0: recorded by a run of mallory/shop, but this ledger is acme/shop's",
    ]);
  });
});

describe("the release rules hold on every line, forged or not", () => {
  const EXPAND = { expand: ["add-state-v2"], contract: [] };
  const PREMATURE = {
    expand: [],
    contract: ["drop-legacy-state", "drop-old-index"],
    completes: { "drop-legacy-state": "add-state-v2", "drop-old-index": "add-new-index" },
  };

  test("every line that ships a contract migration before its expand shipped is named: staged, promoted, hotfix", () => {
    const premature = { migrations: PREMATURE };
    const lines = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1), premature),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1), premature),
      event("promoted", RELEASE_1_3, fixtureRun("production", 2), premature),
      event("hotfix", RELEASE_1_3, fixtureRun("production", 3), { ...premature, note: "INC-9" }),
    ];
    const contract =
      "contract migration drop-legacy-state completes expand add-state-v2, which no earlier release production ran has shipped; drop-old-index completes expand add-new-index, which no earlier release production ran has shipped (000 §7: contract only after the expand shipped in an earlier release)";
    expect(problems(lines)).toEqual([`1: staged 1.3.0: ${contract}`, `3: promoted 1.3.0: ${contract}`, `4: hotfix 1.3.0: ${contract}`]);
  });

  test("staging validates only a version it staged: another version staged by the run, or a migration of it, is no staging", () => {
    const stagedOther = [event("staged", RELEASE_1_2, fixtureRun("staging", 5)), event("validated", RELEASE_1_3, fixtureRun("staging", 5))];
    expect(problems(stagedOther)).toEqual(["2: validated 1.3.0: staging never staged 1.3.0 (no earlier staged event)"]);
    const migratedOnly = [
      event("migrated", RELEASE_1_3, runOf("migrate-staging.yml", 6), { stack: "staging", phase: "expand", migrations: EXPAND }),
      event("validated", RELEASE_1_3, fixtureRun("staging", 6), { migrations: EXPAND }),
    ];
    expect(problems(migratedOnly)).toEqual(["2: validated 1.3.0: staging never staged 1.3.0 (no earlier staged event)"]);
  });

  test("a validation from a run that staged nothing names every run that staged the version", () => {
    const restaged = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 11)),
      event("staged", RELEASE_1_3, fixtureRun("staging", 12)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 13)),
    ];
    expect(problems(restaged)).toEqual([
      "3: validated 1.3.0: run 13 staged nothing; staging validates a release in the run that staged it (staged by runs 11, 12)",
    ]);
    const byHand = [event("staged", RELEASE_1_3, undefined), event("validated", RELEASE_1_3, fixtureRun("staging", 13))];
    expect(problems(byHand)).toEqual([
      "1: staged 1.3.0: has no workflow run: only .github/workflows/deploy-staging.yml records staged events (a line recorded by hand is refused)",
      "2: validated 1.3.0: run 13 staged nothing; staging validates a release in the run that staged it (staged by run ?)",
    ]);
  });

  test("the program's check, before any run records: a validation without a run matches a staging without one", () => {
    const history = verify([event("staged", RELEASE_1_3, undefined)]).entries;
    expect(releaseRuleViolation(event("validated", RELEASE_1_3, undefined), history)).toBeUndefined();
    // Against a staging a run recorded, the run-less validation is refused, not a crash.
    const byRun = verify([event("staged", RELEASE_1_3, fixtureRun("staging", 1))]).entries;
    expect(releaseRuleViolation(event("validated", RELEASE_1_3, undefined), byRun)).toMatch(/ staged nothing; .* \(staged by run 1\)$/);
  });

  test("a validation of another build names every artifact that differs", () => {
    const rebuilt = {
      ...RELEASE_1_3,
      artifacts: {
        ...RELEASE_1_3.artifacts,
        api: { ...RELEASE_1_3.artifacts.api, image: `ghcr.io/acme/api@sha256:${"e".repeat(64)}` },
        worker: { image: `ghcr.io/acme/worker@sha256:${"e".repeat(64)}` },
      },
    };
    expect(
      problems([event("staged", RELEASE_1_3, fixtureRun("staging", 1)), event("validated", rebuilt, fixtureRun("staging", 1))]),
    ).toEqual(["2: validated 1.3.0: artifacts differ from what staging staged (line 1): api.image, worker.image"]);
  });

  test("a hotfix too ships only what staging validated: an incident is no reason to skip staging", () => {
    const staged = [event("staged", RELEASE_1_3, fixtureRun("staging", 1))];
    expect(problems([...staged, event("hotfix", RELEASE_1_3, fixtureRun("production", 2), { note: "INC-9" })])).toEqual([
      "2: hotfix 1.3.0: staging never validated 1.3.0",
    ]);
  });

  test("production runs no migration staging did not run for the release, and names each", () => {
    const lines = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
      event("promoted", RELEASE_1_3, fixtureRun("production", 2), { migrations: { expand: ["add-a", "add-b"], contract: [] } }),
    ];
    expect(problems(lines)).toEqual([
      "3: promoted 1.3.0: production runs expand add-a, expand add-b, which staging did not run for 1.3.0 (line 2)",
    ]);
  });
});

describe("a migration reaches production only after staging ran the same one for the same build (004 §3)", () => {
  const EXPAND = { expand: ["add-state-v2"], contract: [] };
  const migrated = (release: FixtureRelease, stack: "staging" | "production", phase: "expand" | "contract", id: number) =>
    event("migrated", release, runOf(`migrate-${stack}.yml`, id), { stack, phase, migrations: EXPAND });

  test("staging's expand does not rehearse production's contract", () => {
    const lines = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RELEASE_1_3, "staging", "expand", 2),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RELEASE_1_3, "production", "contract", 3),
    ];
    expect(problems(lines)).toEqual([
      "4: migrated 1.3.0: staging never ran the contract migration of 1.3.0 with these artifacts; a migration is tested on staging first (004 §3)",
    ]);
  });

  test("a rehearsal of the same build under another version does not count, nor does a validation of it", () => {
    const rehearsedAs13 = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RELEASE_1_3, "staging", "expand", 2),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RETAGGED, "production", "expand", 3),
    ];
    expect(problems(rehearsedAs13)).toEqual([
      "4: migrated 1.2.0: staging never ran the expand migration of 1.2.0 with these artifacts; a migration is tested on staging first (004 §3)",
    ]);
    const validatedAs13 = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RETAGGED, "staging", "expand", 2),
      migrated(RETAGGED, "production", "expand", 3),
    ];
    expect(problems(validatedAs13)).toEqual([
      "4: migrated 1.2.0: staging never validated 1.2.0 with these artifacts; production migrates only for a release staging validated",
    ]);
  });

  test("an earlier production migration is no rehearsal: each unrehearsed one is named", () => {
    const lines = [
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
      migrated(RELEASE_1_3, "production", "expand", 2),
      migrated(RELEASE_1_3, "production", "expand", 3),
    ];
    const unrehearsed =
      "migrated 1.3.0: staging never ran the expand migration of 1.3.0 with these artifacts; a migration is tested on staging first (004 §3)";
    expect(problems(lines)).toEqual([`3: ${unrehearsed}`, `4: ${unrehearsed}`]);
  });
});

describe("a flag event records the release the stack runs", () => {
  const flag = (stack: "staging" | "production") => ({ stack, flag: { name: "auto-engage", served: "off" } });

  test("on production: the release production runs, with its artifacts", () => {
    expect(problems([event("flag", RELEASE_1_2, fixtureRun("production", 1), flag("production"))])).toEqual([
      "1: flag 1.2.0: production runs no release yet; a flag event records the release production runs",
    ]);
    const production = shipped(RELEASE_1_2, 1, 2);
    expect(problems([...production, event("flag", RELEASE_1_3, fixtureRun("production", 3), flag("production"))])).toEqual([
      "4: flag 1.3.0: production runs 1.2.0; a flag event records the release production runs",
    ]);
    expect(problems([...production, event("flag", RETAGGED, fixtureRun("production", 3), flag("production"))])).toEqual([
      "4: flag 1.2.0: production runs 1.2.0 with other artifacts; a flag event records the release production runs",
    ]);
    // The release production runs is its last one.
    const twoReleases = [...production, ...shipped(RELEASE_1_3, 3, 4)];
    expect(problems([...twoReleases, event("flag", RELEASE_1_3, fixtureRun("production", 5), flag("production"))])).toEqual([]);
    expect(problems([...twoReleases, event("flag", RELEASE_1_2, fixtureRun("production", 5), flag("production"))])).toEqual([
      "7: flag 1.2.0: production runs 1.3.0; a flag event records the release production runs",
    ]);
    // 1.3.0's build under another version is not the release production runs either.
    expect(problems([...twoReleases, event("flag", RETAGGED, fixtureRun("production", 5), flag("production"))])).toEqual([
      "7: flag 1.2.0: production runs 1.3.0; a flag event records the release production runs",
    ]);
  });

  test("on staging: the staging deploy records it whatever production runs", () => {
    expect(problems([event("flag", RELEASE_1_3, fixtureRun("staging", 1), flag("staging"))])).toEqual([]);
  });
});

describe("a rollback returns production to a release it ran", () => {
  const rollback = (release: FixtureRelease, from: string, id: number) =>
    event("rolled-back", release, runOf("rollback.yml", id), {
      from,
      to: release.version,
      marker: `ROLLBACK ${from} → ${release.version}`,
    });

  test("to another version than the one it leaves", () => {
    const history = shipped(RELEASE_1_2, 1, 2);
    expect(problems([...history, rollback(RELEASE_1_2, "1.2.0", 3)])).toEqual([
      "4: rolled-back 1.2.0: a rollback goes to another version than 1.2.0",
    ]);
  });

  test("to a validated release production ran, not one staging only validated", () => {
    const history = [
      ...shipped(RELEASE_1_2, 1, 2),
      event("staged", RELEASE_1_3, fixtureRun("staging", 3)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 3)),
    ];
    expect(problems([...history, rollback(RELEASE_1_3, "1.2.0", 4)])).toEqual([
      "6: rolled-back 1.3.0: production never ran 1.3.0; a rollback returns to a release production ran",
    ]);
  });

  test("never across a contract migration: every release that ships one is named", () => {
    const expandA = { expand: ["add-a"], contract: [] };
    const expandB = { expand: ["add-b"], contract: [] };
    const contractA = { expand: [], contract: ["drop-a"], completes: { "drop-a": "add-a" } };
    const contractB = { expand: [], contract: ["drop-b"], completes: { "drop-b": "add-b" } };
    const r10 = fixtureRelease("1.0.0", "1");
    const r11 = fixtureRelease("1.1.0", "2");
    const r14 = fixtureRelease("1.4.0", "4");
    const r15 = fixtureRelease("1.5.0", "5");
    const ship = (release: FixtureRelease, migrations: Migrations, stagingRun: number, productionRun: number) => [
      event("staged", release, fixtureRun("staging", stagingRun), { migrations }),
      event("validated", release, fixtureRun("staging", stagingRun), { migrations }),
      event("promoted", release, fixtureRun("production", productionRun)),
    ];
    const history = [
      ...ship(r10, expandA, 1, 2),
      ...ship(r11, expandB, 3, 4),
      ...ship(r14, contractA, 5, 6),
      ...ship(r15, contractB, 7, 8),
    ];
    expect(problems(history)).toEqual([]);
    expect(problems([...history, rollback(r11, "1.5.0", 9)])).toEqual([
      "13: rolled-back 1.1.0: crosses a contract migration: 1.4.0 ships contract migration drop-a (ledger line 7); 1.5.0 ships contract migration drop-b (ledger line 10)",
    ]);
  });
});

describe("what the ledger vouches for", () => {
  test("a validation names when its run staged the release, even when that staging is the ledger's first line", () => {
    const ledger = verify([
      event("staged", RELEASE_1_3, fixtureRun("staging", 1)),
      event("validated", RELEASE_1_3, fixtureRun("staging", 1)),
    ]);
    expect(ledger.problems).toEqual([]);
    expect(validationFor(ledger, "1.3.0")?.stagedAt).toBe(ledger.entries[0].event.time);
  });
});
