/**
 * Which suites `npm test` runs and which wait for `npm run test:e2e`: the end-to-end suites run
 * whole programs, the CLI and policy packs in fresh processes, and take minutes on 2 cores, so a
 * maintainer's `npm test` leaves them out; CI (.ci/run) runs both. A suite is listed here by its
 * path under test/, and belongs to exactly one of the two (test/build/suites.test.ts checks).
 */
const END_TO_END = [
  "test/e2e/",
  "test/build/precompiled.test.ts",
  "test/importer/roundTrip.test.ts",
  "test/importer/cli.test.ts",
  "test/cli/cli.test.ts",
  "test/cli/commands.test.ts",
  "test/cli/gate.test.ts",
  "test/gate/failClosed.test.ts",
  "test/gate/policyConfig.test.ts",
  "test/gate/packStart.test.ts",
  // The gate CLI in a fresh process (SARIF), and the gate starting a pack process.
  "test/gate/sarif.test.ts",
  "test/gate/judge.test.ts",
  // Whole programs and the generated job scripts run under bash with the real CLI.
  "test/flags/servedFlags.test.ts",
  "test/flags/deployRecordsFlags.test.ts",
  "test/github/flagSwitch.test.ts",
  "test/github/goLive.test.ts",
  "test/github/paperTrail.test.ts",
  // Whole programs in the gate's child process.
  "test/cli/providerSchemas.test.ts",
  "test/gate/locate.test.ts",
  "test/github/migrationsProgram.test.ts",
  "test/github/requiredGate.test.ts",
];

/** Jest path patterns (regular expressions on absolute paths) of the end-to-end suites. */
const END_TO_END_PATTERNS = END_TO_END.map((suite) => `<rootDir>/${suite.replace(/[.]/g, "\\.")}`);

module.exports = { END_TO_END, END_TO_END_PATTERNS };
