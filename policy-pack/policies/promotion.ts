/**
 * Promotion (000 §3–4, 002 §3, 004 §3): production runs exactly the immutable artifact staging
 * validated. A policy cannot read the staging stack; what staging validated reaches production
 * through the release manifest's `validation` field, which the program fills from the ledger.
 */
import {
  migrationsMissingFrom,
  NO_MIGRATIONS,
  RELEASE_LEVELS,
  type Artifact,
  type ReleaseLevel,
  type ReleaseManifest,
  type ReleaseMigrations,
  type Validation,
} from "../../contract";
import { ARTIFACT_FIELDS, isImmutableReference, sameArtifact } from "../../contract/artifacts";
import { DEFAULT_STAGING_SOAK_MINUTES } from "../../contract/release";
import { isManifestVariable, manifestsOf, parseManifest } from "./shared/manifest";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import {
  describe,
  isProductionStack,
  list,
  podSpecsOf,
  quoteList,
  record,
  stackOfResources,
  text,
  TYPES,
  WORKLOAD_TYPES,
  type Props,
} from "./shared/resources";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";

/** One artifact reference found on a resource. */
interface RunningArtifact {
  /** Where on the resource (`container 'api' image`). */
  where: string;
  /** Which kind of reference. */
  kind: keyof Artifact;
  /** The reference. */
  value: string | undefined;
}

/** The artifacts a resource runs: container images, a Vercel commit, a Heroku slug. */
function runningArtifactsOf(type: string, props: Props, workloadTypes: readonly string[]): RunningArtifact[] {
  if (workloadTypes.includes(type)) {
    return podSpecsOf(type, props).flatMap((podSpec) =>
      [...list(podSpec.initContainers), ...list(podSpec.containers)].map((container) => ({
        where: `container '${text(record(container).name) ?? "?"}' image`,
        kind: "image" as const,
        value: text(record(container).image),
      })),
    );
  }
  if (type === TYPES.vercelDeployment) return [{ where: "ref", kind: "commitSha", value: text(props.ref) }];
  if (type === TYPES.herokuRelease) return [{ where: "slugId", kind: "slugId", value: text(props.slugId) }];
  return [];
}

/** What an artifact reference should look like, when it does not. */
function immutabilityProblem(kind: keyof Artifact, value: string | undefined): string | undefined {
  if (kind === "image") {
    if (value !== undefined && isImmutableReference(kind, value)) return undefined;
    return `is not pinned by digest (expected <repository>@sha256:<64 hex>${value !== undefined && /:latest$|^[^:@]+$/.test(value) ? "; 'latest' moves" : ""})`;
  }
  if (kind === "commitSha")
    return value !== undefined && isImmutableReference(kind, value)
      ? undefined
      : "is not a full commit SHA (40 hex): a branch name or short SHA deploys whatever it points at";
  return value !== undefined && isImmutableReference(kind, value) ? undefined : "is not a slug id (UUID)";
}

/** How a message shows an artifact. */
function showArtifact(artifact: Artifact): string {
  return [artifact.image, artifact.commitSha, artifact.slugId].filter((reference) => reference !== undefined).join(" + ") || "(empty)";
}

const promoteSchema = configSchema(productionStacksSetting, {
  stagingSoakMinutes: {
    type: "object",
    properties: Object.fromEntries(RELEASE_LEVELS.map((level) => [level, { type: "integer", minimum: 0, maximum: 1440 }])),
    additionalProperties: false,
    default: {},
    description:
      `Minutes staging soaks a release between staged and validated, by level (L0-L3); a level not named keeps the playbooks' figure ` +
      `(${RELEASE_LEVELS.map((level) => `${level} ${DEFAULT_STAGING_SOAK_MINUTES[level]}`).join(", ")}: 000 §3, 003 §4.4). ` +
      "`slipway ledger record` enforces the same figures, read from the same key.",
  },
});

/** `expand a, b; contract c` or `none`. */
function describeMigrations(migrations: ReleaseMigrations): string {
  const parts = [
    migrations.expand.length > 0 ? `expand ${migrations.expand.join(", ")}` : "",
    migrations.contract.length > 0 ? `contract ${migrations.contract.join(", ")}` : "",
  ].filter(Boolean);
  return parts.length > 0 ? parts.join("; ") : "none";
}

/** Why staging's validation came before the soak the release's level asks, or undefined. */
function soakProblem(manifest: ReleaseManifest, validation: Validation, minutes: Record<ReleaseLevel, number>): string | undefined {
  const required = minutes[manifest.level];
  if (validation.stagedAt === undefined || validation.validatedAt === undefined) {
    return `Release ${manifest.version} carries no soak record (manifest validation.stagedAt/validatedAt): nothing shows staging soaked it the ${required} minutes an ${manifest.level} release needs.`;
  }
  const soaked = (Date.parse(validation.validatedAt) - Date.parse(validation.stagedAt)) / 60_000;
  if (!(soaked >= required)) {
    return `Release ${manifest.version} was validated ${Number.isFinite(soaked) ? Math.max(0, Math.floor(soaked)) : "?"} minutes after staging staged it (${validation.stagedAt} to ${validation.validatedAt}); an ${manifest.level} release soaks at least ${required} minutes.`;
  }
  return undefined;
}

/** Workloads that run a release (Jobs and CronJobs run migrations and tasks, not the release). */
const RUNNING_WORKLOADS: readonly string[] = [TYPES.k8sDeployment, TYPES.k8sStatefulSet, TYPES.k8sDaemonSet];

export const promoteValidatedArtifact: SlipwayStackPolicy = {
  name: "promote-validated-artifact",
  description:
    "Production runs only artifacts staging validated: the release manifest carries staging's validation of this version, made after the level's staging soak, " +
    "read from a ledger that extends the one the stack last deployed from; its artifacts equal what staging validated, every image, Vercel commit and Heroku slug deployed is one of them, " +
    "and production runs no migration staging did not run for the release.",
  remediationSteps:
    "Deploy to staging first and let its workflow stage, soak and validate the version (the ledger records each step), then run `slipway promote` so production's manifest carries that validation; " +
    "never edit production's artifacts by hand: point every Deployment image, Vercel ref and Heroku slugId at the manifest's artifacts; " +
    "declare in production only migration Jobs staging ran for the release (add a new one to staging first and let it validate). " +
    "If the ledger does not extend the stack's anchor, its history was rewritten: restore the ledger branch from the last good commit (`slipway ledger verify --anchor <SLIPWAY_LEDGER_ANCHOR>`) before deploying.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["promotion", "000 §4", "004 §3"],
  configSchema: promoteSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { stagingSoakMinutes: Partial<Record<ReleaseLevel, number>> }>(promoteSchema, args);
    const { productionStacks } = config;
    const soakMinutes = { ...DEFAULT_STAGING_SOAK_MINUTES, ...config.stagingSoakMinutes };
    const stack = stackOfResources(args.resources);
    if (!isProductionStack(stack, productionStacks)) return args.notApplicable("only production stacks promote artifacts");
    const readings = manifestsOf(args.resources);
    if (readings.length === 0) {
      reportViolation(
        `Production stack '${stack}' has no SLIPWAY_RELEASE_MANIFEST variable, so nothing shows that staging validated what it deploys.`,
      );
      return;
    }
    const allowed: Artifact[] = [];
    for (const reading of readings) {
      const urn = reading.resource.urn;
      if (reading.manifest === undefined) {
        reportViolation(`${describe(reading.resource)} cannot be read: ${reading.error}.`, urn);
        continue;
      }
      const manifest = reading.manifest;
      allowed.push(...Object.values(manifest.artifacts));
      // A candidate update: the live targets keep what production's ledger says it runs now, until
      // the candidate passes its checks and the live update moves them to this release.
      allowed.push(...Object.values(manifest.candidate?.live ?? {}));
      // A ledger that does not extend the one this stack last deployed from was rewritten:
      // whatever it says staging validated is not evidence.
      if (manifest.ledgerAnchor?.problem !== undefined) {
        reportViolation(
          `Release ${manifest.version}: the release ledger does not extend the one stack '${stack}' last deployed from (anchor ${manifest.ledgerAnchor.anchor.slice(0, 16)}…): ${manifest.ledgerAnchor.problem}.`,
          urn,
        );
      }
      const validation = manifest.validation;
      if (validation === null) {
        reportViolation(
          `Release ${manifest.version} was not validated by staging (manifest validation is null: the ledger has no validation of this version).`,
          urn,
        );
        continue;
      }
      if (validation.version !== manifest.version) {
        reportViolation(
          `Release ${manifest.version} carries staging's validation of ${validation.version} (stack '${validation.stack}'), not of this version.`,
          urn,
        );
        continue;
      }
      const soak = soakProblem(manifest, validation, soakMinutes);
      if (soak !== undefined) reportViolation(soak, urn);
      // Production runs only the migrations staging ran for this release (000 §7).
      if (manifest.migrations !== undefined) {
        const unvalidated = migrationsMissingFrom(manifest.migrations, validation.migrations ?? NO_MIGRATIONS);
        if (unvalidated.length > 0) {
          reportViolation(
            `Release ${manifest.version} runs migration${unvalidated.length > 1 ? "s" : ""} ${unvalidated.join(", ")} in production, which staging did not run for it (staging ran: ${describeMigrations(validation.migrations ?? NO_MIGRATIONS)}).`,
            urn,
          );
        }
      }
      for (const [app, artifact] of Object.entries(manifest.artifacts)) {
        const validated = validation.artifacts[app];
        if (validated === undefined) {
          reportViolation(
            `Release ${manifest.version} app '${app}' runs ${showArtifact(artifact)}, which staging did not validate (validated apps: ${quoteList(Object.keys(validation.artifacts))}).`,
            urn,
          );
        } else if (!sameArtifact(artifact, validated)) {
          reportViolation(
            `Release ${manifest.version} app '${app}' runs ${showArtifact(artifact)} but staging validated ${showArtifact(validated)}.`,
            urn,
          );
        }
      }
    }
    if (allowed.length === 0) return;
    const versions = readings
      .map((reading) => reading.manifest?.version)
      .filter((version) => version !== undefined)
      .join(", ");
    for (const resource of args.resources) {
      for (const running of runningArtifactsOf(resource.type, resource.props, RUNNING_WORKLOADS)) {
        if (allowed.some((artifact) => running.value !== undefined && artifact[running.kind] === running.value)) continue;
        reportViolation(
          `${describe(resource)} ${running.where} '${running.value ?? "(none)"}' is not an artifact of release ${versions} (manifest ${running.kind}s: ${quoteList(allowed.map((artifact) => artifact[running.kind]).filter((reference): reference is string => reference !== undefined))}).`,
          resource.urn,
        );
      }
    }
  },
};

export const immutableArtifacts: SlipwayResourcePolicy = {
  name: "immutable-artifacts",
  description:
    "Artifacts are immutable references: container images by digest, Vercel deployments by full commit SHA, Heroku releases by slug id; never `latest` or a branch name.",
  remediationSteps:
    "Use `registry/name@sha256:<digest>` for every container image (resolve the tag to its digest at build time), a 40-hex commit SHA for a Vercel Deployment ref, " +
    "and the slug UUID for a Heroku Release; the release manifest's artifacts follow the same rules.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["promotion", "000 §3", "002 §3"],
  validateResource: (args, reportViolation) => {
    if (isManifestVariable(args)) {
      const parsed = parseManifest(text(args.props.value));
      if ("error" in parsed) {
        reportViolation(`${describe(args)} cannot be read, so its artifacts cannot be judged: ${parsed.error}.`);
        return;
      }
      const { manifest } = parsed;
      const sets: [string, Record<string, Artifact>][] = [["artifacts", manifest.artifacts]];
      if (manifest.validation) sets.push(["validation.artifacts", manifest.validation.artifacts]);
      for (const [field, artifacts] of sets) {
        for (const [app, artifact] of Object.entries(artifacts)) {
          for (const kind of ARTIFACT_FIELDS) {
            if (artifact[kind] === undefined) continue;
            const problem = immutabilityProblem(kind, artifact[kind]);
            if (problem) reportViolation(`${describe(args)} ${field}.${app}.${kind} '${artifact[kind]}' ${problem}.`);
          }
        }
      }
      return;
    }
    const running = runningArtifactsOf(args.type, args.props, WORKLOAD_TYPES);
    if (running.length === 0 && !WORKLOAD_TYPES.includes(args.type)) {
      return args.notApplicable("the resource deploys no artifact");
    }
    for (const artifact of running) {
      const problem = immutabilityProblem(artifact.kind, artifact.value);
      if (problem) reportViolation(`${describe(args)} ${artifact.where} '${artifact.value ?? "(none)"}' ${problem}.`);
    }
  },
};

/** The promotion area, in catalogue order. */
export const promotionPolicies = [promoteValidatedArtifact, immutableArtifacts];
