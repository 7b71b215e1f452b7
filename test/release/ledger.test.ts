import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../config/errors";
import { formatAnchor } from "../../contract/release";
import {
  anchorOf,
  appendEvent,
  canonicalLine,
  contentHash,
  GENESIS_HASH,
  type LedgerKind,
  type MigrationPhase,
  productionHistory,
  readLedger,
  sha256Hex,
  validationFor,
} from "../../release/ledger";
import { ledgerRecord, ledgerShow, ledgerVerify, workflowRunFromEnv } from "../../release/ledgerCommands";
import {
  RELEASE_1_2,
  RELEASE_1_3,
  RELEASE_1_4,
  createEmptyLedger,
  fixtureRun,
  ledgerLines,
  makeProject,
  record,
  removeProject,
  runnerEnv,
  shipToProduction,
  writeLedgerLines,
} from "./fixtures";

let root: string;
beforeEach(() => {
  root = makeProject();
});
afterEach(() => removeProject(root));

/** A ledger of five lines: 1.2.0 staged, validated, promoted; 1.3.0 staged, validated. */
function fiveLineLedger(): string[] {
  shipToProduction(root, RELEASE_1_2);
  record(root, "staged", RELEASE_1_3);
  record(root, "validated", RELEASE_1_3);
  return ledgerLines(root);
}

function verifyText(): string {
  return ledgerVerify({ root }).text;
}

describe("the ledger is a hash chain of release events", () => {
  test("appended events chain: the first prev is 64 zeros, each next prev hashes the line before", () => {
    const lines = fiveLineLedger();
    expect(lines).toHaveLength(5);
    expect(JSON.parse(lines[0]).prev).toBe(GENESIS_HASH);
    for (let i = 1; i < lines.length; i++) expect(JSON.parse(lines[i]).prev).toBe(sha256Hex(lines[i - 1]));
    expect(lines.map((line) => JSON.parse(line).seq)).toEqual([1, 2, 3, 4, 5]);
    const result = ledgerVerify({ root });
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain("5 lines, chain intact");
    expect(result.text).toContain("production runs 1.2.0 (line 3, promoted)");
    expect(result.text).toContain("staging last validated 1.3.0 (line 5)");
  });

  test("a missing ledger is an error naming it, not an empty pass (a typo in --ledger verified nothing)", () => {
    expect(() => ledgerVerify({ root, ledgerPath: "releases/ledgr.jsonl" })).toThrow(UserError);
    expect(() => ledgerVerify({ root, ledgerPath: "releases/ledgr.jsonl" })).toThrow(/^releases\/ledgr\.jsonl: does not exist/);
    expect(() => ledgerShow({ root })).toThrow(/^releases\/ledger\.jsonl: does not exist/);
  });

  test("an empty ledger file is a valid new ledger", () => {
    createEmptyLedger(root);
    const result = ledgerVerify({ root });
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain("0 lines, chain intact (empty)");
  });

  test("an edited line is named, through its own hash and its successor's prev", () => {
    const lines = fiveLineLedger();
    lines[2] = lines[2].replace('"actor":"release-captain"', '"actor":"mallory"');
    writeLedgerLines(root, lines);
    const result = ledgerVerify({ root });
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain("line 3 (seq 3): content does not match its hash: line 3 was edited");
    expect(result.text).toContain("line 4 (seq 4): prev hash does not match line 3 — line 3 was edited or a line was removed");
  });

  test("an edit of the last line, which no successor covers, is caught by its own hash", () => {
    const lines = fiveLineLedger();
    lines[4] = lines[4].replace('"level":"L2"', '"level":"L1"');
    writeLedgerLines(root, lines);
    expect(verifyText()).toContain("line 5 (seq 5): content does not match its hash: line 5 was edited");
  });

  test("a removed line is named by the line that follows it", () => {
    const lines = fiveLineLedger();
    lines.splice(2, 1);
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain("line 3 (seq 4): prev hash does not match line 2 — line 2 was edited or a line was removed");
    expect(text).toContain("line 3 (seq 4): seq 4 follows seq 2: seq 3 is missing: a line was removed");
  });

  test("reordered lines are named", () => {
    const lines = fiveLineLedger();
    [lines[2], lines[3]] = [lines[3], lines[2]];
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain("line 3 (seq 4): prev hash matches line 4, not line 2: lines were reordered, inserted or removed");
    expect(text).toContain("line 4 (seq 3): seq 3 follows seq 4: lines were reordered, duplicated or inserted");
  });

  test("an inserted line is named", () => {
    const lines = fiveLineLedger();
    lines.splice(1, 0, lines[3]);
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain("line 2 (seq 4): prev hash matches line 4, not line 1: lines were reordered, inserted or removed");
    expect(text).toContain("line 3 (seq 2): prev hash matches line 1, not line 2");
  });

  test("a duplicated line is named", () => {
    const lines = fiveLineLedger();
    lines.splice(1, 0, lines[0]);
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain(
      "line 2 (seq 1): prev hash is the first line's (64 zeros), but this is line 2: a line was inserted or lines were reordered",
    );
    expect(text).toContain("line 2 (seq 1): seq 1 follows seq 1: lines were reordered, duplicated or inserted");
  });

  test("bad JSON, a bad shape and a hand-formatted line are each named", () => {
    const lines = fiveLineLedger();
    lines[1] = lines[1].slice(0, -1);
    const third = JSON.parse(lines[2]);
    third.level = "L9";
    lines[2] = JSON.stringify(third);
    lines[3] = JSON.stringify(JSON.parse(lines[3]), null, 0).replace('"seq":4,', '"seq": 4,');
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toMatch(/line 2: is not valid JSON \(.*\): the line was edited or corrupted/);
    expect(text).toContain("line 3 (seq 3): bad shape: level:");
    expect(text).toContain("line 4 (seq 4): is not in the canonical form Slipway writes: line 4 was edited by hand");
  });

  test("an interrupted append (no trailing newline) is named", () => {
    fiveLineLedger();
    const file = path.join(root, "releases/ledger.jsonl");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, -1));
    expect(verifyText()).toContain("line 5: has no trailing newline");
  });

  test("record refuses to append to a broken ledger", () => {
    const lines = fiveLineLedger();
    lines.splice(1, 1);
    writeLedgerLines(root, lines);
    expect(() => record(root, "promoted", RELEASE_1_3)).toThrow(UserError);
    expect(() => record(root, "promoted", RELEASE_1_3)).toThrow(/releases\/ledger.jsonl: failed verification: line 2 \(seq 3\): prev hash/);
    expect(ledgerLines(root)).toHaveLength(4);
  });

  test("a rewrite with every hash recomputed still fails the append-only check against the previous version", () => {
    fiveLineLedger();
    const file = path.join(root, "releases/ledger.jsonl");
    fs.copyFileSync(file, path.join(root, "previous.jsonl"));
    // Rebuild the same history with a different actor on line 2: a valid chain, but not an append.
    fs.rmSync(file);
    record(root, "staged", RELEASE_1_2);
    record(root, "validated", { ...RELEASE_1_2, changeRequest: "CR-999" });
    expect(ledgerVerify({ root }).exitCode).toBe(0);
    const result = ledgerVerify({ root, previousLedgerPath: "previous.jsonl" });
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain("line 1: differs from the previous version of the ledger: history was rewritten");
  });

  test("an honest append passes the append-only check", () => {
    fiveLineLedger();
    fs.copyFileSync(path.join(root, "releases/ledger.jsonl"), path.join(root, "previous.jsonl"));
    record(root, "promoted", RELEASE_1_3);
    expect(ledgerVerify({ root, previousLedgerPath: "previous.jsonl" }).exitCode).toBe(0);
  });
});

describe("whatever damage a forger or a bad merge leaves, verify names it by line", () => {
  test("a missing key is named as missing, a value of the wrong type as what it is; a line that is no event names no seq", () => {
    const lines = fiveLineLedger();
    const third = JSON.parse(lines[2]);
    delete third.actor;
    lines[2] = JSON.stringify(third);
    lines[3] = "[]";
    lines[4] = JSON.stringify({ ...JSON.parse(lines[4]), seq: "5" });
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain("line 3 (seq 3): bad shape: actor: is required");
    // A value of the wrong type is not called missing.
    expect(text).toContain("line 4: bad shape: (line): expected object, got a list");
    expect(text).toContain("line 5: bad shape: seq: expected number, got a string");
  });

  test("a blank line is named as blank, and the line after it no longer chains", () => {
    const lines = fiveLineLedger();
    lines.splice(2, 0, "");
    writeLedgerLines(root, lines);
    const text = verifyText();
    expect(text).toContain("line 3: is blank: ledger lines are never blank, the file was edited");
    expect(text).toContain("line 4 (seq 3): prev hash matches line 2, not line 3");
  });

  test("bytes that are not UTF-8 are named", () => {
    const lines = fiveLineLedger();
    const file = path.join(root, "releases/ledger.jsonl");
    const bytes = Buffer.concat([
      Buffer.from(`${lines[0]}\n`),
      Buffer.from([0x7b, 0xff, 0x7d, 0x0a]),
      Buffer.from(`${lines.slice(1).join("\n")}\n`),
    ]);
    fs.writeFileSync(file, bytes);
    expect(verifyText()).toContain("line 2: is not valid UTF-8: the line was edited or corrupted");
  });

  test("an interrupted append is named at its own line only", () => {
    fiveLineLedger();
    const file = path.join(root, "releases/ledger.jsonl");
    fs.writeFileSync(file, fs.readFileSync(file, "utf8").slice(0, -1));
    expect(verifyText().match(/has no trailing newline/g)).toHaveLength(1);
  });

  test("two removed lines are named as a range", () => {
    const lines = fiveLineLedger();
    lines.splice(1, 2);
    writeLedgerLines(root, lines);
    expect(verifyText()).toContain("line 2 (seq 4): seq 4 follows seq 1: seq 2..3 is missing: a line was removed");
  });

  test("a ledger whose first line was removed, or moved, is named at its new first line", () => {
    const lines = fiveLineLedger();
    writeLedgerLines(root, lines.slice(1));
    expect(verifyText()).toContain(
      "line 1 (seq 2): prev hash is not 64 zeros, as the first line's must be: the start of the ledger was removed or this line was edited",
    );
    writeLedgerLines(root, [lines[1], lines[0], ...lines.slice(2)]);
    expect(verifyText()).toContain(
      "line 1 (seq 2): prev hash points to line 2, but the first line's prev must be 64 zeros: lines were reordered",
    );
  });

  test("refusing a broken ledger names its first problem and how many more there are", () => {
    const lines = fiveLineLedger();
    const edited = [...lines];
    edited[4] = edited[4].replace('"level":"L2"', '"level":"L1"');
    writeLedgerLines(root, edited);
    // One problem: the edited last line's own hash.
    expect(() => record(root, "promoted", RELEASE_1_3)).toThrow(
      /failed verification: line 5 \(seq 5\): content does not match its hash: line 5 was edited$/,
    );
    lines.splice(1, 1);
    writeLedgerLines(root, lines);
    // Two problems at line 2 (its prev and its seq).
    expect(() => record(root, "promoted", RELEASE_1_3)).toThrow(
      /failed verification: line 2 \(seq 3\): .* \(and 1 more; run `slipway ledger verify`\)$/,
    );
  });
});

describe("ledger record writes only from a deploy run, and only what the run may say", () => {
  const env = runnerEnv("staging", 601);

  test("outside GitHub Actions it names what is missing, or that GITHUB_ACTIONS is not 'true'", () => {
    createEmptyLedger(root);
    const { GITHUB_RUN_ID: _id, GITHUB_WORKFLOW_REF: _ref, ...partial } = env;
    expect(() => ledgerRecord({ root, kind: "staged", env: partial })).toThrow(
      "this is not a GitHub Actions run (GITHUB_RUN_ID, GITHUB_WORKFLOW_REF not set)",
    );
    expect(() => ledgerRecord({ root, kind: "staged", env: { ...env, GITHUB_RUN_ID: "" } })).toThrow("(GITHUB_RUN_ID not set)");
    expect(() => ledgerRecord({ root, kind: "staged", env: { ...env, GITHUB_ACTIONS: "1" } })).toThrow("(GITHUB_ACTIONS is not 'true')");
    expect(ledgerLines(root)).toEqual([]);
  });

  test("a workflow ref that is not owner/repo/.github/workflows/file@ref is refused", () => {
    createEmptyLedger(root);
    expect(() => ledgerRecord({ root, kind: "staged", env: { ...env, GITHUB_WORKFLOW_REF: "acme/shop/deploy-staging.yml@main" } })).toThrow(
      "GITHUB_WORKFLOW_REF 'acme/shop/deploy-staging.yml@main' is not <owner>/<repo>/.github/workflows/<file>@<ref>",
    );
  });

  test("the run's URL and attempt come from the runner: a server URL's trailing slash is dropped, a bad attempt counts as 1", () => {
    createEmptyLedger(root);
    const staged = ledgerRecord({
      root,
      kind: "staged",
      env: { ...env, GITHUB_SERVER_URL: "https://github.com//", GITHUB_RUN_ATTEMPT: "2" },
    });
    expect(staged.entry.event.run).toEqual({ ...fixtureRun("staging", 601), attempt: 2 });
    for (const attempt of ["0", "-1", "1.5", "x"]) {
      const other = runnerEnv("staging", 700 + attempt.length);
      expect(workflowRunFromEnv({ ...other, GITHUB_RUN_ATTEMPT: attempt }).attempt).toBe(1);
    }
  });

  test("an event kind the ledger does not know is refused with the kinds it does", () => {
    createEmptyLedger(root);
    expect(() => ledgerRecord({ root, kind: "shipped" as LedgerKind, env })).toThrow(
      "'shipped' is not a ledger event; expected one of staged, validated, promoted, rolled-back, hotfix, flag, migrated, or deployed",
    );
  });

  test("--phase belongs to a migrated event, which must name it; --flag to a flag event", () => {
    createEmptyLedger(root);
    expect(() => ledgerRecord({ root, kind: "migrated", env })).toThrow(
      "a migrated event names the phase it ran: pass --phase expand or contract",
    );
    expect(() => ledgerRecord({ root, kind: "migrated", phase: "drop" as MigrationPhase, env })).toThrow("pass --phase expand or contract");
    expect(() => ledgerRecord({ root, kind: "staged", phase: "expand", env })).toThrow("--phase belongs to a migrated event, not staged");
    expect(() => ledgerRecord({ root, kind: "flag", env })).toThrow("a flag event names its flag: pass --flag <name>");
    expect(() => ledgerRecord({ root, kind: "staged", flag: "dark-mode", env })).toThrow("--flag belongs to a flag event, not staged");
    expect(ledgerLines(root)).toEqual([]);
  });
});

describe("ledger verify says where the stacks stand", () => {
  test("an intact ledger: its lines, its head, the release production runs now and what staging last validated", () => {
    fiveLineLedger();
    record(root, "promoted", RELEASE_1_3);
    const lines = ledgerLines(root);
    expect(verifyText()).toBe(
      `releases/ledger.jsonl: 6 lines, chain intact (head ${sha256Hex(lines[5]).slice(0, 12)}); production runs 1.3.0 (line 6, promoted); staging last validated 1.3.0 (line 5).\n`,
    );
  });

  test("an empty ledger: nothing ran, nothing validated", () => {
    createEmptyLedger(root);
    expect(verifyText()).toBe(
      "releases/ledger.jsonl: 0 lines, chain intact (empty); production has run no release; staging has validated no release.\n",
    );
  });

  test("one line, one problem: counted in the singular", () => {
    record(root, "staged", RELEASE_1_3);
    expect(verifyText()).toMatch(/^releases\/ledger\.jsonl: 1 line, chain intact/);
    const [line] = ledgerLines(root);
    writeLedgerLines(root, [line.replace('"level":"L2"', '"level":"L1"')]);
    expect(verifyText()).toMatch(/^releases\/ledger\.jsonl: verification FAILED, 1 problem:\n {2}line 1 \(seq 1\): content does not match/);
  });

  test("a previous version that does not exist is named, not skipped", () => {
    fiveLineLedger();
    expect(() => ledgerVerify({ root, previousLedgerPath: "old-ledger.jsonl" })).toThrow(
      "old-ledger.jsonl: previous ledger: does not exist",
    );
  });
});

describe("release rules: staging validates what it staged, production runs what staging validated", () => {
  test("validated needs an earlier staged event of the same version", () => {
    expect(() => record(root, "validated", RELEASE_1_3)).toThrow("refusing to record: validated 1.3.0: staging never staged 1.3.0");
  });

  test("validated needs the artifacts staging staged", () => {
    record(root, "staged", RELEASE_1_3);
    const rebuilt = {
      ...RELEASE_1_3,
      artifacts: { ...RELEASE_1_3.artifacts, worker: { image: `ghcr.io/acme/worker@sha256:${"e".repeat(64)}` } },
    };
    expect(() => record(root, "validated", rebuilt)).toThrow("artifacts differ from what staging staged (line 1): worker.image");
  });

  test("promoted needs a validation of the same version with equal artifacts", () => {
    record(root, "staged", RELEASE_1_3);
    expect(() => record(root, "promoted", RELEASE_1_3)).toThrow("promoted 1.3.0: staging never validated 1.3.0");
    record(root, "validated", RELEASE_1_3);
    const other = { ...RELEASE_1_3, artifacts: { web: RELEASE_1_3.artifacts.web } };
    expect(() => record(root, "promoted", other)).toThrow(
      "artifacts differ from what staging validated (line 2): api (only on one side), worker (only on one side)",
    );
    record(root, "promoted", RELEASE_1_3);
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });

  test("a hotfix names its incident", () => {
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
    expect(() => record(root, "hotfix", RELEASE_1_3)).toThrow("note: cannot record hotfix 1.3.0: a hotfix names its incident");
    record(root, "hotfix", RELEASE_1_3, { note: "INC-7: checkout 500s" });
    expect(productionHistory(readLedger(root)).map((run) => run.kind)).toEqual(["hotfix"]);
  });

  test("artifacts must be immutable references", () => {
    const mutable = { ...RELEASE_1_3, artifacts: { api: { image: "ghcr.io/acme/api:latest" } } };
    expect(() => record(root, "staged", mutable)).toThrow(
      "releases/ledger.jsonl: artifacts.api.image: cannot record staged 1.3.0: expected an image pinned by digest",
    );
  });

  test("verify re-checks the rules of a well-chained ledger written by hand", () => {
    // A chain can be built correctly by hand and still claim a promotion staging never validated.
    record(root, "staged", RELEASE_1_3);
    const lines = ledgerLines(root);
    const forged = {
      ...JSON.parse(lines[0]),
      seq: 2,
      kind: "promoted",
      stack: "production",
      run: fixtureRun("production", 9001),
      prev: sha256Hex(lines[0]),
    };
    forged.hash = contentHash(forged);
    writeLedgerLines(root, [lines[0], canonicalLine(forged)]);
    expect(verifyText()).toContain("line 2 (seq 2): promoted 1.3.0: staging never validated 1.3.0");
  });
});

describe("what the program and the commands read from the ledger", () => {
  test("validationFor returns what staging validated, with the hash of the validating line, when the run staged it and its page", () => {
    const lines = fiveLineLedger();
    const validation = validationFor(readLedger(root), "1.3.0");
    const [staged, validated] = [JSON.parse(lines[3]), JSON.parse(lines[4])];
    expect(validation).toEqual({
      stack: "staging",
      version: "1.3.0",
      ledgerHash: sha256Hex(lines[4]),
      artifacts: RELEASE_1_3.artifacts,
      stagedAt: staged.time,
      validatedAt: validated.time,
      runUrl: validated.run.url,
      migrations: { expand: [], contract: [] },
    });
    expect(validationFor(readLedger(root), "1.4.0")).toBeNull();
  });

  test("validationFor with artifacts picks the validation of exactly that build", () => {
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
    const rebuilt = { ...RELEASE_1_3, artifacts: { web: { commitSha: "d".repeat(40) } } };
    record(root, "staged", rebuilt);
    record(root, "validated", rebuilt);
    const ledger = readLedger(root);
    expect(validationFor(ledger, "1.3.0")?.artifacts).toEqual(rebuilt.artifacts);
    expect(validationFor(ledger, "1.3.0", RELEASE_1_3.artifacts)?.ledgerHash).toBe(sha256Hex(ledgerLines(root)[1]));
  });

  test("validationFor refuses a broken ledger instead of vouching for it", () => {
    const lines = fiveLineLedger();
    lines.splice(0, 1);
    writeLedgerLines(root, lines);
    expect(() => validationFor(readLedger(root), "1.3.0")).toThrow("failed verification");
  });

  test("productionHistory lists what production ran, in order", () => {
    shipToProduction(root, RELEASE_1_2);
    shipToProduction(root, RELEASE_1_3);
    expect(productionHistory(readLedger(root)).map((run) => [run.kind, run.version, run.line])).toEqual([
      ["promoted", "1.2.0", 3],
      ["promoted", "1.3.0", 6],
    ]);
  });

  test("ledger record reads the release from the kind's stack file", () => {
    createEmptyLedger(root);
    const env = runnerEnv("staging", 501);
    const stagedAt = new Date("2026-11-20T10:00:00.000Z");
    const staged = ledgerRecord({ root, kind: "staged", env, now: stagedAt });
    expect(staged.text).toBe("Recorded releases/ledger.jsonl line 1 (seq 1): staged 1.4.0 on staging.\n");
    expect(staged.entry.event.artifacts).toEqual(RELEASE_1_4.artifacts);
    expect(staged.entry.event.actor).toBe("deploy-bot");
    expect(staged.entry.event.gitSha).toBe("f".repeat(40));
    expect(staged.entry.event.run).toEqual(fixtureRun("staging", 501));
    ledgerRecord({ root, kind: "validated", env, now: new Date(stagedAt.getTime() + 120 * 60_000) });
    // Production's stack file still carries 1.3.0, which staging never validated.
    expect(() => ledgerRecord({ root, kind: "promoted", env: runnerEnv("production", 502) })).toThrow(
      "promoted 1.3.0: staging never validated 1.3.0",
    );
  });

  test("ledger record wants the whole release or none of it", () => {
    createEmptyLedger(root);
    expect(() =>
      ledgerRecord({ root, kind: "staged", version: "1.5.0", actor: "me", gitSha: "f".repeat(40), env: runnerEnv("staging", 503) }),
    ).toThrow("give all of version, level, changeRequest and artifacts, or none of them");
  });

  test("ledger show prints every event and where the stacks stand", () => {
    fiveLineLedger();
    const result = ledgerShow({ root });
    expect(result.exitCode).toBe(0);
    const lines = result.text.split("\n");
    expect(lines[0]).toMatch(/^seq\s+kind\s+stack\s+version\s+level\s+change\s+time\s+actor\s+note$/);
    expect(lines.filter((line) => /^\d+\s/.test(line))).toHaveLength(5);
    expect(result.text).toContain("production runs 1.2.0 (line 3, promoted); staging last validated 1.3.0 (line 5).");
    expect(
      ledgerShow({ root, version: "1.3.0" })
        .text.split("\n")
        .filter((line) => /^\d+\s/.test(line)),
    ).toHaveLength(2);
  });

  test("ledger show prints control characters as escapes, so a note cannot rewrite the terminal", () => {
    shipToProduction(root, RELEASE_1_2);
    record(root, "staged", RELEASE_1_3, { note: "fine\u001b[2J\u001b[1A\rpromoted 9.9.9" });
    const text = ledgerShow({ root }).text;
    // biome-ignore lint/suspicious/noControlCharactersInRegex: asserts no raw control character reaches the terminal
    expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(text).toContain("fine\\u001b[2J\\u001b[1A\\u000dpromoted 9.9.9");
  });

  test("ledger show warns about a broken ledger", () => {
    const lines = fiveLineLedger();
    lines.splice(3, 1);
    writeLedgerLines(root, lines);
    const result = ledgerShow({ root });
    expect(result.exitCode).toBe(1);
    expect(result.text).toContain("WARNING: releases/ledger.jsonl fails verification");
  });
});

// Under mutation testing (Stryker sets STRYKER_MUTATOR_WORKER) this suite is skipped: its 20 child
// processes run the unmutated sources, so it cannot kill a mutant, and it would cost seconds per mutant.
const describeOutsideMutation = process.env.STRYKER_MUTATOR_WORKER === undefined ? describe : describe.skip;

describeOutsideMutation("appends are serialised: concurrent records never fork the chain", () => {
  /** Record `count` staged events from a separate Node process, each for its own version. */
  function recorder(worker: number, count: number): Promise<string> {
    const script = `
      const { appendEvent } = require(${JSON.stringify(path.resolve(__dirname, "../../release/ledger.ts"))});
      const release = ${JSON.stringify(RELEASE_1_3)};
      for (let i = 0; i < ${count}; i++) {
        const run = { id: String(${worker} * 100 + i + 1), attempt: 1, url: "https://github.com/acme/shop/actions/runs/" + (${worker} * 100 + i + 1), workflow: "acme/shop/.github/workflows/deploy-staging.yml@refs/heads/main" };
        appendEvent(process.argv[1], { kind: "staged", ...release, version: "2.${worker}." + i, actor: "worker-${worker}", run });
      }`;
    return new Promise((resolve, reject) => {
      execFile(
        process.execPath,
        ["-r", "tsx/cjs", "-e", script, root],
        { cwd: path.resolve(__dirname, "../.."), encoding: "utf8" },
        (error, _stdout, stderr) => (error ? reject(new Error(`worker ${worker}: ${stderr || error.message}`)) : resolve(stderr)),
      );
    });
  }

  test("20 processes appending at once leave one intact chain with every event and no repeated seq", async () => {
    createEmptyLedger(root);
    await Promise.all(Array.from({ length: 20 }, (_, worker) => recorder(worker, 2)));
    const ledger = readLedger(root);
    expect(ledger.problems).toEqual([]);
    expect(ledger.entries.map((entry) => entry.event.seq)).toEqual(Array.from({ length: 40 }, (_, index) => index + 1));
    expect(new Set(ledger.entries.map((entry) => entry.event.version)).size).toBe(40);
    expect(fs.existsSync(path.join(root, "releases/ledger.jsonl.lock"))).toBe(false);
  }, 120_000);

  test("an append decided on a stale head is refused and writes nothing", () => {
    shipToProduction(root, RELEASE_1_2);
    const before = ledgerLines(root);
    expect(() =>
      appendEvent(
        root,
        { kind: "staged", ...RELEASE_1_3, actor: "me", run: fixtureRun("staging", 77) },
        { expectedHead: sha256Hex("some other head") },
      ),
    ).toThrow("changed while this command ran");
    expect(ledgerLines(root)).toEqual(before);
  });

  test("a lock left by a process that died is taken over", () => {
    createEmptyLedger(root);
    fs.writeFileSync(path.join(root, "releases/ledger.jsonl.lock"), "999999999");
    record(root, "staged", RELEASE_1_3);
    expect(ledgerLines(root)).toHaveLength(1);
  });
});

describe("only the deploy workflows write the ledger (004 §10: every event names its run)", () => {
  test("a validated recorded on a laptop is refused", () => {
    createEmptyLedger(root);
    ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 610), now: new Date("2026-11-20T10:00:00.000Z") });
    const laptop = { USER: "mallory", GITHUB_SHA: "f".repeat(40) };
    expect(() => ledgerRecord({ root, kind: "validated", env: laptop })).toThrow(
      "run: only the deploy workflows record ledger events, and this is not a GitHub Actions run (GITHUB_ACTIONS, GITHUB_RUN_ID, GITHUB_RUN_ATTEMPT, GITHUB_SERVER_URL, GITHUB_REPOSITORY, GITHUB_WORKFLOW_REF not set)",
    );
    expect(ledgerLines(root)).toHaveLength(1);
  });

  test("a validated line written by hand, chain and hashes correct, fails verification", () => {
    record(root, "staged", RELEASE_1_3);
    const [staged] = ledgerLines(root);
    const { run: _run, ...handWritten } = {
      ...JSON.parse(staged),
      seq: 2,
      kind: "validated",
      time: "2026-12-01T00:00:00.000Z",
      prev: sha256Hex(staged),
    };
    const forged = { ...handWritten, hash: contentHash(handWritten) };
    writeLedgerLines(root, [staged, canonicalLine(forged)]);
    expect(verifyText()).toContain(
      "line 2 (seq 2): validated 1.3.0: has no workflow run: only .github/workflows/deploy-staging.yml records validated events (a line recorded by hand is refused)",
    );
  });

  test("a run of another workflow cannot record: a renamed or added workflow is not the deploy workflow", () => {
    createEmptyLedger(root);
    const env = { ...runnerEnv("staging", 620), GITHUB_WORKFLOW_REF: "acme/shop/.github/workflows/fix-ci.yml@refs/heads/mallory/patch" };
    expect(() => ledgerRecord({ root, kind: "staged", env })).toThrow(
      "refusing to record: staged 1.4.0: recorded by .github/workflows/fix-ci.yml, but only .github/workflows/deploy-staging.yml records staging events",
    );
  });

  test("staging validates in the run that staged the release: a validation from another run is refused", () => {
    record(root, "staged", RELEASE_1_3);
    expect(() => record(root, "validated", RELEASE_1_3, { run: fixtureRun("staging", 99) })).toThrow(
      /validated 1\.3\.0: run 99 staged nothing; staging validates a release in the run that staged it \(staged by run \d+\)/,
    );
  });

  test("a run's id cannot be reused for a second event of the same kind", () => {
    const first = record(root, "staged", RELEASE_1_3);
    expect(() => record(root, "staged", RELEASE_1_4, { run: first.event.run })).toThrow(
      `staged 1.4.0: run ${first.event.run?.id} already recorded staged at line 1; a run records each event once`,
    );
  });

  test("every event carries the run's id, URL and workflow, and the production approvers", () => {
    shipToProduction(root, RELEASE_1_2);
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
    const promoted = record(root, "promoted", RELEASE_1_3, { approvers: ["sre-lead", "release-captain-2"] });
    expect(promoted.event.run?.url).toMatch(/^https:\/\/github\.com\/acme\/shop\/actions\/runs\/\d+$/);
    expect(promoted.event.run?.workflow).toBe("acme/shop/.github/workflows/deploy-production.yml@refs/tags/v1.0.0");
    expect(promoted.event.approvers).toEqual(["sre-lead", "release-captain-2"]);
    expect(ledgerVerify({ root }).exitCode).toBe(0);
  });
});

describe("staging soaks a release before it is validated (000 §3, 003 §4.4)", () => {
  const stagedAt = new Date("2026-11-20T10:00:00.000Z");
  const minutesLater = (minutes: number) => new Date(stagedAt.getTime() + minutes * 60_000);
  beforeEach(() => {
    createEmptyLedger(root);
    // Staging runs 1.4.0, an L3 release: 120 minutes by default.
    ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 700), now: stagedAt });
  });

  test("validated before the level's soak window is refused, and nothing is written", () => {
    expect(() => ledgerRecord({ root, kind: "validated", env: runnerEnv("staging", 700), now: minutesLater(119) })).toThrow(
      "refusing to record: validated 1.4.0: 119 minutes after it was staged (line 1); an L3 release soaks at least 120 minutes on staging (000 §3, 003 §4.4)",
    );
    expect(ledgerLines(root)).toHaveLength(1);
  });

  test("validated once the window has passed is recorded", () => {
    expect(ledgerRecord({ root, kind: "validated", env: runnerEnv("staging", 700), now: minutesLater(120) }).entry.event.kind).toBe(
      "validated",
    );
  });

  test("the team sets its own window per level in the policy statement", () => {
    fs.writeFileSync(
      path.join(root, "policy-config.json"),
      JSON.stringify({ "promote-validated-artifact": { stagingSoakMinutes: { L3: 45 } } }),
    );
    expect(ledgerRecord({ root, kind: "validated", env: runnerEnv("staging", 700), now: minutesLater(45) }).entry.event.kind).toBe(
      "validated",
    );
  });

  test("a bad window in the policy statement is named by its key", () => {
    fs.writeFileSync(
      path.join(root, "policy-config.json"),
      JSON.stringify({ "promote-validated-artifact": { stagingSoakMinutes: { L3: -5 } } }),
    );
    expect(() => ledgerRecord({ root, kind: "validated", env: runnerEnv("staging", 700), now: minutesLater(200) })).toThrow(
      "promote-validated-artifact.stagingSoakMinutes.L3: expected whole minutes from 0 to 1440",
    );
  });
});

describe("the ledger is verified from the anchor the stack deployed from, not only the last commit", () => {
  /**
   * The forgery of the issue: rebuild the whole chain with fresh hashes, slip in a staged and a
   * validated line for a release whose images point elsewhere, push that as one commit, then
   * push an ordinary append on top.
   */
  function rewriteWithFakeRelease(): { previousCommit: string } {
    const honest = ledgerLines(root);
    const fake = {
      ...RELEASE_1_4,
      artifacts: { ...RELEASE_1_4.artifacts, api: { image: `ghcr.io/mallory/api@sha256:${"e".repeat(64)}` } },
    };
    const rebuilt = honest.map((line) => JSON.parse(line));
    const forgedRun = fixtureRun("staging", 4242);
    for (const kind of ["staged", "validated"]) {
      rebuilt.push({
        ...rebuilt[0],
        kind,
        version: fake.version,
        level: fake.level,
        changeRequest: fake.changeRequest,
        artifacts: fake.artifacts,
        run: forgedRun,
        time: kind === "staged" ? "2026-11-21T00:00:00.000Z" : "2026-11-21T03:00:00.000Z",
      });
    }
    // Reorder nothing, but re-time line 1: every hash after it changes, and the chain is rebuilt.
    rebuilt[0] = { ...rebuilt[0], note: "tidied" };
    const lines: string[] = [];
    rebuilt.forEach((event, index) => {
      const draft = { ...event, seq: index + 1, prev: index === 0 ? "0".repeat(64) : sha256Hex(lines[index - 1]) };
      delete draft.hash;
      lines.push(canonicalLine({ ...draft, hash: contentHash(draft) }));
    });
    writeLedgerLines(root, lines);
    const previousCommit = path.join(root, "previous-commit.jsonl");
    fs.copyFileSync(path.join(root, "releases/ledger.jsonl"), previousCommit);
    return { previousCommit };
  }

  test("the two-commit rewrite passes the last-commit check but not the anchor", () => {
    shipToProduction(root, RELEASE_1_2);
    shipToProduction(root, RELEASE_1_3);
    const anchor = formatAnchor(anchorOf(readLedger(root)));
    const { previousCommit } = rewriteWithFakeRelease();
    // The second, ordinary commit: one append on top of the rewrite.
    record(root, "staged", RELEASE_1_4);
    expect(ledgerVerify({ root, previousLedgerPath: previousCommit }).exitCode).toBe(0);
    const anchored = ledgerVerify({ root, previousLedgerPath: previousCommit, anchor });
    expect(anchored.exitCode).toBe(1);
    expect(anchored.text).toContain("line 6 (seq 6): differs from the line the stack last deployed from (anchor 6:");
    expect(anchored.text).toContain("the ledger's history was rewritten");
  });

  test("honest appends after the anchor verify", () => {
    shipToProduction(root, RELEASE_1_2);
    const anchor = formatAnchor(anchorOf(readLedger(root)));
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
    const result = ledgerVerify({ root, anchor });
    expect(result.exitCode).toBe(0);
    expect(result.text).toContain("extends the anchor at line 3");
  });

  test("lines removed below the anchor are named", () => {
    shipToProduction(root, RELEASE_1_2);
    const anchor = formatAnchor(anchorOf(readLedger(root)));
    writeLedgerLines(root, ledgerLines(root).slice(0, 2));
    expect(ledgerVerify({ root, anchor }).text).toContain("the stack last deployed from a ledger of 3 lines (anchor 3:");
  });

  test("an anchor that is not one is a clear error; 'none' is a first deploy", () => {
    shipToProduction(root, RELEASE_1_2);
    expect(() => ledgerVerify({ root, anchor: "latest" })).toThrow("anchor: 'latest' is not an anchor: expected <seq>:<64 hex>");
    expect(ledgerVerify({ root, anchor: "none" }).text).toContain("no anchor yet (the stack's first deploy)");
  });
});

describe("migrations travel with the release (000 §7)", () => {
  const EXPAND = { expand: ["add-state-v2"], contract: [] };
  const CONTRACT = { expand: [], contract: ["drop-legacy-state"], completes: { "drop-legacy-state": "add-state-v2" } };

  test("a contract migration is refused until the expand it completes shipped in an earlier release production ran", () => {
    record(root, "staged", RELEASE_1_2, { migrations: EXPAND });
    expect(() => record(root, "staged", RELEASE_1_3, { migrations: CONTRACT })).toThrow(
      "refusing to record: staged 1.3.0: contract migration drop-legacy-state completes expand add-state-v2, which no earlier release production ran has shipped",
    );
    record(root, "validated", RELEASE_1_2, { migrations: EXPAND });
    record(root, "promoted", RELEASE_1_2);
    expect(record(root, "staged", RELEASE_1_3, { migrations: CONTRACT }).event.migrations).toEqual(CONTRACT);
  });

  test("a contract migration that names no expand is refused", () => {
    expect(() => record(root, "staged", RELEASE_1_3, { migrations: { expand: [], contract: ["drop-everything"] } })).toThrow(
      "staged 1.3.0: contract migration drop-everything names no expand migration it completes",
    );
  });

  test("validated records the migrations its run staged, and production runs only those", () => {
    shipToProduction(root, RELEASE_1_2, EXPAND);
    record(root, "staged", RELEASE_1_3, { migrations: CONTRACT });
    expect(() => record(root, "validated", RELEASE_1_3, { migrations: EXPAND })).toThrow(
      "validated 1.3.0: migrations differ from what the run staged (line 4): expand add-state-v2, contract drop-legacy-state",
    );
    record(root, "validated", RELEASE_1_3, { migrations: CONTRACT });
    const extra = { expand: ["add-audit-log"], contract: ["drop-legacy-state"], completes: CONTRACT.completes };
    expect(() => record(root, "promoted", RELEASE_1_3, { migrations: extra })).toThrow(
      "promoted 1.3.0: production runs expand add-audit-log, which staging did not run for 1.3.0 (line 5)",
    );
  });

  test("ledger record takes the migrations from the stack's config, not from prose", () => {
    createEmptyLedger(root);
    fs.appendFileSync(
      path.join(root, "Pulumi.staging.yaml"),
      [
        "  slipway:apps:",
        "    kubernetes:",
        "      migrations:",
        "        - {name: add-order-channel, phase: expand, app: api, command: [npm, run, migrate]}",
        "",
      ].join("\n"),
    );
    const staged = ledgerRecord({ root, kind: "staged", env: runnerEnv("staging", 801) });
    expect(staged.entry.event.migrations).toEqual({ expand: ["add-order-channel"], contract: [] });
  });
});
