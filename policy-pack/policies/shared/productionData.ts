/**
 * What production-data-protected judges besides its `statefulTypes`, and where production is.
 *
 * - A Vercel production deployment is a rollback target (003 §5.3: "do not delete production
 *   deployments that might be rollback targets"): it is replaced by every release, so it is not
 *   protected, but it must not be deleted from Vercel when replaced (`deleteOnDestroy: true`).
 * - A StatefulSet with `volumeClaimTemplates` holds its data in the claims it creates: it is as
 *   stateful as a PersistentVolumeClaim.
 * - A Kubernetes resource is in production when its stack is, and also when its namespace, or
 *   the cluster context or default namespace of its provider, is production by name (a team
 *   running one stack for every environment).
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { isProductionName } from "../../../contract/production";
import { known } from "./known";
import { describe, isProductionStack, list, record, text, TYPES } from "./resources";

/** Why a resource holds production data, and what keeps it. */
export type DataRisk = { keep: "protect"; holds?: string } | { keep: "no-delete-on-destroy" };

/** Whether (and how) a resource holds data a delete would lose; undefined when it holds none. */
export function productionDataRisk(args: ResourceValidationArgs, statefulTypes: string[]): DataRisk | undefined {
  if (statefulTypes.includes(args.type)) return { keep: "protect" };
  if (args.type === TYPES.vercelDeployment) {
    // A preview deployment (production unset or false) is no production rollback target.
    return known(() => args.props.production === true, true) ? { keep: "no-delete-on-destroy" } : undefined;
  }
  if (args.type === TYPES.k8sStatefulSet) {
    const claims = known(() => list(record(args.props.spec).volumeClaimTemplates), []);
    if (claims.length === 0) return undefined;
    const names = claims.map((claim) => known(() => text(record(record(claim).metadata).name) ?? "?", "?"));
    return { keep: "protect", holds: `volumeClaimTemplates ${names.map((name) => `'${name}'`).join(", ")}` };
  }
  return undefined;
}

/** Where a resource is production, as messages say it (`production stack 'production'`); undefined when it is not. */
export function productionPlace(args: ResourceValidationArgs, stack: string, productionStacks: string[]): string | undefined {
  if (isProductionStack(stack, productionStacks)) return `production stack '${stack}'`;
  if (!args.type.startsWith("kubernetes:")) return undefined;
  const namespace = known(() => text(record(args.props.metadata).namespace), undefined);
  if (isProductionName(namespace, productionStacks)) return `production namespace '${namespace}' (stack '${stack}')`;
  const provider = args.provider;
  if (provider === undefined) return undefined;
  const context = known(() => text(provider.props.context), undefined);
  if (isProductionName(context, productionStacks)) return `production cluster context '${context}' (stack '${stack}')`;
  const defaultNamespace = known(() => text(provider.props.namespace), undefined);
  if (namespace === undefined && isProductionName(defaultNamespace, productionStacks))
    return `production namespace '${defaultNamespace}' (stack '${stack}')`;
  return undefined;
}

/** What is wrong with a production resource that holds data. */
export function productionDataProblems(args: ResourceValidationArgs, risk: DataRisk, place: string): string[] {
  if (risk.keep === "no-delete-on-destroy") {
    const deletes = known(() => args.props.deleteOnDestroy === true, false);
    return deletes
      ? [
          `${describe(args)} in ${place} sets deleteOnDestroy: true; replacing it would delete the previous production deployment from Vercel, a rollback target.`,
        ]
      : [];
  }
  if (args.opts.protect) return [];
  const holds = risk.holds === undefined ? "" : ` keeps its data in ${risk.holds} but`;
  return [`${describe(args)} in ${place}${holds} is not protected (protect: false); a delete or replace would destroy production data.`];
}
