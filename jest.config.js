/**
 * `npm test`: every suite but the end-to-end ones (test/suites.js: `npm run test:e2e`), offline:
 * Pulumi's mock runtime, the real policy pack over gRPC.
 */
const { END_TO_END_PATTERNS } = require("./test/suites");

module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test", "<rootDir>/policy-pack"],
  testMatch: ["**/*.test.ts"],
  // The engine tests need the built Pulumi CLI: `npm run test:engine` runs them (jest.engine.config.js).
  testPathIgnorePatterns: ["/node_modules/", "<rootDir>/test/engine/", ...END_TO_END_PATTERNS],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }],
  },
  // The suites that run bin/slipway.js or the policy pack run their build: bring it up to date.
  globalSetup: "<rootDir>/build/jestGlobalSetup.js",
  // Pulumi's mock runtime keeps global state per process: isolate suites in workers.
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
  maxWorkers: 2,
  testTimeout: 60000,
};
