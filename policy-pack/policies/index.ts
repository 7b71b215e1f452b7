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
import type { SlipwayPolicy } from "./shared/policy";
import { workflowSecurityPolicies } from "./workflowSecurity";

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
];
