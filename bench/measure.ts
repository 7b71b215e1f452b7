/**
 * One measurement, in a fresh process, of the program run as `slipway gate` runs it: in a child
 * process (Pulumi's runtime state is per process) that streams its records to this one.
 *   measure.ts run         <projectDir> <stack>   the bare mock run: records streamed, nothing judges
 *   measure.ts gate        <projectDir> <stack>   the gate: each resource judged by the pack as it
 *                                                 arrives, AnalyzeStack at the end
 *   measure.ts gate-after  <projectDir> <stack>   the mock run, then the pack judging all of it
 *                                                 (the gate before it streamed: same verdict expected)
 *   measure.ts gate-floor  <projectDir> <stack>   the gate with bench/floorPack: the same policies,
 *                                                 each judging nothing (what the protocol costs alone)
 * Prints one JSON line: wall milliseconds, resources, peak RSS and CPU seconds of the program (the
 * child), of this process and of the pack, and for the gate the pack's start time, its violations
 * and a digest of its verdict. CPU seconds, unlike wall time, barely change with the machine's load.
 */
import * as crypto from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_NAME } from "../contract";
import { runStackInChild } from "../gate/runInChild";
import { Gate, type GateReport, ResourceFeed, exitCodeOf } from "../gate";

const MODES = ["run", "gate", "gate-after", "gate-floor"] as const;

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

/** CPU seconds (user + system) a live process has used, from /proc (Linux); undefined elsewhere. */
function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return undefined;
  }
}

/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS = 100;

/** This process's live children, from /proc (Linux); empty elsewhere. */
function children(): number[] {
  try {
    return fs
      .readFileSync(`/proc/${process.pid}/task/${process.pid}/children`, "utf8")
      .split(/\s+/)
      .filter((pid) => pid !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The verdict in a comparable form: exit code and every violation, sorted. The report lists them
 * in registration order, and a program that builds across turns registers in an order the gate's
 * back-pressure can shift; the verdict is which violations there are.
 */
function verdictDigest(report: GateReport): string {
  const violations = report.violations.map((violation) => JSON.stringify(violation)).sort();
  return crypto
    .createHash("sha256")
    .update(JSON.stringify([exitCodeOf([report]), violations]))
    .digest("hex")
    .slice(0, 16);
}

/** Seconds of a `process.cpuUsage()` reading. */
const cpuOf = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1e6;
const round1 = (seconds: number): number => Math.round(seconds * 10) / 10;

async function main(): Promise<void> {
  const [mode, projectDir, stack] = process.argv.slice(2) as [(typeof MODES)[number], string, string];
  if (!MODES.includes(mode)) throw new Error(`unknown mode ${mode}: ${MODES.join(", ")}`);
  const packDir = mode === "gate-floor" ? path.join(__dirname, "floorPack") : path.resolve(__dirname, "..", "policy-pack");
  const started = performance.now();
  // Start the pack alongside the program run, as `slipway gate` does.
  const gateOpening = mode === "run" ? undefined : Gate.open({ packDir });
  gateOpening?.catch(() => undefined);
  // The program's peak: the child's high-water mark, read while it lives (the pack's is read at the end).
  let programPeak = 0;
  // The program's CPU time, as last read while it lived (a tenth of a second may go unseen).
  let programCpu = 0;
  const poll = setInterval(() => {
    for (const pid of children()) {
      if (pid === packPid) continue;
      programPeak = Math.max(programPeak, peakRssMiB(pid) ?? 0);
      programCpu = Math.max(programCpu, cpuSeconds(pid) ?? 0);
    }
  }, 100);
  let packPid: number | undefined;
  void gateOpening?.then(
    (gate) => (packPid = gate.packPid),
    () => undefined,
  );

  const feed = mode === "gate" || mode === "gate-floor" ? new ResourceFeed(stack, PROJECT_NAME, undefined, true) : undefined;
  const judging = feed && gateOpening?.then((gate) => gate.judge(feed));
  judging?.catch(() => undefined);
  const running = runStackInChild({ projectDir, stack }, feed && ((resource) => feed.push(resource)));
  running.then(
    (recorded) => feed?.end(recorded),
    (error: unknown) => feed?.fail(error),
  );
  const recorded = await running;
  const runMs = performance.now() - started;
  clearInterval(poll);
  let packPeak: number | undefined;
  let packCpu: number | undefined;
  let packStartMs: number | undefined;
  let report: GateReport | undefined;
  if (gateOpening) {
    const gate = await gateOpening;
    try {
      report = await (judging ?? gate.judge(recorded));
      packPeak = gate.packPid !== undefined ? peakRssMiB(gate.packPid) : undefined;
      packCpu = gate.packPid !== undefined ? cpuSeconds(gate.packPid) : undefined;
      packStartMs = gate.startMs;
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
    programPeakMiB: Math.round(programPeak) || undefined,
    gatePeakMiB: Math.round(process.resourceUsage().maxRSS / 1024),
    packPeakMiB: packPeak !== undefined ? Math.round(packPeak) : undefined,
    packStartMs,
    programCpuS: round1(programCpu),
    gateCpuS: round1(cpuOf(process.cpuUsage())),
    packCpuS: packCpu !== undefined ? round1(packCpu) : undefined,
    violations: report?.violations.length,
    verdict: report && verdictDigest(report),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
