/**
 * Type tokens: the provider resources Slipway registers, which the policies match on and the
 * importer names in a `pulumi import` file, and Slipway's own component types. One definition;
 * test/contract/resourceTypes.test.ts holds each provider token equal to its SDK class's.
 */

/** Provider type tokens of the resources Slipway's components create (and the importer adopts). */
export const TYPES = {
  repository: "github:index/repository:Repository",
  branchDefault: "github:index/branchDefault:BranchDefault",
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  branchProtection: "github:index/branchProtection:BranchProtection",
  environment: "github:index/repositoryEnvironment:RepositoryEnvironment",
  deploymentPolicy: "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
  environmentSecret: "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
  environmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  repositorySecret: "github:index/actionsSecret:ActionsSecret",
  repositoryVariable: "github:index/actionsVariable:ActionsVariable",
  repositoryFile: "github:index/repositoryFile:RepositoryFile",
  label: "github:index/issueLabel:IssueLabel",
  vercelProject: "vercel:index/project:Project",
  vercelEnvVar: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
  vercelDeployment: "vercel:index/deployment:Deployment",
  vercelDomain: "vercel:index/projectDomain:ProjectDomain",
  herokuApp: "heroku:app/app:App",
  herokuConfig: "heroku:app/configAssociation:ConfigAssociation",
  herokuFormation: "heroku:formation/formation:Formation",
  herokuRelease: "heroku:app/release:Release",
  herokuPipeline: "heroku:pipeline/pipeline:Pipeline",
  herokuCoupling: "heroku:pipeline/coupling:Coupling",
  herokuAddon: "heroku:addon/addon:Addon",
  k8sNamespace: "kubernetes:core/v1:Namespace",
  k8sDeployment: "kubernetes:apps/v1:Deployment",
  k8sStatefulSet: "kubernetes:apps/v1:StatefulSet",
  k8sDaemonSet: "kubernetes:apps/v1:DaemonSet",
  k8sJob: "kubernetes:batch/v1:Job",
  k8sCronJob: "kubernetes:batch/v1:CronJob",
  k8sPdb: "kubernetes:policy/v1:PodDisruptionBudget",
  k8sConfigMap: "kubernetes:core/v1:ConfigMap",
  k8sSecret: "kubernetes:core/v1:Secret",
  k8sPvc: "kubernetes:core/v1:PersistentVolumeClaim",
  pgDatabase: "postgresql:index/database:Database",
  pgRole: "postgresql:index/role:Role",
  pgGrant: "postgresql:index/grant:Grant",
} as const;

/** Kubernetes workloads whose pod template carries containers. */
export const WORKLOAD_TYPES: readonly string[] = [
  TYPES.k8sDeployment,
  TYPES.k8sStatefulSet,
  TYPES.k8sDaemonSet,
  TYPES.k8sJob,
  TYPES.k8sCronJob,
];

/** Slipway's component resources (`slipway:<module>:<Type>`), the parents of what they register. */
export const COMPONENT_TYPES = {
  topology: "slipway:index:ReleaseTopology",
  releaseRepository: "slipway:github:ReleaseRepository",
  deploymentEnvironment: "slipway:github:DeploymentEnvironment",
  deployWorkflows: "slipway:github:DeployWorkflows",
  driftEnvironment: "slipway:github:DriftEnvironment",
  ledgerBranch: "slipway:github:LedgerBranch",
  codeOwners: "slipway:github:CodeOwners",
  vercelApp: "slipway:apps:VercelApp",
  herokuApp: "slipway:apps:HerokuApp",
  kubernetesWorkloads: "slipway:apps:KubernetesWorkloads",
  postgresDatabase: "slipway:data:PostgresDatabase",
} as const;
