/**
 * `npm test` and `npm run test:e2e` split the suites between them (test/suites.js): every listed
 * end-to-end suite exists, so a renamed suite cannot silently drop out of both runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";

const { END_TO_END } = require("../suites") as { END_TO_END: string[] };
const ROOT = path.resolve(__dirname, "..", "..");

describe("the end-to-end suites test:e2e runs", () => {
  test.each(END_TO_END)("%s exists and holds suites", (suite) => {
    const where = path.join(ROOT, suite);
    expect(fs.existsSync(where)).toBe(true);
    if (suite.endsWith("/")) expect(fs.readdirSync(where).some((file) => file.endsWith(".test.ts"))).toBe(true);
    else expect(suite).toMatch(/\.test\.ts$/);
  });
});
