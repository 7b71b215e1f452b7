/**
 * tools/mutation/fileScores.mjs, which fails the mutation job when any file is below the floor:
 * it reads the report it is given (first argument or after --floor), scores each file as Stryker
 * does, and a strong file does not hide a weak one.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const SCRIPT = path.resolve(__dirname, "..", "..", "tools", "mutation", "fileScores.mjs");

/** A Stryker JSON report: per file, mutants with these statuses. */
function report(files: Record<string, string[]>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-scores-"));
  const file = path.join(dir, "mutation.json");
  const entries = Object.entries(files).map(([name, statuses]) => [name, { mutants: statuses.map((status) => ({ status })) }]);
  fs.writeFileSync(file, JSON.stringify({ files: Object.fromEntries(entries) }));
  return file;
}

function scores(...args: string[]) {
  const result = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8" });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("the per-file mutation floor", () => {
  const strongAndWeak = report({
    "policy-pack/policies/strong.ts": ["Killed", "Killed", "Killed", "Timeout", "Ignored"],
    "policy-pack/policies/weak.ts": ["Killed", "Survived", "NoCoverage", "Killed"],
  });

  test("the report given as the only argument is the one read", () => {
    const result = scores(strongAndWeak);
    expect(result.stdout).toMatch(/^policy-pack\/policies\/strong\.ts\s+100\.00\s+4\s+0\s+0\s+1\s+0$/m);
    expect(result.stdout).toMatch(/^policy-pack\/policies\/weak\.ts\s+50\.00\s+2\s+1\s+1\s+0\s+0\s+< floor$/m);
    // A strong file does not hide a weak one.
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("mutation score below the floor in 1 file(s): policy-pack/policies/weak.ts (50.00% < 85%)");
  });

  test("a policy file is held to 85%, the ledger and the config contract to 80%", () => {
    // 82 killed of 100: enough for the ledger, not for a policy.
    const eightyTwo = [...Array(82).fill("Killed"), ...Array(18).fill("Survived")];
    expect(scores(report({ "release/ledger.ts": eightyTwo, "config/config.ts": eightyTwo })).status).toBe(0);
    const result = scores(report({ "release/ledger.ts": eightyTwo, "policy-pack/policies/shared/glob.ts": eightyTwo }));
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("in 1 file(s): policy-pack/policies/shared/glob.ts (82.00% < 85%)");
  });

  test("the floor may be given before or after the report", () => {
    expect(scores("--floor", "50", strongAndWeak).status).toBe(0);
    expect(scores(strongAndWeak, "--floor", "51").status).toBe(1);
  });

  test("a missing report or a bad floor is an error, not a pass", () => {
    expect(scores(path.join(os.tmpdir(), "no-such-report.json")).status).toBe(2);
    expect(scores(strongAndWeak, "--floor", "high").status).toBe(2);
  });
});
