/**
 * The offline gate sends the policy pack what the engine sends: for each example stack, a
 * recording analyzer under the real `pulumi preview` writes down every Analyze and AnalyzeStack
 * request, and the gate's requests for the same stack (cli/gate/requests.ts, what it judges
 * with) must equal them field by field. Two things may differ and are normalised: a secret's
 * value (the engine decrypts config, the gate never does) and the order of a dependency list
 * (it follows when outputs resolve).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { runStackInChild } from "../../gate/runInChild";
import { analyzeRequests, analyzeStackResources } from "../../gate/requests";
import { type RecordedAnalyzerResource, type RecordedRequest, resourceOf } from "../../engine/analyzer/requestJson";
import { SECRET_SIG, SIG_KEY } from "../../gate/model";
import { describeResult } from "../../engine/driver";
import { REPO_ROOT } from "../support/project";
import { ENGINE_TIMEOUT_MS, EngineProject, engineScratch, requireEngine } from "./support";

let scratch: string;
beforeAll(() => {
  requireEngine();
  scratch = engineScratch();
});

/** A secret's value replaced by a marker; everything else as it is. */
function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) return { [SIG_KEY]: SECRET_SIG, value: "[secret]" };
    return Object.fromEntries(Object.entries(record).map(([key, inner]) => [key, maskSecrets(inner)]));
  }
  return value;
}

/** A request resource in comparable form, keyed by URN. */
function comparable(resources: RecordedAnalyzerResource[]): Map<string, unknown> {
  return new Map(
    resources.map((resource) => [
      resource.urn,
      maskSecrets({
        ...resource,
        dependencies: resource.dependencies && [...resource.dependencies].sort(),
        propertyDependencies:
          resource.propertyDependencies &&
          Object.fromEntries(Object.entries(resource.propertyDependencies).map(([key, urns]) => [key, [...urns].sort()])),
      }),
    ]),
  );
}

describe.each(["production", "staging"])("the %s example", (stack) => {
  let engine: RecordedRequest[];
  let gate: { analyze: RecordedAnalyzerResource[]; analyzeStack: RecordedAnalyzerResource[] };

  beforeAll(async () => {
    const project = new EngineProject(scratch, `requests-${stack}`);
    await project.initStack(stack);
    const record = path.join(scratch, `${stack}.requests.jsonl`);
    const preview = await project.run(
      [
        "pulumi",
        "preview",
        "--stack",
        stack,
        "--policy-pack",
        path.join(REPO_ROOT, "engine", "analyzer", "pulumi-analyzer-recorder"),
        "--non-interactive",
      ],
      {
        SLIPWAY_RECORD_FILE: record,
      },
    );
    if (preview.code !== 0) throw new Error(describeResult(preview));
    engine = fs
      .readFileSync(record, "utf8")
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as RecordedRequest);
    const recorded = await runStackInChild({ projectDir: project.dir, stack });
    gate = { analyze: analyzeRequests(recorded).map(resourceOf), analyzeStack: analyzeStackResources(recorded).map(resourceOf) };
  }, ENGINE_TIMEOUT_MS);

  it("Analyze: one request per resource, the same resources, each equal field by field", () => {
    const fromEngine = engine.flatMap((request) => (request.call === "analyze" ? [request.resource] : []));
    expect(fromEngine.length).toBeGreaterThan(50);
    const [ours, theirs] = [comparable(gate.analyze), comparable(fromEngine)];
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [urn, request] of theirs) expect({ urn, request: ours.get(urn) }).toEqual({ urn, request });
  });

  it("AnalyzeStack: once, with every resource's outputs, parent and dependencies equal field by field", () => {
    const stackRequests = engine.filter((request) => request.call === "analyzeStack");
    expect(stackRequests).toHaveLength(1);
    const [ours, theirs] = [
      comparable(gate.analyzeStack),
      comparable((stackRequests[0] as { resources: RecordedAnalyzerResource[] }).resources),
    ];
    expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
    for (const [urn, request] of theirs) expect({ urn, request: ours.get(urn) }).toEqual({ urn, request });
  });

  it("the engine announced the stack as a preview before judging", () => {
    expect(engine[0]).toEqual({ call: "configureStack", stack, project: "slipway", dryRun: true });
  });
});
