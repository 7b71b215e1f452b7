/**
 * `slipway gate --base-policy-config FILE`: the rules cannot be weakened by the pull request they
 * judge. The pull request's policy config is compared with the default branch's, both reconciled
 * against the pack that judges (so a setting dropped from the file falls back to its default and
 * is compared as such), and every weakening is a mandatory finding of the gate itself:
 * `policy-config-weakened`, not a policy of the pack.
 *
 * Which way a setting is stricter is declared once, beside the schemas
 * (policy-pack/policies/shared/strictness.ts); a setting it does not know is compared as `same`.
 */
import { isDeepStrictEqual } from "node:util";
import { type SettingStrictness, strictnessOf } from "../policy-pack/policies/shared/strictness";
import {
  type EnforcementLevel,
  type PolicyConfigEntry,
  type PolicyConfigFile,
  type PolicyInfo,
  reconcilePolicyConfig,
} from "./policyConfig";

/** The gate's own check name for a weakened policy config. */
export const POLICY_CONFIG_WEAKENED = "policy-config-weakened";

/** One way the pull request's policy config is weaker than the default branch's. */
export interface Weakening {
  /** The policy whose configuration is weaker. */
  policy: string;
  /** The setting, when a setting (not the level) is weaker. */
  setting?: string;
  /** What changed, and why it is weaker. */
  message: string;
}

/** How strongly a level enforces: disabled < advisory < mandatory (remediate blocks as mandatory does). */
const LEVEL_RANK: Record<EnforcementLevel, number> = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 };

/** The setting's entry in the table, or `same` (any change counts) for a setting the table does not know. */
function strictness(policy: string, setting: string): SettingStrictness {
  return strictnessOf(policy, setting) ?? { stricter: "same", why: "no strictness is declared for it, so any change counts" };
}

function quote(values: readonly unknown[]): string {
  return values.map((value) => (typeof value === "string" ? `'${value}'` : JSON.stringify(value))).join(", ");
}

function shown(value: unknown): string {
  return value === undefined ? "unset" : JSON.stringify(value);
}

function strings(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map((item) => (typeof item === "string" ? item : JSON.stringify(item))) : undefined;
}

/** Base items the head no longer has (a list of required things). */
function dropped(base: unknown, head: unknown): string[] {
  const kept = new Set(strings(head) ?? []);
  return (strings(base) ?? []).filter((item) => !kept.has(item));
}

/** A freeze window as an interval, or undefined when its dates cannot be read (the policy reports those). */
function interval(window: unknown): { start: number; end: number; label: string } | undefined {
  const record = window !== null && typeof window === "object" ? (window as Record<string, unknown>) : {};
  const start = typeof record.start === "string" ? Date.parse(record.start) : NaN;
  const end = typeof record.end === "string" ? Date.parse(record.end) : NaN;
  if (Number.isNaN(start) || Number.isNaN(end)) return undefined;
  const reason = typeof record.reason === "string" && record.reason !== "" ? ` (${record.reason})` : "";
  return { start, end, label: `${String(record.start)} to ${String(record.end)}${reason}` };
}

/** Base windows that have not ended and are no longer covered, whole, by the head's windows. */
function uncoveredWindows(base: unknown, head: unknown, now: number): string[] {
  const merged: { start: number; end: number }[] = [];
  const headIntervals = (Array.isArray(head) ? head : []).map(interval).filter((entry) => entry !== undefined);
  for (const entry of headIntervals.sort((a, b) => a.start - b.start)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && entry.start <= last.end) last.end = Math.max(last.end, entry.end);
    else merged.push({ start: entry.start, end: entry.end });
  }
  return (Array.isArray(base) ? base : [])
    .map(interval)
    .filter((entry) => entry !== undefined && entry.end > now)
    .filter((entry) => !merged.some((cover) => cover.start <= Math.max(entry!.start, now) && entry!.end <= cover.end))
    .map((entry) => entry!.label);
}

/** Per-repository check lists: each repository's effective lists (its own, else the policy's) keep every item. */
function repositoryChecksDropped(baseProps: Record<string, unknown>, headProps: Record<string, unknown>, setting: string): string[] {
  const base = (baseProps[setting] ?? {}) as Record<string, Record<string, unknown>>;
  const head = (headProps[setting] ?? {}) as Record<string, Record<string, unknown>>;
  const problems: string[] = [];
  for (const repository of [...new Set([...Object.keys(base), ...Object.keys(head)])].sort()) {
    for (const list of ["baselineChecks", "l3Checks"]) {
      // A list the policy itself does not take (l3-required-checks has no baselineChecks) is not enforced by it.
      if (!(list in baseProps) && !(list in headProps)) continue;
      const missing = dropped(base[repository]?.[list] ?? baseProps[list], head[repository]?.[list] ?? headProps[list]);
      if (missing.length > 0) problems.push(`${repository}'s ${list} drops ${quote(missing)}`);
    }
  }
  return problems;
}

/** Why the head's value of one setting is weaker than the base's, or undefined when it is not. */
export function settingWeakening(
  rule: SettingStrictness,
  setting: string,
  baseProps: Record<string, unknown>,
  headProps: Record<string, unknown>,
  now: number = Date.now(),
): string | undefined {
  const base = baseProps[setting];
  const head = headProps[setting];
  if (isDeepStrictEqual(base, head)) return undefined;
  const why = `(${rule.why})`;
  switch (rule.stricter) {
    case "higher":
    case "lower": {
      if (typeof base !== "number" || typeof head !== "number") break;
      if (rule.stricter === "higher" && head < base) return `lowered from ${base} to ${head} ${why}: more is stricter`;
      if (rule.stricter === "lower" && head > base) return `raised from ${base} to ${head} ${why}: less is stricter`;
      return undefined;
    }
    case "keep-every-item": {
      if (strings(base) === undefined || strings(head) === undefined) break;
      const missing = dropped(base, head);
      return missing.length > 0 ? `drops ${quote(missing)} ${why}` : undefined;
    }
    case "add-no-item": {
      if (strings(base) === undefined || strings(head) === undefined) break;
      const added = dropped(head, base);
      return added.length > 0 ? `adds ${quote(added)} ${why}` : undefined;
    }
    case "true":
    case "false": {
      const strict = rule.stricter === "true";
      return base === strict && head !== strict ? `changed from ${shown(base)} to ${shown(head)} ${why}: ${strict} is stricter` : undefined;
    }
    case "same-or-nobody":
      return head === "" ? undefined : `changed from ${shown(base)} to ${shown(head)} ${why}: only clearing it is stricter`;
    case "higher-per-level": {
      const defaults = rule.defaults ?? {};
      const effective = (value: unknown) => ({
        ...defaults,
        ...(value !== null && typeof value === "object" ? (value as Record<string, number>) : {}),
      });
      const [before, after] = [effective(base), effective(head)];
      const lowered = Object.keys(before)
        .filter((level) => typeof after[level] === "number" && after[level] < before[level])
        .map((level) => `${level} from ${before[level]} to ${after[level]}`);
      return lowered.length > 0 ? `lowers ${lowered.join(", ")} ${why}: more is stricter` : undefined;
    }
    case "repository-checks": {
      const problems = repositoryChecksDropped(baseProps, headProps, setting);
      return problems.length > 0 ? `${problems.join("; ")} ${why}` : undefined;
    }
    case "freeze-windows": {
      const lost = uncoveredWindows(base, head, now);
      return lost.length > 0 ? `no longer covers the window${lost.length === 1 ? "" : "s"} ${lost.join("; ")} ${why}` : undefined;
    }
    case "same":
      break;
  }
  return `changed from ${shown(base)} to ${shown(head)} ${why}`;
}

/**
 * Entries of the base file the pack cannot take (a policy or setting the pull request's pack no
 * longer has): each is a weakening, since a rule the default branch configured is gone. The rest
 * of the base file is returned for reconciling.
 */
function withoutVanished(policies: readonly PolicyInfo[], base: PolicyConfigFile, found: Weakening[]): PolicyConfigFile {
  const byName = new Map(policies.map((policy) => [policy.name, policy]));
  const entries = new Map<string, PolicyConfigEntry>();
  for (const [name, entry] of base.entries) {
    const policy = byName.get(name);
    if (name !== "all" && policy === undefined) {
      found.push({
        policy: name,
        message: `the default branch configures policy '${name}', which the pack judging this change does not have`,
      });
      continue;
    }
    const properties: Record<string, unknown> = {};
    for (const [setting, value] of Object.entries(entry.properties)) {
      if (policy?.configSchema && setting in policy.configSchema.properties) properties[setting] = value;
      else
        found.push({
          policy: name,
          setting,
          message: `the default branch sets ${name}.${setting}, which the pack judging this change no longer takes`,
        });
    }
    entries.set(name, { enforcementLevel: entry.enforcementLevel, properties });
  }
  return { file: base.file, entries };
}

/** Every way `head` (the pull request's config; undefined: none) is weaker than `base` (the default branch's). */
export function policyConfigWeakenings(
  packName: string,
  policies: readonly PolicyInfo[],
  initialConfig: ReadonlyMap<string, PolicyConfigEntry>,
  base: PolicyConfigFile,
  head: PolicyConfigFile | undefined,
  now: number = Date.now(),
): Weakening[] {
  const found: Weakening[] = [];
  const before = reconcilePolicyConfig(packName, policies, initialConfig, withoutVanished(policies, base, found));
  const after = reconcilePolicyConfig(packName, policies, initialConfig, head);
  for (const policy of policies) {
    const [was, is] = [before.get(policy.name)!, after.get(policy.name)!];
    if (LEVEL_RANK[is.enforcementLevel] < LEVEL_RANK[was.enforcementLevel]) {
      found.push({ policy: policy.name, message: `${was.enforcementLevel} on the default branch, ${is.enforcementLevel} here` });
    }
    // A policy that is off on either side enforces no setting there.
    if (LEVEL_RANK[was.enforcementLevel] === 0 || LEVEL_RANK[is.enforcementLevel] === 0) continue;
    for (const setting of [...new Set([...Object.keys(was.properties), ...Object.keys(is.properties)])]) {
      const message = settingWeakening(strictness(policy.name, setting), setting, was.properties, is.properties, now);
      if (message !== undefined) found.push({ policy: policy.name, setting, message });
    }
  }
  return found;
}
