/**
 * Recorded stacks for the gate's tests, in the wire form the runner records, judged by the
 * throwaway pack in fixtures/mini-pack.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { type RecordedResource, type RecordedStack, recordedResource } from "../../gate/model";
import { secret } from "../support/wire";

/** The throwaway pack every gate test runs against. */
export const MINI_PACK = path.join(__dirname, "fixtures", "mini-pack");

/** A URN the way the engine builds it for a top-level resource of `stack`. */
export function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::slipway::${type}::${name}`;
}

/** A custom resource registration with default options. */
export function resource(
  stack: string,
  type: string,
  name: string,
  inputs: Record<string, unknown>,
  extra: Partial<RecordedResource> = {},
): RecordedResource {
  return recordedResource({ urn: urnOf(stack, type, name), type, name, inputs, ...extra });
}

/** A stack the mini pack passes: protected database, described repository, enough replicas, secret password, contract after rollout. */
export function cleanStack(stack = "staging"): RecordedStack {
  const deployment = resource(stack, "kubernetes:apps/v1:Deployment", "web", { metadata: { name: "web" }, spec: { replicas: 3 } });
  return {
    stack,
    project: "slipway",
    outputs: {},
    invokes: [],
    resources: [
      resource(stack, "github:index/repository:Repository", "app", { name: "app", description: "The app" }),
      resource(stack, "postgresql:index/database:Database", "appdb", { name: "appdb", owner: "appdb_migrator" }, { protect: true }),
      resource(stack, "postgresql:index/role:Role", "appdb_runtime", { name: "appdb_runtime", login: true, password: secret("[secret]") }),
      deployment,
      resource(
        stack,
        "kubernetes:batch/v1:Job",
        "contract",
        { metadata: { name: "contract", labels: { "slipway.dev/migration-phase": "contract" } } },
        { dependencies: [deployment.urn] },
      ),
    ],
  };
}

/** Replace one resource of a stack (by name) with a changed copy. */
export function withResource(stack: RecordedStack, name: string, change: (resource: RecordedResource) => RecordedResource): RecordedStack {
  let found = false;
  const resources = stack.resources.map((existing) => {
    if (existing.name !== name) return existing;
    found = true;
    return change(existing);
  });
  if (!found) throw new Error(`test stack has no resource ${name}`);
  return { ...stack, resources };
}

/** Child processes of this process whose command line runs a policy pack. */
export function runningPacks(): string[] {
  const listing = execFileSync("ps", ["-e", "-o", "ppid=,pid=,args="], { encoding: "utf8" });
  return listing
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([ppid, , ...args]) => ppid === String(process.pid) && args.join(" ").includes("run-policy-pack"))
    .map(([, pid, ...args]) => `${pid} ${args.join(" ")}`);
}

/** Repository root, whose node_modules a temporary pack links to. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

/**
 * Write a policy pack into a fresh temporary directory (outside the repository, with a
 * node_modules link so it resolves @pulumi/policy as a pack in the repository does).
 */
export function temporaryPack(indexTs: string, extraFiles: Record<string, string> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-gate-pack-"));
  fs.writeFileSync(path.join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "temporary-pack", version: "0.0.1", main: "index.ts" }));
  fs.writeFileSync(path.join(dir, "index.ts"), indexTs);
  for (const [name, content] of Object.entries(extraFiles)) fs.writeFileSync(path.join(dir, name), content);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** Remove a temporary pack. */
export function removeTemporaryPack(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}
