/**
 * Deployment environments and their secrets (000 §3–4, 003 §2, §5.2): who approves production,
 * what may deploy to it, how long it soaks, where credentials live and whether staging stays
 * away from production.
 */
import { UnknownValueError, type ResourceValidationArgs } from "@pulumi/policy";
import { parseYaml } from "./shared/yaml";
import { branchProtectionOf, managedRepositories } from "./shared/branchProtection";
import { fnmatch, isLiteralPattern, sampleOf } from "./shared/glob";
import { configSchema, readConfig, type SlipwayResourcePolicy, type SlipwayStackPolicy } from "./shared/policy";
import {
  block,
  describe,
  isProductionEnvironment,
  isProductionStack,
  isTrue,
  list,
  numeric,
  ofType,
  podSpecsOf,
  record,
  stackOf,
  text,
  TYPES,
  WORKLOAD_TYPES,
  type Props,
} from "./shared/resources";
import { credentialFinding, walkStrings } from "./shared/secrets";
import { allowedKeysSetting, productionStacksSetting, releaseTagSetting, type ProductionStacksConfig } from "./shared/settings";
import { isWorkflowPath } from "./shared/workflows";

/** `RepositoryEnvironment 'production'`: environments are named by their GitHub name. */
function environmentLabel(args: { name: string; props: Props }): string {
  return `RepositoryEnvironment '${text(args.props.environment) ?? args.name}'`;
}

/** The production RepositoryEnvironment under validation, or notApplicable. */
function productionEnvironmentOrSkip(args: ResourceValidationArgs, productionStacks: string[]): string {
  if (args.type !== TYPES.environment) args.notApplicable("only RepositoryEnvironment resources are judged");
  const environment = text(args.props.environment);
  if (!isProductionEnvironment(environment, productionStacks)) args.notApplicable(`environment '${environment}' is not production`);
  return environment as string;
}

/** Count the ids of a reviewers list: `[{teams: [..], users: [..]}]`. */
function reviewerCounts(reviewers: unknown): { teams: number; users: number } {
  let teams = 0;
  let users = 0;
  for (const entry of list(reviewers)) {
    teams += list(record(entry).teams).length;
    users += list(record(entry).users).length;
  }
  return { teams, users };
}

const productionApprovalSchema = configSchema(productionStacksSetting, {
  minReviewers: {
    type: "integer",
    minimum: 1,
    default: 1,
    description: "Reviewers (teams or users) the production environment needs.",
  },
  allowAdminBypass: {
    type: "boolean",
    default: false,
    description: "Allow repository admins to deploy to production without a reviewer's approval.",
  },
});

export const productionApproval: SlipwayResourcePolicy = {
  name: "production-approval",
  resourceType: TYPES.environment,
  description: "The production environment needs at least one reviewer, forbids self-review, and does not let admins skip the approval.",
  remediationSteps:
    "On the production RepositoryEnvironment set reviewers: [{ teams: [<team id>] }] (or users), preventSelfReview: true and canAdminsBypass: false.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["environments", "000 §4", "003 §2.2"],
  configSchema: productionApprovalSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { minReviewers: number; allowAdminBypass: boolean }>(productionApprovalSchema, args);
    productionEnvironmentOrSkip(args, config.productionStacks);
    const label = environmentLabel(args);
    const { teams, users } = reviewerCounts(args.props.reviewers);
    if (teams + users < config.minReviewers) {
      const has = teams + users === 0 ? "has no reviewers" : `has ${teams + users} reviewer(s)`;
      reportViolation(
        `${label} ${has} (teams: ${teams}, users: ${users}); production deploys need at least ${config.minReviewers} approver(s).`,
      );
    }
    if (!isTrue(args.props.preventSelfReview)) {
      const current = args.props.preventSelfReview === undefined ? "unset, which means false" : String(args.props.preventSelfReview);
      reportViolation(
        `${label} allows self-review (preventSelfReview: ${current}); whoever triggers a production deploy must not approve it.`,
      );
    }
    if (!config.allowAdminBypass && args.props.canAdminsBypass !== false) {
      const current = args.props.canAdminsBypass === undefined ? "unset, which means true" : String(args.props.canAdminsBypass);
      reportViolation(`${label} lets admins bypass its reviewers (canAdminsBypass: ${current}); production deploys need an approval.`);
    }
  },
};

const productionProtectedRefsSchema = configSchema(productionStacksSetting, releaseTagSetting);

export const productionProtectedRefs: SlipwayStackPolicy = {
  name: "production-protected-refs",
  description:
    "Production deploys only from protected branches or release tags: its deployment branch policy admits protected branches, or custom patterns that are protected branches or release tag patterns.",
  remediationSteps:
    "Set deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false } on the production RepositoryEnvironment, or keep customBranchPolicies " +
    "and make every RepositoryEnvironmentDeploymentPolicy name a protected branch (branchPattern 'main') or a release tag pattern (tagPattern 'v*').",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["environments", "000 §4", "004 §6.2"],
  configSchema: productionProtectedRefsSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { releaseTagPatterns: string[] }>(productionProtectedRefsSchema, args);
    const environments = ofType(args.resources, TYPES.environment).filter((resource) =>
      isProductionEnvironment(text(resource.props.environment), config.productionStacks),
    );
    if (environments.length === 0) args.notApplicable("the stack manages no production environment");
    const repositories = managedRepositories(args.resources);
    for (const environment of environments) {
      const label = environmentLabel(environment);
      const repositoryName = text(environment.props.repository) ?? "";
      const policy = block(environment.props.deploymentBranchPolicy);
      if (policy === undefined) {
        reportViolation(`${label} has no deploymentBranchPolicy, so any branch can deploy to production.`, environment.urn);
        continue;
      }
      if (isTrue(policy.protectedBranches)) continue;
      if (!isTrue(policy.customBranchPolicies)) {
        reportViolation(
          `${label} deploymentBranchPolicy sets neither protectedBranches nor customBranchPolicies, so any branch can deploy to production.`,
          environment.urn,
        );
        continue;
      }
      const repository = repositories.find((candidate) => candidate.name === repositoryName) ?? {
        resource: environment,
        name: repositoryName,
        defaultBranch: "main",
      };
      // GitHub names repositories and environments case-insensitively: a policy written for
      // 'Production' of 'App' governs this environment as well.
      const environmentName = text(environment.props.environment)?.toLowerCase();
      const deploymentPolicies = ofType(args.resources, TYPES.deploymentPolicy).filter(
        (candidate) =>
          text(candidate.props.repository)?.toLowerCase() === repositoryName.toLowerCase() &&
          text(candidate.props.environment)?.toLowerCase() === environmentName,
      );
      for (const deploymentPolicy of deploymentPolicies) {
        const branchPattern = text(deploymentPolicy.props.branchPattern);
        const tagPattern = text(deploymentPolicy.props.tagPattern);
        if (branchPattern !== undefined) {
          if (!isLiteralPattern(branchPattern)) {
            reportViolation(
              `${describe(deploymentPolicy)} lets branches matching '${branchPattern}' deploy to production; a pattern admits unprotected branches, name a protected branch instead.`,
              deploymentPolicy.urn,
            );
          } else if (branchProtectionOf(args.resources, repository, branchPattern).layers.length === 0) {
            reportViolation(
              `${describe(deploymentPolicy)} lets branch '${branchPattern}' deploy to production, but no active ruleset or branch protection covers '${branchPattern}'.`,
              deploymentPolicy.urn,
            );
          }
        }
        if (tagPattern !== undefined && !config.releaseTagPatterns.some((release) => fnmatch(release, sampleOf(tagPattern)))) {
          reportViolation(
            `${describe(deploymentPolicy)} lets tags matching '${tagPattern}' deploy to production, which are not release tags (${config.releaseTagPatterns.join(", ")}).`,
            deploymentPolicy.urn,
          );
        }
      }
    }
  },
};

const soakWindowSchema = configSchema(productionStacksSetting, {
  soakMinutes: {
    type: "integer",
    minimum: 0,
    default: 10,
    description: "Minutes production waits (environment waitTimer) before a deploy job runs (000 §3: 10-30).",
  },
  rollbackEnvironments: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Production environments that only restore a release production already ran (the emergency rollback's, e.g. `production-rollback`): they wait for their reviewers, not a soak window " +
      "(002: mitigation within 30 minutes). production-approval and production-protected-refs still judge them.",
  },
});

export const soakWindow: SlipwayResourcePolicy = {
  name: "soak-window",
  resourceType: TYPES.environment,
  description:
    "The production environment waits at least the configured soak minutes (10 by default) before a deploy proceeds; an emergency rollback environment the policy config names (rollbackEnvironments) waits for its approval only.",
  remediationSteps:
    "Set waitTimer on the production RepositoryEnvironment to at least soakMinutes (or tune soakMinutes in the policy config). " +
    "Name an environment in rollbackEnvironments only when its jobs restore a release production already ran.",
  severity: "medium",
  enforcementLevel: "mandatory",
  tags: ["environments", "000 §3"],
  configSchema: soakWindowSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { soakMinutes: number; rollbackEnvironments: string[] }>(soakWindowSchema, args);
    const environment = productionEnvironmentOrSkip(args, config.productionStacks);
    // Restoring a release production already ran and soaked: the approval is the only wait (002 SLAs).
    if (config.rollbackEnvironments.includes(environment)) {
      return args.notApplicable(
        `environment '${environment}' is a rollback environment (rollbackEnvironments): it waits for its reviewers, production-approval judges them`,
      );
    }
    const waitTimer = numeric(args.props.waitTimer) ?? 0;
    if (waitTimer < config.soakMinutes) {
      const current = args.props.waitTimer === undefined ? "unset" : String(args.props.waitTimer);
      reportViolation(
        `${environmentLabel(args)} waits ${waitTimer} minute(s) before deploying (waitTimer: ${current}); the soak window needs at least ${config.soakMinutes}.`,
      );
    }
  },
};

const environmentScopedSecretsSchema = configSchema({
  allowedRepositorySecrets: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Repository-wide secrets that are not deploy credentials (CI-only tokens such as a coverage upload token).",
  },
});

export const environmentScopedSecrets: SlipwayResourcePolicy = {
  name: "environment-scoped-secrets",
  resourceType: TYPES.repositorySecret,
  description:
    "Deploy credentials are GitHub environment secrets, not repository-wide secrets: a repository secret is readable by every workflow on every branch, before any approval.",
  remediationSteps:
    "Replace the ActionsSecret with an ActionsEnvironmentSecret per environment (staging, production) holding that environment's credential; " +
    "if the secret is a CI-only token, list its name in allowedRepositorySecrets.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["environments", "000 §3"],
  configSchema: environmentScopedSecretsSchema,
  validateResource: (args, reportViolation) => {
    if (args.type !== TYPES.repositorySecret) args.notApplicable("only repository-wide ActionsSecret resources are judged");
    const { allowedRepositorySecrets } = readConfig<{ allowedRepositorySecrets: string[] }>(environmentScopedSecretsSchema, args);
    const secretName = text(args.props.secretName) ?? args.name;
    if (!allowedRepositorySecrets.includes(secretName)) {
      reportViolation(
        `${describe(args)} makes '${secretName}' a repository-wide secret of '${text(args.props.repository) ?? "?"}'; deploy credentials must be environment secrets.`,
      );
    }
  },
};

/** Where a resource keeps values in plaintext, and where the credential belongs instead. */
interface PlainField {
  /** Path on the resource, for messages. */
  where: string;
  /** Reads the plaintext values, keyed by their name (lazily: reading may meet a preview unknown). */
  values: () => unknown;
  /** The key naming a lone value (variables), if the values are not a map. */
  key?: string;
  /** Where the credential should live instead. */
  instead: string;
}

function plainFieldsOf(type: string, props: Props): PlainField[] | undefined {
  switch (type) {
    case TYPES.repositoryVariable:
    case TYPES.environmentVariable:
      return [
        { where: "variable", values: () => props.value, key: text(props.variableName) ?? "value", instead: "an ActionsEnvironmentSecret" },
      ];
    case TYPES.herokuApp:
      return [{ where: "configVars", values: () => props.configVars, instead: "sensitiveConfigVars" }];
    case TYPES.herokuConfig:
      return [{ where: "vars", values: () => props.vars, instead: "sensitiveVars" }];
    case TYPES.k8sConfigMap:
      return [{ where: "data", values: () => props.data, instead: "a kubernetes Secret" }];
    case TYPES.vercelEnvVar:
      return isTrue(props.sensitive)
        ? []
        : [{ where: "env var", values: () => props.value, key: text(props.key) ?? "value", instead: "sensitive: true" }];
    case TYPES.vercelProject:
      return list(props.environments)
        .map(record)
        .filter((entry) => !isTrue(entry.sensitive))
        .map((entry) => ({
          where: "environments",
          values: () => entry.value,
          key: text(entry.key) ?? "value",
          instead: "sensitive: true",
        }));
    default:
      if (WORKLOAD_TYPES.includes(type)) {
        return podSpecsOf(type, props).flatMap((podSpec) =>
          [...list(podSpec.containers), ...list(podSpec.initContainers)].map((container) => ({
            where: `container '${text(record(container).name) ?? "?"}' env`,
            values: () => record(container).env,
            instead: "valueFrom.secretKeyRef",
          })),
        );
      }
      return undefined;
  }
}

const noPlaintextSecretsSchema = configSchema(allowedKeysSetting);

export const noPlaintextSecrets: SlipwayResourcePolicy = {
  name: "no-plaintext-secrets",
  description:
    "Secret-looking values never sit in plaintext inputs: GitHub variables, Heroku config vars, ConfigMaps, non-sensitive Vercel env vars, container env values and workflow files.",
  remediationSteps:
    "Move the value to the secret-typed field the message names (ActionsEnvironmentSecret, Heroku sensitiveConfigVars/sensitiveVars, a kubernetes Secret with valueFrom.secretKeyRef, " +
    "Vercel sensitive: true, `${{ secrets.NAME }}` in workflows) and keep it a Pulumi secret (`secure:` config). List a false positive's key name in allowedKeys.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["environments", "003 §5.2"],
  configSchema: noPlaintextSecretsSchema,
  validateResource: (args, reportViolation) => {
    const { allowedKeys } = readConfig<{ allowedKeys: string[] }>(noPlaintextSecretsSchema, args);
    if (args.type === TYPES.repositoryFile) {
      judgeFile(args, allowedKeys, reportViolation);
      return;
    }
    const fields = plainFieldsOf(args.type, args.props);
    if (fields === undefined) return args.notApplicable("the resource type has no plaintext value fields");
    // Values unknown in preview are skipped here and judged in `pulumi up` (see walkStrings).
    for (const field of fields) {
      let values: unknown;
      try {
        values = field.values();
      } catch (error) {
        // Stryker disable next-line ConditionalExpression: equivalent, values() only reads a property, which throws nothing but UnknownValueError.
        if (!(error instanceof UnknownValueError)) throw error;
        continue;
      }
      walkStrings(
        values,
        (found) => {
          const finding = credentialFinding(found.key, found.value, allowedKeys);
          if (finding) {
            reportViolation(
              `${describe(args)} ${field.where} '${found.key}' holds a plaintext credential: ${finding.reason}; move it to ${field.instead}.`,
            );
          }
        },
        // Stryker disable next-line StringLiteral: equivalent, fields without a key are maps and lists whose entries name themselves; any root name that is not credential-like reads the same.
        field.key ?? "",
      );
    }
  },
};

/** A repository file: workflows are read as YAML (env and with values), other files as text. */
function judgeFile(args: ResourceValidationArgs, allowedKeys: string[], reportViolation: (message: string) => void): void {
  const file = text(args.props.file) ?? args.name;
  const content = text(args.props.content) ?? "";
  let document: unknown = content;
  if (isWorkflowPath(file)) {
    try {
      document = parseYaml(content);
    } catch {
      // Invalid YAML (deploy-job-gates reports it): still scan the text for credential shapes.
      document = content;
    }
  }
  walkStrings(
    document,
    (found) => {
      const finding = credentialFinding(found.key, found.value, allowedKeys);
      if (finding) {
        const where = found.path ? `${file} at ${found.path}` : file;
        reportViolation(
          `${describe(args)} ${where} holds a plaintext credential: ${finding.reason}; reference a secret instead (\${{ secrets.NAME }}).`,
        );
      }
    },
    // No key for the file itself: its name ("secrets.example.yml") says nothing about its values.
    // Stryker disable next-line StringLiteral: equivalent for any name that is not credential-like; the file-name case is tested.
    "",
  );
}

const stagingIsolationSchema = configSchema(productionStacksSetting, {
  productionHosts: {
    type: "array",
    items: { type: "string" },
    default: [],
    description:
      "Hostnames that belong to production (`app.example.com`); a staging value naming one is a violation. Subdomains are not implied.",
  },
  productionDatabases: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Database names or hosts that belong to production.",
  },
});

/** GitHub resources that belong to one deployment environment. */
const GITHUB_ENVIRONMENT_TYPES: string[] = [TYPES.environment, TYPES.environmentSecret, TYPES.environmentVariable, TYPES.deploymentPolicy];

/** Whether `value` names `token` as a whole word (wordChars: what may not touch it on either side). */
function mentions(value: string, token: string, wordChars: string): boolean {
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  return new RegExp(`(^|[^${wordChars}])${escaped}($|[^${wordChars}])`, "i").test(value);
}

export const stagingIsolation: SlipwayResourcePolicy = {
  name: "staging-isolation",
  description:
    "Staging never references production: no production GitHub environment, pipeline stage or namespace, and no configured production host or database in any value.",
  remediationSteps:
    "Point the staging resource at staging's own environment, namespace, host and database (check Pulumi.staging.yaml); production values belong in Pulumi.production.yaml only. " +
    "List production hostnames and databases in productionHosts / productionDatabases so the policy can recognise them.",
  severity: "critical",
  enforcementLevel: "mandatory",
  tags: ["environments", "003 §2.1"],
  configSchema: stagingIsolationSchema,
  validateResource: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { productionHosts: string[]; productionDatabases: string[] }>(
      stagingIsolationSchema,
      args,
    );
    const stack = stackOf(args.urn);
    if (isProductionStack(stack, config.productionStacks)) args.notApplicable("production stacks are not judged for staging isolation");
    const subject = `${describe(args)} in stack '${stack}'`;
    const props = args.props;
    if (GITHUB_ENVIRONMENT_TYPES.includes(args.type)) {
      const environment = text(props.environment);
      if (isProductionEnvironment(environment, config.productionStacks))
        reportViolation(`${subject} writes to GitHub environment '${environment}'.`);
    }
    if (args.type === TYPES.herokuCoupling && isProductionEnvironment(text(props.stage), config.productionStacks)) {
      reportViolation(`${subject} couples an app to pipeline stage '${text(props.stage)}'.`);
    }
    if (args.type.startsWith("kubernetes:")) {
      const metadata = record(props.metadata);
      const namespace = args.type === TYPES.k8sNamespace ? text(metadata.name) : text(metadata.namespace);
      if (isProductionEnvironment(namespace, config.productionStacks)) reportViolation(`${subject} uses namespace '${namespace}'.`);
    }
    walkStrings(props, (found) => {
      for (const host of config.productionHosts) {
        if (mentions(found.value, host, "a-z0-9.-")) reportViolation(`${subject} ${found.path} names production host '${host}'.`);
      }
      for (const database of config.productionDatabases) {
        if (mentions(found.value, database, "a-z0-9_.-"))
          reportViolation(`${subject} ${found.path} names production database '${database}'.`);
      }
    });
  },
};

/** The environments area, in catalogue order. */
export const environmentPolicies = [
  productionApproval,
  productionProtectedRefs,
  soakWindow,
  environmentScopedSecrets,
  noPlaintextSecrets,
  stagingIsolation,
];
