/**
 * Pieces of stack config that hand-built test configs share. A stack that owns repository
 * resources must name the ledger branch's deploy key; these are its demo values (the private
 * half is demo text, marked secure the way `pulumi config set --secret` marks it). And the
 * parse the config tests call, with the problems a refused config is refused with.
 */
import { ConfigError, parseStackConfig, type StackConfig } from "../../config/config";

/** `slipway:github.ledgerDeployKey` with a real public key line and a placeholder private half. */
export const LEDGER_DEPLOY_KEY = {
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0YW5kLWluLWtleS1mb3ItdGVzdHMtb25seS0wMDAx slipway-ledger-test",
  privateKey: "demo-private-key",
};

/** The key path `pulumi config` marks secure for the private half. */
export const LEDGER_DEPLOY_KEY_SECURE_PATH = "slipway:github.ledgerDeployKey.privateKey";

/** The smallest valid production config (one repository, one reviewer team, an L2 release); tests add or break one thing at a time. */
export function minimalProductionConfig(): Record<string, any> {
  return {
    "slipway:environment": "production",
    "slipway:github": {
      owner: "acme",
      ownsRepositoryResources: true,
      repositories: [{ name: "shop" }],
      teams: { "release-captains": 4711 },
      ledgerDeployKey: LEDGER_DEPLOY_KEY,
    },
    "slipway:environments": { production: { reviewerTeams: ["release-captains"], waitTimerMinutes: 15 } },
    "slipway:release": { version: "1.2.3", level: "L2", changeRequest: "CR-1" },
  };
}

/** The stack file the config tests' values stand for. */
export const PRODUCTION_STACK_FILE = "Pulumi.production.yaml";

/** Parse `values` as Pulumi.production.yaml's config; the ledger deploy key (and `securePaths`) are `secure:`. */
export function parseProductionConfig(values: Record<string, unknown>, securePaths: string[] = []): StackConfig {
  return parseStackConfig({
    file: PRODUCTION_STACK_FILE,
    values,
    securePaths: new Set([LEDGER_DEPLOY_KEY_SECURE_PATH, ...securePaths]),
  });
}

/** The problems a config is refused with, as `<key>: <message>`; fails the test when it parses. */
export function configProblemsOf(values: Record<string, unknown>, securePaths: string[] = []): string[] {
  try {
    parseProductionConfig(values, securePaths);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return err.problems.map((problem) => `${problem.key}: ${problem.message}`);
  }
  throw new Error("expected the config to be refused, but it parsed");
}
