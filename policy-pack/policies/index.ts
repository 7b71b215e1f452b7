/**
 * Every Slipway policy, in catalogue order (the order of the DESIGN.md table). The pack's
 * entry point serves them; the catalogue script and the tests read their metadata from here.
 */
import { appPolicies } from "./apps";
import { dataPolicies } from "./data";
import { deployJobPolicies } from "./deployJobs";
import { environmentPolicies } from "./environments";
import { flagPolicies } from "./flags";
import { promotionPolicies } from "./promotion";
import { releaseProcessPolicies } from "./releaseProcess";
import { repositoryPolicies } from "./repository";
import type { ResourceValidation } from "@pulumi/policy";
import type { SlipwayPolicy } from "./shared/policy";
import { workflowSecurityPolicies } from "./workflowSecurity";

/**
 * A stack policy that sees the stack's resources sorted by URN. The engine hands AnalyzeStack its
 * resources in no fixed order (a concurrent map's), so anything a policy says about several
 * resources would otherwise change from one preview to the next, and from the offline gate.
 */
function inStableOrder(policy: SlipwayPolicy): SlipwayPolicy {
  if (!("validateStack" in policy) || policy.validateStack === undefined) return policy;
  const validate = policy.validateStack;
  return {
    ...policy,
    validateStack: (args, reportViolation) => {
      const resources = [...args.resources].sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
      return validate(Object.assign(Object.create(Object.getPrototypeOf(args)), args, { resources }), reportViolation);
    },
  };
}

/**
 * A resource policy whose "not applicable" answers cost little. The SDK answers
 * `args.notApplicable(reason)` by throwing an Error, and capturing its stack was a tenth of the
 * pack's CPU in a large gate (most policies answer it for most resources); only the reason is
 * ever read, so it is thrown without one. A policy of one resource type is not called at all for
 * the others: the SDK skips it by the type attached to its validateResource.
 */
function withCheapNotApplicable(policy: SlipwayPolicy): SlipwayPolicy {
  if (!("validateResource" in policy) || typeof policy.validateResource !== "function") return policy;
  const validate = policy.validateResource;
  const validateResource: ResourceValidation = (args, reportViolation) => {
    const notApplicable = args.notApplicable;
    return validate(
      {
        ...args,
        notApplicable: (reason?: string): never => {
          const limit = Error.stackTraceLimit;
          Error.stackTraceLimit = 0;
          try {
            return notApplicable(reason);
          } finally {
            Error.stackTraceLimit = limit;
          }
        },
      },
      reportViolation,
    );
  };
  // The SDK's own marker of a typed validation (what validateResourceOfType attaches).
  if (policy.resourceType !== undefined) Object.defineProperty(validateResource, "__pulumiType", { value: policy.resourceType });
  return { ...policy, validateResource };
}

/** The policies of the pack. */
export const policies: SlipwayPolicy[] = [
  ...repositoryPolicies,
  ...environmentPolicies,
  ...promotionPolicies,
  ...deployJobPolicies,
  ...appPolicies,
  ...dataPolicies,
  ...flagPolicies,
  ...releaseProcessPolicies,
  ...workflowSecurityPolicies,
].map((policy) => withCheapNotApplicable(inStableOrder(policy)));
