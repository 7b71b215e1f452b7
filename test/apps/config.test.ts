/**
 * Config errors of the apps, databases and flags sections: each names the stack file, the key
 * (in `pulumi config --path` form) and what was wrong, and nothing is deployed.
 */
import { ConfigError, parseStackConfig, SecretString, type ConfigProblem, type StackConfig } from "../../config/config";
import { LEDGER_DEPLOY_KEY, LEDGER_DEPLOY_KEY_SECURE_PATH } from "../support/config";

const FILE = "Pulumi.production.yaml";
const WORKER_IMAGE = `ghcr.io/acme/worker@sha256:${"0f".repeat(32)}`;
const API_IMAGE = `ghcr.io/acme/api@sha256:${"1a".repeat(32)}`;

/** The smallest valid production config, plus the given apps/databases/flags sections. */
function rawConfig(extra: Record<string, unknown>, secure: string[] = []) {
  return {
    file: FILE,
    values: {
      "slipway:environment": "production",
      "slipway:github": {
        owner: "acme",
        ownsRepositoryResources: true,
        repositories: [{ name: "storefront" }],
        teams: { "release-captains": 4711 },
        ledgerDeployKey: LEDGER_DEPLOY_KEY,
      },
      "slipway:environments": { production: { reviewerTeams: ["release-captains"] } },
      "slipway:release": {
        version: "1.4.0",
        level: "L2",
        changeRequest: "CR-2017",
        artifacts: {
          web: { commitSha: "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e" },
          api: { image: API_IMAGE, slugId: "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b" },
          worker: { image: WORKER_IMAGE },
        },
      },
      // The server every database lives on; tests of the databases section change only that section.
      "slipway:postgres": { host: "pg-prod.acme.internal", username: "slipway_admin", password: "v1:opaque" },
      ...withCluster(extra),
    },
    securePaths: new Set(["slipway:postgres.password", LEDGER_DEPLOY_KEY_SECURE_PATH, ...secure]),
  };
}

/** A Kubernetes section gets the production cluster unless the test sets (or removes) one itself. */
function withCluster(extra: Record<string, unknown>): Record<string, unknown> {
  const apps = extra["slipway:apps"] as { kubernetes?: Record<string, unknown> } | undefined;
  if (apps?.kubernetes === undefined || "cluster" in apps.kubernetes) return extra;
  return { ...extra, "slipway:apps": { ...apps, kubernetes: { cluster: { context: "acme-production" }, ...apps.kubernetes } } };
}

/** The problems a config is refused with; [] when it parses. */
function problemsOf(extra: Record<string, unknown>, secure: string[] = []): ConfigProblem[] {
  try {
    parseStackConfig(rawConfig(extra, secure));
    return [];
  } catch (err) {
    if (err instanceof ConfigError) {
      expect(err.file).toBe(FILE);
      return err.problems;
    }
    throw err;
  }
}

const herokuApi = { name: "api", appName: "acme-api", pipeline: "acme-api" };
/** Where the Heroku app's flags token sits, as a `secure:` leaf. */
const FLAGS_TOKEN_PATH = "slipway:apps.heroku[0].secrets.SLIPWAY_FLAGS_TOKEN";
const worker = { name: "worker", port: 8080 };

describe("a valid config", () => {
  test("parses, with the documented defaults applied", () => {
    const config: StackConfig = parseStackConfig(
      rawConfig(
        {
          "slipway:apps": {
            heroku: [{ ...herokuApi, secrets: { SLIPWAY_FLAGS_TOKEN: "v1:flags-token" } }],
            kubernetes: { services: [worker] },
          },
          "slipway:databases": [{ name: "storefront" }],
          "slipway:flags": [{ name: "auto-publish", level: "L3", defaults: { preview: false, staging: true, production: false } }],
        },
        [FLAGS_TOKEN_PATH],
      ),
    );
    expect(config.apps.heroku[0]).toEqual({
      ...herokuApi,
      region: "us",
      stack: "heroku-24",
      formation: { web: { quantity: 1, size: "standard-1x" } },
      configVars: {},
      secrets: { SLIPWAY_FLAGS_TOKEN: expect.any(SecretString) },
    });
    expect(config.apps.kubernetes?.services[0]).toEqual({
      ...worker,
      healthPath: "/health",
      replicas: 2,
      cpu: "250m",
      memory: "256Mi",
      env: {},
    });
    expect(config.databases).toEqual([{ name: "storefront", schema: "public", runtimeConnectionLimit: 20, readOnly: true }]);
    expect(config.flags[0]).toMatchObject({ scopes: ["global"], killSwitch: false });
  });
});

describe("apps that read served flags carry their own token (003 §7.2: a kill must reach them)", () => {
  const flags = [{ name: "auto-publish", level: "L3", defaults: { preview: false, staging: true, production: false } }];
  const vercelWeb = { name: "web", repository: "storefront" };
  const needs = (key: string, asSecret = false) => ({
    key,
    message:
      `is required${asSecret ? " as a secret" : ""}: the app reads its flags from SLIPWAY_FLAGS_URL (GitHub's REST API) with a read-only token of its own ` +
      `(a fine-grained token with "Environments: read" on the flags' repository); run \`pulumi config set --secret --path '${key}' <token>\``,
  });

  test("a Heroku app and a Vercel project without SLIPWAY_FLAGS_TOKEN are refused, each at its key, with the command", () => {
    expect(problemsOf({ "slipway:apps": { heroku: [herokuApi], vercel: [vercelWeb] }, "slipway:flags": flags })).toEqual([
      needs("slipway:apps.vercel[0].env.SLIPWAY_FLAGS_TOKEN"),
      needs("slipway:apps.heroku[0].secrets.SLIPWAY_FLAGS_TOKEN"),
    ]);
  });

  test("a token in plain text is refused: it must be a secret", () => {
    const plain = {
      "slipway:apps": { vercel: [{ ...vercelWeb, env: { SLIPWAY_FLAGS_TOKEN: "github_pat_plain" } }] },
      "slipway:flags": flags,
    };
    expect(problemsOf(plain)).toEqual([needs("slipway:apps.vercel[0].env.SLIPWAY_FLAGS_TOKEN", true)]);
  });

  test("with the token as a secret it parses; without flags no token is needed", () => {
    const withToken = { "slipway:apps": { vercel: [{ ...vercelWeb, env: { SLIPWAY_FLAGS_TOKEN: "v1:token" } }] }, "slipway:flags": flags };
    expect(problemsOf(withToken, ["slipway:apps.vercel[0].env.SLIPWAY_FLAGS_TOKEN"])).toEqual([]);
    expect(problemsOf({ "slipway:apps": { heroku: [herokuApi], vercel: [vercelWeb] } })).toEqual([]);
  });
});

describe("config errors name the file, the key and the reason", () => {
  test("an image without a digest", () => {
    const release = rawConfig({}).values["slipway:release"] as { artifacts: Record<string, unknown> };
    expect(
      problemsOf({
        "slipway:release": { ...release, artifacts: { ...release.artifacts, worker: { image: "ghcr.io/acme/worker:latest" } } },
      }),
    ).toEqual([
      {
        key: "slipway:release.artifacts.worker.image",
        message: "expected an image pinned by digest (registry/name@sha256:<64 hex>); tags like :latest can move",
      },
    ]);
  });

  test("the whole message reads file: count, then one line per problem", () => {
    const release = rawConfig({}).values["slipway:release"] as { artifacts: Record<string, unknown> };
    expect(() =>
      parseStackConfig(
        rawConfig({ "slipway:release": { ...release, artifacts: { ...release.artifacts, worker: { image: "ghcr.io/acme/worker:1.4" } } } }),
      ),
    ).toThrow(
      "Pulumi.production.yaml: 1 config problem:\n" +
        "  - slipway:release.artifacts.worker.image: expected an image pinned by digest (registry/name@sha256:<64 hex>); tags like :latest can move",
    );
  });

  test("a secret in plain text", () => {
    expect(problemsOf({ "slipway:apps": { heroku: [{ ...herokuApi, secrets: { DATABASE_URL: "postgres://u:p@db/x" } }] } })).toEqual([
      {
        key: "slipway:apps.heroku[0].secrets.DATABASE_URL",
        message:
          "is plain text, but this key only takes a secret: run `pulumi config set --secret --path 'slipway:apps.heroku[0].secrets.DATABASE_URL' <value>`",
      },
    ]);
    expect(
      problemsOf({ "slipway:apps": { kubernetes: { services: [worker], secrets: { DATABASE_URL: "postgres://u:p@db/x" } } } }),
    ).toEqual([
      {
        key: "slipway:apps.kubernetes.secrets.DATABASE_URL",
        message:
          "is plain text, but this key only takes a secret: run `pulumi config set --secret --path 'slipway:apps.kubernetes.secrets.DATABASE_URL' <value>`",
      },
    ]);
  });

  test("a secure value where a plain one belongs", () => {
    expect(
      problemsOf({ "slipway:apps": { heroku: [{ ...herokuApi, configVars: { NODE_ENV: "production" } }] } }, [
        "slipway:apps.heroku[0].configVars.NODE_ENV",
      ]),
    ).toEqual([
      {
        key: "slipway:apps.heroku[0].configVars.NODE_ENV",
        message: "is a secret, but this key takes a plain value (it is not sensitive: store it without --secret)",
      },
    ]);
  });

  test("an unknown flag level", () => {
    expect(
      problemsOf({
        "slipway:flags": [{ name: "auto-publish", level: "L4", defaults: { preview: false, staging: true, production: false } }],
      }),
    ).toEqual([{ key: "slipway:flags[0].level", message: "expected one of L0, L1, L2, L3" }]);
  });

  test("an unknown flag scope", () => {
    expect(
      problemsOf({
        "slipway:flags": [
          {
            name: "auto-publish",
            level: "L3",
            scopes: ["global", "tenant"],
            defaults: { preview: false, staging: true, production: false },
          },
        ],
      }),
    ).toEqual([{ key: "slipway:flags[0].scopes[1]", message: "expected one of global, client, platform-account, lane" }]);
  });

  test("a Heroku release phase", () => {
    expect(
      problemsOf({
        "slipway:apps": {
          heroku: [
            { ...herokuApi, formation: { web: { quantity: 2, size: "standard-2x" }, release: { quantity: 1, size: "standard-1x" } } },
          ],
        },
      }),
    ).toEqual([
      {
        key: "slipway:apps.heroku[0].formation.release",
        message:
          "is a Heroku release phase, which runs migrations implicitly on every deploy; Slipway forbids it (004 §3, §5): run migrations as explicit Jobs in slipway:apps.kubernetes.migrations",
      },
    ]);
  });

  test("a role granted superuser: the knob does not exist, and saying so explains why", () => {
    expect(problemsOf({ "slipway:databases": [{ name: "storefront", superuser: true, bypassRowLevelSecurity: true }] })).toEqual([
      {
        key: "slipway:databases[0].superuser",
        message:
          "superuser is not a setting: Slipway's roles are never superuser, cannot create roles or databases and do not bypass row-level security (002 §5)",
      },
      {
        key: "slipway:databases[0].bypassRowLevelSecurity",
        message:
          "bypassRowLevelSecurity is not a setting: Slipway's roles are never superuser, cannot create roles or databases and do not bypass row-level security (002 §5)",
      },
    ]);
  });

  test("an unknown database key", () => {
    expect(problemsOf({ "slipway:databases": [{ name: "storefront", owner: "postgres" }] })).toEqual([
      { key: "slipway:databases[0].owner", message: "is not a known key (misspelt, or in the wrong section?)" },
    ]);
  });

  test("a database name that is not a Postgres identifier, or too long for its role names", () => {
    expect(problemsOf({ "slipway:databases": [{ name: "store-front" }, { name: "s".repeat(55) }] })).toEqual([
      { key: "slipway:databases[0].name", message: "expected a Postgres identifier: lowercase letters, digits and '_'" },
      { key: "slipway:databases[1].name", message: "a database name is at most 54 characters, so '<name>_migrator' fits Postgres's 63" },
    ]);
  });

  test("a database configured twice", () => {
    expect(problemsOf({ "slipway:databases": [{ name: "storefront" }, { name: "storefront" }] })).toEqual([
      { key: "slipway:databases[1].name", message: "repeats database 'storefront'" },
    ]);
  });

  test("SLIPWAY_FLAGS set by hand on any target", () => {
    expect(
      problemsOf({
        "slipway:apps": {
          vercel: [{ name: "web", repository: "storefront", env: { SLIPWAY_FLAGS: "{}" } }],
          heroku: [{ ...herokuApi, configVars: { SLIPWAY_FLAGS: "{}" } }],
          kubernetes: { services: [{ ...worker, env: { SLIPWAY_FLAGS: "{}" } }] },
        },
      }),
    ).toEqual([
      { key: "slipway:apps.vercel[0].env.SLIPWAY_FLAGS", message: "is set by Slipway from slipway:flags; remove it here" },
      { key: "slipway:apps.heroku[0].configVars.SLIPWAY_FLAGS", message: "is set by Slipway from slipway:flags; remove it here" },
      { key: "slipway:apps.kubernetes.services[0].env.SLIPWAY_FLAGS", message: "is set by Slipway from slipway:flags; remove it here" },
    ]);
  });

  test("an env var name that is not one", () => {
    expect(
      problemsOf({ "slipway:apps": { vercel: [{ name: "web", repository: "storefront", env: { "api-url": "https://x" } }] } }),
    ).toEqual([{ key: "slipway:apps.vercel[0].env.api-url", message: "expected an env var name of letters, digits and underscores" }]);
  });

  test("a Heroku config var that is also a secret", () => {
    expect(
      problemsOf(
        {
          "slipway:apps": {
            heroku: [{ ...herokuApi, configVars: { DATABASE_URL: "postgres://db" }, secrets: { DATABASE_URL: "v1:abc" } }],
          },
        },
        ["slipway:apps.heroku[0].secrets.DATABASE_URL"],
      ),
    ).toEqual([
      { key: "slipway:apps.heroku[0].configVars.DATABASE_URL", message: "is also a secret of this app; keep it in secrets only" },
    ]);
  });

  test("two Heroku apps in one pipeline, or under one Heroku name", () => {
    const release = rawConfig({}).values["slipway:release"] as { artifacts: Record<string, unknown> };
    const withAdmin = { ...release, artifacts: { ...release.artifacts, admin: { slugId: "9e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b" } } };
    expect(problemsOf({ "slipway:release": withAdmin, "slipway:apps": { heroku: [herokuApi, { ...herokuApi, name: "admin" }] } })).toEqual([
      { key: "slipway:apps.heroku[1].appName", message: "repeats 'acme-api' of apps.heroku[0]" },
      { key: "slipway:apps.heroku[1].pipeline", message: "repeats 'acme-api' of apps.heroku[0]: a pipeline holds one app per stage" },
    ]);
  });

  test("a Heroku app name Heroku would refuse", () => {
    expect(problemsOf({ "slipway:apps": { heroku: [{ ...herokuApi, appName: "Acme_API" }] } })).toEqual([
      {
        key: "slipway:apps.heroku[0].appName",
        message: "expected a Heroku app name: 3-30 lowercase letters, digits and '-', starting with a letter",
      },
    ]);
  });

  test("Kubernetes names that are not DNS labels, and a bad quantity and health path", () => {
    expect(
      problemsOf({
        "slipway:apps": {
          kubernetes: {
            namespace: "Prod",
            services: [{ name: "Worker", port: 8080, cpu: "half", healthPath: "healthz" }],
            migrations: [{ name: "add_order_channel", phase: "during", app: "api", command: ["migrate"] }],
          },
        },
      }),
    ).toEqual([
      { key: "slipway:apps.kubernetes.namespace", message: "expected a namespace of lowercase letters, digits and '-' (a DNS-1123 label)" },
      {
        key: "slipway:apps.kubernetes.services[0].name",
        message: "expected a service name of lowercase letters, digits and '-' (a DNS-1123 label)",
      },
      { key: "slipway:apps.kubernetes.services[0].healthPath", message: "expected a path starting with '/'" },
      { key: "slipway:apps.kubernetes.services[0].cpu", message: "expected a Kubernetes quantity such as 250m, 1, 512Mi" },
      {
        key: "slipway:apps.kubernetes.migrations[0].name",
        message: "expected a migration name of lowercase letters, digits and '-' (a DNS-1123 label)",
      },
      { key: "slipway:apps.kubernetes.migrations[0].phase", message: "expected expand or contract" },
    ]);
  });

  test("a migration name too long for its Job", () => {
    expect(
      problemsOf({
        "slipway:apps": { kubernetes: { migrations: [{ name: "m".repeat(56), phase: "expand", app: "api", command: ["migrate"] }] } },
      }),
    ).toEqual([{ key: "slipway:apps.kubernetes.migrations[0].name", message: "a migration name is at most 55 characters" }]);
  });

  test("services and migrations configured twice, and an env var that is also a secret", () => {
    expect(
      problemsOf(
        {
          "slipway:apps": {
            kubernetes: {
              services: [{ ...worker, env: { DATABASE_URL: "postgres://db" } }, worker],
              migrations: [
                { name: "add-order-channel", phase: "expand", app: "api", command: ["migrate"] },
                { name: "add-order-channel", phase: "contract", completes: "add-status-v2", app: "api", command: ["migrate"] },
              ],
              secrets: { DATABASE_URL: "v1:abc" },
            },
          },
        },
        ["slipway:apps.kubernetes.secrets.DATABASE_URL"],
      ),
    ).toEqual([
      { key: "slipway:apps.kubernetes.services[1].name", message: "repeats service 'worker'" },
      { key: "slipway:apps.kubernetes.migrations[1].name", message: "repeats migration 'add-order-channel'" },
      { key: "slipway:apps.kubernetes.services[0].env.DATABASE_URL", message: "is also a secret; keep it in secrets only" },
    ]);
  });

  test("a Vercel domain that is not a domain name", () => {
    expect(problemsOf({ "slipway:apps": { vercel: [{ name: "web", repository: "storefront", domains: ["https://acme.shop"] }] } })).toEqual(
      [{ key: "slipway:apps.vercel[0].domains[0]", message: "expected a lowercase domain name such as www.example.com" }],
    );
  });

  test("two Vercel apps under one name", () => {
    const web = { name: "web", repository: "storefront" };
    expect(problemsOf({ "slipway:apps": { vercel: [web, web] } })).toEqual([
      { key: "slipway:apps.vercel[1].name", message: "repeats 'web' of apps.vercel[0]" },
    ]);
  });
});

describe("each stack names its own cluster and database server: nothing comes from the machine running Pulumi", () => {
  test("Kubernetes workloads without a cluster are refused", () => {
    expect(problemsOf({ "slipway:apps": { kubernetes: { cluster: undefined, services: [worker] } } })).toEqual([
      { key: "slipway:apps.kubernetes.cluster", message: "is required" },
    ]);
  });

  test("a kubeconfig in plain text is refused: it holds the cluster's credentials", () => {
    expect(
      problemsOf({
        "slipway:apps": { kubernetes: { cluster: { context: "acme-production", kubeconfig: "apiVersion: v1" }, services: [worker] } },
      }),
    ).toEqual([
      {
        key: "slipway:apps.kubernetes.cluster.kubeconfig",
        message: expect.stringMatching(/^is plain text, but this key only takes a secret/),
      },
    ]);
  });

  test("databases without their server are refused", () => {
    const values = rawConfig({ "slipway:databases": [{ name: "storefront" }] });
    delete (values.values as Record<string, unknown>)["slipway:postgres"];
    let problems: ConfigProblem[] = [];
    try {
      parseStackConfig(values);
    } catch (err) {
      problems = (err as ConfigError).problems;
    }
    expect(problems).toEqual([
      { key: "slipway:postgres", message: expect.stringMatching(/^is required: slipway:databases needs the server and admin login/) },
    ]);
  });
});
