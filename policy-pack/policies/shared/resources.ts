/**
 * Type tokens and small readers for resource inputs.
 *
 * The pack never imports provider SDKs (the engine type-checks the pack with ts-node at load, and
 * @pulumi/github alone would cost seconds): policies match on the type token strings of
 * contract/resourceTypes.ts, which a test holds equal to the provider SDKs' own.
 *
 * Inputs arrive as plain JSON behind the SDK's unknown-checking proxy: secrets already unwrapped,
 * and reading a value unknown during preview throws UnknownValueError. The readers below only
 * read; they never catch, so an unknown reaches the SDK, which reports it as an advisory
 * "can't run policy ... during preview" instead of a silent pass.
 */
import { isProductionName } from "../../../contract/production";
import type { PolicyResource } from "@pulumi/policy";
import { stackOfUrn } from "../../../contract";

// The type tokens are the contract's (one definition for the program, the importer and the pack).
import { TYPES, WORKLOAD_TYPES } from "../../../contract/resourceTypes";
export { TYPES, WORKLOAD_TYPES };

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
