"use strict";
/**
 * Runs Slipway's TypeScript modules from their precompiled JavaScript: `require`d first (by
 * bin/slipway.js, or `node --require build/register.js`), it serves every `.ts` module the CLI
 * build compiled (dist/, see build/build.js) from its compiled JavaScript, as long as the source
 * is unchanged since that build. Modules keep their source file names, so `__dirname`, relative
 * requires and `require.main` are what they are under tsx: nothing depends on where dist/ is.
 *
 * A `.ts` module the build did not compile, or whose source changed since, is compiled on the
 * fly by tsx, as before there was a build. When that module is one of the CLI's own (no build,
 * a stale build), one note on stderr says so and how to precompile. `SLIPWAY_FROM_SOURCE=1`
 * ignores the build (what `npm run bench` measures against), without the note.
 *
 * Stack traces name the .ts files with the compiled code's line numbers; run with
 * `NODE_OPTIONS=--enable-source-maps` for source lines (the build inlines the source maps).
 */
const fs = require("node:fs");
const Module = require("node:module");
const path = require("node:path");
const { CLI_BUILD, ROOT, readManifest, sourceKey, unchanged } = require("./manifest");

const fromSource = Boolean(process.env.SLIPWAY_FROM_SOURCE) && process.env.SLIPWAY_FROM_SOURCE !== "0";
let manifest = fromSource ? undefined : readManifest(CLI_BUILD);
/** Why no module can come from the build, when none can. */
let unusable = manifest === undefined ? `no build in ${sourceKey(CLI_BUILD.outDir)}/` : undefined;
// The build's config files (tsconfig.json) shape every module: one changed voids the whole build.
for (const [key, record] of Object.entries(manifest ? manifest.sources : {})) {
  if (!key.endsWith(".ts") && !unchanged(path.join(ROOT, key), record)) {
    manifest = undefined;
    unusable = `${key} changed since the last build`;
    break;
  }
}

/** tsx's `.ts` loader, registered on first need. */
let tsxLoader;
let noted = false;
/** Modules served compiled and through tsx, for tests and the benchmark. */
const served = { compiled: 0, tsx: 0 };

function throughTsx(module, filename) {
  if (tsxLoader === undefined) {
    const ours = Module._extensions[".ts"];
    require("tsx/cjs/api").register();
    tsxLoader = Module._extensions[".ts"];
    // tsx stays registered for everything else it handles; `.ts` keeps coming here first.
    Module._extensions[".ts"] = ours;
  }
  served.tsx++;
  return tsxLoader(module, filename);
}

function isOwnSource(key) {
  return (
    !key.startsWith("../") &&
    !path.isAbsolute(key) &&
    (key === "index.ts" || /^(cli|components|config|contract|gate|importer|providers|release)\//.test(key))
  );
}

function loadTypeScript(module, filename) {
  const key = sourceKey(filename);
  const record = manifest?.sources[key];
  let compiled;
  if (record !== undefined && unchanged(filename, record)) {
    try {
      compiled = fs.readFileSync(path.join(CLI_BUILD.outDir, key.replace(/\.ts$/, ".js")), "utf8");
    } catch {
      // A build with a module missing: compile that one.
    }
  }
  if (compiled !== undefined) {
    served.compiled++;
    return module._compile(compiled, filename);
  }
  if (!noted && !fromSource && isOwnSource(key)) {
    noted = true;
    const why =
      unusable ??
      (record === undefined
        ? `${key} is not in the last build`
        : compiled === undefined && unchanged(filename, record)
          ? `${key}'s build is missing`
          : `${key} changed since the last build`);
    process.stderr.write(`slipway: ${why}: running the TypeScript sources through tsx (\`npm run build\` precompiles them)\n`);
  }
  return throughTsx(module, filename);
}

Module._extensions[".ts"] = loadTypeScript;

module.exports = { served };
