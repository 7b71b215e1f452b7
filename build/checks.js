#!/usr/bin/env node
"use strict";
/**
 * The static checks `npm test` runs before jest, side by side (2 cores: each is mostly one
 * process): the type-check of the program and of the pack, Biome's lint and format check, and
 * the import rules (no cycle, no import across the layers: build/importCycles.js). Every check
 * runs to the end; the output of a failing one is printed, and any failure fails the step.
 */
const { spawn } = require("node:child_process");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");

/** The checks, as `npm run <script>` runs them (package.json holds the commands). */
const CHECKS = ["typecheck:program", "typecheck:pack", "lint", "cycles"];

function run(script) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn("npm", ["run", "--silent", script], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    child.on("error", (error) => resolve({ script, code: 1, output: String(error), ms: Date.now() - started }));
    child.on("close", (code) => resolve({ script, code, output, ms: Date.now() - started }));
  });
}

Promise.all(CHECKS.map(run)).then((results) => {
  const failed = results.filter((result) => result.code !== 0);
  for (const result of failed) process.stderr.write(`\n== npm run ${result.script} failed:\n${result.output}`);
  process.stdout.write(
    `checks: ${results.map((result) => `${result.script} ${result.code === 0 ? "ok" : "FAILED"} (${(result.ms / 1000).toFixed(1)} s)`).join(", ")}\n`,
  );
  process.exitCode = failed.length === 0 ? 0 : 1;
});
