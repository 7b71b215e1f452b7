/**
 * Every gate variant again, judged the way `slipway gate --state` judges a `pulumi stack export`:
 * each variant's project is applied (an update run, so ids and outputs are known, as in state),
 * exported with --show-secrets (as the engine hands the pack decrypted state), read back and judged. What a variant breaks must be caught in a stack
 * export exactly as in the program run: users point the gate at state Slipway never wrote.
 */
import { readStackExport } from "../../gate";
import { UserError } from "../../cli/errors";
import { mandatoryPolicies, runProjectStack, toStackExport, writeJson } from "./support";
import { copyProject, makeScratch, removeScratch } from "../support/project";
import { VARIANTS, type VariantGates, type VariantSpec, openVariantGates, prepareVariant } from "./variants";

const HOOK_TIMEOUT_MS = 180_000;
/** An update run and a judgement per variant. */
const VARIANT_TIMEOUT_MS = 120_000;

let scratch: string;
let gates: VariantGates;

beforeAll(async () => {
  scratch = makeScratch();
  gates = await openVariantGates(scratch);
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await gates?.close();
  removeScratch(scratch);
}, HOOK_TIMEOUT_MS);

/** The variants a stack export can hold: those whose program runs (a config error registers nothing to export). */
const EXPORTABLE = VARIANTS.filter(
  (variant): variant is VariantSpec & { expect: { refusedBy: string[] } | { passes: true } } => !("configError" in variant.expect),
);

describe("each variant, exported from state, gets the verdict it gets as a program", () => {
  it.each(EXPORTABLE.map((variant) => [variant.title, variant] as const))(
    "%s",
    async (_title, variant) => {
      const projectDir = copyProject(scratch, `state-${variant.name}`);
      prepareVariant(variant, projectDir);
      const applied = await runProjectStack(projectDir, variant.stack, false).catch((error: unknown) => {
        // A variant whose program refuses to apply says so the same way as in preview.
        throw error instanceof UserError ? new Error(`variant '${variant.name}' did not apply: ${error.message}`) : error;
      });
      const file = writeJson(scratch, `${variant.name}.export.json`, toStackExport(applied, { showSecrets: true }));
      const report = await gates.judge(variant.policyConfig, readStackExport(file));
      const expected = "passes" in variant.expect ? [] : [...variant.expect.refusedBy].sort();
      expect(mandatoryPolicies(report)).toEqual(expected);
    },
    VARIANT_TIMEOUT_MS,
  );
});
