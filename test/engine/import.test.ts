/**
 * Adopting an organisation under the real engine: `slipway import` reads the 32-repository fixture
 * organisation (test/importer), its import file goes through `pulumi import --file` with the
 * stand-in providers answering Read from a "cloud" that holds the organisation as it is today,
 * and then `pulumi preview` of the program on the imported config adopts: it creates nothing the
 * import file holds, replaces and deletes nothing, and its updates are exactly the settings the
 * importer listed as ones the config cannot express (Slipway applies its own there). The export
 * of the imported stack gets the same verdict from `slipway gate --state` as the gap report.
 *
 * The cloud: each adopted resource as the provider would read it back. The settings the importer
 * reads (its inputs for the gap report, read from the fixture server) are today's; properties it
 * never reads (autoInit, archiveOnDestroy, ...) are the program's, as if GitHub held Slipway's value
 * (the fixture does not model them; roundTrip.test.ts proves the rest equals the fixture). A false
 * boolean the program leaves unset is left unset: GitHub's default, which the real provider's diff
 * counts as equal and the stand-ins' diff (no schema defaults) would not.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { type CommandResult, createSession, describeResult, type EngineSession, runPulumi } from "../../engine/driver";
import type { RecordedStack } from "../../gate/model";
import type { AdoptedResource } from "../../importer/config";
import { type ImportFile, urnsOf } from "../../importer/importFile";
import type { ImportResult } from "../../importer/run";
import { runProjectStack } from "../e2e/support";
import { editStackFile, POLICY_CONFIG, REPO_ROOT, slipwayKey } from "../support/project";
import { fixtureOrg } from "../importer/org";
import { importFixture, projectWithImport } from "../importer/support";
import { ENGINE_TIMEOUT_MS, engineScratch, readPolicyPacks, readViolations, requireEngine } from "./support";

const STACK = "production";
const T = {
  repository: "github:index/repository:Repository",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  classic: "github:index/branchProtection:BranchProtection",
  label: "github:index/issueLabel:IssueLabel",
};

let scratch: string;
let project: string;
let session: EngineSession;
let imported: ImportResult;
let file: ImportFile;
let planned: RecordedStack;
/** The import file's entries with the URN each gets in the stack. */
let entries: { type: string; name: string; id?: string; urn: string; adopted: AdoptedResource }[];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => value !== null && typeof value === "object" && !Array.isArray(value);

/** Today's value over the program's: `false` where the program sets nothing is GitHub's default, left unset. */
function todayOver(today: unknown, program: unknown): unknown {
  if (Array.isArray(today)) return today.map((item, index) => todayOver(item, Array.isArray(program) ? program[index] : undefined));
  if (!isObject(today)) return today;
  const out: Json = {};
  for (const [key, value] of Object.entries(today)) {
    if (value === false && (!isObject(program) || program[key] === undefined)) continue;
    out[key] = todayOver(value, isObject(program) ? program[key] : undefined);
  }
  return out;
}

/** The cloud the stand-ins read imports from (engine/standins/importState.ts). */
function cloudOf(): { type: string; id: string; inputs: Json }[] {
  const byUrn = new Map(planned.resources.map((resource) => [resource.urn, resource]));
  // The properties the importer reads, per type: whatever any adopted resource of that type carries.
  const read = new Map<string, Set<string>>();
  for (const { adopted } of entries)
    for (const key of Object.keys(adopted.inputs)) read.set(adopted.type, (read.get(adopted.type) ?? new Set()).add(key));
  return entries
    .filter((entry) => entry.id !== undefined)
    .map(({ type, id, urn, adopted }) => {
      const program = byUrn.get(urn)?.inputs;
      if (program === undefined) throw new Error(`the program registers no ${urn}`);
      const today = JSON.parse(JSON.stringify(adopted.inputs)) as Json;
      const inputs: Json = {};
      for (const [key, value] of Object.entries(program)) if (!read.get(type)!.has(key)) inputs[key] = value;
      Object.assign(inputs, todayOver(today, program));
      return { type, id: id!, inputs };
    });
}

async function pulumi(args: string[]): Promise<CommandResult> {
  return runPulumi(session, project, args);
}

function expectOk(result: CommandResult): void {
  if (result.code !== 0) throw new Error(describeResult(result));
}

/** The engine's step events of an event log: op, URN, changed keys. */
function stepsOf(log: string): { op: string; urn: string; diffs: string[] }[] {
  return fs
    .readFileSync(log, "utf8")
    .split("\n")
    .filter((line) => line.includes('"resourcePreEvent"'))
    .map(
      (line) =>
        (JSON.parse(line) as { resourcePreEvent: { metadata: { op: string; urn: string; diffs?: string[] } } }).resourcePreEvent.metadata,
    )
    .map((metadata) => ({ op: metadata.op, urn: metadata.urn, diffs: metadata.diffs ?? [] }));
}

beforeAll(async () => {
  requireEngine();
  scratch = engineScratch();
  ({ result: imported } = await importFixture(fixtureOrg(), path.join(scratch, "out")));
  file = JSON.parse(fs.readFileSync(imported.written.importFile, "utf8")) as ImportFile;
  project = projectWithImport(scratch, "adopted", imported.written.stackFile);
  // As in roundTrip.test.ts: today's rules are compared at L2 (staging's L3 would ask for more approvals).
  editStackFile(project, "staging", (document) => document.setIn(slipwayKey("release", "level"), "L2"));
  fs.symlinkSync(path.join(REPO_ROOT, "policy-pack"), path.join(project, "policy-pack"));
  planned = await runProjectStack(project, STACK);
  const urns = urnsOf(imported.config.resources, STACK);
  entries = file.resources.map((entry, index) => ({
    type: entry.type,
    name: entry.logicalName,
    id: entry.id,
    urn: urns[index],
    adopted: imported.config.resources[index],
  }));
  const cloudFile = path.join(scratch, "cloud.json");
  fs.writeFileSync(cloudFile, JSON.stringify(cloudOf(), null, 1));
  session = createSession(path.join(scratch, "engine"), {
    SLIPWAY_PROJECT_DIR: project,
    SLIPWAY_STANDIN_IMPORT_STATE: cloudFile,
    // Reading from GitHub needs a token, as with the real provider.
    GITHUB_TOKEN: "ghp_standin",
  });
  expectOk(await pulumi(["stack", "init", STACK, "--non-interactive"]));
}, ENGINE_TIMEOUT_MS);

describe("adopting an organisation with pulumi import --file, under the real engine", () => {
  let importRun: CommandResult;

  it(
    "pulumi import --file takes the generated file: every entry is in the state, protected, with its id",
    async () => {
      // The entries are consistent with each other and with the program before the engine sees them.
      expect(entries.length).toBeGreaterThan(150);
      expect(new Set(entries.map((entry) => entry.urn)).size).toBe(entries.length);
      // No code generation: the program already declares these resources (and no Node.js language host is here).
      importRun = await pulumi([
        "import",
        "--file",
        imported.written.importFile,
        "--yes",
        "--generate-code=false",
        "--stack",
        STACK,
        "--non-interactive",
      ]);
      expectOk(importRun);
      expect(importRun.stdout).toMatch(new RegExp(`= ${entries.length} imported`));

      const exported = await pulumi(["stack", "export", "--stack", STACK, "--file", path.join(scratch, "imported.export.json")]);
      expectOk(exported);
      const state = (
        JSON.parse(fs.readFileSync(path.join(scratch, "imported.export.json"), "utf8")) as {
          deployment: { resources: { urn: string; type: string; id?: string; protect?: boolean; parent?: string }[] };
        }
      ).deployment.resources;
      const byUrn = new Map(state.map((resource) => [resource.urn, resource]));
      for (const entry of entries) {
        const resource = byUrn.get(entry.urn);
        expect({ urn: entry.urn, type: resource?.type, id: resource?.id, protect: resource?.protect }).toEqual({
          urn: entry.urn,
          type: entry.type,
          id: entry.id,
          // `pulumi import` protects what it adopts (its default): a mistaken `pulumi destroy` cannot delete the organisation.
          protect: true,
        });
      }
      // Beside them: the stack and the default github provider the import created.
      expect(
        state
          .filter((resource) => !entries.some((entry) => entry.urn === resource.urn))
          .map((resource) => resource.type)
          .sort(),
      ).toEqual(["pulumi:providers:github", "pulumi:pulumi:Stack"]);
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "an entry that does not exist on GitHub fails the import with the engine's not-found error",
    async () => {
      const ghost = {
        ...file,
        resources: [
          {
            type: T.label,
            name: "ghost",
            id: "storefront:no-such-label",
            version: file.resources.find((entry) => entry.id !== undefined)!.version,
          },
        ],
      };
      const ghostFile = path.join(scratch, "ghost-import.json");
      fs.writeFileSync(ghostFile, JSON.stringify(ghost));
      const run = await pulumi(["import", "--file", ghostFile, "--yes", "--generate-code=false", "--stack", STACK, "--non-interactive"]);
      expect(run.code).not.toBe(0);
      expect(`${run.stdout}${run.stderr}`).toContain("resource 'storefront:no-such-label' does not exist");
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "pulumi preview (with the pack) adopts: no create, replace or delete of an imported resource; updates only where the importer listed a setting it cannot express",
    async () => {
      const log = path.join(scratch, "preview.events.jsonl");
      const preview = await pulumi([
        "preview",
        "--stack",
        STACK,
        "--non-interactive",
        "--diff",
        "--policy-pack",
        "policy-pack",
        "--policy-pack-config",
        "policy-config.json",
        "--event-log",
        log,
      ]);
      expect(readPolicyPacks(log)).toEqual(["slipway-guardrails"]);
      // The preview runs to the end; it fails only where the pack blocks today's settings (the gap report's mandatory findings).
      const mandatory = readViolations(log).filter((violation) => violation.enforcementLevel === "mandatory");
      expect(preview.code === 0).toBe(mandatory.length === 0);

      const steps = stepsOf(log);
      const adoptedUrns = new Set(entries.map((entry) => entry.urn));
      const onImported = steps.filter((step) => adoptedUrns.has(step.urn));
      // Every imported resource is registered by the program and gets a step.
      expect(new Set(onImported.map((step) => step.urn)).size).toBe(entries.length);
      expect(onImported.filter((step) => !["same", "update"].includes(step.op))).toEqual([]);
      // What is created is what does not exist today (workflow files, ledger branch, ...), never a resource the file adopts.
      const created = steps.filter((step) => step.op === "create");
      expect(created.length).toBeGreaterThan(0);
      expect(created.filter((step) => adoptedUrns.has(step.urn))).toEqual([]);
      expect(steps.filter((step) => !["same", "update", "create"].includes(step.op))).toEqual([]);

      // Each update is a setting the importer listed as inexpressible for that repository, and each
      // such setting of an adopted resource shows as an update.
      const entryOf = new Map(entries.map((entry) => [entry.urn, entry]));
      const repositoryOf = (entry: (typeof entries)[number]) =>
        String(entry.adopted.inputs.repository ?? entry.adopted.inputs.repositoryId ?? entry.adopted.inputs.name);
      const explains = (setting: string, entry: (typeof entries)[number]): boolean => {
        if (entry.type === T.repository) return setting.startsWith("repository.");
        if (entry.type === T.label) return setting.startsWith(`label.${String(entry.adopted.inputs.name)}.`);
        if (entry.type === T.ruleset && entry.name.endsWith("-release-tags")) return setting.startsWith("tag-ruleset");
        if (entry.type === T.ruleset) return /^(ruleset\.|required_approving_review_count$|required_status_checks\.)/.test(setting);
        if (entry.type === T.classic) return /^(classic\.|required_approving_review_count$|required_status_checks\.)/.test(setting);
        return false;
      };
      const listed = imported.config.inexpressible.filter((entry) => entry.repository !== undefined);
      const updates = onImported.filter((step) => step.op === "update").map((step) => ({ step, entry: entryOf.get(step.urn)! }));
      const unexplained = updates.filter(
        ({ entry }) => !listed.some((item) => item.repository === repositoryOf(entry) && explains(item.setting, entry)),
      );
      expect(unexplained.map(({ step }) => `${step.urn}: ${step.diffs.join(", ")}`)).toEqual([]);
      const updated = new Set(updates.map(({ step }) => step.urn));
      const missed = listed.filter((item) => {
        const candidates = entries.filter(
          (entry) => entry.id !== undefined && repositoryOf(entry) === item.repository && explains(item.setting, entry),
        );
        return candidates.length > 0 && !candidates.some((entry) => updated.has(entry.urn));
      });
      expect(missed.map((item) => `${item.repository}: ${item.setting}`)).toEqual([]);
      // The fixture has such settings, and they are found.
      expect(updates.length).toBeGreaterThan(20);
      fs.writeFileSync(
        path.join(scratch, "updates.txt"),
        updates
          .map(({ step }) => `${step.urn.split("::").pop()} (${step.urn.split("::")[2].split("$").pop()}): ${step.diffs.join(", ")}`)
          .join("\n"),
      );
    },
    ENGINE_TIMEOUT_MS,
  );

  it(
    "the gap report is slipway gate --state's verdict on the imported stack's export",
    async () => {
      const exportFile = path.join(scratch, "imported.export.json");
      const gate = spawnSync(
        process.execPath,
        [path.join(REPO_ROOT, "bin", "slipway.js"), "gate", "--state", exportFile, "--policy-config", POLICY_CONFIG, "--json"],
        {
          cwd: project,
          encoding: "utf8",
          env: { ...process.env, SLIPWAY_PROJECT_DIR: project },
        },
      );
      type Report = {
        result: string;
        stacks: {
          stack: string;
          policies: unknown;
          resources: number;
          violations: { policy: string; urn: string; enforcementLevel: string; message: string }[];
        }[];
      };
      const verdict = JSON.parse(gate.stdout) as Report;
      const gap = JSON.parse(fs.readFileSync(imported.written.gapReport, "utf8")) as Report;
      const violations = (report: Report) =>
        report.stacks[0].violations.map((v) => `${v.enforcementLevel} ${v.policy} ${v.urn}: ${v.message}`).sort();
      // Today's organisation is far from the playbook: the comparison is not of two empty lists.
      expect(violations(gap).length).toBeGreaterThan(20);
      expect(violations(verdict)).toEqual(violations(gap));
      expect({
        result: verdict.result,
        stack: verdict.stacks[0].stack,
        resources: verdict.stacks[0].resources,
        policies: verdict.stacks[0].policies,
      }).toEqual({
        result: gap.result,
        stack: gap.stacks[0].stack,
        resources: gap.stacks[0].resources,
        policies: gap.stacks[0].policies,
      });
      expect(gate.status).toBe(1);
    },
    ENGINE_TIMEOUT_MS,
  );
});
