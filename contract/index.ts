/**
 * The contract between the Slipway program and the policy pack.
 *
 * A policy cannot read another stack (pulumi-policy#195), nor the repository's files. What the
 * policies must know beyond a resource's own provider inputs reaches them through real resource
 * inputs that the program fills: the release manifest (a GitHub environment variable) and the
 * flag definitions (flagd JSON, delivered to every target). Both sides import this module, so
 * the names and shapes cannot drift apart.
 */
import { z } from "zod";
import { artifactSchema } from "./artifacts";

/** The Pulumi project name; URNs read `urn:pulumi:<stack>::slipway::<type>::<name>`. */
export const PROJECT_NAME = "slipway";

/** GitHub environment variable that carries the release manifest to deploy jobs and policies. */
export const RELEASE_MANIFEST_VARIABLE = "SLIPWAY_RELEASE_MANIFEST";

/** GitHub environment variable that carries the flag definitions (flagd JSON). */
export const FLAGS_VARIABLE = "SLIPWAY_FLAGS";

/** Key of the flagd document in the Kubernetes flags ConfigMap. */
export const FLAGS_CONFIGMAP_KEY = "flags.flagd.json";

/** Env var that carries the flagd document to Vercel and Heroku apps. */
export const FLAGS_ENV_VAR = "SLIPWAY_FLAGS";

/**
 * Env var that points Vercel and Heroku apps at their environment's served flag document: the
 * GitHub REST URL of the environment's `SLIPWAY_FLAGS` variable (`flagsSourceUrl`). It never
 * changes when a flag does, so flipping a flag updates that variable in place and redeploys nothing.
 */
export const FLAGS_URL_ENV_VAR = "SLIPWAY_FLAGS_URL";

/**
 * The secret env var (Vercel) or config var (Heroku) holding the app's own read-only GitHub token
 * for `SLIPWAY_FLAGS_URL`: GitHub serves environment variables to authenticated callers only, so
 * without it every flag evaluation falls back to its default and the kill switch cannot reach it.
 */
export const FLAGS_TOKEN_ENV_VAR = "SLIPWAY_FLAGS_TOKEN";

/** The GitHub REST URL serving an environment's `SLIPWAY_FLAGS` variable (`{"name", "value": "<flagd JSON>"}`). */
export function flagsSourceUrl(owner: string, repository: string, environment: string): string {
  return `https://api.github.com/repos/${owner}/${repository}/environments/${encodeURIComponent(environment)}/variables/${FLAGS_VARIABLE}`;
}

/**
 * The evaluation-context attribute a canary stage of each scope matches (the flagd `targeting`
 * reads it with `{"var": ...}`): apps put the request's client, platform account and lane there.
 */
export const STAGE_SCOPE_ATTRIBUTES = { client: "client", "platform-account": "platformAccount", lane: "lane" } as const;
export type StageScope = keyof typeof STAGE_SCOPE_ATTRIBUTES;
export const STAGE_SCOPES = Object.keys(STAGE_SCOPE_ATTRIBUTES) as StageScope[];

/** The flagd schema URL written into every flag document. */
export const FLAGD_SCHEMA_URL = "https://flagd.dev/schema/v0/flags.json";

/** Release levels of the playbook (003 §1): L3 means external side effects. */
export const RELEASE_LEVELS = ["L0", "L1", "L2", "L3"] as const;
export type ReleaseLevel = (typeof RELEASE_LEVELS)[number];

/** The higher of two release levels. */
export function higherLevel(a: ReleaseLevel, b: ReleaseLevel): ReleaseLevel {
  return RELEASE_LEVELS.indexOf(a) >= RELEASE_LEVELS.indexOf(b) ? a : b;
}

/** Flag scopes every side-effect flag must support (003 §4.2). */
export const FLAG_SCOPES = ["global", "client", "platform-account", "lane"] as const;
export type FlagScope = (typeof FLAG_SCOPES)[number];

/** SemVer (`1.4.0`, `v1.4.0`) or the MVP scheme (`mvp-0.3.1`), 000 §1 and 003 §8.3. */
export const VERSION_PATTERN = /^(v|mvp-)?(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

// Artifacts (formats, equality) have their own module; re-exported for the manifest's users.
export { artifactSchema, type Artifact } from "./artifacts";

/** Facts the program read from CHANGELOG.md for the release's version (003 §8.6). */
export const changelogFactsSchema = z
  .object({
    /** A `## [version]` section exists. */
    present: z.boolean(),
    /** Risk level stated in the section, if any. */
    riskLevel: z.string().optional(),
    /** The section lists the flags involved (or says none). */
    flags: z.boolean(),
    /** The section has migration notes (or says none). */
    migrationNotes: z.boolean(),
    /** The section has rollback notes. */
    rollbackNotes: z.boolean(),
  })
  .strict();
export type ChangelogFacts = z.infer<typeof changelogFactsSchema>;

/**
 * The migrations a release runs, by phase, as the stack's config declares them (000 §7: expand,
 * migrate, contract). A contract migration names the expand it completes: it may run only once
 * that expand shipped in an earlier release production ran.
 */
export const releaseMigrationsSchema = z
  .object({
    /** Additive migrations, run before the rollout. */
    expand: z.array(z.string().min(1)),
    /** Destructive migrations, run after the rollout: the previous release cannot run after them. */
    contract: z.array(z.string().min(1)),
    /** For each contract migration, the expand migration it completes. */
    completes: z.record(z.string(), z.string()).optional(),
  })
  .strict();
export type ReleaseMigrations = z.infer<typeof releaseMigrationsSchema>;

/** No migrations. */
export const NO_MIGRATIONS: ReleaseMigrations = { expand: [], contract: [] };

/** A stack's migration Jobs, as its config declares them, grouped by phase. */
export function releaseMigrationsOf(
  jobs: readonly { name: string; phase: "expand" | "contract"; completes?: string }[],
): ReleaseMigrations {
  const completes = Object.fromEntries(
    jobs.filter((job) => job.phase === "contract" && job.completes !== undefined).map((job) => [job.name, job.completes as string]),
  );
  return {
    expand: jobs.filter((job) => job.phase === "expand").map((job) => job.name),
    contract: jobs.filter((job) => job.phase === "contract").map((job) => job.name),
    ...(Object.keys(completes).length > 0 ? { completes } : {}),
  };
}

/** `expand add-x`, `contract drop-y`: the migrations of `mine` that `theirs` does not run in the same phase. */
export function migrationsMissingFrom(mine: ReleaseMigrations, theirs: ReleaseMigrations): string[] {
  return [
    ...mine.expand.filter((name) => !theirs.expand.includes(name)).map((name) => `expand ${name}`),
    ...mine.contract.filter((name) => !theirs.contract.includes(name)).map((name) => `contract ${name}`),
  ];
}

/**
 * The contract migrations that may not run yet, with why: each must complete an expand that
 * shipped in an earlier release production ran (`expandsInProduction`).
 */
export function prematureContracts(
  migrations: ReleaseMigrations,
  expandsInProduction: readonly string[],
): { contract: string; reason: string }[] {
  return migrations.contract.flatMap((contract) => {
    const expand = migrations.completes?.[contract];
    if (expand === undefined) return [{ contract, reason: "names no expand migration it completes" }];
    if (!expandsInProduction.includes(expand))
      return [{ contract, reason: `completes expand ${expand}, which no earlier release production ran has shipped` }];
    return [];
  });
}

/** What staging validated for this version, read by the program from the ledger. */
export const validationSchema = z
  .object({
    /** The stack that validated it (normally `staging`). */
    stack: z.string(),
    /** Version staging validated. */
    version: z.string(),
    /** SHA-256 of the ledger line that recorded the validation. */
    ledgerHash: z.string(),
    /** Artifacts per app as staging validated them. */
    artifacts: z.record(z.string(), artifactSchema),
    /** When the validating run staged the release (ISO 8601): the soak started then. Absent from manifests written before soaks were recorded. */
    stagedAt: z.string().optional(),
    /** When staging validated it (ISO 8601), after its soak. */
    validatedAt: z.string().optional(),
    /** The staging run that staged, soaked and validated it. */
    runUrl: z.string().optional(),
    /** The migrations staging ran for it (its ledger record); absent from records that predate them. */
    migrations: releaseMigrationsSchema.optional(),
  })
  .strict();
export type Validation = z.infer<typeof validationSchema>;

/**
 * The ledger the program read does not extend the anchor the stack last deployed from
 * (`SLIPWAY_LEDGER_ANCHOR`): its history was rewritten or cut. Only a failure is carried, so a
 * ledger that grows honestly does not change the manifest beyond what it says of the release.
 */
export const ledgerAnchorCheckSchema = z
  .object({
    /** The anchor checked against, `<seq>:<sha256>`. */
    anchor: z.string(),
    /** How the ledger does not extend it. */
    problem: z.string(),
  })
  .strict();
export type LedgerAnchorCheck = z.infer<typeof ledgerAnchorCheckSchema>;

/**
 * The form of a change request or incident id: a ticket key (`CR-2041`, `INC-77`, `CHG0001234`), a
 * GitHub issue or pull request (`#123`) or an https URL. A free-form note is not one: an approval
 * or an incident must be a reference someone can look up.
 */
export const REFERENCE_ID_SOURCE = "^([A-Z][A-Z0-9]*-?\\d+|#\\d+|https://\\S+)$";
export const REFERENCE_ID_PATTERN = new RegExp(REFERENCE_ID_SOURCE);

/**
 * What the release ledger links to the release, read by the program (a policy cannot read the
 * ledger): the change requests that count as approvals, and a rollback the ledger recorded.
 */
export const ledgerFactsSchema = z
  .object({
    /** Change requests the ledger records for this version (every event of it), in ledger order. */
    changeRequests: z.array(z.string()),
    /** Change requests of every release staging validated: what a production flag approval may cite. */
    validatedChangeRequests: z.array(z.string()),
    /** Expand migrations that shipped in releases production ran before this one: what a contract migration may complete. */
    expandsInProduction: z.array(z.string()).optional(),
    /**
     * Flags an emergency turned off on this stack (the kill switch, flag.yml, or the emergency
     * rollback, rollback.yml) and that no later flag event turned back: each with the ledger line
     * (seq) that killed it. A deploy serving one on again must say it overrides that line
     * (metadata.overridesKill), or it would quietly undo the kill (003 §7.2). Absent: none known.
     */
    killedFlags: z
      .array(
        z
          .object({
            /** The flag's key. */
            name: z.string(),
            /** The ledger line (seq) of the flag event that turned it off. */
            seq: z.number().int().positive(),
            /** The workflow that recorded it. */
            workflow: z.string(),
          })
          .strict(),
      )
      .optional(),
    /** Production's latest ledger event, when it is a rollback to exactly this release (version and artifacts). */
    rollback: z
      .object({
        /** The version production left. */
        from: z.string(),
        /** The deploy marker `ROLLBACK <from> → <to>`. */
        marker: z.string(),
        /** The ledger note (the reason, the incident). */
        note: z.string().optional(),
      })
      .strict()
      .nullable(),
  })
  .strict();
export type LedgerFacts = z.infer<typeof ledgerFactsSchema>;

/** The release manifest: what a stack deploys, carried on `SLIPWAY_RELEASE_MANIFEST`. */
export const releaseManifestSchema = z
  .object({
    /** Stack the manifest belongs to. */
    stack: z.string(),
    /** Environment the stack deploys (`staging`, `production`). */
    environment: z.string(),
    /** Release version. */
    version: z.string(),
    /** Release level L0-L3. */
    level: z.enum(RELEASE_LEVELS),
    /** Change request id (001: no deploy without one). */
    changeRequest: z.string(),
    /** Hotfix releases may ship inside a freeze (001). */
    hotfix: z.boolean(),
    /** The production incident a hotfix answers (001, 000 §6.5): an id, absent when none is named. */
    incident: z.string().optional(),
    /** Artifacts per app. */
    artifacts: z.record(z.string(), artifactSchema),
    /** The migrations this stack runs for the release (its config's migration Jobs). */
    migrations: releaseMigrationsSchema.optional(),
    /** Staging's validation of this version; null when the ledger has none. */
    validation: validationSchema.nullable(),
    /** Changelog facts for this version; null when no CHANGELOG.md was found. */
    changelog: changelogFactsSchema.nullable(),
    /**
     * The highest release level among the project's stack files: the repository rules follow it,
     * because the release being prepared on main (staging's) may be riskier than production's.
     */
    governingLevel: z.enum(RELEASE_LEVELS).optional(),
    /** What the ledger links to this release; absent from manifests written before it existed (nothing is then linked). */
    ledger: ledgerFactsSchema.optional(),
    /** Set only when the ledger does not extend the stack's anchor; absent when it does or no anchor was given. */
    ledgerAnchor: ledgerAnchorCheckSchema.optional(),
    /**
     * Set only in a deploy's candidate update (SLIPWAY_GO_LIVE=candidate): the release keeps serving
     * from what the stack runs now while the candidate is checked, so the artifacts production's
     * ledger says it runs (its latest run; null before its first) may stay on the live targets.
     */
    candidate: z
      .object({
        /** Artifacts per app of the release production runs now, from the verified ledger; null when it ran none. */
        live: z.record(z.string(), artifactSchema).nullable(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ReleaseManifest = z.infer<typeof releaseManifestSchema>;

/** Metadata Slipway writes on each flagd flag, so policies can judge flags by level and scope. */
export interface FlagMetadata {
  /** Release level of the feature behind the flag. */
  level: ReleaseLevel;
  /** Comma-separated scopes the flag supports (flagd metadata values are scalars). */
  scopes: string;
  /** Whether the flag is in the kill-switch set (003 §7.2). */
  killSwitch: boolean;
  /** Change request that approved an L3 flag on in production (an id the ledger links to a release), or empty. */
  productionApproval: string;
  /** The ledger line (seq) of an emergency kill of this flag that serving it on here deliberately overrides; absent when none. */
  overridesKill?: string;
}

/** A flagd flag as Slipway emits it: boolean variants `on`/`off`. */
export interface FlagdFlag {
  state: "ENABLED" | "DISABLED";
  variants: { on: true; off: false };
  defaultVariant: "on" | "off";
  /** JSONLogic naming the variant per evaluation context: the canary stages reached (absent: everyone gets `defaultVariant`). */
  targeting?: Record<string, unknown>;
  metadata: FlagMetadata;
}

/** A flagd flag document. */
export interface FlagdDocument {
  $schema: string;
  flags: Record<string, FlagdFlag>;
}

/**
 * What a secret's value becomes when the gate reads a `pulumi stack export`: the export holds
 * ciphertext, so the value cannot be known. Policies that parse a value skip this marker.
 */
export const OPAQUE_SECRET_VALUE = "[secret]";

/** Parse the stack name out of a URN (`urn:pulumi:<stack>::<project>::...`). */
export function stackOfUrn(urn: string): string | undefined {
  const match = /^urn:pulumi:([^:]+)::/.exec(urn);
  return match ? match[1] : undefined;
}

/** The team's policy statement, read by the program, the gate and `pulumi preview --policy-pack-config`. */
export const POLICY_CONFIG_FILE = "policy-config.json";

/** The policy pack directory, as `pulumi preview --policy-pack` names it. */
export const POLICY_PACK_DIR = "policy-pack";

/** The policies whose `breakGlassTeam` setting names the one team that may bypass protection. */
export const BREAK_GLASS_POLICIES = ["no-bypass-actors", "release-tags-protected"] as const;

/**
 * The break-glass team's numeric id as a policy config states it, or the problems that keep it
 * from stating one: each policy that names a team must name the same one.
 */
export function breakGlassTeamOf(policyConfig: unknown): { id?: number; problems: { key: string; message: string }[] } {
  const named: { policy: string; id: number }[] = [];
  const problems: { key: string; message: string }[] = [];
  const config = policyConfig !== null && typeof policyConfig === "object" ? (policyConfig as Record<string, unknown>) : {};
  for (const policy of BREAK_GLASS_POLICIES) {
    const settings = config[policy];
    const value = settings !== null && typeof settings === "object" ? (settings as Record<string, unknown>).breakGlassTeam : undefined;
    if (value === undefined || value === "") continue;
    const id = typeof value === "number" ? value : typeof value === "string" && /^[1-9]\d*$/.test(value) ? Number(value) : undefined;
    if (id === undefined) {
      problems.push({ key: `${policy}.breakGlassTeam`, message: `expected the team's numeric GitHub id, got ${JSON.stringify(value)}` });
    } else {
      named.push({ policy, id });
    }
  }
  const ids = [...new Set(named.map((entry) => entry.id))];
  if (ids.length > 1) {
    problems.push({
      key: named.map((entry) => `${entry.policy}.breakGlassTeam`).join(", "),
      message: `name different teams (${named.map((entry) => `${entry.policy}: ${entry.id}`).join(", ")}); one team breaks glass`,
    });
  }
  return { id: ids.length === 1 ? ids[0] : undefined, problems };
}
