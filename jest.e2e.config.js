/** `npm run test:e2e`: the end-to-end suites `npm test` leaves out (test/suites.js), with the same setup. */
const base = require("./jest.config");
const { END_TO_END, END_TO_END_PATTERNS } = require("./test/suites");

module.exports = {
  ...base,
  testPathIgnorePatterns: base.testPathIgnorePatterns.filter((pattern) => !END_TO_END_PATTERNS.includes(pattern)),
  testMatch: END_TO_END.map((suite) => (suite.endsWith("/") ? `<rootDir>/${suite}**/*.test.ts` : `<rootDir>/${suite}`)),
};
