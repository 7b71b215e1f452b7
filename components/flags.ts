/**
 * Feature flags in the OpenFeature flagd format, with per-environment defaults.
 *
 * One document per environment is built here and delivered unchanged to every target (the
 * Kubernetes ConfigMap, Vercel and Heroku env vars, the GitHub environment variable), so every
 * surface agrees on what is on. Level, scopes and kill-switch membership ride in flag metadata,
 * where the policy pack reads them.
 */
import { FLAGD_SCHEMA_URL, FlagdDocument, FlagdFlag } from "../contract";
import type { EnvironmentName, FlagConfig } from "./config";

/** The flagd document of an environment: each flag's default variant is that environment's default. */
export function flagdDocument(flags: readonly FlagConfig[], environment: EnvironmentName): FlagdDocument {
  const document: FlagdDocument = { $schema: FLAGD_SCHEMA_URL, flags: {} };
  for (const flag of flags) {
    const on = flag.defaults[environment];
    const definition: FlagdFlag = {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: on ? "on" : "off",
      metadata: {
        level: flag.level,
        scopes: flag.scopes.join(","),
        killSwitch: flag.killSwitch,
        productionApproval: flag.productionApproval ?? "",
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
