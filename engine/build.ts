/**
 * `npm run engine:build`: builds the real Pulumi CLI from source, through the Go module proxy,
 * at the version `engine/cli/go.mod` pins, into `.slipway/engine/bin/` (git-ignored).
 *
 * Go is needed for this and nothing else: `npm test` and the offline gate never use it. Go's
 * module and build caches make a second run take seconds.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENGINE_BIN_DIR, ENGINE_MODULE_DIR, pinnedPulumiVersion } from "./toolchain";

/** The oldest Go the pinned Pulumi modules accept (their go.mod `go` line). */
function requiredGo(): string {
  const match = /^go\s+(\S+)$/m.exec(fs.readFileSync(path.join(ENGINE_MODULE_DIR, "go.mod"), "utf8"));
  return match ? match[1] : "unknown";
}

function fail(message: string): never {
  process.stderr.write(`engine:build: ${message}\n`);
  process.exit(2);
}

function main(): void {
  const goVersion = spawnSync("go", ["version"], { encoding: "utf8" });
  if (goVersion.error || goVersion.status !== 0) {
    fail(
      `Go is not installed (or not on PATH). The engine tests need Go ${requiredGo()} or newer to build the Pulumi CLI; npm test and the gate do not.`,
    );
  }
  const version = pinnedPulumiVersion();
  fs.mkdirSync(ENGINE_BIN_DIR, { recursive: true });
  const output = path.join(ENGINE_BIN_DIR, "pulumi");
  process.stderr.write(
    `engine:build: ${goVersion.stdout.trim()}; building the Pulumi CLI ${version} into ${path.relative(process.cwd(), output)}\n`,
  );
  const started = Date.now();
  const build = spawnSync(
    "go",
    [
      "build",
      "-trimpath",
      // The CLI reports this version (`pulumi version`); release builds set it the same way.
      "-ldflags",
      `-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${version}`,
      "-o",
      output,
      "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
    ],
    {
      cwd: ENGINE_MODULE_DIR,
      stdio: "inherit",
      env: { ...process.env, GOFLAGS: [process.env.GOFLAGS, "-mod=readonly"].filter(Boolean).join(" ") },
    },
  );
  if (build.error || build.status !== 0) fail(`go build failed (exit ${build.status ?? build.error?.message}); see the output above`);
  const check = spawnSync(output, ["version"], { encoding: "utf8" });
  if (check.status !== 0 || check.stdout.trim() !== version) fail(`the built CLI reports '${check.stdout.trim()}', expected ${version}`);
  process.stderr.write(`engine:build: pulumi ${version} built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

main();
