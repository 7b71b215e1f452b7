/**
 * Appending to the ledger: one append at a time under `<ledger>.lock`, onto the head the caller
 * decided on, and never a line the ledger would refuse; and the checks that catch what the chain
 * alone cannot (a removed last line, a rewrite with every hash recomputed).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  anchorOf,
  anchorProblem,
  appendEvent,
  checkAppendOnly,
  type LedgerProblem,
  parseLedger,
  readLedger,
  requireIntactLedger,
  withLedgerLock,
} from "../../release/ledger";
import {
  createEmptyLedger,
  fixtureRun,
  ledgerLines,
  makeProject,
  RELEASE_1_2,
  RELEASE_1_3,
  record,
  removeProject,
  shipToProduction,
} from "./fixtures";

let root: string;
beforeEach(() => {
  root = makeProject();
});
afterEach(() => {
  jest.restoreAllMocks();
  removeProject(root);
});

const ledgerFile = () => path.join(root, "releases/ledger.jsonl");
const lockFile = () => `${ledgerFile()}.lock`;

/** A staged 1.3.0 from a staging run: a valid first line. */
const staged13 = (extra: object = {}) => ({
  kind: "staged" as const,
  ...RELEASE_1_3,
  actor: "deploy-bot",
  run: fixtureRun("staging", 77),
  ...extra,
});

/** The clock an append reads: `start`, then what `later` returns (called on every later reading). */
function clock(later: () => number): void {
  const start = Date.now();
  let readings = 0;
  jest.spyOn(Date, "now").mockImplementation(() => (readings++ === 0 ? start : later()));
}

describe("appends are serialised by the ledger's lock", () => {
  test("an append holds <ledger>.lock while it works and removes it after", () => {
    createEmptyLedger(root);
    expect(withLedgerLock(ledgerFile(), () => fs.existsSync(lockFile()))).toBe(true);
    expect(fs.existsSync(lockFile())).toBe(false);
  });

  test("a lock whose process is gone is taken over at once", () => {
    createEmptyLedger(root);
    fs.writeFileSync(lockFile(), "999999999");
    clock(() => Number.MAX_SAFE_INTEGER);
    appendEvent(root, staged13());
    expect(ledgerLines(root)).toHaveLength(1);
  });

  test("an append waits while a live process holds the lock, and gives up after 30 s naming it, writing nothing", () => {
    createEmptyLedger(root);
    fs.writeFileSync(lockFile(), String(process.pid));
    clock(() => Date.UTC(2100, 0, 1));
    expect(() => appendEvent(root, staged13())).toThrow(
      `${lockFile()}: another append has held ${lockFile()} for 30 s; if no slipway process runs, remove it`,
    );
    expect(ledgerLines(root)).toEqual([]);
    expect(fs.readFileSync(lockFile(), "utf8")).toBe(String(process.pid));
  });

  test("a lock that names no process is a young one: never taken over, waited for", () => {
    createEmptyLedger(root);
    fs.writeFileSync(lockFile(), "-999999999");
    clock(() => Date.UTC(2100, 0, 1));
    expect(() => appendEvent(root, staged13())).toThrow("another append has held");
    expect(ledgerLines(root)).toEqual([]);
  });

  test("a lock that cannot be created at all fails with the system's reason at once, not after a wait", () => {
    const tooLong = path.join(root, "releases", `${"x".repeat(250)}.jsonl`);
    clock(() => Date.UTC(2100, 0, 1));
    expect(() => withLedgerLock(tooLong, () => "worked")).toThrow(expect.objectContaining({ code: "ENAMETOOLONG" }));
  });

  test("an append that waited for the other one to finish (within 30 s) then writes its line", () => {
    createEmptyLedger(root);
    fs.writeFileSync(lockFile(), String(process.pid));
    const start = Date.now();
    // The other append finishes 29 s into the wait.
    clock(() => {
      fs.rmSync(lockFile(), { force: true });
      return start + 29_000;
    });
    appendEvent(root, staged13());
    expect(ledgerLines(root)).toHaveLength(1);
  });
});

describe("an append is decided on the ledger as it is, and refused whole", () => {
  test("an append decided on a stale head is refused naming both heads, and writes nothing", () => {
    shipToProduction(root, RELEASE_1_2);
    const head = readLedger(root).headHash;
    const stale = "a".repeat(64);
    expect(() => appendEvent(root, staged13(), { expectedHead: stale })).toThrow(
      `releases/ledger.jsonl: changed while this command ran (head ${head.slice(0, 12)}, expected ${"a".repeat(12)}): run it again`,
    );
    expect(ledgerLines(root)).toHaveLength(3);
    appendEvent(root, staged13(), { expectedHead: head });
    expect(ledgerLines(root)).toHaveLength(4);
  });

  test("only a rolled-back event has a 'from' version: a promotion claiming one is refused", () => {
    record(root, "staged", RELEASE_1_3);
    record(root, "validated", RELEASE_1_3);
    const promotion = { kind: "promoted" as const, ...RELEASE_1_3, actor: "deploy-bot", run: fixtureRun("production", 78) };
    expect(() => appendEvent(root, { ...promotion, from: "1.2.0" })).toThrow(
      "releases/ledger.jsonl: from: only a rolled-back event has a 'from' version",
    );
    expect(ledgerLines(root)).toHaveLength(2);
  });

  test("a refusal by the release rules names the ledger file", () => {
    createEmptyLedger(root);
    expect(() => appendEvent(root, { ...staged13(), kind: "validated" })).toThrow(
      /^releases\/ledger\.jsonl: refusing to record: validated 1\.3\.0: staging never staged 1\.3\.0/,
    );
  });

  test("an empty list of approvers records none (nobody approved)", () => {
    createEmptyLedger(root);
    const entry = appendEvent(root, staged13({ approvers: [] }));
    expect(entry.event.approvers).toBeUndefined();
    expect(ledgerLines(root)[0]).not.toContain("approvers");
  });

  test("a broken ledger is refused with its first problem's line as the key", () => {
    const broken = parseLedger(Buffer.from('{"seq":1}\n'));
    expect(() => requireIntactLedger(broken)).toThrow(expect.objectContaining({ key: "line 1" }));
  });
});

describe("the append-only check: the previous version of the file is a prefix of the current one", () => {
  const bytes = (...lines: string[]) => Buffer.from(lines.join(""));

  test("an unchanged ledger passes", () => {
    const ledger = bytes("a\n", "b\n");
    expect(checkAppendOnly(ledger, Buffer.from(ledger))).toEqual([]);
  });

  test("a rewritten line is named even when lines were appended after it", () => {
    expect(checkAppendOnly(bytes("a\n", "b\n"), bytes("a\n", "B\n", "c\n"))).toEqual<LedgerProblem[]>([
      { line: 2, message: "differs from the previous version of the ledger: history was rewritten" },
    ]);
  });

  test("removed last lines are named from the first one gone", () => {
    expect(checkAppendOnly(bytes("a\n", "b\n", "c\n"), bytes("a\n"))).toEqual<LedgerProblem[]>([
      { line: 2, message: "was in the previous version of the ledger and is gone: line 2 and after were removed" },
    ]);
  });

  test("an interrupted last line that was completed differently is a rewrite of that line", () => {
    expect(checkAppendOnly(bytes("a\n", "b-parti"), bytes("a\n", "b-other\n"))).toEqual<LedgerProblem[]>([
      { line: 2, message: "differs from the previous version of the ledger: history was rewritten" },
    ]);
  });
});

describe("the anchor: the ledger head a stack last deployed from", () => {
  test("lines removed below it are named at the first missing line, with the anchor shortened", () => {
    shipToProduction(root, RELEASE_1_2);
    const anchor = anchorOf(readLedger(root));
    fs.writeFileSync(ledgerFile(), `${ledgerLines(root).slice(0, 2).join("\n")}\n`);
    expect(anchorProblem(readLedger(root), anchor)).toEqual({
      line: 3,
      message: `the stack last deployed from a ledger of 3 lines (anchor 3:${anchor.hash.slice(0, 12)}…) and this one has 2: lines were removed`,
    });
  });

  test("a ledger whose head is the anchor extends it; anchor 0 is a stack's first deploy", () => {
    shipToProduction(root, RELEASE_1_2);
    const ledger = readLedger(root);
    expect(anchorProblem(ledger, anchorOf(ledger))).toBeUndefined();
    expect(anchorProblem(ledger, { seq: 0, hash: "0".repeat(64) })).toBeUndefined();
  });

  test("an anchor line that is no longer an event at all is named as rewritten, not a crash", () => {
    shipToProduction(root, RELEASE_1_2);
    const anchor = anchorOf(readLedger(root));
    const lines = ledgerLines(root);
    fs.writeFileSync(ledgerFile(), `${[...lines.slice(0, 2), "not json"].join("\n")}\n`);
    expect(anchorProblem(readLedger(root), anchor)).toMatchObject({
      line: 3,
      seq: 3,
      message: expect.stringContaining("history was rewritten"),
    });
  });

  test("a rewritten anchor line is named at that line", () => {
    shipToProduction(root, RELEASE_1_2);
    const ledger = readLedger(root);
    const anchor = { seq: 2, hash: "b".repeat(64) };
    expect(anchorProblem(ledger, anchor)).toEqual({
      line: 2,
      seq: 2,
      message: `differs from the line the stack last deployed from (anchor 2:${"b".repeat(12)}…): the ledger's history was rewritten`,
    });
  });
});
