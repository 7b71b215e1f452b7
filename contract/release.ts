/**
 * Release evidence rules shared by the ledger commands, the program and the pack: how long staging
 * soaks a release before it may be validated, which workflow may write a ledger event, and the
 * anchor a stack records of the ledger it deployed from.
 */
import { z } from "zod";
import { RELEASE_LEVELS, type ReleaseLevel } from "./index";

/**
 * Minutes staging soaks a release between `staged` and `validated`, by level: 000 §3 asks 10–30
 * minutes of staging soak (10 for L0/L1, 30 for core logic), 003 §4.4/§6.2 30–120 minutes of
 * observation for side effects (L3 takes the top of that range). A team sets its own figures in
 * the policy statement: `promote-validated-artifact.stagingSoakMinutes`.
 */
export const DEFAULT_STAGING_SOAK_MINUTES: Readonly<Record<ReleaseLevel, number>> = { L0: 10, L1: 10, L2: 30, L3: 120 };

/** The policy whose config names the team's soak figures (the ledger commands and the program read them there too). */
export const SOAK_POLICY = "promote-validated-artifact";

/** The team's soak minutes per level: every level present, whole minutes, none negative. */
export const stagingSoakSchema = z
  .object(
    Object.fromEntries(
      RELEASE_LEVELS.map((level) => [
        level,
        z
          .number()
          .int()
          .min(0)
          .max(24 * 60)
          .optional(),
      ]),
    ) as Record<ReleaseLevel, z.ZodOptional<z.ZodNumber>>,
  )
  .strict();

/**
 * The staging soak per level from a parsed policy statement (`policy-config.json`): the defaults,
 * overridden level by level. Problems name the key, for the caller's error.
 */
export function stagingSoakOf(policyConfig: unknown): {
  minutes: Record<ReleaseLevel, number>;
  problems: { key: string; message: string }[];
} {
  const minutes = { ...DEFAULT_STAGING_SOAK_MINUTES };
  const section =
    policyConfig !== null && typeof policyConfig === "object" ? (policyConfig as Record<string, unknown>)[SOAK_POLICY] : undefined;
  const given = section !== null && typeof section === "object" ? (section as Record<string, unknown>).stagingSoakMinutes : undefined;
  if (given === undefined) return { minutes, problems: [] };
  const parsed = stagingSoakSchema.safeParse(given);
  if (!parsed.success) {
    return {
      minutes,
      problems: parsed.error.issues.map((issue) => ({
        key: [SOAK_POLICY, "stagingSoakMinutes", ...issue.path.map(String)].join("."),
        message:
          issue.code === "unrecognized_keys"
            ? `has unknown keys: levels are ${RELEASE_LEVELS.join(", ")}`
            : `expected whole minutes from 0 to 1440 (${issue.message})`,
      })),
    };
  }
  for (const level of RELEASE_LEVELS) {
    const value = parsed.data[level];
    if (value !== undefined) minutes[level] = value;
  }
  return { minutes, problems: [] };
}

/** The workflow file that deploys a stack and writes its ledger events. */
export function deployWorkflowPath(stack: string): string {
  return `.github/workflows/deploy-${stack}.yml`;
}

/**
 * The emergency rollback workflow (`workflow_dispatch`, its own approval environment per stack):
 * besides a stack's deploy workflow, the only workflow whose runs may record a `rolled-back`
 * event, and only from a branch (its environment admits the default branch alone).
 */
export const ROLLBACK_WORKFLOW_PATH = ".github/workflows/rollback.yml";

/**
 * The generated kill switch (flag.yml): turns one flag off on a stack, updating only the flag
 * sources. The ledger accepts `flag` events from it, only from a branch (its environment, the
 * stack's rollback environment, admits the default branch alone).
 */
export const FLAG_WORKFLOW_PATH = ".github/workflows/flag.yml";

/** The GitHub environment a stack's emergency rollback runs in: its own reviewers, no wait timer, the default branch only. */
export function rollbackEnvironmentName(stack: string): string {
  return `${stack}-rollback`;
}

/** How a team runs its migrations (`slipway:migrations.mode`): `job` inside the release, `workflow` in an approved workflow of their own before it. */
export const MIGRATION_MODES = ["job", "workflow"] as const;
export type MigrationMode = (typeof MIGRATION_MODES)[number];

/**
 * The migration workflow of a stack (`workflow` mode, 004 §3: migrations run separately, never
 * in the deploy pipeline): the only workflow whose runs may record a stack's `migrated` events.
 */
export function migrateWorkflowPath(stack: string): string {
  return `.github/workflows/migrate-${stack}.yml`;
}

/** The GitHub environment a stack's migration workflow runs in: the migration's approvers, its database credentials. */
export function migrationsEnvironmentName(stack: string): string {
  return `${stack}-migrations`;
}

/**
 * `GITHUB_WORKFLOW_REF` of a run: `<owner>/<repo>/<workflow path>@<ref>`. The ledger accepts an
 * event only from the deploy workflow of its stack, so the path is what it checks.
 */
export const WORKFLOW_REF = /^([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)\/(\.github\/workflows\/[^@\s]+)@(refs\/(?:heads|tags)\/\S+)$/;

/**
 * The environment variable holding a stack's ledger anchor: the ledger head (`<seq>:<sha256 of
 * that line>`) the stack last deployed from. Each stack manages it in its own deployment
 * environment; a pull request cannot change it, so the deploy job and the program verify the
 * ledger against it before anything reads the ledger.
 */
export const LEDGER_ANCHOR_VARIABLE = "SLIPWAY_LEDGER_ANCHOR";

/** What the deploy workflow passes when the environment has no anchor yet (the stack's first deploy). */
export const NO_ANCHOR = "none";

/** An anchor: the ledger had `seq` lines and its last line hashed to `hash`. */
export interface LedgerAnchor {
  /** Number of lines the ledger had (0: empty). */
  seq: number;
  /** SHA-256 of line `seq`'s exact bytes (64 zeros for an empty ledger). */
  hash: string;
}

const ANCHOR = /^(0|[1-9]\d*):([0-9a-f]{64})$/;

/** Parse `<seq>:<hash>`; undefined when it is not one. */
export function parseAnchor(text: string): LedgerAnchor | undefined {
  const match = ANCHOR.exec(text.trim());
  return match ? { seq: Number(match[1]), hash: match[2] } : undefined;
}

/** `<seq>:<hash>`. */
export function formatAnchor(anchor: LedgerAnchor): string {
  return `${anchor.seq}:${anchor.hash}`;
}

/** The branch that holds the release ledger in each deploy repository (see the README, "The release ledger"). */
export const LEDGER_BRANCH = "slipway-ledger";

/**
 * The GitHub environment of the jobs that write the ledger. It holds the ledger branch's deploy
 * key (the only actor the branch's ruleset lets update it) and deploys only from the default
 * branch and release tags, so a workflow pushed to any other branch cannot use the key.
 */
export const LEDGER_ENVIRONMENT = "slipway-ledger";

/** The secret of `LEDGER_ENVIRONMENT` holding the private half of the ledger branch's deploy key. */
export const LEDGER_DEPLOY_KEY_SECRET = "SLIPWAY_LEDGER_DEPLOY_KEY";

/**
 * The env var that picks what a `pulumi up` of a deploy does with production traffic (003 §5.1:
 * a build is not released until its checks pass). The deploy workflow runs two updates:
 *
 * - `candidate`: builds the release where customers do not reach it (a Vercel deployment no
 *   domain points at, a Heroku candidate app), and leaves every resource that routes traffic
 *   (Vercel domain aliases, the live Heroku app's release and config) as the last update left it;
 * - `live`, after the candidate's smoke checks passed: moves traffic onto the candidate.
 *
 * Unset means `live`: a preview, the gate and the drift check judge the stack as it will end up.
 */
export const GO_LIVE_ENV = "SLIPWAY_GO_LIVE";

/** The phases of a deploy, in the order the deploy workflow runs them. */
export const GO_LIVE_PHASES = ["candidate", "live"] as const;
export type GoLivePhase = (typeof GO_LIVE_PHASES)[number];

/**
 * How long a Kubernetes rollout may take before the update fails (002 §3: `kubectl rollout status
 * --timeout=5m`): the Deployment's progressDeadlineSeconds and Pulumi's await
 * (`pulumi.com/timeoutSeconds`; the provider's default is 10 minutes).
 */
export const ROLLOUT_TIMEOUT_SECONDS = 300;

/** The annotation the Kubernetes provider reads as a resource's await timeout. */
export const PULUMI_TIMEOUT_ANNOTATION = "pulumi.com/timeoutSeconds";

/** The ledger's file, relative to the project (and to the ledger branch's checkout). */
export const LEDGER_FILE = "releases/ledger.jsonl";
