/** Stateful resources: Postgres databases and their roles. */
export { PostgresDatabase, type PostgresDatabaseArgs } from "./postgresDatabase";
