/**
 * The offline run takes a program's exports as Pulumi's Node.js language host does
 * (cmd/run/run.js): an exported function is called, an exported promise awaited, and what either
 * gives is the stack's outputs. Programs written as `export = async () => { ... }` are judged too.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runStackInChild } from "../../gate/runInChild";
import { UserError } from "../../config/errors";
import { makeScratch, removeScratch } from "../support/project";

const PROGRAMS = path.join(__dirname, "fixtures", "programs");

let scratch: string | undefined;

beforeAll(() => {
  scratch = makeScratch();
  fs.writeFileSync(path.join(scratch, "Pulumi.dev.yaml"), "config: {}\n");
});

afterAll(() => removeScratch(scratch));

function run(program: string) {
  return runStackInChild({ projectDir: scratch as string, stack: "dev", program: path.join(PROGRAMS, program) });
}

describe("a program's exports, as the language host takes them", () => {
  it("calls an exported async function: what it built after awaiting is recorded, and what it returns is the stack's outputs", async () => {
    const recorded = await run("asyncFunction.js");
    expect(recorded.resources.map((resource) => `${resource.type} ${resource.name}`)).toEqual([
      "pulumi:pulumi:Stack slipway-dev",
      "acme:index:Service first",
      "acme:index:Service second",
    ]);
    expect(recorded.outputs).toEqual({ answer: 42, built: ["first", "second"] });
  });

  it("awaits an exported promise: its value is the stack's outputs", async () => {
    const recorded = await run("exportedPromise.js");
    expect(recorded.resources.map((resource) => resource.name)).toEqual(["slipway-dev", "late"]);
    expect(recorded.outputs).toEqual({ answer: "late" });
  });

  it("reports an exported function's RunError as the user's mistake, with its message", async () => {
    const failure = run("rejectedFunction.js");
    await expect(failure).rejects.toBeInstanceOf(UserError);
    await expect(failure).rejects.toThrow("acme: the service 'first' needs an owner");
  });
});
