/**
 * A small Slipway project in a temp dir: stack files with comments, a changelog, and helpers to
 * build a ledger through the real append path.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Artifact, ReleaseLevel } from "../../contract";
import { appendEvent, type LedgerEntry, type LedgerKind, type Migrations, STACK_OF_KIND, type WorkflowRun } from "../../release/ledger";
import { fixtureRun } from "../support/runner";
import { DEFAULT_STAGING_SOAK_MINUTES } from "../../contract/release";

export { FIXTURE_REPOSITORY, fixtureRun, runnerEnv } from "../support/runner";

let nextRunId = 7000;
/** The staging run that staged each version (`root|version`): it validates the release too. */
const stagingRuns = new Map<string, number>();

/** A release as the ledger and the stack files carry it. */
export interface FixtureRelease {
  /** Release version. */
  version: string;
  /** Release level. */
  level: ReleaseLevel;
  /** Change request id. */
  changeRequest: string;
  /** Artifacts of the web (Vercel), api (image + Heroku slug) and worker (image) apps. */
  artifacts: Record<string, Artifact>;
  /** Release commit. */
  gitSha: string;
}

/** A release whose every reference is derived from one hex digit, so builds are easy to tell apart. */
export function fixtureRelease(version: string, build: string, level: ReleaseLevel = "L2"): FixtureRelease {
  return {
    version,
    level,
    changeRequest: `CR-${version.replace(/\D/g, "")}`,
    artifacts: {
      web: { commitSha: build.repeat(40) },
      api: { image: `ghcr.io/acme/api@sha256:${build.repeat(64)}`, slugId: `${build.repeat(8)}-1111-4111-8111-${build.repeat(12)}` },
      worker: { image: `ghcr.io/acme/worker@sha256:${build.repeat(64)}` },
    },
    gitSha: build.repeat(40),
  };
}

export const RELEASE_1_2 = fixtureRelease("1.2.0", "a");
export const RELEASE_1_3 = fixtureRelease("1.3.0", "b");
export const RELEASE_1_4 = fixtureRelease("1.4.0", "c", "L3");

let clock = Date.parse("2026-11-01T09:00:00.000Z");

/** Append one event through the real append path, one minute after the previous one. */
export function record(
  root: string,
  kind: LedgerKind,
  release: FixtureRelease,
  extra: { note?: string; migrations?: Migrations; from?: string; run?: WorkflowRun; approvers?: string[]; soakMinutes?: number } = {},
): LedgerEntry {
  // A minute between events; a validation comes after the level's default staging soak.
  const { soakMinutes, ...fields } = extra;
  clock += kind === "validated" ? (soakMinutes ?? DEFAULT_STAGING_SOAK_MINUTES[release.level]) * 60_000 : 60_000;
  // Staging stages and validates in one run; each production event is its own run.
  const key = `${root}|${release.version}`;
  if (kind === "staged") stagingRuns.set(key, nextRunId++);
  const runId =
    kind === "validated" ? (stagingRuns.get(key) ?? nextRunId++) : kind === "staged" ? (stagingRuns.get(key) as number) : nextRunId++;
  return appendEvent(
    root,
    {
      kind,
      version: release.version,
      level: release.level,
      changeRequest: release.changeRequest,
      artifacts: release.artifacts,
      gitSha: release.gitSha,
      actor: "release-captain",
      run: fixtureRun(STACK_OF_KIND[kind], runId),
      ...fields,
    },
    { now: new Date(clock) },
  );
}

/** Stage, validate and promote a release (what the deploy workflows record). */
export function shipToProduction(root: string, release: FixtureRelease, migrations?: Migrations): void {
  record(root, "staged", release, { migrations });
  record(root, "validated", release, { migrations });
  record(root, "promoted", release);
}

function releaseYaml(release: FixtureRelease, indent: string): string {
  const lines = [
    `version: ${release.version} # set by slipway promote`,
    `level: ${release.level}`,
    `changeRequest: "${release.changeRequest}"`,
    "hotfix: false",
    "artifacts:",
    "  # web deploys on Vercel from a commit",
    `  web: {commitSha: "${release.artifacts.web.commitSha}"}`,
    "  api:",
    `    image: ${release.artifacts.api.image}`,
    `    slugId: ${release.artifacts.api.slugId}`,
    "  worker:",
    `    image: ${release.artifacts.worker.image}`,
  ];
  return lines.map((line) => `${indent}${line}`).join("\n");
}

/** Pulumi.production.yaml running `release`, with comments in and around the keys we edit. */
export function productionYaml(release: FixtureRelease): string {
  return `# Production stack of the acme release playbook.
# Edited by slipway promote / rollback: keep comments, they must survive.
config:
  github:owner: acme # provider config, not ours
  slipway:environment: production
  # The release production runs. Never hand-edit: promote it from staging.
  slipway:release:
${releaseYaml(release, "    ")}
  slipway:flags:
    # Publishes posts on client accounts: external side effect.
    - name: scheduled-publish
      level: L3
      scopes: [global, client, platform-account, lane]
      killSwitch: true
      defaults: {preview: true, staging: true, production: true}
      productionApproval: CR-150 # approved after the canary
    - name: auto-engage
      level: L3
      scopes: [global, client, platform-account, lane]
      killSwitch: true
      defaults: {preview: true, staging: true, production: false}
    - name: new-composer
      level: L1
      defaults: {preview: true, staging: true, production: true}
      description: The rewritten post composer; a long description that runs past eighty characters on purpose.
`;
}

/** Pulumi.staging.yaml: staging runs 1.4.0 and adds a flag. */
export function stagingYaml(release: FixtureRelease): string {
  return `config:
  slipway:environment: staging
  slipway:release:
${releaseYaml(release, "    ")}
  slipway:flags:
    - name: scheduled-publish
      level: L3
      scopes: [global, client, platform-account, lane]
      killSwitch: true
      defaults: {preview: true, staging: true, production: true}
      productionApproval: CR-150
    - name: auto-engage
      level: L3
      scopes: [global, client, platform-account, lane]
      killSwitch: true
      defaults: {preview: true, staging: true, production: false}
    - name: new-composer
      level: L1
      defaults: {preview: true, staging: true, production: true}
    - name: bulk-dm
      level: L3
      scopes: [global, client, platform-account, lane]
      killSwitch: true
      defaults: {preview: true, staging: true, production: false}
`;
}

export const CHANGELOG = `# Changelog

All notable changes to this project are documented here (Keep a Changelog, SemVer).

## [Unreleased]

## [1.4.0] - 2026-11-20
Bulk direct messages for house accounts.

- **Risk:** L3
- Flags: bulk-dm (L3, off in production), scheduled-publish
- Migrations: expand: add dm_batches table; contract: none
- Rollback: disable bulk-dm; redeploy 1.3.0
- Canary: house accounts for 2 hours, then two low-risk clients
- Checks: side-effect contract for the DM sender
- Runbooks: docs/runbooks/dm-queue.md
- Known issues: DM previews render without avatars

### Added
- Bulk DMs to a client's followers, behind \`bulk-dm\`
- DM batch queue with per-account rate limits

### Fixed
- Scheduler skipped posts at midnight UTC

## [1.3.0] - 2026-11-10
Faster planning board.

Risk: L2
Flags: none
Migrations:
- expand: add posts.board_position
Rollback: redeploy 1.2.0

### Changed
- Planning board loads in under a second

## [1.2.0] - 2026-11-01
Risk: L1

### Added
- Dark mode

\`\`\`
## [9.9.9] - this heading is inside a code block and is not a section
\`\`\`
`;

/** A fresh project dir; production runs `production` per its stack file. */
export function makeProject(production: FixtureRelease = RELEASE_1_3): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-release-"));
  fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), productionYaml(production));
  fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), stagingYaml(RELEASE_1_4));
  fs.writeFileSync(path.join(root, "CHANGELOG.md"), CHANGELOG);
  return root;
}

function git(root: string, args: string[]): string {
  return execFileSync("git", ["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Make the temp project a git repository with everything committed. */
export function commitAll(root: string): void {
  if (!fs.existsSync(path.join(root, ".git"))) git(root, ["init", "-q"]);
  git(root, ["add", "-A"]);
  git(root, ["commit", "-q", "-m", "fixture"]);
}

export function removeProject(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

export function readFile(root: string, file: string): string {
  return fs.readFileSync(path.join(root, file), "utf8");
}

export function ledgerLines(root: string): string[] {
  return readFile(root, "releases/ledger.jsonl")
    .split("\n")
    .filter((line) => line !== "");
}

/** Start a new, empty ledger file, as a new project does. */
export function createEmptyLedger(root: string): void {
  fs.mkdirSync(path.join(root, "releases"), { recursive: true });
  fs.writeFileSync(path.join(root, "releases/ledger.jsonl"), "");
}

export function writeLedgerLines(root: string, lines: string[]): void {
  fs.writeFileSync(path.join(root, "releases/ledger.jsonl"), `${lines.join("\n")}\n`);
}
