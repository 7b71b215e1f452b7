/**
 * Feature-flag definitions (flagd JSON) wherever Slipway delivers them: the Kubernetes ConfigMap
 * key, the GitHub `SLIPWAY_FLAGS` variable, the Vercel env var and the Heroku config var.
 */
import { z } from "zod";
import {
    FLAGS_CONFIGMAP_KEY,
    FLAGS_ENV_VAR,
    FLAGS_VARIABLE,
    OPAQUE_SECRET_VALUE,
    RELEASE_LEVELS,
} from "../../../contract";
import { list, record, text, TYPES, type Props } from "./resources";

/** Slipway's per-flag metadata; every field optional here so a missing one is reported, not thrown. */
const flagMetadataSchema = z
    .object({
        level: z.enum(RELEASE_LEVELS).optional(),
        scopes: z.string().optional(),
        killSwitch: z.boolean().optional(),
        productionApproval: z.string().optional(),
    })
    .loose();

/** A flagd flag (extra flagd fields such as `targeting` are allowed). */
const flagSchema = z
    .object({
        state: z.enum(["ENABLED", "DISABLED"]),
        variants: z.record(z.string(), z.unknown()),
        defaultVariant: z.string(),
        metadata: flagMetadataSchema.optional(),
    })
    .loose();

/** A flagd document. */
const flagDocumentSchema = z.object({ flags: z.record(z.string(), flagSchema) }).loose();

/** A parsed flag. */
export type ParsedFlag = z.infer<typeof flagSchema>;

/** A flag document found on a resource. */
export interface FlagSource {
    /** Where on the resource it sits, for messages (`data['flags.flagd.json']`). */
    where: string;
    /** The raw JSON text. */
    raw: string | undefined;
}

/** The flag documents a resource carries (empty when it carries none). Reading may throw UnknownValueError. */
export function flagSourcesOf(type: string, props: Props): FlagSource[] {
    // A secret read from a stack export is ciphertext (OPAQUE_SECRET_VALUE): it cannot be judged
    // there. Slipway always delivers the same document in plain text on the GitHub SLIPWAY_FLAGS
    // variable, which is judged instead.
    return allFlagSourcesOf(type, props).filter((source) => source.raw !== OPAQUE_SECRET_VALUE);
}

function allFlagSourcesOf(type: string, props: Props): FlagSource[] {
    switch (type) {
        case TYPES.k8sConfigMap: {
            const data = record(props.data);
            return FLAGS_CONFIGMAP_KEY in data ? [{ where: `data['${FLAGS_CONFIGMAP_KEY}']`, raw: text(data[FLAGS_CONFIGMAP_KEY]) }] : [];
        }
        case TYPES.environmentVariable:
        case TYPES.repositoryVariable:
            return text(props.variableName) === FLAGS_VARIABLE ? [{ where: `variable ${FLAGS_VARIABLE}`, raw: text(props.value) }] : [];
        case TYPES.vercelEnvVar:
            return text(props.key) === FLAGS_ENV_VAR ? [{ where: `env var ${FLAGS_ENV_VAR}`, raw: text(props.value) }] : [];
        case TYPES.vercelProject:
            return list(props.environments)
                .map(record)
                .filter((entry) => text(entry.key) === FLAGS_ENV_VAR)
                .map((entry) => ({ where: `environments[${FLAGS_ENV_VAR}]`, raw: text(entry.value) }));
        case TYPES.herokuApp:
            return configVarSources(props, ["configVars", "sensitiveConfigVars"]);
        case TYPES.herokuConfig:
            return configVarSources(props, ["vars", "sensitiveVars"]);
        default:
            return [];
    }
}

function configVarSources(props: Props, fields: string[]): FlagSource[] {
    const sources: FlagSource[] = [];
    for (const field of fields) {
        const vars = record(props[field]);
        if (FLAGS_ENV_VAR in vars) sources.push({ where: `${field}.${FLAGS_ENV_VAR}`, raw: text(vars[FLAGS_ENV_VAR]) });
    }
    return sources;
}

/** Parse a flag document; a one-line error when it is not flagd JSON. */
export function parseFlags(raw: string | undefined): { flags: Record<string, ParsedFlag> } | { error: string } {
    if (raw === undefined) return { error: "the value is not a string" };
    let json: unknown;
    try {
        json = JSON.parse(raw);
    } catch (error) {
        return { error: `not JSON (${error instanceof Error ? error.message : String(error)})` };
    }
    const result = flagDocumentSchema.safeParse(json);
    if (!result.success) {
        const issue = result.error.issues[0];
        return { error: `not a flagd document (${issue.path.join(".") || "(root)"}: ${issue.message})` };
    }
    return { flags: result.data.flags };
}

/** Whether a flag evaluates to on by default: enabled and its default variant is `true`. */
export function isOnByDefault(flag: ParsedFlag): boolean {
    return flag.state === "ENABLED" && flag.variants[flag.defaultVariant] === true;
}

/** The scopes a flag declares (`metadata.scopes` is comma-separated, flagd metadata being scalars). */
export function scopesOf(flag: ParsedFlag): string[] {
    return (flag.metadata?.scopes ?? "")
        .split(",")
        .map((scope) => scope.trim())
        .filter((scope) => scope !== "");
}
