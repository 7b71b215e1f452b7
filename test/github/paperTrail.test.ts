/**
 * The paper trail of a production deploy (000 §5, §6.6, §8; 003 §9): after the promotion is
 * deployed and recorded, deploy-production.yml publishes the GitHub Release of its tag, whose notes
 * are the version's CHANGELOG.md entry in the 003 §9.2 template; before it deploys, a hotfix must
 * answer an open incident. The steps' scripts run here under bash exactly as the workflow carries
 * them, with the real slipway and a stand-in `gh` that records its calls.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { exampleConfig, REPO_ROOT } from "../support/project";
import { actionlint } from "../support/actionlint";
import { generateWorkflows } from "../../components/github/workflows";
import { releaseNotes } from "../../release/notes";
import {
  RELEASE_1_3,
  RELEASE_1_4,
  fixtureRelease,
  makeProject,
  productionYaml,
  record,
  removeProject,
  shipToProduction,
} from "../release/fixtures";

type Step = { name?: string; uses?: string; run?: string; shell?: string; env?: Record<string, string> };
type Job = { name: string; needs?: string[]; permissions?: Record<string, string>; steps: Step[] };
type Workflow = { jobs: Record<string, Job> };

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const content = generateWorkflows({ repositories: [{ config: storefront }], deployStacks: production.github.deployStacks }).find(
  (w) => w.path === ".github/workflows/deploy-production.yml",
)!.content;
const deployProduction = parse(content) as Workflow;

const release = deployProduction.jobs.release;
const publishStep = release.steps.find((step) => step.name === "publish the release notes (003 §9.2)")!;
const incidentStep = deployProduction.jobs.incident.steps.find((step) => step.name === "the incident a hotfix answers is open (000 §6.6)")!;

/** A stand-in `gh`: logs each call; `release view` fails unless GH_RELEASE_EXISTS; `issue view` prints GH_ISSUE_STATE; `release create` keeps the notes file. */
const FAKE_GH = [
  "#!/bin/sh",
  'echo "gh $*" >> "$GH_LOG"',
  'case "$1 $2" in',
  '  "release view") [ -n "$GH_RELEASE_EXISTS" ] && exit 0; echo "release not found" >&2; exit 1 ;;',
  '  "issue view") echo "$GH_ISSUE_STATE"; exit 0 ;;',
  '  "release create") while [ $# -gt 0 ]; do if [ "$1" = "--notes-file" ]; then cp "$2" "$GH_NOTES"; fi; shift; done; exit 0 ;;',
  "esac",
  "exit 3",
].join("\n");

let root = "";
afterEach(() => {
  if (root !== "") removeProject(root);
  root = "";
});

/** Run a step's script as the runner does (`shell: bash`: -eo pipefail), in a project with slipway and the stand-in gh. */
function runStep(
  step: Step,
  env: Record<string, string>,
): { status: number | null; stdout: string; stderr: string; gh: string[]; notes?: string } {
  const bin = path.join(root, ".bin");
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, "gh"), FAKE_GH, { mode: 0o755 });
  fs.mkdirSync(path.join(root, "node_modules", ".bin"), { recursive: true });
  fs.writeFileSync(
    path.join(root, "node_modules", ".bin", "slipway"),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(REPO_ROOT, "bin", "slipway.js")}" "$@"\n`,
    { mode: 0o755 },
  );
  // The ledger checkout where the job puts it (LEDGER_ENV).
  if (fs.existsSync(path.join(root, "releases", "ledger.jsonl"))) {
    fs.mkdirSync(path.join(root, ".slipway", "ledger", "releases"), { recursive: true });
    fs.copyFileSync(path.join(root, "releases", "ledger.jsonl"), path.join(root, ".slipway", "ledger", "releases", "ledger.jsonl"));
  }
  const log = path.join(root, "gh.log");
  const notes = path.join(root, "published.md");
  const summary = path.join(root, "summary.md");
  const result = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run!], {
    cwd: root,
    encoding: "utf8",
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: os.homedir(),
      RUNNER_TEMP: root,
      GITHUB_STEP_SUMMARY: summary,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_REPOSITORY: "acme/shop",
      SLIPWAY_PROJECT_DIR: root,
      GH_LOG: log,
      GH_NOTES: notes,
      ...step.env,
      ...env,
    },
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    gh: fs.existsSync(log) ? fs.readFileSync(log, "utf8").trimEnd().split("\n") : [],
    notes: fs.existsSync(notes) ? fs.readFileSync(notes, "utf8") : undefined,
  };
}

describe("deploy-production.yml publishes the promotion as a GitHub Release", () => {
  test("after the deploy and its ledger line, with a token that writes releases and nothing else", () => {
    expect(release.needs).toEqual(["deploy", "ledger"]);
    expect(release.permissions).toEqual({ contents: "write" });
    expect(publishStep.shell).toBe("bash");
    expect(publishStep.env).toEqual({
      SLIPWAY_LEDGER: ".slipway/ledger/releases/ledger.jsonl",
      VERSION: "${{ needs.deploy.outputs.version }}",
      GH_TOKEN: "${{ github.token }}",
    });
    expect(actionlint(content, ".github/workflows/deploy-production.yml")).toEqual([]);
  });

  test("the release of tag v1.4.0 carries the CHANGELOG entry of 1.4.0 in the 003 §9.2 template", () => {
    root = makeProject(RELEASE_1_4);
    shipToProduction(root, RELEASE_1_3);
    shipToProduction(root, RELEASE_1_4);
    const run = runStep(publishStep, { VERSION: "1.4.0", GH_TOKEN: "t" });
    expect({ status: run.status, stderr: run.stderr.replace(/^slipway: .*running the TypeScript sources.*\n/m, "") }).toEqual({
      status: 0,
      stderr: "",
    });
    expect(run.gh).toEqual([
      "gh release view v1.4.0 --repo acme/shop",
      `gh release create v1.4.0 --repo acme/shop --verify-tag --title v1.4.0 — Bulk direct messages for house accounts. --notes-file ${root}/release-notes.md`,
    ]);
    // Exactly what `slipway release notes` renders from the changelog, the ledger and the flags.
    expect(run.notes).toBe(releaseNotes({ root, version: "1.4.0", ledgerPath: ".slipway/ledger/releases/ledger.jsonl" }).markdown);
    const headings = run.notes!.split("\n").filter((line) => /^\*\*[^*]+\*\*$/.test(line));
    expect(headings).toEqual(["**Highlights**", "**Operator impact**", "**Risk**", "**Rollback plan**", "**Known issues**"]);
    expect(run.notes).toContain("- Bulk DMs to a client's followers, behind `bulk-dm` (added)");
    expect(run.notes).toContain("- Canary plan: house accounts for 2 hours, then two low-risk clients");
    expect(run.notes).toContain("- DM previews render without avatars");
  });

  test("a version that already has its release (a rollback, a rerun) is left as it is", () => {
    root = makeProject(RELEASE_1_3);
    shipToProduction(root, RELEASE_1_3);
    const run = runStep(publishStep, { VERSION: "1.3.0", GH_TOKEN: "t", GH_RELEASE_EXISTS: "1" });
    expect(run.status).toBe(0);
    expect(run.gh).toEqual(["gh release view v1.3.0 --repo acme/shop"]);
    expect(run.stdout).toContain("v1.3.0 already has a GitHub Release (a rollback or a rerun): left as it is");
  });

  test("a version without a CHANGELOG entry publishes nothing and fails the job", () => {
    root = makeProject(RELEASE_1_3);
    shipToProduction(root, RELEASE_1_3);
    const unknown = fixtureRelease("1.3.7", "e");
    record(root, "staged", unknown);
    const run = runStep(publishStep, { VERSION: unknown.version, GH_TOKEN: "t" });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain("CHANGELOG.md: has no section for 1.3.7");
    expect(run.gh).toEqual(["gh release view v1.3.7 --repo acme/shop"]);
  });
});

describe("a hotfix ships only for an open incident (001, 000 §6.6)", () => {
  /** Production's stack file carrying a hotfix release naming `incident` (or none). */
  function hotfixProject(incident: string | undefined): void {
    root = makeProject(RELEASE_1_3);
    const hotfix = fixtureRelease("1.3.1", "d");
    const lines = productionYaml(hotfix).replace(
      "hotfix: false",
      `hotfix: true${incident !== undefined ? `\n    incident: "${incident}"` : ""}`,
    );
    fs.writeFileSync(path.join(root, "Pulumi.production.yaml"), lines);
  }

  test("the production deploy needs the check, which may read issues and nothing else", () => {
    expect(deployProduction.jobs.deploy.needs).toEqual(["test", "incident"]);
    expect(deployProduction.jobs.incident.permissions).toEqual({ contents: "read", issues: "read" });
  });

  test("a release that is no hotfix has no incident to check", () => {
    root = makeProject(RELEASE_1_3);
    const run = runStep(incidentStep, { GH_TOKEN: "t" });
    expect(run.status).toBe(0);
    expect(run.gh).toEqual([]);
  });

  test("a hotfix answering open issue #77 deploys; a closed one does not", () => {
    hotfixProject("#77");
    expect(runStep(incidentStep, { GH_TOKEN: "t", GH_ISSUE_STATE: "OPEN" })).toMatchObject({
      status: 0,
      gh: ["gh issue view 77 --repo acme/shop --json state --jq .state"],
    });
    fs.rmSync(path.join(root, "gh.log"));
    const closed = runStep(incidentStep, { GH_TOKEN: "t", GH_ISSUE_STATE: "CLOSED" });
    expect(closed.status).toBe(1);
    expect(closed.stdout).toContain(
      "::error title=hotfix incident::the hotfix answers incident #77, which is CLOSED: a hotfix ships for an open production incident (001, 000 §6.6)",
    );
  });

  test("an issue URL of this repository is checked too; a ticket elsewhere is left to a person, with a warning", () => {
    hotfixProject("https://github.com/acme/shop/issues/81");
    expect(runStep(incidentStep, { GH_TOKEN: "t", GH_ISSUE_STATE: "CLOSED" }).status).toBe(1);
    removeProject(root);
    hotfixProject("INC-77");
    const ticket = runStep(incidentStep, { GH_TOKEN: "t" });
    expect(ticket.status).toBe(0);
    expect(ticket.gh).toEqual([]);
    expect(ticket.stdout).toContain("::warning title=hotfix incident::INC-77 is not an issue of this repository");
  });

  test("a hotfix naming no incident is refused before anything is asked of GitHub", () => {
    hotfixProject(undefined);
    const run = runStep(incidentStep, { GH_TOKEN: "t" });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain("slipway:release.incident: is missing: a hotfix answers a production incident (001, 000 §6.6)");
    expect(run.gh).toEqual([]);
  });
});
