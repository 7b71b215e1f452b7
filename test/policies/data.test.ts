import { leastPrivilegeDbRoles, productionDataProtected } from "../../policy-pack/policies/data";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { k8sDeployment, repository } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, unknown, type Fixture } from "./harness";
import { secret } from "../support/wire";

const database = (props: Record<string, unknown> = {}, protect = true): Fixture => ({
  type: TYPES.pgDatabase,
  name: "app-db",
  protect,
  props: { name: "app", owner: "app_migrator", ...props },
});
const role = (name: string, props: Record<string, unknown> = {}): Fixture => ({
  type: TYPES.pgRole,
  name,
  props: {
    name,
    login: true,
    superuser: false,
    createRole: false,
    createDatabase: false,
    bypassRowLevelSecurity: false,
    password: secret("pw"),
    ...props,
  },
});
const k8sSecret = (name: string, props: Record<string, unknown>): Fixture => ({
  type: TYPES.k8sSecret,
  name,
  props: { metadata: { name, namespace: "app" }, ...props },
});
const grant = (privileges: string[], objectType = "table"): Fixture => ({
  type: TYPES.pgGrant,
  name: `runtime-${objectType}`,
  props: { database: "app", role: "app_runtime", schema: "public", objectType, privileges },
});

describe("production-data-protected", () => {
  test("a protected production database passes", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, database()))).toEqual([]);
  });

  test("an unprotected production database fails", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, database({}, false)))).toEqual([
      "Postgres Database 'app-db' in production stack 'production' is not protected (protect: false); a delete or replace would destroy production data.",
    ]);
  });

  test("Heroku apps, add-ons and Vercel projects are stateful too", async () => {
    for (const type of [TYPES.herokuApp, TYPES.herokuAddon, TYPES.vercelProject]) {
      expect(messages(await runResourcePolicy(productionDataProtected, { type, name: "x", props: {} }))).toHaveLength(1);
    }
  });

  test("staging data need not be protected", async () => {
    expect((await runResourcePolicy(productionDataProtected, database({}, false), { stack: "staging" })).notApplicable).toBe(
      "stack 'staging' is not production",
    );
  });

  test("statefulTypes is configurable", async () => {
    const fixture = { ...repository(), protect: false };
    expect((await runResourcePolicy(productionDataProtected, fixture)).notApplicable).toBe("not a stateful resource type");
    expect(
      messages(await runResourcePolicy(productionDataProtected, fixture, { config: { statefulTypes: [TYPES.repository] } })),
    ).toHaveLength(1);
  });
});

describe("least-privilege-db-roles", () => {
  const good = [
    database(),
    role("app_migrator"),
    role("app_runtime"),
    role("app_readonly", { login: false }),
    grant(["SELECT", "INSERT", "UPDATE", "DELETE"]),
  ];
  const LOGIN_NOT_MIGRATOR = "a login role other than the migrator: it owns no database or schema";

  test("a plain runtime role and a separate migrator pass", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, good))).toEqual([]);
  });

  test("the runtime role is not superuser and cannot create roles, databases or bypass RLS", async () => {
    const fixtures = [
      database(),
      role("app_migrator"),
      role("app_runtime", { superuser: true, createRole: true, createDatabase: true, bypassRowLevelSecurity: true }),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      `Postgres Role 'app_runtime' (runtime role 'app_runtime') has superuser: true, createRole: true, createDatabase: true, bypassRowLevelSecurity: true (the app's role: ${LOGIN_NOT_MIGRATOR}).`,
    ]);
  });

  test("migrations use a separate role the stack manages", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database(), role("app_runtime")]))).toEqual([
      "Postgres Database 'app-db' has no migrator role 'app_migrator' (its owner is not a role this stack manages), so nothing shows migrations run apart from the app.",
    ]);
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database({ owner: undefined }), role("app_runtime")]))).toEqual([
      "Postgres Database 'app-db' has no migrator role: it names no owner, so it belongs to whichever login creates it; make a separate role such as 'app_migrator' own it and run the migrations.",
    ]);
  });

  test("the app needs its own runtime role", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database(), role("app_migrator")]))).toEqual([
      "Postgres Database 'app-db' has no runtime role: no login role other than its owner 'app_migrator' is there for the app, so the app would connect as a more privileged role.",
    ]);
  });

  test("the runtime role does not own the database", async () => {
    const fixtures = [database({ owner: "app_runtime" }), role("app_migrator"), role("app_runtime")];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Database 'app-db' is owned by the runtime role 'app_runtime' (owner; the app's role: its name ends in '_runtime'), which can then change the schema; make a separate migrator role such as 'app_migrator' the owner.",
    ]);
  });

  test("the runtime role gets no schema-changing grant", async () => {
    const fixtures = [database(), role("app_migrator"), role("app_runtime"), grant(["CREATE", "USAGE"], "schema")];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Grant 'runtime-schema' grants CREATE on schema to runtime role 'app_runtime'; only the migrator changes the schema.",
    ]);
  });

  test("the runtime role does not inherit the migrator", async () => {
    const fixtures = [database(), role("app_migrator"), role("app_runtime", { roles: ["app_migrator"] })];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Role 'app_runtime' (runtime role 'app_runtime') is a member of 'app_migrator' and inherits their power.",
    ]);
  });

  test("role suffixes are only hints: other names are judged by what the roles are", async () => {
    const fixtures = [database({ owner: "app_owner" }), role("app_owner"), role("app_app")];
    expect(
      messages(
        await runStackPolicy(leastPrivilegeDbRoles, fixtures, { config: { runtimeRoleSuffix: "_app", migratorRoleSuffix: "_owner" } }),
      ),
    ).toEqual([]);
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([]);
  });

  test("a stack without Postgres is not applicable", async () => {
    expect((await runStackPolicy(leastPrivilegeDbRoles, [repository()])).notApplicable).toBe(
      "the stack manages no Postgres database or role",
    );
  });

  test("a stack with roles but no database is still judged", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [role("svc", { superuser: true })]))).toEqual([
      `Postgres Role 'svc' (runtime role 'svc') has superuser: true (the app's role: ${LOGIN_NOT_MIGRATOR}).`,
    ]);
  });

  test("a stack with a database but no role is still judged", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database()]))).toEqual([
      "Postgres Database 'app-db' has no migrator role 'app_migrator' (its owner is not a role this stack manages), so nothing shows migrations run apart from the app.",
      "Postgres Database 'app-db' has no runtime role: no login role other than its owner 'app_migrator' is there for the app, so the app would connect as a more privileged role.",
    ]);
  });

  test("a database without an owner and without an app role is missing both", async () => {
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database({ owner: "" })]))).toEqual([
      "Postgres Database 'app-db' has no migrator role: it names no owner, so it belongs to whichever login creates it; make a separate role such as 'app_migrator' own it and run the migrations.",
      "Postgres Database 'app-db' has no runtime role: no login role other than its owner is there for the app, so the app would connect as a more privileged role.",
    ]);
  });

  test("a runtime role that is a member of a superuser role is privileged", async () => {
    const fixtures = [
      database(),
      role("app_migrator"),
      role("app_runtime", { roles: ["dba"] }),
      role("dba", { login: false, superuser: true }),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Role 'app_runtime' (runtime role 'app_runtime') is a member of 'dba' and inherits their power.",
    ]);
  });

  test("a runtime role that is a member of a role that creates roles or databases is privileged", async () => {
    const fixtures = [
      database(),
      role("app_migrator"),
      role("app_runtime", { roles: ["role_admin", "db_admin"] }),
      role("role_admin", { login: false, createRole: true }),
      role("db_admin", { login: false, createDatabase: true }),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Role 'app_runtime' (runtime role 'app_runtime') is a member of 'role_admin', 'db_admin' and inherits their power.",
    ]);
  });

  test("membership of a managed service's superuser or of the provider's login is privileged, managed or not", async () => {
    const provider: Fixture = {
      type: "pulumi:providers:postgresql",
      name: "pg",
      props: { host: "db.internal", username: "pgadmin", password: secret("x") },
    };
    const fixtures = [
      provider,
      database(),
      role("app_migrator"),
      role("app_runtime", { roles: ["rds_superuser", "pgadmin", "legacy_migrator"] }),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Role 'app_runtime' (runtime role 'app_runtime') is a member of 'rds_superuser', 'pgadmin', 'legacy_migrator' and inherits their power.",
    ]);
  });

  test("membership of a plain group role is no privilege", async () => {
    const fixtures = [
      ...good.filter((fixture) => fixture.name !== "app_runtime"),
      role("app_runtime", { roles: ["app_readonly", "app_runtime"] }),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([]);
  });

  test("a membership granted twice (roles and a GrantRole) is named once", async () => {
    const member: Fixture = {
      type: "postgresql:index/grantRole:GrantRole",
      name: "runtime-is-migrator",
      props: { role: "app_runtime", grantRole: "app_migrator" },
    };
    const fixtures = [database(), role("app_migrator"), role("app_runtime", { roles: ["app_migrator"] }), member];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Role 'app_runtime' (runtime role 'app_runtime') is a member of 'app_migrator' and inherits their power.",
    ]);
  });

  test("the runtime role does not replicate", async () => {
    const fixtures = [database(), role("app_migrator"), role("app_runtime", { replication: true })];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      `Postgres Role 'app_runtime' (runtime role 'app_runtime') has replication: true (the app's role: ${LOGIN_NOT_MIGRATOR}).`,
    ]);
  });

  test("ALL on a table changes the schema too, and privileges are read whatever their case", async () => {
    const fixtures = [
      database(),
      role("app_migrator"),
      role("app_runtime"),
      grant(["all", "truncate"]),
      grant(["create", "connect"], "database"),
    ];
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
      "Postgres Grant 'runtime-table' grants ALL, TRUNCATE on table to runtime role 'app_runtime'; only the migrator changes the schema.",
      "Postgres Grant 'runtime-database' grants CREATE on database to runtime role 'app_runtime'; only the migrator changes the schema.",
    ]);
  });

  test("another role's membership is not the runtime role's", async () => {
    const member: Fixture = {
      type: "postgresql:index/grantRole:GrantRole",
      name: "analyst-is-migrator",
      props: { role: "app_readonly", grantRole: "app_migrator" },
    };
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [...good, member]))).toEqual([]);
  });

  test("USAGE on the schema changes nothing", async () => {
    expect(
      messages(
        await runStackPolicy(leastPrivilegeDbRoles, [database(), role("app_migrator"), role("app_runtime"), grant(["USAGE"], "schema")]),
      ),
    ).toEqual([]);
  });

  test("a grant to another role is not the runtime role's", async () => {
    const readonlyGrant = { ...grant(["CREATE"], "schema"), props: { ...grant(["CREATE"], "schema").props, role: "app_migrator" } };
    expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [...good, readonlyGrant]))).toEqual([]);
  });

  // Issue 10: the app's role is recognised by how the app connects, not by the `_runtime` suffix.
  describe("the app's role, whatever it is called", () => {
    /** The database `shop`, owned by `shop_owner`, as a program that follows none of Slipway's names declares it. */
    const shop = (owner = "shop_owner"): Fixture => ({
      type: TYPES.pgDatabase,
      name: "shop",
      protect: true,
      props: { name: "shop", owner },
    });
    const herokuConfig = (vars: Record<string, unknown>, propertyDependencies?: Record<string, string[]>): Fixture => ({
      type: TYPES.herokuConfig,
      name: "api-config",
      props: { appId: "app-id", vars: {}, sensitiveVars: vars },
      ...(propertyDependencies ? { propertyDependencies } : {}),
    });

    test("a superuser login role the app uses under another name is refused", async () => {
      const fixtures = [shop(), role("shop_owner"), role("svc_login", { superuser: true })];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
        `Postgres Role 'svc_login' (runtime role 'svc_login') has superuser: true (the app's role: ${LOGIN_NOT_MIGRATOR}).`,
      ]);
    });

    test("the app connecting as the database's owner is refused: its config is built from the role", async () => {
      const fixtures = [
        shop("core"),
        role("core", { superuser: true }),
        role("web"),
        herokuConfig({ DATABASE_URL: "(built)" }, { sensitiveVars: ["core"] }),
      ];
      const why = "the app's role: Heroku ConfigAssociation 'api-config' sensitiveVars is built from it";
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
        `Postgres Database 'shop' is owned by the runtime role 'core' (owner; ${why}), which can then change the schema; make a separate migrator role such as 'shop_migrator' the owner.`,
        `Postgres Role 'core' (runtime role 'core') has superuser: true (${why}).`,
      ]);
    });

    test("a connection URL naming the role is a connection", async () => {
      const fixtures = [
        shop("core"),
        role("core", { createRole: true }),
        role("web"),
        herokuConfig({ DATABASE_URL: "postgres://core:s3cret-pass@db.internal:5432/shop?sslmode=require" }),
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toContain(
        "Postgres Role 'core' (runtime role 'core') has createRole: true (the app's role: Heroku ConfigAssociation 'api-config' sensitiveVars.DATABASE_URL connects as it).",
      );
      const dsn = [
        shop("core"),
        role("core"),
        role("web"),
        { ...k8sSecret("app-db", { stringData: { DSN: "host=db.internal dbname=shop user=core" } }) },
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, dsn))[0]).toBe(
        "Postgres Database 'shop' is owned by the runtime role 'core' (owner; the app's role: Secret 'app-db' stringData.DSN connects as it), which can then change the schema; make a separate migrator role such as 'shop_migrator' the owner.",
      );
    });

    test("the role's password reaching the app is a connection, through a dependency or by value", async () => {
      const password: Fixture = {
        type: "random:index/randomPassword:RandomPassword",
        name: "core-password",
        props: { length: 40, special: false },
      };
      const owner = { ...role("core"), propertyDependencies: { password: ["core-password"] } };
      const appSecret = {
        ...k8sSecret("app-db", { stringData: { PGPASSWORD: "(built)" } }),
        propertyDependencies: { stringData: ["core-password"] },
      };
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [shop("core"), password, owner, role("web"), appSecret]))[0]).toBe(
        "Postgres Database 'shop' is owned by the runtime role 'core' (owner; the app's role: its password reaches Secret 'app-db' stringData), which can then change the schema; make a separate migrator role such as 'shop_migrator' the owner.",
      );
      const byValue = [
        shop("core"),
        role("core", { password: secret("hunter2-hunter2") }),
        role("web"),
        herokuConfig({ DB_PASSWORD: "hunter2-hunter2" }),
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, byValue))[0]).toContain(
        "(owner; the app's role: its password reaches Heroku ConfigAssociation 'api-config' sensitiveVars.DB_PASSWORD)",
      );
    });

    test("a container env and a Vercel env var are app config too", async () => {
      const deployment = k8sDeployment("api", {}, { env: [{ name: "DB_USER", value: "core" }] });
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [shop("core"), role("core"), role("web"), deployment]))[0]).toContain(
        "(owner; the app's role: Deployment 'api' spec.template.spec.containers[0].env[0].value connects as it)",
      );
      const vercel: Fixture = {
        type: TYPES.vercelEnvVar,
        name: "db",
        props: {
          projectId: "p",
          key: "DATABASE_URL",
          value: "postgresql://core@db.internal/shop",
          targets: ["production"],
          sensitive: true,
        },
      };
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [shop("core"), role("core"), role("web"), vercel]))[0]).toContain(
        "Vercel ProjectEnvironmentVariable 'db' value connects as it",
      );
    });

    test("the app connecting as the Postgres provider's own login is refused", async () => {
      const provider: Fixture = {
        type: "pulumi:providers:postgresql",
        name: "pg",
        props: { host: "db.internal", username: "pgadmin", password: secret("x") },
      };
      const fixtures = [
        provider,
        shop(),
        role("shop_owner"),
        role("web"),
        herokuConfig({ DATABASE_URL: "postgres://pgadmin:pw-pw-pw@db.internal/shop" }),
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
        "Heroku ConfigAssociation 'api-config' sensitiveVars.DATABASE_URL connects as 'pgadmin', the Postgres provider's own login, which creates databases and roles; give the app a runtime role of its own.",
      ]);
    });

    test("membership of the owner through a GrantRole is refused", async () => {
      const member: Fixture = {
        type: "postgresql:index/grantRole:GrantRole",
        name: "web-is-owner",
        props: { role: "web", grantRole: "shop_owner" },
      };
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [shop(), role("shop_owner"), role("web"), member]))).toEqual([
        "Postgres Role 'web' (runtime role 'web') is a member of 'shop_owner' and inherits their power.",
      ]);
    });

    test("a schema owned by the role the app connects as is refused", async () => {
      const schema: Fixture = {
        type: "postgresql:index/schema:Schema",
        name: "orders",
        props: { name: "orders", database: "shop", owner: "web" },
      };
      const fixtures = [
        shop(),
        role("shop_owner"),
        role("web"),
        role("worker"),
        schema,
        herokuConfig({ DATABASE_URL: "postgres://web:pw-pw-pw@db.internal/shop" }),
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
        "Postgres Schema 'orders' is owned by the runtime role 'web' (owner; the app's role: Heroku ConfigAssociation 'api-config' sensitiveVars.DATABASE_URL connects as it), which can then change it; make the migrator the owner.",
      ]);
    });

    test("clean: a schema the migrator owns", async () => {
      const schema: Fixture = {
        type: "postgresql:index/schema:Schema",
        name: "orders",
        props: { name: "orders", database: "shop", owner: "shop_owner" },
      };
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [shop(), role("shop_owner"), role("web"), schema]))).toEqual([]);
    });

    test("clean: the migrator's credentials in a Secret only a migration Job reads, the app's in the Deployment", async () => {
      const migrateSecret = k8sSecret("migrate-db", { stringData: { DATABASE_URL: "postgres://shop_owner:pw-pw-pw@db.internal/shop" } });
      const job: Fixture = {
        type: TYPES.k8sJob,
        name: "migrate",
        props: {
          spec: { template: { spec: { containers: [{ name: "migrate", image: "x", envFrom: [{ secretRef: { name: "migrate-db" } }] }] } } },
        },
      };
      const app = k8sDeployment("api", {}, { env: [{ name: "DATABASE_URL", value: "postgres://web:pw-pw-pw@db.internal/shop" }] });
      expect(
        messages(await runStackPolicy(leastPrivilegeDbRoles, [shop(), role("shop_owner"), role("web"), migrateSecret, job, app])),
      ).toEqual([]);
    });

    test("clean: a group role without login that nothing connects as is not the app's role", async () => {
      expect(
        messages(
          await runStackPolicy(leastPrivilegeDbRoles, [
            shop(),
            role("shop_owner"),
            role("web"),
            role("analysts", { login: false, createRole: true }),
          ]),
        ),
      ).toEqual([]);
    });

    test("clean: in a stack export every secret reads as ciphertext, which matches no password", async () => {
      // `slipway gate --state`: secrets are "[secret]", the role's password and the app's secret config vars alike.
      const fixtures = [
        shop(),
        role("shop_owner", { password: secret("[secret]") }),
        role("web", { password: secret("[secret]") }),
        herokuConfig({ DATABASE_URL: "[secret]" }),
      ];
      expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([]);
    });

    test("a role password unknown during preview is not read", async () => {
      const outcome = await runStackPolicy(leastPrivilegeDbRoles, [
        shop(),
        role("shop_owner", { password: unknown }),
        role("web", { password: unknown }),
        herokuConfig({ NODE_ENV: "production" }),
      ]);
      expect(outcome.unknown).toBeUndefined();
      expect(messages(outcome)).toEqual([]);
    });
  });
});
