import { TEAM_IDS, USER_IDS, inputsOf, promiseOf, registrations } from "./harness";
import { isSecret, secret as wrappedSecret } from "../support/wire";
import { exampleConfig } from "../support/project";
import * as pulumi from "@pulumi/pulumi";
import { FLAGS_VARIABLE, RELEASE_MANIFEST_VARIABLE, type ReleaseManifest, releaseManifestSchema } from "../../contract";
import { SecretString, type EnvironmentConfig } from "../../config/config";
import { flagdJson } from "../../config/flagd";
import { DeploymentEnvironment } from "../../components/github/environment";

const production = exampleConfig("production");
const staging = exampleConfig("staging");
const productionConfig = production.environments.production!;

const manifest: ReleaseManifest = releaseManifestSchema.parse({
  stack: "production",
  environment: "production",
  version: production.release.version,
  level: production.release.level,
  changeRequest: production.release.changeRequest,
  hotfix: production.release.hotfix,
  artifacts: production.release.artifacts,
  validation: null,
  changelog: null,
});
const manifestJson = JSON.stringify(manifest);
const productionFlags = flagdJson(production.flags, "production");

/** The plain text of a config secret, for comparisons only: never printed. */
function reveal(secret: SecretString): Promise<string> {
  return promiseOf(secret.toOutput());
}

/** A minimal environment config with the schema's defaults. */
function environmentConfig(overrides: Partial<EnvironmentConfig>): EnvironmentConfig {
  return {
    reviewerTeams: [],
    reviewerUsers: [],
    preventSelfReview: true,
    waitTimerMinutes: 0,
    canAdminsBypass: false,
    secrets: {},
    variables: {},
    ...overrides,
  };
}

describe("DeploymentEnvironment (production example)", () => {
  const environment = new DeploymentEnvironment("storefront-production", {
    repository: "storefront",
    environment: "production",
    config: productionConfig,
    reviewerTeamIds: productionConfig.reviewerTeams.map((slug) => TEAM_IDS[slug]),
    reviewerUserIds: [],
    releaseManifestJson: manifestJson,
    flagsJson: productionFlags,
  });

  test("production needs a reviewer from release-captains or sre-oncall, forbids self-review and soaks 15 minutes", async () => {
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "production",
      reviewers: [{ teams: [4711, 4712], users: [] }],
      preventSelfReview: true,
      waitTimer: 15,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
  });

  test("production deploys only from main and v* tags", async () => {
    const policies = await Promise.all(environment.deploymentPolicies.map(inputsOf));
    expect(policies).toEqual([
      { repository: "storefront", environment: "production", branchPattern: "main" },
      { repository: "storefront", environment: "production", tagPattern: "v*" },
    ]);
  });

  test("deploy credentials are environment secrets, passed as Pulumi secrets", async () => {
    const secrets = await Promise.all(environment.secrets.map(inputsOf));
    const expected = await Promise.all(
      Object.entries(productionConfig.secrets).map(async ([secretName, secret]) => ({
        repository: "storefront",
        environment: "production",
        secretName,
        plaintextValue: wrappedSecret(await reveal(secret)),
      })),
    );
    expect(secrets.map((secret) => secret.secretName)).toEqual([
      "HEROKU_API_KEY",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
      "SLIPWAY_GITHUB_TOKEN",
      "VERCEL_API_TOKEN",
    ]);
    // Compared, not printed: a failing equality shows only the test's own opaque stand-ins.
    expect(secrets).toEqual(expected);
    for (const secret of environment.secrets) {
      expect(await pulumi.isSecret(secret.plaintextValue)).toBe(true);
      expect(isSecret((await inputsOf(secret)).plaintextValue)).toBe(true);
    }
  });

  test("variables carry the configured values, the release manifest and the flags, and no secret", async () => {
    const variables = await Promise.all(environment.variables.map(inputsOf));
    expect(variables).toEqual([
      { repository: "storefront", environment: "production", variableName: "API_BASE_URL", value: "https://api.acme.shop" },
      { repository: "storefront", environment: "production", variableName: RELEASE_MANIFEST_VARIABLE, value: manifestJson },
      { repository: "storefront", environment: "production", variableName: FLAGS_VARIABLE, value: productionFlags },
    ]);
    const secretValues = await Promise.all(Object.values(productionConfig.secrets).map(reveal));
    for (const variable of variables) {
      expect(isSecret(variable.value)).toBe(false);
      for (const secretValue of secretValues) expect(String(variable.value).includes(secretValue)).toBe(false);
    }
    expect(releaseManifestSchema.parse(JSON.parse(String(variables[1].value))).version).toBe("1.4.0");
  });
});

describe("DeploymentEnvironment variants", () => {
  test("without deployRefs, staging deploys from protected branches only and sets no reviewers", async () => {
    const environment = new DeploymentEnvironment("unnamed-refs-staging", {
      repository: "storefront",
      environment: "staging",
      config: environmentConfig({}),
      reviewerTeamIds: [],
      reviewerUserIds: [],
      releaseManifestJson: "{}",
      flagsJson: flagdJson(staging.flags, "staging"),
    });
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "staging",
      preventSelfReview: true,
      waitTimer: 0,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
    });
    expect(environment.deploymentPolicies).toEqual([]);
  });

  test("preview (staging example) admits every branch: pull requests run there, so it holds nothing that reaches production", async () => {
    const previewConfig = staging.environments.preview!;
    expect(previewConfig.deployRefs).toBeUndefined();
    const environment = new DeploymentEnvironment("storefront-preview", {
      repository: "storefront",
      environment: "preview",
      config: previewConfig,
      reviewerTeamIds: [],
      reviewerUserIds: [],
      flagsJson: flagdJson(staging.flags, "preview"),
    });
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "preview",
      preventSelfReview: true,
      waitTimer: 0,
      canAdminsBypass: false,
    });
    expect(environment.deploymentPolicies).toEqual([]);
    expect(environment.secrets).toEqual([]);
    // Named refs still restrict it.
    const named = new DeploymentEnvironment("named-preview", {
      repository: "storefront",
      environment: "preview",
      config: environmentConfig({ deployRefs: { branches: ["feature/*"], tags: [] } }),
      reviewerTeamIds: [],
      reviewerUserIds: [],
      flagsJson: flagdJson(staging.flags, "preview"),
    });
    expect((await inputsOf(named.environment)).deploymentBranchPolicy).toEqual({ protectedBranches: false, customBranchPolicies: true });
  });

  test("reviewer users are named by their numeric ids", async () => {
    const environment = new DeploymentEnvironment("users-production", {
      repository: "storefront",
      environment: "production",
      config: environmentConfig({ reviewerUsers: ["alice-release", "bob-oncall"], deployRefs: { branches: [], tags: ["v*", "mvp-*"] } }),
      reviewerTeamIds: [],
      reviewerUserIds: [USER_IDS["alice-release"], USER_IDS["bob-oncall"]],
      releaseManifestJson: manifestJson,
      flagsJson: productionFlags,
    });
    const inputs = await inputsOf(environment.environment);
    expect(inputs.reviewers).toEqual([{ teams: [], users: [9001, 9002] }]);
    expect(await Promise.all(environment.deploymentPolicies.map(inputsOf))).toEqual([
      { repository: "storefront", environment: "production", tagPattern: "v*" },
      { repository: "storefront", environment: "production", tagPattern: "mvp-*" },
    ]);
  });

  test("the repository may be an output: the environment waits for it", async () => {
    const environment = new DeploymentEnvironment("later-staging", {
      repository: pulumi.output(Promise.resolve("later")),
      environment: "staging",
      config: environmentConfig({ variables: { REGION: "eu" } }),
      reviewerTeamIds: [],
      reviewerUserIds: [],
      releaseManifestJson: pulumi.output(manifestJson),
      flagsJson: "{}",
    });
    expect((await inputsOf(environment.variables[0])).repository).toBe("later");
  });

  test("two repositories' environments of the same name do not collide", async () => {
    const config = environmentConfig({ secrets: { DEPLOY_KEY: new SecretString("k") }, variables: { REGION: "eu" } });
    const common = {
      environment: "staging" as const,
      config,
      reviewerTeamIds: [],
      reviewerUserIds: [],
      releaseManifestJson: "{}",
      flagsJson: "{}",
    };
    const a = new DeploymentEnvironment("app-a-staging", { ...common, repository: "app-a" });
    const b = new DeploymentEnvironment("app-b-staging", { ...common, repository: "app-b" });
    const children = [a, b].flatMap((e) => [e.environment, ...e.secrets, ...e.variables]);
    const inputs = await Promise.all(children.map(inputsOf));
    expect(inputs.map((i) => i.repository)).toEqual([
      "app-a",
      "app-a",
      "app-a",
      "app-a",
      "app-a",
      "app-b",
      "app-b",
      "app-b",
      "app-b",
      "app-b",
    ]);
    // Registrations are keyed by type and name: a collision would have left fewer than ten.
    const githubResources = [...registrations.keys()].filter((key) => key.startsWith("github:") && /::app-[ab]-staging/.test(key));
    expect(githubResources.length).toBe(10);
  });

  test("a configured variable may not shadow the release manifest", () => {
    expect(
      () =>
        new DeploymentEnvironment("shadow-staging", {
          repository: "storefront",
          environment: "staging",
          config: environmentConfig({ variables: { [RELEASE_MANIFEST_VARIABLE]: "{}" } }),
          reviewerTeamIds: [],
          reviewerUserIds: [],
          releaseManifestJson: manifestJson,
          flagsJson: "{}",
        }),
    ).toThrow(
      "slipway:environments.staging.variables.SLIPWAY_RELEASE_MANIFEST: is reserved, Slipway sets it from the release, the ledger and the flags",
    );
  });
});

describe("DeploymentEnvironment (staging example)", () => {
  const stagingConfig = staging.environments.staging!;
  const environment = new DeploymentEnvironment("storefront-staging", {
    repository: "storefront",
    environment: "staging",
    config: stagingConfig,
    reviewerTeamIds: [],
    reviewerUserIds: [],
    releaseManifestJson: JSON.stringify({ ...manifest, stack: "staging", environment: "staging" }),
    flagsJson: flagdJson(staging.flags, "staging"),
  });

  test("staging deploys main without waiting for a reviewer", async () => {
    expect(await inputsOf(environment.environment)).toEqual({
      repository: "storefront",
      environment: "staging",
      preventSelfReview: true,
      waitTimer: 0,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
    });
    expect(await Promise.all(environment.deploymentPolicies.map(inputsOf))).toEqual([
      { repository: "storefront", environment: "staging", branchPattern: "main" },
    ]);
  });

  test("staging's deploy credentials are its own environment secrets", async () => {
    const secrets = await Promise.all(environment.secrets.map(inputsOf));
    expect(secrets.map((secret) => secret.secretName)).toEqual([
      "HEROKU_API_KEY",
      "PULUMI_ACCESS_TOKEN",
      "PULUMI_CONFIG_PASSPHRASE",
      "SLIPWAY_GITHUB_TOKEN",
      "VERCEL_API_TOKEN",
    ]);
    for (const secret of secrets) expect(secret.environment).toBe("staging");
  });

  test("staging's variables carry its API URL, its release and its flag defaults", async () => {
    const variables = await Promise.all(environment.variables.map(inputsOf));
    expect(variables.map((variable) => variable.variableName)).toEqual(["API_BASE_URL", RELEASE_MANIFEST_VARIABLE, FLAGS_VARIABLE]);
    expect(variables[0]).toEqual({
      repository: "storefront",
      environment: "staging",
      variableName: "API_BASE_URL",
      value: "https://api.acme-staging.dev",
    });
    // auto-publish (L3) is on in staging, on sandbox accounts (003 §4.4).
    expect(JSON.parse(variables[2].value as string).flags["auto-publish"].defaultVariant).toBe("on");
  });
});
