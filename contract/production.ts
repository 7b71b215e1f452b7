/**
 * What counts as production, defined once for the program and the policy pack. A stack or a
 * GitHub environment is production when its name is, token by token: `prod-eu`, `eu-production`,
 * `live` and `PRD` are; `preprod`, `pre-prod`, `non-prod` and `production-like-staging`'s
 * `staging` part are not. Teams with other names list them (the pack's `productionStacks`
 * setting); a listed name is production whatever it says.
 */

/** Name tokens that mean production. */
const PRODUCTION_TOKENS = new Set(["prod", "production", "prd", "live"]);
/** Tokens that, just before a production token, mean "not yet production" (`pre-prod`, `non-prod`). */
const NEGATING_TOKENS = new Set(["pre", "non", "not"]);

/** Whether a stack or environment name means production, or is one of `alsoProduction`. */
export function isProductionName(name: string | undefined, alsoProduction: readonly string[] = []): boolean {
  if (name === undefined || name === "") return false;
  if (alsoProduction.includes(name)) return true;
  const tokens = name
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== "");
  return tokens.some((token, index) => PRODUCTION_TOKENS.has(token) && !NEGATING_TOKENS.has(tokens[index - 1] ?? ""));
}
