/**
 * The shape every Slipway policy has: a plain @pulumi/policy policy whose catalogue fields are
 * required, so the README, the offline gate and `pulumi preview` all show the same metadata.
 */
import type { EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy, Severity, StackValidationPolicy } from "@pulumi/policy";
import type { PolicyConfigJSONSchema } from "@pulumi/policy/schema";

/** Catalogue fields that @pulumi/policy leaves optional and Slipway requires. */
export interface CatalogueFields {
  /** A full sentence saying what the policy guarantees. */
  description: string;
  /** Exactly what to change when the policy fails. */
  remediationSteps: string;
  /** How bad a violation is. */
  severity: Severity;
  /** Default enforcement: mandatory where production could be harmed, advisory otherwise. */
  enforcementLevel: EnforcementLevel;
  /** The area (module) first, then the playbook sections the rule comes from. */
  tags: string[];
}

/** A resource policy with the catalogue fields filled in. */
export type SlipwayResourcePolicy = ResourceValidationPolicy &
  CatalogueFields & {
    /**
     * The one resource type the policy judges, when it judges one: the SDK then answers "not
     * applicable" for every other type without calling it (no deserialized inputs, no thrown
     * error per resource). validateResource still refuses other types itself.
     */
    resourceType?: string;
  };

/** A stack policy with the catalogue fields filled in. */
export type SlipwayStackPolicy = StackValidationPolicy & CatalogueFields;

/** Any Slipway policy. */
export type SlipwayPolicy = SlipwayResourcePolicy | SlipwayStackPolicy;

/** Config properties of one policy, keyed by name. */
export type ConfigProperties = Record<string, PolicyConfigJSONSchema>;

/** Build a configSchema from property fragments (several policies share fragments). */
export function configSchema(...fragments: ConfigProperties[]): PolicyConfigSchema {
  return { properties: Object.assign({}, ...fragments) as ConfigProperties };
}

/** Anything that can hand out policy config: resource and stack validation args alike. */
export interface ConfigSource {
  /** Returns the configured values (the engine may or may not have applied defaults). */
  getConfig<T extends object>(): T;
}

/**
 * The policy's config with the schema defaults filled in. The engine applies defaults when it
 * configures the pack, but a runner that never calls Configure would leave them out; merging here
 * keeps the policy's behaviour the same under both.
 */
export function readConfig<T extends object>(schema: PolicyConfigSchema, args: ConfigSource): T {
  const defaults: Record<string, unknown> = {};
  for (const [key, property] of Object.entries(schema.properties)) {
    if (property.default !== undefined) defaults[key] = property.default;
  }
  return { ...defaults, ...args.getConfig<Record<string, unknown>>() } as T;
}
