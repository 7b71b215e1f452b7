/**
 * `npm run bench` measures the protocol's floor with bench/floorPack: the policy pack's own
 * policies, each judging nothing. The floor is only a floor if it is the same pack to the
 * protocol (names, levels, schemas, resource types) and judges nothing at all.
 */
import * as path from "node:path";
import { Gate } from "../../gate";
import { PACK_DIR, REPO_ROOT } from "../support/project";
import { cleanStack } from "./helpers";

const FLOOR_PACK = path.join(REPO_ROOT, "bench", "floorPack");

describe("the benchmark's protocol floor", () => {
  let real: Gate;
  let floor: Gate;

  beforeAll(async () => {
    [real, floor] = await Promise.all([Gate.open({ packDir: PACK_DIR }), Gate.open({ packDir: FLOOR_PACK })]);
  });

  afterAll(async () => {
    await Promise.all([real?.close(), floor?.close()]);
  });

  it("serves the pack's policies as the pack does: the same names, levels and config schemas, in order", () => {
    expect(floor.pack.name).toBe("slipway-floor");
    expect(floor.pack.policies.length).toBe(31);
    expect(floor.pack.policies).toEqual(real.pack.policies);
  });

  it("judges nothing: a stack the pack refuses passes the floor", async () => {
    // A repository with no ruleset, no branch protection and no deploy workflow.
    const unsafe = cleanStack("production");
    const refused = await real.judge(unsafe);
    expect(refused.violations.map((violation) => violation.policy)).toContain("default-branch-protected");
    const floored = await floor.judge(unsafe);
    expect(floored).toEqual({ ...refused, violations: [] });
  });
});
