/**
 * PostgresDatabase: least-privilege roles (002 §5). The app's runtime role reads and writes rows
 * and nothing more; migrations use a separate role that owns the schema; grants cover tables
 * created later; production data is protected from deletion.
 */
import { PostgresDatabase, type PostgresDatabaseArgs } from "../../components/data";
import { childrenOf, find, mockPassword, ofType, runProgram, type ProgramRecord } from "../support/mocks";
import { secret } from "../support/wire";
import { exampleStack } from "../support/project";
import { providerSchemasAvailable } from "../support/providerSchema";
import { documentedChoices, loadSchema, validateResourceInputs } from "../support/providerSchema";
import * as pulumi from "@pulumi/pulumi";

const COMPONENT = "slipway:data:PostgresDatabase";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const ROLE = "postgresql:index/role:Role";
const DATABASE = "postgresql:index/database:Database";
const SCHEMA = "postgresql:index/schema:Schema";
const GRANT = "postgresql:index/grant:Grant";
const DEFAULTS = "postgresql:index/defaultPrivileges:DefaultPrivileges";

const UNPRIVILEGED = { superuser: false, createRole: false, createDatabase: false, bypassRowLevelSecurity: false, replication: false };

function exampleArgs(stack: "staging" | "production"): PostgresDatabaseArgs {
  const config = exampleStack(stack);
  return { database: config.databases[0], isProduction: stack === "production" };
}

const deploy = (stack: "staging" | "production", args: PostgresDatabaseArgs, capture?: (db: PostgresDatabase) => void) =>
  runProgram(stack, () => {
    const db = new PostgresDatabase("storefront", args);
    capture?.(db);
  });

describe("PostgresDatabase in the production example stack", () => {
  let record: ProgramRecord;
  let component: PostgresDatabase | undefined;
  beforeAll(async () => {
    record = await deploy("production", exampleArgs("production"), (db) => (component = db));
  });

  test("registers three roles and their passwords, the database, its schema, grants and default privileges", () => {
    expect(childrenOf(record, find(record, COMPONENT, "storefront"))).toEqual(
      [
        `${PASSWORD}::storefront-migrator-password`,
        `${PASSWORD}::storefront-runtime-password`,
        `${ROLE}::storefront-migrator`,
        `${ROLE}::storefront-runtime`,
        `${ROLE}::storefront-readonly`,
        `${DATABASE}::storefront`,
        `${SCHEMA}::storefront-schema`,
        `${GRANT}::storefront-public-database`,
        `${GRANT}::storefront-public-schema`,
        `${GRANT}::storefront-runtime-database`,
        `${GRANT}::storefront-runtime-schema`,
        `${GRANT}::storefront-runtime-tables`,
        `${GRANT}::storefront-runtime-sequences`,
        `${GRANT}::storefront-readonly-database`,
        `${GRANT}::storefront-readonly-schema`,
        `${GRANT}::storefront-readonly-tables`,
        `${DEFAULTS}::storefront-runtime-default-tables`,
        `${DEFAULTS}::storefront-runtime-default-sequences`,
        `${DEFAULTS}::storefront-readonly-default-tables`,
      ].sort(),
    );
  });

  test("passwords are generated: long, and without characters a connection URL would need escaped", () => {
    for (const role of ["migrator", "runtime"]) {
      const password = find(record, PASSWORD, `storefront-${role}-password`);
      expect(password.inputs).toEqual({ length: 40, special: false });
      expect(password.additionalSecretOutputs).toContain("result");
    }
  });

  test("the runtime role logs in with a secret password and holds no power beyond its grants", () => {
    expect(find(record, ROLE, "storefront-runtime").inputs).toEqual({
      name: "storefront_runtime",
      login: true,
      password: secret(mockPassword("storefront-runtime-password")),
      connectionLimit: 50,
      ...UNPRIVILEGED,
    });
  });

  test("migrations use a separate login role, equally unprivileged", () => {
    expect(find(record, ROLE, "storefront-migrator").inputs).toEqual({
      name: "storefront_migrator",
      login: true,
      password: secret(mockPassword("storefront-migrator-password")),
      ...UNPRIVILEGED,
    });
  });

  test("the read-only role is a group role: analysts log in as themselves", () => {
    expect(find(record, ROLE, "storefront-readonly").inputs).toEqual({ name: "storefront_readonly", login: false, ...UNPRIVILEGED });
  });

  test("the migrator owns the database and its schema, both protected in production", () => {
    const database = find(record, DATABASE, "storefront");
    expect(database.inputs).toEqual({ name: "storefront", owner: "storefront_migrator" });
    expect(database.protect).toBe(true);
    const schema = find(record, SCHEMA, "storefront-schema");
    expect(schema.inputs).toEqual({
      name: "public",
      database: "storefront",
      owner: "storefront_migrator",
      ifNotExists: true,
      dropCascade: false,
    });
    expect(schema.protect).toBe(true);
  });

  test("PUBLIC loses its default rights; runtime and read-only get exactly theirs", () => {
    const grant = (name: string) => find(record, GRANT, name).inputs;
    expect(grant("storefront-public-database")).toEqual({ database: "storefront", role: "public", objectType: "database", privileges: [] });
    expect(grant("storefront-public-schema")).toEqual({
      database: "storefront",
      role: "public",
      schema: "public",
      objectType: "schema",
      privileges: [],
    });
    expect(grant("storefront-runtime-database")).toEqual({
      database: "storefront",
      role: "storefront_runtime",
      objectType: "database",
      privileges: ["CONNECT"],
    });
    expect(grant("storefront-runtime-schema")).toEqual({
      database: "storefront",
      role: "storefront_runtime",
      schema: "public",
      objectType: "schema",
      privileges: ["USAGE"],
    });
    expect(grant("storefront-runtime-tables")).toEqual({
      database: "storefront",
      role: "storefront_runtime",
      schema: "public",
      objectType: "table",
      privileges: ["DELETE", "INSERT", "SELECT", "UPDATE"],
    });
    expect(grant("storefront-runtime-sequences")).toEqual({
      database: "storefront",
      role: "storefront_runtime",
      schema: "public",
      objectType: "sequence",
      privileges: ["SELECT", "USAGE"],
    });
    expect(grant("storefront-readonly-database")).toEqual({
      database: "storefront",
      role: "storefront_readonly",
      objectType: "database",
      privileges: ["CONNECT"],
    });
    expect(grant("storefront-readonly-schema")).toEqual({
      database: "storefront",
      role: "storefront_readonly",
      schema: "public",
      objectType: "schema",
      privileges: ["USAGE"],
    });
    expect(grant("storefront-readonly-tables")).toEqual({
      database: "storefront",
      role: "storefront_readonly",
      schema: "public",
      objectType: "table",
      privileges: ["SELECT"],
    });
  });

  test("tables and sequences the migrator creates later are granted too", () => {
    const defaults = (name: string) => find(record, DEFAULTS, name).inputs;
    expect(defaults("storefront-runtime-default-tables")).toEqual({
      database: "storefront",
      schema: "public",
      owner: "storefront_migrator",
      role: "storefront_runtime",
      objectType: "table",
      privileges: ["DELETE", "INSERT", "SELECT", "UPDATE"],
    });
    expect(defaults("storefront-runtime-default-sequences")).toEqual({
      database: "storefront",
      schema: "public",
      owner: "storefront_migrator",
      role: "storefront_runtime",
      objectType: "sequence",
      privileges: ["SELECT", "USAGE"],
    });
    expect(defaults("storefront-readonly-default-tables")).toEqual({
      database: "storefront",
      schema: "public",
      owner: "storefront_migrator",
      role: "storefront_readonly",
      objectType: "table",
      privileges: ["SELECT"],
    });
  });

  test("no role is ever granted membership of another or structure-changing privileges", () => {
    const privileges = ofType(record, GRANT).flatMap((grant) => grant.inputs.privileges as string[]);
    expect(privileges.filter((privilege) => ["CREATE", "TRUNCATE", "REFERENCES", "TRIGGER"].includes(privilege))).toEqual([]);
    for (const role of ofType(record, ROLE)) expect(role.inputs.roles).toBeUndefined();
  });

  test("the runtime role's name and password are outputs, the password a secret", async () => {
    const db = component!;
    const resolve = <T>(output: pulumi.Output<T>) => new Promise<T>((done) => output.apply(done));
    expect(await resolve(db.runtimeRoleName)).toBe("storefront_runtime");
    expect(await pulumi.isSecret(db.runtimePassword)).toBe(true);
    expect(await pulumi.isSecret(db.migratorPassword)).toBe(true);
    expect(await resolve(db.databaseName)).toBe("storefront");
  });
});

describe("PostgresDatabase variants", () => {
  test("staging's database and schema can be replaced: they are not protected", async () => {
    const record = await deploy("staging", exampleArgs("staging"));
    expect(find(record, DATABASE, "storefront").protect).toBe(false);
    expect(find(record, SCHEMA, "storefront-schema").protect).toBe(false);
    expect(find(record, ROLE, "storefront-runtime").inputs.connectionLimit).toBe(20);
  });

  test("without readOnly there is no read-only role and nothing granted to one", async () => {
    const base = exampleArgs("production");
    const record = await deploy("production", { ...base, database: { ...base.database, readOnly: false } });
    expect(ofType(record, ROLE).map((role) => role.inputs.name)).toEqual(["storefront_migrator", "storefront_runtime"]);
    expect(JSON.stringify(record.resources.map((resource) => resource.inputs))).not.toContain("readonly");
  });

  test("a named schema is created and owned by the migrator, and the grants use it", async () => {
    const base = exampleArgs("production");
    const record = await deploy("production", { ...base, database: { ...base.database, schema: "shop" } });
    expect(find(record, SCHEMA, "storefront-schema").inputs).toEqual({
      name: "shop",
      database: "storefront",
      owner: "storefront_migrator",
      ifNotExists: true,
      dropCascade: false,
    });
    expect(find(record, GRANT, "storefront-runtime-tables").inputs.schema).toBe("shop");
    expect(find(record, DEFAULTS, "storefront-runtime-default-tables").inputs.schema).toBe("shop");
  });
});

const schemaTest = providerSchemasAvailable() ? describe : describe.skip;

schemaTest("PostgresDatabase inputs against postgresql-3.18.0.json", () => {
  test.each(["staging", "production"] as const)("every Postgres input of the %s example conforms to the schema", async (stack) => {
    const schema = loadSchema("postgresql-3.18.0.json");
    const record = await deploy(stack, exampleArgs(stack));
    const postgres = record.resources.filter((resource) => resource.type.startsWith("postgresql:"));
    expect(postgres).toHaveLength(17);
    for (const resource of postgres) expect(validateResourceInputs(schema, resource.type, resource.inputs)).toEqual([]);
  });

  test("the schema's documented object types and privileges are what the validator enforces", () => {
    const schema = loadSchema("postgresql-3.18.0.json");
    const grant = schema.resources["postgresql:index/grant:Grant"].inputProperties;
    expect(documentedChoices(grant.objectType)).toEqual([
      "database",
      "schema",
      "table",
      "sequence",
      "function",
      "procedure",
      "routine",
      "foreign_data_wrapper",
      "foreign_server",
      "column",
    ]);
    expect(documentedChoices(grant.privileges)).toEqual([
      "SELECT",
      "INSERT",
      "UPDATE",
      "DELETE",
      "TRUNCATE",
      "REFERENCES",
      "TRIGGER",
      "CREATE",
      "CONNECT",
      "TEMPORARY",
      "EXECUTE",
      "USAGE",
    ]);
    expect(
      validateResourceInputs(schema, "postgresql:index/grant:Grant", {
        database: "d",
        role: "r",
        objectType: "tables",
        privileges: ["SELECT", "ALL"],
      }),
    ).toEqual([
      "postgresql:index/grant:Grant.objectType is 'tables', not one of database, schema, table, sequence, function, procedure, routine, foreign_data_wrapper, foreign_server, column",
      "postgresql:index/grant:Grant.privileges[1] is 'ALL', not one of SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER, CREATE, CONNECT, TEMPORARY, EXECUTE, USAGE",
    ]);
    expect(documentedChoices(schema.resources["postgresql:index/defaultPrivileges:DefaultPrivileges"].inputProperties.objectType)).toEqual([
      "table",
      "sequence",
      "function",
      "routine",
      "type",
      "schema",
    ]);
  });

  test("a role's password is sent as a secret, as the schema requires", async () => {
    const schema = loadSchema("postgresql-3.18.0.json");
    expect(schema.resources["postgresql:index/role:Role"].inputProperties.password.secret).toBe(true);
    expect(validateResourceInputs(schema, "postgresql:index/role:Role", { name: "x_runtime", login: true, password: "hunter2" })).toEqual([
      "postgresql:index/role:Role.password is secret in the schema but sent in plain text",
    ]);
  });
});
