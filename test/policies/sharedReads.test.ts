/**
 * A large stack's judging reads each workflow text once and each resource type once: the pack
 * shares what it read between policies, so sharing must never let one policy change what another
 * sees, and must never serve a stale answer.
 */
import type { PolicyResource } from "@pulumi/policy";
import { parse } from "yaml";
import { ofType } from "../../policy-pack/policies/shared/resources";
import { workflowFacts } from "../../policy-pack/policies/shared/deploys";
import { parseYaml } from "../../policy-pack/policies/shared/yaml";

const WORKFLOW = "on: push\njobs:\n  deploy:\n    steps:\n      - run: npm run smoke\n";

describe("a workflow text is parsed once and shared read-only", () => {
  test("it reads as the yaml library reads it, and a second read is the same document", () => {
    const first = parseYaml(WORKFLOW);
    expect(first).toEqual(parse(WORKFLOW));
    expect(parseYaml(`${WORKFLOW}`)).toBe(first);
  });

  test("a policy that tried to change a shared document fails instead of corrupting it", () => {
    const document = parseYaml(WORKFLOW) as { jobs: { deploy: { steps: { run: string }[] } } };
    expect(() => {
      document.jobs.deploy.steps[0].run = "true";
    }).toThrow(TypeError);
    expect(() => document.jobs.deploy.steps.push({ run: "true" })).toThrow(TypeError);
    expect(document.jobs.deploy.steps[0].run).toBe("npm run smoke");
  });

  test("a text that is not YAML throws the library's error on every read", () => {
    const broken = "jobs: [unclosed";
    expect(() => parse(broken)).toThrow();
    let message = "";
    try {
      parse(broken);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe("");
    expect(() => parseYaml(broken)).toThrow(message);
    expect(() => parseYaml(broken)).toThrow(message);
  });

  test("different texts are different documents, however many are read", () => {
    const texts = Array.from({ length: 600 }, (_, i) => `on: push\njobs:\n  job${i}:\n    steps: []\n`);
    for (const text of texts) parseYaml(text);
    expect(Object.keys(parseYaml(texts[3]) as { jobs: object }).length).toBe(2);
    expect(Object.keys((parseYaml(texts[3]) as { jobs: object }).jobs)).toEqual(["job3"]);
    expect(Object.keys((parseYaml(texts[599]) as { jobs: object }).jobs)).toEqual(["job599"]);
  });
});

describe("resources of a type are grouped once per stack", () => {
  /** Only what grouping reads: the SDK's other fields play no part. */
  const resource = (type: string, name: string) =>
    ({ type, name, urn: `urn:pulumi:production::slipway::${type}::${name}`, props: {} }) as unknown as PolicyResource;

  test("each type lists its resources in the stack's order, and an absent type none", () => {
    const resources = [
      resource("github:index/repository:Repository", "a"),
      resource("github:index/issueLabel:IssueLabel", "l"),
      resource("github:index/repository:Repository", "b"),
    ];
    expect(ofType(resources, "github:index/repository:Repository").map((r) => r.name)).toEqual(["a", "b"]);
    expect(ofType(resources, "github:index/repositoryRuleset:RepositoryRuleset")).toEqual([]);
  });

  test("resources added to the same array since are seen", () => {
    const resources = [resource("github:index/repository:Repository", "a")];
    expect(ofType(resources, "github:index/repository:Repository")).toHaveLength(1);
    resources.push(resource("github:index/repository:Repository", "b"));
    expect(ofType(resources, "github:index/repository:Repository").map((r) => r.name)).toEqual(["a", "b"]);
  });

  test("a caller cannot reorder or extend the shared list", () => {
    const resources = [resource("github:index/repository:Repository", "b"), resource("github:index/repository:Repository", "a")];
    const repositories = ofType(resources, "github:index/repository:Repository");
    expect(() => repositories.sort((x, y) => x.name.localeCompare(y.name))).toThrow(TypeError);
    expect(ofType(resources, "github:index/repository:Repository").map((r) => r.name)).toEqual(["b", "a"]);
  });
});

describe("a workflow file's deploy facts are derived once per resource and shared read-only", () => {
  const where = {
    urn: "urn:pulumi:production::slipway::github:index/repositoryFile:RepositoryFile::deploy",
    repository: "app",
    file: ".github/workflows/deploy.yml",
  };
  const production = { targets: [], environments: ["production"] };
  const deploy = (command: string) =>
    `on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n      - run: ${command}\n`;

  test("a second read of the same file is the same facts, and they cannot be changed", () => {
    const first = workflowFacts(deploy("pulumi up --stack production"), where, production);
    expect(workflowFacts(deploy("pulumi up --stack production"), where, production)).toBe(first);
    if ("error" in first) throw new Error(first.error);
    expect(first.jobs[0].productionEnvironment).toBe(true);
    expect(() => (first.jobs as unknown[]).push({})).toThrow(TypeError);
  });

  test("the same resource with another text, or read with other production names, is derived afresh", () => {
    const before = workflowFacts(deploy("pulumi up --stack production"), where, production);
    const changed = workflowFacts(deploy("npm run smoke"), where, production);
    expect(changed).not.toBe(before);
    if ("error" in changed || "error" in before) throw new Error("unreadable");
    expect(before.jobs[0].deploys).toHaveLength(1);
    expect(changed.jobs[0].deploys).toEqual([]);
    // Production names change what is production: not the same answer.
    expect(workflowFacts(deploy("npm run smoke"), where, { targets: [], environments: ["live"] })).not.toBe(changed);
    expect(workflowFacts(deploy("npm run smoke"), where, production)).toBe(changed);
  });
});
