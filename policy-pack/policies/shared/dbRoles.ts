/**
 * Which Postgres role the app connects as, judged by how the app connects, not by what the role
 * is called (002 §5).
 *
 * The app's database role is recognised by:
 * - its connection: a role whose name or password reaches an app's configuration (a Heroku config
 *   var, a Vercel env var, a Kubernetes Secret, ConfigMap or container env of a long-running
 *   workload), either through the engine's property dependencies (the value is built from the role
 *   or from what its password is built from) or in the text itself (a `postgres://user:pass@...`
 *   URL, a `user=` DSN, a `DB_USER`-like variable, the role's password);
 * - being a login role other than the migrator, the role that owns a database or schema;
 * - its name, as a hint only (`<db>_runtime`): a name can add a role to the judged set, never
 *   remove one from it.
 * Migration Jobs (Kubernetes Jobs and CronJobs, and Secrets or ConfigMaps only they read) are not
 * the app: the migrator's credentials belong there.
 */
import type { PolicyResource } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import { OPAQUE_SECRET_VALUE } from "../../../contract";
import { describe, isTrue, ofType, podSpecsOf, record, text, TYPES, WORKLOAD_TYPES } from "./resources";
import { walkStrings } from "./secrets";

/** Postgres resource types the pack's TYPES table does not list. */
export const PG_TYPES = {
  schema: "postgresql:index/schema:Schema",
  grantRole: "postgresql:index/grantRole:GrantRole",
  provider: "pulumi:providers:postgresql",
} as const;

/** Vercel's bulk env var resource. */
const VERCEL_ENV_VARS = "vercel:index/projectEnvironmentVariables:ProjectEnvironmentVariables";

/** Workloads that run the app (Jobs and CronJobs run migrations and tasks). */
const APP_WORKLOADS: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet, TYPES.k8sDaemonSet];

/** Per type of resource that configures a running app, the properties that carry the configuration. */
const APP_CONFIG_PROPERTIES: Record<string, string[]> = {
  [TYPES.herokuApp]: ["configVars", "sensitiveConfigVars"],
  [TYPES.herokuConfig]: ["vars", "sensitiveVars"],
  [TYPES.vercelEnvVar]: ["value"],
  [TYPES.vercelProject]: ["environments"],
  [VERCEL_ENV_VARS]: ["variables"],
  [TYPES.k8sSecret]: ["data", "stringData"],
  [TYPES.k8sConfigMap]: ["data"],
  [TYPES.k8sDeployment]: ["spec"],
  [TYPES.k8sStatefulSet]: ["spec"],
  [TYPES.k8sDaemonSet]: ["spec"],
};

/** Role names of managed Postgres services that are superusers in all but name. */
const BUILTIN_PRIVILEGED = [
  "postgres",
  "rds_superuser",
  "cloudsqlsuperuser",
  "azure_pg_admin",
  "alloydbsuperuser",
  "pg_execute_server_program",
  "pg_write_server_files",
];

/** A value read without letting a preview unknown escape (undefined when unknown). */
function safely<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return undefined;
    throw error;
  }
}

/** A role's name: its `name` input, else its logical name. */
export function roleName(role: PolicyResource): string {
  return text(role.props.name) ?? role.name;
}

/** Names of Secrets and ConfigMaps that only Jobs and CronJobs read (migration config, not the app's). */
function migrationOnlyConfig(resources: PolicyResource[]): Set<string> {
  const byJobs = new Set<string>();
  const byApps = new Set<string>();
  for (const workload of resources.filter((resource) => WORKLOAD_TYPES.includes(resource.type))) {
    const target = APP_WORKLOADS.includes(workload.type) ? byApps : byJobs;
    for (const podSpec of safely(() => podSpecsOf(workload.type, workload.props)) ?? []) {
      walkStrings(podSpec, (found) => {
        if (/(secretKeyRef|configMapKeyRef|secretRef|configMapRef|configMap)\.name$|secret\.secretName$/.test(found.path))
          target.add(found.value);
      });
    }
  }
  return new Set([...byJobs].filter((name) => !byApps.has(name)));
}

/** The user names a configuration string connects as (URLs, DSNs, `DB_USER`-like variables). */
function usersIn(key: string, value: string): string[] {
  const users: string[] = [];
  for (const match of value.matchAll(/\b(?:postgres(?:ql)?|pgsql|pg)(?:\+[a-z0-9]+)?:\/\/([^:@/\s?#]+)(?::[^@\s]*)?@/gi)) {
    users.push(safeDecode(match[1]));
  }
  for (const match of value.matchAll(/(?:^|[\s;?&])user(?:name)?=([^\s;&'"]+)/gi)) users.push(safeDecode(match[1]));
  if (/(^|_)(PG|POSTGRES|POSTGRESQL|DB|DATABASE)_?(USER|USERNAME|ROLE|LOGIN)$/i.test(key)) users.push(value.trim());
  return users;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** One app-configuration string, with where it sits. */
interface ConfigString {
  /** The resource carrying it. */
  resource: PolicyResource;
  /** `vars.DATABASE_URL`. */
  where: string;
  /** The key naming it. */
  key: string;
  /** The value (base64 Secret data decoded). */
  value: string;
}

/** How the stack's apps connect to Postgres, as far as the resources show. */
export interface AppConnections {
  /** Roles the app connects as, with how we know. */
  roles: Map<PolicyResource, string>;
  /** Connections as the Postgres provider's own (admin) login: `[consumer, where, user]`. */
  asAdmin: { resource: PolicyResource; where: string; user: string }[];
}

/** The roles an app connects as, found through dependencies and configuration text. */
export function appConnections(resources: PolicyResource[], roles: PolicyResource[]): AppConnections {
  const connections: AppConnections = { roles: new Map(), asAdmin: [] };
  const note = (role: PolicyResource, why: string) => {
    if (!connections.roles.has(role)) connections.roles.set(role, why);
  };
  const byName = new Map(roles.map((role) => [roleName(role), role]));
  const admins = adminLogins(resources);
  const passwords = roles
    .map((role) => ({ role, password: safely(() => text(role.props.password)) }))
    // A secret read from a stack export is ciphertext, shown as OPAQUE_SECRET_VALUE: it matches every other secret.
    .filter(
      (entry): entry is { role: PolicyResource; password: string } =>
        entry.password !== undefined && entry.password.length >= 6 && entry.password !== OPAQUE_SECRET_VALUE,
    );
  const passwordSources = new Map(roles.map((role) => [role, new Set(role.propertyDependencies?.password ?? [])]));
  const migrationOnly = migrationOnlyConfig(resources);

  for (const resource of resources) {
    const properties = APP_CONFIG_PROPERTIES[resource.type];
    if (properties === undefined) continue;
    if (resource.type === TYPES.k8sSecret || resource.type === TYPES.k8sConfigMap) {
      const name = safely(() => text(record(resource.props.metadata).name));
      if (name !== undefined && migrationOnly.has(name)) continue;
    }
    for (const property of properties) {
      // Built from the role (its name or password output), or from what its password is built from.
      for (const dependency of resource.propertyDependencies?.[property] ?? []) {
        for (const role of roles) {
          if (dependency === role) note(role, `${describe(resource)} ${property} is built from it`);
          else if (passwordSources.get(role)?.has(dependency)) note(role, `its password reaches ${describe(resource)} ${property}`);
        }
      }
      for (const found of stringsOf(resource, property)) {
        for (const user of usersIn(found.key, found.value)) {
          const role = byName.get(user);
          if (role !== undefined) note(role, `${describe(resource)} ${found.where} connects as it`);
          else if (admins.has(user)) connections.asAdmin.push({ resource, where: found.where, user });
        }
        for (const { role, password } of passwords) {
          if (found.value === password || found.value.includes(`:${password}@`))
            note(role, `its password reaches ${describe(resource)} ${found.where}`);
        }
      }
    }
  }
  return connections;
}

/** The known strings of one configuration property (Kubernetes Secret data decoded from base64). */
function stringsOf(resource: PolicyResource, property: string): ConfigString[] {
  const strings: ConfigString[] = [];
  const value = safely(() => resource.props[property]);
  const decode = resource.type === TYPES.k8sSecret && property === "data";
  walkStrings(
    value,
    (found) => {
      const where = found.path === "" ? property : `${property}${found.path.startsWith("[") ? "" : "."}${found.path}`;
      const text = decode && /^[A-Za-z0-9+/=\s]+$/.test(found.value) ? Buffer.from(found.value, "base64").toString("utf8") : found.value;
      strings.push({ resource, where, key: found.key, value: text });
    },
    property,
  );
  return strings;
}

/** Whether a role can do anything a migration can, or more. */
export function isPrivilegedRole(name: string, role: PolicyResource | undefined, admins: ReadonlySet<string>): boolean {
  if (BUILTIN_PRIVILEGED.includes(name) || admins.has(name)) return true;
  return role !== undefined && (isTrue(role.props.superuser) || isTrue(role.props.createRole) || isTrue(role.props.createDatabase));
}

/** The Postgres providers' own logins (the admin that creates databases and roles). */
export function adminLogins(resources: PolicyResource[]): Set<string> {
  return new Set(
    ofType(resources, PG_TYPES.provider)
      .map((provider) => safely(() => text(provider.props.username)))
      .filter((name): name is string => name !== undefined && name !== ""),
  );
}
