/**
 * `npm run bench`: what the gate costs in every pull request.
 *
 * For each example stack, prints the bare mock run (no policies), the full gate (run + pack start
 * + judging), the time the gate adds after the program finished, and peak memory, so the
 * policies' own cost is visible; each figure is the median of a few runs in fresh processes.
 * Then the scale curve: synthetic topologies of 25, 100 and 400 repositories with 3 environments
 * each (`BENCH_SCALE=25,100` picks sizes), one run per size, progress on stderr, with the ratio of
 * gate to bare run, the protocol's floor (the gate with every policy judging nothing,
 * bench/floorPack) and the growth between sizes. First, `slipway --help` and the examples' gate
 * from the TypeScript sources (compiled on every run, as before `npm run build`) against their
 * precompiled build, measured side by side. Then the test suites' wall time (`npm test`, `npm run
 * test:e2e`). `npm run bench -- --scale`: the scale curve alone; `-- --suite`: the suites alone.
 */
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Document } from "yaml";
import { POLICY_CONFIG_FILE } from "../contract";
import { previewCommand } from "../contract/commands";
import { createSession, describeResult, runPulumi } from "../engine/driver";
import { findEngine } from "../engine/toolchain";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Sizes of the scale curve, in repositories. */
const SCALE = (process.env.BENCH_SCALE ?? "25,100,400")
  .split(",")
  .map((size) => size.trim())
  .filter((size) => size !== "");
const SLIPWAY = path.join(ROOT, "bin", "slipway.js");
/** Loads the CLI's modules from their build (dist/), as bin/slipway.js does. */
const REGISTER = path.join(ROOT, "build", "register.js");

/** What bench/measure.ts prints. */
interface Measurement {
  mode: string;
  stack: string;
  resources: number;
  wallMs: number;
  /** Until the program's run finished (the gate judges while it runs). */
  runMs: number;
  /** Peak RSS of the program's process (the child that runs it). */
  programPeakMiB?: number;
  /** Peak RSS of the process that reads the records and, in a gate, judges them. */
  gatePeakMiB: number;
  packPeakMiB?: number;
  /** CPU seconds of the program, of the reading (and judging) process and of the pack: they share the machine's cores. */
  programCpuS?: number;
  gateCpuS?: number;
  packCpuS?: number;
  packStartMs?: number;
  violations?: number;
  verdict?: string;
}

function measure(mode: "run" | "gate" | "gate-after" | "gate-floor", projectDir: string, stack: string): Measurement {
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
        // Not a real key: the stack that owns repository resources must name the ledger's deploy key.
        ledgerDeployKey: {
          publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPfZ1zTqGfHYDdm9xnTZ4g438NDMZCOz/+a3lBovcRlt bench",
          privateKey: { secure: "b3BhcXVlLWJlbmNoLWtleQ==" },
        },
      },
      "slipway:environments": {
        preview: environment({}),
        staging: environment({ deployRefs: { branches: ["main"] } }),
        production: environment({
          reviewerTeams: ["release-captains"],
          waitTimerMinutes: 15,
          deployRefs: { branches: ["main"], tags: ["v*"] },
        }),
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
  const sizes = SCALE.map((size) => {
    const count = Number(size);
    if (!Number.isInteger(count) || count < 1) throw new Error(`BENCH_SCALE: '${size}' is not a number of repositories (like 25,100,400)`);
    return count;
  });
  // `npm run bench -- --scale`: the scale curve alone; `-- --suite`: the test suite's wall time alone.
  if (process.argv.includes("--scale")) return scaleCurve(sizes);
  if (process.argv.includes("--suite")) return suiteWallTime();
  precompiledComparison();
  // `npm run bench -- --precompiled`: that comparison alone.
  if (process.argv.includes("--precompiled")) return;
  measureCases([
    { label: "example staging", projectDir: ROOT, stack: "staging" },
    { label: "example production", projectDir: ROOT, stack: "production" },
  ]);
  scaleCurve(sizes);
  suiteWallTime();
  return engineComparison();
}

/**
 * What a maintainer waits for: `npm test` (incremental typecheck, then the suites but the
 * end-to-end ones) and `npm run test:e2e`, each once, as their wall time on this machine.
 */
function suiteWallTime(): void {
  console.log(`\nTest suites (${os.cpus().length} cores, load ${loadAverage()}), one run each:`);
  for (const script of ["test", "test:e2e"]) {
    progress(`npm run ${script} (load ${loadAverage()})`);
    const started = performance.now();
    const run = spawnSync("npm", ["run", script], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const summary = /^jest: .*$/m.exec(`${run.stdout}`)?.[0] ?? "no jest summary";
    console.log(`  npm run ${script.padEnd(9)} ${seconds.padStart(7)} s  exit ${run.status}  (${summary})`);
  }
}

/** One line on stderr, so a long run shows where it is. */
function progress(message: string): void {
  process.stderr.write(`bench: ${message}\n`);
}

/**
 * The gate at growing sizes: synthetic topologies of `sizes` repositories (3 environments each),
 * one bare run, one gate and one floor (the gate with bench/floorPack) per size, in fresh
 * processes, one after the other so load on the machine falls on all alike. Then the growth from
 * each size to the next: linear growth keeps the time ratio near the resource ratio.
 */
function scaleCurve(sizes: number[]): void {
  if (sizes.length === 0) return;
  interface Point {
    repositories: number;
    bare: Measurement;
    gate: Measurement;
    /** The gate with bench/floorPack: the protocol's own cost. */
    floor: Measurement;
  }
  const points: Point[] = [];
  const widths = [6, 9, 9, 9, 9, 8, 9, 10, 11, 9, 9, 6, 9, 18];
  console.log(
    `\nScale curve: synthetic topologies, 3 environments per repository, one run per size (node ${process.version}, ${os.cpus().length} cores, load ${loadAverage()})`,
  );
  console.log(
    row(
      [
        "repos",
        "resources",
        "bare ms",
        "gate ms",
        "after ms",
        "gate/bare",
        "floor ms",
        "floor/bare",
        "program MiB",
        "gate MiB",
        "pack MiB",
        "mem",
        "floor mem",
        "CPU s prog/gate/pack",
      ],
      widths,
    ),
  );
  for (const repositories of sizes) {
    const project = syntheticProject(repositories);
    try {
      progress(`${repositories} repositories: bare run (load ${loadAverage()})`);
      const bare = measure("run", project, "production");
      progress(`${repositories} repositories: bare run ${bare.wallMs} ms, ${bare.resources} resources; gate (load ${loadAverage()})`);
      const gate = measure("gate", project, "production");
      progress(
        `${repositories} repositories: gate ${gate.wallMs} ms, pack started in ${gate.packStartMs} ms, ${gate.violations} violations, verdict ${gate.verdict}; floor (load ${loadAverage()})`,
      );
      const floor = measure("gate-floor", project, "production");
      progress(`${repositories} repositories: floor ${floor.wallMs} ms, ${floor.violations} violations`);
      points.push({ repositories, bare, gate, floor });
      // The memory the gate's processes hold at their peaks (program + reader/judge), against the bare run's.
      const bareMemory = (bare.programPeakMiB ?? 0) + bare.gatePeakMiB;
      const gateMemory = (gate.programPeakMiB ?? 0) + gate.gatePeakMiB;
      const floorMemory = (floor.programPeakMiB ?? 0) + floor.gatePeakMiB;
      console.log(
        row(
          [
            repositories,
            gate.resources,
            bare.wallMs,
            gate.wallMs,
            gate.wallMs - gate.runMs,
            `${(gate.wallMs / bare.wallMs).toFixed(2)}x`,
            floor.wallMs,
            `${(floor.wallMs / bare.wallMs).toFixed(2)}x`,
            `${bare.programPeakMiB ?? "-"}/${gate.programPeakMiB ?? "-"}`,
            `${bare.gatePeakMiB}/${gate.gatePeakMiB}`,
            gate.packPeakMiB,
            `${(gateMemory / bareMemory).toFixed(2)}x`,
            `${(floorMemory / bareMemory).toFixed(2)}x`,
            `${bare.programCpuS ?? "-"}/${bare.gateCpuS ?? "-"} ${gate.programCpuS ?? "-"}/${gate.gateCpuS ?? "-"}/${gate.packCpuS ?? "-"}`,
          ],
          widths,
        ),
      );
    } finally {
      fs.rmSync(project, { recursive: true, force: true });
    }
  }
  console.log("bare: the program alone, in its child process, its records streamed to the parent, no policies.");
  console.log("gate: the same run with the pack (started alongside) judging each resource as it arrives, then AnalyzeStack.");
  console.log("after: what the gate took once the program had finished. floor: the gate with bench/floorPack, the same");
  console.log("policies each judging nothing: the analyzer protocol and the SDK alone. MiB: peak RSS, bare/gate; program: the child;");
  console.log("gate: the parent reading (and judging) the records; mem: gate's program + parent peaks over the bare run's;");
  console.log("floor mem: the same for the floor.");
  console.log("CPU s: bare program/parent, then gate program/parent/pack (user + system; less sensitive to load than wall time).");
  for (let i = 1; i < points.length; i++) {
    const [from, to] = [points[i - 1], points[i]];
    const resources = to.gate.resources / from.gate.resources;
    console.log(
      `growth ${from.repositories} -> ${to.repositories} repositories: resources ${resources.toFixed(2)}x, ` +
        `bare run ${(to.bare.wallMs / from.bare.wallMs).toFixed(2)}x, gate ${(to.gate.wallMs / from.gate.wallMs).toFixed(2)}x ` +
        `(linear: at most ${(resources * 1.1).toFixed(2)}x)`,
    );
  }
}

/** The 1-minute load average, the machine's business while measuring. */
function loadAverage(): string {
  return os.loadavg()[0].toFixed(2);
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
    fs.writeFileSync(
      path.join(project, "Pulumi.yaml"),
      `${fs.readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8").trimEnd()}\nmain: ${ROOT}\n`,
    );
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
      const gate = spawnSync(
        process.execPath,
        [path.join(ROOT, "bin", "slipway.js"), "gate", "--stack", "production", "--policy-config", POLICY_CONFIG_FILE, "--json"],
        {
          cwd: project,
          env: { ...process.env, SLIPWAY_PROJECT_DIR: project },
          encoding: "utf8",
        },
      );
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
  const result = spawnSync(process.execPath, [SLIPWAY, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = performance.now() - started;
  // 0: pass, 1: a mandatory violation; both are verdicts, reached the same way.
  if (result.status !== 0 && result.status !== 1)
    throw new Error(`slipway ${args.join(" ")} failed (exit ${result.status}): ${result.stderr.trim()}`);
  return Math.round(ms);
}

/**
 * `slipway --help` and the examples' gate (`npm run gate`), from the TypeScript sources (what
 * every run paid before the build: tsx compiling the CLI, ts-node type-checking the pack) and
 * precompiled, in this run. Runs alternate between the two so load on the machine falls on both
 * alike. Warm: tsx's and ts-node's caches filled by an earlier run. Cold: a fresh TMPDIR each
 * run, so nothing is cached, as on a fresh CI runner (the build itself caches nothing there).
 * The gate's program runs (one child per stack) are spawned by gate/runInChild.ts.
 */
function precompiledComparison(): void {
  const build = spawnSync(process.execPath, [path.join(ROOT, "build", "build.js")], { encoding: "utf8" });
  if (build.status !== 0) throw new Error(`npm run build failed: ${build.stderr.trim()}`);
  const commands = [
    { label: "slipway --help", args: ["--help"] },
    { label: "slipway gate, both examples", args: ["gate", "--policy-config", POLICY_CONFIG_FILE] },
  ];
  const widths = [40, 12, 12, 8];
  console.log(
    `Precompiled JavaScript against TypeScript compiled on every run: node ${process.version}, ${os.cpus().length} cores, median of ${RUNS} alternating runs each`,
  );
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
      console.log(
        row([`${command.label}${cold ? ", cold caches" : ""}`, `${before} ms`, `${after} ms`, `${(before / after).toFixed(2)}x`], widths),
      );
    }
  }
  console.log(
    "from source: tsx compiles the CLI, ts-node type-checks the pack, on every run (SLIPWAY_FROM_SOURCE=1). precompiled: npm run build's output.\n",
  );
}

function measureCases(cases: { label: string; projectDir: string; stack: string }[]): void {
  const widths = [30, 9, 12, 10, 12, 12, 9];
  console.log(`Slipway gate benchmark: node ${process.version}, ${os.cpus().length} cores, median of ${RUNS} runs each`);
  console.log(row(["case", "resources", "mock run ms", "gate ms", "judging ms", "program MiB", "pack MiB"], widths));
  progress(`examples, median of ${RUNS} (load ${loadAverage()})`);
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
          Math.max(...gates.map((m) => m.programPeakMiB ?? 0)) || undefined,
          Math.max(...gates.map((m) => m.packPeakMiB ?? 0)) || undefined,
        ],
        widths,
      ),
    );
  }
  console.log("mock run: the program alone, no policies. gate: program + pack start (in parallel) + judging as the program runs.");
  console.log("judging: what the gate adds after the program finished (the last resources' Analyze, then AnalyzeStack).");
}

// Run when started as the benchmark, not when a script imports `syntheticProject`.
if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
