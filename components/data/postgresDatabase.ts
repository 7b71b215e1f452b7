/**
 * A Postgres database with least-privilege roles (002 §5).
 *
 * Three roles, three jobs: `<db>_migrator` owns the database and its schema and is the only
 * role that changes structure (the migration Jobs log in as it); `<db>_runtime` is what the app
 * logs in as, and can read and write rows but not create roles, databases or tables, nor bypass
 * row-level security; `<db>_readonly` is a group role (no login of its own) that analysts' own
 * login roles are granted, so every read stays attributable to a person. Default privileges make
 * the grants cover the tables and sequences the migrator creates later, not only today's.
 */
import * as pulumi from "@pulumi/pulumi";
import * as postgresql from "@pulumi/postgresql";
import * as random from "@pulumi/random";
import type { DatabaseConfig } from "../../config/config";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** Privileges the app's runtime role has on tables: rows, never structure. */
export const RUNTIME_TABLE_PRIVILEGES = ["DELETE", "INSERT", "SELECT", "UPDATE"];
/** Privileges the runtime role has on sequences (serial / identity columns). */
export const RUNTIME_SEQUENCE_PRIVILEGES = ["SELECT", "USAGE"];
/** Privileges the read-only role has on tables. */
export const READONLY_TABLE_PRIVILEGES = ["SELECT"];
/** Length of generated role passwords (letters and digits: safe inside a connection URL). */
export const PASSWORD_LENGTH = 40;

/** Inputs of a `PostgresDatabase`. */
export interface PostgresDatabaseArgs {
  /** The database's validated config (`slipway:databases[i]`). */
  database: DatabaseConfig;
  /** Whether the stack is a production stack: the database and its schema are protected from deletion. */
  isProduction: boolean;
}

/** A database, its schema, its three roles and their grants. */
export class PostgresDatabase extends pulumi.ComponentResource {
  /** The role that owns the database and schema and runs migrations. */
  readonly migratorRole: postgresql.Role;
  /** The role the app logs in as. */
  readonly runtimeRole: postgresql.Role;
  /** The read-only group role, when configured. */
  readonly readonlyRole?: postgresql.Role;
  /** The database. */
  readonly database: postgresql.Database;
  /** The schema the app uses. */
  readonly schema: postgresql.Schema;
  /** Grants on existing objects (and the revocations from PUBLIC). */
  readonly grants: postgresql.Grant[];
  /** Grants on objects the migrator creates later. */
  readonly defaultPrivileges: postgresql.DefaultPrivileges[];
  /** Name of the database. */
  readonly databaseName: pulumi.Output<string>;
  /** Name of the runtime role. */
  readonly runtimeRoleName: pulumi.Output<string>;
  /** Password of the runtime role (secret). */
  readonly runtimePassword: pulumi.Output<string>;
  /** Name of the migrator role. */
  readonly migratorRoleName: pulumi.Output<string>;
  /** Password of the migrator role (secret). */
  readonly migratorPassword: pulumi.Output<string>;

  constructor(name: string, args: PostgresDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.postgresDatabase, name, {}, opts);
    const { database: config, isProduction } = args;
    const child = { parent: this };
    // Spelled out on every role, so a provider default can never make one more powerful.
    const unprivileged = { superuser: false, createRole: false, createDatabase: false, bypassRowLevelSecurity: false, replication: false };

    const password = (role: string) =>
      new random.RandomPassword(`${name}-${role}-password`, { length: PASSWORD_LENGTH, special: false }, child);
    const migratorPassword = password("migrator");
    const runtimePassword = password("runtime");

    this.migratorRole = new postgresql.Role(
      `${name}-migrator`,
      { name: `${config.name}_migrator`, login: true, password: migratorPassword.result, ...unprivileged },
      child,
    );
    this.runtimeRole = new postgresql.Role(
      `${name}-runtime`,
      {
        name: `${config.name}_runtime`,
        login: true,
        password: runtimePassword.result,
        connectionLimit: config.runtimeConnectionLimit,
        ...unprivileged,
      },
      child,
    );
    if (config.readOnly) {
      this.readonlyRole = new postgresql.Role(
        `${name}-readonly`,
        { name: `${config.name}_readonly`, login: false, ...unprivileged },
        child,
      );
    }

    // Dropping a production database or schema is data loss (003 §5.3, 000 §7).
    this.database = new postgresql.Database(
      name,
      { name: config.name, owner: this.migratorRole.name },
      { ...child, protect: isProduction },
    );
    this.schema = new postgresql.Schema(
      `${name}-schema`,
      { name: config.schema, database: this.database.name, owner: this.migratorRole.name, ifNotExists: true, dropCascade: false },
      { ...child, protect: isProduction },
    );
    const database = this.database.name;
    const schema = this.schema.name;

    const grant = (suffix: string, grantArgs: Omit<postgresql.GrantArgs, "database">) =>
      new postgresql.Grant(`${name}-${suffix}`, { database, ...grantArgs }, child);
    this.grants = [
      // Nobody connects or creates objects by default: every right below is explicit.
      grant("public-database", { role: "public", objectType: "database", privileges: [] }),
      grant("public-schema", { role: "public", schema, objectType: "schema", privileges: [] }),
      grant("runtime-database", { role: this.runtimeRole.name, objectType: "database", privileges: ["CONNECT"] }),
      grant("runtime-schema", { role: this.runtimeRole.name, schema, objectType: "schema", privileges: ["USAGE"] }),
      grant("runtime-tables", { role: this.runtimeRole.name, schema, objectType: "table", privileges: RUNTIME_TABLE_PRIVILEGES }),
      grant("runtime-sequences", { role: this.runtimeRole.name, schema, objectType: "sequence", privileges: RUNTIME_SEQUENCE_PRIVILEGES }),
    ];

    const defaults = (suffix: string, role: pulumi.Input<string>, objectType: string, privileges: string[]) =>
      new postgresql.DefaultPrivileges(
        `${name}-${suffix}`,
        { database, schema, owner: this.migratorRole.name, role, objectType, privileges },
        child,
      );
    this.defaultPrivileges = [
      defaults("runtime-default-tables", this.runtimeRole.name, "table", RUNTIME_TABLE_PRIVILEGES),
      defaults("runtime-default-sequences", this.runtimeRole.name, "sequence", RUNTIME_SEQUENCE_PRIVILEGES),
    ];

    if (this.readonlyRole) {
      const readonly = this.readonlyRole.name;
      this.grants.push(
        grant("readonly-database", { role: readonly, objectType: "database", privileges: ["CONNECT"] }),
        grant("readonly-schema", { role: readonly, schema, objectType: "schema", privileges: ["USAGE"] }),
        grant("readonly-tables", { role: readonly, schema, objectType: "table", privileges: READONLY_TABLE_PRIVILEGES }),
      );
      this.defaultPrivileges.push(defaults("readonly-default-tables", readonly, "table", READONLY_TABLE_PRIVILEGES));
    }

    this.databaseName = this.database.name;
    this.runtimeRoleName = this.runtimeRole.name;
    this.runtimePassword = pulumi.secret(runtimePassword.result);
    this.migratorRoleName = this.migratorRole.name;
    this.migratorPassword = pulumi.secret(migratorPassword.result);
    this.registerOutputs({
      databaseName: this.databaseName,
      runtimeRoleName: this.runtimeRoleName,
      runtimePassword: this.runtimePassword,
      migratorRoleName: this.migratorRoleName,
      migratorPassword: this.migratorPassword,
    });
  }
}
