/**
 * Data (000 §7, 002 §5, 003 §5.3): production state survives a bad `pulumi up`, the app's
 * database role holds no more power than it needs.
 */
import type { PolicyResource } from "@pulumi/policy";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import { describe, isTrue, ofType, quoteList, stackOf, strings, text, TYPES } from "./shared/resources";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";
import { productionDataProblems, productionDataRisk, productionPlace } from "./shared/productionData";
import { adminLogins, appConnections, isPrivilegedRole, PG_TYPES, roleName } from "./shared/dbRoles";

const productionDataSchema = configSchema(productionStacksSetting, {
  statefulTypes: {
    type: "array",
    items: { type: "string" },
    default: [TYPES.pgDatabase, TYPES.herokuApp, TYPES.herokuAddon, TYPES.vercelProject, TYPES.k8sPvc],
    description: "Type tokens of production resources whose deletion loses data or rollback targets.",
  },
});

export const productionDataProtected: SlipwayResourcePolicy = {
  name: "production-data-protected",
  description:
    "Production stateful resources (databases, Heroku apps and add-ons, Vercel projects, volumes and StatefulSets with volume claim templates) are protected from deletion and Vercel production deployments are never deleted when replaced, " +
    "so a bad change cannot destroy data or rollback targets; a Kubernetes resource is production in a production stack, namespace or cluster context.",
  remediationSteps:
    "Pass `{ protect: true }` in the resource options of the production resource (the components do it when the stack is production); " +
    "to really delete it, unprotect it in a reviewed change first. Set `deleteOnDestroy: false` on Vercel production deployments.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["data", "003 §5.3", "000 §7"],
  configSchema: productionDataSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { statefulTypes: string[] }>(productionDataSchema, args);
    // statefulTypes, Vercel production deployments and StatefulSets with volume claims (shared/productionData.ts).
    const risk = productionDataRisk(args, config.statefulTypes);
    if (risk === undefined) return args.notApplicable("not a stateful resource type");
    const stack = stackOf(args.urn);
    const place = productionPlace(args, stack, config.productionStacks);
    if (place === undefined) return args.notApplicable(`stack '${stack}' is not production`);
    for (const problem of productionDataProblems(args, risk, place)) reportViolation(problem);
  },
};

const leastPrivilegeSchema = configSchema({
  runtimeRoleSuffix: {
    type: "string",
    default: "_runtime",
    description:
      "A hint only: a role whose name ends so is judged as the app's runtime role. The app's role is recognised by how the app connects (a role whose name or password reaches an app's config) " +
      "and by being a login role other than the migrator; a name never exempts a role.",
  },
  migratorRoleSuffix: {
    type: "string",
    default: "_migrator",
    description:
      "The migrator role's name in suggestions, and a hint that membership of such a role is privileged; the migrator is the role that owns the database or schema, whatever its name.",
  },
});

/** Role attributes the runtime role must not have. */
const FORBIDDEN_ATTRIBUTES = ["superuser", "createRole", "createDatabase", "bypassRowLevelSecurity", "replication"];

/** Privileges that let a role change the schema. */
const SCHEMA_CHANGING = ["ALL", "CREATE", "TRUNCATE"];

export const leastPrivilegeDbRoles: SlipwayStackPolicy = {
  name: "least-privilege-db-roles",
  description:
    "The role the app connects to Postgres as (recognised by how the app connects, or as any login role other than the migrator that owns the database or schema; never by its name alone) is not superuser, " +
    "cannot create roles or databases, does not bypass row-level security, does not own or change the schema and is not the provider's admin login; migrations use a separate migrator role.",
  remediationSteps:
    "Give the app a login role of its own with superuser, createRole, createDatabase, bypassRowLevelSecurity and replication false, no schema-changing grants (ALL/CREATE) and no membership of a privileged role, " +
    "and point the app's connection (DATABASE_URL, DB_USER...) at it; make a separate migrator role own the database and schema and run the migrations.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["data", "002 §5"],
  configSchema: leastPrivilegeSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<{ runtimeRoleSuffix: string; migratorRoleSuffix: string }>(leastPrivilegeSchema, args);
    const databases = ofType(args.resources, TYPES.pgDatabase);
    const schemas = ofType(args.resources, PG_TYPES.schema);
    const roles = ofType(args.resources, TYPES.pgRole);
    if (databases.length === 0 && roles.length === 0) return args.notApplicable("the stack manages no Postgres database or role");
    const roleNamed = (name: string) => roles.find((role) => roleName(role) === name);
    const ownerOf = (resource: PolicyResource) => {
      const owner = text(resource.props.owner);
      return owner === undefined || owner === "" ? undefined : owner;
    };
    // The migrator: whatever role owns a database or schema.
    // Stryker disable next-line MethodExpression,ConditionalExpression: equivalent, the set is only asked about role names (strings), so an undefined in it changes nothing.
    const owners = new Set([...databases, ...schemas].map(ownerOf).filter((owner): owner is string => owner !== undefined));
    const admins = adminLogins(args.resources);
    const connections = appConnections(args.resources, roles);

    // The app's roles, each with how we know it is one.
    const runtime = new Map<string, { role: PolicyResource; why: string }>();
    for (const role of roles) {
      const name = roleName(role);
      const why =
        connections.roles.get(role) ??
        (isTrue(role.props.login) && !owners.has(name)
          ? "a login role other than the migrator: it owns no database or schema"
          : undefined) ??
        (name.endsWith(config.runtimeRoleSuffix) ? `its name ends in '${config.runtimeRoleSuffix}'` : undefined);
      if (why !== undefined) runtime.set(name, { role, why });
    }

    for (const { resource, where, user } of connections.asAdmin) {
      reportViolation(
        `${describe(resource)} ${where} connects as '${user}', the Postgres provider's own login, which creates databases and roles; give the app a runtime role of its own.`,
        resource.urn,
      );
    }
    for (const database of databases) {
      const databaseName = text(database.props.name) ?? database.name;
      const migratorName = `${databaseName}${config.migratorRoleSuffix}`;
      const owner = ownerOf(database);
      // Stryker disable next-line ConditionalExpression: equivalent, runtime is keyed by role names, so runtime.get(undefined) is undefined too.
      const ownerRuntime = owner === undefined ? undefined : runtime.get(owner);
      if (ownerRuntime !== undefined) {
        reportViolation(
          `${describe(database)} is owned by the runtime role '${owner}' (owner; the app's role: ${ownerRuntime.why}), which can then change the schema; make a separate migrator role such as '${migratorName}' the owner.`,
          database.urn,
        );
        continue;
      }
      if (owner === undefined) {
        reportViolation(
          `${describe(database)} has no migrator role: it names no owner, so it belongs to whichever login creates it; make a separate role such as '${migratorName}' own it and run the migrations.`,
          database.urn,
        );
      } else if (roleNamed(owner) === undefined) {
        reportViolation(
          `${describe(database)} has no migrator role '${owner}' (its owner is not a role this stack manages), so nothing shows migrations run apart from the app.`,
          database.urn,
        );
      }
      // Stryker disable next-line ConditionalExpression: equivalent, an owner that is a runtime role was reported above (continue), so no runtime name equals the owner here.
      if (![...runtime.keys()].some((name) => name !== owner)) {
        reportViolation(
          `${describe(database)} has no runtime role: no login role other than ${owner === undefined ? "its owner" : `its owner '${owner}'`} is there for the app, so the app would connect as a more privileged role.`,
          database.urn,
        );
      }
    }
    for (const schema of schemas) {
      const owner = ownerOf(schema);
      // Stryker disable next-line ConditionalExpression: equivalent, runtime is keyed by role names, so runtime.get(undefined) is undefined too.
      const ownerRuntime = owner === undefined ? undefined : runtime.get(owner);
      if (ownerRuntime !== undefined) {
        reportViolation(
          `${describe(schema)} is owned by the runtime role '${owner}' (owner; the app's role: ${ownerRuntime.why}), which can then change it; make the migrator the owner.`,
          schema.urn,
        );
      }
    }
    const grantRoles = ofType(args.resources, PG_TYPES.grantRole);
    for (const [name, { role, why }] of runtime) {
      const granted = FORBIDDEN_ATTRIBUTES.filter((attribute) => isTrue(role.props[attribute]));
      if (granted.length > 0) {
        reportViolation(
          `${describe(role)} (runtime role '${name}') has ${granted.map((attribute) => `${attribute}: true`).join(", ")} (the app's role: ${why}).`,
          role.urn,
        );
      }
      const memberships = [
        ...strings(role.props.roles),
        ...grantRoles.filter((grant) => text(grant.props.role) === name).map((grant) => text(grant.props.grantRole) ?? ""),
      ].filter((member, index, all) => member !== "" && member !== name && all.indexOf(member) === index);
      const privileged = memberships.filter(
        (member) => owners.has(member) || member.endsWith(config.migratorRoleSuffix) || isPrivilegedRole(member, roleNamed(member), admins),
      );
      if (privileged.length > 0) {
        reportViolation(
          `${describe(role)} (runtime role '${name}') is a member of ${quoteList(privileged)} and inherits their power.`,
          role.urn,
        );
      }
      for (const grant of ofType(args.resources, TYPES.pgGrant).filter((candidate) => text(candidate.props.role) === name)) {
        const objectType = text(grant.props.objectType) ?? "?";
        const privileges = strings(grant.props.privileges).map((privilege) => privilege.toUpperCase());
        const changing = privileges.filter((privilege) => SCHEMA_CHANGING.includes(privilege));
        if ((objectType === "database" || objectType === "schema" || privileges.includes("ALL")) && changing.length > 0) {
          reportViolation(
            `${describe(grant)} grants ${changing.join(", ")} on ${objectType} to runtime role '${name}'; only the migrator changes the schema.`,
            grant.urn,
          );
        }
      }
    }
  },
};

/** The data area, in catalogue order. */
export const dataPolicies = [productionDataProtected, leastPrivilegeDbRoles];
