/**
 * `slipway gate` as a platform engineer runs it: with no flags on a fresh clone (the project's
 * policy-config.json is used and named), machine-readable with --json (only the envelope on
 * stdout), and in a pull request, where a policy config weaker than the default branch's fails
 * the gate with a finding of the gate's own, located in the pull request's file.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const root = path.resolve(__dirname, "..", "..");
const GATE_TIMEOUT_MS = 120_000;

/** `slipway <args>` from the repository root, asynchronously (jest runs the gates side by side). */
function slipway(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(root, "bin", "slipway.js"), ...args], {
      cwd: root,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    // The CLI may note on stderr that it runs its TypeScript sources (a build older than a source).
    child.on("close", (code) =>
      resolve({ code, stdout, stderr: stderr.replace(/^slipway: .*: running the TypeScript sources through tsx.*\n/m, "") }),
    );
  });
}

describe("slipway gate with no flags, on the examples", () => {
  it(
    "judges every stack with the project's policy-config.json, says so on stderr, and passes",
    async () => {
      const result = await slipway(["gate"]);
      expect(result.stderr).toBe("slipway: policy config: policy-config.json (the project's default)\n");
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/^production: PASS - no violations \(31 policies judged \d+ resources\)$/m);
      expect(result.stdout).toMatch(/^staging: PASS - no violations \(31 policies judged \d+ resources\)$/m);
    },
    GATE_TIMEOUT_MS,
  );
});

describe("slipway gate --json", () => {
  let result: Awaited<ReturnType<typeof slipway>>;
  beforeAll(async () => {
    result = await slipway(["gate", "-s", "staging", "--json", "--base-policy-config", "policy-config.json"]);
  }, GATE_TIMEOUT_MS);

  it("prints the slipway envelope and nothing else on stdout", () => {
    expect(result.code).toBe(0);
    const envelope = JSON.parse(result.stdout);
    expect(Object.keys(envelope)).toEqual([
      "schemaVersion",
      "slipway",
      "pack",
      "result",
      "policyConfig",
      "basePolicyConfig",
      "gateFindings",
      "stacks",
    ]);
    expect(envelope).toMatchObject({
      schemaVersion: 1,
      pack: { name: "slipway-guardrails" },
      result: "pass",
      policyConfig: "policy-config.json",
      gateFindings: [],
    });
    expect(envelope.stacks).toHaveLength(1);
    expect(Object.keys(envelope.stacks[0])).toEqual(["stack", "policies", "resources", "violations"]);
    expect(envelope.stacks[0]).toMatchObject({ stack: "staging", policies: 31, violations: [] });
  });
});

describe("a pull request that weakens the policy config", () => {
  let dir: string;
  let result: Awaited<ReturnType<typeof slipway>>;
  let weakened: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-weakened-"));
    const team = JSON.parse(fs.readFileSync(path.join(root, "policy-config.json"), "utf8")) as Record<string, Record<string, unknown>>;
    // The freeze policy turned off, a credential-looking key allowed, a production host forgotten.
    const config = {
      ...team,
      "change-freeze": "disabled",
      "no-plaintext-secrets": { allowedKeys: ["STRIPE_KEY"] },
      "staging-isolation": { ...team["staging-isolation"], productionHosts: ["www.acme.shop", "api.acme.shop", "pg-prod.acme.internal"] },
    };
    weakened = JSON.stringify(config, null, 2);
    fs.writeFileSync(path.join(dir, "policy-config.json"), weakened);
    result = await slipway([
      "gate",
      "-s",
      "staging",
      "--policy-config",
      path.join(dir, "policy-config.json"),
      "--base-policy-config",
      "policy-config.json",
      "--json",
      "--output",
      path.join(dir, "gate.json"),
    ]);
  }, GATE_TIMEOUT_MS);

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("fails the gate, though every stack passes: exit 1, result fail", () => {
    expect(result.stdout).toBe("");
    expect(result.code).toBe(1);
    const envelope = JSON.parse(fs.readFileSync(path.join(dir, "gate.json"), "utf8"));
    expect(envelope.result).toBe("fail");
    expect(envelope.stacks[0].violations).toEqual([]);
  });

  it("reports each weakening as the gate's own mandatory finding, in catalogue order, at its line in the pull request's file", () => {
    const envelope = JSON.parse(fs.readFileSync(path.join(dir, "gate.json"), "utf8"));
    const lineOf = (text: string) => weakened.split("\n").findIndex((line) => line.includes(text)) + 1;
    const findings = envelope.gateFindings as {
      check: string;
      enforcementLevel: string;
      policy: string;
      setting: string | null;
      message: string;
      location: { line: number };
    }[];
    expect(
      findings.map((finding) => [finding.check, finding.enforcementLevel, finding.policy, finding.setting, finding.location.line]),
    ).toEqual([
      ["policy-config-weakened", "mandatory", "no-plaintext-secrets", "allowedKeys", lineOf('"allowedKeys"')],
      ["policy-config-weakened", "mandatory", "staging-isolation", "productionHosts", lineOf('"productionHosts"')],
      ["policy-config-weakened", "mandatory", "change-freeze", null, lineOf('"change-freeze"')],
    ]);
    expect(findings[1].message).toBe("drops 'acme.shop' (hosts staging must never reach)");
    expect(findings[2].message).toBe("mandatory on the default branch, disabled here");
  });
});
