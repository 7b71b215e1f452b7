/**
 * The release tests and the config contract's tests, as mutation testing runs them
 * (MUTATION_SCOPE=contracts in stryker.config.mjs): in-process, no build (no globalSetup). The
 * ledger's release rules are pinned by the release commands' suites (promote, rollback, migrated)
 * as much as by ledger.test.ts: without them a third of the rules' mutants had no test at all.
 */
// The policy tests' mutation config (environment, transform, timeout: no globalSetup), other tests.
const policies = require("./jest.mutation.config");

module.exports = {
  ...policies,
  // The sources are roots too, so jest's findRelatedTests follows release/ and config/ to the tests
  // that reach them.
  roots: [
    "<rootDir>/test/release",
    "<rootDir>/test/config",
    "<rootDir>/test/apps",
    "<rootDir>/release",
    "<rootDir>/config",
    "<rootDir>/contract",
  ],
  // test/apps/config.test.ts: the apps, databases and flags sections' config errors, parse-only and fast.
  testMatch: ["**/test/release/*.test.ts", "**/test/config/*.test.ts", "**/test/apps/config.test.ts"],
  // It runs a whole offline program (provider schemas, the engine driver), which the sandbox does not
  // hold; its subject is config/stackSecrets.ts, which is not mutated.
  testPathIgnorePatterns: ["/node_modules/", "/test/config/stackSecrets\\.test\\.ts$"],
};
