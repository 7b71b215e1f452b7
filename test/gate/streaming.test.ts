/**
 * The gate judges each resource as the program records it (a ResourceFeed), the way the engine
 * sends each step to the analyzers as soon as it is generated, and its verdict is the one it
 * gives the whole run judged afterwards: same violations, same order, same failures.
 */
import { Gate, type GateReport, ResourceFeed } from "../../gate";
import { UserError } from "../../cli/errors";
import { PolicyPackError } from "../../gate/errors";
import type { RecordedStack } from "../../gate/model";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { analyzeStackResources, eachAnalyzeStackResource } from "../../gate/requests";
import { encodeAnalyzeStackRequest } from "../../gate/wire";
import { MINI_PACK, cleanStack, resource, withResource } from "./helpers";

/** Every rule of the mini pack broken once, and a stack-wide finding (no database). */
function badStack(): RecordedStack {
  let stack = cleanStack();
  stack = withResource(stack, "app", (repo) => ({ ...repo, inputs: { name: "app" } }));
  stack = withResource(stack, "web", (deployment) => ({ ...deployment, inputs: { metadata: { name: "web" }, spec: { replicas: 1 } } }));
  stack = withResource(stack, "contract", (job) => ({ ...job, dependencies: [] }));
  return { ...stack, resources: stack.resources.filter((r) => r.name !== "appdb") };
}

/** A deep copy, so what the gate may drop from a feed's records does not touch the original. */
function copy(stack: RecordedStack): RecordedStack {
  return JSON.parse(JSON.stringify(stack)) as RecordedStack;
}

/** Push a run's resources one by one as a program would, yielding between them, then end it. */
async function play(feed: ResourceFeed, stack: RecordedStack): Promise<void> {
  for (const recorded of stack.resources) {
    await feed.push(recorded);
    await new Promise((resolve) => setImmediate(resolve));
  }
  feed.end(stack);
}

describe("judging while the program runs", () => {
  let gate: Gate;

  beforeAll(async () => {
    gate = await Gate.open({ packDir: MINI_PACK, concurrency: 2 });
  });

  afterAll(async () => {
    await gate?.close();
  });

  it("gives a clean run the same passing report as judging it afterwards", async () => {
    const streamed = copy(cleanStack());
    const feed = new ResourceFeed(streamed.stack, streamed.project);
    const [report] = await Promise.all([gate.judge(feed), play(feed, streamed)]);
    expect(report).toEqual(await gate.judge(cleanStack()));
    expect(report).toEqual({ stack: "staging", policies: 7, resources: 4 + 1, violations: [] });
  });

  it("reports the same violations in the same order (resources in registration order, the stack's last)", async () => {
    // The deployment has outputs (what AnalyzeStack reads); the others are judged on their inputs.
    const bad = withResource(badStack(), "web", (deployment) => ({ ...deployment, outputs: { ...deployment.inputs, status: {} } }));
    const afterwards: GateReport = await gate.judge(bad);
    expect(afterwards.violations.map((violation) => violation.policy)).toEqual([
      "repository-description",
      "minimum-replicas",
      "contract-after-rollout",
      "stack-has-database",
    ]);
    const streamed = copy(bad);
    // The feed's records are the gate's own copies: what was judged and encoded may go, the verdict stays.
    const feed = new ResourceFeed(streamed.stack, streamed.project, 2, true);
    const [report] = await Promise.all([gate.judge(feed), play(feed, streamed)]);
    expect(report).toEqual(afterwards);
    const web = streamed.resources.find((r) => r.name === "web");
    expect([web?.inputs, web?.outputs]).toEqual([{}, {}]);
    expect(streamed.resources.find((r) => r.name === "app")?.inputs).toEqual({});
  });

  it("judges resources that arrived before the pack was ready, once it is", async () => {
    const stack = copy(badStack());
    const feed = new ResourceFeed(stack.stack, stack.project);
    await play(feed, stack);
    expect(await gate.judge(feed)).toEqual(await gate.judge(badStack()));
  });

  it("refuses a resource recorded twice, as it refuses such a run judged afterwards", async () => {
    const stack = cleanStack();
    const twice: RecordedStack = { ...stack, resources: [...stack.resources, stack.resources[1]] };
    const feed = new ResourceFeed(twice.stack, twice.project);
    const judging = gate.judge(feed);
    await play(feed, twice);
    await expect(judging).rejects.toThrow(UserError);
    await expect(judging).rejects.toThrow(`stack staging: resource ${stack.resources[1].urn} is recorded twice`);
    await expect(gate.judge(twice)).rejects.toThrow(`stack staging: resource ${stack.resources[1].urn} is recorded twice`);
  });

  it("reports the program's failure, not the pack's, when both failed", async () => {
    const stack = cleanStack();
    const feed = new ResourceFeed(stack.stack, stack.project);
    const judging = gate.judge(feed);
    await feed.push(resource("staging", "test:index:Crash", "boom", {}));
    feed.fail(new UserError("Pulumi.staging.yaml: slipway:release.version: is required"));
    await expect(judging).rejects.toThrow("Pulumi.staging.yaml: slipway:release.version: is required");
  });

  it("fails closed on a policy that throws mid-run, whatever comes after", async () => {
    const stack = cleanStack();
    const crashing: RecordedStack = {
      ...stack,
      resources: [stack.resources[0], resource("staging", "test:index:Crash", "boom", {}), ...stack.resources.slice(1)],
    };
    const feed = new ResourceFeed(crashing.stack, crashing.project);
    const [outcome] = await Promise.allSettled([gate.judge(feed), play(feed, crashing)]);
    expect(outcome.status).toBe("rejected");
    const error = (outcome as PromiseRejectedResult).reason as Error;
    expect(error).toBeInstanceOf(PolicyPackError);
    expect(error.message).toContain("crash-on-demand was asked to crash");
    // The pack still judges the next stack.
    expect((await gate.judge(cleanStack())).violations).toEqual([]);
  });
});

describe("outputs set after a resource was judged", () => {
  it.each([
    ["kept", false],
    ["released once judged", true],
  ])(
    "reach AnalyzeStack: a component's outputs registered late are what the stack policies read (records %s)",
    async (_, releaseJudged) => {
      const gate = await Gate.open({ packDir: MINI_PACK, concurrency: 1 });
      try {
        // The job is first recorded without its migration phase, as a component is before registerOutputs.
        const stack = withResource(cleanStack(), "contract", (job) => ({
          ...job,
          dependencies: [],
          outputs: { metadata: { name: "contract" } },
        }));
        const labelled = { metadata: { name: "contract", labels: { "slipway.dev/migration-phase": "contract" } } };
        const streamed = copy(stack);
        const feed = new ResourceFeed(streamed.stack, streamed.project, 1, releaseJudged);
        const judging = gate.judge(feed);
        for (const recorded of streamed.resources) await feed.push(recorded);
        // Markers after the job until two pushes had to wait: one resource in flight at a time, so the
        // gate took the second marker it made wait only after the job's judging had finished.
        const markers: RecordedStack["resources"] = [];
        for (let waited = 0; waited < 2; ) {
          const marker = resource("staging", "test:index:Marker", `after-contract-${markers.length}`, {});
          markers.push(marker);
          const wait = feed.push(marker);
          if (wait === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
          else {
            await wait;
            waited++;
          }
        }
        streamed.resources.find((recorded) => recorded.name === "contract")!.outputs = labelled;
        const final: RecordedStack = { ...streamed, resources: [...streamed.resources, ...markers] };
        feed.end(final);
        const report = await judging;
        // Judged afterwards from records of its own (the streamed ones may have been released).
        const whole = copy(stack);
        whole.resources.find((recorded) => recorded.name === "contract")!.outputs = labelled;
        const afterwards = await gate.judge({
          ...whole,
          resources: [...whole.resources, ...copy({ ...final, resources: markers }).resources],
        });
        expect(afterwards.violations.map((violation) => violation.message)).toContain(
          "contract migration 'contract' does not depend on a Deployment",
        );
        expect(report.violations).toEqual(afterwards.violations);
      } finally {
        await gate.close();
      }
    },
  );
});

describe("a feed's back-pressure", () => {
  const settled = async (promise: Promise<void> | undefined): Promise<boolean> => {
    let done = false;
    void promise?.then(() => (done = true));
    await new Promise((resolve) => setImmediate(resolve));
    return done;
  };

  it("holds the program back once the gate, taking, falls `highWater` behind, and lets it go when it caught up", async () => {
    const [a, b, c, d] = cleanStack().resources;
    const feed = new ResourceFeed("staging", "slipway", 2);
    // Nobody takes yet (the pack still starting): nothing waits, everything is kept.
    expect([feed.push(a), feed.push(b), feed.push(c)]).toEqual([undefined, undefined, undefined]);
    expect(await feed.next()).toEqual({ resource: a, index: 0 });
    // Taking, two behind: the producer waits...
    const held = feed.push(d);
    expect(held).toBeInstanceOf(Promise);
    expect(await feed.next()).toEqual({ resource: b, index: 1 });
    expect(await settled(held)).toBe(false);
    expect(await feed.next()).toEqual({ resource: c, index: 2 });
    expect(await settled(held)).toBe(false);
    // ...until fewer than half of highWater wait.
    expect(await feed.next()).toEqual({ resource: d, index: 3 });
    expect(await settled(held)).toBe(true);
  });

  it("never holds the program once the gate stopped taking (a failure): the run finishes and is reported", async () => {
    const [a, b, c] = cleanStack().resources;
    const feed = new ResourceFeed("staging", "slipway", 1);
    feed.push(a);
    await feed.next();
    const held = feed.push(b);
    expect(held).toBeInstanceOf(Promise);
    feed.stopTaking();
    expect(await settled(held)).toBe(true);
    expect(feed.push(c)).toBeUndefined();
  });

  it("refuses a run whose resources are not the ones streamed", async () => {
    const stack = cleanStack();
    const feed = new ResourceFeed(stack.stack, stack.project);
    feed.push(stack.resources[0]);
    feed.end(stack);
    await expect(feed.done).rejects.toThrow("stack staging: the run recorded 5 resources but streamed 1");
    // The gate takes what arrived, then learns the run failed.
    expect((await feed.next())?.index).toBe(0);
    expect(await feed.next()).toBeUndefined();
  });
});

describe("the AnalyzeStack request, encoded one resource at a time", () => {
  it("is byte for byte the SDK's encoding of the whole request, whatever the resources' sizes", () => {
    // Lengths of one, two and three varint bytes.
    const stack = {
      ...badStack(),
      resources: [
        ...badStack().resources,
        resource("staging", "github:index/repositoryFile:RepositoryFile", "big", { content: "x".repeat(20_000) }),
      ],
    };
    const whole = new analyzerProto.AnalyzeStackRequest();
    whole.setResourcesList(analyzeStackResources(stack));
    const encoded = encodeAnalyzeStackRequest(eachAnalyzeStackResource(stack));
    expect(Buffer.from(whole.serializeBinary()).equals(encoded)).toBe(true);
    expect(
      analyzerProto.AnalyzeStackRequest.deserializeBinary(encoded)
        .getResourcesList()
        .map((r) => r.getName()),
    ).toEqual(stack.resources.map((r) => r.name));
  });

  it("is empty for a stack of no resources, as the SDK encodes it", () => {
    expect(encodeAnalyzeStackRequest([]).length).toBe(new analyzerProto.AnalyzeStackRequest().serializeBinary().length);
  });
});
