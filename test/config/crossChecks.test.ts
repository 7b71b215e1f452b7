/**
 * The config contract's rules that span sections: every reviewer has a GitHub id, databases name
 * their server, every app's artifact carries the field its target deploys, previews see only the
 * secrets opted in, and every app that reads served flags holds a token of its own. Each mistake is
 * one problem at its `pulumi config --path` key, saying what to do.
 */
import { deployRepositories } from "../../config/config";
import { configProblemsOf, minimalProductionConfig, parseProductionConfig } from "../support/config";

const API_IMAGE = `ghcr.io/acme/api@sha256:${"1a".repeat(32)}`;
const WEB_SHA = "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e";
const API_SLUG = "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b";

/** The smallest valid production config, with a reviewer user's id and no artifacts; tests add or break one thing at a time. */
function minimal(): Record<string, any> {
  const config = minimalProductionConfig();
  config["slipway:github"].users = { "alice-release": 9001 };
  config["slipway:release"].artifacts = {};
  return config;
}

const parse = parseProductionConfig;
const problemsOf = configProblemsOf;

const USER_HINT = (key: string, login: string) =>
  `${key}: names user '${login}', whose id is not in slipway:github.users: run \`pulumi config set --path 'slipway:github.users.${login}' <id>\` (the id: gh api users/${login} --jq .id)`;

describe("every reviewer the stack names has its GitHub id in the stack file", () => {
  it("an environment's reviewer user with an id is accepted; without one the message names the command that adds it", () => {
    const values = minimal();
    values["slipway:environments"].production.reviewerUsers = ["alice-release"];
    expect(parse(values).environments.production?.reviewerUsers).toEqual(["alice-release"]);
    values["slipway:environments"].production.reviewerUsers = ["alice-release", "bob-oncall"];
    expect(problemsOf(values)).toEqual([USER_HINT("slipway:environments.production.reviewerUsers[1]", "bob-oncall")]);
  });

  it("a rollback's reviewer user needs an id too, and one with an id is accepted", () => {
    const values = minimal();
    values["slipway:environments"].production.rollback = { reviewerUsers: ["bob-oncall"] };
    expect(problemsOf(values)).toEqual([USER_HINT("slipway:environments.production.rollback.reviewerUsers[0]", "bob-oncall")]);
    values["slipway:github"].users["bob-oncall"] = 9002;
    expect(parse(values).environments.production?.rollback?.reviewerUsers).toEqual(["bob-oncall"]);
  });

  it("a rollback approved by one team and one user names a reviewer", () => {
    const values = minimal();
    values["slipway:environments"].production.rollback = { reviewerTeams: ["release-captains"], reviewerUsers: ["alice-release"] };
    expect(parse(values).environments.production?.rollback).toEqual({
      reviewerTeams: ["release-captains"],
      reviewerUsers: ["alice-release"],
      preventSelfReview: true,
    });
  });
});

describe("databases name their server: never the provider's ambient defaults", () => {
  const withDatabases = (postgres?: unknown) => {
    const values = minimal();
    values["slipway:databases"] = [{ name: "orders" }];
    if (postgres !== undefined) values["slipway:postgres"] = postgres;
    return values;
  };

  it("databases without slipway:postgres are refused at that key; with the server and a secret admin password they parse", () => {
    expect(problemsOf(withDatabases())).toEqual([
      "slipway:postgres: is required: slipway:databases needs the server and admin login (host, username, password) of this stack, never the provider's ambient defaults",
    ]);
    const config = parse(withDatabases({ host: "pg-prod.acme.internal", username: "slipway_admin", password: "pw" }), [
      "slipway:postgres.password",
    ]);
    expect(config.databases.map((db) => db.name)).toEqual(["orders"]);
    expect(config.postgres?.host).toBe("pg-prod.acme.internal");
  });
});

describe("every app's artifact carries the field its target deploys (built once, promoted unchanged)", () => {
  it("a Heroku app needs a slug id: an image will not do", () => {
    const values = minimal();
    values["slipway:apps"] = { heroku: [{ name: "api", appName: "acme-api" }] };
    values["slipway:release"].artifacts = { api: { image: API_IMAGE } };
    expect(problemsOf(values)).toEqual([
      "slipway:release.artifacts.api.slugId: is required: slipway:apps.heroku[0] (api) deploys a Heroku release from it",
    ]);
    values["slipway:release"].artifacts = { api: { slugId: API_SLUG } };
    expect(parse(values).apps.heroku.map((app) => app.name)).toEqual(["api"]);
  });

  it("a Kubernetes service and a migration Job need the image of their app", () => {
    const values = minimal();
    values["slipway:apps"] = {
      kubernetes: {
        cluster: { context: "acme-production" },
        services: [{ name: "api", port: 8080 }],
        migrations: [{ name: "add-orders", phase: "expand", app: "migrator", command: ["npm", "run", "migrate"] }],
      },
    };
    values["slipway:release"].artifacts = { api: { slugId: API_SLUG }, migrator: { commitSha: WEB_SHA } };
    expect(problemsOf(values)).toEqual([
      "slipway:release.artifacts.api.image: is required: slipway:apps.kubernetes.services[0] (api) deploys its pods from it",
      "slipway:release.artifacts.migrator.image: is required: slipway:apps.kubernetes.migrations[0] (migrator) deploys a migration Job from it",
    ]);
  });
});

describe("previews see only the secrets a Vercel app opts in (003 §5.2)", () => {
  const withPreviewSecrets = (env: Record<string, unknown>) => {
    const values = minimal();
    values["slipway:apps"] = { vercel: [{ name: "web", repository: "shop", env, previewSecrets: ["SESSION_SECRET"] }] };
    values["slipway:release"].artifacts = { web: { commitSha: WEB_SHA } };
    return values;
  };
  const SECURE = ["slipway:apps.vercel[0].env.SESSION_SECRET"];

  it("a secret env var of the app may be listed", () => {
    expect(parse(withPreviewSecrets({ SESSION_SECRET: "s3cr3t" }), SECURE).apps.vercel[0].previewSecrets).toEqual(["SESSION_SECRET"]);
  });

  it.each([
    ["a plain env var", { SESSION_SECRET: "not-a-secret" }],
    ["a name the app does not set", {}],
  ])("%s is refused at previewSecrets", (_what, env) => {
    expect(problemsOf(withPreviewSecrets(env))).toEqual([
      "slipway:apps.vercel[0].previewSecrets: names 'SESSION_SECRET', which is not a secret env var of this app",
    ]);
  });
});

describe("apps that read served flags hold a read-only token of their own, as a secret (a kill must reach them)", () => {
  const FLAG = { name: "new-checkout", level: "L1", defaults: { preview: false, staging: false, production: false } };
  const tokenMessage = (key: string, asSecret: boolean) =>
    `${key}: is required${asSecret ? " as a secret" : ""}: the app reads its flags from SLIPWAY_FLAGS_URL (GitHub's REST API) with a read-only token of its own (a fine-grained token with "Environments: read" on the flags' repository); run \`pulumi config set --secret --path '${key}' <token>\``;
  const VERCEL_TOKEN = "slipway:apps.vercel[0].env.SLIPWAY_FLAGS_TOKEN";
  const HEROKU_TOKEN = "slipway:apps.heroku[0].secrets.SLIPWAY_FLAGS_TOKEN";

  const withApps = (vercelEnv: Record<string, unknown>, heroku: Record<string, unknown>, flags: unknown[] = [FLAG]) => {
    const values = minimal();
    values["slipway:apps"] = {
      vercel: [{ name: "web", repository: "shop", env: vercelEnv }],
      heroku: [{ name: "api", appName: "acme-api", ...heroku }],
    };
    values["slipway:release"].artifacts = { web: { commitSha: WEB_SHA }, api: { slugId: API_SLUG } };
    values["slipway:flags"] = flags;
    return values;
  };

  it("without a token, each app is refused at the key the token belongs in, with the command; with the tokens as secrets they parse", () => {
    expect(problemsOf(withApps({}, {}))).toEqual([tokenMessage(VERCEL_TOKEN, false), tokenMessage(HEROKU_TOKEN, false)]);
    const secured = withApps({ SLIPWAY_FLAGS_TOKEN: "t1" }, { secrets: { SLIPWAY_FLAGS_TOKEN: "t2" } });
    expect(parse(secured, [VERCEL_TOKEN, HEROKU_TOKEN]).flags.map((flag) => flag.name)).toEqual(["new-checkout"]);
    // A stack without flags serves none, so its apps need no token.
    expect(parse(withApps({}, {}, [])).apps.heroku.map((app) => app.name)).toEqual(["api"]);
  });

  it("a token in plain text (a Vercel env var, a Heroku config var) is refused: it must be a secret", () => {
    expect(
      problemsOf(withApps({ SLIPWAY_FLAGS_TOKEN: "github_pat_plain" }, { configVars: { SLIPWAY_FLAGS_TOKEN: "github_pat_plain" } })),
    ).toEqual([tokenMessage(VERCEL_TOKEN, true), tokenMessage(HEROKU_TOKEN, true)]);
  });
});

describe("each flag is declared once", () => {
  it("a second flag under the same name is refused at its name", () => {
    const values = minimal();
    const flag = { name: "new-checkout", level: "L1", defaults: { preview: false, staging: false, production: false } };
    values["slipway:flags"] = [flag, { ...flag, level: "L2" }];
    expect(problemsOf(values)).toEqual(["slipway:flags[1].name: repeats flag 'new-checkout'"]);
  });
});

describe("the repositories that deploy (environments and deploy workflows)", () => {
  it("default to the first repository", () => {
    const values = minimal();
    values["slipway:github"].repositories = [{ name: "shop" }, { name: "docs" }];
    expect(deployRepositories(parse(values))).toEqual(["shop"]);
  });

  it("are the ones deployRepositories names, when it names them", () => {
    const values = minimal();
    values["slipway:github"].repositories = [{ name: "shop" }, { name: "docs" }];
    values["slipway:github"].deployRepositories = ["docs"];
    expect(deployRepositories(parse(values))).toEqual(["docs"]);
  });

  it("a name that is not one of the repositories is refused, listing them", () => {
    const values = minimal();
    values["slipway:github"].repositories = [{ name: "shop" }, { name: "docs" }];
    values["slipway:github"].deployRepositories = ["shop", "blog"];
    expect(problemsOf(values)).toEqual([
      "slipway:github.deployRepositories[1]: names 'blog', which is not one of the repositories (shop, docs)",
    ]);
  });
});
