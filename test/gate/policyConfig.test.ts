/**
 * Policy config, in the format of `pulumi preview --policy-pack-config`, changes how the pack
 * enforces; a bad config file is rejected naming the file and the key.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Gate, judgeStack } from "../../gate";
import { PolicyPackProcess } from "../../gate/analyzer";
import { type PolicyInfo, parsePolicyConfig, readPolicyConfigFile, reconcilePolicyConfig } from "../../gate/policyConfig";
import { UserError } from "../../cli/errors";
import { MINI_PACK, cleanStack, runningPacks, urnOf, withResource } from "./helpers";

let configDir: string;

beforeAll(() => {
  configDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-gate-config-"));
});

afterAll(() => {
  fs.rmSync(configDir, { recursive: true, force: true });
});

/** Write a policy config file and return its path. */
function configFile(name: string, content: unknown): string {
  const file = path.join(configDir, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

const unprotectedDatabase = () => withResource(cleanStack(), "appdb", (db) => ({ ...db, protect: false }));
const databaseUrn = urnOf("staging", "postgresql:index/database:Database", "appdb");

describe("policy config changes enforcement", () => {
  it("an unprotected database is mandatory by default, advisory when configured so, and not judged when disabled", async () => {
    const levels = [];
    for (const level of ["mandatory", "advisory", "disabled"]) {
      const report = await judgeStack(unprotectedDatabase(), {
        packDir: MINI_PACK,
        policyConfigFile: configFile(`${level}.json`, { "protected-database": level }),
      });
      levels.push({ policies: report.policies, violations: report.violations.map((v) => [v.policy, v.enforcementLevel, v.urn]) });
    }
    expect(levels).toEqual([
      { policies: 7, violations: [["protected-database", "mandatory", databaseUrn]] },
      { policies: 7, violations: [["protected-database", "advisory", databaseUrn]] },
      { policies: 6, violations: [] },
    ]);
  });

  it("\"all\" sets every policy's level, and a policy's own entry wins over it", async () => {
    const broken = withResource(unprotectedDatabase(), "app", (repo) => ({ ...repo, inputs: { name: "app" } }));
    const report = await judgeStack(broken, {
      packDir: MINI_PACK,
      policyConfigFile: configFile("all.json", { all: "advisory", "repository-description": { enforcementLevel: "mandatory" } }),
    });
    expect(report.violations.map((v) => [v.policy, v.enforcementLevel])).toEqual([
      ["repository-description", "mandatory"],
      ["protected-database", "advisory"],
    ]);
  });

  it("a config property reaches the policy: minReplicas 4 fails a deployment of 3 replicas that the default 2 passes", async () => {
    expect((await judgeStack(cleanStack(), { packDir: MINI_PACK })).violations).toEqual([]);
    const report = await judgeStack(cleanStack(), {
      packDir: MINI_PACK,
      policyConfigFile: configFile("replicas.json", { "minimum-replicas": { minReplicas: 4 } }),
    });
    expect(report.violations).toEqual([
      {
        policy: "minimum-replicas",
        enforcementLevel: "mandatory",
        urn: urnOf("staging", "kubernetes:apps/v1:Deployment", "web"),
        message: "deployment 'web' runs 3 replicas, fewer than 4",
      },
    ]);
  });

  it("at level remediate, the policy's remediation runs before the analysis, as in the engine", async () => {
    const undescribed = withResource(cleanStack(), "app", (repo) => ({ ...repo, inputs: { name: "app" } }));
    const remediated = await judgeStack(undescribed, {
      packDir: MINI_PACK,
      policyConfigFile: configFile("remediate.json", { "repository-description": "remediate" }),
    });
    expect(remediated.violations).toEqual([]);
  });
});

describe("a bad policy config file is rejected naming the file and the key", () => {
  let policies: PolicyInfo[];

  beforeAll(async () => {
    // The real schemas, as the pack reports them over GetAnalyzerInfo.
    const pack = await PolicyPackProcess.start({ packDir: MINI_PACK, project: "slipway" });
    policies = pack.info.policies;
    await pack.close();
  });

  const reconcile = (text: string) =>
    reconcilePolicyConfig("slipway-gate-mini", policies, new Map(), parsePolicyConfig(text, "gate-config.json"));

  it("accepts a good file and fills schema defaults", () => {
    const config = reconcile(JSON.stringify({ "minimum-replicas": { enforcementLevel: "advisory" } }));
    expect(config.get("minimum-replicas")).toEqual({ enforcementLevel: "advisory", properties: { minReplicas: 2 } });
    expect(config.get("protected-database")).toEqual({ enforcementLevel: "mandatory", properties: {} });
  });

  it.each([
    ["not JSON", "{ protected-database: advisory }", "gate-config.json: the policy config is not valid JSON"],
    ["not an object", "[]", "gate-config.json: the policy config must be a JSON object keyed by policy name"],
    [
      "an unknown policy",
      '{ "protected-databse": "advisory" }',
      "gate-config.json: protected-databse: policy pack slipway-gate-mini has no policy of that name",
    ],
    [
      "an unknown level",
      '{ "protected-database": "warn" }',
      'gate-config.json: protected-database: "warn" is not an enforcement level (advisory, mandatory, remediate, disabled)',
    ],
    [
      "a level of the wrong type",
      '{ "protected-database": { "enforcementLevel": 1 } }',
      "gate-config.json: protected-database.enforcementLevel: 1 is not an enforcement level",
    ],
    [
      "a value that is neither level nor object",
      '{ "protected-database": true }',
      "gate-config.json: protected-database: must be an enforcement level",
    ],
    [
      "a setting the policy does not declare",
      '{ "minimum-replicas": { "minReplica": 3 } }',
      "gate-config.json: minimum-replicas.minReplica: policy minimum-replicas has no such setting (it accepts minReplicas)",
    ],
    [
      "a setting on a policy without settings",
      '{ "protected-database": { "strict": true } }',
      "gate-config.json: protected-database.strict: policy protected-database has no such setting (it takes no configuration)",
    ],
    [
      "a value below the schema's minimum",
      '{ "minimum-replicas": { "minReplicas": 0 } }',
      "gate-config.json: minimum-replicas.minReplicas: Too small: expected number to be >=1",
    ],
    [
      "a value of the wrong type",
      '{ "minimum-replicas": { "minReplicas": "three" } }',
      "gate-config.json: minimum-replicas.minReplicas: Invalid input: expected number, received string",
    ],
    ["settings on all", '{ "all": { "minReplicas": 3 } }', "gate-config.json: all: only an enforcementLevel can apply to all policies"],
  ])("rejects %s", (_, text, message) => {
    let thrown: unknown;
    try {
      reconcile(text);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UserError);
    expect((thrown as UserError).file).toBe("gate-config.json");
    expect((thrown as UserError).message).toContain(message);
    expect((thrown as UserError).message).not.toContain("\n");
  });

  it("a missing file is named", () => {
    const missing = path.join(configDir, "missing.json");
    expect(() => readPolicyConfigFile(missing)).toThrow(new UserError("cannot read the policy config: no such file", { file: missing }));
  });

  it("the gate refuses a bad file before judging anything, and leaves no pack running", async () => {
    const file = configFile("typo.json", { "minimum-replica": { minReplicas: 3 } });
    await expect(Gate.open({ packDir: MINI_PACK, policyConfigFile: file })).rejects.toThrow(
      new UserError("policy pack slipway-gate-mini has no policy of that name", { file, key: "minimum-replica" }),
    );
    expect(runningPacks()).toEqual([]);
  });
});
