/**
 * Feature flags (003 §4.2–4.3, §7.2): side-effect features stay off in production until a change
 * request the ledger records approved them, and every side-effect flag can be killed at any scope.
 *
 * What is judged is the invariant, not Slipway's conventions: a side-effect flag is one whose
 * metadata says it acts on the outside world (level L3, kill-switch membership, an explicit
 * side-effect declaration), whatever its label; flags are found wherever they are delivered (any
 * flagd document a resource carries, and plain config vars that turn a known flag on); an approval
 * is a change request id the release ledger links to a release staging validated (or the incident
 * of a hotfix), read from the release manifest, never a free-form string.
 */
import type { PolicyResource, ResourceValidationArgs } from "@pulumi/policy";
import { UnknownValueError } from "@pulumi/policy";
import {
  configVarsOf,
  flagLabel,
  encryptedFlagCarriersOf,
  flagSettingsOf,
  flagSourcesOf,
  mayServeOn,
  parseFlags,
  scopesOf,
  servedOutsideStages,
  sideEffectEvidence,
  type FlagSource,
  type ParsedFlag,
} from "./shared/flags";
import { manifestsOf } from "./shared/manifest";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
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
  subject: { type: string; name: string },
  sources: FlagSource[],
  reportViolation: (message: string) => void,
  judge: (key: string, flag: ParsedFlag, where: string, evaluators: Record<string, unknown>) => void,
): void {
  for (const source of sources) {
    const parsed = parseFlags(source.raw);
    if ("error" in parsed) {
      reportViolation(`${describe(subject)} ${source.where} cannot be read as flag definitions: ${parsed.error}.`);
      continue;
    }
    for (const [key, flag] of Object.entries(parsed.flags)) judge(key, flag, `${describe(subject)} ${source.where}`, parsed.evaluators);
  }
}

/** Whether a resource's flags are production's: a production stack's, or a production GitHub environment's. */
function isProductionResource(resource: PolicyResource, productionStacks: string[]): boolean {
  if (isProductionStack(stackOf(resource.urn), productionStacks)) return true;
  if (resource.type !== TYPES.environmentVariable) return false;
  return isProductionEnvironment(text(resource.props.environment), productionStacks);
}

/** What makes an approval count, read from the release manifest(s) only when an approval must be checked. */
interface ApprovalFacts {
  /** The manifest is unknown during preview: the approval is judged in `pulumi up`. */
  unknown?: boolean;
  /** Why no approval can be checked, if so. */
  problem?: string;
  /** Whether the reference is linked by every manifest's ledger facts (or is a hotfix's incident). */
  links?: (approval: string) => boolean;
}

function approvalFacts(resources: PolicyResource[]): ApprovalFacts {
  const readings = manifestsOf(resources);
  if (readings.length === 0)
    return { problem: "the stack has no release manifest (SLIPWAY_RELEASE_MANIFEST) carrying the ledger's change requests" };
  const unreadable = readings.find((reading) => reading.manifest === undefined);
  if (unreadable !== undefined) return { problem: `${describe(unreadable.resource)} cannot be read (${unreadable.error})` };
  const manifests = readings.map((reading) => reading.manifest);
  return {
    links: (approval) =>
      manifests.every(
        (manifest) =>
          manifest !== undefined &&
          ((manifest.ledger?.validatedChangeRequests ?? []).includes(approval) ||
            (manifest.hotfix && manifest.incident !== undefined && manifest.incident === approval)),
      ),
  };
}

const l3FlagsOffSchema = configSchema(productionStacksSetting);

export const l3FlagsOffInProduction: SlipwayStackPolicy = {
  name: "l3-flags-off-in-production",
  description:
    "Side-effect flags (level L3, in the kill-switch set, or declaring side effects in their metadata) are off in production for everyone outside the canary stages their targeting names " +
    "(judged as flagd serves them: a targeting rule that is not a set of named stages, such as a percentage or the clock, counts as reaching everyone), wherever they are delivered (flag documents and config vars that turn a flag on), " +
    "unless metadata.productionApproval names a change request the release ledger links to a release staging validated (or the incident of a hotfix). " +
    "A flag the kill switch or the emergency rollback turned off (the release manifest's ledger.killedFlags) stays off until its definition overrides that kill by its ledger line (metadata.overridesKill).",
  remediationSteps:
    "Set the flag's production default to off (`slipway flag off <name>`; remove config vars such as AUTO_PUBLISH=true that turn it on), canary it to named accounts only (`slipway flag on <name> --stage <stage>`), or, once it has earned it, " +
    "set its productionApproval to the change request that approved it: an id the ledger records for a release staging validated (the release manifest's ledger.validatedChangeRequests), " +
    "or, for a hotfix, its release.incident. A flag without metadata.level must declare one. " +
    "A killed flag: merge the kill switch's stack file (the flag-stack-file artifact) so the flag is off, or turn it on deliberately with `slipway flag on <name>`, which writes overridesKill.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["flags", "003 §4.3", "003 §4.4"],
  configSchema: l3FlagsOffSchema,
  validateStack: (args, reportViolation) => {
    const { productionStacks } = readConfig<ProductionStacksConfig>(l3FlagsOffSchema, args);
    // Values unknown during preview are skipped while everything known is judged; the first
    // one is rethrown at the end, so the policy is reported as not judgeable in preview, not passed.
    let firstUnknown: UnknownValueError | undefined;
    const tolerate = <T>(read: () => T, fallback: T): T => {
      try {
        return read();
      } catch (error) {
        if (!(error instanceof UnknownValueError)) throw error;
        firstUnknown ??= error;
        return fallback;
      }
    };

    // Every definition of every flag in the stack: a config var turning a flag on is judged by them.
    const carriers = args.resources
      .map((resource) => ({ resource, sources: tolerate(() => flagSourcesOf(resource.type, resource.props), []) }))
      .filter((carrier) => carrier.sources.length > 0);
    const definitions = new Map<string, ParsedFlag[]>();
    for (const { sources } of carriers) {
      for (const source of sources) {
        const parsed = parseFlags(source.raw);
        if ("error" in parsed) continue;
        for (const [key, flag] of Object.entries(parsed.flags)) definitions.set(key, [...(definitions.get(key) ?? []), flag]);
      }
    }
    const production = args.resources.filter((resource) => tolerate(() => isProductionResource(resource, productionStacks), false));
    const productionCarriers = carriers.filter((carrier) => production.includes(carrier.resource));
    const settings = production.flatMap((resource) =>
      configVarsOf(resource.type, resource.props).flatMap((variable) =>
        flagSettingsOf(variable, [...definitions.keys()]).map((setting) => ({ resource, variable, setting })),
      ),
    );
    const encrypted = production.flatMap((resource) =>
      tolerate(() => encryptedFlagCarriersOf(resource.type, resource.props, [...definitions.keys()]), []).map((where) => ({
        resource,
        where,
      })),
    );
    if (productionCarriers.length === 0 && settings.length === 0 && encrypted.length === 0) {
      if (firstUnknown !== undefined) throw firstUnknown;
      return args.notApplicable(carriers.length === 0 ? "the stack carries no flag definitions" : "no flags are production's");
    }

    let facts: ApprovalFacts | undefined;
    /** Why an approval does not count, or undefined when it does. */
    const approvalProblem = (approvals: string[], none: string): string | undefined => {
      const named = [...new Set(approvals.map((approval) => approval.trim()).filter((approval) => approval !== ""))];
      if (named.length === 0) return `without an approving change request (${none})`;
      facts ??= tolerate(() => approvalFacts(args.resources), { unknown: true });
      if (facts.unknown) return undefined;
      if (facts.problem !== undefined) return `on approval ${quoteList(named)}, which cannot be checked: ${facts.problem}`;
      if (named.some((approval) => facts?.links?.(approval))) return undefined;
      return (
        `on approval ${quoteList(named)}, which is not a change request the release ledger links to a release staging validated ` +
        "(release manifest ledger.validatedChangeRequests) nor the incident of a hotfix release"
      );
    };

    // Flags an emergency killed in production stay off until a flag says it overrides that kill.
    // Read from the manifest only once a flag is served on, as the approvals are.
    let killed: Map<string, { seq: number; workflow: string }> | undefined;
    const killedFlags = () => {
      killed ??= new Map(
        tolerate(() => manifestsOf(args.resources), []).flatMap((reading) =>
          (reading.manifest?.ledger?.killedFlags ?? []).map((kill) => [kill.name, kill] as const),
        ),
      );
      return killed;
    };
    const killProblem = (key: string, overrides: (string | undefined)[]): string | undefined => {
      const kill = killedFlags().get(key);
      if (kill === undefined || overrides.some((value) => value?.trim() === String(kill.seq))) return undefined;
      return (
        `but ${kill.workflow} turned it off in an emergency at ledger line ${kill.seq} and no definition of it overrides that kill ` +
        `(metadata.overridesKill: '${kill.seq}'), so this deploy would quietly undo the kill switch`
      );
    };

    for (const { resource, sources } of productionCarriers) {
      eachFlag(
        resource,
        sources,
        (message) => reportViolation(message, resource.urn),
        (key, flag, where, evaluators) => {
          const undoesKill = mayServeOn(flag) ? killProblem(key, [flag.metadata?.overridesKill]) : undefined;
          if (undoesKill !== undefined) reportViolation(`${where} serves flag '${key}' on in production ${undoesKill}.`, resource.urn);
          // As flagd serves it: on for anyone outside the canary stages its targeting names.
          const served = servedOutsideStages(key, flag, evaluators);
          if (served === undefined) return;
          if (sideEffectEvidence(flag) !== undefined) {
            const problem = approvalProblem([flag.metadata?.productionApproval ?? ""], "metadata.productionApproval is empty");
            if (problem !== undefined) {
              const how = served.byDefault
                ? `on by default in production ${served.how.replace(/^by default /, "")}`
                : `on in production ${served.how}, outside its canary stages,`;
              reportViolation(`${where} turns ${flagLabel(key, flag)} ${how} ${problem}.`, resource.urn);
            }
          } else if (flag.metadata?.level === undefined) {
            const how = served.byDefault ? "on by default in production" : `on in production ${served.how}`;
            reportViolation(
              `${where} turns flag '${key}' ${how} but it has no metadata.level, so it may be an L3 side effect.`,
              resource.urn,
            );
          }
        },
      );
    }
    for (const { resource, variable, setting } of settings) {
      const known = definitions.get(setting.flag) ?? [];
      const sideEffect = known.find((flag) => sideEffectEvidence(flag) !== undefined);
      const where = `${describe(resource)} ${variable.where}`;
      const undoesKill = killProblem(
        setting.flag,
        known.map((flag) => flag.metadata?.overridesKill),
      );
      if (undoesKill !== undefined)
        reportViolation(`${where} turns flag '${setting.flag}' on in production (${setting.says}) ${undoesKill}.`, resource.urn);
      if (sideEffect !== undefined) {
        const problem = approvalProblem(
          known.map((flag) => flag.metadata?.productionApproval ?? ""),
          "no definition of the flag carries metadata.productionApproval",
        );
        if (problem !== undefined)
          reportViolation(
            `${where} turns ${flagLabel(setting.flag, sideEffect)} on in production (${setting.says}) ${problem}.`,
            resource.urn,
          );
      } else if (known.every((flag) => flag.metadata?.level === undefined)) {
        reportViolation(
          `${where} turns flag '${setting.flag}' on in production (${setting.says}) but no definition of it has metadata.level, so it may be an L3 side effect.`,
          resource.urn,
        );
      }
    }
    for (const { resource, where } of encrypted) {
      reportViolation(
        `${describe(resource)} ${where} may turn flags on in production, but its value is encrypted in this stack export and cannot be judged: ` +
          "judge `pulumi stack export --show-secrets` (the gate keeps values in memory and never prints them) or run `pulumi preview --policy-pack`.",
        resource.urn,
      );
    }
    if (firstUnknown !== undefined) throw firstUnknown;
  },
};

const sideEffectScopedSchema = configSchema(requiredScopesSetting);

export const sideEffectFlagsScoped: SlipwayResourcePolicy = {
  name: "side-effect-flags-scoped",
  description:
    "Every side-effect flag (level L3, or declaring side effects in its metadata, whatever its label) is in the kill-switch set, has an off variant (a value false) to switch to, and supports the global, client, platform-account and lane scopes, so harm can be stopped at any blast radius.",
  remediationSteps:
    "In the flag definition set metadata.killSwitch: true, give it a variant whose value is false, and set metadata.scopes to 'global,client,platform-account,lane' (every scope in requiredScopes); " +
    "every flag needs metadata.level, and a flag with side effects is L3.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["flags", "003 §4.2", "003 §7.2"],
  configSchema: sideEffectScopedSchema,
  validateResource: (args, reportViolation) => {
    const { requiredScopes } = readConfig<{ requiredScopes: string[] }>(sideEffectScopedSchema, args);
    const sources = flagSourcesOrSkip(args);
    eachFlag(args, sources, reportViolation, (key, flag, where) => {
      const evidence = sideEffectEvidence(flag);
      if (evidence === undefined) {
        if (flag.metadata?.level === undefined)
          reportViolation(`${where} flag '${key}' has no metadata.level, so it cannot be judged as a side-effect flag.`);
        return;
      }
      const label = flagLabel(key, flag);
      // A kill switch must have an off to switch to: a variant whose value is false.
      if (!Object.values(flag.variants).includes(false)) {
        reportViolation(
          `${where} ${label} cannot be switched off: none of its variants (${quoteList(Object.keys(flag.variants))}) is false.`,
        );
      }
      if (flag.metadata?.killSwitch !== true) {
        reportViolation(
          `${where} ${label} is not in the kill-switch set (metadata.killSwitch: ${String(flag.metadata?.killSwitch ?? "unset")}).`,
        );
      }
      const scopes = scopesOf(flag);
      const missing = requiredScopes.filter((scope) => !scopes.includes(scope));
      if (missing.length > 0) {
        reportViolation(
          `${where} ${label} does not support scope(s) ${quoteList(missing)} (metadata.scopes: '${flag.metadata?.scopes ?? ""}').`,
        );
      }
    });
  },
};

/** The flags area, in catalogue order. */
export const flagPolicies = [l3FlagsOffInProduction, sideEffectFlagsScoped];
