/**
 * The offline gate judges a recorded stack with the policy pack, started the way the engine
 * starts it and spoken to over the real analyzer protocol.
 */
import * as net from "node:net";
import { Gate, exitCodeOf, judgeStack, judgeStacks } from "../../gate";
import { MINI_PACK, cleanStack, resource, runningPacks, urnOf, withResource } from "./helpers";

/** The same five resources, each breaking one of the mini pack's rules. */
function badStack() {
  let stack = cleanStack();
  stack = withResource(stack, "appdb", (db) => ({ ...db, protect: false }));
  stack = withResource(stack, "app", (repo) => ({ ...repo, inputs: { name: "app" } }));
  stack = withResource(stack, "web", (deployment) => ({ ...deployment, inputs: { metadata: { name: "web" }, spec: { replicas: 1 } } }));
  stack = withResource(stack, "contract", (job) => ({ ...job, dependencies: [] }));
  return stack;
}

describe("the offline gate", () => {
  let gate: Gate;

  beforeAll(async () => {
    gate = await Gate.open({ packDir: MINI_PACK });
  });

  afterAll(async () => {
    await gate?.close();
  });

  it("describes the pack it started: every policy with its level", () => {
    expect(gate.pack.name).toBe("slipway-gate-mini");
    expect(gate.pack.policies.map((policy) => [policy.name, policy.enforcementLevel])).toEqual([
      ["protected-database", "mandatory"],
      ["repository-description", "advisory"],
      ["minimum-replicas", "mandatory"],
      ["role-password-secret", "mandatory"],
      ["crash-on-demand", "mandatory"],
      ["contract-after-rollout", "mandatory"],
      ["stack-has-database", "advisory"],
    ]);
  });

  it("passes a stack that keeps every rule (exit 0)", async () => {
    const report = await gate.judge(cleanStack());
    expect(report).toEqual({ stack: "staging", policies: 7, resources: 5, violations: [] });
    expect(exitCodeOf([report])).toBe(0);
  });

  it("reports exactly the broken rules, at their levels, on the resources that break them (exit 1)", async () => {
    const report = await gate.judge(badStack());
    expect(report.violations).toEqual([
      {
        policy: "repository-description",
        enforcementLevel: "advisory",
        urn: urnOf("staging", "github:index/repository:Repository", "app"),
        message: "repository 'app' has no description",
      },
      {
        policy: "protected-database",
        enforcementLevel: "mandatory",
        urn: urnOf("staging", "postgresql:index/database:Database", "appdb"),
        message: "database 'appdb' is not protected",
      },
      {
        policy: "minimum-replicas",
        enforcementLevel: "mandatory",
        urn: urnOf("staging", "kubernetes:apps/v1:Deployment", "web"),
        message: "deployment 'web' runs 1 replicas, fewer than 2",
      },
      {
        policy: "contract-after-rollout",
        enforcementLevel: "mandatory",
        urn: urnOf("staging", "kubernetes:batch/v1:Job", "contract"),
        message: "contract migration 'contract' does not depend on a Deployment",
      },
    ]);
    expect(exitCodeOf([report])).toBe(1);
  });

  it("files a stack-wide finding without a resource under the stack's root URN", async () => {
    const stack = cleanStack();
    const withoutDatabase = { ...stack, resources: stack.resources.filter((r) => r.type !== "postgresql:index/database:Database") };
    const report = await gate.judge(withoutDatabase);
    expect(report.violations).toEqual([
      {
        policy: "stack-has-database",
        enforcementLevel: "advisory",
        urn: "urn:pulumi:staging::slipway::pulumi:pulumi:Stack::slipway-staging",
        message: "the stack declares no database",
      },
    ]);
    expect(exitCodeOf([report])).toBe(0);
  });

  it("hands a secret input to the pack still wrapped as a secret, and a plain one as plain", async () => {
    // role-password-secret inspects the request as it came off the wire, inside the pack.
    expect((await gate.judge(cleanStack())).violations).toEqual([]);
    const plain = withResource(cleanStack(), "appdb_runtime", (role) => ({
      ...role,
      inputs: { ...role.inputs, password: "hunter2-but-plain" },
    }));
    expect((await gate.judge(plain)).violations).toEqual([
      {
        policy: "role-password-secret",
        enforcementLevel: "mandatory",
        urn: urnOf("staging", "postgresql:index/role:Role", "appdb_runtime"),
        message: "role 'appdb_runtime' password arrived as plain text",
      },
    ]);
  });

  it("hands each resource its options: protect decides protected-database", async () => {
    const unprotected = withResource(cleanStack(), "appdb", (db) => ({ ...db, protect: false }));
    expect((await gate.judge(unprotected)).violations.map((v) => v.policy)).toEqual(["protected-database"]);
    expect((await gate.judge(cleanStack())).violations).toEqual([]);
  });

  it("judges several stacks with one pack process, each under its own name", async () => {
    expect(runningPacks()).toHaveLength(1);
    const production = withResource(cleanStack("production"), "appdb", (db) => ({ ...db, protect: false }));
    const [staging, prod] = [await gate.judge(cleanStack("staging")), await gate.judge(production)];
    expect(staging.violations).toEqual([]);
    expect(prod.stack).toBe("production");
    expect(prod.violations).toEqual([
      {
        policy: "protected-database",
        enforcementLevel: "mandatory",
        urn: urnOf("production", "postgresql:index/database:Database", "appdb"),
        message: "database 'appdb' is not protected",
      },
    ]);
    expect(runningPacks()).toHaveLength(1);
  });

  it("judges a 60-resource stack with bounded concurrency, in resource order", async () => {
    const resources = Array.from({ length: 60 }, (_, index) =>
      resource(
        "staging",
        "github:index/repository:Repository",
        `repo-${index}`,
        index % 2 === 0 ? { name: `repo-${index}` } : { name: `repo-${index}`, description: "ok" },
      ),
    );
    const report = await gate.judge({ ...cleanStack(), resources: [...cleanStack().resources, ...resources] });
    expect(report.resources).toBe(65);
    expect(report.violations.map((violation) => violation.message)).toEqual(
      resources.filter((_, index) => index % 2 === 0).map((repo) => `repository '${repo.name}' has no description`),
    );
  });
});

describe("starting and stopping the pack", () => {
  it("judgeStack starts a pack for one stack and kills it afterwards", async () => {
    const report = await judgeStack(cleanStack(), { packDir: MINI_PACK });
    expect(report.violations).toEqual([]);
    expect(runningPacks()).toEqual([]);
  });

  it("judgeStacks starts the pack once for several stacks", async () => {
    const run = await judgeStacks([cleanStack("staging"), cleanStack("production")], { packDir: MINI_PACK });
    expect(run.reports.map((report) => [report.stack, report.violations.length])).toEqual([
      ["staging", 0],
      ["production", 0],
    ]);
    expect(run.startMs).toBeGreaterThan(0);
    expect(runningPacks()).toEqual([]);
  });

  it("never dials the engine address it hands the pack, so no Engine service is needed", async () => {
    let connections = 0;
    const server = net.createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
    const { port } = server.address() as net.AddressInfo;
    try {
      const gate = await Gate.open({ packDir: MINI_PACK, engineAddress: `127.0.0.1:${port}` });
      try {
        await gate.judge(cleanStack());
        await expect(gate.judge({ ...cleanStack(), resources: [resource("staging", "test:index:Crash", "boom", {})] })).rejects.toThrow();
      } finally {
        await gate.close();
      }
    } finally {
      server.close();
    }
    expect(connections).toBe(0);
  });
});
