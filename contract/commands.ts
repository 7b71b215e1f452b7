/**
 * The commands a release runs, defined once: the generated workflows render them into their
 * steps, and the engine tests run exactly these against the real Pulumi CLI. A flag added here
 * reaches both, so the tests always exercise what CI does.
 */
import { POLICY_CONFIG_FILE, POLICY_PACK_DIR } from "./index";

/** The policy pack flags every engine command carries: the pack and the team's policy statement. */
export const POLICY_FLAGS = ["--policy-pack", POLICY_PACK_DIR, "--policy-pack-config", POLICY_CONFIG_FILE] as const;

/** `pulumi preview` of a stack, judged by the pack (pull requests, and before every deploy). */
export function previewCommand(stack: string): string[] {
  return ["pulumi", "preview", "--stack", stack, ...POLICY_FLAGS, "--non-interactive", "--diff"];
}

/** `pulumi up` of a stack, judged by the pack again as it applies (the deploy jobs). */
export function upCommand(stack: string): string[] {
  return ["pulumi", "up", "--yes", "--stack", stack, ...POLICY_FLAGS, "--non-interactive", "--diff"];
}

/**
 * The project's own `slipway` binary. Workflows run it by path, never through `npx slipway`,
 * which in a project not named slipway would fetch and run whatever the registry serves.
 */
export const SLIPWAY_BIN = "node_modules/.bin/slipway";

/** The offline gate over every stack, as the pull-request workflow runs it. */
export function gateCommand(format: "markdown" | "json" = "markdown"): string[] {
  return [SLIPWAY_BIN, "gate", "--policy-config", POLICY_CONFIG_FILE, `--${format}`];
}

/** The Pulumi CLI the workflows install: the version the engine tests build (engine/cli/go.mod; a test keeps them equal). */
export const PULUMI_CLI_VERSION = "3.274.1";

/**
 * Environment secrets that reach `pulumi` under another name. GitHub reserves the GITHUB_ prefix
 * for secret names, so the GitHub provider's token is stored as SLIPWAY_GITHUB_TOKEN and handed
 * to the provider as GITHUB_TOKEN; every other credential is named as its provider reads it.
 */
export const CREDENTIAL_ENV_NAMES: Readonly<Record<string, string>> = { SLIPWAY_GITHUB_TOKEN: "GITHUB_TOKEN" };

/** The variable a job sets for an environment secret (its provider's name for it). */
export function credentialEnvName(secretName: string): string {
  return CREDENTIAL_ENV_NAMES[secretName] ?? secretName;
}

/** A command as shell words, each quoted only when it needs to be. */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((word) => (/^[A-Za-z0-9_./:=@%+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)).join(" ");
}
