/**
 * What the generated workflows share: their shape as plain data, the settings every generator
 * reads, the first steps of a job, and how a job reaches the Pulumi backend.
 */
import type { ReleaseLevel } from "../../contract";
import { PULUMI_CLI_VERSION } from "../../contract/commands";
import { LEDGER_FILE, type MigrationMode } from "../../contract/release";
import { ACTIONS } from "./actions";

// A GitHub Actions workflow as plain data; only what the generators emit is typed.
export type Step = Record<string, unknown>;
export type Job = Record<string, unknown>;
export type Workflow = {
  name: string;
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency?: Record<string, unknown>;
  jobs: Record<string, Job>;
};

/** Pulumi Cloud OIDC (`slipway:github.pulumiCloudOidc`): jobs trade GitHub's OIDC token for a short-lived team token. */
export interface PulumiCloudOidc {
  /** The Pulumi Cloud organization. */
  organization: string;
  /** Pulumi team per CI identity (`preview`, `drift`, a deploy stack); default `slipway-<identity>`. */
  teams: Record<string, string>;
}

/** Settings every generator shares, defaults applied. */
export interface GeneratorSettings {
  /** Node.js version of `actions/setup-node`. */
  nodeVersion: string;
  /** Branch the ledger is pushed to. */
  ledgerBranch: string;
  /** Secrets passed to `pulumi up` (and, read-only, to the drift check). */
  deploySecretNames: string[];
  /** Staging soak minutes per level. */
  stagingSoakMinutes: Readonly<Record<ReleaseLevel, number>>;
  /** Pulumi Cloud OIDC, when configured; absent: jobs read `PULUMI_ACCESS_TOKEN` from their environment. */
  pulumiCloudOidc?: PulumiCloudOidc;
  /** How the team's migrations run (`slipway:migrations.mode`); absent: `job`, inside the release. */
  migrationsMode?: MigrationMode;
}

/** The token every job gets unless it says otherwise: read the repository, nothing more. */
export const READ_ONLY: Record<string, string> = { contents: "read" };

/** Where jobs check the ledger branch out (git-ignored), and the env var the program and gate read. */
export const LEDGER_CHECKOUT = ".slipway/ledger";
export const LEDGER_ENV = { SLIPWAY_LEDGER: `${LEDGER_CHECKOUT}/${LEDGER_FILE}` };

/**
 * A read-only checkout of the ledger branch: the program reads staging's validations from it
 * (promote-validated-artifact), so every job that runs the program or the gate needs it.
 */
export function ledgerCheckoutStep(settings: GeneratorSettings): Step {
  return {
    name: "release ledger",
    uses: ACTIONS.checkout,
    with: { ref: settings.ledgerBranch, path: LEDGER_CHECKOUT, "persist-credentials": false },
  };
}

/** Shared first steps: checkout (no token left in git config), Node with the npm cache, a clean install. */
export function setupSteps(settings: GeneratorSettings): Step[] {
  return [
    { uses: ACTIONS.checkout, with: { "persist-credentials": false } },
    { uses: ACTIONS.setupNode, with: { "node-version": settings.nodeVersion, cache: "npm" } },
    { name: "install", run: "npm ci" },
  ];
}

/** Install the Pulumi CLI, at the version the engine tests run; the commands that follow are plain `pulumi` runs. */
export function pulumiSetupStep(): Step {
  return { name: "install pulumi", uses: ACTIONS.pulumi, with: { "pulumi-version": PULUMI_CLI_VERSION } };
}

/** How a job reaches the Pulumi backend: its login steps, the env its pulumi steps need, and its token's permissions. */
export interface PulumiAccess {
  /** Steps before the first pulumi command (the OIDC exchange), or none. */
  steps: Step[];
  /** Env of each pulumi step: the stored token, or nothing (the exchange exported one). */
  env: Record<string, string>;
  /** The job's `permissions:` (`id-token: write` only where the exchange needs it). */
  permissions: Record<string, string>;
}

/**
 * The backend credential of a CI identity (`preview`, `drift`, or a deploy stack). With Pulumi
 * Cloud OIDC the job asks for a token of the identity's team, valid for the job's timeout: Pulumi
 * Cloud grants it only when the OIDC token's subject (`repo:<owner>/<repo>:environment:<name>`)
 * matches the team's policy, so the GitHub environment the job runs in decides what it may get.
 * Without OIDC the job reads `PULUMI_ACCESS_TOKEN` from its environment's secrets.
 */
export function pulumiAccess(settings: GeneratorSettings, identity: string, timeoutMinutes: number): PulumiAccess {
  const oidc = settings.pulumiCloudOidc;
  if (oidc === undefined) {
    return { steps: [], env: { PULUMI_ACCESS_TOKEN: "${{ secrets.PULUMI_ACCESS_TOKEN }}" }, permissions: READ_ONLY };
  }
  const team = oidc.teams[identity] ?? `slipway-${identity}`;
  return {
    steps: [
      {
        name: "pulumi cloud login (OIDC)",
        uses: ACTIONS.pulumiAuth,
        with: {
          organization: oidc.organization,
          "requested-token-type": "urn:pulumi:token-type:access_token:team",
          scope: `team:${team}`,
          "token-expiration": timeoutMinutes * 60,
        },
      },
    ],
    env: {},
    permissions: { ...READ_ONLY, "id-token": "write" },
  };
}

/** A job id for a check name (ids are `[A-Za-z_][A-Za-z0-9_-]*`), unique among `taken`. */
export function uniqueJobId(check: string, taken: Record<string, unknown>): string {
  const base = check.replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^[^A-Za-z_]+/, "") || "check";
  let id = base;
  for (let n = 2; id in taken; n++) id = `${base}-${n}`;
  return id;
}

/** A word safe to paste into a shell command. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9._:/=-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The secret name of a per-stack credential in a shared environment (`PULUMI_CONFIG_PASSPHRASE_PRODUCTION`). */
export function perStackSecret(secret: string, stack: string): string {
  return `${secret}_${stack.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}`;
}

/**
 * Appends a file's text to `$GITHUB_OUTPUT` as `<name>`, under a random delimiter (a fixed one
 * could be forged by the text itself), capped at 60,000 bytes (a comment holds 65,536 characters).
 */
export function outputFileLines(name: string, file: string): string[] {
  return [
    'delimiter="slipway-$(openssl rand -hex 16)"',
    `{ echo "${name}<<\${delimiter}"; head -c 60000 "${file}"; echo; echo "\${delimiter}"; } >> "$GITHUB_OUTPUT"`,
  ];
}
