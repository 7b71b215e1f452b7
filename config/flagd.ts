/**
 * Feature flags in the OpenFeature flagd format, with per-environment defaults and canary stages.
 *
 * One document per environment is built here and served, not baked: it is the environment's
 * GitHub `SLIPWAY_FLAGS` variable (which Vercel and Heroku apps read over HTTP through
 * `SLIPWAY_FLAGS_URL`) and the Kubernetes `slipway-flags` ConfigMap (which pods mount and a flagd
 * file source watches). Changing a flag updates those two in place and nothing else, so no app is
 * rebuilt or restarted. Level, scopes and kill-switch membership ride in flag metadata, where the
 * policy pack reads them; the canary stage an environment has reached is a flagd `targeting` rule.
 */
import { FLAGD_SCHEMA_URL, type FlagdDocument, type FlagdFlag, STAGE_SCOPE_ATTRIBUTES } from "../contract";
import type { EnvironmentName, FlagConfig, FlagStageConfig } from "./config";

/**
 * The targeting of a flag whose `environment` has reached a canary stage: on for the contexts of
 * that stage and every stage before it (003 §4.4: house accounts, then 1–2 clients), off for
 * everyone else. Undefined when the environment names no stage.
 */
export function stageTargeting(flag: FlagConfig, environment: EnvironmentName): Record<string, unknown> | undefined {
  const reached = flag.rollout[environment];
  if (reached === undefined || flag.defaults[environment]) return undefined;
  const upTo = flag.stages.findIndex((stage) => stage.name === reached);
  if (upTo < 0) return undefined; // the config contract refuses a rollout to an undeclared stage
  const conditions = flag.stages.slice(0, upTo + 1).map(stageCondition);
  return { if: [conditions.length === 1 ? conditions[0] : { or: conditions }, "on", "off"] };
}

/** `{"in": [{"var": "client"}, ["acme", "globex"]]}`: the context's attribute is one of the stage's values. */
function stageCondition(stage: FlagStageConfig): Record<string, unknown> {
  return { in: [{ var: STAGE_SCOPE_ATTRIBUTES[stage.scope] }, [...stage.values]] };
}

/** The flagd document of an environment: each flag's default variant is that environment's default. */
export function flagdDocument(flags: readonly FlagConfig[], environment: EnvironmentName): FlagdDocument {
  const document: FlagdDocument = { $schema: FLAGD_SCHEMA_URL, flags: {} };
  for (const flag of flags) {
    const on = flag.defaults[environment];
    const targeting = stageTargeting(flag, environment);
    const overridesKill = environment === "preview" ? undefined : flag.overridesKill[environment];
    const definition: FlagdFlag = {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: on ? "on" : "off",
      ...(targeting !== undefined ? { targeting } : {}),
      metadata: {
        level: flag.level,
        scopes: flag.scopes.join(","),
        killSwitch: flag.killSwitch,
        productionApproval: flag.productionApproval ?? "",
        ...(overridesKill !== undefined ? { overridesKill: String(overridesKill) } : {}),
      },
    };
    document.flags[flag.name] = definition;
  }
  return document;
}

/** The document as the compact JSON every target receives. */
export function flagdJson(flags: readonly FlagConfig[], environment: EnvironmentName): string {
  return JSON.stringify(flagdDocument(flags, environment));
}
