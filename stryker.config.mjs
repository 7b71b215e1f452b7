// npm run test:mutation: mutation testing of the policy pack (every file under policy-pack/policies,
// the shared helpers included), driven by the policy unit tests. README: "Mutation testing".

import * as path from "node:path";

// The tests run in a sandbox copy (.stryker-tmp/sandbox-*), where ../shared is not beside them;
// the test runners inherit this, so the reference-data checks find it (test/support/sharedData.ts).
process.env.SLIPWAY_SHARED_DIR ??= path.resolve(import.meta.dirname, "..", "shared");

/** The whole pack. A full run is hours of CPU (README: "Mutation testing"), so CI runs GATED only. */
const ALL = ["policy-pack/policies/**/*.ts"];
/** Files raised to the floor (tools/mutation/fileScores.mjs) that CI holds there: add a file once it scores 85%. */
const GATED = [
  "policy-pack/policies/environments.ts",
  "policy-pack/policies/data.ts",
  "policy-pack/policies/promotion.ts",
  "policy-pack/policies/releaseProcess.ts",
  "policy-pack/policies/apps.ts",
  "policy-pack/policies/flags.ts",
  "policy-pack/policies/repository.ts",
  "policy-pack/policies/workflowSecurity.ts",
];
/**
 * At the floor too (94.80%), but not in CI yet: with its 832 mutants the gated run was 3,027, and a
 * clean clone here judged about 0.9 a second, some 55 of CI's 90 minutes beside the engine tests.
 * MUTATION_SCOPE=policies runs every policy file.
 */
const GATED_LOCALLY = ["policy-pack/policies/deployJobs.ts"];

/**
 * The ledger's rules (`ledger verify`, `record`) and the config contract, driven by the release and config
 * tests (jest.mutation.contracts.config.js); tools/mutation/fileScores.mjs holds them at 80%.
 */
const CONTRACTS = ["release/ledger.ts", "release/ledgerCommands.ts", "config/config.ts"];

const SCOPES = { gated: GATED, policies: [...GATED, ...GATED_LOCALLY], contracts: CONTRACTS, pack: ALL };
const scope = process.env.MUTATION_SCOPE ?? "pack";
if (!(scope in SCOPES)) {
  throw new Error(`MUTATION_SCOPE must be one of ${Object.keys(SCOPES).join(", ")}; got '${scope}'`);
}

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "jest",
  // The policy unit tests import the pack's TypeScript sources: no build, no globalSetup.
  jest: { configFile: scope === "contracts" ? "jest.mutation.contracts.config.js" : "jest.mutation.config.js" },
  plugins: ["@stryker-mutator/jest-runner", "./tools/mutation/ignoreMetadata.mjs"],
  // Catalogue text (descriptions, remediation, tags) is not behaviour: see the plugin.
  ignorers: ["policy-metadata"],
  // MUTATION_SCOPE=gated (.ci/run): the gated policy files; policies: every policy file; contracts: the
  // ledger and config; pack (default): the whole pack, shared helpers included.
  mutate: SCOPES[scope],
  // Each mutant runs only the tests that reach it.
  coverageAnalysis: "perTest",
  // contracts: a static mutant (in config.ts's and ledger.ts's module-level zod schemas) makes Stryker
  // re-run every related test with a fresh module load: 576 of them at 12-30 s each, hours on 2 cores.
  // They are reported as ignored and fileScores counts them apart: for these files the score speaks
  // for the code that runs per call (rules, refinements, parsing), not the schema declarations.
  ignoreStatic: scope === "contracts",
  // A re-run retests only mutants in changed sources or reached by changed tests. The file is
  // git-ignored (reports/): CI starts from a clean clone and judges every gated mutant afresh,
  // because Stryker cannot see changes in test helpers (fixtures.ts, harness.ts, contract/) and a
  // committed file would carry their stale verdicts. After editing a helper: --force.
  incremental: true,
  incrementalFile: `reports/mutation/${scope}/stryker-incremental.json`,
  // CI has 2 cores; override with --concurrency.
  concurrency: 2,
  reporters: ["clear-text", "progress", "json", "html"],
  clearTextReporter: { allowColor: false, logTests: false, reportScoreTable: true },
  // One report (and incremental file) per scope, so running one scope keeps the others' verdicts.
  jsonReporter: { fileName: `reports/mutation/${scope}/mutation.json` },
  htmlReporter: { fileName: `reports/mutation/${scope}/mutation.html` },
  // The per-file floors (85% policy files, 80% ledger and config) are tools/mutation/fileScores.mjs's.
  thresholds: { high: 90, low: 80, break: 80 },
  // Only what the policy tests read is copied to the sandbox (state and builds are large).
  ignorePatterns: ["/.slipway", "/dist", "/policy-pack/dist", "/coverage", "/bench/out", "/providers"],
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
