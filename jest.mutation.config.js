/**
 * The policy unit tests alone, as mutation testing runs them (stryker.config.json): they import
 * the pack's TypeScript sources directly, so they need no build (no globalSetup) and no reporter.
 */
const base = require("./jest.config");

module.exports = {
  testEnvironment: base.testEnvironment,
  transform: base.transform,
  testTimeout: base.testTimeout,
  // The pack's sources are a root too, so jest's findRelatedTests (Stryker runs a mutant's file's
  // related tests) follows a shared helper to the tests that reach it through a policy.
  roots: ["<rootDir>/test/policies", "<rootDir>/policy-pack/policies"],
  testMatch: ["**/*.test.ts"],
};
