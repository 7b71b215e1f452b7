/**
 * The release flow end to end, offline (Slipway issue 5): on a copy of the example project in a
 * git repository of its own, staging's validated release is promoted, a new release is staged,
 * validated and promoted, production is rolled back, the ledger is rewritten, and after each step
 * the program runs (mock runtime, child process) and the real policy pack judges production.
 *
 * One pack process serves the whole file (starting it is the slow part); each test works on its
 * own copy of the project, so no test depends on another's edits.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Gate } from "../../gate";
import { UserError } from "../../config/errors";
import { anchorOf, canonicalLine, contentHash, readLedger, rollbackMarker, sha256Hex } from "../../release/ledger";
import { LEDGER_FILE } from "../../contract/release";
import { formatAnchor } from "../../contract/release";
import { ledgerRecord, ledgerVerify } from "../../release/ledgerCommands";
import { releaseNotes } from "../../release/notes";
import { promote, type PromoteResult } from "../../release/promote";
import { rollback } from "../../release/rollback";
import { runnerEnv } from "../support/runner";
import {
  addChangelogSection,
  commitAll,
  copyExampleProject,
  describeViolation,
  handEditStackFile,
  flagIndex,
  gateStack,
  headCommit,
  ledgerLines,
  mandatoryViolations,
  openProjectGate,
  readText,
  type ReleaseValues,
  releaseEdits,
  removeExampleProject,
  runProgram,
  stackConfig,
  stackFlags,
  stackRelease,
  writeLedgerLines,
} from "./flowSupport";

/** Who records ledger events here (the deploy workflows' actor). */
const DEPLOY_ACTOR = "deploy-bot";

/** The example's ledger is written by the storefront repository's deploy workflows. */
const EXAMPLE_REPOSITORY = "acme/storefront";

/** The runner's environment in a run of the example's deploy workflow, at the release commit (HEAD). */
function deployRun(root: string, stack: "staging" | "production", id: number): Record<string, string> {
  return { ...runnerEnv(stack, id, EXAMPLE_REPOSITORY), GITHUB_SHA: headCommit(root) };
}

/** A new build, 1.6.0: every reference differs from the releases the example already has. */
const RELEASE_1_6: ReleaseValues = {
  version: "1.6.0",
  level: "L2",
  changeRequest: "CR-2077",
  artifacts: {
    web: { commitSha: "e5a1c0d2b3f4a5968778695a4b3c2d1e0f9a8b7c" },
    api: {
      image: "ghcr.io/acme/api@sha256:6e4f2a0b8c1d3e5f7a9b0c2d4e6f8a1b3c5d7e9f0a2b4c6d8e0f1a3b5c7d9e2f",
      slugId: "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a",
    },
    worker: { image: "ghcr.io/acme/worker@sha256:7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e" },
  },
};

/** 1.6.0's changelog section: the 003 §8.6 lines the release-metadata policy reads. */
const CHANGELOG_1_6 = `## [1.6.0] - 2026-12-01
Order export for the back office.

- Risk: L2
- Flags: none
- Migrations: none
- Rollback: redeploy 1.4.0
- Known issues: none

### Added
- CSV export of orders for the back office
`;

/** A worker image staging never validated: a valid digest, just not one the ledger knows. */
const UNVALIDATED_WORKER_IMAGE = "ghcr.io/acme/worker@sha256:3d2c1b0a9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a1f0e9d8c7b6a5f4e3d2c";

/** The ledger's artifacts of one line (1-based), as recorded. */
function artifactsOfLedgerLine(root: string, line: number): ReleaseValues["artifacts"] {
  return (JSON.parse(ledgerLines(root)[line - 1]) as { artifacts: ReleaseValues["artifacts"] }).artifacts;
}

/** The lines a unified diff removes (-) or adds (+), in order, without the file headers. */
function changedLines(diff: string, side: "-" | "+"): string[] {
  return diff
    .split("\n")
    .filter((line) => line.startsWith(side) && !line.startsWith(`${side}${side}${side} `))
    .map((line) => line.slice(1));
}

/**
 * The lines of Pulumi.production.yaml that carry a release's values, in file order: version,
 * level, change request, then each app's references (the example's layout: 4 and 8 spaces).
 */
function releaseValueLines(release: ReleaseValues, appOrder: readonly string[]): string[] {
  return [
    `    version: ${release.version}`,
    `    level: ${release.level}`,
    `    changeRequest: ${release.changeRequest}`,
    ...appOrder.flatMap((app) =>
      (["commitSha", "image", "slugId"] as const)
        .filter((field) => release.artifacts[app][field] !== undefined)
        .map((field) => `        ${field}: ${release.artifacts[app][field]}`),
    ),
  ];
}

/** A stack file's config without its release: what a promotion must leave alone. */
function configWithoutRelease(root: string, stack: string): Record<string, unknown> {
  const { "slipway:release": _release, ...rest } = stackConfig(root, stack);
  return rest;
}

/** What a call threw (the test fails if it did not throw). */
function thrownBy(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the call to throw");
}

/** The ledger's file, for byte comparisons. */
function ledgerBytes(root: string): Buffer {
  return fs.readFileSync(path.join(root, LEDGER_FILE));
}

/** Pulumi.production.yaml's bytes. */
function productionBytes(root: string): Buffer {
  return fs.readFileSync(path.join(root, "Pulumi.production.yaml"));
}

let gate: Gate;
const projects: string[] = [];

/** A fresh committed copy of the example project, removed after the file's tests. */
function newProject(): string {
  const root = copyExampleProject();
  projects.push(root);
  return root;
}

/** Stage a new release on staging the way a release engineer does: stack file, changelog, commit. */
function prepareRelease(root: string, release: ReleaseValues, changelogSection: string): void {
  handEditStackFile(root, "staging", releaseEdits(release));
  addChangelogSection(root, changelogSection);
  commitAll(root, `release ${release.version}`);
  expect(stackRelease(root, "staging")).toEqual(release);
}

beforeAll(async () => {
  gate = await openProjectGate();
});

afterAll(async () => {
  await gate?.close();
  for (const root of projects) removeExampleProject(root);
});

describe("promote", () => {
  let root: string;
  let productionBefore: string;
  let releaseBefore: ReleaseValues;
  let configBefore: Record<string, unknown>;
  let result: PromoteResult;

  beforeAll(() => {
    root = newProject();
    productionBefore = readText(root, "Pulumi.production.yaml");
    releaseBefore = stackRelease(root, "production");
    configBefore = configWithoutRelease(root, "production");
    // No version given: the newest release staging validated (1.5.0, ledger line 8).
    result = promote({ root });
    commitAll(root, "promote 1.5.0");
  });

  it("production runs exactly what staging validated", async () => {
    const staging = stackRelease(root, "staging");
    expect(result.version).toBe("1.5.0");
    expect(result.changed).toBe(true);
    expect(stackRelease(root, "production")).toEqual({
      version: "1.5.0",
      level: "L3",
      changeRequest: "CR-2041",
      hotfix: false,
      artifacts: staging.artifacts,
    });
    expect(result.validation).toMatchObject({ stack: "staging", version: "1.5.0", artifacts: staging.artifacts });
    // Nothing but the release moved: the L3 flag auto-publish stays off in production.
    expect(configWithoutRelease(root, "production")).toEqual(configBefore);
    expect(stackFlags(root, "production").find((flag) => flag.name === "auto-publish")?.defaults.production).toBe(false);

    const { recorded, report } = await gateStack(gate, root, "production");
    // The manifest production publishes carries staging's validation of this very build.
    expect(recorded.outputs.releaseManifest).toMatchObject({
      version: "1.5.0",
      validation: { stack: "staging", version: "1.5.0", ledgerHash: result.validation.ledgerHash, artifacts: staging.artifacts },
    });
    expect(mandatoryViolations(report).map(describeViolation)).toEqual([]);
  });

  it("edits only the release: comments and layout stay, and the diff names each changed line", () => {
    const productionAfter = readText(root, "Pulumi.production.yaml");
    const comments = (text: string) => text.split("\n").filter((line) => line.trim().startsWith("#"));
    expect(comments(productionAfter)).toEqual(comments(productionBefore));
    expect(comments(productionBefore).length).toBeGreaterThan(0);

    // hotfix stays false, so exactly version, level, change request and the four references change.
    const apps = Object.keys(releaseBefore.artifacts);
    const removed = releaseValueLines(releaseBefore, apps);
    const added = releaseValueLines(stackRelease(root, "production"), apps);
    expect(changedLines(result.diff, "-")).toEqual(removed);
    expect(changedLines(result.diff, "+")).toEqual(added);
    // The file is the original with exactly those lines replaced, byte for byte.
    const expected = productionBefore
      .split("\n")
      .map((line) => (removed.includes(line) ? added[removed.indexOf(line)] : line))
      .join("\n");
    expect(productionAfter).toBe(expected);
  });
});

it("a new release goes from staging to production: staged, validated, promoted, judged clean", async () => {
  const root = newProject();
  prepareRelease(root, RELEASE_1_6, CHANGELOG_1_6);
  const releaseCommit = headCommit(root);

  // Staging's deploy workflow: `staged` after its pulumi up, `validated` after the soak (30
  // minutes for an L2 release) and smoke, in the same run. Without a release given, record reads
  // it from Pulumi.staging.yaml.
  const stagedAt = new Date("2026-12-01T10:00:00.000Z");
  const staged = ledgerRecord({ root, kind: "staged", actor: DEPLOY_ACTOR, env: deployRun(root, "staging", 8100), now: stagedAt });
  expect(() =>
    ledgerRecord({
      root,
      kind: "validated",
      actor: DEPLOY_ACTOR,
      env: deployRun(root, "staging", 8100),
      now: new Date(stagedAt.getTime() + 29 * 60_000),
    }),
  ).toThrow("an L2 release soaks at least 30 minutes on staging");
  const validated = ledgerRecord({
    root,
    kind: "validated",
    actor: DEPLOY_ACTOR,
    env: deployRun(root, "staging", 8100),
    now: new Date(stagedAt.getTime() + 30 * 60_000),
  });
  const expectedEvent = {
    stack: "staging",
    version: "1.6.0",
    level: "L2",
    changeRequest: "CR-2077",
    artifacts: RELEASE_1_6.artifacts,
    gitSha: releaseCommit,
  };
  expect(staged.entry).toMatchObject({ line: 9, event: { kind: "staged", ...expectedEvent } });
  expect(validated.entry).toMatchObject({ line: 10, event: { kind: "validated", ...expectedEvent } });
  expect(ledgerVerify({ root }).exitCode).toBe(0);
  commitAll(root, "ledger: staged and validated 1.6.0");

  const promoted = promote({ root, version: "1.6.0" });
  commitAll(root, "promote 1.6.0");
  expect(stackRelease(root, "production")).toEqual({ ...RELEASE_1_6, hotfix: false });
  expect(promoted.validation.ledgerHash).toBe(validated.entry.lineHash);

  const { recorded, report } = await gateStack(gate, root, "production");
  expect(recorded.outputs.releaseVersion).toBe("1.6.0");
  expect(recorded.outputs.releaseManifest).toMatchObject({ validation: { version: "1.6.0", ledgerHash: validated.entry.lineHash } });
  expect(mandatoryViolations(report).map(describeViolation)).toEqual([]);
});

it("an unvalidated version is refused", () => {
  const root = newProject();
  prepareRelease(root, RELEASE_1_6, CHANGELOG_1_6);
  ledgerRecord({ root, kind: "staged", actor: DEPLOY_ACTOR, env: deployRun(root, "staging", 8200) });
  commitAll(root, "ledger: staged 1.6.0");
  const production = productionBytes(root);
  const ledger = ledgerBytes(root);

  const stagedOnly = thrownBy(() => promote({ root, version: "1.6.0" }));
  expect(stagedOnly).toBeInstanceOf(UserError);
  expect(stagedOnly.message).toBe(
    "releases/ledger.jsonl: refusing to promote 1.6.0: staging staged 1.6.0 (line 9) but never validated it: its smoke checks have not passed",
  );
  const neverStaged = thrownBy(() => promote({ root, version: "1.7.0" }));
  expect(neverStaged).toBeInstanceOf(UserError);
  expect(neverStaged.message).toBe("releases/ledger.jsonl: refusing to promote 1.7.0: staging never staged or validated 1.7.0");

  expect(productionBytes(root).equals(production)).toBe(true);
  expect(ledgerBytes(root).equals(ledger)).toBe(true);
});

it("a two-commit rewrite of the ledger is caught against production's anchor: by verify before pulumi up, by promote and by the gate", async () => {
  const root = newProject();
  // What production last deployed from: the stack published this head as SLIPWAY_LEDGER_ANCHOR.
  const anchor = formatAnchor(anchorOf(readLedger(root)));
  // Commit 1: the whole chain rebuilt with fresh hashes, line 1 "tidied", and a fake 1.6.0
  // staged and validated (after a full soak) whose api image points elsewhere.
  const fakeApi = `ghcr.io/mallory/api@sha256:${"e".repeat(64)}`;
  const events = ledgerLines(root).map((line) => JSON.parse(line));
  events[0].note = "tidied";
  const forgedRun = { ...events[6].run, id: "8999", url: events[6].run.url.replace(/\d+$/, "8999") };
  for (const [kind, time] of [
    ["staged", "2026-12-01T10:00:00.000Z"],
    ["validated", "2026-12-01T12:30:00.000Z"],
  ]) {
    events.push({
      ...events[6],
      kind,
      version: "1.6.0",
      level: "L2",
      changeRequest: "CR-2077",
      artifacts: { ...events[6].artifacts, api: { ...events[6].artifacts.api, image: fakeApi } },
      run: forgedRun,
      time,
    });
  }
  const rebuilt: string[] = [];
  events.forEach((event, index) => {
    const draft = { ...event, seq: index + 1, prev: index === 0 ? "0".repeat(64) : sha256Hex(rebuilt[index - 1]) };
    delete draft.hash;
    rebuilt.push(canonicalLine({ ...draft, hash: contentHash(draft) }));
  });
  writeLedgerLines(root, rebuilt);
  const rewriteCommit = path.join(root, "rewrite-commit.jsonl");
  fs.copyFileSync(path.join(root, LEDGER_FILE), rewriteCommit);
  // Commit 2: one ordinary append on top.
  ledgerRecord({ root, kind: "staged", actor: DEPLOY_ACTOR, env: deployRun(root, "staging", 9000) });
  commitAll(root, "two commits on the ledger branch");

  // The ledger job's check of the last commit passes; the deploy job's check from the anchor does not.
  expect(ledgerVerify({ root, previousLedgerPath: rewriteCommit }).exitCode).toBe(0);
  const anchored = ledgerVerify({ root, anchor });
  expect(anchored.exitCode).toBe(1);
  expect(anchored.text).toContain("line 8 (seq 8): differs from the line the stack last deployed from");

  // promote refuses with the anchor, and would have written the fake release without it.
  expect(thrownBy(() => promote({ root, version: "1.6.0", anchor })).message).toContain(
    "refusing to promote: the ledger does not extend the one production last deployed from",
  );
  promote({ root, version: "1.6.0", anchor: "none" });
  addChangelogSection(root, CHANGELOG_1_6);
  commitAll(root, "promote the forged 1.6.0");
  expect(stackRelease(root, "production").artifacts.api.image).toBe(fakeApi);

  // The gate, given the anchor as the deploy job gives it, fails the forged release.
  const { report } = await gateStack(gate, root, "production", { SLIPWAY_LEDGER_ANCHOR: anchor });
  expect(mandatoryViolations(report).map(describeViolation)).toEqual([
    expect.stringMatching(
      /^promote-validated-artifact \(mandatory\): Release 1\.6\.0: the release ledger does not extend the one stack 'production' last deployed from \(anchor 8:[0-9a-f]{14}…\): line 8 \(seq 8\): differs from the line the stack last deployed from/,
    ),
  ]);
  // Without it (a pull request's gate has no anchor), the forgery would pass: the anchor is what catches it.
  const unanchored = await gateStack(gate, root, "production");
  expect(mandatoryViolations(unanchored.report)).toEqual([]);
});

/** Ways to rewrite the example ledger's history, and what verification must say about each. */
const REWRITES: {
  what: string;
  rewrite: (lines: string[]) => string[];
  /** Lines verification blames. */
  blamed: number[];
  /** The first problem, as `slipway ledger verify` prints it. */
  firstProblem: string;
}[] = [
  {
    what: "an edited field (the worker image staging validated for 1.5.0, line 8)",
    rewrite: (lines) =>
      lines.map((line, index) => {
        if (index !== 7) return line;
        const event = JSON.parse(line) as { artifacts: ReleaseValues["artifacts"] };
        // Re-serialised canonically: only the hash can tell.
        return canonicalLine({ ...event, artifacts: { ...event.artifacts, worker: { image: UNVALIDATED_WORKER_IMAGE } } });
      }),
    blamed: [8],
    firstProblem: "line 8 (seq 8): content does not match its hash: line 8 was edited",
  },
  {
    what: "a deleted line (1.4.0 staged, line 4)",
    rewrite: (lines) => lines.filter((_, index) => index !== 3),
    blamed: [4],
    firstProblem: "line 4 (seq 5): prev hash does not match line 3 — line 3 was edited or a line was removed",
  },
  {
    what: "two swapped lines (1.4.0 promoted and 1.5.0 staged, lines 6 and 7)",
    rewrite: (lines) => [...lines.slice(0, 5), lines[6], lines[5], ...lines.slice(7)],
    blamed: [6, 7, 8],
    firstProblem: "line 6 (seq 7): prev hash matches line 7, not line 5: lines were reordered, inserted or removed",
  },
];

describe.each(REWRITES)("a rewritten ledger is detected and named: $what", ({ rewrite, blamed, firstProblem }) => {
  let root: string;

  beforeAll(() => {
    root = newProject();
    const original = ledgerLines(root);
    const rewritten = rewrite(original);
    expect(rewritten).not.toEqual(original);
    writeLedgerLines(root, rewritten);
    commitAll(root, "rewrite the ledger");
  });

  it("ledger verify fails, naming the line", () => {
    const verification = ledgerVerify({ root });
    expect(verification.exitCode).toBe(1);
    expect([...new Set(verification.problems.map((problem) => problem.line))]).toEqual(blamed);
    expect(verification.text.split("\n")).toContain(`  ${firstProblem}`);
  });

  it("promote refuses, naming the ledger, and edits nothing", () => {
    const production = productionBytes(root);
    const refusal = thrownBy(() => promote({ root }));
    expect(refusal).toBeInstanceOf(UserError);
    expect((refusal as UserError).file).toBe("releases/ledger.jsonl");
    expect(refusal.message.startsWith(`releases/ledger.jsonl: failed verification: ${firstProblem}`)).toBe(true);
    expect(productionBytes(root).equals(production)).toBe(true);
  });

  it("the program refuses to run, so the gate fails closed", async () => {
    const run = runProgram({ projectDir: root, stack: "production" });
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(`releases/ledger.jsonl: failed verification: ${firstProblem}`);
  });
});

it("roll back restores the previous release with side-effect flags off", async () => {
  const root = newProject();
  promote({ root });
  commitAll(root, "promote 1.5.0");
  // Production's deploy workflow, after pulumi up and the production smoke checks passed.
  const promoted = ledgerRecord({ root, kind: "deployed", actor: DEPLOY_ACTOR, env: deployRun(root, "production", 8300) });
  expect(promoted.entry).toMatchObject({ line: 9, event: { kind: "promoted", stack: "production", version: "1.5.0" } });
  commitAll(root, "ledger: promoted 1.5.0");

  // auto-publish earns production: change request CR-2050 approves it.
  const autoPublish = flagIndex(root, "production", "auto-publish");
  handEditStackFile(root, "production", [
    { path: ["config", "slipway:flags", autoPublish, "defaults", "production"], value: true },
    { after: ["config", "slipway:flags", autoPublish, "defaults"], key: "productionApproval", value: "CR-2050" },
  ]);
  commitAll(root, "auto-publish on in production (CR-2050)");
  expect(stackFlags(root, "production")[autoPublish]).toMatchObject({
    name: "auto-publish",
    level: "L3",
    productionApproval: "CR-2050",
    defaults: { production: true },
  });
  const ledgerBefore = ledgerBytes(root);

  // Default target: the release production ran before 1.5.0.
  const result = rollback({ root, reason: "INC-77: posts published twice" });
  expect(result).toMatchObject({ from: "1.5.0", to: "1.4.0", marker: "ROLLBACK 1.5.0 → 1.4.0", flagsTurnedOff: ["auto-publish"] });

  // 1.4.0 as production ran it (ledger line 6), marked as a rollback so a freeze cannot block it.
  expect(stackRelease(root, "production")).toEqual({
    version: "1.4.0",
    level: "L2",
    changeRequest: "CR-2017",
    hotfix: false,
    artifacts: artifactsOfLedgerLine(root, 6),
    rollback: { from: "1.5.0", reason: "INC-77: posts published twice" },
  });
  const l3Flags = stackFlags(root, "production").filter((flag) => flag.level === "L3");
  expect(l3Flags.map((flag) => flag.name)).toEqual(["auto-publish"]);
  expect(l3Flags.every((flag) => flag.defaults.production === false)).toBe(true);
  // Only the deploy workflow writes the ledger: nothing yet.
  expect(ledgerBytes(root).equals(ledgerBefore)).toBe(true);
  commitAll(root, "ROLLBACK 1.5.0 → 1.4.0");

  // The rollback, judged before it is deployed: the ledger confirms it.
  const beforeDeploy = await gateStack(gate, root, "production");
  expect(beforeDeploy.recorded.outputs.releaseManifest).toMatchObject({
    ledger: { rollback: { from: "1.5.0", marker: "ROLLBACK 1.5.0 → 1.4.0" } },
  });
  expect(mandatoryViolations(beforeDeploy.report).map(describeViolation)).toEqual([]);

  // deploy-production.yml deployed it and smoke passed: its ledger job records the rollback.
  ledgerRecord({ root, kind: "deployed", actor: DEPLOY_ACTOR, env: deployRun(root, "production", 8301) });
  const ledgerAfter = ledgerBytes(root);
  expect(ledgerAfter.subarray(0, ledgerBefore.length).equals(ledgerBefore)).toBe(true);
  expect(ledgerLines(root)).toHaveLength(10);
  expect(JSON.parse(ledgerLines(root)[9])).toMatchObject({
    seq: 10,
    kind: "rolled-back",
    stack: "production",
    version: "1.4.0",
    from: "1.5.0",
    to: "1.4.0",
    marker: rollbackMarker("1.5.0", "1.4.0"),
    actor: DEPLOY_ACTOR,
    note: "INC-77: posts published twice",
  });
  const previousLedger = path.join(root, "ledger-before-rollback.jsonl");
  fs.writeFileSync(previousLedger, ledgerBefore);
  const verification = ledgerVerify({ root, previousLedgerPath: previousLedger });
  expect(verification.problems).toEqual([]);
  expect(verification.exitCode).toBe(0);
  fs.rmSync(previousLedger);
  commitAll(root, "ledger: rolled-back 1.4.0");

  const { recorded, report } = await gateStack(gate, root, "production");
  expect(recorded.outputs.releaseVersion).toBe("1.4.0");
  expect(mandatoryViolations(report).map(describeViolation)).toEqual([]);
});

it("production cannot pin an artifact staging never validated", async () => {
  const root = newProject();
  handEditStackFile(root, "production", [
    { path: ["config", "slipway:release", "artifacts", "worker", "image"], value: UNVALIDATED_WORKER_IMAGE },
  ]);
  commitAll(root, "hand-edit the worker image");
  expect(stackRelease(root, "production")).toMatchObject({ version: "1.4.0", artifacts: { worker: { image: UNVALIDATED_WORKER_IMAGE } } });

  const { report } = await gateStack(gate, root, "production");
  expect(report.violations.map((violation) => `${violation.policy} (${violation.enforcementLevel})`)).toEqual([
    "promote-validated-artifact (mandatory)",
  ]);
  expect(report.violations[0].message).toContain("Release 1.4.0 was not validated by staging");
});

it("a production update needs ALLOW_PROD=1; previews and staging need nothing", async () => {
  const root = newProject();
  const allowProdBefore = process.env.ALLOW_PROD;

  const unset = runProgram({ projectDir: root, stack: "production", preview: false });
  await expect(unset).rejects.toBeInstanceOf(UserError);
  await expect(unset).rejects.toThrow("refusing to apply to production stack 'production': ALLOW_PROD is not set");
  await expect(runProgram({ projectDir: root, stack: "production", preview: false }, "true")).rejects.toThrow("ALLOW_PROD is 'true'");

  const productionUpdate = await runProgram({ projectDir: root, stack: "production", preview: false }, "1");
  expect(productionUpdate.outputs.releaseVersion).toBe("1.4.0");
  expect(productionUpdate.resources.length).toBeGreaterThan(0);

  const stagingUpdate = await runProgram({ projectDir: root, stack: "staging", preview: false });
  expect(stagingUpdate.outputs.releaseVersion).toBe("1.5.0");
  expect(stagingUpdate.resources.length).toBeGreaterThan(0);

  const productionPreview = await runProgram({ projectDir: root, stack: "production" });
  // The same resources either way (registration order varies with timing).
  const urns = (recorded: typeof productionUpdate) => recorded.resources.map((resource) => resource.urn).sort();
  expect(urns(productionPreview)).toEqual(urns(productionUpdate));

  expect(process.env.ALLOW_PROD).toBe(allowProdBefore);
});

it("release notes for 1.5.0 fill every section of the playbook's template", () => {
  const root = newProject();
  const { markdown, exitCode } = releaseNotes({ root, version: "1.5.0" });
  expect(exitCode).toBe(0);
  const sections = ["**Highlights**", "**Operator impact**", "**Risk**", "**Rollback plan**", "**Known issues**"];
  const positions = sections.map((heading) => markdown.split("\n").indexOf(heading));
  expect(positions.every((position) => position >= 0)).toBe(true);
  expect([...positions].sort((a, b) => a - b)).toEqual(positions);
  expect(markdown).toContain("Release level: L3, validated by staging at releases/ledger.jsonl line 8");
  expect(markdown).toContain("Flag rollback: turn off `auto-publish` in production");
  expect(markdown).toContain("`slipway rollback --to 1.4.0`");
});
