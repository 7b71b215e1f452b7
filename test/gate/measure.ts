/**
 * Measure the gate: time to start a pack (ts-node type-check included) and to judge a stack of
 * ~50 resources, at concurrency 1 and the default. Not a test; run it by hand:
 *
 *   node --require tsx/cjs test/gate/measure.ts [packDir] [resourceCount]
 */
import { DEFAULT_CONCURRENCY, Gate } from "../../cli/gate";
import { RecordedResource, RecordedStack } from "../../cli/model";
import { MINI_PACK, cleanStack, resource, secret } from "./helpers";

/** A stack of `count` resources of the kinds Slipway registers. */
function stackOf(count: number): RecordedStack {
  const resources: RecordedResource[] = [];
  for (let index = 0; resources.length < count; index += 1) {
    resources.push(
      resource("staging", "github:index/repository:Repository", `repo-${index}`, { name: `repo-${index}`, description: "a repository", vulnerabilityAlerts: true }),
      resource("staging", "postgresql:index/database:Database", `db-${index}`, { name: `db-${index}`, owner: `db-${index}_migrator` }, { protect: true }),
      resource("staging", "postgresql:index/role:Role", `db-${index}_runtime`, { name: `db-${index}_runtime`, login: true, password: secret("[secret]") }),
      resource("staging", "kubernetes:apps/v1:Deployment", `web-${index}`, {
        metadata: { name: `web-${index}` },
        spec: { replicas: 3, template: { spec: { containers: [{ name: "web", image: `ghcr.io/acme/web@sha256:${"ab".repeat(32)}` }] } } },
      }),
      resource("staging", "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable", `var-${index}`, {
        repository: `repo-${index}`,
        environment: "staging",
        variableName: "SLIPWAY_FLAGS",
        value: JSON.stringify({ flags: { checkout: { state: "ENABLED", defaultVariant: "off" } } }),
      }),
    );
  }
  return { ...cleanStack(), resources: resources.slice(0, count) };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function main(): Promise<void> {
  const packDir = process.argv[2] ?? MINI_PACK;
  const count = Number(process.argv[3] ?? 50);
  const stack = stackOf(count);
  for (const concurrency of [1, DEFAULT_CONCURRENCY]) {
    const opened = Date.now();
    const gate = await Gate.open({ packDir, concurrency });
    const openMs = Date.now() - opened;
    try {
      const timings: number[] = [];
      for (let run = 0; run < 7; run += 1) {
        const started = Date.now();
        const report = await gate.judge(stack);
        timings.push(Date.now() - started);
        if (run === 0) process.stdout.write(`${report.resources} resources, ${report.policies} policies, ${report.violations.length} violations\n`);
      }
      process.stdout.write(
        `pack ${gate.pack.name}: start ${gate.startMs} ms (open incl. config ${openMs} ms); judge ${count} resources at concurrency ${concurrency}: ` +
          `first ${timings[0]} ms, median ${median(timings.slice(1))} ms\n`,
      );
    } finally {
      await gate.close();
    }
  }
}

main().catch((err: Error) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(2);
});
