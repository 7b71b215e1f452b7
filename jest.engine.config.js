/** `npm run test:engine`: the real Pulumi engine (built by `npm run engine:build`) in the loop. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/test/engine"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.ts$": ["ts-jest", { tsconfig: "<rootDir>/tsconfig.json", diagnostics: false }],
  },
  // The suites that run bin/slipway.js or the policy pack run their build: bring it up to date.
  globalSetup: "<rootDir>/build/jestGlobalSetup.js",
  reporters: ["default", "<rootDir>/test/summaryReporter.js"],
  // Each test drives pulumi, the stand-in providers and the pack: two at a time fill 2 cores.
  maxWorkers: 2,
  testTimeout: 600000,
};
