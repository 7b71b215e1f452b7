/**
 * Slipway's CrossGuard policy pack: `pulumi preview --policy-pack policy-pack` serves it. The
 * policies live one module per area under policies/; this file only builds the pack.
 */
import { PolicyPack } from "@pulumi/policy";
import { policies } from "./policies";
import { memoizeDeserialization } from "./sdkMemo";

// AnalyzeStack deserialises each resource once, not once per stack policy (sdkMemo.ts).
memoizeDeserialization();

new PolicyPack("slipway-guardrails", { policies });
