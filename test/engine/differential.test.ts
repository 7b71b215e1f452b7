/**
 * The engine is the oracle: every gate variant (test/e2e/variants.ts) is also judged by a real
 * `pulumi preview --policy-pack`, and the set of (policy, resource) violations must equal the
 * offline gate's. A config the program refuses must fail both ways.
 */
import type { GateReport } from "../../gate";
import { runStackInChild } from "../../gate/runInChild";
import { previewCommand } from "../../contract/commands";
import { EXAMPLES, VARIANTS, type VariantGates, type VariantSpec, openVariantGates } from "../e2e/variants";
import { ENGINE_TIMEOUT_MS, EngineProject, type EngineViolation, engineScratch, requireEngine } from "./support";

let scratch: string;
let gates: VariantGates;

beforeAll(async () => {
  requireEngine();
  scratch = engineScratch();
  gates = await openVariantGates(scratch);
}, ENGINE_TIMEOUT_MS);

afterAll(async () => {
  await gates?.close();
});

/** A violation as a comparable line: policy, resource, level. */
const key = (violation: { policy: string; urn: string; enforcementLevel: string }) =>
  `${violation.policy} | ${violation.enforcementLevel} | ${violation.urn}`;

async function engineVerdict(
  variant: VariantSpec,
): Promise<{ code: number; violations: EngineViolation[]; stderr: string; stdout: string }> {
  const project = new EngineProject(scratch, `diff-${variant.name}`, variant);
  await project.initStack(variant.stack);
  const argv = previewCommand(variant.stack);
  if (variant.policyConfig === "strict") argv[argv.indexOf("--policy-pack-config") + 1] = project.writeStrictPolicyConfig();
  return project.run(argv);
}

async function gateVerdict(variant: VariantSpec, projectDir: string): Promise<GateReport> {
  return gates.judge(variant.policyConfig, await runStackInChild({ projectDir, stack: variant.stack }));
}

describe.each([...EXAMPLES, ...VARIANTS].map((variant) => [variant.name, variant] as const))("%s", (_name, variant) => {
  it(
    "the engine and the offline gate give the same verdict",
    async () => {
      const engine = await engineVerdict(variant);
      const projectDir = `${scratch}/diff-${variant.name}`;
      if ("configError" in variant.expect) {
        // The program refuses the config before registering anything: the preview fails with its message.
        expect(engine.code).not.toBe(0);
        expect(`${engine.stdout}\n${engine.stderr}`).toMatch(variant.expect.configError);
        await expect(runStackInChild({ projectDir, stack: variant.stack })).rejects.toThrow(variant.expect.configError);
        return;
      }
      const gate = await gateVerdict(variant, projectDir);
      const fromEngine = [...new Set(engine.violations.map(key))].sort();
      const fromGate = [...new Set(gate.violations.map(key))].sort();
      expect(fromGate).toEqual(fromEngine);
      // A mandatory violation fails the preview, as it fails the gate.
      expect(engine.code !== 0).toBe(gate.violations.some((violation) => violation.enforcementLevel === "mandatory"));
      // The same words, too: the gate reports the engine's message.
      for (const violation of engine.violations)
        expect(gate.violations).toContainEqual(
          expect.objectContaining({ policy: violation.policy, urn: violation.urn, message: violation.message }),
        );
    },
    ENGINE_TIMEOUT_MS,
  );
});
