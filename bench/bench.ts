/**
 * `npm run bench`: what the gate costs in every pull request.
 *
 * For each example stack and for a synthetic topology (100 repositories, 3 environments each),
 * prints the bare mock run (no policies), the full gate (run + pack start + judging), the time
 * the gate adds after the program finished, and peak memory, so the policies' own cost is visible. Each figure is the median of a few runs in fresh
 * processes; the first gate run also pays ts-node's cold type-check of the pack (cached after).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Document } from "yaml";

const ROOT = path.resolve(__dirname, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

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
  const output = execFileSync(process.execPath, ["--require", require.resolve("tsx/cjs"), path.join(__dirname, "measure.ts"), mode, projectDir, stack], {
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
  return dir;
}

function row(cells: (string | number | undefined)[], widths: number[]): string {
  return cells.map((cell, i) => String(cell ?? "-").padStart(widths[i])).join("  ");
}

function main(): void {
  const synthetic = syntheticProject(100);
  const cases: { label: string; projectDir: string; stack: string }[] = [
    { label: "example staging", projectDir: ROOT, stack: "staging" },
    { label: "example production", projectDir: ROOT, stack: "production" },
    { label: "synthetic 100 repos x 3 envs", projectDir: synthetic, stack: "production" },
  ];
  try {
    measureCases(cases);
  } finally {
    fs.rmSync(synthetic, { recursive: true, force: true });
  }
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

main();
