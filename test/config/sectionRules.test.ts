/**
 * The config contract's rules inside one section (github, release, apps, databases, flags): what a
 * platform engineer gets told for each mistake, at its `pulumi config --path` key, and what is
 * accepted at the edge of each rule. Also the parse's own edges: which keys are Slipway's, values of
 * the wrong type, secure leaves, and the go-live phase of a deploy.
 */
import { z } from "zod";
import { configProblems, goLivePhaseFromEnv, migrationSchema, SecretString, stackConfigSchema } from "../../config/config";
import { UserError } from "../../config/errors";
import { configProblemsOf, minimalProductionConfig, parseProductionConfig } from "../support/config";

const API_SLUG = "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b";
const WORKER_SLUG = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e";
const API_IMAGE = `ghcr.io/acme/api@sha256:${"1a".repeat(32)}`;
const WEB_SHA = "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e";
const PIPELINE_ID = "3f9d2c41-7b6e-4a58-9c0d-2e1f4a6b8c73";

/** The smallest valid production config, with artifacts for api, worker and web; tests add or break one thing at a time. */
function minimal(): Record<string, any> {
  const config = minimalProductionConfig();
  config["slipway:release"].artifacts = {
    api: { slugId: API_SLUG, image: API_IMAGE },
    worker: { slugId: WORKER_SLUG },
    web: { commitSha: WEB_SHA },
  };
  return config;
}

const parse = parseProductionConfig;
const problemsOf = configProblemsOf;

/** The config with the given `slipway:apps`. */
function withApps(apps: Record<string, unknown>): Record<string, any> {
  return { ...minimal(), "slipway:apps": apps };
}

// A component turns a SecretString into `pulumi.secret(<text>)`: this file sees what it was given.
jest.mock("@pulumi/pulumi", () => ({ secret: (text: unknown) => ({ secret: text }) }));

/** What a component receives for a config secret: the text it passes to pulumi.secret. */
function revealed(secret: unknown): unknown {
  expect(secret).toBeInstanceOf(SecretString);
  return (secret as SecretString).toOutput();
}

describe("slipway:github", () => {
  it("an L3 check that repeats a baseline check is refused, naming each one repeated", () => {
    const values = minimal();
    values["slipway:github"].repositories[0].l3Checks = ["lint", "browser-smoke", "unit"];
    expect(problemsOf(values)).toEqual(["slipway:github.repositories[0].l3Checks: repeats baseline checks: lint, unit"]);
  });

  it("the stack that owns repository resources must name the ledger's deploy key, with the commands that make one; another stack need not", () => {
    const values = minimal();
    delete values["slipway:github"].ledgerDeployKey;
    expect(problemsOf(values)).toEqual([
      "slipway:github.ledgerDeployKey: is required: the stack that owns repository resources registers the key only the deploy workflows push the release ledger with. " +
        "Run `ssh-keygen -t ed25519 -N '' -C slipway-ledger -f ledger-key`, then `pulumi config set --path 'slipway:github.ledgerDeployKey.publicKey' \"$(cat ledger-key.pub)\"` " +
        "and `pulumi config set --secret --path 'slipway:github.ledgerDeployKey.privateKey' < ledger-key`, and delete both files",
    ]);
    values["slipway:github"].ownsRepositoryResources = false;
    expect(parse(values).github.ledgerDeployKey).toBeUndefined();
  });

  it("a repository governed twice is refused at its second entry", () => {
    const values = minimal();
    values["slipway:github"].repositories = [{ name: "shop" }, { name: "docs" }, { name: "shop" }];
    expect(problemsOf(values)).toEqual(["slipway:github.repositories[2].name: repeats repository 'shop'"]);
  });

  it("GITHUB_ names are GitHub's: an environment secret called GITHUB_TOKEN or github_pat is refused at its key", () => {
    const values = minimal();
    values["slipway:environments"].production.secrets = { GITHUB_TOKEN: "t1", github_pat: "t2", DEPLOY_TOKEN: "t3" };
    const secure = ["GITHUB_TOKEN", "github_pat", "DEPLOY_TOKEN"].map((name) => `slipway:environments.production.secrets.${name}`);
    expect(problemsOf(values, secure)).toEqual([
      "slipway:environments.production.secrets.GITHUB_TOKEN: names starting with GITHUB_ are reserved by GitHub",
      "slipway:environments.production.secrets.github_pat: names starting with GITHUB_ are reserved by GitHub",
    ]);
  });
});

describe("a refused key of a map says why, not zod's 'Invalid key in record'", () => {
  it("a team slug with a space, an artifact named with a space", () => {
    const values = minimal();
    values["slipway:github"].teams = { ...values["slipway:github"].teams, "bad slug": 12 };
    values["slipway:release"].artifacts = { ...values["slipway:release"].artifacts, "web app": { image: API_IMAGE } };
    const problems = problemsOf(values);
    expect(problems).toEqual(
      expect.arrayContaining([
        "slipway:github.teams.bad slug: expected a team slug (letters, digits, '.', '_', '-')",
        "slipway:release.artifacts.web app: expected an app name (letters, digits, '.', '_', '-')",
      ]),
    );
    expect(problems.join("\n")).not.toContain("Invalid key in record");
  });

  it("a variable Slipway sets from the release or the flags, or a name that is not one", () => {
    const values = minimal();
    values["slipway:environments"].production.variables = { SLIPWAY_RELEASE_MANIFEST: "x", "bad-name": "y", LOG_LEVEL: "info" };
    const problems = problemsOf(values);
    expect(problems).toEqual([
      "slipway:environments.production.variables.SLIPWAY_RELEASE_MANIFEST: is reserved: Slipway sets it from the release, the ledger and the flags",
      "slipway:environments.production.variables.bad-name: expected a name of letters, digits and underscores",
    ]);
  });
});

describe("slipway:release", () => {
  it("an artifact with nothing to deploy is refused: it needs an image, a commitSha or a slugId", () => {
    const values = minimal();
    values["slipway:release"].artifacts = { web: {} };
    expect(problemsOf(values)).toEqual(["slipway:release.artifacts.web: an artifact needs an image, a commitSha or a slugId"]);
  });
});

describe("values of the wrong type say what they got", () => {
  it.each([
    [42, "a number"],
    [null, "null"],
    [["a", "b"], "a list"],
  ])("a repository description of %j: expected a string, got %s", (description, got) => {
    const values = minimal();
    values["slipway:github"].repositories[0].description = description;
    expect(problemsOf(values)).toEqual([`slipway:github.repositories[0].description: expected a string, got ${got}`]);
  });
});

describe("env var names of an app are named with the reason, not zod's 'Invalid key'", () => {
  it("a name that is not one, and a variable Slipway sets from slipway:flags", () => {
    expect(
      problemsOf(withApps({ vercel: [{ name: "web", repository: "shop", env: { "1ST_URL": "https://x", SLIPWAY_FLAGS_URL: "u" } }] })),
    ).toEqual([
      "slipway:apps.vercel[0].env.1ST_URL: expected an env var name of letters, digits and underscores",
      "slipway:apps.vercel[0].env.SLIPWAY_FLAGS_URL: is set by Slipway from slipway:flags; remove it here",
    ]);
  });
  it("env that is not a map of env vars says what it got", () => {
    expect(problemsOf(withApps({ heroku: [{ name: "api", appName: "acme-api", configVars: "LOG_LEVEL=info" }] }))).toEqual([
      "slipway:apps.heroku[0].configVars: expected record, got a string",
    ]);
  });
});

describe("Heroku apps (004: slugs released onto a candidate app, no release phase)", () => {
  const heroku = (app: Record<string, unknown>) => withApps({ heroku: [{ name: "api", appName: "acme-api", ...app }] });

  it("a container-stack app is refused: Slipway releases slugs, which such an app would not run", () => {
    expect(problemsOf(heroku({ stack: "container" }))).toEqual([
      "slipway:apps.heroku[0].stack: is 'container', but Slipway releases the app's slug (heroku:app/release:Release, which takes only a slug id): a container-stack app runs Docker images released through the Container Registry (`heroku container:release`), which the Heroku provider cannot do, so Heroku would not run the slug; use a buildpack stack such as heroku-24",
    ]);
  });

  it("the default candidate '<appName>-rc' must fit Heroku's 30 characters; otherwise the candidate is named", () => {
    const fits = `a${"b".repeat(26)}`; // 27 characters: 'abb…b-rc' is 30
    expect(parse(heroku({ appName: fits })).apps.heroku[0].candidateAppName).toBeUndefined();
    const tooLong = `a${"b".repeat(27)}`;
    expect(problemsOf(heroku({ appName: tooLong }))).toEqual([
      `slipway:apps.heroku[0].candidateAppName: is required: the default '${tooLong}-rc' is longer than Heroku's 30 characters`,
    ]);
    expect(parse(heroku({ appName: tooLong, candidateAppName: "acme-api-candidate" })).apps.heroku[0].candidateAppName).toBe(
      "acme-api-candidate",
    );
  });

  it("the candidate cannot be the live app itself", () => {
    expect(problemsOf(heroku({ candidateAppName: "acme-api" }))).toEqual([
      "slipway:apps.heroku[0].candidateAppName: names the live app itself: the candidate must be another app, or the release would take traffic before its smoke checks",
    ]);
  });

  it("a release phase in the formation is refused: migrations run as explicit Jobs (004 §3, §5)", () => {
    expect(
      problemsOf(heroku({ formation: { web: { quantity: 2, size: "standard-1x" }, release: { quantity: 1, size: "standard-1x" } } })),
    ).toEqual([
      "slipway:apps.heroku[0].formation.release: is a Heroku release phase, which runs migrations implicitly on every deploy; Slipway forbids it (004 §3, §5): run migrations as explicit Jobs in slipway:apps.kubernetes.migrations",
    ]);
  });

  it("a config var that is also a secret is refused at the config var", () => {
    const values = heroku({ configVars: { DATABASE_URL: "postgres://db", LOG_LEVEL: "info" }, secrets: { DATABASE_URL: "pg" } });
    expect(problemsOf(values, ["slipway:apps.heroku[0].secrets.DATABASE_URL"])).toEqual([
      "slipway:apps.heroku[0].configVars.DATABASE_URL: is also a secret of this app; keep it in secrets only",
    ]);
  });

  it("two apps under one key, one Heroku name, or in one pipeline are refused at the second; apps without a pipeline are fine", () => {
    const a = { name: "api", appName: "acme-api" };
    const b = { name: "worker", appName: "acme-worker" };
    expect(parse(withApps({ heroku: [a, b] })).apps.heroku.map((app) => app.name)).toEqual(["api", "worker"]);
    expect(problemsOf(withApps({ heroku: [a, { ...b, name: "api" }] }))).toEqual([
      "slipway:apps.heroku[1].name: repeats 'api' of apps.heroku[0]",
    ]);
    expect(problemsOf(withApps({ heroku: [a, { ...b, appName: "acme-api" }] }))).toEqual([
      "slipway:apps.heroku[1].appName: repeats 'acme-api' of apps.heroku[0]",
    ]);
    expect(
      problemsOf(
        withApps({
          heroku: [
            { ...a, pipeline: "acme" },
            { ...b, pipeline: "acme" },
          ],
        }),
      ),
    ).toEqual(["slipway:apps.heroku[1].pipeline: repeats 'acme' of apps.heroku[0]: a pipeline holds one app per stage"]);
    expect(
      problemsOf(
        withApps({
          heroku: [
            { ...a, pipelineId: PIPELINE_ID },
            { ...b, pipelineId: PIPELINE_ID },
          ],
        }),
      ),
    ).toEqual([`slipway:apps.heroku[1].pipelineId: repeats '${PIPELINE_ID}' of apps.heroku[0]: a pipeline holds one app per stage`]);
  });
});

describe("Vercel projects", () => {
  it("two projects under one app key are refused at the second", () => {
    const web = { name: "web", repository: "shop" };
    expect(problemsOf(withApps({ vercel: [web, { ...web, projectName: "web-2" }] }))).toEqual([
      "slipway:apps.vercel[1].name: repeats 'web' of apps.vercel[0]",
    ]);
  });
});

describe("Kubernetes workloads", () => {
  const kubernetes = (k8s: Record<string, unknown>) => withApps({ kubernetes: { cluster: { context: "acme-production" }, ...k8s } });
  const job = { name: "add-orders", phase: "expand", app: "api", command: ["npm", "run", "migrate"] };

  it("a service or a migration named twice is refused at the second", () => {
    expect(
      problemsOf(
        kubernetes({
          services: [
            { name: "api", port: 8080 },
            { name: "api", port: 8081 },
          ],
          migrations: [job, { ...job, command: ["true"] }],
        }),
      ),
    ).toEqual([
      "slipway:apps.kubernetes.services[1].name: repeats service 'api'",
      "slipway:apps.kubernetes.migrations[1].name: repeats migration 'add-orders'",
    ]);
  });

  it("a service env var that is also a secret is refused at the env var", () => {
    const values = kubernetes({
      services: [{ name: "api", port: 8080, env: { LOG_LEVEL: "info", DATABASE_URL: "postgres://db" } }],
      secrets: { DATABASE_URL: "pg" },
    });
    expect(problemsOf(values, ["slipway:apps.kubernetes.secrets.DATABASE_URL"])).toEqual([
      "slipway:apps.kubernetes.services[0].env.DATABASE_URL: is also a secret; keep it in secrets only",
    ]);
  });
});

describe("a migration's phase (000 §7: contract only after its expand shipped)", () => {
  /** How `slipway release` reads the migrations of a stack file: the list alone, problems at their full key. */
  const problemsOfJobs = (jobs: unknown[]) => {
    const parsed = z.array(migrationSchema).safeParse(jobs);
    return parsed.success
      ? []
      : configProblems(parsed.error, jobs, ["apps", "kubernetes", "migrations"]).map((p) => `${p.key}: ${p.message}`);
  };
  const base = { app: "api", command: ["npm", "run", "migrate"] };

  it("a contract migration names the expand it completes; an expand completes nothing", () => {
    expect(
      problemsOfJobs([
        { ...base, name: "add-status-v2", phase: "expand" },
        { ...base, name: "drop-status", phase: "contract", completes: "add-status-v2" },
      ]),
    ).toEqual([]);
    expect(problemsOfJobs([{ ...base, name: "drop-status", phase: "contract" }])).toEqual([
      "slipway:apps.kubernetes.migrations[0].completes: is required on a contract migration: name the expand migration it completes (000 §7: contract only after its expand shipped)",
    ]);
    expect(problemsOfJobs([{ ...base, name: "add-status-v2", phase: "expand", completes: "add-status" }])).toEqual([
      "slipway:apps.kubernetes.migrations[0].completes: only a contract migration completes an expand",
    ]);
  });
});

describe("slipway:databases", () => {
  it("a database configured twice is refused at the second", () => {
    const values = minimal();
    values["slipway:postgres"] = { host: "pg-prod.acme.internal", username: "slipway_admin", password: "pw" };
    values["slipway:databases"] = [{ name: "orders" }, { name: "billing" }, { name: "orders", schema: "app" }];
    expect(problemsOf(values, ["slipway:postgres.password"])).toEqual(["slipway:databases[2].name: repeats database 'orders'"]);
  });
});

describe("a flag's canary stages and rollout (003 §4.4)", () => {
  const flag = (extra: Record<string, unknown>) => ({
    ...minimal(),
    "slipway:flags": [
      {
        name: "new-checkout",
        level: "L2",
        scopes: ["global", "client"],
        defaults: { preview: true, staging: false, production: false },
        ...extra,
      },
    ],
  });
  const HOUSE = { name: "house-accounts", scope: "client", values: ["acme-house"] };
  const PILOT = { name: "pilot-clients", scope: "client", values: ["globex", "initech"] };

  it("stages on a declared scope, with the rollout at a stage whose default is off, parse", () => {
    const config = parse(flag({ stages: [HOUSE, PILOT], rollout: { staging: "pilot-clients", production: "house-accounts" } }));
    expect(config.flags[0].rollout).toEqual({ staging: "pilot-clients", production: "house-accounts" });
  });

  it("a stage named twice is refused at the second", () => {
    expect(problemsOf(flag({ stages: [HOUSE, PILOT, { ...HOUSE, values: ["other"] }] }))).toEqual([
      "slipway:flags[0].stages[2].name: repeats stage 'house-accounts'",
    ]);
  });

  it("a stage on a scope the flag does not declare is refused, listing the declared ones", () => {
    expect(problemsOf(flag({ stages: [HOUSE, { name: "lane-b", scope: "lane", values: ["b"] }] }))).toEqual([
      "slipway:flags[0].stages[1].scope: is 'lane', a scope the flag does not declare in scopes (global, client)",
    ]);
  });

  it("a rollout at a stage that is not declared is refused, listing the stages (or saying there are none)", () => {
    expect(problemsOf(flag({ stages: [HOUSE, PILOT], rollout: { production: "everyone" } }))).toEqual([
      "slipway:flags[0].rollout.production: names stage 'everyone', which is not in stages (house-accounts, pilot-clients)",
    ]);
    expect(problemsOf(flag({ rollout: { staging: "house-accounts" } }))).toEqual([
      "slipway:flags[0].rollout.staging: names stage 'house-accounts', which is not in stages (none declared)",
    ]);
  });

  it("a rollout where the default is on is refused: the flag is already on for everyone there", () => {
    expect(problemsOf(flag({ stages: [HOUSE], rollout: { preview: "house-accounts" } }))).toEqual([
      "slipway:flags[0].rollout.preview: names stage 'house-accounts', but defaults.preview is true, so the flag is on for everyone there: remove the rollout or set the default off",
    ]);
  });
});

describe("the parse's edges", () => {
  it("a key is a Slipway key only whole: 'slipway:flags:' is refused, not read as slipway:flags", () => {
    expect(problemsOf({ ...minimal(), "slipway:flags:": [] })).toEqual([
      "slipway:flags:: is not a Slipway key (known keys: environment, github, environments, release, apps, databases, postgres, flags, migrations)",
    ]);
  });

  it("a problem of the whole document is named at (root), not at an empty key", () => {
    const parsed = stackConfigSchema.safeParse("production");
    expect(parsed.success).toBe(false);
    expect(configProblems(parsed.error as z.ZodError, "production")).toEqual([
      { key: "slipway:(root)", message: "expected object, got a string" },
    ]);
  });

  it("a secure leaf reaches the program unchanged, as a SecretString; a secure number as its text", () => {
    const values = minimal();
    values["slipway:environments"].production.secrets = { DEPLOY_TOKEN: "s3cr3t", DEPLOY_PIN: 1234 };
    const secrets = parse(values, [
      "slipway:environments.production.secrets.DEPLOY_TOKEN",
      "slipway:environments.production.secrets.DEPLOY_PIN",
    ]).environments.production?.secrets;
    expect(revealed(secrets?.DEPLOY_TOKEN)).toEqual({ secret: "s3cr3t" });
    expect(revealed(secrets?.DEPLOY_PIN)).toEqual({ secret: "1234" });
  });
});

describe("the go-live phase of a deploy (SLIPWAY_GO_LIVE)", () => {
  it("unset or empty is live; candidate and live are themselves", () => {
    expect(goLivePhaseFromEnv({})).toBe("live");
    expect(goLivePhaseFromEnv({ SLIPWAY_GO_LIVE: "" })).toBe("live");
    expect(goLivePhaseFromEnv({ SLIPWAY_GO_LIVE: "candidate" })).toBe("candidate");
    expect(goLivePhaseFromEnv({ SLIPWAY_GO_LIVE: "live" })).toBe("live");
  });

  it("anything else is refused before a resource exists, naming the variable and the phases", () => {
    expect(() => goLivePhaseFromEnv({ SLIPWAY_GO_LIVE: "canary" })).toThrow(UserError);
    expect(() => goLivePhaseFromEnv({ SLIPWAY_GO_LIVE: "canary" })).toThrow(
      "SLIPWAY_GO_LIVE: is 'canary': expected candidate or live (unset: live)",
    );
  });
});
