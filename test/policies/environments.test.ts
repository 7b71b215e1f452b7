import {
  environmentScopedSecrets,
  noPlaintextSecrets,
  productionApproval,
  productionProtectedRefs,
  soakWindow,
  stagingIsolation,
} from "../../policy-pack/policies/environments";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { branchRuleset, deployWorkflow, environment, k8sDeployment, manifestVariable, repository, workflowFile } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, unknown, type Fixture } from "./harness";
import { secret } from "../support/wire";

// Built at run time so no credential-shaped literal sits in the source.
const githubToken = ["ghp", "_", "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"].join("");

describe("production-approval", () => {
  test("production with a reviewer team, no self-review and no admin bypass passes", async () => {
    expect(messages(await runResourcePolicy(productionApproval, environment()))).toEqual([]);
  });

  test("an environment named prod-eu is production too, whatever the team calls it", async () => {
    expect(messages(await runResourcePolicy(productionApproval, environment("prod-eu", { reviewers: [] })))).toEqual([
      "RepositoryEnvironment 'prod-eu' has no reviewers (teams: 0, users: 0); production deploys need at least 1 approver(s).",
    ]);
    expect((await runResourcePolicy(productionApproval, environment("preprod", { reviewers: [] }))).notApplicable).toBe(
      "environment 'preprod' is not production",
    );
  });

  test("production requires a reviewer", async () => {
    expect(messages(await runResourcePolicy(productionApproval, environment("production", { reviewers: [] })))).toEqual([
      "RepositoryEnvironment 'production' has no reviewers (teams: 0, users: 0); production deploys need at least 1 approver(s).",
    ]);
  });

  test("production forbids self-review", async () => {
    const fixture = environment("production", { preventSelfReview: undefined });
    delete fixture.props.preventSelfReview;
    expect(messages(await runResourcePolicy(productionApproval, fixture))).toEqual([
      "RepositoryEnvironment 'production' allows self-review (preventSelfReview: unset, which means false); whoever triggers a production deploy must not approve it.",
    ]);
  });

  test("admins may not skip production's approval unless configured", async () => {
    const fixture = environment("production", { canAdminsBypass: true });
    expect(messages(await runResourcePolicy(productionApproval, fixture))).toEqual([
      "RepositoryEnvironment 'production' lets admins bypass its reviewers (canAdminsBypass: true); production deploys need an approval.",
    ]);
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { allowAdminBypass: true } }))).toEqual([]);
  });

  test("minReviewers is configurable", async () => {
    expect(messages(await runResourcePolicy(productionApproval, environment(), { config: { minReviewers: 2 } }))).toEqual([
      "RepositoryEnvironment 'production' has 1 reviewer(s) (teams: 1, users: 0); production deploys need at least 2 approver(s).",
    ]);
  });

  test("an environment named after a production stack counts as production", async () => {
    const outcome = await runResourcePolicy(productionApproval, environment("prod", { reviewers: [] }));
    expect(messages(outcome)).toHaveLength(1);
  });

  test("staging needs no approval", async () => {
    expect((await runResourcePolicy(productionApproval, environment("staging", { reviewers: [] }))).notApplicable).toBe(
      "environment 'staging' is not production",
    );
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(productionApproval, repository())).notApplicable).toBe(
      "only RepositoryEnvironment resources are judged",
    );
  });

  test("an environment with one team and one user reviewer has two reviewers", async () => {
    const fixture = environment("production", { reviewers: [{ teams: [101], users: [7] }] });
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { minReviewers: 2 } }))).toEqual([]);
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { minReviewers: 3 } }))).toEqual([
      "RepositoryEnvironment 'production' has 2 reviewer(s) (teams: 1, users: 1); production deploys need at least 3 approver(s).",
    ]);
  });

  test("a user reviewer alone is an approver", async () => {
    const fixture = environment("production", { reviewers: [{ teams: [], users: [7] }] });
    expect(messages(await runResourcePolicy(productionApproval, fixture))).toEqual([]);
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { minReviewers: 2 } }))).toEqual([
      "RepositoryEnvironment 'production' has 1 reviewer(s) (teams: 0, users: 1); production deploys need at least 2 approver(s).",
    ]);
  });

  test("reviewers listed in several entries all count", async () => {
    const fixture = environment("production", { reviewers: [{ teams: [101] }, { users: [7, 8] }] });
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { minReviewers: 3 } }))).toEqual([]);
    expect(messages(await runResourcePolicy(productionApproval, fixture, { config: { minReviewers: 4 } }))).toEqual([
      "RepositoryEnvironment 'production' has 3 reviewer(s) (teams: 1, users: 2); production deploys need at least 4 approver(s).",
    ]);
  });

  test("self-review switched off explicitly is reported as such", async () => {
    expect(messages(await runResourcePolicy(productionApproval, environment("production", { preventSelfReview: false })))).toEqual([
      "RepositoryEnvironment 'production' allows self-review (preventSelfReview: false); whoever triggers a production deploy must not approve it.",
    ]);
  });

  test("admin bypass left unset is GitHub's default, which lets admins skip the approval", async () => {
    const fixture = environment();
    delete fixture.props.canAdminsBypass;
    expect(messages(await runResourcePolicy(productionApproval, fixture))).toEqual([
      "RepositoryEnvironment 'production' lets admins bypass its reviewers (canAdminsBypass: unset, which means true); production deploys need an approval.",
    ]);
  });

  test("unknown reviewers during preview are reported, not passed", async () => {
    const outcome = await runResourcePolicy(productionApproval, environment("production", { reviewers: unknown }));
    expect(outcome.unknown).toContain("can't run policy 'production-approval' during preview");
    expect(outcome.violations).toEqual([]);
  });
});

describe("production-protected-refs", () => {
  const deploymentPolicy = (props: Record<string, unknown>, name = "production-main"): Fixture => ({
    type: TYPES.deploymentPolicy,
    name,
    props: { repository: "app", environment: "production", ...props },
  });
  const custom = { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true } };

  test("production deploying from protected branches passes", async () => {
    expect(messages(await runStackPolicy(productionProtectedRefs, [repository(), environment()]))).toEqual([]);
  });

  test("production without a deployment branch policy fails", async () => {
    const fixture = environment();
    delete fixture.props.deploymentBranchPolicy;
    expect(messages(await runStackPolicy(productionProtectedRefs, [fixture]))).toEqual([
      "RepositoryEnvironment 'production' has no deploymentBranchPolicy, so any branch can deploy to production.",
    ]);
  });

  test("custom policies naming protected main and release tags pass", async () => {
    const fixtures = [
      repository(),
      branchRuleset(),
      environment("production", custom),
      deploymentPolicy({ branchPattern: "main" }),
      deploymentPolicy({ tagPattern: "v*" }, "production-tags"),
    ];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([]);
  });

  test("a wildcard branch pattern lets unprotected branches deploy", async () => {
    const fixtures = [repository(), branchRuleset(), environment("production", custom), deploymentPolicy({ branchPattern: "feature/*" })];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'production-main' lets branches matching 'feature/*' deploy to production; a pattern admits unprotected branches, name a protected branch instead.",
    ]);
  });

  test("a policy written for the same environment in other letter cases governs it too (GitHub's names are case-insensitive)", async () => {
    const shouted = deploymentPolicy({ repository: "App", environment: "PRODUCTION", branchPattern: "feature/*" });
    const fixtures = [repository(), branchRuleset(), environment("production", custom), shouted];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'production-main' lets branches matching 'feature/*' deploy to production; a pattern admits unprotected branches, name a protected branch instead.",
    ]);
    // Another repository's environment of the same name is not this one's.
    const elsewhere = deploymentPolicy({ repository: "other-app", environment: "Production", branchPattern: "feature/*" });
    expect(
      messages(
        await runStackPolicy(productionProtectedRefs, [repository(), branchRuleset(), environment("production", custom), elsewhere]),
      ),
    ).toEqual([]);
  });

  test("an unprotected branch cannot deploy to production", async () => {
    const fixtures = [repository(), branchRuleset(), environment("production", custom), deploymentPolicy({ branchPattern: "prod" })];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'production-main' lets branch 'prod' deploy to production, but no active ruleset or branch protection covers 'prod'.",
    ]);
  });

  test("only release tags may deploy to production", async () => {
    const fixtures = [repository(), environment("production", custom), deploymentPolicy({ tagPattern: "*" })];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'production-main' lets tags matching '*' deploy to production, which are not release tags (v*, mvp-*).",
    ]);
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures, { config: { releaseTagPatterns: ["*"] } }))).toEqual([]);
  });

  test("a policy that allows every branch fails", async () => {
    const fixtures = [environment("production", { deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: false } })];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))[0]).toMatch(
      /sets neither protectedBranches nor customBranchPolicies/,
    );
  });

  test("a stack without a production environment is not applicable", async () => {
    expect((await runStackPolicy(productionProtectedRefs, [environment("staging")])).notApplicable).toBe(
      "the stack manages no production environment",
    );
  });

  test("two repositories with environments of the same name are judged each against its own branch policy", async () => {
    // app protects main (the ruleset is app's); site does not, so only site's production may not deploy from main.
    const site = (fixture: Fixture, name: string): Fixture => ({ ...fixture, name, props: { ...fixture.props, repository: "site" } });
    const fixtures = [
      repository("app"),
      repository("site"),
      branchRuleset(),
      environment("production", custom),
      site(environment("production", custom), "site-production-environment"),
      deploymentPolicy({ branchPattern: "main" }),
      site(deploymentPolicy({ branchPattern: "main" }), "site-production-main"),
    ];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([
      "RepositoryEnvironmentDeploymentPolicy 'site-production-main' lets branch 'main' deploy to production, but no active ruleset or branch protection covers 'main'.",
    ]);
  });

  test("an environment of a repository the stack does not declare is judged against that repository's rulesets, main as its default branch", async () => {
    const fixtures = [branchRuleset(), environment("production", custom), deploymentPolicy({ branchPattern: "main" })];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([]);
  });

  test("a repository whose default branch is not main protects its own default branch", async () => {
    const branchDefault: Fixture = { type: TYPES.branchDefault, name: "app-default", props: { repository: "app", branch: "trunk" } };
    const fixtures = [
      repository(),
      branchDefault,
      branchRuleset(),
      environment("production", custom),
      deploymentPolicy({ branchPattern: "trunk" }),
    ];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([]);
  });

  test("a staging environment's deployment policy does not open production", async () => {
    const fixtures = [
      repository(),
      branchRuleset(),
      environment("production", custom),
      environment("staging", custom),
      deploymentPolicy({ branchPattern: "main" }),
      deploymentPolicy({ environment: "staging", branchPattern: "feature/*" }, "staging-features"),
    ];
    expect(messages(await runStackPolicy(productionProtectedRefs, fixtures))).toEqual([]);
  });
});

describe("soak-window", () => {
  test("production waiting 15 minutes passes", async () => {
    expect(messages(await runResourcePolicy(soakWindow, environment()))).toEqual([]);
  });

  test("production without a wait timer fails", async () => {
    const fixture = environment();
    delete fixture.props.waitTimer;
    expect(messages(await runResourcePolicy(soakWindow, fixture))).toEqual([
      "RepositoryEnvironment 'production' waits 0 minute(s) before deploying (waitTimer: unset); the soak window needs at least 10.",
    ]);
  });

  test("soakMinutes is configurable", async () => {
    expect(messages(await runResourcePolicy(soakWindow, environment(), { config: { soakMinutes: 30 } }))).toEqual([
      "RepositoryEnvironment 'production' waits 15 minute(s) before deploying (waitTimer: 15); the soak window needs at least 30.",
    ]);
  });

  test("a wait of exactly the soak window is enough", async () => {
    expect(messages(await runResourcePolicy(soakWindow, environment("production", { waitTimer: 10 })))).toEqual([]);
  });

  test("an emergency rollback environment named in rollbackEnvironments waits for its approval only", async () => {
    const rollback = environment("production-rollback", { waitTimer: 0 });
    expect(
      (await runResourcePolicy(soakWindow, rollback, { config: { rollbackEnvironments: ["production-rollback"] } })).notApplicable,
    ).toBe(
      "environment 'production-rollback' is a rollback environment (rollbackEnvironments): it waits for its reviewers, production-approval judges them",
    );
    expect(messages(await runResourcePolicy(soakWindow, rollback))).toEqual([
      "RepositoryEnvironment 'production-rollback' waits 0 minute(s) before deploying (waitTimer: 0); the soak window needs at least 10.",
    ]);
  });

  test("staging has no soak window", async () => {
    expect((await runResourcePolicy(soakWindow, environment("staging", { waitTimer: 0 }))).notApplicable).toBe(
      "environment 'staging' is not production",
    );
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(soakWindow, repository())).notApplicable).toBe("only RepositoryEnvironment resources are judged");
  });
});

describe("environment-scoped-secrets", () => {
  const repositorySecret = (secretName: string): Fixture => ({
    type: TYPES.repositorySecret,
    name: secretName.toLowerCase(),
    props: { repository: "app", secretName, plaintextValue: secret("x") },
  });

  test("an environment secret passes", async () => {
    const fixture = {
      type: TYPES.environmentSecret,
      name: "vercel-token",
      props: { repository: "app", environment: "production", secretName: "VERCEL_TOKEN", plaintextValue: secret("x") },
    };
    expect((await runResourcePolicy(environmentScopedSecrets, fixture)).notApplicable).toBe(
      "only repository-wide ActionsSecret resources are judged",
    );
  });

  test("a repository-wide deploy credential fails", async () => {
    expect(messages(await runResourcePolicy(environmentScopedSecrets, repositorySecret("VERCEL_TOKEN")))).toEqual([
      "ActionsSecret 'vercel_token' makes 'VERCEL_TOKEN' a repository-wide secret of 'app'; deploy credentials must be environment secrets.",
    ]);
  });

  test("a CI-only token may be repository-wide when allowed", async () => {
    expect(
      messages(
        await runResourcePolicy(environmentScopedSecrets, repositorySecret("CODECOV_TOKEN"), {
          config: { allowedRepositorySecrets: ["CODECOV_TOKEN"] },
        }),
      ),
    ).toEqual([]);
  });
});

describe("no-plaintext-secrets", () => {
  test("a plain setting in a GitHub variable passes", async () => {
    const fixture = {
      type: TYPES.environmentVariable,
      name: "log-level",
      props: { repository: "app", environment: "production", variableName: "LOG_LEVEL", value: "info" },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, fixture))).toEqual([]);
  });

  test("a token in a GitHub variable fails, whatever its name", async () => {
    const fixture = {
      type: TYPES.environmentVariable,
      name: "deploy",
      props: { repository: "app", environment: "production", variableName: "DEPLOY", value: githubToken },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, fixture))).toEqual([
      "ActionsEnvironmentVariable 'deploy' variable 'DEPLOY' holds a plaintext credential: the value looks like a GitHub token; move it to an ActionsEnvironmentSecret.",
    ]);
  });

  test("a Heroku config var named like a password fails; sensitiveConfigVars pass", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: {
        name: "api",
        region: "eu",
        configVars: { LOG_LEVEL: "info", DB_PASSWORD: "hunter2hunter2" },
        sensitiveConfigVars: secret({ API_TOKEN: "s3cr3t-value" }),
      },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, app))).toEqual([
      "Heroku App 'api' configVars 'DB_PASSWORD' holds a plaintext credential: its name 'DB_PASSWORD' says it holds a credential and the value is a literal; move it to sensitiveConfigVars.",
    ]);
  });

  test("a secret-wrapped value in a plaintext field is still exposed (the SDK unwraps secrets)", async () => {
    const config = {
      type: TYPES.herokuConfig,
      name: "api-config",
      props: { appId: "api", vars: { DATABASE_URL: secret("postgres://app:pa55word@db.internal:5432/app") } },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, config))).toEqual([
      "Heroku ConfigAssociation 'api-config' vars 'DATABASE_URL' holds a plaintext credential: the value looks like a URL with an embedded password; move it to sensitiveVars.",
    ]);
  });

  test("a ConfigMap with a private key fails", async () => {
    // Assembled at run time: a key-shaped literal in the source would trip secret scanners.
    const pem = (edge: string) => `-----${edge} RSA ${["PRIVATE", "KEY"].join(" ")}-----`;
    const configMap = {
      type: TYPES.k8sConfigMap,
      name: "tls",
      props: { metadata: { name: "tls" }, data: { "tls.key": `${pem("BEGIN")}\nabc\n${pem("END")}` } },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, configMap))[0]).toBe(
      "ConfigMap 'tls' data 'tls.key' holds a plaintext credential: the value looks like a private key; move it to a kubernetes Secret.",
    );
  });

  test("a non-sensitive Vercel env var with a token fails; a sensitive one passes", async () => {
    const envVar = (sensitive: boolean) => ({
      type: TYPES.vercelEnvVar,
      name: "api-token",
      props: { projectId: "prj_1", key: "API_TOKEN", value: "abcdef123456", targets: ["production"], sensitive },
    });
    expect(messages(await runResourcePolicy(noPlaintextSecrets, envVar(false)))).toEqual([
      "Vercel ProjectEnvironmentVariable 'api-token' env var 'API_TOKEN' holds a plaintext credential: its name 'API_TOKEN' says it holds a credential and the value is a literal; move it to sensitive: true.",
    ]);
    expect(messages(await runResourcePolicy(noPlaintextSecrets, envVar(true)))).toEqual([]);
  });

  test("a container env literal password fails; a secretKeyRef passes", async () => {
    const literal = k8sDeployment(
      "api",
      {},
      {
        env: [
          { name: "DB_PASSWORD", value: "correct-horse" },
          { name: "DB_USER", valueFrom: { secretKeyRef: { name: "db", key: "password" } } },
        ],
      },
    );
    expect(messages(await runResourcePolicy(noPlaintextSecrets, literal))).toEqual([
      "Deployment 'api' container 'api' env 'DB_PASSWORD' holds a plaintext credential: its name 'DB_PASSWORD' says it holds a credential and the value is a literal; move it to valueFrom.secretKeyRef.",
    ]);
    const referenced = k8sDeployment(
      "api",
      {},
      { env: [{ name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "db", key: "password" } } }] },
    );
    expect(messages(await runResourcePolicy(noPlaintextSecrets, referenced))).toEqual([]);
  });

  test("a workflow referencing secrets passes; a literal token in a workflow fails", async () => {
    expect(messages(await runResourcePolicy(noPlaintextSecrets, workflowFile("deploy-production.yml", deployWorkflow())))).toEqual([]);
    const leaky = deployWorkflow();
    (leaky.jobs as Record<string, { env?: unknown }>).deploy.env = { VERCEL_TOKEN: "vrc-literal-0123456789" };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, workflowFile("deploy-production.yml", leaky)))).toEqual([
      "RepositoryFile 'deploy-production' .github/workflows/deploy-production.yml at jobs.deploy.env.VERCEL_TOKEN holds a plaintext credential: its name 'VERCEL_TOKEN' says it holds a credential and the value is a literal; reference a secret instead (${{ secrets.NAME }}).",
    ]);
  });

  test("allowedKeys silences a false positive", async () => {
    const fixture = {
      type: TYPES.repositoryVariable,
      name: "token-audience",
      props: { repository: "app", variableName: "OIDC_TOKEN_AUDIENCE_VALUE", value: "sts.amazonaws.com" },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, fixture))).toHaveLength(1);
    expect(
      messages(await runResourcePolicy(noPlaintextSecrets, fixture, { config: { allowedKeys: ["OIDC_TOKEN_AUDIENCE_VALUE"] } })),
    ).toEqual([]);
  });

  test("the release manifest (hashes, digests, SHAs) is not mistaken for a credential", async () => {
    expect(messages(await runResourcePolicy(noPlaintextSecrets, manifestVariable()))).toEqual([]);
  });

  test("a preview judges the known values and skips the unknown one, so the verdict stays definite (not a can't-run advisory)", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: { name: "api", configVars: { PENDING: unknown, DB_PASSWORD: "hunter2hunter2" } },
    };
    const outcome = await runResourcePolicy(noPlaintextSecrets, app);
    expect(messages(outcome)).toEqual([expect.stringContaining("'DB_PASSWORD' holds a plaintext credential")]);
    expect(outcome.unknown).toBeUndefined();
  });

  test("an unknown in one field does not hide a credential in the next", async () => {
    const project = {
      type: TYPES.vercelProject,
      name: "web",
      props: {
        name: "web",
        environments: [
          { key: "PENDING", value: unknown, targets: ["production"], sensitive: false },
          { key: "API_TOKEN", value: "abcdef123456", targets: ["production"], sensitive: false },
        ],
      },
    };
    const outcome = await runResourcePolicy(noPlaintextSecrets, project);
    expect(messages(outcome)).toEqual([
      "Vercel Project 'web' environments 'API_TOKEN' holds a plaintext credential: its name 'API_TOKEN' says it holds a credential and the value is a literal; move it to sensitive: true.",
    ]);
    expect(outcome.unknown).toBeUndefined();
  });

  test("a value unknown in preview is judged once known, as pulumi up judges it", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: { name: "api", configVars: { PENDING: "ghp_" + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc" } },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, app))).toEqual([
      expect.stringContaining("'PENDING' holds a plaintext credential"),
    ]);
  });

  test("a file's name does not make its harmless content a credential", async () => {
    const file = {
      type: TYPES.repositoryFile,
      name: "secrets-example",
      props: { repository: "app", file: "config/secrets.example.yml", content: "database_password: <set me>\n" },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, file))).toEqual([]);
  });

  test("a sensitive entry of a Vercel project is no plaintext", async () => {
    const project = {
      type: TYPES.vercelProject,
      name: "web",
      props: { name: "web", environments: [{ key: "API_TOKEN", value: "abcdef123456", targets: ["production"], sensitive: true }] },
    };
    expect(messages(await runResourcePolicy(noPlaintextSecrets, project))).toEqual([]);
  });

  test("a repository has no plaintext value fields", async () => {
    expect((await runResourcePolicy(noPlaintextSecrets, repository())).notApplicable).toBe(
      "the resource type has no plaintext value fields",
    );
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(noPlaintextSecrets, repository())).notApplicable).toBe(
      "the resource type has no plaintext value fields",
    );
  });
});

describe("staging-isolation", () => {
  test("a staging app on staging hosts passes", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: { name: "autorisen", configVars: { PUBLIC_URL: "https://dev.cape-control.com" } },
    };
    expect(
      messages(await runResourcePolicy(stagingIsolation, app, { stack: "staging", config: { productionHosts: ["cape-control.com"] } })),
    ).toEqual([]);
  });

  test("staging never references a production host, even inside a secret", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: { name: "autorisen", sensitiveConfigVars: secret({ API_BASE: "https://cape-control.com/api" }) },
    };
    expect(
      messages(await runResourcePolicy(stagingIsolation, app, { stack: "staging", config: { productionHosts: ["cape-control.com"] } })),
    ).toEqual(["Heroku App 'api' in stack 'staging' sensitiveConfigVars.API_BASE names production host 'cape-control.com'."]);
  });

  test("staging never points at the production database", async () => {
    const config = {
      type: TYPES.herokuConfig,
      name: "db",
      props: { appId: "a", sensitiveVars: { DATABASE_URL: "postgres://db.prod.internal:5432/capecraft" } },
    };
    expect(
      messages(await runResourcePolicy(stagingIsolation, config, { stack: "staging", config: { productionDatabases: ["capecraft"] } })),
    ).toEqual(["Heroku ConfigAssociation 'db' in stack 'staging' sensitiveVars.DATABASE_URL names production database 'capecraft'."]);
  });

  test("the staging stack does not write the production environment", async () => {
    expect(messages(await runResourcePolicy(stagingIsolation, manifestVariable(), { stack: "staging" }))).toEqual([
      "ActionsEnvironmentVariable 'release-manifest' in stack 'staging' writes to GitHub environment 'production'.",
    ]);
    expect(messages(await runResourcePolicy(stagingIsolation, manifestVariable(undefined, "staging"), { stack: "staging" }))).toEqual([]);
  });

  test("staging does not deploy into the production namespace or pipeline stage", async () => {
    const deployment = k8sDeployment();
    (deployment.props.metadata as Record<string, unknown>).namespace = "production";
    expect(messages(await runResourcePolicy(stagingIsolation, deployment, { stack: "staging" }))).toEqual([
      "Deployment 'api' in stack 'staging' uses namespace 'production'.",
    ]);
    const coupling = { type: TYPES.herokuCoupling, name: "coupling", props: { appId: "a", pipeline: "p", stage: "production" } };
    expect(messages(await runResourcePolicy(stagingIsolation, coupling, { stack: "staging" }))).toEqual([
      "Heroku Coupling 'coupling' in stack 'staging' couples an app to pipeline stage 'production'.",
    ]);
  });

  test("a production host is recognised whatever its case", async () => {
    const app = {
      type: TYPES.herokuApp,
      name: "api",
      props: { name: "autorisen", configVars: { PUBLIC_URL: "https://Cape-Control.COM" } },
    };
    expect(
      messages(await runResourcePolicy(stagingIsolation, app, { stack: "staging", config: { productionHosts: ["cape-control.com"] } })),
    ).toEqual(["Heroku App 'api' in stack 'staging' configVars.PUBLIC_URL names production host 'cape-control.com'."]);
  });

  test("a staging database whose name only starts with the production database's is not production", async () => {
    const config = {
      type: TYPES.herokuConfig,
      name: "db",
      props: { appId: "a", sensitiveVars: { DATABASE_URL: "postgres://db.staging.internal:5432/capecraft_staging" } },
    };
    expect(
      messages(await runResourcePolicy(stagingIsolation, config, { stack: "staging", config: { productionDatabases: ["capecraft"] } })),
    ).toEqual([]);
  });

  test("staging does not create the production namespace", async () => {
    const namespace = { type: TYPES.k8sNamespace, name: "ns", props: { metadata: { name: "production" } } };
    expect(messages(await runResourcePolicy(stagingIsolation, namespace, { stack: "staging" }))).toEqual([
      "Namespace 'ns' in stack 'staging' uses namespace 'production'.",
    ]);
  });

  test("a staging Deployment in its own namespace passes", async () => {
    expect(messages(await runResourcePolicy(stagingIsolation, k8sDeployment(), { stack: "staging" }))).toEqual([]);
  });

  test("a production stack is not judged for staging isolation", async () => {
    expect((await runResourcePolicy(stagingIsolation, manifestVariable(), { stack: "production" })).notApplicable).toBe(
      "production stacks are not judged for staging isolation",
    );
  });

  test("production stacks are not applicable", async () => {
    expect((await runResourcePolicy(stagingIsolation, manifestVariable(), { stack: "production" })).notApplicable).toBe(
      "production stacks are not judged for staging isolation",
    );
  });
});
