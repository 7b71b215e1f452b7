#!/usr/bin/env node
"use strict";
/**
 * `npm run build` (and `prepare`, so `npm ci` runs it): Slipway's TypeScript, compiled once.
 *
 * - The CLI and the program's modules (index.ts, cli/, components/, config/, contract/, gate/, importer/,
 *   providers/, release/) go to
 *   dist/<path>.js, one module per source, transpiled with tsconfig.json's options. The root
 *   tsconfig sets isolatedModules, so each file compiles alone exactly as under tsx or ts-jest;
 *   type errors stay `npm run typecheck`'s job, as before. bin/slipway.js runs these modules in
 *   place of their sources (build/register.js).
 * - The policy pack goes to policy-pack/dist/, type-checked with the pack's own tsconfig.json:
 *   the engine's run-policy-pack type-checks a TypeScript pack, so a pack that does not
 *   type-check fails its build rather than running. policy-pack/entry.js loads it.
 *
 * Each output gets a manifest of the sources it compiled (build/manifest.js); a build whose
 * sources and toolchain are unchanged is not redone (`--force` redoes it). An output is built
 * beside its place and swapped in whole, so a command running meanwhile sees the old build or
 * the new one, never half of one. Without TypeScript installed (an install that omits dev
 * dependencies) nothing is built, saying so: slipway and the pack then run from their sources.
 *
 * Usage: node build/build.js [--force] [--cli] [--pack]   (default: both)
 */
const fs = require("node:fs");
const path = require("node:path");
const {
  ROOT,
  MANIFEST_VERSION,
  CLI_BUILD,
  PACK_BUILD,
  sourceKey,
  sha256,
  readSource,
  unchanged,
  readManifest,
  whyStale,
} = require("./manifest");

/** Directories of the CLI build, besides index.ts. */
const CLI_SOURCE_DIRS = ["cli", "components", "config", "contract", "gate", "importer", "providers", "release"];

function log(message) {
  process.stderr.write(`slipway build: ${message}\n`);
}

/** Installed version of a package as resolved from `from`, or undefined. */
function packageVersion(name, from = ROOT) {
  try {
    return JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`, { paths: [from] }), "utf8")).version;
  } catch {
    return undefined;
  }
}

/** Every .ts source under `dir` (recursively), tests and declarations excluded. */
function tsFiles(dir) {
  const files = [];
  if (!fs.existsSync(dir)) return files;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "node_modules" && entry.name !== "dist") files.push(...tsFiles(full));
    } else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") && !entry.name.endsWith(".test.ts")) {
      files.push(full);
    }
  }
  return files;
}

class BuildError extends Error {}

function diagnosticsError(ts, diagnostics) {
  const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => "\n" };
  return new BuildError(`\n${ts.formatDiagnostics(diagnostics, host).trimEnd()}`);
}

/** A tsconfig as the TypeScript API parses it; config errors throw. */
function parseTsconfig(ts, tsconfig) {
  let fatal;
  const parsed = ts.getParsedCommandLineOfConfigFile(tsconfig, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => (fatal = d) });
  if (fatal !== undefined) throw diagnosticsError(ts, [fatal]);
  if (parsed.errors.length > 0) throw diagnosticsError(ts, parsed.errors);
  return parsed;
}

/** Why `build` must be (re)done, or undefined when it stands; `files` are the sources it would compile now. */
function needsBuild(build, toolchain, files, force) {
  if (force) return "forced";
  const manifest = readManifest(build);
  if (manifest !== undefined && JSON.stringify(manifest.toolchain) !== JSON.stringify(toolchain)) return "the toolchain changed";
  const stale = whyStale(build, manifest);
  if (stale !== undefined) return stale;
  const added = files.map(sourceKey).find((key) => !(key in manifest.sources));
  return added === undefined ? undefined : `${added} is new since the last build`;
}

/**
 * Build into a fresh directory beside `build.outDir` with `write(dir)`, which returns the
 * manifest's sources; then write the manifest and swap the directory in.
 */
function buildInto(build, toolchain, write) {
  const staging = `${build.outDir}.building-${process.pid}`;
  const retired = `${build.outDir}.old-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  fs.mkdirSync(staging, { recursive: true });
  try {
    const sources = write(staging);
    const sorted = Object.fromEntries(
      Object.keys(sources)
        .sort()
        .map((key) => [key, sources[key]]),
    );
    fs.writeFileSync(
      path.join(staging, path.basename(build.manifest)),
      `${JSON.stringify({ version: MANIFEST_VERSION, toolchain, sources: sorted }, null, 1)}\n`,
    );
    if (fs.existsSync(build.outDir)) fs.renameSync(build.outDir, retired);
    try {
      fs.renameSync(staging, build.outDir);
    } catch (err) {
      // Another build (a second jest run) swapped its output in meanwhile: it is as current.
      if (err.code !== "ENOTEMPTY" && err.code !== "EEXIST") throw err;
    }
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
    fs.rmSync(retired, { recursive: true, force: true });
  }
}

function seconds(started) {
  return `${((Date.now() - started) / 1000).toFixed(1)}s`;
}

function buildCli(loadTs, force) {
  const toolchain = { typescript: packageVersion("typescript") };
  const files = [path.join(ROOT, "index.ts"), ...CLI_SOURCE_DIRS.flatMap((dir) => tsFiles(path.join(ROOT, dir)))];
  const reason = needsBuild(CLI_BUILD, toolchain, files, force);
  if (reason === undefined) return log(`CLI and program: up to date (${sourceKey(CLI_BUILD.outDir)}/)`);
  const ts = loadTs();
  const started = Date.now();
  const tsconfig = path.join(ROOT, "tsconfig.json");
  const { options } = parseTsconfig(ts, tsconfig);
  if (!options.isolatedModules) throw new BuildError("tsconfig.json must keep isolatedModules: the CLI build compiles each file alone");
  const compilerOptions = {
    ...options,
    noEmit: false,
    sourceMap: false,
    inlineSourceMap: true,
    inlineSources: false,
    declaration: false,
    declarationMap: false,
  };
  buildInto(CLI_BUILD, toolchain, (dir) => {
    // tsconfig.json is a source too: its options shape every module.
    const sources = { [sourceKey(tsconfig)]: readSource(tsconfig).record };
    for (const file of files) {
      const { content, record } = readSource(file);
      const output = ts.transpileModule(content.toString("utf8"), { compilerOptions, fileName: file, reportDiagnostics: true });
      if (output.diagnostics && output.diagnostics.length > 0) throw diagnosticsError(ts, output.diagnostics);
      const target = path.join(dir, sourceKey(file).replace(/\.ts$/, ".js"));
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, output.outputText);
      sources[sourceKey(file)] = record;
    }
    return sources;
  });
  log(`CLI and program: ${files.length} modules -> ${sourceKey(CLI_BUILD.outDir)}/ in ${seconds(started)} (${reason})`);
}

function buildPack(loadTs, force) {
  const packDir = path.join(ROOT, "policy-pack");
  const toolchain = {
    typescript: packageVersion("typescript"),
    "@pulumi/policy": packageVersion("@pulumi/policy", packDir),
    "@pulumi/pulumi": packageVersion("@pulumi/pulumi", packDir),
  };
  // What the pack's tsconfig can include (its directory and contract/): a new file there may be part of it.
  const candidates = [...tsFiles(packDir), ...tsFiles(path.join(ROOT, "contract"))];
  const reason = needsBuild(PACK_BUILD, toolchain, candidates, force);
  if (reason === undefined) return log(`policy pack: up to date (${sourceKey(PACK_BUILD.outDir)}/)`);
  const ts = loadTs();
  const started = Date.now();
  const tsconfig = path.join(packDir, "tsconfig.json");
  const tsconfigSource = readSource(tsconfig);
  const parsed = parseTsconfig(ts, tsconfig);
  let count = 0;
  buildInto(PACK_BUILD, toolchain, (dir) => {
    const options = {
      ...parsed.options,
      noEmit: false,
      noEmitOnError: true,
      outDir: dir,
      rootDir: ROOT,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: false,
      declaration: false,
      declarationMap: false,
      incremental: false,
      composite: false,
    };
    const program = ts.createProgram({ rootNames: parsed.fileNames, options, projectReferences: parsed.projectReferences });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    if (diagnostics.length > 0) throw diagnosticsError(ts, diagnostics);
    const emitted = program.emit();
    if (emitted.emitSkipped || emitted.diagnostics.length > 0) throw diagnosticsError(ts, emitted.diagnostics);
    if (!fs.existsSync(path.join(dir, path.relative(PACK_BUILD.outDir, PACK_BUILD.entry)))) {
      throw new BuildError(`the pack's build has no ${sourceKey(PACK_BUILD.entry)}`);
    }
    // Record each source as the compiler read it: one edited meanwhile fails this build.
    const sources = { [sourceKey(tsconfig)]: tsconfigSource.record };
    if (!unchanged(tsconfig, tsconfigSource.record)) throw new BuildError(`${sourceKey(tsconfig)} changed during the build: build again`);
    for (const source of program.getSourceFiles()) {
      const file = path.resolve(source.fileName);
      if (file.split(path.sep).includes("node_modules") || file.endsWith(".d.ts")) continue;
      const { record } = readSource(file);
      if (record.sha256 !== sha256(Buffer.from(source.text, "utf8")))
        throw new BuildError(`${sourceKey(file)} changed during the build: build again`);
      sources[sourceKey(file)] = record;
      count++;
    }
    return sources;
  });
  log(`policy pack: type-checked, ${count} modules -> ${sourceKey(PACK_BUILD.outDir)}/ in ${seconds(started)} (${reason})`);
}

/** Run the build; resolves to the exit code (0 built or up to date, 1 failed, 2 bad usage). */
function main(argv) {
  const force = argv.includes("--force");
  const only = argv.filter((arg) => arg === "--cli" || arg === "--pack");
  const unknown = argv.filter((arg) => !["--force", "--cli", "--pack"].includes(arg));
  if (unknown.length > 0) {
    log(`unknown argument ${unknown[0]} (usage: node build/build.js [--force] [--cli] [--pack])`);
    return 2;
  }
  if (packageVersion("typescript") === undefined) {
    log(
      "TypeScript is not installed (dev dependencies omitted?): nothing built; slipway and the policy pack run from their TypeScript sources",
    );
    return 0;
  }
  let ts;
  const loadTs = () => (ts ??= require(require.resolve("typescript", { paths: [ROOT] })));
  try {
    if (only.length === 0 || only.includes("--cli")) buildCli(loadTs, force);
    if (only.length === 0 || only.includes("--pack")) buildPack(loadTs, force);
  } catch (err) {
    if (!(err instanceof BuildError)) throw err;
    log(`failed: ${err.message}`);
    return 1;
  }
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));

module.exports = { main };
