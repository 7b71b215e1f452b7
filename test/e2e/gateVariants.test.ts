/**
 * Through the gate: the example stacks pass, and each variant that breaks ONE invariant of the
 * playbook (test/e2e/variants.ts) is refused by exactly the policies that guard it. The engine's
 * differential test judges the same variants with `pulumi preview` and expects the same verdicts.
 */
import type { GateReport } from "../../gate";
import { UserError } from "../../cli/errors";
import type { RecordedStack } from "../../gate/model";
import { type Variant, VariantRuns, mandatoryPolicies, messagesOf, violatedPolicies } from "./support";
import { makeScratch, removeScratch } from "../support/project";
import { EXAMPLES, VARIANTS, type VariantGates, type VariantSpec, openVariantGates, prepareVariant } from "./variants";
import { policies } from "../../policy-pack/policies";

/** Hooks start packs and program runs; the pack's type-check alone can take 13 s on a busy machine. */
const HOOK_TIMEOUT_MS = 180_000;

let scratch: string;
/** The team's policy config, and the strict one (production hosts/databases named, a freeze window around now). */
let gates: VariantGates;

const runs = new VariantRuns(2);
const declared = new Map<VariantSpec, Variant>();
for (const variant of [...EXAMPLES, ...VARIANTS])
  declared.set(
    variant,
    runs.define(variant.name, variant.stack, (dir) => prepareVariant(variant, dir)),
  );

/**
 * Policies whose only variants are config edits: both judge the release manifest
 * (SLIPWAY_RELEASE_MANIFEST), which only Slipway's program writes; a program without one is
 * refused by release-metadata, tested in test/policies. Shrink, never grow.
 */
const FOREIGN_GAPS: string[] = ["change-freeze", "release-metadata"];

/** The run of a declared variant, by name. */
function runOf(name: string): Promise<RecordedStack> {
  const variant = [...declared.keys()].find((candidate) => candidate.name === name);
  if (!variant) throw new Error(`no variant named ${name}`);
  return declared.get(variant)!.recorded();
}

beforeAll(async () => {
  scratch = makeScratch();
  // Programs run while both packs start.
  runs.startAll(scratch);
  gates = await openVariantGates(scratch);
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await gates?.close();
  removeScratch(scratch);
}, HOOK_TIMEOUT_MS);

/** Judge a variant's run with the policy config it names. */
async function judge(variant: VariantSpec): Promise<GateReport> {
  const recorded = await declared.get(variant)!.recorded();
  return gates.judge(variant.policyConfig, recorded);
}

describe("the example stacks", () => {
  it.each(EXAMPLES.map((example) => [example.stack, example] as const))(
    "%s passes the gate with no violation at all, every policy judging every resource",
    async (_stack, example) => {
      const recorded = await declared.get(example)!.recorded();
      const report = await gates.judge("team", recorded);
      expect(report.violations).toEqual([]);
      expect(report.stack).toBe(recorded.stack);
      expect(report.policies).toBe(31);
      expect(report.resources).toBe(recorded.resources.length);
      expect(report.resources).toBeGreaterThan(0);
    },
  );
});

describe("the variants cover the pack", () => {
  const refusing = (variants: VariantSpec[]): Set<string> =>
    new Set(variants.flatMap((variant) => ("refusedBy" in variant.expect ? variant.expect.refusedBy : [])));

  it("every policy of the pack refuses at least one variant", () => {
    const covered = refusing(VARIANTS);
    expect(policies.map((policy) => policy.name).filter((name) => !covered.has(name))).toEqual([]);
  });

  it("every policy refuses a variant seeded by a program edit or a hand-written resource, not only by Slipway's own config", () => {
    // Config edits go through Slipway's components; a policy must also catch what they never write.
    const foreign = refusing(VARIANTS.filter((variant) => variant.transform !== undefined || variant.addition !== undefined));
    expect(
      policies
        .map((policy) => policy.name)
        .filter((name) => !foreign.has(name))
        .sort(),
    ).toEqual(FOREIGN_GAPS);
  });
});

describe("each variant breaks one invariant and gets exactly its verdict", () => {
  it.each(VARIANTS.map((variant) => [variant.title, variant] as const))("%s", async (_title, variant) => {
    const expectation = variant.expect;
    if ("configError" in expectation) {
      const run = declared.get(variant)!.recorded();
      await expect(run).rejects.toThrow(UserError);
      await expect(run).rejects.toThrow(expectation.configError);
      return;
    }
    const report = await judge(variant);
    if ("passes" in expectation) {
      expect(report.violations).toEqual([]);
      return;
    }
    const sorted = [...expectation.refusedBy].sort();
    expect({ mandatory: mandatoryPolicies(report), all: violatedPolicies(report) }).toEqual({ mandatory: sorted, all: sorted });
    for (const [policy, expected] of expectation.messages ?? []) {
      const messages = messagesOf(report, policy);
      expect(messages).toContainEqual(typeof expected === "string" ? expect.stringContaining(expected) : expect.stringMatching(expected));
    }
  });
});

describe("what the variants show besides the verdict", () => {
  it("a new required check is produced by a generated job, so nothing blocks forever", async () => {
    const recorded = await runOf("new-required-check");
    const ruleset = recorded.resources.find(
      (resource) => resource.type === "github:index/repositoryRuleset:RepositoryRuleset" && resource.name === "storefront-default-branch",
    );
    expect(JSON.stringify(ruleset?.inputs.rules)).toContain('{"context":"e2e"}');
    const prChecks = recorded.resources.find((resource) => resource.name === "workflows-storefront-pr-checks");
    expect(String(prChecks?.inputs.content)).toMatch(/^ {2}e2e:$/m);
  });

  it("marking the release a hotfix changes nothing but the manifest's hotfix and incident fields (and the stack output that shows it)", async () => {
    const [example, hotfixRun] = [await runOf("example-production"), await runOf("hotfix")];
    const changed = differingResources(example, hotfixRun);
    // The rollback environment (rollback.yml) carries the manifest too.
    expect(changed).toEqual([
      "slipway-production",
      "storefront-production-variable-SLIPWAY_RELEASE_MANIFEST",
      "storefront-production-rollback-variable-SLIPWAY_RELEASE_MANIFEST",
    ]);
    const manifestOf = (recorded: RecordedStack) =>
      JSON.parse(String(recorded.resources.find((resource) => resource.name === changed[1])?.inputs.value)) as Record<string, unknown>;
    expect(manifestOf(hotfixRun)).toEqual({ ...manifestOf(example), hotfix: true, incident: "INC-311" });
  });

  it("a token in a variable is never printed in the report", async () => {
    const report = await judge(VARIANTS.find((variant) => variant.name === "token-in-variable")!);
    expect(JSON.stringify(report)).not.toContain(`${["gh", "p_"].join("")}Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc`);
  });
});

/** Names of the resources whose inputs or outputs differ between two runs of the same program. */
function differingResources(left: RecordedStack, right: RecordedStack): string[] {
  const byUrn = new Map(right.resources.map((resource) => [resource.urn, resource]));
  expect(right.resources.map((resource) => resource.urn).sort()).toEqual(left.resources.map((resource) => resource.urn).sort());
  return left.resources
    .filter((resource) => JSON.stringify(resource) !== JSON.stringify(byUrn.get(resource.urn)))
    .map((resource) => resource.name);
}
