#!/usr/bin/env node
"use strict";
/**
 * `npm run cycles`: every circular import among the project's TypeScript and JavaScript (the
 * program, the CLI, the policy pack, the engine harness, the tests), found by madge. `npm test`
 * runs the same check (test/build/importCycles.test.ts) and fails on any cycle.
 *
 * Type-only imports count (a cycle of types is still a tangle), and so do lazy `require()` calls:
 * a module the CLI loads on demand is still a dependency.
 */
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** The project's source folders and files, relative to the root. */
const SOURCES = [
  "index.ts",
  "bin",
  "build",
  "cli",
  "components",
  "config",
  "contract",
  "gate",
  "release",
  "engine",
  "importer",
  "providers",
  "policy-pack",
  "bench",
  "tools",
  "test",
];

/** Builds, dependencies and test data are not the project's modules. */
const EXCLUDE = [/(^|[\\/])(node_modules|dist|coverage|reports)[\\/]/];

/**
 * The circular imports among `sources` (paths relative to `root`): each one a list of files,
 * each importing the next and the last importing the first.
 */
async function findImportCycles(root = ROOT, sources = SOURCES) {
  const madge = require("madge");
  const fs = require("node:fs");
  const tsConfig = path.join(root, "tsconfig.json");
  const result = await madge(
    sources.map((source) => path.join(root, source)).filter((source) => fs.existsSync(source)),
    {
      baseDir: root,
      fileExtensions: ["ts", "js", "mjs", "cjs"],
      ...(fs.existsSync(tsConfig) ? { tsConfig } : {}),
      excludeRegExp: EXCLUDE,
      detectiveOptions: { ts: { mixedImports: true }, es6: { mixedImports: true } },
    },
  );
  return result.circular();
}

if (require.main === module) {
  findImportCycles().then(
    (cycles) => {
      if (cycles.length === 0) {
        process.stdout.write("no import cycles\n");
        return;
      }
      process.stderr.write(`${cycles.length} import cycle${cycles.length === 1 ? "" : "s"}:\n`);
      for (const cycle of cycles) process.stderr.write(`  ${[...cycle, cycle[0]].join(" -> ")}\n`);
      process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`cycles: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 3;
    },
  );
}

module.exports = { findImportCycles, SOURCES };
