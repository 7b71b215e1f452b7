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
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import { flagsSourceUrl, type ReleaseManifest } from "../contract";
import { deployRepositories, type EnvironmentConfig, type EnvironmentName, ENVIRONMENT_NAMES, type StackConfig } from "../config/config";
import { flagdJson } from "../config/flagd";
import { ReleaseRepository } from "./github/repository";
import {
  DeploymentEnvironment,
  migrationsEnvironmentConfig,
  migrationsEnvironmentName,
  rollbackEnvironmentConfig,
  rollbackEnvironmentName,
} from "./github/environment";
import { DeployWorkflows } from "./github/workflows";
import { LedgerBranch } from "./github/ledgerBranch";
import { CodeOwners, ownerHandles } from "./github/codeOwners";
import { DriftEnvironment } from "./github/drift";
import { gateChecks } from "./github/policyGate";
import { LEDGER_BRANCH, type GoLivePhase } from "../contract/release";
import { VercelApp } from "./apps/vercelApp";
import { HerokuApp } from "./apps/herokuApp";
import { KubernetesWorkloads } from "./apps/kubernetesWorkloads";
import { PostgresDatabase } from "./data/postgresDatabase";
import { builtFrom } from "../config/configSource";
import {
  childKeyOfEnvironment,
  childKeyOfHerokuApp,
  childKeyOfKubernetes,
  childKeyOfLedgerBranch,
  childKeyOfRepository,
  childKeyOfVercelApp,
  childKeyOfWorkflows,
} from "./configSourceKeys";
import { COMPONENT_TYPES } from "../contract/resourceTypes";
import { nextTurn } from "./nextTurn";

export { LEDGER_BRANCH };

export interface ReleaseTopologyArgs {
  /** The stack's parsed config. */
  config: StackConfig;
  /** The release manifest this stack deploys (built from config, ledger and changelog). */
  manifest: ReleaseManifest;
  /** The ledger head this deploy read (`<seq>:<sha256>`), published as the environment's anchor for the next deploy. */
  ledgerHead: string;
  /** Whether this stack is production (stricter defaults: protection, replicas, budgets). */
  isProduction: boolean;
  /** The break-glass team's numeric id, from the policy statement; absent: nobody bypasses. */
  breakGlassTeamId?: number;
  /** The deploy's go-live phase (`SLIPWAY_GO_LIVE`): `candidate` keeps production traffic where it is; default `live`. */
  goLive?: GoLivePhase;
}

export class ReleaseTopology extends pulumi.ComponentResource {
  /** Repositories this stack governs (empty unless it owns repository-wide resources). */
  readonly repositories: ReleaseRepository[] = [];
  /** GitHub deployment environments, per deploy repository. */
  readonly environments: DeploymentEnvironment[] = [];
  /** The ledger branch of each deploy repository, when this stack owns repository-wide resources. */
  readonly ledgerBranches: LedgerBranch[] = [];
  /** CODEOWNERS of each deploy repository, when this stack owns repository-wide resources and production has approvers. */
  readonly codeOwners: CodeOwners[] = [];
  /** The drift check's environment in each deploy repository, when this stack owns repository-wide resources. */
  readonly driftEnvironments: DriftEnvironment[] = [];
  /** Generated workflows, when this stack owns repository-wide resources (set before `ready` settles). */
  workflows?: DeployWorkflows;
  /** Names of the GitHub environments this stack manages. */
  readonly environmentNames: EnvironmentName[];
  /** The required status checks of each governed repository. */
  readonly requiredChecks: Record<string, string[]> = {};
  /** Vercel projects of this environment. */
  readonly vercelApps: VercelApp[] = [];
  /** Heroku apps of this environment. */
  readonly herokuApps: HerokuApp[] = [];
  /** Kubernetes workloads of this environment, if any (set before `ready` settles). */
  kubernetes?: KubernetesWorkloads;
  /**
   * Where this stack's environment is served its flags, and nothing else: the `SLIPWAY_FLAGS`
   * variable of each of its GitHub environments (the stack's own, its rollback and migrations
   * environments, in every deploy repository) and the `slipway-flags` ConfigMap. The kill switch
   * (flag.yml) updates exactly these, with `pulumi up --target`.
   */
  readonly flagSources: pulumi.CustomResource[] = [];
  /** Postgres databases of this environment. */
  readonly databases: PostgresDatabase[] = [];
  /** The connection to this stack's cluster, when it runs Kubernetes workloads (set before `ready` settles). */
  clusterProvider?: k8s.Provider;
  /** The connection to this stack's Postgres server, when it has databases (set before `ready` settles). */
  postgresProvider?: postgresql.Provider;
  /**
   * Settles once every child exists and the outputs are registered; rejects with the error of a
   * child that refused its arguments. Read the children only after it settled.
   */
  readonly ready: Promise<void>;

  constructor(name: string, args: ReleaseTopologyArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.topology, name, {}, opts);
    this.environmentNames = ENVIRONMENT_NAMES.filter((environment) => args.config.environments[environment] !== undefined);
    this.ready = this.build(args);
  }

  /**
   * Creates the children a repository at a time, yielding to the event loop in between: what is
   * built registers (and the engine, or the offline gate, starts on it) while the rest is still
   * being built, and a large topology never holds all its pending registrations at once.
   */
  private async build(args: ReleaseTopologyArgs): Promise<void> {
    const { config, manifest } = args;
    const manifestJson = JSON.stringify(manifest);

    if (config.github.ownsRepositoryResources) {
      // Production's approvers own the rules that judge what reaches production (codeOwners.ts).
      const productionStack = config.github.deployStacks[config.github.deployStacks.length - 1];
      const approvers = config.environments[productionStack as EnvironmentName];
      const owners = ownerHandles(config.github.owner, approvers?.reviewerTeams ?? [], approvers?.reviewerUsers ?? []);
      for (const [index, repositoryConfig] of config.github.repositories.entries()) {
        await nextTurn();
        // The rules follow the riskiest release in the project (see governingLevel).
        const releaseLevel = manifest.governingLevel ?? manifest.level;
        const repositoryKey = `slipway:github.repositories[${index}]`;
        const isDeployRepository = deployRepositories(config).includes(repositoryConfig.name);
        const repository = builtFrom(
          repositoryKey,
          new ReleaseRepository(
            repositoryConfig.name,
            {
              config: repositoryConfig,
              releaseLevel,
              breakGlassTeamId: args.breakGlassTeamId,
              // A deploy repository requires its policy gate and, where production has approvers, their review.
              ...(isDeployRepository
                ? { gateChecks: gateChecks(config.github.deployStacks), requireCodeOwnerReview: owners.length > 0 }
                : {}),
            },
            { parent: this },
          ),
          childKeyOfRepository(repositoryKey),
        );
        this.repositories.push(repository);
        this.requiredChecks[repositoryConfig.name] = repository.requiredChecks;
        // Deploy repositories hold the ledger branch their deploy jobs append to, writable only
        // with the key the ledger jobs hold (the config contract requires it here).
        if (isDeployRepository) {
          const key = config.github.ledgerDeployKey!;
          const ledgerBranch = new LedgerBranch(
            `${repositoryConfig.name}-ledger`,
            {
              repository: repository.repositoryName,
              branch: LEDGER_BRANCH,
              defaultBranch: repositoryConfig.defaultBranch,
              releaseTagPatterns: repositoryConfig.releaseTagPatterns,
              deployKey: { publicKey: key.publicKey, privateKey: key.privateKey.toOutput() },
              formerRuleset: { name: `${repositoryConfig.name}-ledger`, parentUrn: repository.urn },
            },
            { parent: this },
          );
          this.ledgerBranches.push(builtFrom(repositoryKey, ledgerBranch, childKeyOfLedgerBranch));
          if (owners.length > 0) {
            const codeOwners = new CodeOwners(
              `${repositoryConfig.name}-codeowners`,
              { repository: repository.repositoryName, defaultBranch: repository.defaultBranch, owners, productionStack },
              { parent: this },
            );
            this.codeOwners.push(builtFrom(repositoryKey, codeOwners));
          } else {
            pulumi.log.warn(
              `${repositoryConfig.name}: no CODEOWNERS: environment '${productionStack}' names no reviewers in this stack, so nobody owns the policy pack and the policy config`,
            );
          }
          this.driftEnvironments.push(
            builtFrom(
              repositoryKey,
              new DriftEnvironment(
                `${repositoryConfig.name}-drift`,
                { repository: repository.repositoryName, defaultBranch: repositoryConfig.defaultBranch },
                { parent: this },
              ),
            ),
          );
        }
      }
      await nextTurn();
      this.workflows = new DeployWorkflows(
        "workflows",
        {
          repositories: this.repositories,
          deployStacks: config.github.deployStacks,
          deployRepositories: deployRepositories(config),
          ledgerBranch: LEDGER_BRANCH,
          // Deploy credentials are environment secrets named as the providers' env vars
          // (HEROKU_API_KEY, VERCEL_API_TOKEN, ...): the deploy job hands them to pulumi up.
          deploySecretNames: [
            ...new Set(ENVIRONMENT_NAMES.flatMap((name) => Object.keys(config.environments[name]?.secrets ?? {}))),
          ].sort(),
          pulumiCloudOidc: config.github.pulumiCloudOidc,
          // The team's migration mode (one per team): workflow adds migrate-<stack>.yml per deploy stack.
          migrationsMode: config.migrations.mode,
        },
        { parent: this },
      );
      builtFrom("slipway:github.deployStacks", this.workflows, childKeyOfWorkflows(config));
      await this.workflows.ready;
    }

    for (const repositoryName of deployRepositories(config)) {
      await nextTurn();
      for (const environment of this.environmentNames) {
        const deploymentEnvironment = new DeploymentEnvironment(
          `${repositoryName}-${environment}`,
          {
            repository: repositoryName,
            environment,
            config: config.environments[environment]!,
            // The config contract guarantees every reviewer has an id (crossCheck).
            reviewerTeamIds: config.environments[environment]!.reviewerTeams.map((slug) => config.github.teams[slug]),
            reviewerUserIds: config.environments[environment]!.reviewerUsers.map((login) => config.github.users[login]),
            // Only the environment this stack deploys runs its release; preview runs pull requests.
            releaseManifestJson: environment === config.environment ? manifestJson : undefined,
            ledgerAnchor: environment === config.environment ? args.ledgerHead : undefined,
            flagsJson: flagdJson(config.flags, environment),
          },
          { parent: this },
        );
        this.environments.push(builtFrom(`slipway:environments.${environment}`, deploymentEnvironment, childKeyOfEnvironment(environment)));
        if (environment === config.environment) this.flagSources.push(deploymentEnvironment.flagsVariable);
        // The stack's emergency rollback (rollback.yml) runs in an environment of its own.
        const defaultBranch = config.github.repositories.find((repository) => repository.name === repositoryName)?.defaultBranch ?? "main";
        const rollsBack = environment === config.environment && config.github.deployStacks.includes(environment);
        // An environment of the stack's own for one kind of job, with the stack's release and flags.
        const jobEnvironment = (name: string, jobConfig: EnvironmentConfig, configKey: string): void => {
          const created = new DeploymentEnvironment(
            `${repositoryName}-${name}`,
            {
              repository: repositoryName,
              environment: name,
              config: jobConfig,
              reviewerTeamIds: jobConfig.reviewerTeams.map((slug) => config.github.teams[slug]),
              reviewerUserIds: jobConfig.reviewerUsers.map((login) => config.github.users[login]),
              releaseManifestJson: manifestJson,
              ledgerAnchor: args.ledgerHead,
              flagsJson: flagdJson(config.flags, environment),
            },
            { parent: this },
          );
          this.environments.push(builtFrom(configKey, created));
          this.flagSources.push(created.flagsVariable);
        };
        if (rollsBack) {
          jobEnvironment(
            rollbackEnvironmentName(environment),
            rollbackEnvironmentConfig(config.environments[environment]!, defaultBranch),
            `slipway:environments.${environment}.rollback`,
          );
        }
        // Workflow mode: the stack's migration workflow runs in an environment of its own (004 §3).
        if (rollsBack && config.migrations.mode === "workflow") {
          jobEnvironment(
            migrationsEnvironmentName(environment),
            migrationsEnvironmentConfig(config.environments[environment]!, config.migrations, defaultBranch),
            "slipway:migrations",
          );
        }
      }
    }

    // The apps of the environment this stack deploys, each given its artifact from the release
    // and the same flag document, so every target agrees on what is on. Vercel and Heroku read
    // it where it is served, the environment's SLIPWAY_FLAGS variable of the first deploy
    // repository: its URL never changes, so a flag change redeploys no app.
    const { environment } = config;
    const flagsJson = flagdJson(config.flags, environment);
    const servingRepository = deployRepositories(config)[0];
    const flagsUrl = flagsSourceUrl(config.github.owner, servingRepository, environment);
    const previewFlagsUrl =
      config.environments.preview !== undefined ? flagsSourceUrl(config.github.owner, servingRepository, "preview") : undefined;
    const version = manifest.version;
    const artifacts = config.release.artifacts;
    const isProduction = args.isProduction;
    const goLive = args.goLive ?? "live";
    await nextTurn();
    const vercelApps = config.apps.vercel.map((app, index) =>
      builtFrom(
        `slipway:apps.vercel[${index}]`,
        new VercelApp(
          app.name,
          {
            app,
            githubOwner: config.github.owner,
            environment,
            isProduction,
            artifact: artifacts[app.name],
            version,
            flagsUrl,
            // Previews are built by the non-production project, with preview defaults.
            previewFlagsUrl: isProduction ? undefined : previewFlagsUrl,
            goLive,
          },
          { parent: this },
        ),
        childKeyOfVercelApp(`slipway:apps.vercel[${index}]`, app.name),
      ),
    );
    this.vercelApps.push(...vercelApps);
    const herokuApps = config.apps.heroku.map((app, index) =>
      builtFrom(
        `slipway:apps.heroku[${index}]`,
        new HerokuApp(
          app.name,
          { app, environment, isProduction, artifact: artifacts[app.name], version, flagsUrl, goLive },
          { parent: this },
        ),
        childKeyOfHerokuApp(`slipway:apps.heroku[${index}]`, app.name),
      ),
    );
    this.herokuApps.push(...herokuApps);
    // Explicit providers, configured from this stack's own config: the default ones would use
    // whatever kubeconfig context and Postgres settings the machine running Pulumi happens to
    // have, so a staging preview on a laptop could target production.
    const k8sConfig = config.apps.kubernetes;
    if (k8sConfig && (k8sConfig.services.length > 0 || k8sConfig.migrations.length > 0)) {
      this.clusterProvider = builtFrom(
        "slipway:apps.kubernetes.cluster",
        new k8s.Provider(
          `${environment}-cluster`,
          // ConfigMaps mutable: the provider otherwise replaces a ConfigMap whose data changes, and
          // the flag document (slipway-flags) must change in place, without a replacement.
          { context: k8sConfig.cluster.context, kubeconfig: k8sConfig.cluster.kubeconfig?.toOutput(), enableConfigMapMutable: true },
          { parent: this },
        ),
      );
      this.kubernetes = builtFrom(
        "slipway:apps.kubernetes",
        new KubernetesWorkloads(
          "workloads",
          { config: k8sConfig, environment, isProduction, artifacts, flagsJson },
          { parent: this, providers: [this.clusterProvider] },
        ),
        childKeyOfKubernetes(k8sConfig),
      );
      this.flagSources.push(this.kubernetes.flagsConfigMap);
    }
    const server = config.postgres;
    if (server !== undefined && config.databases.length > 0) {
      this.postgresProvider = new postgresql.Provider(
        `${environment}-postgres`,
        {
          host: server.host,
          port: server.port,
          username: server.username,
          password: server.password.toOutput(),
          sslmode: server.sslmode,
          database: server.database,
          // The admin role is not a superuser on managed Postgres (RDS, Cloud SQL): say so, so the
          // provider does not try superuser-only statements.
          superuser: false,
        },
        { parent: this },
      );
      builtFrom("slipway:postgres", this.postgresProvider);
    }
    const postgresProvider = this.postgresProvider;
    const databases = config.databases.map((database, index) =>
      builtFrom(
        `slipway:databases[${index}]`,
        new PostgresDatabase(
          database.name,
          { database, isProduction },
          { parent: this, providers: postgresProvider ? [postgresProvider] : [] },
        ),
      ),
    );
    this.databases.push(...databases);

    this.registerOutputs({ environmentNames: this.environmentNames, requiredChecks: this.requiredChecks });
  }
}
