"use strict";
/**
 * What a build compiled, and whether it still stands for the sources.
 *
 * `npm run build` (build/build.js, run by `npm ci` through `prepare`) writes a manifest beside
 * each output: the toolchain it compiled with and every source file it compiled, with its size,
 * mtime and SHA-256. A compiled module is used only while its source is unchanged: same size and
 * mtime, or, when only the mtime moved (a checkout, a copy, a tarball), the same content. So an
 * edited source is never shadowed by an old build, and checking costs one stat per module.
 *
 * Plain JavaScript on purpose: bin/slipway.js and the policy pack's entry read it before anything
 * is compiled.
 */
const crypto = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

/** The repository root. */
const ROOT = path.resolve(__dirname, "..");

/** Bumped when the manifest's shape or the build's output layout changes. */
const MANIFEST_VERSION = 1;

/** The CLI's and the program's build: dist/<source path>.js, one module per source. */
const CLI_BUILD = {
  name: "cli",
  outDir: path.join(ROOT, "dist"),
  manifest: path.join(ROOT, "dist", "manifest.json"),
};

/** The policy pack's build: policy-pack/dist/<path from the root>.js (the pack reaches ../contract). */
const PACK_BUILD = {
  name: "policy pack",
  outDir: path.join(ROOT, "policy-pack", "dist"),
  manifest: path.join(ROOT, "policy-pack", "dist", "manifest.json"),
  entry: path.join(ROOT, "policy-pack", "dist", "policy-pack", "index.js"),
};

/** Forward-slash path of `file` relative to the root: the manifest's key. */
function sourceKey(file) {
  return path.relative(ROOT, file).split(path.sep).join("/");
}

function sha256(content) {
  return crypto.createHash("sha256").update(content).digest("hex");
}

/**
 * Read a source for compiling, with the record that says it is this content: the stat is taken
 * on both sides of the read, so a file edited meanwhile is read again rather than recorded with
 * another version's size and mtime.
 */
function readSource(file) {
  for (;;) {
    const before = fs.statSync(file);
    const content = fs.readFileSync(file);
    const after = fs.statSync(file);
    if (before.mtimeMs === after.mtimeMs && before.size === after.size && content.length === after.size) {
      return { content, record: { size: after.size, mtimeMs: after.mtimeMs, sha256: sha256(content) } };
    }
  }
}

/** Whether `file` is the source `record` was taken from. */
function unchanged(file, record) {
  let stat;
  try {
    stat = fs.statSync(file);
  } catch {
    return false;
  }
  if (stat.size !== record.size) return false;
  if (stat.mtimeMs === record.mtimeMs) return true;
  return sha256(fs.readFileSync(file)) === record.sha256;
}

/** The manifest of a build, or undefined when there is none (or one of another layout). */
function readManifest(build) {
  try {
    const manifest = JSON.parse(fs.readFileSync(build.manifest, "utf8"));
    return manifest && manifest.version === MANIFEST_VERSION && manifest.sources ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a build does not stand for the sources as they are (a sentence), or undefined when every
 * source it compiled is unchanged. Sources added since are not seen here: a module that imports
 * one has changed itself.
 */
function whyStale(build, manifest = readManifest(build)) {
  if (manifest === undefined) return `no build in ${sourceKey(build.outDir)}/`;
  for (const [key, record] of Object.entries(manifest.sources)) {
    if (!unchanged(path.join(ROOT, key), record)) {
      return fs.existsSync(path.join(ROOT, key)) ? `${key} changed since the last build` : `${key}, which the last build compiled, is gone`;
    }
  }
  return undefined;
}

module.exports = { ROOT, MANIFEST_VERSION, CLI_BUILD, PACK_BUILD, sourceKey, sha256, readSource, unchanged, readManifest, whyStale };
