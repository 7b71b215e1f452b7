/**
 * The type tokens the pack matches on and the importer adopts by (contract/resourceTypes.ts) are
 * the ones the program's SDK classes register, and each names a resource of the vendored provider
 * schema. A token copied wrong on either side would make a policy silently judge nothing.
 */
import * as github from "@pulumi/github";
import * as k8s from "@pulumi/kubernetes";
import * as postgresql from "@pulumi/postgresql";
import * as vercel from "@pulumiverse/vercel";
import * as heroku from "../../components/apps/heroku/binding";
import { COMPONENT_TYPES, TYPES } from "../../contract/resourceTypes";
import { loadSchema, packageOf } from "../../providers/schema";

/** The SDK class the program registers for each token (Heroku: our typed binding of the pulumiverse schema). */
const SDK_CLASSES: Record<Exclude<keyof typeof TYPES, "herokuAddon">, unknown> = {
  repository: github.Repository,
  branchDefault: github.BranchDefault,
  ruleset: github.RepositoryRuleset,
  branchProtection: github.BranchProtection,
  environment: github.RepositoryEnvironment,
  deploymentPolicy: github.RepositoryEnvironmentDeploymentPolicy,
  environmentSecret: github.ActionsEnvironmentSecret,
  environmentVariable: github.ActionsEnvironmentVariable,
  repositorySecret: github.ActionsSecret,
  repositoryVariable: github.ActionsVariable,
  repositoryFile: github.RepositoryFile,
  label: github.IssueLabel,
  vercelProject: vercel.Project,
  vercelEnvVar: vercel.ProjectEnvironmentVariable,
  vercelDeployment: vercel.Deployment,
  vercelDomain: vercel.ProjectDomain,
  herokuApp: heroku.App,
  herokuConfig: heroku.ConfigAssociation,
  herokuFormation: heroku.Formation,
  herokuRelease: heroku.Release,
  herokuPipeline: heroku.Pipeline,
  herokuCoupling: heroku.Coupling,
  k8sNamespace: k8s.core.v1.Namespace,
  k8sDeployment: k8s.apps.v1.Deployment,
  k8sStatefulSet: k8s.apps.v1.StatefulSet,
  k8sDaemonSet: k8s.apps.v1.DaemonSet,
  k8sJob: k8s.batch.v1.Job,
  k8sCronJob: k8s.batch.v1.CronJob,
  k8sPdb: k8s.policy.v1.PodDisruptionBudget,
  k8sConfigMap: k8s.core.v1.ConfigMap,
  k8sSecret: k8s.core.v1.Secret,
  k8sPvc: k8s.core.v1.PersistentVolumeClaim,
  pgDatabase: postgresql.Database,
  pgRole: postgresql.Role,
  pgGrant: postgresql.Grant,
};

/** The token an SDK class registers with (`__pulumiType`, internal to the generated SDKs). */
function registeredType(sdkClass: unknown): string | undefined {
  return (sdkClass as { __pulumiType?: string }).__pulumiType;
}

describe("the contract's type tokens", () => {
  test.each(Object.entries(SDK_CLASSES))("%s is the token its SDK class registers", (key, sdkClass) => {
    expect(registeredType(sdkClass)).toBe(TYPES[key as keyof typeof TYPES]);
  });

  test("every provider token but the add-on (the program registers none; the pack judges them) has an SDK class", () => {
    const withoutClass = Object.keys(TYPES).filter((key) => !(key in SDK_CLASSES));
    expect(withoutClass).toEqual(["herokuAddon"]);
  });

  test.each(Object.entries(TYPES))("%s names a resource of the vendored provider schema", (_key, token) => {
    const schema = loadSchema(packageOf(token));
    expect(Object.keys(schema.resources ?? {})).toContain(token);
  });

  test("a token that is not in its provider's schema is caught", () => {
    expect(Object.keys(loadSchema("github").resources ?? {})).not.toContain("github:index/repository:Repo");
  });

  test("component types follow slipway:<module>:<Type>, each once", () => {
    const tokens = Object.values(COMPONENT_TYPES);
    for (const token of tokens) expect(token).toMatch(/^slipway:[a-z]+:[A-Z][A-Za-z]+$/);
    expect(new Set(tokens).size).toBe(tokens.length);
  });
});
