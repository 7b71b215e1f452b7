/**
 * App targets (002 §3, 003 §5.2): Vercel previews are protected and get no secrets, Kubernetes
 * rollouts keep serving while they roll.
 */
import type { PolicyResource } from "@pulumi/policy";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import {
  block,
  describe,
  isProductionStack,
  isTrue,
  list,
  numeric,
  ofType,
  quoteList,
  record,
  stackOf,
  stackOfResources,
  strings,
  text,
  TYPES,
  type Props,
} from "./shared/resources";
import { credentialFinding } from "./shared/secrets";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";
import { PULUMI_TIMEOUT_ANNOTATION, ROLLOUT_TIMEOUT_SECONDS } from "../../contract/release";

/** Vercel protection modes that cover preview deployments, spelt as the provider takes them. */
const PROTECTS_PREVIEWS = ["standard_protection_new", "standard_protection", "all_deployments", "only_preview_deployments"];
/** Vercel protection modes that cover production deployments (standard protection leaves the production domain public). */
const PROTECTS_PRODUCTION = ["all_deployments", "only_production_deployments"];

const vercelProtectionSchema = configSchema(productionStacksSetting, {
  protectProduction: {
    type: "boolean",
    default: false,
    description:
      "Also require production deployments of production stacks to be protected (all_deployments / only_production_deployments).",
  },
});

export const vercelDeploymentProtection: SlipwayResourcePolicy = {
  name: "vercel-deployment-protection",
  resourceType: TYPES.vercelProject,
  description:
    "Vercel preview deployments are protected (Vercel authentication, password or trusted IPs), and production deployments too where protectProduction is configured.",
  remediationSteps:
    "Set vercelAuthentication: { deploymentType: 'standard_protection_new' } (or 'all_deployments') on the Vercel Project, or a passwordProtection / trustedIps block covering previews; " +
    "with protectProduction, use 'all_deployments'.",
  severity: "medium",
  enforcementLevel: "advisory",
  tags: ["apps", "003 §5.2"],
  configSchema: vercelProtectionSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.vercelProject) return args.notApplicable("only Vercel projects are judged");
    const config = readConfig<ProductionStacksConfig & { protectProduction: boolean }>(vercelProtectionSchema, args);
    const protections: [string, string | undefined][] = [
      ["vercelAuthentication", text(block(args.props.vercelAuthentication)?.deploymentType)],
      ["passwordProtection", text(block(args.props.passwordProtection)?.deploymentType)],
      ["trustedIps", text(block(args.props.trustedIps)?.deploymentType)],
    ];
    const modes = protections.map(([, mode]) => mode).filter((mode): mode is string => mode !== undefined);
    const current = protections.map(([field, mode]) => `${field}: ${mode ?? "unset"}`).join(", ");
    if (!isTrue(args.props.previewDeploymentsDisabled) && !modes.some((mode) => PROTECTS_PREVIEWS.includes(mode))) {
      reportViolation(`${describe(args)} leaves preview deployments public (${current}).`);
    }
    if (
      config.protectProduction &&
      isProductionStack(stackOf(args.urn), config.productionStacks) &&
      !modes.some((mode) => PROTECTS_PRODUCTION.includes(mode))
    ) {
      reportViolation(`${describe(args)} leaves production deployments public (${current}) while protectProduction is on.`);
    }
  },
};

const previewSecretSchema = configSchema({
  allowPreviewSecrets: {
    type: "boolean",
    default: false,
    description: "Allow sensitive values in preview deployments altogether (not recommended).",
  },
  previewSecretAllowlist: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Names of sensitive values explicitly allowed in previews (e.g. a sandbox-only API key).",
  },
});

/** Vercel's targets when an env var names none: every environment. */
const ALL_VERCEL_TARGETS = ["production", "preview", "development"];

/** A sensitive value headed for previews: (name, where it is exposed). */
interface PreviewExposure {
  /** The value's name. */
  key: string;
  /** How the message describes the exposure. */
  detail: string;
}

function vercelExposure(entry: Props): PreviewExposure | undefined {
  const key = text(entry.key) ?? "?";
  const targets = entry.targets === undefined ? undefined : strings(entry.targets);
  const effective = targets ?? ALL_VERCEL_TARGETS;
  if (!effective.includes("preview")) return undefined;
  const value = text(entry.value) ?? "";
  const sensitive = isTrue(entry.sensitive) || credentialFinding(key, value) !== undefined;
  if (!sensitive) return undefined;
  return { key, detail: `to preview deployments (targets: ${targets ? targets.join(", ") : "unset, meaning all"})` };
}

export const previewSecretExposure: SlipwayResourcePolicy = {
  name: "preview-secret-exposure",
  description:
    "Sensitive values are not exposed to preview deployments (Vercel preview target, the GitHub `preview` environment) unless explicitly allowed.",
  remediationSteps:
    "Remove 'preview' from the env var's targets (give previews a sandbox value instead), or drop the preview environment secret; " +
    "if a preview really needs it, list its name in previewSecretAllowlist.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["apps", "003 §5.2"],
  configSchema: previewSecretSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<{ allowPreviewSecrets: boolean; previewSecretAllowlist: string[] }>(previewSecretSchema, args);
    let exposures: PreviewExposure[];
    if (args.type === TYPES.vercelEnvVar) {
      exposures = [vercelExposure(args.props)].filter((exposure): exposure is PreviewExposure => exposure !== undefined);
    } else if (args.type === TYPES.vercelProject) {
      exposures = list(args.props.environments)
        .map((entry) => vercelExposure(record(entry)))
        .filter((exposure): exposure is PreviewExposure => exposure !== undefined);
    } else if (args.type === TYPES.environmentSecret) {
      // GitHub environment names are case-insensitive: 'Preview' is the preview environment.
      exposures =
        text(args.props.environment)?.toLowerCase() === "preview"
          ? [{ key: text(args.props.secretName) ?? args.name, detail: "to the GitHub 'preview' environment" }]
          : [];
    } else {
      return args.notApplicable("the resource delivers no values to previews");
    }
    if (config.allowPreviewSecrets) return;
    for (const exposure of exposures.filter((candidate) => !config.previewSecretAllowlist.includes(candidate.key))) {
      reportViolation(`${describe(args)} exposes sensitive '${exposure.key}' ${exposure.detail}.`);
    }
  },
};

const k8sSafeRolloutSchema = configSchema(productionStacksSetting, {
  minProductionReplicas: { type: "integer", minimum: 1, default: 2, description: "Replicas a production Deployment needs." },
  maxRolloutSeconds: {
    type: "integer",
    minimum: 1,
    default: ROLLOUT_TIMEOUT_SECONDS,
    description:
      "Longest a rollout may take before it fails (002 §3: 5 minutes): the bound on progressDeadlineSeconds and on Pulumi's await (pulumi.com/timeoutSeconds).",
  },
});

/** What is wrong with how long a Deployment's rollout may take, one phrase each. */
function rolloutDeadlineProblems(deployment: PolicyResource, maxSeconds: number): string[] {
  const problems: string[] = [];
  const deadline = numeric(record(deployment.props.spec).progressDeadlineSeconds);
  if (deadline === undefined)
    problems.push(
      `sets no spec.progressDeadlineSeconds, so a rollout that never gets ready is reported only after Kubernetes' 600 seconds (at most ${maxSeconds})`,
    );
  else if (deadline > maxSeconds)
    problems.push(`sets spec.progressDeadlineSeconds ${deadline}, longer than the ${maxSeconds} seconds a rollout may take`);
  const annotation = record(record(deployment.props.metadata).annotations)[PULUMI_TIMEOUT_ANNOTATION];
  const timeout = numeric(annotation);
  if (timeout === undefined)
    problems.push(
      `has no ${PULUMI_TIMEOUT_ANNOTATION} annotation, so pulumi up waits the provider's default 10 minutes for the rollout (at most ${maxSeconds} seconds)`,
    );
  else if (timeout > maxSeconds)
    problems.push(`waits ${timeout} seconds for the rollout (${PULUMI_TIMEOUT_ANNOTATION}), longer than ${maxSeconds}`);
  return problems;
}

/** Whether a PodDisruptionBudget selects the Deployment's pods. */
function budgetCovers(budget: PolicyResource, deployment: PolicyResource): boolean {
  const namespace = (resource: PolicyResource) => text(record(resource.props.metadata).namespace) ?? "default";
  if (namespace(budget) !== namespace(deployment)) return false;
  const selector = record(record(record(budget.props.spec).selector).matchLabels);
  const labels = record(record(record(record(deployment.props.spec).template).metadata).labels);
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([key, value]) => labels[key] === value);
}

/** `0`, `"0"` and `"0%"` all mean no pod may be unavailable. */
function isZero(value: unknown): boolean {
  return value === 0 || value === "0" || value === "0%";
}

/** What is wrong with one container: missing readiness probe or resources. */
function containerProblems(container: Props): string[] {
  const name = text(container.name) ?? "?";
  const problems: string[] = [];
  if (container.readinessProbe === undefined)
    problems.push(`container '${name}' has no readinessProbe, so traffic reaches pods before they are ready`);
  const resources = record(container.resources);
  const missing = [
    ...["cpu", "memory"].filter((key) => record(resources.requests)[key] === undefined).map((key) => `requests.${key}`),
    ...["cpu", "memory"].filter((key) => record(resources.limits)[key] === undefined).map((key) => `limits.${key}`),
  ];
  if (missing.length > 0) problems.push(`container '${name}' sets no ${missing.join(", ")}`);
  return problems;
}

export const k8sSafeRollout: SlipwayStackPolicy = {
  name: "k8s-safe-rollout",
  description:
    "Kubernetes Deployments roll out without downtime: RollingUpdate with maxUnavailable 0, a readiness probe and resource requests/limits on every container, a rollout that fails within maxRolloutSeconds (progressDeadlineSeconds and pulumi.com/timeoutSeconds), and in production at least 2 replicas and a PodDisruptionBudget.",
  remediationSteps:
    "Set spec.strategy { type: RollingUpdate, rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } }, a readinessProbe and resources.requests/limits (cpu, memory) on every container, " +
    "spec.progressDeadlineSeconds and the metadata annotation pulumi.com/timeoutSeconds at most maxRolloutSeconds (300); " +
    "in production set spec.replicas >= minProductionReplicas and add a PodDisruptionBudget whose selector matches the pod labels.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["apps", "002 §3"],
  configSchema: k8sSafeRolloutSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { minProductionReplicas: number; maxRolloutSeconds: number }>(
      k8sSafeRolloutSchema,
      args,
    );
    const deployments = ofType(args.resources, TYPES.k8sDeployment);
    if (deployments.length === 0) return args.notApplicable("the stack has no Kubernetes Deployment");
    const production = isProductionStack(stackOfResources(args.resources), config.productionStacks);
    const budgets = ofType(args.resources, TYPES.k8sPdb);
    for (const deployment of deployments) {
      const spec = record(deployment.props.spec);
      const strategy = record(spec.strategy);
      const subject = describe(deployment);
      const problems: string[] = [];
      const strategyType = text(strategy.type) ?? "RollingUpdate";
      if (strategyType !== "RollingUpdate") {
        problems.push(`uses strategy '${strategyType}', which stops every pod before starting new ones`);
      } else {
        const maxUnavailable = record(strategy.rollingUpdate).maxUnavailable;
        if (!isZero(maxUnavailable))
          problems.push(
            `rolling update allows ${maxUnavailable === undefined ? "25% (the default)" : String(maxUnavailable)} unavailable pods; it must be 0`,
          );
      }
      const podSpec = record(record(spec.template).spec);
      problems.push(...list(podSpec.containers).flatMap((container) => containerProblems(record(container))));
      problems.push(...rolloutDeadlineProblems(deployment, config.maxRolloutSeconds));
      if (production) {
        const replicas = numeric(spec.replicas) ?? 1;
        if (replicas < config.minProductionReplicas) {
          problems.push(
            `runs ${replicas} replica(s) in production; at least ${config.minProductionReplicas} keep it serving through a rollout or a node drain`,
          );
        }
        if (!budgets.some((budget) => budgetCovers(budget, deployment))) {
          const labels = Object.entries(record(record(record(spec.template).metadata).labels)).map(
            ([key, value]) => `${key}=${String(value)}`,
          );
          problems.push(`has no PodDisruptionBudget selecting its pods (labels: ${quoteList(labels)})`);
        }
      }
      for (const problem of problems) reportViolation(`${subject} ${problem}.`, deployment.urn);
    }
  },
};

/** The apps area, in catalogue order. */
export const appPolicies = [vercelDeploymentProtection, previewSecretExposure, k8sSafeRollout];
