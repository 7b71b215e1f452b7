/**
 * The ledger's and the config contract's unit tests, as mutation testing runs them
 * (MUTATION_SCOPE=contracts in stryker.config.mjs): in-process, no build (no globalSetup).
 */
const base = require("./jest.config");

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  testTimeout: base.testTimeout,
  // The sources are roots too, so jest's findRelatedTests follows release/ and config/ to the tests
  // that reach them.
  roots: ["<rootDir>/test/release", "<rootDir>/test/config", "<rootDir>/release", "<rootDir>/config", "<rootDir>/contract"],
  testMatch: ["**/*.test.ts"],
  // It runs a whole offline program (provider schemas, the engine driver), which the sandbox does not
  // hold; its subject is config/stackSecrets.ts, which is not mutated.
  testPathIgnorePatterns: ["/node_modules/", "/test/config/stackSecrets\\.test\\.ts$"],
};
