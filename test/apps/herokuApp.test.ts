/**
 * HerokuApp: the release is the artifact's slug (production runs the slug staging ran), config
 * vars split into plain and sensitive, no release phase, and one pipeline shared by both stacks
 * but managed by only one of them.
 */
import { HerokuApp, type HerokuAppArgs } from "../../components/apps";
import { flagsSourceUrl } from "../../contract";
import { childrenOf, find, ofType, runProgram, type ProgramRecord } from "../support/mocks";
import { secret } from "../support/wire";
import { exampleCiphertext, exampleStack } from "../support/project";
import { providerSchemasAvailable } from "../support/providerSchema";
import { loadSchema, validateFunctionArgs, validateResourceInputs } from "../support/providerSchema";

const COMPONENT = "slipway:apps:HerokuApp";
const APP = "heroku:app/app:App";
const CONFIG = "heroku:app/configAssociation:ConfigAssociation";
const RELEASE = "heroku:app/release:Release";
const FORMATION = "heroku:formation/formation:Formation";
const PIPELINE = "heroku:pipeline/pipeline:Pipeline";
const COUPLING = "heroku:pipeline/coupling:Coupling";

/** The args the topology passes for the example stack's `api` app. */
function exampleArgs(stack: "staging" | "production"): HerokuAppArgs {
  const config = exampleStack(stack);
  return {
    app: config.apps.heroku[0],
    environment: config.environment,
    isProduction: stack === "production",
    artifact: config.release.artifacts.api,
    version: config.release.version,
    flagsUrl: flagsSourceUrl(config.github.owner, "storefront", config.environment),
  };
}

const STACKS = ["staging", "production"] as const;

const deploy = (stack: "staging" | "production", args: HerokuAppArgs) => runProgram(stack, () => new HerokuApp("api", args));

describe("HerokuApp in the production example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("production");
  beforeAll(async () => {
    record = await deploy("production", args);
  });

  test("registers the app, its config, the release, the web dynos and the coupling, and the candidate app the release runs on first", () => {
    expect(childrenOf(record, find(record, COMPONENT, "api"))).toEqual(
      [
        `${APP}::api`,
        `${CONFIG}::api-config`,
        `${RELEASE}::api-release`,
        `${FORMATION}::api-formation-web`,
        `${COUPLING}::api-coupling`,
        `${APP}::api-candidate`,
        `${CONFIG}::api-candidate-config`,
        `${RELEASE}::api-candidate-release`,
        `${FORMATION}::api-candidate-formation-web`,
      ].sort(),
    );
  });

  test("the production app is protected from deletion", () => {
    const app = find(record, APP, "api");
    expect(app.inputs).toEqual({ name: "acme-api", region: "eu", stack: "heroku-24" });
    expect(app.protect).toBe(true);
  });

  test("plain config vars and SLIPWAY_FLAGS_URL are vars; secrets are sensitiveVars, sent as a secret", () => {
    const config = find(record, CONFIG, "api-config");
    expect(config.inputs).toEqual({
      appId: "api-id",
      vars: {
        NODE_ENV: "production",
        PUBLIC_URL: "https://api.acme.shop",
        SLIPWAY_FLAGS_URL: "https://api.github.com/repos/acme/storefront/environments/production/variables/SLIPWAY_FLAGS",
      },
      sensitiveVars: secret({
        DATABASE_URL: exampleCiphertext("production", ["slipway:apps", "heroku", 0, "secrets", "DATABASE_URL"]),
        SLIPWAY_FLAGS_TOKEN: exampleCiphertext("production", ["slipway:apps", "heroku", 0, "secrets", "SLIPWAY_FLAGS_TOKEN"]),
      }),
    });
    expect(config.additionalSecretOutputs).toEqual(["sensitiveVars"]);
  });

  test("the release is the artifact's slug, created after the config it runs with", () => {
    const release = find(record, RELEASE, "api-release");
    expect(release.inputs).toEqual({
      appId: "api-id",
      slugId: "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b",
      description: "Slipway release 1.4.0",
    });
    expect(release.dependencies).toContain(find(record, CONFIG, "api-config").urn);
  });

  test("dynos are scaled after the release exists, and no release phase is ever created", () => {
    const web = find(record, FORMATION, "api-formation-web");
    expect(web.inputs).toEqual({ appId: "api-id", type: "web", quantity: 2, size: "standard-2x" });
    expect(web.dependencies).toContain(find(record, RELEASE, "api-release").urn);
    expect(ofType(record, FORMATION).map((formation) => formation.inputs.type)).not.toContain("release");
  });

  test("production couples its app into staging's pipeline, by the id its config gives, at the production stage", () => {
    expect(args.app.pipelineId).toBe("3f9d2c41-7b6e-4a58-9c0d-2e1f4a6b8c73");
    expect(find(record, COUPLING, "api-coupling").inputs).toEqual({ appId: "api-id", pipeline: args.app.pipelineId, stage: "production" });
    expect(ofType(record, PIPELINE)).toEqual([]);
    expect(record.invokes).toEqual([]);
  });
});

describe("HerokuApp in the staging example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("staging");
  beforeAll(async () => {
    record = await deploy("staging", args);
  });

  test("staging, first in promotion order, creates the pipeline and couples its app at the staging stage", () => {
    expect(find(record, PIPELINE, "api-pipeline").inputs).toEqual({ name: "acme-api" });
    expect(find(record, COUPLING, "api-coupling").inputs).toEqual({ appId: "api-id", pipeline: "api-pipeline-id", stage: "staging" });
    expect(record.invokes).toEqual([]);
  });

  test("the staging app is not protected and runs staging's slug", () => {
    const app = find(record, APP, "api");
    expect(app.inputs).toEqual({ name: "acme-api-staging", region: "eu", stack: "heroku-24" });
    expect(app.protect).toBe(false);
    expect(find(record, RELEASE, "api-release").inputs).toEqual({
      appId: "api-id",
      slugId: "2f6c1d8e-4b3a-4c5d-9e8f-1a2b3c4d5e6f",
      description: "Slipway release 1.5.0",
    });
    expect(find(record, FORMATION, "api-formation-web").inputs).toEqual({ appId: "api-id", type: "web", quantity: 1, size: "standard-1x" });
  });

  test("staging's config vars point at staging's served flags", () => {
    expect(find(record, CONFIG, "api-config").inputs).toEqual({
      appId: "api-id",
      vars: {
        NODE_ENV: "staging",
        PUBLIC_URL: "https://api.acme-staging.dev",
        SLIPWAY_FLAGS_URL: "https://api.github.com/repos/acme/storefront/environments/staging/variables/SLIPWAY_FLAGS",
      },
      sensitiveVars: secret({
        DATABASE_URL: exampleCiphertext("staging", ["slipway:apps", "heroku", 0, "secrets", "DATABASE_URL"]),
        SLIPWAY_FLAGS_TOKEN: exampleCiphertext("staging", ["slipway:apps", "heroku", 0, "secrets", "SLIPWAY_FLAGS_TOKEN"]),
      }),
    });
  });
});

describe("one pipeline, shared by both stacks, managed by one", () => {
  test("exactly one of the example stacks owns the pipeline; the other couples by id", () => {
    expect(STACKS.map((stack) => exampleArgs(stack).app.pipeline).filter(Boolean)).toEqual(["acme-api"]);
    expect(STACKS.map((stack) => exampleArgs(stack).app.pipelineId).filter(Boolean)).toHaveLength(1);
  });

  test("the owning stack protects the pipeline from deletion: every stage's coupling hangs on it", async () => {
    const record = await deploy("staging", exampleArgs("staging"));
    expect(find(record, PIPELINE, "api-pipeline").protect).toBe(true);
  });

  test("neither stack looks a pipeline up: that would need an API key and an existing pipeline at preview", async () => {
    for (const stack of STACKS) expect((await deploy(stack, exampleArgs(stack))).invokes).toEqual([]);
  });
});

describe("HerokuApp variants", () => {
  test("promoting staging's slug to production releases the very same slug", async () => {
    const staging = exampleArgs("staging");
    const production = exampleArgs("production");
    const record = await deploy("production", { ...production, artifact: staging.artifact });
    expect(find(record, RELEASE, "api-release").inputs.slugId).toBe(staging.artifact.slugId);
  });

  test("an app without a pipeline has no pipeline, no coupling and no lookup", async () => {
    const base = exampleArgs("staging");
    const record = await deploy("staging", { ...base, app: { ...base.app, pipeline: undefined } });
    expect([...ofType(record, PIPELINE), ...ofType(record, COUPLING)]).toEqual([]);
    expect(record.invokes).toEqual([]);
  });

  test("an app without secrets sends no sensitiveVars", async () => {
    const base = exampleArgs("staging");
    const record = await deploy("staging", { ...base, app: { ...base.app, secrets: {} } });
    expect(Object.keys(find(record, CONFIG, "api-config").inputs).sort()).toEqual(["appId", "vars"]);
  });

  test("each process type gets its own formation", async () => {
    const base = exampleArgs("production");
    const formation = { web: { quantity: 2, size: "standard-2x" }, worker: { quantity: 1, size: "standard-1x" } };
    const record = await deploy("production", { ...base, app: { ...base.app, formation } });
    expect(find(record, FORMATION, "api-formation-worker").inputs).toEqual({
      appId: "api-id",
      type: "worker",
      quantity: 1,
      size: "standard-1x",
    });
    // The live app's two process types, and the candidate's one web dyno (its smoke checks' target).
    expect(ofType(record, FORMATION).map((f) => f.name)).toEqual([
      "api-candidate-formation-web",
      "api-formation-web",
      "api-formation-worker",
    ]);
  });

  test("a release process type that slipped past the config is still refused", async () => {
    const base = exampleArgs("production");
    const formation = { web: { quantity: 2, size: "standard-2x" }, release: { quantity: 1, size: "standard-1x" } };
    await expect(deploy("production", { ...base, app: { ...base.app, formation } })).rejects.toThrow(
      "slipway:apps.heroku (api).formation.release: a release phase would run migrations implicitly (004 §3)",
    );
  });

  test("an artifact without a slug id is refused", async () => {
    const base = exampleArgs("production");
    await expect(deploy("production", { ...base, artifact: { commitSha: "a".repeat(40) } })).rejects.toThrow(
      "slipway:release.artifacts.api.slugId: is required: Heroku app 'acme-api' releases a slug",
    );
  });
});

const schemaTest = providerSchemasAvailable() ? describe : describe.skip;

schemaTest("HerokuApp inputs against the provider schema", () => {
  test.each(["staging", "production"] as const)(
    "every Heroku input of the %s example conforms to heroku-pulumiverse-1.0.4.json",
    async (stack) => {
      const schema = loadSchema("heroku-pulumiverse-1.0.4.json");
      const record = await deploy(stack, exampleArgs(stack));
      const heroku = record.resources.filter((resource) => resource.type.startsWith("heroku:"));
      expect(heroku.length).toBeGreaterThanOrEqual(5);
      for (const resource of heroku) expect(validateResourceInputs(schema, resource.type, resource.inputs)).toEqual([]);
      for (const invoke of record.invokes) expect(validateFunctionArgs(schema, invoke.token, invoke.args)).toEqual([]);
    },
  );
});
