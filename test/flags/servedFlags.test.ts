/**
 * Flags served, not baked (issue #13, 003 §4.4, §7.2): `slipway flag` changes what the stack
 * serves, and deploying it changes only the flag sources, in place.
 *
 * The program runs offline (the project's own runner, as `slipway plan` does) before and after
 * `slipway flag ...` on a copy of the example project; the registrations are diffed resource by
 * resource, and each changed resource is diffed as its provider would (providers/model.ts: the
 * schema's replace-on-change inputs and the Kubernetes provider's own rules), to show the change is
 * an update, never a replacement, and that no app resource (Vercel, Heroku, Kubernetes workload)
 * changes at all. What is served is read back with flagd's own evaluator.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { FlagdCore } from "@openfeature/flagd-core";
import type { RecordedResource, RecordedStack } from "../../gate/model";
import { setFlag } from "../../release/flag";
import { UserError } from "../../config/errors";
import { forceL3FlagsOff, openStackDocument, readFlags } from "../../release/stackDocument";
import { diff } from "../../providers/model";
import { unwrapSecrets } from "../support/wire";
import { runProjectStack, runSlipway } from "../e2e/support";
import { copyProject, editStackFile, indexWhere, makeScratch, removeScratch, slipwayKey } from "../support/project";

const PRODUCTION_FILE = "Pulumi.production.yaml";
const FLAGS_VARIABLE_TYPE = "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable";
const CONFIGMAP_TYPE = "kubernetes:core/v1:ConfigMap";

/** The canary of 003 §4.4 for auto-publish: house accounts, then two low-risk clients. */
const STAGES = [
  { name: "house", scope: "platform-account", values: ["acme-house"] },
  { name: "pilot", scope: "client", values: ["globex", "initech"] },
];

function declareStages(projectDir: string): void {
  editStackFile(projectDir, "production", (document) => {
    const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
    document.setIn(slipwayKey("flags", index, "stages"), document.createNode(STAGES));
  });
}

interface Change {
  name: string;
  type: string;
  changedKeys: string[];
  replaces: string[];
}

/** What changed between two runs, resource by resource, as each provider would diff it. */
function changesBetween(before: RecordedStack, after: RecordedStack): Change[] {
  expect(after.resources.map((resource) => resource.urn)).toEqual(before.resources.map((resource) => resource.urn));
  const providerConfig = (resource: RecordedResource) =>
    resource.provider === undefined
      ? undefined
      : after.resources.find((candidate) => resource.provider?.startsWith(`${candidate.urn}::`))?.inputs;
  return after.resources.flatMap((resource, i) => {
    const old = before.resources[i];
    if (JSON.stringify(old.inputs) === JSON.stringify(resource.inputs)) return [];
    const pkg = resource.type.startsWith("pulumi:providers:") ? "pulumi" : resource.type.split(":")[0];
    const result =
      resource.custom && pkg !== "pulumi"
        ? diff(pkg, resource.type, old.inputs as never, resource.inputs as never, {
            providerConfig: providerConfig(resource) as never,
            env: {},
          })
        : undefined;
    return [{ name: resource.name, type: resource.type, changedKeys: result?.diffs ?? ["(component)"], replaces: result?.replaces ?? [] }];
  });
}

/** The flagd document a registration serves. */
function servedDocument(resource: RecordedResource): string {
  if (resource.type === CONFIGMAP_TYPE) return (resource.inputs.data as Record<string, string>)["flags.flagd.json"];
  return unwrapSecrets(resource.inputs.value) as string;
}

/** What flagd serves for `key` from a stack's production flag sources, per source. */
function served(run: RecordedStack, key: string, context: Record<string, string> = {}): Record<string, unknown> {
  const sources = run.resources.filter(
    (resource) =>
      (resource.type === FLAGS_VARIABLE_TYPE &&
        resource.inputs.variableName === "SLIPWAY_FLAGS" &&
        resource.inputs.environment === "production") ||
      resource.type === CONFIGMAP_TYPE,
  );
  expect(sources.length).toBe(2);
  return Object.fromEntries(
    sources.map((source) => {
      const core = new FlagdCore();
      core.setConfigurations(servedDocument(source));
      return [source.name, core.resolveBooleanEvaluation(key, false, context).value];
    }),
  );
}

describe("slipway flag changes the served flag and nothing else", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = makeScratch();
  });
  afterAll(() => removeScratch(scratch));

  test("`slipway flag off dark-mode` updates the production flag sources in place: no replacement, no app redeploy", async () => {
    const projectDir = copyProject(scratch, "off");
    const before = await runProjectStack(projectDir, "production");
    const flipped = await runSlipway(["flag", "off", "dark-mode", "--force"], projectDir);
    expect(flipped.stderr).not.toMatch(/error/i);
    expect(flipped.status).toBe(0);
    expect(flipped.stdout).toContain("dark-mode (L1) is now served off in production (was on).");
    const after = await runProjectStack(projectDir, "production");

    const changes = changesBetween(before, after);
    // The flag sources only: production's SLIPWAY_FLAGS variable (and its rollback environment's
    // copy, which the emergency rollback reads) and the ConfigMap the pods watch.
    expect(changes.map((change) => change.name).sort()).toEqual(
      ["storefront-production-variable-SLIPWAY_FLAGS", "storefront-production-rollback-variable-SLIPWAY_FLAGS", "workloads-flags"].sort(),
    );
    for (const change of changes) expect({ name: change.name, replaces: change.replaces }).toEqual({ name: change.name, replaces: [] });
    expect(Object.fromEntries(changes.map((change) => [change.name, change.changedKeys]))).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": ["value"],
      "storefront-production-rollback-variable-SLIPWAY_FLAGS": ["value"],
      "workloads-flags": ["data"],
    });
    expect(served(before, "dark-mode")).toEqual({ "storefront-production-variable-SLIPWAY_FLAGS": true, "workloads-flags": true });
    expect(served(after, "dark-mode")).toEqual({ "storefront-production-variable-SLIPWAY_FLAGS": false, "workloads-flags": false });
  });

  test("the same run without the mutable-ConfigMap provider setting would replace the ConfigMap: the check can fail", async () => {
    const projectDir = copyProject(scratch, "immutable");
    const before = await runProjectStack(projectDir, "production");
    setFlag({ root: projectDir, name: "dark-mode", state: "off", force: true });
    const after = await runProjectStack(projectDir, "production");
    const configMap = after.resources.find((resource) => resource.name === "workloads-flags") as RecordedResource;
    const old = before.resources.find((resource) => resource.name === "workloads-flags") as RecordedResource;
    expect(
      diff("kubernetes", CONFIGMAP_TYPE, old.inputs as never, configMap.inputs as never, { providerConfig: {}, env: {} }).replaces,
    ).toEqual(["data"]);
  });

  test("a canary stage is served to its accounts only, and widening it changes the flag sources alone", async () => {
    const projectDir = copyProject(scratch, "canary");
    declareStages(projectDir);
    const before = await runProjectStack(projectDir, "production");
    const house = setFlag({ root: projectDir, name: "auto-publish", state: "on", stage: "house", force: true });
    expect(house.served).toBe("stage house");
    const atHouse = await runProjectStack(projectDir, "production");
    expect(
      changesBetween(before, atHouse).every(
        (change) => change.replaces.length === 0 && /variable-SLIPWAY_FLAGS$|^workloads-flags$/.test(change.name),
      ),
    ).toBe(true);
    expect(served(atHouse, "auto-publish", { platformAccount: "acme-house" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": true,
      "workloads-flags": true,
    });
    expect(served(atHouse, "auto-publish", { client: "globex" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": false,
      "workloads-flags": false,
    });
    expect(served(atHouse, "auto-publish", { client: "umbrella", platformAccount: "umbrella-main" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": false,
      "workloads-flags": false,
    });

    setFlag({ root: projectDir, name: "auto-publish", state: "on", stage: "pilot", force: true });
    const atPilot = await runProjectStack(projectDir, "production");
    expect(served(atPilot, "auto-publish", { client: "globex" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": true,
      "workloads-flags": true,
    });
    expect(served(atPilot, "auto-publish", { platformAccount: "acme-house" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": true,
      "workloads-flags": true,
    });
    expect(served(atPilot, "auto-publish", { client: "umbrella" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": false,
      "workloads-flags": false,
    });

    const off = setFlag({ root: projectDir, name: "auto-publish", state: "off", force: true });
    expect(off.served).toBe("off");
    const killed = await runProjectStack(projectDir, "production");
    expect(served(killed, "auto-publish", { platformAccount: "acme-house" })).toEqual({
      "storefront-production-variable-SLIPWAY_FLAGS": false,
      "workloads-flags": false,
    });
  });
});

describe("a rollback's first action turns staged side-effect flags off too (003 §7.2)", () => {
  let scratch: string;
  beforeAll(() => {
    scratch = makeScratch();
  });
  afterAll(() => removeScratch(scratch));

  test("an L3 flag served to its house accounts is off for everyone after forceL3FlagsOff", () => {
    const projectDir = copyProject(scratch, "rollback");
    declareStages(projectDir);
    setFlag({ root: projectDir, name: "auto-publish", state: "on", stage: "house", force: true });
    const document = openStackDocument(projectDir, "production");
    expect(forceL3FlagsOff(document, "production")).toEqual({ turnedOff: ["auto-publish"], alreadyOff: [] });
    const autoPublish = readFlags(document).find((flag) => flag.name === "auto-publish")!;
    expect([autoPublish.defaults.production, autoPublish.rollout.production]).toEqual([false, undefined]);
  });
});

describe("slipway flag refuses what the rules forbid, and changes nothing", () => {
  let scratch: string;
  let projectDir: string;
  let original: string;
  beforeAll(() => {
    scratch = makeScratch();
    projectDir = copyProject(scratch, "rules");
    declareStages(projectDir);
    original = fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8");
  });
  afterAll(() => removeScratch(scratch));

  const refused = (options: Omit<Parameters<typeof setFlag>[0], "root" | "force">): string => {
    let error: unknown;
    try {
      setFlag({ root: projectDir, force: true, ...options });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UserError);
    expect(fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8")).toBe(original);
    return (error as UserError).message;
  };

  test("an unknown flag is named with the flags there are", () => {
    expect(refused({ name: "auto-post", state: "off" })).toBe(
      "Pulumi.production.yaml: slipway:flags: names no flag 'auto-post' (flags: auto-publish, new-checkout, dark-mode)",
    );
  });

  test("an unknown stage is named with the stages there are", () => {
    expect(refused({ name: "auto-publish", state: "on", stage: "everyone" })).toBe(
      "Pulumi.production.yaml: slipway:flags[0].stages: has no stage 'everyone' (stages: house, pilot)",
    );
  });

  test("a side-effect flag's canary widens one stage at a time in production", () => {
    expect(refused({ name: "auto-publish", state: "on", stage: "pilot" })).toBe(
      "Pulumi.production.yaml: slipway:flags[0].rollout.production: would skip canary stage 'house' of side-effect flag 'auto-publish' in production: a canary widens one stage at a time (003 §4.4)",
    );
  });

  test("a side-effect flag goes on for everyone only after its last stage, and on an approval the ledger records", () => {
    expect(refused({ name: "auto-publish", state: "on" })).toBe(
      "Pulumi.production.yaml: slipway:flags[0].rollout.production: is unset: side-effect flag 'auto-publish' goes on for everyone in production only after its last canary stage 'pilot' (003 §4.4)",
    );
    const atPilot = fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8");
    setFlag({ root: projectDir, force: true, name: "auto-publish", state: "on", stage: "house" });
    setFlag({ root: projectDir, force: true, name: "auto-publish", state: "on", stage: "pilot" });
    original = fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8");
    expect(original).not.toBe(atPilot);
    expect(refused({ name: "auto-publish", state: "on" })).toMatch(
      /^Pulumi\.production\.yaml: slipway:flags\[0\]\.productionApproval: is required: side-effect flag 'auto-publish' goes on for everyone/,
    );
    expect(refused({ name: "auto-publish", state: "on", approval: "CR-9999" })).toBe(
      "releases/ledger.jsonl: has no validated release with change request 'CR-9999': an approval of a side-effect flag in production is a change request of a release staging validated (003 §4.3)",
    );
    // CR-1988 is the change request of 1.3.0, which staging validated (the example ledger).
    const approved = setFlag({ root: projectDir, force: true, name: "auto-publish", state: "on", approval: "CR-1988" });
    expect(approved.served).toBe("on");
    expect(approved.diff).toContain("+      productionApproval: CR-1988");
    original = fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8");
  });

  test("off needs no approval, and a flag already off is left as it is", () => {
    const result = setFlag({ root: projectDir, force: true, name: "new-checkout", state: "off" });
    expect(result.changed).toBe(false);
    expect(result.text).toBe("new-checkout is already served off in production: nothing to change in Pulumi.production.yaml.\n");
    expect(fs.readFileSync(path.join(projectDir, PRODUCTION_FILE), "utf8")).toBe(original);
  });
});
