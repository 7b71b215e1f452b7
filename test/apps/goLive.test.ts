/**
 * Live only after checks (003 §5.1: "A production build is not released until checks pass"; 000 §4).
 *
 * The deploy workflow runs two updates. The first, `SLIPWAY_GO_LIVE=candidate`, builds the release
 * where customers do not reach it and leaves what routes their traffic as the last update left
 * it; its smoke checks run against the candidate; only then does the second, `live`, move the
 * traffic. These tests read the registrations each phase sends the engine, per platform: which
 * resource carries production traffic, and whether the candidate update may touch it
 * (`ignoreChanges` makes the engine keep the value the stack's state holds, i.e. the live one).
 */
import { HerokuApp, KubernetesWorkloads, VercelApp, type HerokuAppArgs, type VercelAppArgs } from "../../components/apps";
import { goLivePhaseFromEnv, parseStackConfig } from "../../config/config";
import { flagdJson } from "../../config/flagd";
import { flagsSourceUrl } from "../../contract";
import { GO_LIVE_ENV, type GoLivePhase } from "../../contract/release";
import { check } from "../../providers/model";
import { find, ofType, runProgram, type ProgramRecord } from "../support/mocks";
import { exampleStack } from "../support/project";

const VERCEL_PROJECT = "vercel:index/project:Project";
const VERCEL_DEPLOYMENT = "vercel:index/deployment:Deployment";
const VERCEL_ALIAS = "vercel:index/alias:Alias";
const HEROKU_APP = "heroku:app/app:App";
const HEROKU_CONFIG = "heroku:app/configAssociation:ConfigAssociation";
const HEROKU_RELEASE = "heroku:app/release:Release";
const HEROKU_FORMATION = "heroku:formation/formation:Formation";
const K8S_DEPLOYMENT = "kubernetes:apps/v1:Deployment";

function vercelArgs(stack: "staging" | "production", goLive: GoLivePhase): VercelAppArgs {
  const config = exampleStack(stack);
  return {
    app: config.apps.vercel[0],
    githubOwner: config.github.owner,
    environment: config.environment,
    isProduction: stack === "production",
    artifact: config.release.artifacts.web,
    version: config.release.version,
    flagsUrl: flagsSourceUrl(config.github.owner, config.github.repositories[0].name, config.environment),
    previewFlagsUrl:
      stack === "production" ? undefined : flagsSourceUrl(config.github.owner, config.github.repositories[0].name, "preview"),
    goLive,
  };
}

function herokuArgs(stack: "staging" | "production", goLive: GoLivePhase): HerokuAppArgs {
  const config = exampleStack(stack);
  return {
    app: config.apps.heroku[0],
    environment: config.environment,
    isProduction: stack === "production",
    artifact: config.release.artifacts.api,
    version: config.release.version,
    flagsUrl: flagsSourceUrl(config.github.owner, "storefront", config.environment),
    goLive,
  };
}

const vercel = (stack: "staging" | "production", goLive: GoLivePhase) =>
  runProgram(stack, () => new VercelApp("web", vercelArgs(stack, goLive)));
const heroku = (stack: "staging" | "production", goLive: GoLivePhase) =>
  runProgram(stack, () => new HerokuApp("api", herokuArgs(stack, goLive)));

describe("the go-live phase is read once, at the edge", () => {
  test("the deploy workflow's two updates are `candidate` then `live`; unset is `live` (a preview, the gate, the drift check)", () => {
    expect(goLivePhaseFromEnv({ [GO_LIVE_ENV]: "candidate" })).toBe("candidate");
    expect(goLivePhaseFromEnv({ [GO_LIVE_ENV]: "live" })).toBe("live");
    expect(goLivePhaseFromEnv({})).toBe("live");
  });

  test("anything else is refused with the variable's name, before a resource exists", () => {
    expect(() => goLivePhaseFromEnv({ [GO_LIVE_ENV]: "canary" })).toThrow(
      "SLIPWAY_GO_LIVE: is 'canary': expected candidate or live (unset: live)",
    );
  });
});

describe.each(["production", "staging"] as const)(
  "Vercel (%s): the deployment is built off the domains, and the aliases move after smoke",
  (stack) => {
    let candidate: ProgramRecord;
    let live: ProgramRecord;
    beforeAll(async () => {
      candidate = await vercel(stack, "candidate");
      live = await vercel(stack, "live");
    });

    test("the project assigns its domains to no production deployment by itself", () => {
      expect(find(candidate, VERCEL_PROJECT, "web").inputs.autoAssignCustomDomains).toBe(false);
    });

    test("the release is a production build (production variables), retained when replaced: the candidate, reached at its own URL", () => {
      const deployment = find(candidate, VERCEL_DEPLOYMENT, "web-deployment");
      expect(deployment.inputs).toMatchObject({ production: true, deleteOnDestroy: false });
      expect(deployment.retainOnDelete).toBe(true);
    });

    test("candidate: every domain's alias keeps the deployment it points at, so production traffic stays on the live release", () => {
      const domains = exampleStack(stack).apps.vercel[0].domains;
      const aliases = ofType(candidate, VERCEL_ALIAS);
      expect(aliases.map((alias) => alias.inputs.alias)).toEqual(domains);
      expect(domains.length).toBeGreaterThan(0);
      for (const alias of aliases) {
        expect(alias.ignoreChanges).toEqual(["deploymentId"]);
        // A replaced alias is kept: deleting it would take the domain off whatever it serves.
        expect(alias.retainOnDelete).toBe(true);
      }
    });

    test("live, after the smoke checks passed: the aliases point at this release's deployment", () => {
      const deployment = find(live, VERCEL_DEPLOYMENT, "web-deployment");
      for (const alias of ofType(live, VERCEL_ALIAS)) {
        expect(alias.ignoreChanges).toEqual([]);
        expect(alias.inputs.deploymentId).toBe("web-deployment-id");
        expect(alias.dependencies).toContain(deployment.urn);
        expect(alias.retainOnDelete).toBe(true);
      }
    });

    test("both phases declare the same resources: the phase changes what an update may touch, not what the stack is", () => {
      const names = (record: ProgramRecord) => record.resources.map((resource) => `${resource.type}::${resource.name}`);
      expect(names(candidate)).toEqual(names(live));
    });
  },
);

describe.each(["production", "staging"] as const)(
  "Heroku (%s): the slug runs on a candidate app first, the live app gets it after smoke",
  (stack) => {
    let candidate: ProgramRecord;
    let live: ProgramRecord;
    const args = herokuArgs(stack, "candidate");
    beforeAll(async () => {
      candidate = await heroku(stack, "candidate");
      live = await heroku(stack, "live");
    });

    test("the candidate app is another app, with the live app's region, stack and config, released the same slug, one web dyno", () => {
      const app = find(candidate, HEROKU_APP, "api-candidate");
      expect(app.inputs).toEqual({ name: `${args.app.appName}-rc`, region: args.app.region, stack: "heroku-24" });
      expect(find(candidate, HEROKU_CONFIG, "api-candidate-config").inputs).toEqual({
        ...find(candidate, HEROKU_CONFIG, "api-config").inputs,
        appId: "api-candidate-id",
      });
      expect(find(candidate, HEROKU_RELEASE, "api-candidate-release").inputs).toEqual({
        appId: "api-candidate-id",
        slugId: args.artifact.slugId,
        description: `Slipway release ${args.version}`,
      });
      expect(find(candidate, HEROKU_FORMATION, "api-candidate-formation-web").inputs).toMatchObject({
        appId: "api-candidate-id",
        type: "web",
        quantity: 1,
      });
      // Every update declares the candidate as it is: it never holds anything back.
      for (const name of ["api-candidate-config", "api-candidate-release"])
        expect(find(candidate, name.endsWith("config") ? HEROKU_CONFIG : HEROKU_RELEASE, name).ignoreChanges).toEqual([]);
    });

    test("candidate: the live app keeps its release and its config (a config change alone restarts its dynos as a new release)", () => {
      expect(find(candidate, HEROKU_RELEASE, "api-release").ignoreChanges).toEqual(["slugId", "description"]);
      expect(find(candidate, HEROKU_CONFIG, "api-config").ignoreChanges).toEqual(["vars", "sensitiveVars"]);
    });

    test("live, after the smoke checks passed: the live app releases the slug the candidate ran, after the candidate", () => {
      const release = find(live, HEROKU_RELEASE, "api-release");
      expect(release.ignoreChanges).toEqual([]);
      expect(release.inputs.slugId).toBe(find(live, HEROKU_RELEASE, "api-candidate-release").inputs.slugId);
      expect(release.dependencies).toContain(find(live, HEROKU_FORMATION, "api-candidate-formation-web").urn);
      expect(find(live, HEROKU_CONFIG, "api-config").ignoreChanges).toEqual([]);
    });
  },
);

describe("Heroku candidate app names", () => {
  test("a candidate named after the live app itself is refused by the config: the release would take traffic before its checks", () => {
    const config = exampleStack("production");
    const raw = {
      file: "Pulumi.production.yaml",
      values: { "slipway:apps": { heroku: [{ ...rawHeroku(config), candidateAppName: "acme-api" }] } },
      securePaths: new Set<string>(),
    };
    expect(() => parseStackConfig(raw)).toThrow("slipway:apps.heroku[0].candidateAppName: names the live app itself");
  });

  test("a container-stack app is refused: Slipway releases slugs, which a container app does not run", () => {
    const config = exampleStack("production");
    const raw = {
      file: "Pulumi.production.yaml",
      values: { "slipway:apps": { heroku: [{ ...rawHeroku(config), stack: "container" }] } },
      securePaths: new Set<string>(),
    };
    expect(() => parseStackConfig(raw)).toThrow("slipway:apps.heroku[0].stack: is 'container', but Slipway releases the app's slug");
  });
});

/** The example's Heroku app as a stack file would hold it, without its secrets. */
function rawHeroku(config: ReturnType<typeof exampleStack>): Record<string, unknown> {
  const app = config.apps.heroku[0];
  return {
    name: app.name,
    appName: app.appName,
    region: app.region,
    stack: app.stack,
    formation: app.formation,
    configVars: app.configVars,
    pipelineId: app.pipelineId,
  };
}

describe.each(["production", "staging"] as const)(
  "Kubernetes (%s): a readiness-gated rollout that fails within 5 minutes (002 §3)",
  (stack) => {
    let record: ProgramRecord;
    beforeAll(async () => {
      const config = exampleStack(stack);
      record = await runProgram(
        stack,
        () =>
          new KubernetesWorkloads("workloads", {
            config: config.apps.kubernetes!,
            environment: config.environment,
            isProduction: stack === "production",
            artifacts: config.release.artifacts,
            flagsJson: flagdJson(config.flags, config.environment),
          }),
      );
    });

    test("a new pod takes traffic only once ready, and no ready pod goes before its replacement is ready", () => {
      for (const deployment of ofType(record, K8S_DEPLOYMENT)) {
        const spec = deployment.inputs.spec as Record<string, any>;
        expect(spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        for (const container of spec.template.spec.containers) expect(container.readinessProbe).toBeDefined();
      }
    });

    test("a rollout not complete in 300 seconds fails the update, not after the provider's 10 minutes, while the old pods still serve", () => {
      const deployments = ofType(record, K8S_DEPLOYMENT);
      expect(deployments.length).toBeGreaterThan(0);
      for (const deployment of deployments) {
        expect((deployment.inputs.spec as Record<string, unknown>).progressDeadlineSeconds).toBe(300);
        expect((deployment.inputs.metadata as Record<string, any>).annotations["pulumi.com/timeoutSeconds"]).toBe("300");
      }
    });
  },
);

describe("the go-live resources pass the Check of the stand-in providers (the vendored schemas)", () => {
  test.each(["candidate", "live"] as const)("every Vercel, Heroku and Kubernetes input of the %s phase is schema-valid", async (phase) => {
    const config = exampleStack("production");
    const records = [
      await vercel("production", phase),
      await heroku("production", phase),
      await runProgram(
        "production",
        () =>
          new KubernetesWorkloads("workloads", {
            config: config.apps.kubernetes!,
            environment: "production",
            isProduction: true,
            artifacts: config.release.artifacts,
            flagsJson: flagdJson(config.flags, "production"),
          }),
      ),
    ];
    const checked = records.flatMap((record) => record.resources.filter((resource) => resource.custom));
    expect(checked.map((resource) => resource.type)).toEqual(
      expect.arrayContaining([VERCEL_ALIAS, VERCEL_PROJECT, HEROKU_APP, HEROKU_RELEASE, K8S_DEPLOYMENT]),
    );
    for (const resource of checked) {
      expect({
        resource: resource.name,
        failures: check(resource.type.split(":")[0], resource.type, resource.inputs as never).failures,
      }).toEqual({ resource: resource.name, failures: [] });
    }
  });
});
