/**
 * Slipway's CrossGuard policy pack: `pulumi preview --policy-pack policy-pack` serves it. The
 * policies live one module per area under policies/; this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";

new PolicyPack("slipway-guardrails", { policies });
