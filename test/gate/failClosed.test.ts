/**
 * The gate fails closed: when the pack cannot give a verdict the gate errors (exit 2 class),
 * it never passes, and the error is one clear line.
 */
import * as path from "node:path";
import { Gate, PolicyPackError } from "../../gate";
import { UserError } from "../../cli/errors";
import { UNKNOWN_VALUE } from "../../gate/model";
import { MINI_PACK, cleanStack, removeTemporaryPack, resource, runningPacks, temporaryPack, withResource } from "./helpers";

/** Run `action`, expecting a PolicyPackError; return it. */
async function packError(action: () => Promise<unknown>): Promise<PolicyPackError> {
  try {
    await action();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyPackError);
    expect(err).toBeInstanceOf(UserError);
    return err as PolicyPackError;
  }
  throw new Error("expected the gate to fail closed, but it gave a verdict");
}

/** One line, and none of our JavaScript stack frames. */
function expectOneLine(message: string): void {
  expect(message).not.toContain("\n");
  expect(message).not.toMatch(/\bat .*\.(ts|js):\d+/);
}

describe("a policy that cannot give a verdict fails the gate", () => {
  let gate: Gate;

  beforeAll(async () => {
    gate = await Gate.open({ packDir: MINI_PACK });
  });

  afterAll(async () => {
    await gate?.close();
  });

  it("a policy that throws while judging a resource is an error naming the policy and the resource", async () => {
    const stack = { ...cleanStack(), resources: [...cleanStack().resources, resource("staging", "test:index:Crash", "boom", {})] };
    const error = await packError(() => gate.judge(stack));
    expect(error.message).toContain("urn:pulumi:staging::slipway::test:index:Crash::boom");
    expect(error.message).toContain("policy 'crash-on-demand'");
    expect(error.message).toContain("crash-on-demand was asked to crash");
    expectOneLine(error.message);
  });

  it("a stack policy that throws is an error", async () => {
    const stack = { ...cleanStack(), resources: [...cleanStack().resources, resource("staging", "test:index:CrashStack", "boom", {})] };
    const error = await packError(() => gate.judge(stack));
    expect(error.message).toContain("AnalyzeStack");
    expect(error.message).toContain("stack-has-database was asked to crash");
    expectOneLine(error.message);
  });

  it("a policy that meets a value unknown in preview could not judge: an error, where the engine would only warn", async () => {
    const stack = withResource(cleanStack(), "web", (deployment) => ({ ...deployment, inputs: { spec: { replicas: UNKNOWN_VALUE } } }));
    const error = await packError(() => gate.judge(stack));
    expect(error.message).toBe(
      "policy 'minimum-replicas' could not judge urn:pulumi:staging::slipway::kubernetes:apps/v1:Deployment::web: string value at .spec.replicas can't be known during preview",
    );
  });

  it("the pack still judges the next stack after a failed one", async () => {
    expect((await gate.judge(cleanStack())).violations).toEqual([]);
  });
});

it("a pack that dies while judging fails the gate with its last words", async () => {
  const gate = await Gate.open({ packDir: MINI_PACK });
  try {
    const stack = { ...cleanStack(), resources: [resource("staging", "test:index:Exit", "bye", {})] };
    const error = await packError(() => gate.judge(stack));
    expect(error.message).toBe(
      `policy pack ${MINI_PACK} exited (exit code 3) while judging urn:pulumi:staging::slipway::test:index:Exit::bye: mini pack: exiting on demand`,
    );
  } finally {
    await gate.close();
  }
  expect(runningPacks()).toEqual([]);
});

describe("a pack that does not start fails the gate, and leaves no process behind", () => {
  const temporary: string[] = [];

  afterAll(() => temporary.forEach(removeTemporaryPack));

  it("a pack that does not type-check fails as it fails in pulumi preview, with the compiler's message", async () => {
    const dir = temporaryPack(`import { PolicyPack } from "@pulumi/policy";
const replicas: number = "three";
new PolicyPack("broken", { policies: [{ name: "p", description: "d", validateResource: () => undefined }] });
`);
    temporary.push(dir);
    const error = await packError(() => Gate.open({ packDir: dir }));
    expect(error.message).toContain(`policy pack ${dir} failed to start (exit code`);
    expect(error.message).toContain("TS2322");
    expectOneLine(error.message);
    expect(runningPacks()).toEqual([]);
  });

  it("honours the pack's tsconfig.json, as run-policy-pack does", async () => {
    // Compiles under default options; the pack's own tsconfig forbids the unused local.
    const dir = temporaryPack(
      `import { PolicyPack } from "@pulumi/policy";
const unused = 1;
new PolicyPack("strict", { policies: [{ name: "p", description: "d", validateResource: () => undefined }] });
`,
      {
        "tsconfig.json": JSON.stringify({
          compilerOptions: { strict: true, module: "commonjs", moduleResolution: "node", noUnusedLocals: true, types: ["node"] },
        }),
      },
    );
    temporary.push(dir);
    const error = await packError(() => Gate.open({ packDir: dir }));
    expect(error.message).toContain("TS6133");
  });

  it("a pack that prints something else where its port belongs fails closed", async () => {
    const dir = temporaryPack(`import { PolicyPack } from "@pulumi/policy";
console.log("hello from the pack");
new PolicyPack("noisy", { policies: [{ name: "p", description: "d", validateResource: () => undefined }] });
`);
    temporary.push(dir);
    const error = await packError(() => Gate.open({ packDir: dir }));
    expect(error.message).toContain('printed "hello from the pack" where its port was expected');
    expect(runningPacks()).toEqual([]);
  });

  it("a pack that does not print its port in time is killed", async () => {
    const error = await packError(() => Gate.open({ packDir: MINI_PACK, startTimeoutMs: 100 }));
    expect(error.message).toContain(`policy pack ${MINI_PACK} did not print its port within 0.1s`);
    expect(runningPacks()).toEqual([]);
  });

  it("a directory that is not a policy pack is bad input naming it", async () => {
    const notAPack = path.join(__dirname, "fixtures");
    await expect(Gate.open({ packDir: notAPack })).rejects.toThrow(
      new UserError("not a policy pack (no PulumiPolicy.yaml)", { file: notAPack }),
    );
  });
});
