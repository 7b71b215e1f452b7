/**
 * A small harness in the style of Pulumi's own policy unit tests: it builds the argument bags the
 * analyzer server builds (ResourceValidationArgs / StackValidationArgs), runs one policy and
 * collects what it reports.
 *
 * Props go through the SDK's own deserializer and unknown-checking proxy, from the wire form the
 * engine sends: secrets wrapped in Pulumi's secret signature arrive unwrapped (exactly as in
 * `pulumi preview`), and reading a preview unknown throws UnknownValueError, which the harness turns
 * into the same "can't run policy ... during preview" outcome the server reports.
 */
import type {
  PolicyResource,
  PolicyResourceOptions,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import { UNKNOWN_VALUE } from "../../gate/model";
import { parsePolicyConfig, reconcilePolicyConfig } from "../../gate/policyConfig";
import { PROJECT_NAME } from "../../contract";

// The SDK's deserializer is internal (its .d.ts is stripped); this is its real signature.
const { deserializeProperties } = require("@pulumi/policy/deserialize") as {
  deserializeProperties(struct: Struct, proxySecrets: boolean): Record<string, unknown>;
};

/** The engine's marker for a value unknown during preview. */
export const unknown = UNKNOWN_VALUE;

/** A resource as a test declares it. */
export interface Fixture {
  /** Type token. */
  type: string;
  /** Logical name. */
  name: string;
  /** Inputs in wire form (use `secret()` from test/support/wire.ts and `unknown`). */
  props: Record<string, unknown>;
  /** `protect` resource option. */
  protect?: boolean;
  /** Logical names of resources this one depends on. */
  dependsOn?: string[];
  /** Per input property, the logical names of the resources its value was built from (the engine's propertyDependencies). */
  propertyDependencies?: Record<string, string[]>;
  /** Logical name of the parent resource. */
  parent?: string;
}

/** How a test runs a policy. */
export interface RunOptions {
  /** Stack name the URNs carry (default `production`). */
  stack?: string;
  /** Policy config overrides, merged over the configSchema defaults like the engine does. */
  config?: Record<string, unknown>;
  /** Stack tags. */
  stackTags?: Record<string, string>;
}

/** One reported violation. */
export interface Violation {
  /** The message the policy reported. */
  message: string;
  /** The URN it was reported against (stack policies), if any. */
  urn?: string;
}

/** What a policy did. */
export interface Outcome {
  /** Violations, in report order. */
  violations: Violation[];
  /** The reason given to notApplicable(), if the policy called it. */
  notApplicable?: string;
  /** The advisory the server would report for a preview unknown, if the policy read one. */
  unknown?: string;
}

/** The marker `notApplicable` throws. */
export class NotApplicable extends Error {
  constructor(readonly reason: string | undefined) {
    super(reason ?? "not applicable");
  }
}

/** Build a URN the way the engine does for a top-level resource. */
export function urnOf(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${PROJECT_NAME}::${type}::${name}`;
}

/** Props as the analyzer hands them to a policy: deserialized by the SDK, behind its unknown proxy. */
export function analyzerProps(wire: Record<string, unknown>): Record<string, unknown> {
  // The engine never sends undefined inputs: drop them like the SDK's serializer does.
  const sent = JSON.parse(JSON.stringify(wire)) as Parameters<typeof Struct.fromJavaScript>[0];
  const struct = Struct.fromJavaScript(sent);
  return unknownCheckingProxy(deserializeProperties(struct, false)) as Record<string, unknown>;
}

function configFor(
  policy: { name: string; configSchema?: { properties: Record<string, { default?: unknown }> } },
  overrides: Record<string, unknown>,
) {
  const properties = policy.configSchema?.properties ?? {};
  for (const key of Object.keys(overrides)) {
    if (!(key in properties)) throw new Error(`policy '${policy.name}' has no config key '${key}'`);
  }
  const defaults: Record<string, unknown> = {};
  for (const [key, schema] of Object.entries(properties)) {
    if (schema.default !== undefined) defaults[key] = schema.default;
  }
  const merged = { ...defaults, ...overrides };
  return <T extends object>() => merged as T;
}

function optionsOf(fixture: Fixture, parentUrn: string | undefined): PolicyResourceOptions {
  return {
    protect: fixture.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(parentUrn ? { parent: parentUrn } : {}),
  };
}

function throwNotApplicable(reason?: string): never {
  throw new NotApplicable(reason);
}

/** Run the policy's validation and turn its exits into an Outcome, as the analyzer server does. */
async function collect(name: string, run: (report: ReportViolation) => Promise<void> | void): Promise<Outcome> {
  const outcome: Outcome = { violations: [] };
  const report: ReportViolation = (message, urn) => {
    outcome.violations.push(urn === undefined ? { message } : { message, urn });
  };
  try {
    await run(report);
  } catch (error) {
    if (error instanceof NotApplicable) outcome.notApplicable = error.reason ?? "";
    // UnknownValueError's declaration is stripped from the SDK's .d.ts, so instanceof does not narrow.
    else if (error instanceof UnknownValueError) outcome.unknown = `can't run policy '${name}' during preview: ${(error as Error).message}`;
    else throw error;
  }
  return outcome;
}

/** Run a resource policy against one resource. */
export async function runResourcePolicy(policy: ResourceValidationPolicy, fixture: Fixture, options: RunOptions = {}): Promise<Outcome> {
  const stack = options.stack ?? "production";
  const getConfig = configFor(policy, options.config ?? {});
  const validations =
    policy.validateResource === undefined
      ? []
      : ([] as Array<NonNullable<ResourceValidationPolicy["validateResource"]>>).concat(policy.validateResource).flat();
  return collect(policy.name, async (report) => {
    for (const validate of validations) {
      const props = analyzerProps(fixture.props);
      const args: ResourceValidationArgs = {
        type: fixture.type,
        props,
        urn: urnOf(stack, fixture.type, fixture.name),
        name: fixture.name,
        opts: optionsOf(fixture, undefined),
        stackTags: new Map(Object.entries(options.stackTags ?? {})),
        isType: () => false,
        asType: () => undefined,
        getConfig,
        notApplicable: throwNotApplicable,
      };
      await validate(args, report);
    }
  });
}

/** Run a stack policy against a set of resources. */
export async function runStackPolicy(policy: StackValidationPolicy, fixtures: Fixture[], options: RunOptions = {}): Promise<Outcome> {
  const stack = options.stack ?? "production";
  const byName = new Map<string, PolicyResource>();
  const resources: PolicyResource[] = fixtures.map((fixture) => {
    const resource: PolicyResource = {
      type: fixture.type,
      props: analyzerProps(fixture.props),
      urn: urnOf(stack, fixture.type, fixture.name),
      name: fixture.name,
      opts: optionsOf(fixture, undefined),
      dependencies: [],
      propertyDependencies: {},
      isType: () => false,
      asType: () => undefined,
    };
    byName.set(fixture.name, resource);
    return resource;
  });
  fixtures.forEach((fixture, index) => {
    const resource = resources[index];
    for (const dependency of fixture.dependsOn ?? []) {
      const target = byName.get(dependency);
      if (!target) throw new Error(`fixture '${fixture.name}' depends on unknown fixture '${dependency}'`);
      resource.dependencies.push(target);
    }
    for (const [property, names] of Object.entries(fixture.propertyDependencies ?? {})) {
      resource.propertyDependencies[property] = names.map((name) => {
        const target = byName.get(name);
        if (!target) throw new Error(`fixture '${fixture.name}' property '${property}' depends on unknown fixture '${name}'`);
        if (!resource.dependencies.includes(target)) resource.dependencies.push(target);
        return target;
      });
    }
    if (fixture.parent) {
      resource.parent = byName.get(fixture.parent);
      resource.opts.parent = resource.parent?.urn;
    }
  });
  const args: StackValidationArgs = {
    resources,
    stackTags: new Map(Object.entries(options.stackTags ?? {})),
    getConfig: configFor(policy, options.config ?? {}),
    notApplicable: throwNotApplicable,
  };
  return collect(policy.name, (report) => policy.validateStack(args, report));
}

/** The messages of an outcome (handy for `toEqual([...])`). */
export function messages(outcome: Outcome): string[] {
  return outcome.violations.map((violation) => violation.message);
}

/**
 * Why a team's config for one policy is refused before any policy runs, as `slipway gate` (and the
 * engine) validate it against the policy's configSchema; undefined when it is accepted.
 */
export function configRefusal(
  policy: StackValidationPolicy | ResourceValidationPolicy,
  properties: Record<string, unknown>,
): string | undefined {
  const info = {
    name: policy.name,
    description: policy.description ?? "",
    enforcementLevel: "mandatory" as const,
    kind: "validateStack" in policy ? ("stack" as const) : ("resource" as const),
    configSchema: { properties: policy.configSchema?.properties ?? {}, required: policy.configSchema?.required ?? [] },
  };
  const file = parsePolicyConfig(JSON.stringify({ [policy.name]: properties }), "policy-config.json");
  try {
    reconcilePolicyConfig(PROJECT_NAME, [info], new Map(), file);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}
