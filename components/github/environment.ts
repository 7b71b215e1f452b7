/**
 * A GitHub deployment environment: who approves a deploy, how long it soaks, which refs may
 * deploy, and what the deploy job receives (environment-scoped secrets and variables, the
 * release manifest and the flag definitions).
 *
 * Production approval is a reviewer who is not the person who triggered the deploy (000 §4,
 * 003 §2.2); deploy credentials live in the environment, never repository-wide (000 §3), so only
 * a job that passed the environment's gates ever sees them.
 *
 * `preview` is where pull requests run (their Pulumi previews, policyGate.ts): without named refs
 * every branch may use it, so it must hold only what cannot reach production (README, "CI
 * credentials"). Every other environment, without named refs, admits protected branches only.
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { FLAGS_VARIABLE, RELEASE_MANIFEST_VARIABLE } from "../../contract";
import { LEDGER_ANCHOR_VARIABLE } from "../../contract/release";
import type { EnvironmentConfig, EnvironmentName, MigrationsConfig } from "../../config/config";
import { migrationsEnvironmentName, rollbackEnvironmentName } from "../../contract/release";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** Inputs of a `DeploymentEnvironment`. */
export interface DeploymentEnvironmentArgs {
  /** Repository the environment belongs to: a name, or `ReleaseRepository.repositoryName` so the environment waits for the repository. */
  repository: pulumi.Input<string>;
  /** Environment name (`preview`, `staging`, `production`, or a stack's rollback environment `production-rollback`). */
  environment: EnvironmentName | string;
  /** The environment's validated config (`slipway:environments.<environment>`). */
  config: EnvironmentConfig;
  /** Numeric ids of `config.reviewerTeams`, in order (GitHub names reviewers by id). */
  reviewerTeamIds: number[];
  /** Numeric ids of `config.reviewerUsers`, in order. */
  reviewerUserIds: number[];
  /** The release manifest JSON, published as `SLIPWAY_RELEASE_MANIFEST`; absent where no release runs (preview runs pull requests). */
  releaseManifestJson?: pulumi.Input<string>;
  /** The environment's flagd JSON, published as `SLIPWAY_FLAGS`. */
  flagsJson: pulumi.Input<string>;
  /** The ledger head the stack deployed from, published as `SLIPWAY_LEDGER_ANCHOR`: the next deploy verifies the ledger from it. Absent where no release runs. */
  ledgerAnchor?: string;
}

/**
 * One deployment environment of one repository.
 *
 * Child resources are named after the component, so name it `<repository>-<environment>`: names
 * must be unique in a stack across repositories and environments.
 */
export class DeploymentEnvironment extends pulumi.ComponentResource {
  /** The environment. */
  readonly environment: github.RepositoryEnvironment;
  /** Refs allowed to deploy when the environment restricts them to named patterns. */
  readonly deploymentPolicies: github.RepositoryEnvironmentDeploymentPolicy[];
  /** Environment-scoped secrets (deploy credentials). */
  readonly secrets: github.ActionsEnvironmentSecret[];
  /** Environment variables: the configured ones, the release manifest and the flags. */
  readonly variables: github.ActionsEnvironmentVariable[];
  /** The environment's `SLIPWAY_FLAGS` variable: a flag source (what apps read), the kill switch's target (flag.yml). */
  readonly flagsVariable: github.ActionsEnvironmentVariable;

  constructor(name: string, args: DeploymentEnvironmentArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.deploymentEnvironment, name, {}, opts);
    const { config } = args;
    const reserved = [RELEASE_MANIFEST_VARIABLE, FLAGS_VARIABLE, LEDGER_ANCHOR_VARIABLE].filter((variable) => variable in config.variables);
    // The config contract refuses these names (environments.*.variables); this guards callers that build args themselves.
    if (reserved.length > 0) {
      throw new pulumi.ResourceError(
        `slipway:environments.${args.environment}.variables.${reserved[0]}: is reserved, Slipway sets it from the release, the ledger and the flags`,
        this,
        true,
      );
    }

    // Ids come from config, not lookups: a lookup needs a token that can read the organisation's
    // teams, which a preview must not need.
    const teamIds = args.reviewerTeamIds;
    const userIds = args.reviewerUserIds;
    const hasReviewers = teamIds.length + userIds.length > 0;
    const restrictsRefs = config.deployRefs !== undefined;
    // A pull request's branch is never protected: preview admits every branch unless refs are named.
    const anyBranch = args.environment === "preview" && !restrictsRefs;

    this.environment = new github.RepositoryEnvironment(
      name,
      {
        repository: args.repository,
        environment: args.environment,
        reviewers: hasReviewers ? [{ teams: teamIds, users: userIds }] : undefined,
        preventSelfReview: config.preventSelfReview,
        waitTimer: config.waitTimerMinutes,
        canAdminsBypass: config.canAdminsBypass,
        // Without named refs only protected branches deploy: what reaches the environment has
        // passed review and the required checks (000 §4, 004 §6.2). Preview excepted (above).
        deploymentBranchPolicy: anyBranch ? undefined : { protectedBranches: !restrictsRefs, customBranchPolicies: restrictsRefs },
      },
      { parent: this },
    );
    // Every child names the environment through its outputs, so it is created after it.
    const scope = { repository: this.environment.repository, environment: this.environment.environment };

    const branches = config.deployRefs?.branches ?? [];
    const tags = config.deployRefs?.tags ?? [];
    this.deploymentPolicies = [
      ...branches.map(
        (branchPattern) =>
          new github.RepositoryEnvironmentDeploymentPolicy(
            `${name}-branch-${branchPattern}`,
            { ...scope, branchPattern },
            { parent: this },
          ),
      ),
      ...tags.map(
        (tagPattern) =>
          new github.RepositoryEnvironmentDeploymentPolicy(`${name}-tag-${tagPattern}`, { ...scope, tagPattern }, { parent: this }),
      ),
    ];

    this.secrets = Object.entries(config.secrets).map(
      ([secretName, secret]) =>
        new github.ActionsEnvironmentSecret(
          `${name}-secret-${secretName}`,
          { ...scope, secretName, plaintextValue: secret.toOutput() },
          { parent: this },
        ),
    );

    const variables: Record<string, pulumi.Input<string>> = {
      ...config.variables,
      ...(args.releaseManifestJson !== undefined ? { [RELEASE_MANIFEST_VARIABLE]: args.releaseManifestJson } : {}),
      ...(args.ledgerAnchor !== undefined ? { [LEDGER_ANCHOR_VARIABLE]: args.ledgerAnchor } : {}),
      [FLAGS_VARIABLE]: args.flagsJson,
    };
    this.variables = Object.entries(variables).map(
      ([variableName, value]) =>
        new github.ActionsEnvironmentVariable(`${name}-variable-${variableName}`, { ...scope, variableName, value }, { parent: this }),
    );
    this.flagsVariable = this.variables[Object.keys(variables).indexOf(FLAGS_VARIABLE)];

    this.registerOutputs({ environment: this.environment.environment });
  }
}

/**
 * The config of a stack's emergency rollback environment (`<environment>-rollback`, rollback.yml):
 * the stack environment's credentials, variables and URL (a rollback deploys the same stack), the
 * rollback's own reviewers (`rollback.reviewerTeams`, else the environment's: the release captains
 * and on-call SRE), no wait timer (restoring a release production already ran and soaked: the
 * approval is the only wait, 002), no admin bypass, and only the default branch may use it. With
 * no reviewer at all it is still created, as the workflow names it (GitHub would otherwise create
 * it unprotected on first use), and production-approval refuses it.
 */
export function rollbackEnvironmentConfig(stackEnvironment: EnvironmentConfig, defaultBranch: string): EnvironmentConfig {
  const approval = stackEnvironment.rollback;
  return {
    ...stackEnvironment,
    reviewerTeams: approval?.reviewerTeams ?? stackEnvironment.reviewerTeams,
    reviewerUsers: approval?.reviewerUsers ?? stackEnvironment.reviewerUsers,
    preventSelfReview: approval?.preventSelfReview ?? stackEnvironment.preventSelfReview,
    waitTimerMinutes: 0,
    canAdminsBypass: false,
    deployRefs: { branches: [defaultBranch], tags: [] },
    rollback: undefined,
  };
}

/**
 * The config of a stack's migrations environment (`<stack>-migrations`, workflow mode): the stack
 * environment's secrets (the database credentials the migration needs) and wait timer, approved by
 * the team's migration reviewers (`slipway:migrations`), with no admin bypass, from the default
 * branch only: the migration workflow runs there, dispatched by hand (004 §3).
 */
export function migrationsEnvironmentConfig(
  stackEnvironment: EnvironmentConfig,
  migrations: MigrationsConfig,
  defaultBranch: string,
): EnvironmentConfig {
  return {
    ...stackEnvironment,
    reviewerTeams: migrations.reviewerTeams,
    reviewerUsers: migrations.reviewerUsers,
    preventSelfReview: migrations.preventSelfReview,
    canAdminsBypass: false,
    deployRefs: { branches: [defaultBranch], tags: [] },
    rollback: undefined,
  };
}

export { rollbackEnvironmentName, migrationsEnvironmentName };
