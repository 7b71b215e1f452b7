import { leastPrivilegeDbRoles, productionDataProtected } from "../../policy-pack/policies/data";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { repository } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, secret, type Fixture } from "./harness";

const database = (props: Record<string, unknown> = {}, protect = true): Fixture => ({ type: TYPES.pgDatabase, name: "app-db", protect, props: { name: "app", owner: "app_migrator", ...props } });
const role = (name: string, props: Record<string, unknown> = {}): Fixture => ({
    type: TYPES.pgRole,
    name,
    props: { name, login: true, superuser: false, createRole: false, createDatabase: false, bypassRowLevelSecurity: false, password: secret("pw"), ...props },
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
        expect((await runResourcePolicy(productionDataProtected, database({}, false), { stack: "staging" })).notApplicable).toBe("stack 'staging' is not production");
    });

    test("statefulTypes is configurable", async () => {
        const fixture = { ...repository(), protect: false };
        expect((await runResourcePolicy(productionDataProtected, fixture)).notApplicable).toBe("not a stateful resource type");
        expect(messages(await runResourcePolicy(productionDataProtected, fixture, { config: { statefulTypes: [TYPES.repository] } }))).toHaveLength(1);
    });
});

describe("least-privilege-db-roles", () => {
    const good = [database(), role("app_migrator"), role("app_runtime"), role("app_readonly"), grant(["SELECT", "INSERT", "UPDATE", "DELETE"])];

    test("a plain runtime role and a separate migrator pass", async () => {
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, good))).toEqual([]);
    });

    test("the runtime role is not superuser and cannot create roles, databases or bypass RLS", async () => {
        const fixtures = [database(), role("app_migrator"), role("app_runtime", { superuser: true, createRole: true, createDatabase: true, bypassRowLevelSecurity: true })];
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
            "Postgres Role 'app_runtime' (runtime role 'app_runtime') has superuser: true, createRole: true, createDatabase: true, bypassRowLevelSecurity: true.",
        ]);
    });

    test("migrations use a separate role", async () => {
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database(), role("app_runtime")]))).toEqual([
            "Postgres Database 'app-db' has no migrator role 'app_migrator', so migrations would run as the runtime role.",
        ]);
    });

    test("the app needs its own runtime role", async () => {
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, [database(), role("app_migrator")]))).toEqual([
            "Postgres Database 'app-db' has no runtime role 'app_runtime', so the app would connect as a more privileged role.",
        ]);
    });

    test("the runtime role does not own the database", async () => {
        const fixtures = [database({ owner: "app_runtime" }), role("app_migrator"), role("app_runtime")];
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures))).toEqual([
            "Postgres Database 'app-db' is owned by the runtime role 'app_runtime' (owner), which can then change the schema; make 'app_migrator' the owner.",
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

    test("role suffixes are configurable", async () => {
        const fixtures = [database({ owner: "app_owner" }), role("app_owner"), role("app_app")];
        expect(messages(await runStackPolicy(leastPrivilegeDbRoles, fixtures, { config: { runtimeRoleSuffix: "_app", migratorRoleSuffix: "_owner" } }))).toEqual([]);
    });

    test("a stack without Postgres is not applicable", async () => {
        expect((await runStackPolicy(leastPrivilegeDbRoles, [repository()])).notApplicable).toBe("the stack manages no Postgres database or role");
    });
});
