/**
 * Type tokens and small readers for resource inputs.
 *
 * The pack never imports provider SDKs (the engine type-checks the pack with ts-node at load, and
 * @pulumi/github alone would cost seconds): policies match on the type token strings, which are
 * the provider schemas' real tokens.
 *
 * Inputs arrive as plain JSON behind the SDK's unknown-checking proxy: secrets already unwrapped,
 * and reading a value unknown during preview throws UnknownValueError. The readers below only
 * read; they never catch, so an unknown reaches the SDK, which reports it as an advisory
 * "can't run policy ... during preview" instead of a silent pass.
 */
import { isProductionName } from "../../../contract/production";
import type { PolicyResource } from "@pulumi/policy";
import { stackOfUrn } from "../../../contract";

/** Provider type tokens of the resources Slipway's components create. */
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
  vercelProject: "vercel:index/project:Project",
  vercelEnvVar: "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable",
  vercelDeployment: "vercel:index/deployment:Deployment",
  vercelDomain: "vercel:index/projectDomain:ProjectDomain",
  herokuApp: "heroku:app/app:App",
  herokuConfig: "heroku:app/configAssociation:ConfigAssociation",
  herokuFormation: "heroku:formation/formation:Formation",
  herokuRelease: "heroku:app/release:Release",
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

/** A loosely typed JSON object read from resource inputs. */
export type Props = Record<string, unknown>;

/** The value if it is a string, else undefined. */
export function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** The value if it is an array, else an empty array. */
export function list(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The strings of an array value (other entries dropped). */
export function strings(value: unknown): string[] {
  return list(value).filter((entry): entry is string => typeof entry === "string");
}

/** The value if it is a plain object, else an empty object. */
export function record(value: unknown): Props {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Props) : {};
}

/** The pod specs of a workload (Deployment-like, Job, CronJob). */
export function podSpecsOf(type: string, props: Props): Props[] {
  const spec = record(props.spec);
  if (type === TYPES.k8sCronJob) return [record(record(record(record(spec.jobTemplate).spec).template).spec)];
  return [record(record(spec.template).spec)];
}

/**
 * A "Max 1" block: the provider schema models it as an object, Terraform habit writes a one-element
 * list; both mean the same block. Undefined when absent.
 */
export function block(value: unknown): Props | undefined {
  if (Array.isArray(value)) return value.length > 0 ? record(value[0]) : undefined;
  return value !== null && typeof value === "object" ? (value as Props) : undefined;
}

/** True only for the boolean true. */
export function isTrue(value: unknown): boolean {
  return value === true;
}

/** The value if it is a finite number (numeric strings accepted), else undefined. */
export function numeric(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

/** The last segment of a type token: `github:index/repositoryRuleset:RepositoryRuleset` -> `RepositoryRuleset`. */
export function kindOf(type: string): string {
  const parts = type.split(":");
  return parts[parts.length - 1] || type;
}

/** Provider names shown before a kind where the kind alone is ambiguous (a Vercel vs a Kubernetes Deployment). */
const PROVIDER_LABELS: Record<string, string> = { vercel: "Vercel ", heroku: "Heroku ", postgresql: "Postgres " };

/** How a message names a resource: `RepositoryRuleset 'main-protection'`, `Vercel Deployment 'web'`. */
export function describe(resource: { type: string; name: string }): string {
  const provider = resource.type.split(":")[0];
  return `${PROVIDER_LABELS[provider] ?? ""}${kindOf(resource.type)} '${resource.name}'`;
}

/**
 * A stack's resources grouped by type, built once per resources array: stack policies ask for one
 * type per repository, which scanning every resource each time made quadratic in the stack's size.
 * An array that grew since (a test adding resources) is grouped again.
 */
const byType = new WeakMap<readonly PolicyResource[], { length: number; groups: Map<string, readonly PolicyResource[]> }>();

const NONE: readonly PolicyResource[] = Object.freeze([]);

/** Resources of one type, in the stack's order (shared between callers, so frozen). */
export function ofType(resources: readonly PolicyResource[], type: string): PolicyResource[] {
  let index = byType.get(resources);
  if (index === undefined || index.length !== resources.length) {
    const groups = new Map<string, PolicyResource[]>();
    for (const resource of resources) {
      const group = groups.get(resource.type);
      if (group === undefined) groups.set(resource.type, [resource]);
      else group.push(resource);
    }
    for (const group of groups.values()) Object.freeze(group);
    index = { length: resources.length, groups };
    byType.set(resources, index);
  }
  // Frozen at run time; typed mutable so callers keep their signatures (none changes it).
  return (index.groups.get(type) ?? NONE) as PolicyResource[];
}

/** The stack a URN belongs to (empty when the URN is malformed). */
export function stackOf(urn: string): string {
  return stackOfUrn(urn) ?? "";
}

/** The stack the resources belong to (they all share it), or undefined for an empty stack. */
export function stackOfResources(resources: PolicyResource[]): string | undefined {
  return resources.length > 0 ? stackOf(resources[0].urn) : undefined;
}

/** Whether a stack is production: by its name (contract/production.ts), or listed in `productionStacks`. */
export function isProductionStack(stack: string | undefined, productionStacks: string[]): boolean {
  return isProductionName(stack, productionStacks);
}

/** Whether a GitHub environment is production, by the same definition as stacks. */
export function isProductionEnvironment(environment: string | undefined, productionStacks: string[]): boolean {
  return isProductionName(environment, productionStacks);
}

/** A quoted, comma-separated list for messages (`'a', 'b'`), or `none`. */
export function quoteList(values: readonly string[]): string {
  return values.length === 0 ? "none" : values.map((value) => `'${value}'`).join(", ");
}

/** Every resource `resource` depends on, directly or through other dependencies. */
export function transitiveDependencies(resource: PolicyResource): Set<PolicyResource> {
  const seen = new Set<PolicyResource>();
  const pending = [...resource.dependencies];
  while (pending.length > 0) {
    const next = pending.pop() as PolicyResource;
    if (seen.has(next)) continue;
    seen.add(next);
    pending.push(...next.dependencies);
  }
  return seen;
}
