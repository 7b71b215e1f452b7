/**
 * Feature flags (003 §4.2–4.3, §7.2): side-effect (L3) features stay off in production until
 * explicitly approved, and every side-effect flag can be killed at any scope.
 */
import type { ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { flagSourcesOf, isOnByDefault, parseFlags, scopesOf, type FlagSource, type ParsedFlag } from "./shared/flags";
import { configSchema, readConfig, type SlipwayResourcePolicy } from "./shared/policy";
import { describe, isProductionEnvironment, isProductionStack, quoteList, stackOf, text, TYPES } from "./shared/resources";
import { productionStacksSetting, requiredScopesSetting, type ProductionStacksConfig } from "./shared/settings";

/** The flag sources of the resource, or notApplicable when it carries none. */
function flagSourcesOrSkip(args: ResourceValidationArgs): FlagSource[] {
    const sources = flagSourcesOf(args.type, args.props);
    if (sources.length === 0) args.notApplicable("the resource carries no flag definitions");
    return sources;
}

/** Parse every source and hand each flag to `judge`; unreadable documents are violations. */
function eachFlag(
    args: ResourceValidationArgs,
    sources: FlagSource[],
    reportViolation: ReportViolation,
    judge: (key: string, flag: ParsedFlag, where: string) => void,
): void {
    for (const source of sources) {
        const parsed = parseFlags(source.raw);
        if ("error" in parsed) {
            reportViolation(`${describe(args)} ${source.where} cannot be read as flag definitions: ${parsed.error}.`);
            continue;
        }
        for (const [key, flag] of Object.entries(parsed.flags)) judge(key, flag, `${describe(args)} ${source.where}`);
    }
}

const l3FlagsOffSchema = configSchema(productionStacksSetting);

export const l3FlagsOffInProduction: SlipwayResourcePolicy = {
    name: "l3-flags-off-in-production",
    description:
        "Side-effect (L3) flags default to off in production unless a change request explicitly approved turning them on (metadata.productionApproval).",
    remediationSteps:
        "Set the flag's production defaultVariant to 'off' (Pulumi.production.yaml flags), or record the approving change request in its productionApproval once it has earned it; " +
        "a flag without metadata.level must declare one.",
    severity: "critical",
    enforcementLevel: "mandatory",
    tags: ["flags", "003 §4.3"],
    configSchema: l3FlagsOffSchema,
    validateResource: (args, reportViolation) => {
        const { productionStacks } = readConfig<ProductionStacksConfig>(l3FlagsOffSchema, args);
        const sources = flagSourcesOrSkip(args);
        const githubEnvironment = args.type === TYPES.environmentVariable ? text(args.props.environment) : undefined;
        const production = isProductionStack(stackOf(args.urn), productionStacks) || isProductionEnvironment(githubEnvironment, productionStacks);
        if (!production) return args.notApplicable("the flags are not production's");
        eachFlag(args, sources, reportViolation, (key, flag, where) => {
            if (!isOnByDefault(flag)) return;
            const level = flag.metadata?.level;
            const approval = (flag.metadata?.productionApproval ?? "").trim();
            if (level === undefined) {
                reportViolation(`${where} turns flag '${key}' on by default in production but it has no metadata.level, so it may be an L3 side effect.`);
            } else if (level === "L3" && approval === "") {
                reportViolation(`${where} turns L3 flag '${key}' on by default in production (defaultVariant: '${flag.defaultVariant}') without an approving change request (metadata.productionApproval is empty).`);
            }
        });
    },
};

const sideEffectScopedSchema = configSchema(requiredScopesSetting);

export const sideEffectFlagsScoped: SlipwayResourcePolicy = {
    name: "side-effect-flags-scoped",
    description:
        "Every L3 (side-effect) flag is in the kill-switch set and supports the global, client, platform-account and lane scopes, so harm can be stopped at any blast radius.",
    remediationSteps:
        "In the flag definition set metadata.killSwitch: true and metadata.scopes to 'global,client,platform-account,lane' (every scope in requiredScopes); " +
        "every flag needs metadata.level.",
    severity: "high",
    enforcementLevel: "mandatory",
    tags: ["flags", "003 §4.2", "003 §7.2"],
    configSchema: sideEffectScopedSchema,
    validateResource: (args, reportViolation) => {
        const { requiredScopes } = readConfig<{ requiredScopes: string[] }>(sideEffectScopedSchema, args);
        const sources = flagSourcesOrSkip(args);
        eachFlag(args, sources, reportViolation, (key, flag, where) => {
            const level = flag.metadata?.level;
            if (level === undefined) {
                reportViolation(`${where} flag '${key}' has no metadata.level, so it cannot be judged as a side-effect flag.`);
                return;
            }
            if (level !== "L3") return;
            if (flag.metadata?.killSwitch !== true) {
                reportViolation(`${where} L3 flag '${key}' is not in the kill-switch set (metadata.killSwitch: ${String(flag.metadata?.killSwitch ?? "unset")}).`);
            }
            const scopes = scopesOf(flag);
            const missing = requiredScopes.filter((scope) => !scopes.includes(scope));
            if (missing.length > 0) {
                reportViolation(`${where} L3 flag '${key}' does not support scope(s) ${quoteList(missing)} (metadata.scopes: '${flag.metadata?.scopes ?? ""}').`);
            }
        });
    },
};

/** The flags area, in catalogue order. */
export const flagPolicies = [l3FlagsOffInProduction, sideEffectFlagsScoped];
