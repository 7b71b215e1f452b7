/**
 * The first real `pulumi preview`: both example stacks preview under the engine with the policy
 * pack and the team's policy config, exactly as the pull-request workflow runs it, with no
 * violation and no policy turned into a "can't run during preview" advisory.
 */
import { previewCommand } from "../../contract/commands";
import { describeResult } from "../../engine/driver";
import { ENGINE_TIMEOUT_MS, EngineProject, engineScratch, requireEngine } from "./support";

let scratch: string;
beforeAll(() => {
  requireEngine();
  scratch = engineScratch();
});

describe.each(["staging", "production"])("pulumi preview of the %s example", (stack) => {
  it(
    "passes the policy pack with no violation and no policy that could not run",
    async () => {
      const project = new EngineProject(scratch, `preview-${stack}`);
      await project.initStack(stack);
      const preview = await project.run(previewCommand(stack));
      expect({ code: preview.code, violations: preview.violations }).toEqual({ code: 0, violations: [] });
      expect(preview.stdout).not.toContain("can't run policy");
      // The pack ran: the engine names it among the policy packs it applied.
      expect(preview.policyPacks).toEqual(["slipway-guardrails"]);
      if (preview.code !== 0) throw new Error(describeResult(preview));
    },
    ENGINE_TIMEOUT_MS,
  );
});
