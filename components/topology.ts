/**
 * The whole release topology of one stack: GitHub governance, deployment environments, deploy
 * workflows, apps, data and flags, composed from the typed config.
 *
 * Which stack manages what is decided here, once: the stack that owns repository-wide resources
 * (`github.ownsRepositoryResources`) creates the repositories' rules, labels and workflows; every
 * stack creates the GitHub environments it lists and the apps of the environment it deploys. So
 * two stacks never manage the same resource.
 */
import * as pulumi from "@pulumi/pulumi";
import { ReleaseManifest } from "../contract";
import { deployRepositories, EnvironmentName, ENVIRONMENT_NAMES, StackConfig } from "./config";
import { flagdJson } from "./flags";
import { ReleaseRepository } from "./github/repository";
import { DeploymentEnvironment } from "./github/environment";
import { DeployWorkflows } from "./github/workflows";

export interface ReleaseTopologyArgs {
  /** The stack's parsed config. */
  config: StackConfig;
  /** The release manifest this stack deploys (built from config, ledger and changelog). */
  manifest: ReleaseManifest;
}

export class ReleaseTopology extends pulumi.ComponentResource {
  /** Repositories this stack governs (empty unless it owns repository-wide resources). */
  readonly repositories: ReleaseRepository[] = [];
  /** GitHub deployment environments, per deploy repository. */
  readonly environments: DeploymentEnvironment[] = [];
  /** Generated workflows, when this stack owns repository-wide resources. */
  readonly workflows?: DeployWorkflows;
  /** Names of the GitHub environments this stack manages. */
  readonly environmentNames: EnvironmentName[];
  /** The required status checks of each governed repository. */
  readonly requiredChecks: Record<string, string[]> = {};

  constructor(name: string, args: ReleaseTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("slipway:index:ReleaseTopology", name, {}, opts);
    const { config, manifest } = args;
    const manifestJson = JSON.stringify(manifest);

    if (config.github.ownsRepositoryResources) {
      for (const repositoryConfig of config.github.repositories) {
        // The rules follow the riskiest release in the project (see governingLevel).
        const releaseLevel = manifest.governingLevel ?? manifest.level;
        const repository = new ReleaseRepository(repositoryConfig.name, { config: repositoryConfig, releaseLevel }, { parent: this });
        this.repositories.push(repository);
        this.requiredChecks[repositoryConfig.name] = repository.requiredChecks;
      }
      this.workflows = new DeployWorkflows(
        "workflows",
        {
          repositories: this.repositories,
          deployStacks: config.github.deployStacks,
          deployRepositories: deployRepositories(config),
        },
        { parent: this },
      );
    }

    this.environmentNames = ENVIRONMENT_NAMES.filter((environment) => config.environments[environment] !== undefined);
    for (const repositoryName of deployRepositories(config)) {
      for (const environment of this.environmentNames) {
        this.environments.push(
          new DeploymentEnvironment(
            `${repositoryName}-${environment}`,
            {
              repository: repositoryName,
              environment,
              config: config.environments[environment]!,
              // Only the environment this stack deploys runs its release; preview runs pull requests.
              releaseManifestJson: environment === config.environment ? manifestJson : undefined,
              flagsJson: flagdJson(config.flags, environment),
            },
            { parent: this },
          ),
        );
      }
    }

    this.registerOutputs({ environmentNames: this.environmentNames, requiredChecks: this.requiredChecks });
  }
}
