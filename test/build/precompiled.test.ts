/**
 * Precompiled JavaScript (build/): `slipway` and the policy pack run their build, never paying a
 * TypeScript compile, while every source is what the build compiled; an edited source (or no
 * build at all) runs from TypeScript, as before there was a build, and says so once.
 *
 * The repository's own CLI and pack are checked as built (jest's globalSetup builds them); the
 * fallbacks are checked on copies in temporary directories, so no source here is touched.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PolicyPackProcess } from "../../gate/analyzer";

const ROOT = path.resolve(__dirname, "..", "..");
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

/** A preload that reports, at exit, how build/register.js served the `.ts` modules and whether tsx was loaded. */
function probe(): string {
  const file = path.join(tempDir("slipway-probe-"), "probe.js");
  fs.writeFileSync(
    file,
    `const fs = require("fs"), path = require("path");
process.on("exit", () => {
  const keys = Object.keys(require.cache);
  const register = keys.find((key) => key.endsWith(path.join("build", "register.js")));
  const served = register ? require.cache[register].exports.served : null;
  const tsx = keys.some((key) => key.includes(path.sep + "tsx" + path.sep));
  fs.writeSync(2, "\\nPROBE " + JSON.stringify({ served, tsx }) + "\\n");
});
`,
  );
  return file;
}

interface Run {
  status: number | null;
  stdout: string;
  /** stderr without the probe's line. */
  stderr: string;
  served: { compiled: number; tsx: number };
  tsx: boolean;
}

function run(script: string, args: string[], env: Record<string, string> = {}): Run {
  const result: SpawnSyncReturns<string> = spawnSync(process.execPath, [script, ...args], {
    encoding: "utf8",
    env: { ...process.env, SLIPWAY_FROM_SOURCE: "", ...env, NODE_OPTIONS: `--require ${probe()}` },
  });
  const line = result.stderr.split("\n").find((l) => l.startsWith("PROBE "));
  if (line === undefined) throw new Error(`no probe report (exit ${result.status}): ${result.stderr}`);
  const report = JSON.parse(line.slice("PROBE ".length)) as { served: Run["served"]; tsx: boolean };
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.replace(/\n?PROBE .*\n/, ""), ...report };
}

describe("the repository's slipway runs its build", () => {
  it("slipway --help loads no TypeScript compiler: every module comes from dist/", () => {
    const help = run(path.join(ROOT, "bin", "slipway.js"), ["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/gate/);
    expect(help.stderr).toBe("");
    expect(help.tsx).toBe(false);
    expect(help.served.tsx).toBe(0);
    expect(help.served.compiled).toBeGreaterThan(5);
  });

  it("SLIPWAY_FROM_SOURCE=1 runs the TypeScript sources through tsx instead, silently", () => {
    const help = run(path.join(ROOT, "bin", "slipway.js"), ["--help"], { SLIPWAY_FROM_SOURCE: "1" });
    expect(help.status).toBe(0);
    expect(help.stderr).toBe("");
    expect(help.tsx).toBe(true);
    expect(help.served.compiled).toBe(0);
  });
});

describe("a build stands for its sources only while they are unchanged (a copy of the tree)", () => {
  let root: string;
  const runMain = (env: Record<string, string> = {}) => run(path.join(root, "bin", "run.js"), [], env);
  const build = (...args: string[]) => spawnSync(process.execPath, [path.join(root, "build", "build.js"), ...args], { encoding: "utf8" });
  const helper = () => path.join(root, "cli", "helper.ts");

  beforeAll(() => {
    root = tempDir("slipway-build-");
    fs.cpSync(path.join(ROOT, "build"), path.join(root, "build"), { recursive: true });
    fs.copyFileSync(path.join(ROOT, "tsconfig.json"), path.join(root, "tsconfig.json"));
    fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    fs.mkdirSync(path.join(root, "cli"));
    fs.mkdirSync(path.join(root, "bin"));
    fs.writeFileSync(path.join(root, "index.ts"), `export const program: string = "index";\n`);
    fs.writeFileSync(helper(), `export function helper(): string {\n  return "original";\n}\n`);
    fs.writeFileSync(
      path.join(root, "cli", "main.ts"),
      `import * as path from "path";
import { helper } from "./helper";
const where: { dir: string; file: string } = { dir: path.basename(__dirname), file: path.basename(__filename) };
process.stdout.write(JSON.stringify({ helper: helper(), ...where }));
`,
    );
    fs.writeFileSync(path.join(root, "bin", "run.js"), `require("../build/register");\nrequire("../cli/main.ts");\n`);
  });

  it("without a build, the sources run through tsx, with one note saying how to precompile", () => {
    const first = runMain();
    expect(first.status).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ helper: "original", dir: "cli", file: "main.ts" });
    expect(first.stderr).toBe(
      "slipway: no build in dist/: running the TypeScript sources through tsx (`npm run build` precompiles them)\n",
    );
    expect(first.served).toEqual({ compiled: 0, tsx: 2 });
  });

  it("built, every module runs compiled, where its source is (same __dirname and __filename), without tsx", () => {
    const result = build("--cli");
    expect(result.status).toBe(0);
    expect(result.stderr).toContain("CLI and program: 3 modules -> dist/");
    const compiled = runMain();
    expect(JSON.parse(compiled.stdout)).toEqual({ helper: "original", dir: "cli", file: "main.ts" });
    expect(compiled.stderr).toBe("");
    expect(compiled.served).toEqual({ compiled: 2, tsx: 0 });
    expect(compiled.tsx).toBe(false);
    expect(build("--cli").stderr).toContain("CLI and program: up to date (dist/)");
  });

  it("a source whose mtime moved but whose content did not (a checkout) still runs compiled", () => {
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(helper(), later, later);
    expect(runMain().served).toEqual({ compiled: 2, tsx: 0 });
  });

  it("an edited source is never shadowed by its old build: it runs from TypeScript, and the note names it", () => {
    fs.writeFileSync(helper(), `export function helper(): string {\n  return "edited";\n}\n`);
    const edited = runMain();
    expect(JSON.parse(edited.stdout).helper).toBe("edited");
    expect(edited.stderr).toBe(
      "slipway: cli/helper.ts changed since the last build: running the TypeScript sources through tsx (`npm run build` precompiles them)\n",
    );
    expect(edited.served).toEqual({ compiled: 1, tsx: 1 });
    expect(build("--cli").stderr).toContain("(cli/helper.ts changed since the last build)");
    expect(runMain().served).toEqual({ compiled: 2, tsx: 0 });
  });

  it("SLIPWAY_FROM_SOURCE=1 ignores the build", () => {
    const fromSource = runMain({ SLIPWAY_FROM_SOURCE: "1" });
    expect(fromSource.served).toEqual({ compiled: 0, tsx: 2 });
    expect(fromSource.stderr).toBe("");
  });

  it("a changed tsconfig.json voids the whole build: its options shape every module", () => {
    const tsconfig = path.join(root, "tsconfig.json");
    const original = fs.readFileSync(tsconfig, "utf8");
    fs.writeFileSync(tsconfig, original.replace('"target": "ES2020"', '"target": "ES2022"'));
    try {
      const changed = runMain();
      expect(changed.served).toEqual({ compiled: 0, tsx: 2 });
      expect(changed.stderr).toBe(
        "slipway: tsconfig.json changed since the last build: running the TypeScript sources through tsx (`npm run build` precompiles them)\n",
      );
    } finally {
      fs.writeFileSync(tsconfig, original);
    }
  });

  it("a source that does not parse fails the build with the compiler's message, and leaves the last build in place", () => {
    const before = fs.readFileSync(path.join(root, "dist", "manifest.json"), "utf8");
    fs.writeFileSync(path.join(root, "cli", "broken.ts"), "export const = ;\n");
    try {
      const result = build("--cli");
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/cli\/broken\.ts.*TS1134/);
      expect(fs.readFileSync(path.join(root, "dist", "manifest.json"), "utf8")).toBe(before);
    } finally {
      fs.rmSync(path.join(root, "cli", "broken.ts"));
    }
  });
});

/** Files ts-node wrote to its compile cache under `tmpdir`: what a start compiled. */
function tsNodeCompiled(tmpdir: string): number {
  let count = 0;
  const walk = (dir: string): void => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(path.join(dir, entry.name));
      else count++;
    }
  };
  for (const entry of fs.readdirSync(tmpdir)) if (entry.startsWith("ts-node")) walk(path.join(tmpdir, entry));
  return count;
}

/** Start a pack with its own empty TMPDIR (ts-node's cache), then stop it. */
async function startPack(packDir: string): Promise<{ compiled: number; output: string; policies: number }> {
  const tmpdir = tempDir("slipway-pack-tmp-");
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = tmpdir;
  try {
    const pack = await PolicyPackProcess.start({ packDir, project: "slipway" });
    try {
      return { compiled: tsNodeCompiled(tmpdir), output: pack.recentOutput(), policies: pack.info.policies.length };
    } finally {
      await pack.close();
    }
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

describe("the policy pack runs its type-checked build, in the gate as under the engine (policy-pack/entry.js)", () => {
  it("the repository's pack starts without ts-node compiling anything", async () => {
    const started = await startPack(path.join(ROOT, "policy-pack"));
    expect(started.policies).toBeGreaterThan(20);
    expect(started.compiled).toBe(0);
    expect(started.output).not.toContain("slipway-guardrails:");
  });

  describe("on a copy of the pack", () => {
    let root: string;
    let packDir: string;
    const policy = () => path.join(packDir, "policies", "repository.ts");

    beforeAll(() => {
      root = tempDir("slipway-pack-build-");
      packDir = path.join(root, "policy-pack");
      fs.cpSync(path.join(ROOT, "build"), path.join(root, "build"), { recursive: true });
      fs.cpSync(path.join(ROOT, "contract"), path.join(root, "contract"), { recursive: true });
      fs.cpSync(path.join(ROOT, "policy-pack"), packDir, {
        recursive: true,
        filter: (source) => !/[/\\](dist|node_modules)$/.test(source),
      });
      fs.symlinkSync(path.join(ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
    });

    it("built, it starts from the build", async () => {
      const result = spawnSync(process.execPath, [path.join(root, "build", "build.js"), "--pack"], { encoding: "utf8" });
      expect(result.stderr).toMatch(/policy pack: type-checked, \d+ modules -> policy-pack\/dist\//);
      expect(result.status).toBe(0);
      const started = await startPack(packDir);
      expect(started.compiled).toBe(0);
      expect(started.output).toBe("");
    }, 120_000);

    it("a policy edited since the build runs from its TypeScript, type-checked, and the pack says so", async () => {
      fs.appendFileSync(policy(), "\n// edited after the build\n");
      const started = await startPack(packDir);
      expect(started.output).toContain(
        "slipway-guardrails: policy-pack/policies/repository.ts changed since the last build: loading the TypeScript sources",
      );
      expect(started.compiled).toBeGreaterThan(0);
      expect(started.policies).toBeGreaterThan(20);
    }, 120_000);

    it("a pack that does not type-check fails its build with the compiler's message", () => {
      fs.appendFileSync(policy(), `\nexport const notANumber: number = "three";\n`);
      const result = spawnSync(process.execPath, [path.join(root, "build", "build.js"), "--pack"], { encoding: "utf8" });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("TS2322");
      expect(result.stderr).toContain("policies/repository.ts");
    }, 120_000);
  });
});
