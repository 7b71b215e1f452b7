/**
 * The config contract: one schema for a stack's whole release topology.
 *
 * Parsed once, at the edge (index.ts or the offline runner), before any resource is registered.
 * Components receive the typed `StackConfig`, never raw config. Every problem is collected and
 * reported at once, each naming the stack file, the key path and what was expected.
 */
import { z } from "zod";
import {
  RELEASE_LEVELS,
  FLAG_SCOPES,
  STAGE_SCOPES,
  type StageScope,
  VERSION_PATTERN,
  FLAGS_ENV_VAR,
  FLAGS_URL_ENV_VAR,
  FLAGS_TOKEN_ENV_VAR,
  RELEASE_MANIFEST_VARIABLE,
  FLAGS_VARIABLE,
  POLICY_CONFIG_FILE,
  REFERENCE_ID_PATTERN,
} from "../contract";
import {
  GO_LIVE_ENV,
  GO_LIVE_PHASES,
  LEDGER_ANCHOR_VARIABLE,
  MIGRATION_MODES,
  migrateWorkflowPath,
  migrationsEnvironmentName,
  type GoLivePhase,
} from "../contract/release";
import { COMMIT_SHA, IMAGE_BY_DIGEST, UUID } from "../contract/artifacts";
import {
  DEFAULT_L3_CHECKS,
  DEFAULT_L3_MIN_APPROVALS,
  DEFAULT_MIN_APPROVALS,
  DEFAULT_RELEASE_TAG_PATTERNS,
  DEFAULT_REQUIRED_CHECKS,
  LEAST_L3_MIN_APPROVALS,
  LEAST_MIN_APPROVALS,
} from "../contract/repositoryRules";
import { UserError } from "./errors";
import { describeValue, issueMessage } from "./issues";
import { SecretString } from "./secret";

export { SecretString };

/** The config namespace of every Slipway key (`slipway:github`, `slipway:release`, ...). */
export const NAMESPACE = "slipway";

/** The environments the playbooks name, in promotion order (003 §2.1). */
export const ENVIRONMENT_NAMES = ["preview", "staging", "production"] as const;
export type EnvironmentName = (typeof ENVIRONMENT_NAMES)[number];

const RESERVED_VARIABLES: string[] = [RELEASE_MANIFEST_VARIABLE, FLAGS_VARIABLE, LEDGER_ANCHOR_VARIABLE];

const SECRET_REQUIRED = "is plain text, but this key only takes a secret";

/** A value that must have been `secure:` in the stack file. */
const secretValue = z.custom<SecretString>((value) => value instanceof SecretString, {
  message: SECRET_REQUIRED,
});

/** A plain (non-secret) string; a secure value here is a mistake worth naming. */
const plainString = z.custom<string>((value) => typeof value === "string", {
  error: (issue) =>
    issue.input instanceof SecretString
      ? "is a secret, but this key takes a plain value (it is not sensitive: store it without --secret)"
      : `expected a string, got ${describeValue(issue.input)}`,
});

/** A GitHub numeric id (`gh api orgs/<org>/teams/<slug> --jq .id`). */
const githubId = (what: string) =>
  z
    .number({ message: `expected the ${what}'s numeric GitHub id` })
    .int()
    .positive();

// "an app name", "a user login": the vowel sound, not the letter, picks the article.
const identifier = (what: string) =>
  plainString.pipe(
    z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, `expected ${/^[aeio]/i.test(what) ? "an" : "a"} ${what} (letters, digits, '.', '_', '-')`),
  );

/** GitHub Actions secret and variable names: letters, digits, underscores, not starting with GITHUB_. */
const actionsName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected a name of letters, digits and underscores")
  .refine((name) => !name.toUpperCase().startsWith("GITHUB_"), "names starting with GITHUB_ are reserved by GitHub");

const artifact = z
  .object({
    /** Container image pinned by digest. */
    image: plainString
      .pipe(
        z.string().regex(IMAGE_BY_DIGEST, "expected an image pinned by digest (registry/name@sha256:<64 hex>); tags like :latest can move"),
      )
      .optional(),
    /** Commit SHA a Vercel deployment is built from. */
    commitSha: plainString
      .pipe(z.string().regex(COMMIT_SHA, "expected a full 40-character commit SHA, not a branch or short SHA"))
      .optional(),
    /** Heroku slug id. */
    slugId: plainString.pipe(z.string().regex(UUID, "expected a Heroku slug id (a UUID)")).optional(),
  })
  .strict()
  .refine(
    (a) => a.image !== undefined || a.commitSha !== undefined || a.slugId !== undefined,
    "an artifact needs an image, a commitSha or a slugId",
  );

const repository = z
  .object({
    /** Repository name under the owner. */
    name: identifier("repository name"),
    /** Repository description. */
    description: plainString.optional(),
    /** Repository visibility. */
    visibility: z.enum(["private", "internal", "public"]).default("private"),
    /** The protected default branch. */
    defaultBranch: identifier("branch name").default("main"),
    /** How the default branch is protected: a ruleset (GitHub's current model), classic protection, or both. */
    protection: z.enum(["ruleset", "branchProtection", "both"]).default("ruleset"),
    /** Status checks every pull request needs. */
    requiredChecks: z
      .array(plainString)
      .min(1, "at least one required check is needed")
      .default(() => [...DEFAULT_REQUIRED_CHECKS]),
    /** Checks required in addition when the release level is L3. */
    l3Checks: z.array(plainString).default(() => [...DEFAULT_L3_CHECKS]),
    /** Required checks produced outside the generated workflows (e.g. a Vercel check). */
    externalChecks: z.array(plainString).default([]),
    /** Approving reviews a pull request needs. */
    minApprovals: z
      .number()
      .int()
      .min(LEAST_MIN_APPROVALS, `the playbooks require at least ${LEAST_MIN_APPROVALS} approving review`)
      .max(6)
      .default(DEFAULT_MIN_APPROVALS),
    /** Approving reviews a pull request needs while the release is L3. */
    l3MinApprovals: z
      .number()
      .int()
      .min(LEAST_L3_MIN_APPROVALS, `an L3 release needs at least ${LEAST_L3_MIN_APPROVALS} approving reviews`)
      .max(6)
      .default(DEFAULT_L3_MIN_APPROVALS),
    /** Tag patterns of releases, made immutable by a tag ruleset. */
    releaseTagPatterns: z
      .array(plainString)
      .min(1)
      .default(() => [...DEFAULT_RELEASE_TAG_PATTERNS]),
    /** Team slug allowed to bypass protection in an emergency (break glass); its id is policy-config.json's break-glass team. */
    breakGlassTeam: identifier("team slug").optional(),
    /** Not a setting any more: refused with where the id lives now. */
    breakGlassTeamId: z
      .custom<never>(() => false, {
        error: `moved: the break-glass team's id is named once, in ${POLICY_CONFIG_FILE} (no-bypass-actors.breakGlassTeam), which both the program and the policy pack read`,
      })
      .optional(),
    /** Shell command of each check's job in the generated PR workflow; default `npm run <check>`. */
    checkCommands: z.record(z.string(), plainString).default({}),
  })
  .strict()
  .superRefine((repo, ctx) => {
    const overlap = repo.l3Checks.filter((check) => repo.requiredChecks.includes(check));
    if (overlap.length > 0) {
      ctx.addIssue({ code: "custom", path: ["l3Checks"], message: `repeats baseline checks: ${overlap.join(", ")}` });
    }
  });

const github = z
  .object({
    /** Organisation or user that owns the repositories. */
    owner: identifier("GitHub owner"),
    /** Whether this stack owns repository-wide resources (rulesets, tag rules, labels, workflows); exactly one stack should. */
    ownsRepositoryResources: z.boolean(),
    /** The stacks a deploy workflow is generated for, in promotion order. */
    deployStacks: z.array(identifier("stack name")).min(1).default(["staging", "production"]),
    /** The repositories Slipway governs. */
    repositories: z.array(repository).min(1, "at least one repository is needed"),
    /** Repositories that deploy: they get the deployment environments and deploy workflows; default: the first repository. */
    deployRepositories: z.array(identifier("repository name")).min(1).optional(),
    /** Numeric ids of the teams this stack names (reviewers), by slug: GitHub wants ids, and a lookup would need a token at preview. */
    teams: z.record(identifier("team slug"), githubId("team")).default({}),
    /** Numeric ids of the users this stack names (reviewers), by login. */
    users: z.record(identifier("user login"), githubId("user")).default({}),
    /** The ledger branch's writable deploy key (the stack that owns repository resources registers it): the only identity that may push the ledger. */
    ledgerDeployKey: z
      .object({
        /** The public half, one line: `ssh-ed25519 AAAA… comment`. */
        publicKey: plainString.pipe(
          z
            .string()
            .regex(
              /^(ssh-ed25519|ecdsa-sha2-nistp256|ssh-rsa) [A-Za-z0-9+/=]+( \S.*)?$/,
              "expected an OpenSSH public key line (ssh-ed25519 AAAA…)",
            ),
        ),
        /** The private half (OpenSSH format), `secure:`: stored only in the ledger environment's secrets. */
        privateKey: secretValue,
      })
      .strict()
      .optional(),
    /** Pulumi Cloud OIDC: CI jobs trade their GitHub OIDC token for a short-lived Pulumi team token instead of reading a stored PULUMI_ACCESS_TOKEN. */
    pulumiCloudOidc: z
      .object({
        /** The Pulumi Cloud organization the tokens are for. */
        organization: identifier("Pulumi organization"),
        /** Pulumi team per CI identity: `preview` (pull-request previews), `drift`, or a deploy stack's name; default `slipway-<identity>`. */
        teams: z.record(identifier("CI identity"), identifier("Pulumi team")).default({}),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((gh, ctx) => {
    if (gh.ownsRepositoryResources && gh.ledgerDeployKey === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["ledgerDeployKey"],
        message:
          "is required: the stack that owns repository resources registers the key only the deploy workflows push the release ledger with. " +
          "Run `ssh-keygen -t ed25519 -N '' -C slipway-ledger -f ledger-key`, then `pulumi config set --path 'slipway:github.ledgerDeployKey.publicKey' \"$(cat ledger-key.pub)\"` " +
          "and `pulumi config set --secret --path 'slipway:github.ledgerDeployKey.privateKey' < ledger-key`, and delete both files",
      });
    }
    const names = gh.repositories.map((repo) => repo.name);
    (gh.deployRepositories ?? []).forEach((name, i) => {
      if (!names.includes(name)) {
        ctx.addIssue({
          code: "custom",
          path: ["deployRepositories", i],
          message: `names '${name}', which is not one of the repositories (${names.join(", ")})`,
        });
      }
    });
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i)
        ctx.addIssue({ code: "custom", path: ["repositories", i, "name"], message: `repeats repository '${name}'` });
    });
  });

const deployRefs = z
  .object({
    /** Branch name patterns allowed to deploy. */
    branches: z.array(plainString).default([]),
    /** Tag patterns allowed to deploy (release tags). */
    tags: z.array(plainString).default([]),
  })
  .strict();

/** Who approves an emergency rollback (a rollback is restoring service: no wait timer, 002 §SLAs). */
const rollbackApproval = z
  .object({
    /** Teams (slugs) that may approve a rollback: the release captains and the on-call SRE. */
    reviewerTeams: z.array(identifier("team slug")).max(6, "GitHub allows at most 6 reviewer teams").default([]),
    /** Users (logins) that may approve a rollback. */
    reviewerUsers: z.array(identifier("user login")).max(6, "GitHub allows at most 6 reviewer users").default([]),
    /** Whether the person who dispatched the rollback may approve it. */
    preventSelfReview: z.boolean().default(true),
  })
  .strict()
  .refine((approval) => approval.reviewerTeams.length + approval.reviewerUsers.length > 0, {
    message:
      "names no reviewer: a rollback deploys production, so name the teams that approve it (reviewerTeams: [release-captains, sre-oncall])",
  });

const environment = z
  .object({
    /** Teams (slugs) that may approve a deploy. */
    reviewerTeams: z.array(identifier("team slug")).max(6, "GitHub allows at most 6 reviewer teams").default([]),
    /** Users (logins) that may approve a deploy. */
    reviewerUsers: z.array(identifier("user login")).max(6, "GitHub allows at most 6 reviewer users").default([]),
    /** Whether the person who triggered a deploy may approve it. */
    preventSelfReview: z.boolean().default(true),
    /** Minutes a deploy waits before it runs (the soak window). */
    waitTimerMinutes: z.number().int().min(0).max(43200, "GitHub caps the wait timer at 43200 minutes").default(0),
    /** Whether repository admins may bypass the environment's protection. */
    canAdminsBypass: z.boolean().default(false),
    /** Refs allowed to deploy; absent means protected branches only. */
    deployRefs: deployRefs.optional(),
    /** Environment secrets (`secure:` values only): deploy credentials live here, not repository-wide. */
    secrets: z.record(actionsName, secretValue).default({}),
    /** Environment variables (plain values); Slipway's own variables are reserved. */
    variables: z
      .record(
        actionsName.refine(
          (name) => !RESERVED_VARIABLES.includes(name),
          "is reserved: Slipway sets it from the release, the ledger and the flags",
        ),
        plainString,
      )
      .default({}),
    /** The environment's public URL, shown on deployments and used by the smoke checks. */
    url: plainString.pipe(z.url({ message: "expected an https URL" })).optional(),
    /**
     * The emergency rollback of the stack deploying this environment (rollback.yml): it runs in
     * `<environment>-rollback`, approved by these reviewers (the release captains and on-call SRE,
     * 002), with no wait timer, from the default branch only. Absent: the environment's own reviewers.
     */
    rollback: rollbackApproval.optional(),
  })
  .strict();

const environments = z
  .object({
    /** Per-PR preview deployments. */
    preview: environment.optional(),
    /** Long-lived staging. */
    staging: environment.optional(),
    /** Production. */
    production: environment.optional(),
  })
  .strict();

const release = z
  .object({
    /** Release version: SemVer or the MVP scheme `mvp-X.Y.Z`. */
    version: plainString.pipe(z.string().regex(VERSION_PATTERN, "expected a SemVer version (1.4.0) or mvp-X.Y.Z")),
    /** Release level L0-L3 (003 §1). */
    level: z.enum(RELEASE_LEVELS, { message: `expected one of ${RELEASE_LEVELS.join(", ")}` }),
    /** Change request id (001: no deploy without one). */
    changeRequest: plainString.pipe(z.string().trim().min(1, "a change request id is required")),
    /** Hotfix releases may ship during a freeze (001). */
    hotfix: z.boolean().default(false),
    /** The production incident a hotfix answers (001, 000 §6.5): without one, a hotfix does not open a change freeze. */
    incident: plainString
      .pipe(
        z
          .string()
          .regex(
            REFERENCE_ID_PATTERN,
            "expected an incident id: a ticket key (INC-77), a GitHub issue (#123) or an https URL of the incident",
          ),
      )
      .optional(),
    /** Artifacts per app, as built once and promoted unchanged. */
    artifacts: z.record(identifier("app name"), artifact).default({}),
    /**
     * Written by `slipway rollback`: production returns to this release, leaving `from`. The
     * production deploy workflow records `rolled-back` once the deploy's smoke checks pass.
     */
    rollback: z
      .object({
        /** The version production leaves. */
        from: plainString.pipe(z.string().regex(VERSION_PATTERN, "expected the SemVer version production leaves")),
        /** Why (incident id, symptom). */
        reason: plainString.optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

// ---- Apps, databases and flags (owned by the apps/data/flags components) ----

/** Env var set by Slipway itself from `slipway:flags`: configuring it by hand would fork the flag truth. */
const RESERVED_ENV_VARS = [FLAGS_ENV_VAR, FLAGS_URL_ENV_VAR];

/** Names of env vars / config vars: letters, digits, underscores, not starting with a digit. */
const envName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "expected an env var name of letters, digits and underscores")
  .refine((name) => !RESERVED_ENV_VARS.includes(name), "is set by Slipway from slipway:flags; remove it here");

/** A map of env vars; a bad name is reported at its own key with the reason (config/issues.ts). */
const envRecord = <Value extends z.ZodType>(value: Value) => z.record(envName, value);

/** A Kubernetes object name / label value: a DNS-1123 label. */
const kubernetesName = (what: string, max = 63) =>
  plainString.pipe(
    z
      .string()
      .max(max, `a ${what} is at most ${max} characters`)
      .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `expected a ${what} of lowercase letters, digits and '-' (a DNS-1123 label)`),
  );

/** A Kubernetes resource quantity (`250m`, `1`, `512Mi`). */
const quantity = plainString.pipe(
  z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/, "expected a Kubernetes quantity such as 250m, 1, 512Mi"),
);

const envVar = z.union([plainString, secretValue]);

const vercelApp = z
  .object({
    /** App key: matches `release.artifacts.<name>`. */
    name: identifier("app name"),
    /** Vercel project name; default `<name>-<environment>`. */
    projectName: identifier("Vercel project name").optional(),
    /** Framework preset. */
    framework: plainString.optional(),
    /** Directory of the app inside the repository. */
    rootDirectory: plainString.optional(),
    /** Repository (under github.owner) the project builds from. */
    repository: identifier("repository name"),
    /** Custom domains of this environment. */
    domains: z
      .array(
        plainString.pipe(
          z
            .string()
            .regex(
              /^(?=.{1,253}$)([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]{2,63}$/,
              "expected a lowercase domain name such as www.example.com",
            ),
        ),
      )
      .default([]),
    /** Environment variables; secure values become sensitive variables. */
    env: envRecord(envVar).default({}),
    /** Keys of secret variables that may be exposed to preview deployments (explicit opt-in, 003 §5.2). */
    previewSecrets: z.array(z.string()).default([]),
    /** Also protect production URLs (preview URLs are always protected). */
    protectProduction: z.boolean().default(false),
  })
  .strict();

const herokuFormation = z
  .object({
    /** Dynos of this process type. */
    quantity: z.number().int().min(0),
    /** Dyno size (`standard-1x`, `performance-m`...). */
    size: plainString,
  })
  .strict();

/** Suffix of a Heroku app's default candidate app (`acme-api` → `acme-api-rc`). */
export const HEROKU_CANDIDATE_SUFFIX = "-rc";

const herokuApp = z
  .object({
    /** App key: matches `release.artifacts.<name>`. */
    name: identifier("app name"),
    /** Heroku app name in this environment. */
    appName: plainString.pipe(
      z
        .string()
        .regex(/^[a-z][a-z0-9-]{2,29}$/, "expected a Heroku app name: 3-30 lowercase letters, digits and '-', starting with a letter"),
    ),
    /** Heroku region. */
    region: z.enum(["us", "eu"], { message: "expected us or eu" }).default("us"),
    /** Heroku stack: a buildpack stack (`heroku-24`), since Slipway releases slugs; never `container`. */
    stack: plainString.default("heroku-24"),
    /** The candidate app the release runs on before it goes live (its smoke checks' target); default `<appName>-rc`. */
    candidateAppName: plainString
      .pipe(
        z
          .string()
          .regex(/^[a-z][a-z0-9-]{2,29}$/, "expected a Heroku app name: 3-30 lowercase letters, digits and '-', starting with a letter"),
      )
      .optional(),
    /** Dyno formation per process type; never `release` (no release phase, 004 §3). */
    formation: z.record(identifier("process type"), herokuFormation).default({ web: { quantity: 1, size: "standard-1x" } }),
    /** Plain config vars. */
    configVars: envRecord(plainString).default({}),
    /** Sensitive config vars (`secure:` values only). */
    secrets: envRecord(secretValue).default({}),
    /** Pipeline this stack creates and couples the app into, at the stage named after the environment; the first stack of the promotion order owns it. */
    pipeline: identifier("pipeline name").optional(),
    /** Id of a pipeline another stack owns, to couple the app into (`pulumi stack output herokuPipelines -s <owner>`). */
    pipelineId: plainString.pipe(z.string().regex(UUID, "expected a Heroku pipeline id (a UUID)")).optional(),
  })
  .strict()
  .superRefine((app, ctx) => {
    if (app.pipeline !== undefined && app.pipelineId !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["pipelineId"],
        message: "is set together with pipeline: a stack either owns the pipeline (pipeline) or couples into another stack's (pipelineId)",
      });
    }
    if (app.stack === "container") {
      ctx.addIssue({
        code: "custom",
        path: ["stack"],
        message:
          "is 'container', but Slipway releases the app's slug (heroku:app/release:Release, which takes only a slug id): a container-stack app runs Docker images released through the Container Registry (`heroku container:release`), which the Heroku provider cannot do, so Heroku would not run the slug; use a buildpack stack such as heroku-24",
      });
    }
    if (app.candidateAppName === undefined && `${app.appName}${HEROKU_CANDIDATE_SUFFIX}`.length > 30) {
      ctx.addIssue({
        code: "custom",
        path: ["candidateAppName"],
        message: `is required: the default '${app.appName}${HEROKU_CANDIDATE_SUFFIX}' is longer than Heroku's 30 characters`,
      });
    }
    if (app.candidateAppName === app.appName) {
      ctx.addIssue({
        code: "custom",
        path: ["candidateAppName"],
        message: "names the live app itself: the candidate must be another app, or the release would take traffic before its smoke checks",
      });
    }
    if ("release" in app.formation) {
      ctx.addIssue({
        code: "custom",
        path: ["formation", "release"],
        message:
          "is a Heroku release phase, which runs migrations implicitly on every deploy; Slipway forbids it (004 §3, §5): run migrations as explicit Jobs in slipway:apps.kubernetes.migrations",
      });
    }
    for (const key of Object.keys(app.secrets)) {
      if (key in app.configVars) {
        ctx.addIssue({ code: "custom", path: ["configVars", key], message: `is also a secret of this app; keep it in secrets only` });
      }
    }
  });

const kubernetesService = z
  .object({
    /** Service name: matches `release.artifacts.<name>.image`; also the Deployment and Service name. */
    name: kubernetesName("service name"),
    /** Container port; omit for workers that serve nothing (no Service, no HTTP probes). */
    port: z.number().int().min(1).max(65535).optional(),
    /** Readiness endpoint (HTTP GET on the port). */
    healthPath: plainString.pipe(z.string().startsWith("/", "expected a path starting with '/'")).default("/health"),
    /** Replicas; production needs at least 2 (the k8s-safe-rollout policy checks it). */
    replicas: z.number().int().min(1).default(2),
    /** Container command override (never a migration: migrations are explicit Jobs). */
    command: z.array(plainString).optional(),
    /** CPU request and limit. */
    cpu: quantity.default("250m"),
    /** Memory request and limit. */
    memory: quantity.default("256Mi"),
    /** Plain env vars. */
    env: envRecord(plainString).default({}),
  })
  .strict();

/** One migration Job of `slipway:apps.kubernetes.migrations`. */
export const migrationSchema = z
  .object({
    /** Migration name: the Job is `migrate-<name>`, labelled `slipway.dev/migration: <name>`. */
    name: kubernetesName("migration name", 55),
    /** Expand runs before the rollout, contract after it (000 §7, 002). */
    phase: z.enum(["expand", "contract"], { message: "expected expand or contract" }),
    /** Artifact (app) whose image runs the migration. */
    app: identifier("app name"),
    /** Command that applies the migration. */
    command: z.array(plainString).min(1, "a migration needs a command"),
    /** Contract only: the expand migration it completes; it may run once that expand shipped in an earlier release production ran (000 §7). */
    completes: kubernetesName("migration name", 55).optional(),
  })
  .strict()
  .superRefine((job, ctx) => {
    if (job.phase === "contract" && job.completes === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["completes"],
        message:
          "is required on a contract migration: name the expand migration it completes (000 §7: contract only after its expand shipped)",
      });
    }
    if (job.phase === "expand" && job.completes !== undefined) {
      ctx.addIssue({ code: "custom", path: ["completes"], message: "only a contract migration completes an expand" });
    }
  });

/** How this stack reaches its cluster: never the machine's current kubeconfig context. */
const cluster = z
  .object({
    /** Kubeconfig context of this stack's cluster (staging's and production's differ). */
    context: identifier("kubeconfig context"),
    /** The kubeconfig itself (`secure:`), so the deploy job needs no file; absent: the KUBECONFIG the job provides. */
    kubeconfig: secretValue.optional(),
  })
  .strict();

const kubernetes = z
  .object({
    /** The cluster this stack deploys to. */
    cluster: cluster,
    /** Namespace; default `<environment>`. */
    namespace: kubernetesName("namespace").optional(),
    /** Long-running services. */
    services: z.array(kubernetesService).default([]),
    /** Explicit migration Jobs. */
    migrations: z.array(migrationSchema).default([]),
    /** Secret env vars for every service and migration (`secure:` values only). */
    secrets: envRecord(secretValue).default({}),
  })
  .strict()
  .superRefine((k8s, ctx) => {
    const repeated = (names: string[], list: "services" | "migrations", what: string) =>
      names.forEach((name, i) => {
        if (names.indexOf(name) !== i) ctx.addIssue({ code: "custom", path: [list, i, "name"], message: `repeats ${what} '${name}'` });
      });
    repeated(
      k8s.services.map((s) => s.name),
      "services",
      "service",
    );
    repeated(
      k8s.migrations.map((m) => m.name),
      "migrations",
      "migration",
    );
    k8s.services.forEach((service, i) => {
      for (const key of Object.keys(service.env)) {
        if (key in k8s.secrets)
          ctx.addIssue({ code: "custom", path: ["services", i, "env", key], message: "is also a secret; keep it in secrets only" });
      }
    });
  });

const apps = z
  .object({
    /** Vercel projects. */
    vercel: z.array(vercelApp).default([]),
    /** Heroku apps. */
    heroku: z.array(herokuApp).default([]),
    /** Kubernetes workloads. */
    kubernetes: kubernetes.optional(),
  })
  .strict()
  .superRefine((targets, ctx) => {
    const repeated = (values: (string | undefined)[], list: "vercel" | "heroku", field: string, why: string) =>
      values.forEach((value, i) => {
        const first = values.indexOf(value);
        if (value !== undefined && first !== i) {
          ctx.addIssue({ code: "custom", path: [list, i, field], message: `repeats '${value}' of apps.${list}[${first}]${why}` });
        }
      });
    repeated(
      targets.vercel.map((app) => app.name),
      "vercel",
      "name",
      "",
    );
    repeated(
      targets.heroku.map((app) => app.name),
      "heroku",
      "name",
      "",
    );
    repeated(
      targets.heroku.map((app) => app.appName),
      "heroku",
      "appName",
      "",
    );
    repeated(
      targets.heroku.map((app) => app.pipeline),
      "heroku",
      "pipeline",
      ": a pipeline holds one app per stage",
    );
    repeated(
      targets.heroku.map((app) => app.pipelineId),
      "heroku",
      "pipelineId",
      ": a pipeline holds one app per stage",
    );
  });

/** The Postgres server this stack's databases live on, and the admin login that manages them. */
const postgres = z
  .object({
    /** Server host name (staging's and production's differ). */
    host: plainString.pipe(z.string().regex(/^[A-Za-z0-9.-]+$/, "expected a host name")),
    /** Server port. */
    port: z.number().int().min(1).max(65535).default(5432),
    /** Admin role that creates the databases, roles and grants. */
    username: identifier("role name"),
    /** Its password (`secure:` only). */
    password: secretValue,
    /** TLS mode; `require` or stricter outside a laptop. */
    sslmode: z
      .enum(["disable", "require", "verify-ca", "verify-full"], { message: "expected disable, require, verify-ca or verify-full" })
      .default("require"),
    /** Database the admin connects to. */
    database: identifier("database name").default("postgres"),
  })
  .strict();

/** A role privilege Slipway deliberately does not expose (002 §5): naming it is an error that says why. */
const forbiddenRoleKnob = (knob: string) =>
  z
    .custom<never>(() => false, {
      error: `${knob} is not a setting: Slipway's roles are never superuser, cannot create roles or databases and do not bypass row-level security (002 §5)`,
    })
    .optional();

const database = z
  .object({
    /** Database name; also the prefix of its roles (`<name>_runtime`, `<name>_migrator`, `<name>_readonly`). */
    name: plainString.pipe(
      z
        .string()
        .max(54, "a database name is at most 54 characters, so '<name>_migrator' fits Postgres's 63")
        .regex(/^[a-z_][a-z0-9_]*$/, "expected a Postgres identifier: lowercase letters, digits and '_'"),
    ),
    /** Schema the app uses, owned by the migrator role. */
    schema: plainString
      .pipe(z.string().regex(/^[a-z_][a-z0-9_]*$/, "expected a Postgres identifier: lowercase letters, digits and '_'"))
      .default("public"),
    /** Connection limit of the runtime role. */
    runtimeConnectionLimit: z.number().int().min(1).default(20),
    /** Whether to create the `<name>_readonly` group role (no login) that analysts' own roles are granted. */
    readOnly: z.boolean().default(true),
    /** Not a setting: refused with the reason. */
    superuser: forbiddenRoleKnob("superuser"),
    /** Not a setting: refused with the reason. */
    createRole: forbiddenRoleKnob("createRole"),
    /** Not a setting: refused with the reason. */
    createDatabase: forbiddenRoleKnob("createDatabase"),
    /** Not a setting: refused with the reason. */
    bypassRowLevelSecurity: forbiddenRoleKnob("bypassRowLevelSecurity"),
  })
  .strict();

const databases = z
  .array(database)
  .default([])
  .superRefine((list, ctx) => {
    const names = list.map((db) => db.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: "custom", path: [i, "name"], message: `repeats database '${name}'` });
    });
  });

const flagKey = z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a kebab-case name");

/** A canary stage (003 §4.4): the flag is on for these values of one scope's context attribute. */
const flagStage = z
  .object({
    /** Stage name (`house-accounts`, `pilot-clients`). */
    name: plainString.pipe(flagKey),
    /** The scope it targets: the evaluation-context attribute matched (client, platformAccount, lane). */
    scope: z.enum(STAGE_SCOPES as [StageScope, ...StageScope[]], { message: `expected one of ${STAGE_SCOPES.join(", ")}` }),
    /** The attribute values the stage turns the flag on for. */
    values: z.array(plainString.pipe(z.string().min(1, "expected a non-empty value"))).min(1, "a stage names at least one value"),
  })
  .strict();

const flag = z
  .object({
    /** Flag key. */
    name: plainString.pipe(z.string().regex(/^[a-z][a-z0-9-]*$/, "expected a kebab-case flag key")),
    /** Release level of the feature behind it (L3: external side effects). */
    level: z.enum(RELEASE_LEVELS, { message: `expected one of ${RELEASE_LEVELS.join(", ")}` }),
    /** Scopes the flag can be set at (003 §4.2). */
    scopes: z
      .array(z.enum(FLAG_SCOPES, { message: `expected one of ${FLAG_SCOPES.join(", ")}` }))
      .min(1)
      .default(["global"]),
    /** Whether the flag is in the kill-switch set disabled first on rollback (003 §7.2). */
    killSwitch: z.boolean().default(false),
    /** Default per environment. */
    defaults: z.object({ preview: z.boolean(), staging: z.boolean(), production: z.boolean() }).strict(),
    /** Change request that approved a side-effect flag on in production: an id the ledger links to a release staging validated. */
    productionApproval: plainString
      .pipe(
        z
          .string()
          .regex(
            REFERENCE_ID_PATTERN,
            "expected a change request id (CR-2050, #123 or an https URL) that the ledger links to a release; a free-form note is not an approval",
          ),
      )
      .optional(),
    /**
     * Per environment, the ledger line (seq) of the emergency kill (flag.yml, rollback.yml) that
     * this flag being on there deliberately overrides; `slipway flag on` writes it.
     */
    overridesKill: z
      .object({
        staging: z.number().int().positive("expected the ledger line (seq) of the kill").optional(),
        production: z.number().int().positive("expected the ledger line (seq) of the kill").optional(),
      })
      .strict()
      .default({}),
    /** What the flag guards. */
    description: plainString.optional(),
    /** Canary stages in rollout order (003 §4.4: house accounts, then 1–2 clients); each includes the ones before it. */
    stages: z.array(flagStage).default([]),
    /** The stage each environment has reached while its default is off: the flag is on for that stage and the ones before. */
    rollout: z
      .object({ preview: plainString.optional(), staging: plainString.optional(), production: plainString.optional() })
      .strict()
      .default({}),
  })
  .strict()
  .superRefine((flag, ctx) => {
    const names = flag.stages.map((stage) => stage.name);
    names.forEach((name, i) => {
      if (names.indexOf(name) !== i) ctx.addIssue({ code: "custom", path: ["stages", i, "name"], message: `repeats stage '${name}'` });
    });
    flag.stages.forEach((stage, i) => {
      if (!flag.scopes.includes(stage.scope)) {
        ctx.addIssue({
          code: "custom",
          path: ["stages", i, "scope"],
          message: `is '${stage.scope}', a scope the flag does not declare in scopes (${flag.scopes.join(", ")})`,
        });
      }
    });
    for (const environment of ["preview", "staging", "production"] as const) {
      const stage = flag.rollout[environment];
      if (stage === undefined) continue;
      if (!names.includes(stage)) {
        ctx.addIssue({
          code: "custom",
          path: ["rollout", environment],
          message: `names stage '${stage}', which is not in stages (${names.join(", ") || "none declared"})`,
        });
      } else if (flag.defaults[environment]) {
        ctx.addIssue({
          code: "custom",
          path: ["rollout", environment],
          message: `names stage '${stage}', but defaults.${environment} is true, so the flag is on for everyone there: remove the rollout or set the default off`,
        });
      }
    }
  });

/**
 * How the team runs its database migrations. A team's playbook decides it, for every app and
 * every stack alike: 002 runs the expand and contract Jobs in the release's own order, 004 runs
 * them "separately, never as part of the deploy pipeline", approved and rehearsed on staging. So
 * it is one key per stack file, set the same in each (staging rehearses what production runs),
 * and the stack that owns repository resources generates the migration workflows from its own.
 */
const migrations = z
  .object({
    /** `job`: the expand and contract Jobs of slipway:apps.kubernetes.migrations run inside the release; `workflow`: migrate-<stack>.yml runs them, approved, before the deploy. */
    mode: z.enum(MIGRATION_MODES, { message: `expected one of ${MIGRATION_MODES.join(", ")}` }).default("job"),
    /** workflow: teams (slugs) that approve a migration run (002: Feature Owners sign off on risky migrations). */
    reviewerTeams: z.array(identifier("team slug")).max(6, "GitHub allows at most 6 reviewer teams").default([]),
    /** workflow: users (logins) that approve a migration run. */
    reviewerUsers: z.array(identifier("user login")).max(6, "GitHub allows at most 6 reviewer users").default([]),
    /** workflow: whether the person who dispatched a migration may approve it. */
    preventSelfReview: z.boolean().default(true),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.mode === "workflow" && settings.reviewerTeams.length + settings.reviewerUsers.length === 0) {
      ctx.addIssue({
        code: "custom",
        path: ["reviewerTeams"],
        message:
          "names no reviewer: in workflow mode a migration runs only once approved (004 §3), so name the teams that approve it (reviewerTeams: [release-captains])",
      });
    }
    if (settings.mode === "job" && settings.reviewerTeams.length + settings.reviewerUsers.length > 0) {
      // Named at the key that is set, so the fix is where the error points.
      const key = settings.reviewerTeams.length > 0 ? "reviewerTeams" : "reviewerUsers";
      ctx.addIssue({
        code: "custom",
        path: [key],
        message:
          "approves migration runs, but mode is job: the release's own approval covers its migration Jobs; set mode: workflow or remove the reviewers",
      });
    }
  });

/** Every `slipway:*` key a stack file may set. */
export const stackConfigSchema = z
  .object({
    /** The environment this stack deploys. */
    environment: z.enum(["staging", "production"], { message: "expected staging or production" }),
    /** GitHub governance. */
    github: github,
    /** GitHub deployment environments this stack manages. */
    environments: environments,
    /** The release this stack deploys. */
    release: release,
    /** Deploy targets. */
    apps: apps.default({ vercel: [], heroku: [] }),
    /** Postgres databases. */
    databases: databases,
    /** The Postgres server of `databases`; required when there are any. */
    postgres: postgres.optional(),
    /** Feature flags. */
    flags: z.array(flag).default([]),
    /** How migrations run: inside the release (`job`) or in an approved workflow before it (`workflow`). */
    migrations: migrations.default({ mode: "job", reviewerTeams: [], reviewerUsers: [], preventSelfReview: true }),
  })
  .strict()
  .superRefine((config, ctx) => crossCheck(config, ctx));

export type StackConfig = z.infer<typeof stackConfigSchema>;

/** The repositories that deploy (get environments and deploy workflows). */
export function deployRepositories(config: StackConfig): string[] {
  return config.github.deployRepositories ?? [config.github.repositories[0].name];
}
export type RepositoryConfig = StackConfig["github"]["repositories"][number];
export type EnvironmentConfig = z.infer<typeof environment>;
export type ReleaseConfig = StackConfig["release"];
export type ArtifactConfig = z.infer<typeof artifact>;
export type VercelAppConfig = z.infer<typeof vercelApp>;
export type HerokuAppConfig = z.infer<typeof herokuApp>;
export type KubernetesConfig = z.infer<typeof kubernetes>;
export type KubernetesServiceConfig = z.infer<typeof kubernetesService>;
export type MigrationConfig = z.infer<typeof migrationSchema>;
export type DatabaseConfig = z.infer<typeof database>;
export type PostgresConfig = z.infer<typeof postgres>;
export type ClusterConfig = z.infer<typeof cluster>;
export type FlagConfig = z.infer<typeof flag>;
export type FlagStageConfig = z.infer<typeof flagStage>;
export type MigrationsConfig = z.infer<typeof migrations>;

/** Rules that span sections: each app's artifact exists and has the field its target deploys. */
function crossCheck(config: unknown, ctx: z.RefinementCtx): void {
  const stackConfig = config as StackConfig;
  const own = stackConfig.environments[stackConfig.environment];
  if (!own) {
    ctx.addIssue({
      code: "custom",
      path: ["environments", stackConfig.environment],
      message: `is missing: this stack deploys '${stackConfig.environment}', so it must configure that environment`,
    });
  }
  if (stackConfig.databases.length > 0 && stackConfig.postgres === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["postgres"],
      message:
        "is required: slipway:databases needs the server and admin login (host, username, password) of this stack, never the provider's ambient defaults",
    });
  }
  const { teams, users } = stackConfig.github;
  for (const name of ENVIRONMENT_NAMES) {
    stackConfig.environments[name]?.rollback?.reviewerTeams.forEach((slug, i) => {
      if (teams[slug] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["environments", name, "rollback", "reviewerTeams", i],
          message: `names team '${slug}', whose id is not in ${keyPath(["github", "teams"])}: run \`pulumi config set --path '${keyPath(["github", "teams", slug])}' <id>\` (the id: gh api orgs/${stackConfig.github.owner}/teams/${slug} --jq .id)`,
        });
      }
    });
    stackConfig.environments[name]?.rollback?.reviewerUsers.forEach((login, i) => {
      if (users[login] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["environments", name, "rollback", "reviewerUsers", i],
          message: `names user '${login}', whose id is not in ${keyPath(["github", "users"])}: run \`pulumi config set --path '${keyPath(["github", "users", login])}' <id>\` (the id: gh api users/${login} --jq .id)`,
        });
      }
    });
    stackConfig.environments[name]?.reviewerTeams.forEach((slug, i) => {
      if (teams[slug] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["environments", name, "reviewerTeams", i],
          message: `names team '${slug}', whose id is not in ${keyPath(["github", "teams"])}: run \`pulumi config set --path '${keyPath(["github", "teams", slug])}' <id>\` (the id: gh api orgs/${stackConfig.github.owner}/teams/${slug} --jq .id)`,
        });
      }
    });
    stackConfig.environments[name]?.reviewerUsers.forEach((login, i) => {
      if (users[login] === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["environments", name, "reviewerUsers", i],
          message: `names user '${login}', whose id is not in ${keyPath(["github", "users"])}: run \`pulumi config set --path '${keyPath(["github", "users", login])}' <id>\` (the id: gh api users/${login} --jq .id)`,
        });
      }
    });
  }
  stackConfig.migrations.reviewerTeams.forEach((slug, i) => {
    if (teams[slug] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["migrations", "reviewerTeams", i],
        message: `names team '${slug}', whose id is not in ${keyPath(["github", "teams"])}: run \`pulumi config set --path '${keyPath(["github", "teams", slug])}' <id>\` (the id: gh api orgs/${stackConfig.github.owner}/teams/${slug} --jq .id)`,
      });
    }
  });
  stackConfig.migrations.reviewerUsers.forEach((login, i) => {
    if (users[login] === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["migrations", "reviewerUsers", i],
        message: `names user '${login}', whose id is not in ${keyPath(["github", "users"])}: run \`pulumi config set --path '${keyPath(["github", "users", login])}' <id>\` (the id: gh api users/${login} --jq .id)`,
      });
    }
  });
  // workflow mode: no migration runs inside the release (004 §3, §5); migrate-<stack>.yml runs it.
  if (stackConfig.migrations.mode === "workflow") {
    stackConfig.apps.kubernetes?.migrations.forEach((job, i) => {
      ctx.addIssue({
        code: "custom",
        path: ["apps", "kubernetes", "migrations", i],
        message: `is a migration Job inside the release ('${job.name}'), but ${keyPath(["migrations", "mode"])} is workflow: the migration runs in ${migrateWorkflowPath(stackConfig.environment)} (environment ${migrationsEnvironmentName(stackConfig.environment)}) before the deploy; remove it here`,
      });
    });
  }
  const artifacts = stackConfig.release.artifacts;
  const needs = (app: string, field: keyof ArtifactConfig, where: (string | number)[], target: string) => {
    if (!artifacts[app]?.[field]) {
      ctx.addIssue({
        code: "custom",
        path: ["release", "artifacts", app, field],
        message: `is required: ${keyPath(where)} (${app}) deploys ${target} from it`,
      });
    }
  };
  stackConfig.apps.vercel.forEach((app, i) => {
    needs(app.name, "commitSha", ["apps", "vercel", i], "a Vercel deployment");
  });
  stackConfig.apps.heroku.forEach((app, i) => {
    needs(app.name, "slugId", ["apps", "heroku", i], "a Heroku release");
  });
  stackConfig.apps.kubernetes?.services.forEach((service, i) => {
    needs(service.name, "image", ["apps", "kubernetes", "services", i], "its pods");
  });
  stackConfig.apps.kubernetes?.migrations.forEach((job, i) => {
    needs(job.app, "image", ["apps", "kubernetes", "migrations", i], "a migration Job");
  });
  stackConfig.apps.vercel.forEach((app, i) => {
    for (const key of app.previewSecrets) {
      if (!(app.env[key] instanceof SecretString)) {
        ctx.addIssue({
          code: "custom",
          path: ["apps", "vercel", i, "previewSecrets"],
          message: `names '${key}', which is not a secret env var of this app`,
        });
      }
    }
  });
  // Vercel and Heroku apps read their flags over GitHub's REST API (SLIPWAY_FLAGS_URL), which
  // answers only with a token: an app without one of its own never sees a flag change, a kill included.
  if (stackConfig.flags.length > 0) {
    const needsToken = (where: (string | number)[], value: unknown) => {
      if (value instanceof SecretString) return;
      ctx.addIssue({
        code: "custom",
        path: where,
        message:
          `is required${value === undefined ? "" : " as a secret"}: the app reads its flags from ${FLAGS_URL_ENV_VAR} (GitHub's REST API) with a read-only token of its own ` +
          `(a fine-grained token with "Environments: read" on the flags' repository); run \`pulumi config set --secret --path '${keyPath(where)}' <token>\``,
      });
    };
    stackConfig.apps.vercel.forEach((app, i) => {
      needsToken(["apps", "vercel", i, "env", FLAGS_TOKEN_ENV_VAR], app.env[FLAGS_TOKEN_ENV_VAR]);
    });
    stackConfig.apps.heroku.forEach((app, i) => {
      needsToken(
        ["apps", "heroku", i, "secrets", FLAGS_TOKEN_ENV_VAR],
        app.secrets[FLAGS_TOKEN_ENV_VAR] ?? app.configVars[FLAGS_TOKEN_ENV_VAR],
      );
    });
  }
  const flagNames = new Set<string>();
  stackConfig.flags.forEach((f, i) => {
    if (flagNames.has(f.name)) ctx.addIssue({ code: "custom", path: ["flags", i, "name"], message: `repeats flag '${f.name}'` });
    flagNames.add(f.name);
  });
}

/** One problem in a stack's config. */
export interface ConfigProblem {
  /** Full key path in `pulumi config --path` form (`slipway:environments.production.reviewerTeams`). */
  key: string;
  /** What was wrong and what was expected. */
  message: string;
}

/** Every problem of a stack file, reported at once; nothing is registered when this is thrown. */
export class ConfigError extends Error {
  /** The stack file the problems are in. */
  readonly file: string;
  /** The problems, in schema order. */
  readonly problems: ConfigProblem[];

  constructor(file: string, problems: ConfigProblem[]) {
    super(
      `${file}: ${problems.length} config problem${problems.length === 1 ? "" : "s"}:\n` +
        problems.map((p) => `  - ${p.key}: ${p.message}`).join("\n"),
    );
    this.name = "ConfigError";
    this.file = file;
    this.problems = problems;
  }
}

/** The raw inputs of a parse: config values as the engine gives them, and which leaves were secure. */
export interface RawStackConfig {
  /** Stack file name, for messages (`Pulumi.production.yaml`). */
  file: string;
  /** Values keyed `slipway:<key>`: parsed JSON objects or plain scalars. */
  values: Record<string, unknown>;
  /** Paths of leaves that were `secure:` in the stack file (`slipway:environments.production.secrets.X`). */
  securePaths: ReadonlySet<string>;
}

/** Format a zod path as a `pulumi config --path` key. */
export function keyPath(path: readonly PropertyKey[]): string {
  let key = `${NAMESPACE}:${String(path[0] ?? "")}`;
  for (const part of path.slice(1)) {
    key += typeof part === "number" ? `[${part}]` : `.${String(part)}`;
  }
  return key;
}

/**
 * The go-live phase of this `pulumi up` (`SLIPWAY_GO_LIVE`, set by the deploy workflow): unset is
 * `live`; anything else but `candidate` is refused before a resource exists.
 */
export function goLivePhaseFromEnv(env: Record<string, string | undefined> = process.env): GoLivePhase {
  const value = env[GO_LIVE_ENV];
  const parsed = z
    .enum(GO_LIVE_PHASES)
    .default("live")
    .safeParse(value === "" ? undefined : value);
  if (!parsed.success) throw new UserError(`is '${value}': expected ${GO_LIVE_PHASES.join(" or ")} (unset: live)`, { key: GO_LIVE_ENV });
  return parsed.data;
}

/** Parse and validate a stack's config; throws `ConfigError` listing every problem. */
export function parseStackConfig(raw: RawStackConfig): StackConfig {
  const problems: ConfigProblem[] = [];
  const input: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(raw.values)) {
    const [namespace, ...rest] = fullKey.split(":");
    if (namespace !== NAMESPACE) continue; // provider config (github:owner, kubernetes:context...) is not ours
    const key = rest.join(":");
    if (!(key in stackConfigSchema.shape)) {
      const known = Object.keys(stackConfigSchema.shape).join(", ");
      problems.push({ key: fullKey, message: `is not a Slipway key (known keys: ${known})` });
      continue;
    }
    input[key] = wrapSecrets(value, fullKey, raw.securePaths);
  }
  const result = stackConfigSchema.safeParse(input);
  if (!result.success) problems.push(...configProblems(result.error, input));
  if (problems.length > 0) throw new ConfigError(raw.file, problems);
  return result.data as StackConfig;
}

/**
 * A zod error as config problems, each at its `pulumi config --path` key. `input` is what was
 * parsed and `base` the path of that input inside the `slipway:` namespace (empty for a whole
 * stack's config, `["release"]` for the release section alone).
 */
export function configProblems(error: z.ZodError, input: unknown, base: readonly PropertyKey[] = []): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  for (const issue of error.issues) {
    const path = [...base, ...issue.path];
    if (issue.code === "unrecognized_keys") {
      // Name each unknown key at its own path: that is where the typo is.
      for (const unknown of issue.keys) {
        problems.push({ key: keyPath([...path, unknown]), message: "is not a known key (misspelt, or in the wrong section?)" });
      }
      continue;
    }
    const key = keyPath(path.length > 0 ? path : ["(root)"]);
    let message = issueMessage(issue, input);
    if (message === SECRET_REQUIRED) {
      message += `: run \`pulumi config set --secret --path '${key}' <value>\``;
    }
    problems.push({ key, message });
  }
  return problems;
}

/** Replace the secure leaves of a value by `SecretString`s, by their config path. */
function wrapSecrets(value: unknown, path: string, securePaths: ReadonlySet<string>): unknown {
  if (securePaths.has(path)) return new SecretString(typeof value === "string" ? value : JSON.stringify(value));
  if (Array.isArray(value)) return value.map((item, i) => wrapSecrets(item, `${path}[${i}]`, securePaths));
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, wrapSecrets(v, `${path}.${k}`, securePaths)]));
  }
  return value;
}
