/**
 * One measurement, in a fresh process (Pulumi's runtime state is per process):
 *   measure.ts run  <projectDir> <stack>   the bare mock run, no policies
 *   measure.ts gate <projectDir> <stack>   the mock run plus the pack judging it
 * Prints one JSON line: wall milliseconds, resources, peak RSS of this process and of the pack.
 */
import * as fs from "fs";
import * as path from "path";
import { runStack } from "../cli/runner";
import { Gate } from "../cli/gate";

/** Peak resident memory of a live process, in MiB, from /proc (Linux); undefined elsewhere. */
function peakRssMiB(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const [mode, projectDir, stack] = process.argv.slice(2);
  const packDir = path.resolve(__dirname, "..", "policy-pack");
  const started = performance.now();
  // Start the pack alongside the program run, as `slipway gate` does.
  const gateOpening = mode === "gate" ? Gate.open({ packDir }) : undefined;
  const recorded = await runStack({ projectDir, stack });
  const runMs = performance.now() - started;
  let packPeak: number | undefined;
  let violations: number | undefined;
  if (gateOpening) {
    const gate = await gateOpening;
    try {
      const report = await gate.judge(recorded);
      violations = report.violations.length;
      packPeak = gate.packPid !== undefined ? peakRssMiB(gate.packPid) : undefined;
    } finally {
      await gate.close();
    }
  }
  const result = {
    mode,
    stack,
    resources: recorded.resources.length,
    wallMs: Math.round(performance.now() - started),
    runMs: Math.round(runMs),
    programPeakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    packPeakMiB: packPeak !== undefined ? Math.round(packPeak) : undefined,
    violations,
  };
  process.stdout.write(JSON.stringify(result) + "\n");
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
