/**
 * A Vercel project per environment, serving the commit a release names.
 *
 * Each stack has its own project (`<app>-<environment>`), and the release is a production
 * deployment of that project pinned to the artifact's commit SHA: production deploys what
 * staging validated, by SHA, never a branch (000 §3-4). Deployments are never deleted, not even
 * when Pulumi replaces them, because earlier ones are Instant Rollback targets (003 §5.3).
 *
 * A build is not released until its checks pass (003 §5.1). The project assigns its domains to
 * no deployment by itself (`autoAssignCustomDomains: false`): the deployment is built with the
 * production variables but serves only its own URL, where the deploy workflow smokes it. Each
 * domain reaches a deployment through an `Alias`; in the `candidate` phase of a deploy the aliases
 * keep the deployment they point at (the live release), and only the `live` phase, after the
 * smoke checks passed, points them at the new one (see GO_LIVE_ENV).
 *
 * Preview deployments (per pull request) belong to the staging stack's project; the production
 * project builds nothing from git pushes, so a merge cannot bypass the promotion. Previews are
 * always behind Vercel Authentication, production too when asked (003 §5.2); secrets are
 * sensitive variables that previews see only when listed in `previewSecrets`.
 */
import * as pulumi from "@pulumi/pulumi";
import * as vercel from "@pulumiverse/vercel";
import { FLAGS_URL_ENV_VAR } from "../../contract";
import type { GoLivePhase } from "../../contract/release";
import { SecretString, type ArtifactConfig, type VercelAppConfig } from "../../config/config";
import type { DeployEnvironment } from "./common";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/**
 * Vercel Authentication covering previews and generated deployment URLs, not production domains.
 * The provider takes these snake_case values only (its validator); the SDK's docs camelCase them.
 */
export const PROTECT_PREVIEWS = "standard_protection_new";
/** Vercel Authentication covering every deployment, production domains included. */
export const PROTECT_ALL_DEPLOYMENTS = "all_deployments";
/** Comment on a sensitive variable deliberately exposed to previews (listed in `previewSecrets`). */
export const PREVIEW_EXPOSURE_COMMENT = "exposed to previews: listed in previewSecrets (003 §5.2)";

/** Inputs of a `VercelApp`. */
export interface VercelAppArgs {
  /** The app's validated config (`slipway:apps.vercel[i]`). */
  app: VercelAppConfig;
  /** GitHub owner of the repository the project builds from (`slipway:github.owner`). */
  githubOwner: string;
  /** Environment the stack deploys: names the project and decides whether it hosts previews. */
  environment: DeployEnvironment;
  /** Whether the stack is a production stack: the project is protected and builds nothing from git pushes. */
  isProduction: boolean;
  /** The app's artifact (`slipway:release.artifacts.<app>`): its `commitSha` is deployed. */
  artifact: ArtifactConfig;
  /** Release version, recorded on the deployment as its deploy marker. */
  version: string;
  /** Where the environment's flags are served (`flagsSourceUrl`): `SLIPWAY_FLAGS_URL` of the production target, constant as flags change. */
  flagsUrl: string;
  /** Where the preview environment's flags are served: `SLIPWAY_FLAGS_URL` of preview deployments (non-production projects only); default `flagsUrl`. */
  previewFlagsUrl?: string;
  /** `candidate`: the domains stay on the deployment they serve; `live` (default): they move to this release's deployment. */
  goLive?: GoLivePhase;
}

/** A Vercel project, its variables and domains, and the release's deployment. */
export class VercelApp extends pulumi.ComponentResource {
  /** The project. */
  readonly project: vercel.Project;
  /** Environment variables, `SLIPWAY_FLAGS_URL` included. */
  readonly variables: vercel.ProjectEnvironmentVariable[];
  /** Custom domains. */
  readonly domains: vercel.ProjectDomain[];
  /** The release: a production deployment of the artifact's commit, serving only its own URL until an alias points at it. */
  readonly deployment: vercel.Deployment;
  /** One alias per domain: what routes the domain's traffic to a deployment. */
  readonly aliases: vercel.Alias[];
  /** The deployment's own URL (the provider's hostname). */
  readonly url: pulumi.Output<string>;
  /** The same as an https URL: the candidate the smoke checks run against. */
  readonly candidateUrl: pulumi.Output<string>;

  constructor(name: string, args: VercelAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.vercelApp, name, {}, opts);
    const { app, isProduction } = args;
    const commitSha = args.artifact.commitSha;
    // The config contract requires it (release.artifacts); this guards callers that build args themselves.
    if (commitSha === undefined) {
      throw new pulumi.ResourceError(
        `slipway:release.artifacts.${app.name}.commitSha: is required: Vercel project '${app.name}' deploys a commit`,
        this,
        true,
      );
    }
    // Previews are built by the non-production project only; production gets promoted commits.
    const hostsPreviews = !isProduction;

    this.project = new vercel.Project(
      name,
      {
        name: app.projectName ?? `${app.name}-${args.environment}`,
        framework: app.framework,
        rootDirectory: app.rootDirectory,
        gitRepository: { type: "github", repo: `${args.githubOwner}/${app.repository}` },
        vercelAuthentication: { deploymentType: app.protectProduction ? PROTECT_ALL_DEPLOYMENTS : PROTECT_PREVIEWS },
        gitProviderOptions: { createDeployments: hostsPreviews },
        previewDeploymentsDisabled: !hostsPreviews,
        // A production build takes no domain by itself: the aliases move them once smoke passed.
        autoAssignCustomDomains: false,
      },
      // Deleting the production project deletes every deployment, rollback targets included.
      { parent: this, protect: isProduction },
    );
    const projectId = this.project.id;

    const plainTargets = hostsPreviews ? ["production", "preview"] : ["production"];
    this.variables = Object.entries(app.env).map(([key, value]) => {
      if (value instanceof SecretString) {
        const exposedToPreviews = hostsPreviews && app.previewSecrets.includes(key);
        return new vercel.ProjectEnvironmentVariable(
          `${name}-env-${key}`,
          {
            projectId,
            key,
            value: value.toOutput(),
            sensitive: true,
            targets: exposedToPreviews ? ["production", "preview"] : ["production"],
            comment: exposedToPreviews ? PREVIEW_EXPOSURE_COMMENT : undefined,
          },
          { parent: this },
        );
      }
      return new vercel.ProjectEnvironmentVariable(
        `${name}-env-${key}`,
        { projectId, key, value, sensitive: false, targets: plainTargets },
        { parent: this },
      );
    });
    // Flags are served, not baked: a running deployment reads them from this URL (its OpenFeature
    // provider polls it), so a flag change needs no new deployment; env vars reach new builds only.
    this.variables.push(
      new vercel.ProjectEnvironmentVariable(
        `${name}-env-${FLAGS_URL_ENV_VAR}`,
        { projectId, key: FLAGS_URL_ENV_VAR, value: args.flagsUrl, sensitive: false, targets: ["production"] },
        { parent: this },
      ),
    );
    if (hostsPreviews) {
      this.variables.push(
        new vercel.ProjectEnvironmentVariable(
          `${name}-env-${FLAGS_URL_ENV_VAR}-preview`,
          { projectId, key: FLAGS_URL_ENV_VAR, value: args.previewFlagsUrl ?? args.flagsUrl, sensitive: false, targets: ["preview"] },
          { parent: this },
        ),
      );
    }

    this.domains = app.domains.map(
      (domain) => new vercel.ProjectDomain(`${name}-domain-${domain}`, { projectId, domain }, { parent: this }),
    );

    this.deployment = new vercel.Deployment(
      `${name}-deployment`,
      {
        projectId,
        ref: commitSha,
        production: true,
        // Replaced deployments stay on Vercel as Instant Rollback targets (003 §5.3).
        deleteOnDestroy: false,
        // The deploy marker: which version and commit this deployment is (000 §3).
        meta: { slipwayVersion: args.version, slipwayEnvironment: args.environment, slipwayCommitSha: commitSha },
      },
      // Built after its variables and domains exist, so the build sees them. Not `protect`:
      // every release replaces it; `retainOnDelete` keeps the old one on Vercel instead.
      { parent: this, dependsOn: [...this.variables, ...this.domains], retainOnDelete: true },
    );

    // The domains' traffic: held on the live deployment while the candidate is checked. An alias
    // moves by replacement, and the replaced one is kept, or deleting it would unassign the domain.
    const holdTraffic = args.goLive === "candidate";
    this.aliases = app.domains.map(
      (domain, index) =>
        new vercel.Alias(
          `${name}-alias-${domain}`,
          { alias: domain, deploymentId: this.deployment.id },
          { parent: this, dependsOn: [this.domains[index]], retainOnDelete: true, ignoreChanges: holdTraffic ? ["deploymentId"] : [] },
        ),
    );

    this.url = this.deployment.url;
    this.candidateUrl = this.url.apply((url) => (/^https?:\/\//.test(url) ? url : `https://${url}`));
    this.registerOutputs({ projectId, url: this.url, candidateUrl: this.candidateUrl });
  }
}
