"use strict";
/**
 * Jest's globalSetup: bring the build up to date before the suites run, so the tests that run
 * bin/slipway.js or the policy pack run the current sources' build (a no-op when it is current).
 * A failed build (a pack that does not type-check) is reported and the run goes on: the pack
 * and the CLI then run from their sources, and the tests that need them say what is wrong.
 */
const { main } = require("./build");

module.exports = async function buildBeforeTests() {
  let code;
  try {
    code = main([]);
  } catch (err) {
    process.stderr.write(`slipway build: ${err instanceof Error ? err.stack : err}\n`);
    code = 1;
  }
  if (code !== 0)
    process.stderr.write("slipway build failed (above): the suites run slipway and the policy pack from their TypeScript sources\n");
};
