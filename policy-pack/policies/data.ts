/**
 * Data (000 §7, 002 §5, 003 §5.3): production state survives a bad `pulumi up`, the app's
 * database role holds no more power than it needs.
 */
import type { PolicyResource } from "@pulumi/policy";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import {
    describe,
    isProductionStack,
    isTrue,
    ofType,
    quoteList,
    stackOf,
    strings,
    text,
    TYPES,
} from "./shared/resources";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";

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
        "Production stateful resources (databases, Heroku apps and add-ons, Vercel projects, volumes) are protected from deletion, so a bad change cannot destroy data or rollback targets.",
    remediationSteps:
        "Pass `{ protect: true }` in the resource options of the production resource (the components do it when the stack is production); " +
        "to really delete it, unprotect it in a reviewed change first.",
    severity: "critical",
    enforcementLevel: "mandatory",
    tags: ["data", "003 §5.3", "000 §7"],
    configSchema: productionDataSchema,
    validateResource: (args, reportViolation) => {
        const config = readConfig<ProductionStacksConfig & { statefulTypes: string[] }>(productionDataSchema, args);
        if (!config.statefulTypes.includes(args.type)) return args.notApplicable("not a stateful resource type");
        const stack = stackOf(args.urn);
        if (!isProductionStack(stack, config.productionStacks)) return args.notApplicable(`stack '${stack}' is not production`);
        if (!args.opts.protect) {
            reportViolation(`${describe(args)} in production stack '${stack}' is not protected (protect: false); a delete or replace would destroy production data.`);
        }
    },
};

const leastPrivilegeSchema = configSchema({
    runtimeRoleSuffix: { type: "string", default: "_runtime", description: "Suffix of the app's runtime role (`<db>_runtime`)." },
    migratorRoleSuffix: { type: "string", default: "_migrator", description: "Suffix of the role that owns the schema and runs migrations (`<db>_migrator`)." },
});

/** Role attributes the runtime role must not have. */
const FORBIDDEN_ATTRIBUTES = ["superuser", "createRole", "createDatabase", "bypassRowLevelSecurity", "replication"];

/** Privileges that let a role change the schema. */
const SCHEMA_CHANGING = ["ALL", "CREATE", "TRUNCATE"];

export const leastPrivilegeDbRoles: SlipwayStackPolicy = {
    name: "least-privilege-db-roles",
    description:
        "The app's runtime database role is not superuser, cannot create roles or databases, does not bypass row-level security, does not own or change the schema; migrations use a separate migrator role.",
    remediationSteps:
        "Set superuser, createRole, createDatabase, bypassRowLevelSecurity and replication to false on `<db>_runtime`, drop schema-changing grants (ALL/CREATE) and role memberships from it, " +
        "make `<db>_migrator` own the database and run the migrations.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["data", "002 §5"],
    configSchema: leastPrivilegeSchema,
    validateStack: (args, reportViolation) => {
        const config = readConfig<{ runtimeRoleSuffix: string; migratorRoleSuffix: string }>(leastPrivilegeSchema, args);
        const databases = ofType(args.resources, TYPES.pgDatabase);
        const roles = ofType(args.resources, TYPES.pgRole);
        if (databases.length === 0 && roles.length === 0) return args.notApplicable("the stack manages no Postgres database or role");
        const roleNamed = (name: string) => roles.find((role) => (text(role.props.name) ?? role.name) === name);
        for (const database of databases) {
            const databaseName = text(database.props.name) ?? database.name;
            const runtimeName = `${databaseName}${config.runtimeRoleSuffix}`;
            const migratorName = `${databaseName}${config.migratorRoleSuffix}`;
            const runtime = roleNamed(runtimeName);
            if (runtime === undefined) {
                reportViolation(`${describe(database)} has no runtime role '${runtimeName}', so the app would connect as a more privileged role.`, database.urn);
            }
            if (roleNamed(migratorName) === undefined) {
                reportViolation(`${describe(database)} has no migrator role '${migratorName}', so migrations would run as the runtime role.`, database.urn);
            }
            const owner = text(database.props.owner);
            if (owner === runtimeName) {
                reportViolation(`${describe(database)} is owned by the runtime role '${runtimeName}' (owner), which can then change the schema; make '${migratorName}' the owner.`, database.urn);
            }
        }
        for (const runtime of roles.filter((role) => (text(role.props.name) ?? role.name).endsWith(config.runtimeRoleSuffix))) {
            const runtimeName = text(runtime.props.name) ?? runtime.name;
            const granted = FORBIDDEN_ATTRIBUTES.filter((attribute) => isTrue(runtime.props[attribute]));
            if (granted.length > 0) {
                reportViolation(`${describe(runtime)} (runtime role '${runtimeName}') has ${granted.map((attribute) => `${attribute}: true`).join(", ")}.`, runtime.urn);
            }
            const memberships = strings(runtime.props.roles).filter((role) => role !== runtimeName);
            const privileged = memberships.filter((role) => role.endsWith(config.migratorRoleSuffix) || roleIsPrivileged(roleNamed(role)));
            if (privileged.length > 0) {
                reportViolation(`${describe(runtime)} (runtime role '${runtimeName}') is a member of ${quoteList(privileged)} and inherits their power.`, runtime.urn);
            }
            for (const grant of ofType(args.resources, TYPES.pgGrant).filter((candidate) => text(candidate.props.role) === runtimeName)) {
                const objectType = text(grant.props.objectType) ?? "?";
                const privileges = strings(grant.props.privileges).map((privilege) => privilege.toUpperCase());
                const changing = privileges.filter((privilege) => SCHEMA_CHANGING.includes(privilege));
                if ((objectType === "database" || objectType === "schema" || privileges.includes("ALL")) && changing.length > 0) {
                    reportViolation(`${describe(grant)} grants ${changing.join(", ")} on ${objectType} to runtime role '${runtimeName}'; only the migrator changes the schema.`, grant.urn);
                }
            }
        }
    },
};

/** A role that can do anything a migration can. */
function roleIsPrivileged(role: PolicyResource | undefined): boolean {
    return role !== undefined && (isTrue(role.props.superuser) || isTrue(role.props.createRole) || isTrue(role.props.createDatabase));
}

/** The data area, in catalogue order. */
export const dataPolicies = [productionDataProtected, leastPrivilegeDbRoles];
