/**
 * The provider model (providers/model.ts) does what the real providers do with properties, on
 * real types of every vendored schema: Check refuses unknown properties, missing required inputs
 * and bad enum values, accepts what Slipway's program sends; preview leaves computed properties
 * unknown and secret ones secret; Create is deterministic; Diff knows what replaces.
 */
import {
  check,
  checkConfig,
  createOutputs,
  diff,
  previewOutputs,
  AUTONAMED_ANNOTATION,
  outputOnlyProperties,
  resourceSpec,
} from "../../providers/model";
import { PACKAGES, loadSchema } from "../../providers/schema";
import { validateValue } from "../../providers/validate";
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE, isSecret, reveal } from "../../providers/wire";
import type { RecordedStack } from "../../gate/model";
import { runStackInChild } from "../../gate/runInChild";
import { PROJECT_DIR } from "./helpers";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const urnOf = (type: string, name: string) => `urn:pulumi:test::slipway::${type}::${name}`;
const propertiesOf = (result: { failures: { property: string }[] }) => result.failures.map((f) => f.property).sort();

describe("schemas", () => {
  test.each(PACKAGES)("%s loads and has resources and a provider", (pkg) => {
    const schema = loadSchema(pkg);
    expect(schema.name).toBe(pkg);
    expect(Object.keys(schema.resources).length).toBeGreaterThan(5);
    expect(schema.provider).toBeDefined();
  });

  test("the Kubernetes subset keeps every v1 kind of the five groups and the provider config", () => {
    const schema = loadSchema("kubernetes");
    for (const token of [
      "kubernetes:core/v1:Secret",
      "kubernetes:apps/v1:Deployment",
      "kubernetes:batch/v1:Job",
      "kubernetes:policy/v1:PodDisruptionBudget",
      "kubernetes:networking.k8s.io/v1:Ingress",
    ]) {
      expect(schema.resources[token]).toBeDefined();
    }
    expect(
      Object.keys(schema.resources).every((token) => /^kubernetes:(core|apps|batch|policy|networking\.k8s\.io)\/v1:/.test(token)),
    ).toBe(true);
    expect(Object.keys(schema.provider?.inputProperties ?? {})).toEqual(
      expect.arrayContaining(["kubeconfig", "context", "enableConfigMapMutable"]),
    );
  });
});

describe("check refuses what the real providers refuse", () => {
  const ruleset = {
    name: "main",
    repository: "storefront",
    target: "branch",
    enforcement: "active",
    rules: { deletion: true, pullRequest: { requiredApprovingReviewCount: 1 } },
    bypassActors: [{ actorId: 4711, actorType: "Team", bypassMode: "pull_request" }],
  };
  const RULESET = "github:index/repositoryRuleset:RepositoryRuleset";

  test("github RepositoryRuleset: a valid ruleset passes", () => {
    expect(check("github", RULESET, ruleset).failures).toEqual([]);
  });

  test("github RepositoryRuleset: bad enforcement and bypass mode values", () => {
    const result = check("github", RULESET, {
      ...ruleset,
      enforcement: "enabled",
      bypassActors: [{ actorId: 1, actorType: "Team", bypassMode: "pullRequest" }],
    });
    expect(propertiesOf(result)).toEqual(["bypassActors[0].bypassMode", "enforcement"]);
    expect(result.failures.find((f) => f.property === "enforcement")?.reason).toContain(
      'expected enforcement to be one of ["disabled" "active" "evaluate"], got enabled',
    );
  });

  test("github RepositoryRuleset: an unknown property at depth, through a $ref", () => {
    const result = check("github", RULESET, {
      ...ruleset,
      rules: { ...ruleset.rules, pullRequest: { requiredApprovingReviewCount: 1, dismissStale: true } },
    });
    expect(result.failures).toEqual([
      { property: "rules.pullRequest.dismissStale", reason: expect.stringContaining("Invalid or unknown key") },
    ]);
  });

  test("github RepositoryRuleset: a missing required input", () => {
    const { target: _target, ...withoutTarget } = ruleset;
    const result = check("github", RULESET, withoutTarget, { urn: urnOf(RULESET, "storefront-main") });
    expect(result.failures).toEqual([
      {
        property: "target",
        reason: `Missing required argument. The argument "target" is required, but no definition was found. Examine values at 'storefront-main.target'.`,
      },
    ]);
  });

  test("heroku Formation: missing required inputs, an unknown property, a wrong primitive", () => {
    const result = check("heroku", "heroku:formation/formation:Formation", {
      appId: "app-uuid",
      type: "web",
      quantity: "two",
      dynoSize: "standard-1x",
    });
    expect(propertiesOf(result)).toEqual(["dynoSize", "quantity", "size"]);
    expect(
      check("heroku", "heroku:formation/formation:Formation", { appId: "a", type: "web", quantity: 2, size: "standard-1x" }).failures,
    ).toEqual([]);
  });

  test("heroku Coupling: a stage outside the provider's list", () => {
    const result = check("heroku", "heroku:pipeline/coupling:Coupling", { appId: "a", pipeline: "p", stage: "prod" });
    expect(propertiesOf(result)).toEqual(["stage"]);
  });

  test("postgresql Role: an unknown property and a wrong primitive; a Grant without objectType or with a bad one", () => {
    const role = check("postgresql", "postgresql:index/role:Role", {
      name: "runtime",
      superUser: false,
      connectionLimit: "lots",
      login: true,
    });
    expect(propertiesOf(role)).toEqual(["connectionLimit", "superUser"]);
    expect(check("postgresql", "postgresql:index/role:Role", { name: "runtime", connectionLimit: "20", login: "true" }).failures).toEqual(
      [],
    );
    const grant = { database: "app", role: "runtime", schema: "public", privileges: ["SELECT"] };
    expect(propertiesOf(check("postgresql", "postgresql:index/grant:Grant", grant))).toEqual(["objectType"]);
    expect(propertiesOf(check("postgresql", "postgresql:index/grant:Grant", { ...grant, objectType: "tables" }))).toEqual(["objectType"]);
  });

  test("kubernetes Deployment: an unknown container property, a container without its required name, a wrong const", () => {
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "worker" },
      spec: {
        selector: { matchLabels: { app: "w" } },
        template: { spec: { containers: [{ name: "w", image: "img", cpus: 2 }, { image: "img" }] } },
      },
    };
    const result = check("kubernetes", "kubernetes:apps/v1:Deployment", deployment);
    expect(propertiesOf(result)).toEqual(["spec.template.spec.containers[0].cpus", "spec.template.spec.containers[1].name"]);
    expect(
      propertiesOf(check("kubernetes", "kubernetes:apps/v1:Deployment", { ...deployment, apiVersion: "apps/v1beta1", spec: undefined })),
    ).toEqual(["apiVersion"]);
  });

  test("kubernetes Service: IntOrString and string-or-enum accept both shapes, refuse others", () => {
    const service = (port: unknown) => ({ metadata: { name: "s" }, spec: { type: "ClusterIP", ports: [{ port: 80, targetPort: port }] } });
    expect(check("kubernetes", "kubernetes:core/v1:Service", service(8080)).failures).toEqual([]);
    expect(check("kubernetes", "kubernetes:core/v1:Service", service("http")).failures).toEqual([]);
    expect(propertiesOf(check("kubernetes", "kubernetes:core/v1:Service", service({ port: 1 })))).toEqual(["spec.ports[0].targetPort"]);
  });

  test("vercel (derived schema): Project deploymentType must be the provider's spelling; env var targets and required key", () => {
    const project = (deploymentType: string) => ({ name: "web", vercelAuthentication: { deploymentType } });
    expect(check("vercel", "vercel:index/project:Project", project("standard_protection_new")).failures).toEqual([]);
    expect(propertiesOf(check("vercel", "vercel:index/project:Project", project("standardProtectionNew")))).toEqual([
      "vercelAuthentication.deploymentType",
    ]);
    const variable = check("vercel", "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", {
      projectId: "p",
      sensitive: true,
      value: secret("v"),
      targets: ["production", "prod"],
    });
    expect(propertiesOf(variable)).toEqual(["key", "targets[1]"]);
  });

  test("random (derived schema): RandomPassword needs a numeric length", () => {
    expect(propertiesOf(check("random", "random:index/randomPassword:RandomPassword", { special: false }))).toEqual(["length"]);
    expect(propertiesOf(check("random", "random:index/randomPassword:RandomPassword", { length: "long" }))).toEqual(["length"]);
    expect(check("random", "random:index/randomPassword:RandomPassword", { length: 40, special: false }).failures).toEqual([]);
  });

  test("an unknown resource type or package is a failure, not an exception", () => {
    expect(check("github", "github:index/nope:Nope", {}).failures).toEqual([
      { property: "", reason: expect.stringContaining("github:index/nope:Nope") },
    ]);
    expect(check("aws", "aws:s3/bucket:Bucket", {}).failures[0].reason).toContain("no schema for package 'aws'");
  });

  test("unknown values are never judged; secrets are judged by what they hold", () => {
    expect(
      check("github", RULESET, { ...ruleset, enforcement: UNKNOWN_VALUE, repository: UNKNOWN_VALUE, bypassActors: UNKNOWN_VALUE }).failures,
    ).toEqual([]);
    expect(check("github", RULESET, { ...ruleset, rules: UNKNOWN_VALUE }).failures).toEqual([]);
    expect(propertiesOf(check("github", RULESET, { ...ruleset, enforcement: secret("enabled") }))).toEqual(["enforcement"]);
    expect(propertiesOf(check("github", RULESET, { ...ruleset, rules: secret({ bogus: true }) }))).toEqual(["rules.bogus"]);
  });

  test("inputs come back unchanged (secrets and unknowns exactly as sent)", () => {
    const news = { ...ruleset, name: secret("main"), enforcement: UNKNOWN_VALUE };
    expect(check("github", RULESET, news).inputs).toEqual(news);
  });
});

describe("kubernetes check defaults", () => {
  const seed = Buffer.from("0123456789abcdef0123456789abcdef");

  test("sets apiVersion and kind and autonames from the random seed", () => {
    const first = check(
      "kubernetes",
      "kubernetes:core/v1:Namespace",
      {},
      { urn: urnOf("kubernetes:core/v1:Namespace", "apps"), randomSeed: seed },
    );
    expect(first.failures).toEqual([]);
    expect(first.inputs).toMatchObject({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: expect.stringMatching(/^apps-[0-9a-f]{8}$/), annotations: { [AUTONAMED_ANNOTATION]: "true" } },
    });
    const again = check(
      "kubernetes",
      "kubernetes:core/v1:Namespace",
      {},
      { urn: urnOf("kubernetes:core/v1:Namespace", "apps"), randomSeed: seed },
    );
    expect(again.inputs).toEqual(first.inputs);
    const otherSeed = check("kubernetes", "kubernetes:core/v1:Namespace", {}, { name: "apps", randomSeed: Buffer.from("another seed") });
    expect((otherSeed.inputs.metadata as { name: string }).name).not.toBe((first.inputs.metadata as { name: string }).name);
  });

  test("keeps an existing autoname and leaves an explicit name alone", () => {
    const olds = { metadata: { name: "apps-1234abcd", annotations: { [AUTONAMED_ANNOTATION]: "true" } } };
    const kept = check("kubernetes", "kubernetes:core/v1:Namespace", {}, { name: "apps", randomSeed: seed, olds });
    expect((kept.inputs.metadata as { name: string }).name).toBe("apps-1234abcd");
    const named = check(
      "kubernetes",
      "kubernetes:core/v1:ConfigMap",
      { metadata: { name: "flags", namespace: "prod" }, data: { a: "b" } },
      { name: "cm" },
    );
    expect(named.inputs).toEqual({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "flags", namespace: "prod" }, data: { a: "b" } });
  });
});

describe("the inputs Slipway's program produces pass Check", () => {
  const stacks: Record<string, RecordedStack> = {};
  beforeAll(async () => {
    const [production, staging] = await Promise.all([
      runStackInChild({ projectDir: PROJECT_DIR, stack: "production" }),
      runStackInChild({ projectDir: PROJECT_DIR, stack: "staging" }),
    ]);
    stacks.production = production;
    stacks.staging = staging;
  });

  // The stand-ins once caught `vercelAuthentication.deploymentType: "standardProtectionNew"` here:
  // the SDK's docs camelCase it, terraform-provider-vercel takes only `standard_protection_new`.
  test.each(["production", "staging"])("%s: every custom resource of every package passes", (stack) => {
    const found: { type: string; property: string; reason: string }[] = [];
    const packages = new Set<string>();
    for (const resource of stacks[stack].resources.filter((r) => r.custom)) {
      // An explicit provider (`pulumi:providers:<pkg>`) is checked as provider configuration.
      const provider = /^pulumi:providers:(.+)$/.exec(resource.type)?.[1];
      const pkg = provider ?? resource.type.split(":")[0];
      packages.add(pkg);
      const result = provider
        ? checkConfig(pkg, resource.inputs)
        : check(pkg, resource.type, resource.inputs, { urn: resource.urn, randomSeed: Buffer.from("seed") });
      for (const failure of result.failures) found.push({ type: resource.type, property: failure.property, reason: failure.reason });
    }
    expect([...packages].sort()).toEqual(["github", "heroku", "kubernetes", "postgresql", "random", "vercel"]);
    expect(found).toEqual([]);
  });
});

describe("previewOutputs", () => {
  test("random RandomPassword: result and bcryptHash are secret unknowns, inputs stay", () => {
    const outputs = previewOutputs("random", "random:index/randomPassword:RandomPassword", { length: 40, special: false });
    expect(outputs).toEqual({ length: 40, special: false, result: secret(UNKNOWN_VALUE), bcryptHash: secret(UNKNOWN_VALUE) });
  });

  test("github Repository: every output-only property is unknown, nothing else is added", () => {
    const outputs = previewOutputs("github", "github:index/repository:Repository", { name: "storefront", visibility: "private" });
    const outputOnly = outputOnlyProperties(resourceSpec("github", "github:index/repository:Repository")!).map(([key]) => key);
    expect(outputOnly).toEqual(expect.arrayContaining(["nodeId", "repoId", "fullName", "htmlUrl"]));
    expect(outputs).toEqual({
      name: "storefront",
      visibility: "private",
      ...Object.fromEntries(outputOnly.map((key) => [key, UNKNOWN_VALUE])),
    });
  });

  test("secret inputs come back secret, even when sent plain; kubernetes status is unknown", () => {
    const role = previewOutputs("postgresql", "postgresql:index/role:Role", { name: "r", password: "plain" });
    expect(role.password).toEqual(secret("plain"));
    const deployment = previewOutputs("kubernetes", "kubernetes:apps/v1:Deployment", { metadata: { name: "w" } });
    expect(deployment.status).toBe(UNKNOWN_VALUE);
  });

  test("an update's preview keeps computed values the resource already has", () => {
    const outputs = previewOutputs(
      "github",
      "github:index/issueLabel:IssueLabel",
      { repository: "r", name: "bug", color: "fff" },
      { url: "https://x/labels/bug" },
    );
    expect(outputs.url).toBe("https://x/labels/bug");
  });
});

describe("createOutputs", () => {
  const REPO = "github:index/repository:Repository";
  const urn = urnOf(REPO, "storefront");

  test("is deterministic per URN, fills every output-only property with a value of its type", () => {
    const first = createOutputs("github", REPO, urn, { name: "storefront" });
    expect(createOutputs("github", REPO, urn, { name: "storefront" })).toEqual(first);
    expect(createOutputs("github", REPO, urnOf(REPO, "docs"), { name: "storefront" }).outputs.nodeId).not.toEqual(first.outputs.nodeId);
    expect(first.id).toMatch(/^[0-9a-f-]{36}$/);
    const schema = loadSchema("github");
    for (const [key, spec] of outputOnlyProperties(resourceSpec("github", REPO)!)) {
      expect(first.outputs[key]).toBeDefined();
      expect(validateValue("github", schema, "Repository", spec, first.outputs[key], key)).toEqual([]);
    }
    expect(Number.isInteger(first.outputs.repoId)).toBe(true);
  });

  test("a replacement with other inputs is a new object: a new id and new computed values, as on the real API", () => {
    const DEPLOYMENT = "vercel:index/deployment:Deployment";
    const deploymentUrn = urnOf(DEPLOYMENT, "web-deployment");
    const live = createOutputs("vercel", DEPLOYMENT, deploymentUrn, { projectId: "prj_1", ref: "a".repeat(40), production: true });
    const candidate = createOutputs("vercel", DEPLOYMENT, deploymentUrn, { projectId: "prj_1", ref: "b".repeat(40), production: true });
    expect(candidate.id).not.toBe(live.id);
    expect(candidate.outputs.url).not.toBe(live.outputs.url);
    // The same inputs in another key order (the engine sends map keys in no fixed order): the same object.
    expect(createOutputs("vercel", DEPLOYMENT, deploymentUrn, { production: true, ref: "a".repeat(40), projectId: "prj_1" })).toEqual(live);
  });

  test("object-typed outputs are schema-valid (every kubernetes kind's status)", () => {
    const schema = loadSchema("kubernetes");
    for (const [type, resource] of Object.entries(schema.resources)) {
      const { outputs } = createOutputs("kubernetes", type, urnOf(type, "x"), { metadata: { name: "x" } });
      for (const [key, spec] of outputOnlyProperties(resource)) {
        expect(validateValue("kubernetes", schema, type, spec, outputs[key], key)).toEqual([]);
      }
    }
  });

  test("random RandomPassword: a secret result of the asked length and character classes", () => {
    const { outputs } = createOutputs(
      "random",
      "random:index/randomPassword:RandomPassword",
      urnOf("random:index/randomPassword:RandomPassword", "pw"),
      { length: 40, special: false },
    );
    expect(isSecret(outputs.result)).toBe(true);
    expect(reveal(outputs.result)).toMatch(/^[A-Za-z0-9]{40}$/);
    expect(isSecret(outputs.bcryptHash)).toBe(true);
  });

  test("kubernetes ids are <namespace>/<name>; update keeps previous computed values", () => {
    expect(createOutputs("kubernetes", "kubernetes:core/v1:ConfigMap", "u", { metadata: { name: "flags", namespace: "prod" } }).id).toBe(
      "prod/flags",
    );
    const updated = createOutputs("github", REPO, urn, { name: "storefront" }, { nodeId: "R_previous" });
    expect(updated.outputs.nodeId).toBe("R_previous");
  });
});

describe("diff", () => {
  test("equal inputs: no change, even when one side is a secret of the same value", () => {
    expect(
      diff("github", "github:index/repository:Repository", { name: "a", description: "d" }, { name: "a", description: secret("d") })
        .changes,
    ).toBe(false);
  });

  test("a Vercel deployment is immutable and an alias has no update: both are replaced (terraform-provider-vercel RequiresReplace)", () => {
    const DEPLOYMENT = "vercel:index/deployment:Deployment";
    const olds = { projectId: "prj_1", ref: "a".repeat(40), production: true, deleteOnDestroy: false };
    expect(diff("vercel", DEPLOYMENT, olds, { ...olds, ref: "b".repeat(40) }).replaces).toEqual(["ref"]);
    const kept = diff("vercel", DEPLOYMENT, olds, { ...olds, deleteOnDestroy: true });
    expect({ diffs: kept.diffs, replaces: kept.replaces }).toEqual({ diffs: ["deleteOnDestroy"], replaces: [] });
    expect(
      diff(
        "vercel",
        "vercel:index/alias:Alias",
        { alias: "acme.shop", deploymentId: "dpl_1" },
        { alias: "acme.shop", deploymentId: "dpl_2" },
      ).replaces,
    ).toEqual(["deploymentId"]);
    // Held by ignoreChanges (the candidate phase): no change at all.
    expect(
      diff(
        "vercel",
        "vercel:index/alias:Alias",
        { alias: "acme.shop", deploymentId: "dpl_1" },
        { alias: "acme.shop", deploymentId: "dpl_2" },
        { ignoreChanges: ["deploymentId"] },
      ).changes,
    ).toBe(false);
  });

  test("an in-place update, and a replacement for a willReplaceOnChanges property", () => {
    const update = diff(
      "github",
      "github:index/repositoryEnvironment:RepositoryEnvironment",
      { repository: "r", environment: "production", waitTimer: 5 },
      { repository: "r", environment: "production", waitTimer: 15 },
    );
    expect(update).toMatchObject({ changes: true, diffs: ["waitTimer"], replaces: [], detailedDiff: { waitTimer: "update" } });
    const replace = diff("heroku", "heroku:app/app:App", { name: "a", region: "us" }, { name: "a", region: "eu", acm: true });
    expect(replace).toMatchObject({
      diffs: ["acm", "region"],
      replaces: ["region"],
      detailedDiff: { acm: "add", region: "update-replace" },
    });
  });

  test("random: every input replaces", () => {
    expect(diff("random", "random:index/randomPassword:RandomPassword", { length: 20 }, { length: 40 }).replaces).toEqual(["length"]);
    expect(
      diff("random", "random:index/randomPassword:RandomPassword", { length: 20, keepers: { a: "1" } }, { length: 20, keepers: { a: "2" } })
        .replaces,
    ).toEqual(["keepers"]);
  });

  test("an unknown new value counts as a change (and replaces when its property does)", () => {
    expect(
      diff("github", "github:index/issueLabel:IssueLabel", { repository: "r", name: "bug" }, { repository: UNKNOWN_VALUE, name: "bug" }),
    ).toMatchObject({ diffs: ["repository"], replaces: ["repository"] });
  });

  test("kubernetes: a Job's spec and any rename replace; a named object is deleted before its replacement", () => {
    const job = (command: string[]) => ({
      metadata: { name: "migrate" },
      spec: { template: { spec: { containers: [{ name: "m", image: "i", command }] } } },
    });
    const jobDiff = diff("kubernetes", "kubernetes:batch/v1:Job", job(["a"]), job(["b"]));
    expect(jobDiff).toMatchObject({ replaces: ["spec"], deleteBeforeReplace: true });
    const renamed = diff("kubernetes", "kubernetes:core/v1:Service", { metadata: { name: "a" } }, { metadata: { name: "b" } });
    expect(renamed).toMatchObject({ replaces: ["metadata"], deleteBeforeReplace: false });
    const deployment = (replicas: number, app: string) => ({
      metadata: { name: "w" },
      spec: { replicas, selector: { matchLabels: { app } } },
    });
    expect(diff("kubernetes", "kubernetes:apps/v1:Deployment", deployment(1, "w"), deployment(3, "w")).replaces).toEqual([]);
    expect(diff("kubernetes", "kubernetes:apps/v1:Deployment", deployment(1, "w"), deployment(1, "v")).replaces).toEqual(["spec"]);
  });

  test("kubernetes: ConfigMap data replaces unless the provider enables mutation", () => {
    const before = { metadata: { name: "flags" }, data: { a: "1" } };
    const after = { metadata: { name: "flags" }, data: { a: "2" } };
    expect(diff("kubernetes", "kubernetes:core/v1:ConfigMap", before, after, { env: {} }).replaces).toEqual(["data"]);
    expect(
      diff("kubernetes", "kubernetes:core/v1:ConfigMap", before, after, { providerConfig: { enableConfigMapMutable: "true" }, env: {} })
        .replaces,
    ).toEqual([]);
  });

  test("ignoreChanges keeps the old value", () => {
    expect(
      diff(
        "github",
        "github:index/repository:Repository",
        { name: "a", description: "old" },
        { name: "a", description: "new" },
        { ignoreChanges: ["description"] },
      ).changes,
    ).toBe(false);
  });
});

describe("checkConfig", () => {
  test("accepts the config Slipway's stacks set, JSON strings for non-strings, and the engine's version key", () => {
    expect(checkConfig("github", { owner: "acme", token: secret("t"), maxRetries: "3", version: "6.15.0" }).failures).toEqual([]);
    expect(
      checkConfig("postgresql", { host: "pg", username: "admin", password: secret("p"), port: "5432", superuser: "false" }).failures,
    ).toEqual([]);
    expect(checkConfig("kubernetes", { enableServerSideApply: "true", kubeClientSettings: '{"qps": 5}' }).failures).toEqual([]);
    expect(checkConfig("vercel", { team: "acme" }).failures).toEqual([]);
  });

  test("refuses an unknown key and a value of the wrong type", () => {
    expect(checkConfig("github", { owner: "acme", ownr: "acme", maxRetries: "many" }).failures.map((f) => f.property)).toEqual([
      "ownr",
      "maxRetries",
    ]);
    expect(checkConfig("github", { ownr: "acme" }).failures[0].reason).toContain("Invalid or unknown key");
  });
});
