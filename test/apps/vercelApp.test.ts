/**
 * VercelApp: one project per environment, the release pinned to a commit SHA, previews protected,
 * secrets sensitive and kept from previews unless listed, deployments kept as rollback targets.
 */
import { VercelApp, type VercelAppArgs } from "../../components/apps";
import { flagsSourceUrl } from "../../contract";
import { childrenOf, find, ofType, runProgram, type ProgramRecord } from "../support/mocks";
import { secret } from "../support/wire";
import { exampleCiphertext, exampleStack } from "../support/project";

const PROJECT = "vercel:index/project:Project";
const VARIABLE = "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable";
const DOMAIN = "vercel:index/projectDomain:ProjectDomain";
const DEPLOYMENT = "vercel:index/deployment:Deployment";
const COMPONENT = "slipway:apps:VercelApp";

/** The args the topology passes for the example stack's `web` app. */
function exampleArgs(stack: "staging" | "production"): VercelAppArgs {
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
  };
}

async function deploy(stack: "staging" | "production", args: VercelAppArgs): Promise<ProgramRecord> {
  return runProgram(stack, () => new VercelApp("web", args));
}

const urn = (stack: string, type: string, name: string) => `urn:pulumi:${stack}::slipway::${COMPONENT}$${type}::${name}`;

describe("VercelApp in the production example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("production");
  beforeAll(async () => {
    record = await deploy("production", args);
  });

  test("registers exactly the project, its variables and domains, one deployment, and an alias per domain", () => {
    const component = find(record, COMPONENT, "web");
    expect(childrenOf(record, component)).toEqual(
      [
        `${DEPLOYMENT}::web-deployment`,
        `${PROJECT}::web`,
        `${DOMAIN}::web-domain-acme.shop`,
        `${DOMAIN}::web-domain-www.acme.shop`,
        `vercel:index/alias:Alias::web-alias-acme.shop`,
        `vercel:index/alias:Alias::web-alias-www.acme.shop`,
        `${VARIABLE}::web-env-NEXT_PUBLIC_API_URL`,
        `${VARIABLE}::web-env-SESSION_SECRET`,
        `${VARIABLE}::web-env-SLIPWAY_FLAGS_TOKEN`,
        `${VARIABLE}::web-env-SLIPWAY_FLAGS_URL`,
      ].sort(),
    );
  });

  test("the production project is protected, builds nothing from git pushes and hosts no previews", () => {
    const project = find(record, PROJECT, "web");
    expect(project.inputs).toEqual({
      name: "web-production",
      framework: "nextjs",
      rootDirectory: "apps/web",
      gitRepository: { type: "github", repo: "acme/storefront" },
      vercelAuthentication: { deploymentType: "standard_protection_new" },
      gitProviderOptions: { createDeployments: false },
      previewDeploymentsDisabled: true,
      autoAssignCustomDomains: false,
    });
    expect(project.protect).toBe(true);
    expect(project.pluginDownloadURL).toBe("github://api.github.com/pulumiverse");
  });

  // The Vercel SDK wraps every variable's `value` as a secret; `sensitive` is what makes Vercel
  // hide a value, so that is what tells a secret from a plain variable here.
  test("plain variables reach production only; secrets are sensitive", () => {
    expect(find(record, VARIABLE, "web-env-NEXT_PUBLIC_API_URL").inputs).toEqual({
      projectId: "web-id",
      key: "NEXT_PUBLIC_API_URL",
      value: secret("https://api.acme.shop"),
      sensitive: false,
      targets: ["production"],
    });
    expect(find(record, VARIABLE, "web-env-SESSION_SECRET").inputs).toEqual({
      projectId: "web-id",
      key: "SESSION_SECRET",
      value: secret(exampleCiphertext("production", ["slipway:apps", "vercel", 0, "env", "SESSION_SECRET"])),
      sensitive: true,
      targets: ["production"],
    });
  });

  test("SLIPWAY_FLAGS_URL points at production's served flag document, not a copy of it", () => {
    expect(find(record, VARIABLE, "web-env-SLIPWAY_FLAGS_URL").inputs).toEqual({
      projectId: "web-id",
      key: "SLIPWAY_FLAGS_URL",
      value: secret("https://api.github.com/repos/acme/storefront/environments/production/variables/SLIPWAY_FLAGS"),
      sensitive: false,
      targets: ["production"],
    });
  });

  test("each custom domain is a project domain", () => {
    expect(find(record, DOMAIN, "web-domain-acme.shop").inputs).toEqual({ projectId: "web-id", domain: "acme.shop" });
    expect(find(record, DOMAIN, "web-domain-www.acme.shop").inputs).toEqual({ projectId: "web-id", domain: "www.acme.shop" });
  });

  test("the release is a production deployment pinned to the artifact's commit SHA, never deleted", () => {
    const deployment = find(record, DEPLOYMENT, "web-deployment");
    expect(deployment.inputs).toEqual({
      projectId: "web-id",
      ref: "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e",
      production: true,
      deleteOnDestroy: false,
      meta: { slipwayVersion: "1.4.0", slipwayEnvironment: "production", slipwayCommitSha: "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e" },
    });
    expect(deployment.retainOnDelete).toBe(true);
    // Not protected: every release replaces it; the old one stays on Vercel (retainOnDelete).
    expect(deployment.protect).toBe(false);
  });

  test("the deployment is built after its variables and domains exist", () => {
    const deployment = find(record, DEPLOYMENT, "web-deployment");
    for (const dependency of [...ofType(record, VARIABLE), ...ofType(record, DOMAIN)]) {
      expect(deployment.dependencies).toContain(dependency.urn);
    }
  });
});

describe("VercelApp in the staging example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("staging");
  beforeAll(async () => {
    record = await deploy("staging", args);
  });

  test("the staging project hosts the previews, behind Vercel Authentication, and is not protected", () => {
    const project = find(record, PROJECT, "web");
    expect(project.inputs).toEqual({
      name: "web-staging",
      framework: "nextjs",
      rootDirectory: "apps/web",
      gitRepository: { type: "github", repo: "acme/storefront" },
      vercelAuthentication: { deploymentType: "standard_protection_new" },
      gitProviderOptions: { createDeployments: true },
      previewDeploymentsDisabled: false,
      autoAssignCustomDomains: false,
    });
    expect(project.protect).toBe(false);
  });

  test("plain variables reach previews; the unlisted secret does not", () => {
    expect(find(record, VARIABLE, "web-env-NEXT_PUBLIC_API_URL").inputs).toEqual({
      projectId: "web-id",
      key: "NEXT_PUBLIC_API_URL",
      value: secret("https://api.acme-staging.dev"),
      sensitive: false,
      targets: ["production", "preview"],
    });
    expect(find(record, VARIABLE, "web-env-SESSION_SECRET").inputs).toEqual({
      projectId: "web-id",
      key: "SESSION_SECRET",
      value: secret(exampleCiphertext("staging", ["slipway:apps", "vercel", 0, "env", "SESSION_SECRET"])),
      sensitive: true,
      targets: ["production"],
    });
  });

  test("previews read the preview environment's flags, the staging deployment staging's", () => {
    expect(find(record, VARIABLE, "web-env-SLIPWAY_FLAGS_URL").inputs).toEqual({
      projectId: "web-id",
      key: "SLIPWAY_FLAGS_URL",
      value: secret("https://api.github.com/repos/acme/storefront/environments/staging/variables/SLIPWAY_FLAGS"),
      sensitive: false,
      targets: ["production"],
    });
    expect(find(record, VARIABLE, "web-env-SLIPWAY_FLAGS_URL-preview").inputs).toEqual({
      projectId: "web-id",
      key: "SLIPWAY_FLAGS_URL",
      value: secret("https://api.github.com/repos/acme/storefront/environments/preview/variables/SLIPWAY_FLAGS"),
      sensitive: false,
      targets: ["preview"],
    });
  });

  test("the staging deployment is pinned to staging's commit", () => {
    expect(find(record, DEPLOYMENT, "web-deployment").inputs).toEqual({
      projectId: "web-id",
      ref: "7d3f9a1c2b4e6f8091a2b3c4d5e6f7a8b9c0d1e2",
      production: true,
      deleteOnDestroy: false,
      meta: { slipwayVersion: "1.5.0", slipwayEnvironment: "staging", slipwayCommitSha: "7d3f9a1c2b4e6f8091a2b3c4d5e6f7a8b9c0d1e2" },
    });
  });
});

describe("VercelApp variants", () => {
  test("a secret listed in previewSecrets reaches previews, marked as an explicit exposure", async () => {
    const base = exampleArgs("staging");
    const record = await deploy("staging", { ...base, app: { ...base.app, previewSecrets: ["SESSION_SECRET"] } });
    expect(find(record, VARIABLE, "web-env-SESSION_SECRET").inputs).toEqual({
      projectId: "web-id",
      key: "SESSION_SECRET",
      value: secret(exampleCiphertext("staging", ["slipway:apps", "vercel", 0, "env", "SESSION_SECRET"])),
      sensitive: true,
      targets: ["production", "preview"],
      comment: "exposed to previews: listed in previewSecrets (003 §5.2)",
    });
  });

  test("a production project has no preview targets even when previewSecrets lists a secret", async () => {
    const base = exampleArgs("production");
    const record = await deploy("production", { ...base, app: { ...base.app, previewSecrets: ["SESSION_SECRET"] } });
    expect(find(record, VARIABLE, "web-env-SESSION_SECRET").inputs.targets).toEqual(["production"]);
  });

  test("protectProduction puts every deployment behind Vercel Authentication", async () => {
    const base = exampleArgs("production");
    const record = await deploy("production", { ...base, app: { ...base.app, protectProduction: true } });
    expect(find(record, PROJECT, "web").inputs.vercelAuthentication).toEqual({ deploymentType: "all_deployments" });
  });

  test("a configured project name wins over <app>-<environment>", async () => {
    const base = exampleArgs("production");
    const record = await deploy("production", { ...base, app: { ...base.app, projectName: "acme-shop" } });
    expect(find(record, PROJECT, "web").inputs.name).toBe("acme-shop");
  });

  test("without previewFlagsUrl, previews read the environment's flags", async () => {
    const base = exampleArgs("staging");
    const record = await deploy("staging", { ...base, previewFlagsUrl: undefined });
    expect(find(record, VARIABLE, "web-env-SLIPWAY_FLAGS_URL-preview").inputs.value).toEqual(secret(base.flagsUrl));
  });

  test("an artifact without a commit SHA is refused before anything is deployed", async () => {
    const base = exampleArgs("production");
    await expect(deploy("production", { ...base, artifact: { image: `ghcr.io/acme/web@sha256:${"a".repeat(64)}` } })).rejects.toThrow(
      "slipway:release.artifacts.web.commitSha: is required: Vercel project 'web' deploys a commit",
    );
  });
});

test("URNs place every child under the component", async () => {
  const record = await deploy("production", exampleArgs("production"));
  expect(find(record, PROJECT, "web").urn).toBe(urn("production", PROJECT, "web"));
});
