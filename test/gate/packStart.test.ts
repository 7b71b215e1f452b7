/**
 * The pack's start is gated on readiness, not on a fixed timeout: the gate waits for the port
 * while the pack runs, fails at once (with the pack's last words) when it exits, and ends a
 * live pack that never prints a port only at a generous, configurable ceiling.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEFAULT_START_CEILING_MS, PolicyPackProcess, START_CEILING_VARIABLE, startCeilingMs } from "../../gate/analyzer";
import { PolicyPackError } from "../../gate/errors";
import { UserError } from "../../cli/errors";
import { MINI_PACK, removeTemporaryPack, runningPacks, temporaryPack } from "./helpers";

const temporary: string[] = [];
afterAll(() => temporary.forEach(removeTemporaryPack));

async function startError(options: Parameters<typeof PolicyPackProcess.start>[0]): Promise<{ error: PolicyPackError; ms: number }> {
  const started = Date.now();
  try {
    const pack = await PolicyPackProcess.start(options);
    await pack.close();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyPackError);
    return { error: err as PolicyPackError, ms: Date.now() - started };
  }
  throw new Error("expected the pack's start to fail");
}

describe("the start ceiling", () => {
  it("is a last resort of minutes, not the 2 minutes a busy machine once exceeded", () => {
    expect(DEFAULT_START_CEILING_MS).toBeGreaterThanOrEqual(10 * 60_000);
    expect(startCeilingMs({})).toBe(DEFAULT_START_CEILING_MS);
  });

  it(`is set by ${START_CEILING_VARIABLE}, in seconds; anything but a positive number is bad input`, () => {
    expect(startCeilingMs({ [START_CEILING_VARIABLE]: "1800" })).toBe(1_800_000);
    expect(startCeilingMs({ [START_CEILING_VARIABLE]: "0.5" })).toBe(500);
    expect(() => startCeilingMs({ [START_CEILING_VARIABLE]: "0" })).toThrow(UserError);
    expect(() => startCeilingMs({ [START_CEILING_VARIABLE]: "ten minutes" })).toThrow(
      `${START_CEILING_VARIABLE} must be a positive number of seconds, not "ten minutes"`,
    );
  });

  it("ends a live pack that has not printed its port, saying it is the ceiling and how to raise it", async () => {
    const saved = process.env[START_CEILING_VARIABLE];
    process.env[START_CEILING_VARIABLE] = "0.2";
    try {
      const { error } = await startError({ packDir: MINI_PACK, project: "slipway" });
      expect(error.message).toContain(
        `policy pack ${MINI_PACK} did not print its port within 0.2s, though still running: the start-up ceiling, a last resort, ended it (set ${START_CEILING_VARIABLE} to wait longer)`,
      );
    } finally {
      if (saved === undefined) delete process.env[START_CEILING_VARIABLE];
      else process.env[START_CEILING_VARIABLE] = saved;
    }
    expect(runningPacks()).toEqual([]);
  });
});

it("a pack that exits while starting fails at once with its last words, even when something it started still holds its output open", async () => {
  const dir = temporaryPack(`import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
// A helper that outlives the pack and keeps its stdout and stderr open.
const holder = spawn("sleep", ["120"], { stdio: ["ignore", "inherit", "inherit"], detached: true });
fs.writeFileSync(path.join(__dirname, "holder.pid"), String(holder.pid));
holder.unref();
console.error("pack: cannot start, giving up");
process.exit(4);
`);
  temporary.push(dir);
  try {
    // The ceiling is far away: only readiness can end this start quickly.
    const { error, ms } = await startError({ packDir: dir, project: "slipway", startTimeoutMs: 300_000 });
    expect(error.message).toContain(`policy pack ${dir} failed to start (exit code 4): pack: cannot start, giving up`);
    expect(ms).toBeLessThan(60_000);
  } finally {
    const pidFile = path.join(dir, "holder.pid");
    if (fs.existsSync(pidFile)) {
      try {
        process.kill(Number(fs.readFileSync(pidFile, "utf8")), "SIGKILL");
      } catch {
        // already gone
      }
    }
  }
  expect(runningPacks()).toEqual([]);
}, 120_000);

it("a slow start is waited for: a pack busy for seconds before it serves still starts", async () => {
  const dir = temporaryPack(`import { PolicyPack } from "@pulumi/policy";
// Busy for 3 s before serving, as a loaded machine would be.
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3000);
new PolicyPack("slow", { policies: [{ name: "p", description: "d", validateResource: () => undefined }] });
`);
  temporary.push(dir);
  const pack = await PolicyPackProcess.start({ packDir: dir, project: "slipway" });
  try {
    expect(pack.info.name).toBe("slow");
    expect(pack.startMs).toBeGreaterThanOrEqual(3000);
  } finally {
    await pack.close();
  }
}, 120_000);
