#!/usr/bin/env node
"use strict";
/**
 * `npm run cycles`: every circular import among the project's TypeScript and JavaScript (the
 * program, the CLI, the policy pack, the engine harness, the tests), found by madge, and every
 * import that crosses the architecture's layers the wrong way (ARCHITECTURE.md, "Who may import
 * whom": LAYERS below). `npm test` runs the same check (test/build/importCycles.test.ts) and fails
 * on either.
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
 * What each top-level folder (or root file) of the architecture may import from the others: a
 * folder, or one file of a folder where only that file is shared. A folder not listed (build,
 * bench, tools, test) may import anything; imports inside a folder are always allowed.
 */
const LAYERS = {
  contract: [],
  config: ["contract"],
  components: ["contract", "config"],
  release: ["contract", "config"],
  // The pack runs alone in the engine: the contract, and the build's manifest of its own files.
  "policy-pack": ["contract", "build/manifest.js"],
  // The report's tables, and the pack's strictness table (to judge a weakened policy config).
  gate: ["contract", "config", "providers", "release/textTable.ts", "policy-pack/policies/shared/strictness.ts"],
  providers: ["gate/sdk.ts"],
  // The gap report is the gate's verdict in the CLI's JSON envelope.
  importer: ["contract", "config", "components", "gate", "cli/envelope.ts"],
  engine: ["contract", "config", "gate", "providers", "release"],
  "index.ts": ["contract", "config", "components", "release"],
  cli: ["contract", "config", "components", "release", "gate", "importer"],
  bin: ["build", "cli"],
};

/** The top-level folder (or root file) a project path belongs to. */
function layerOf(file) {
  return file.split("/")[0];
}

/**
 * The imports in `graph` (madge's `{file: [imported files]}`, paths relative to the root) that
 * `layers` does not allow, as `"importer -> imported"`.
 */
function findLayerViolations(graph, layers = LAYERS) {
  const violations = [];
  for (const [file, imports] of Object.entries(graph)) {
    const allowed = layers[layerOf(file)];
    if (allowed === undefined) continue;
    for (const imported of imports) {
      const layer = layerOf(imported);
      if (layer === layerOf(file) || allowed.includes(layer) || allowed.includes(imported)) continue;
      violations.push(`${file} -> ${imported}`);
    }
  }
  return violations.sort();
}

/** madge's import graph of `sources` (paths relative to `root`). */
async function importGraph(root = ROOT, sources = SOURCES) {
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
  return result;
}

/**
 * The circular imports among `sources` (paths relative to `root`): each one a list of files,
 * each importing the next and the last importing the first.
 */
async function findImportCycles(root = ROOT, sources = SOURCES) {
  return (await importGraph(root, sources)).circular();
}

/** The project's import cycles and the imports that cross its layers the wrong way, from one graph. */
async function checkImports(root = ROOT, sources = SOURCES, layers = LAYERS) {
  const graph = await importGraph(root, sources);
  return { cycles: graph.circular(), violations: findLayerViolations(graph.obj(), layers) };
}

if (require.main === module) {
  checkImports().then(
    ({ cycles, violations }) => {
      if (cycles.length === 0 && violations.length === 0) {
        process.stdout.write("no import cycles, no import across the layers (ARCHITECTURE.md)\n");
        return;
      }
      if (cycles.length > 0) process.stderr.write(`${cycles.length} import cycle${cycles.length === 1 ? "" : "s"}:\n`);
      for (const cycle of cycles) process.stderr.write(`  ${[...cycle, cycle[0]].join(" -> ")}\n`);
      if (violations.length > 0)
        process.stderr.write(
          `${violations.length} import${violations.length === 1 ? "" : "s"} across the layers (ARCHITECTURE.md, "Who may import whom"):\n`,
        );
      for (const violation of violations) process.stderr.write(`  ${violation}\n`);
      process.exitCode = 1;
    },
    (err) => {
      process.stderr.write(`cycles: ${err instanceof Error ? err.stack : String(err)}\n`);
      process.exitCode = 3;
    },
  );
}

module.exports = { checkImports, findImportCycles, findLayerViolations, LAYERS, SOURCES };
