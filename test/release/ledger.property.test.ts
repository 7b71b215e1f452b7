import fc from "fast-check";
import { RELEASE_LEVELS } from "../../contract";
import { type Ledger, type LedgerKind, parseLedger, prepareAppend, STACK_OF_KIND } from "../../release/ledger";
import { fixtureRun } from "./fixtures";

/** A release the generator ships: staged, validated, maybe promoted, maybe rolled back afterwards. */
interface GeneratedRelease {
  level: (typeof RELEASE_LEVELS)[number];
  build: string;
  actor: string;
  note: string | undefined;
  promote: boolean;
  rollBackAfter: boolean;
}

const hex = (length: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: length, maxLength: length });

const releaseArbitrary: fc.Arbitrary<GeneratedRelease> = fc.record({
  level: fc.constantFrom(...RELEASE_LEVELS),
  build: hex(64),
  actor: fc.string({ unit: "binary", minLength: 1, maxLength: 12 }),
  note: fc.option(fc.string({ unit: "binary", maxLength: 24 }), { nil: undefined }),
  promote: fc.boolean(),
  rollBackAfter: fc.boolean(),
});

/** Append through the real prepare path, in memory: each append re-reads and re-verifies the bytes. */
function append(
  bytes: Buffer,
  kind: LedgerKind,
  version: string,
  release: GeneratedRelease,
  time: number,
  runId: number,
  from?: string,
): Buffer {
  const ledger: Ledger = parseLedger(bytes);
  const prepared = prepareAppend(
    ledger,
    {
      kind,
      version,
      level: release.level,
      changeRequest: `CR-${version}`,
      artifacts: { api: { image: `ghcr.io/acme/api@sha256:${release.build}` }, web: { commitSha: release.build.slice(0, 40) } },
      gitSha: release.build.slice(24, 64),
      actor: release.actor,
      run: fixtureRun(STACK_OF_KIND[kind], runId),
      note: release.note,
      from,
    },
    new Date(time),
  );
  return Buffer.concat([bytes, Buffer.from(`${prepared.line}\n`, "utf8")]);
}

/** Build a ledger from generated releases, following the release rules. */
function buildLedger(releases: GeneratedRelease[]): Buffer {
  let bytes: Buffer = Buffer.alloc(0);
  let time = Date.parse("2026-01-01T00:00:00.000Z");
  const ranInProduction: { version: string; release: GeneratedRelease }[] = [];
  releases.forEach((release, index) => {
    const version = `1.${index}.0`;
    // One staging run stages and validates; every production event is a run of its own.
    const stagingRun = 100 + index * 10;
    time += 1000;
    bytes = append(bytes, "staged", version, release, time, stagingRun);
    time += 1000;
    bytes = append(bytes, "validated", version, release, time, stagingRun);
    if (!release.promote) return;
    time += 1000;
    bytes = append(bytes, "promoted", version, release, time, stagingRun + 1);
    ranInProduction.push({ version, release });
    if (release.rollBackAfter && ranInProduction.length >= 2) {
      const target = ranInProduction[ranInProduction.length - 2];
      time += 1000;
      bytes = append(bytes, "rolled-back", target.version, target.release, time, stagingRun + 2, version);
      ranInProduction.push(target);
    }
  });
  return bytes;
}

/** Byte offsets where each line starts and its length (without the newline). */
function lineSpans(bytes: Buffer): { start: number; length: number }[] {
  const spans: { start: number; length: number }[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      spans.push({ start, length: i - start });
      start = i + 1;
    }
  }
  return spans;
}

describe("the ledger chain, for any history", () => {
  test("any sequence of valid appends verifies", () => {
    fc.assert(
      fc.property(fc.array(releaseArbitrary, { minLength: 1, maxLength: 6 }), (releases) => {
        const ledger = parseLedger(buildLedger(releases));
        expect(ledger.problems).toEqual([]);
        expect(ledger.entries.map((entry) => entry.event.seq)).toEqual(ledger.entries.map((_, i) => i + 1));
      }),
      { numRuns: 100 },
    );
  });

  test("any single-byte edit of any line is detected, and the first problem names that line", () => {
    fc.assert(
      fc.property(
        fc.array(releaseArbitrary, { minLength: 1, maxLength: 5 }),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        (releases, lineChoice, offsetChoice, delta) => {
          const bytes = buildLedger(releases);
          const spans = lineSpans(bytes);
          const lineIndex = lineChoice % spans.length;
          const span = spans[lineIndex];
          const offset = span.start + (offsetChoice % span.length);
          const edited = Buffer.from(bytes);
          edited[offset] = (edited[offset] + delta) % 256; // delta in 1..255: always a different byte
          const ledger = parseLedger(edited);
          expect(ledger.problems.length).toBeGreaterThan(0);
          expect(ledger.problems[0].line).toBe(lineIndex + 1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
