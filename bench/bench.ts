/**
 * `npm run bench`: what the gate costs in every pull request.
 *
 * For each example stack and for a synthetic topology (100 repositories, 3 environments each),
 * prints the bare mock run (no policies), the full gate (run + pack start + judging), the time
 * the gate adds after the program finished, and peak memory, so the policies' own cost is visible. Each figure is the median of a few runs in fresh
 * processes. First, `slipway --help` and the examples' gate from the TypeScript sources (compiled
 * on every run, as before `npm run build`) against their precompiled build, measured side by side.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Document } from "yaml";
import { POLICY_CONFIG_FILE } from "../contract";
import { previewCommand } from "../contract/commands";
import { createSession, describeResult, runPulumi } from "../engine/driver";
import { findEngine } from "../engine/toolchain";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SLIPWAY = path.join(ROOT, "bin", "slipway.js");
/** Loads the CLI's modules from their build (dist/), as bin/slipway.js does. */
const REGISTER = path.join(ROOT, "build", "register.js");

interface Measurement {
  mode: string;
  stack: string;
  resources: number;
  wallMs: number;
  runMs: number;
  programPeakMiB: number;
  packPeakMiB?: number;
  violations?: number;
}

function measure(mode: "run" | "gate", projectDir: string, stack: string): Measurement {
  const output = execFileSync(process.execPath, ["--require", REGISTER, path.join(__dirname, "measure.ts"), mode, projectDir, stack], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  return JSON.parse(output.trim().split("\n").pop() as string) as Measurement;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/** A project with one production stack governing `count` repositories, each with 3 environments. */
export function syntheticProject(count: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-bench-"));
  const repositories = Array.from({ length: count }, (_, i) => ({ name: `service-${String(i).padStart(3, "0")}` }));
  const environment = (extra: Record<string, unknown>) => ({
    variables: { LOG_LEVEL: "info" },
    // No secrets provider is declared, so this is Pulumi Cloud's form: base64 ciphertext.
    secrets: { DEPLOY_TOKEN: { secure: "b3BhcXVlLWJlbmNoLXRva2Vu" } },
    ...extra,
  });
  const document = new Document({
    config: {
      "slipway:environment": "production",
      "slipway:github": {
        owner: "bench",
        ownsRepositoryResources: true,
        deployRepositories: repositories.map((r) => r.name),
        repositories,
        teams: { "release-captains": 4711 },
      },
      "slipway:environments": {
        preview: environment({}),
        staging: environment({ deployRefs: { branches: ["main"] } }),
        production: environment({ reviewerTeams: ["release-captains"], waitTimerMinutes: 15, deployRefs: { branches: ["main"], tags: ["v*"] } }),
      },
      "slipway:release": { version: "2.0.0", level: "L2", changeRequest: "CR-1" },
    },
  });
  fs.writeFileSync(path.join(dir, "Pulumi.production.yaml"), document.toString());
  // A project whose program is Slipway's.
  fs.writeFileSync(path.join(dir, "Pulumi.yaml"), `${fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").trimEnd()}\nmain: ${ROOT}\n`);
  return dir;
}

function row(cells: (string | number | undefined)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell ?? "-").padStart(widths[i])).join("  ");
}

async function main(): Promise<void> {
  const synthetic = syntheticProject(100);
  const cases: { label: string; projectDir: string; stack: string }[] = [
    { label: "example staging", projectDir: ROOT, stack: "staging" },
    { label: "example production", projectDir: ROOT, stack: "production" },
    { label: "synthetic 100 repos x 3 envs", projectDir: synthetic, stack: "production" },
  ];
  try {
    precompiledComparison();
    // `npm run bench -- --precompiled`: that comparison alone.
    if (process.argv.includes("--precompiled")) return;
    measureCases(cases);
  } finally {
    fs.rmSync(synthetic, { recursive: true, force: true });
  }
  return engineComparison();
}

/**
 * The real `pulumi preview --policy-pack` of the production example against `slipway gate` on the
 * same stack, measured in this run (median of RUNS each): what the offline gate saves in a pull
 * request. Skipped, saying why, when there is no engine (`npm run engine:build`).
 */
async function engineComparison(): Promise<void> {
  if (findEngine() === undefined) {
    console.log("\nengine vs gate: skipped, no Pulumi CLI (run `npm run engine:build`, which needs Go)");
    return;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-bench-engine-"));
  try {
    const project = path.join(scratch, "project");
    fs.mkdirSync(path.join(project, "releases"), { recursive: true });
    for (const file of ["Pulumi.staging.yaml", "Pulumi.production.yaml", "CHANGELOG.md", POLICY_CONFIG_FILE, "releases/ledger.jsonl"]) {
      fs.copyFileSync(path.join(ROOT, file), path.join(project, file));
    }
    fs.writeFileSync(path.join(project, "Pulumi.yaml"), `${fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").trimEnd()}\nmain: ${ROOT}\n`);
    fs.symlinkSync(path.join(ROOT, "policy-pack"), path.join(project, "policy-pack"));
    const session = createSession(path.join(scratch, "engine"), { SLIPWAY_PROJECT_DIR: project });
    const init = await runPulumi(session, project, ["stack", "init", "production", "--non-interactive"]);
    if (init.code !== 0) throw new Error(describeResult(init));
    const previews: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const preview = await runPulumi(session, project, previewCommand("production").slice(1));
      if (preview.code !== 0) throw new Error(describeResult(preview));
      previews.push(preview.ms);
    }
    const gates: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      const gate = spawnSync(process.execPath, [path.join(ROOT, "bin", "slipway.js"), "gate", "--stack", "production", "--policy-config", POLICY_CONFIG_FILE, "--json"], {
        cwd: project,
        env: { ...process.env, SLIPWAY_PROJECT_DIR: project },
        encoding: "utf8",
      });
      if (gate.status !== 0) throw new Error(`slipway gate failed: ${gate.stderr}`);
      gates.push(Math.round(performance.now() - started));
    }
    const [previewMs, gateMs] = [median(previews), median(gates)];
    console.log(`\nengine vs gate, production example (${findEngine()!.pulumi}, median of ${RUNS}):`);
    console.log(`  pulumi preview --policy-pack  ${previewMs} ms`);
    console.log(`  slipway gate                  ${gateMs} ms`);
    console.log(`  preview / gate                ${(previewMs / gateMs).toFixed(2)}`);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
}

/** How a command runs: from the TypeScript sources (tsx for the CLI, ts-node for the pack), or precompiled. */
const VARIANTS = [
  { label: "from source", env: { SLIPWAY_FROM_SOURCE: "1" } },
  { label: "precompiled", env: { SLIPWAY_FROM_SOURCE: "" } },
] as const;

/** Wall milliseconds of one `slipway` run in a fresh process; a failure (exit 2 or worse) stops the benchmark. */
function timeSlipway(args: string[], env: Record<string, string>): number {
  const started = performance.now();
  const result = spawnSync(process.execPath, [SLIPWAY, ...args], { cwd: ROOT, env: { ...process.env, ...env }, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  // 0: pass, 1: a mandatory violation; both are verdicts, reached the same way.
  if (result.status !== 0 && result.status !== 1) throw new Error(`slipway ${args.join(" ")} failed (exit ${result.status}): ${result.stderr.trim()}`);
  return Math.round(ms);
}

/**
 * `slipway --help` and the examples' gate (`npm run gate`), from the TypeScript sources (what
 * every run paid before the build: tsx compiling the CLI, ts-node type-checking the pack) and
 * precompiled, in this run. Runs alternate between the two so load on the machine falls on both
 * alike. Warm: tsx's and ts-node's caches filled by an earlier run. Cold: a fresh TMPDIR each
 * run, so nothing is cached, as on a fresh CI runner (the build itself caches nothing there).
 * The gate's program runs (one child per stack) are spawned by cli/runInChild.ts.
 */
function precompiledComparison(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, "build", "build.js")], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr.trim()}`);
  const commands = [
    { label: "slipway --help", args: ["--help"] },
    { label: "slipway gate, both examples", args: ["gate", "--policy-config", POLICY_CONFIG_FILE] },
  ];
  const widths = [40, 12, 12, 8];
  console.log(`Precompiled JavaScript against TypeScript compiled on every run: node ${process.version}, ${os.cpus().length} cores, median of ${RUNS} alternating runs each`);
  console.log(row(["command", "from source", "precompiled", "ratio"], widths));
  for (const command of commands) {
    for (const cold of [false, true]) {
      const times: Record<string, number[]> = { "from source": [], precompiled: [] };
      // Warm runs start from caches an untimed run filled; cold runs each get an empty TMPDIR.
      if (!cold) for (const variant of VARIANTS) timeSlipway(command.args, variant.env);
      for (let i = 0; i < RUNS; i++) {
        for (const variant of VARIANTS) {
          const tmp = cold ? fs.mkdtempSync(path.join(os.tmpdir(), "slipway-bench-cold-")) : undefined;
          try {
            times[variant.label].push(timeSlipway(command.args, tmp ? { ...variant.env, TMPDIR: tmp } : variant.env));
          } finally {
            if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
          }
        }
      }
      const before = median(times["from source"]);
      const after = median(times.precompiled);
      console.log(row([`${command.label}${cold ? ", cold caches" : ""}`, `${before} ms`, `${after} ms`, `${(before / after).toFixed(2)}x`], widths));
    }
  }
  console.log("from source: tsx compiles the CLI, ts-node type-checks the pack, on every run (SLIPWAY_FROM_SOURCE=1). precompiled: npm run build's output.\n");
}

function measureCases(cases: { label: string; projectDir: string; stack: string }[]): void {
  const widths = [30, 9, 12, 10, 12, 12, 9];
  console.log(`Slipway gate benchmark: node ${process.version}, ${os.cpus().length} cores, median of ${RUNS} runs each`);
  console.log(row(["case", "resources", "mock run ms", "gate ms", "judging ms", "program MiB", "pack MiB"], widths));
  for (const benchCase of cases) {
    const runs = Array.from({ length: RUNS }, () => measure("run", benchCase.projectDir, benchCase.stack));
    const gates = Array.from({ length: RUNS }, () => measure("gate", benchCase.projectDir, benchCase.stack));
    const runMs = median(runs.map((m) => m.wallMs));
    const gateMs = median(gates.map((m) => m.wallMs));
    // What the gate adds after the program finished: the rest of the pack's start, then judging.
    const judgingMs = median(gates.map((m) => m.wallMs - m.runMs));
    console.log(
      row(
        [
          benchCase.label,
          runs[0].resources,
          runMs,
          gateMs,
          judgingMs,
          Math.max(...gates.map((m) => m.programPeakMiB)),
          Math.max(...gates.map((m) => m.packPeakMiB ?? 0)) || undefined,
        ],
        widths,
      ),
    );
  }
  console.log("mock run: the program alone, no policies. gate: program + pack start (in parallel) + judging.");
  console.log("judging: what the gate adds after the program finished (pack start not yet done, then Analyze/AnalyzeStack).");
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
