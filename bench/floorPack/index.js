"use strict";
/**
 * The protocol's floor, for `npm run bench`: the policy pack as it is served (the same policies,
 * names, kinds, resource types and config schemas, the same SDK and the same memo of
 * deserialisation), with every validation replaced by one that judges nothing. A gate with this
 * pack pays everything but the policies' own work: the analyzer protocol, both sides of it, and
 * the SDK's per-resource and per-policy wrapping. The difference to the real gate is what the
 * policies cost.
 *
 * Plain JavaScript, loading the pack's build: run-policy-pack would type-check TypeScript first,
 * which is not part of the floor.
 */
const path = require("node:path");
const { PolicyPack } = require("@pulumi/policy");
const { PACK_BUILD, whyStale } = require("../../build/manifest");

const stale = whyStale(PACK_BUILD);
if (stale !== undefined) throw new Error(`bench/floorPack: the policy pack's build is out of date (${stale}): run \`npm run build\``);

const built = path.dirname(PACK_BUILD.entry);
const { policies } = require(path.join(built, "policies"));
const { memoizeDeserialization } = require(path.join(built, "sdkMemo"));

memoizeDeserialization();

/** A validation that judges nothing, keeping the resource type the SDK reads to skip other types. */
function judgesNothing(validation) {
  const nothing = () => undefined;
  const type = validation.__pulumiType;
  if (type !== undefined) Object.defineProperty(nothing, "__pulumiType", { value: type });
  return nothing;
}

new PolicyPack("slipway-floor", {
  policies: policies.map((policy) =>
    "validateStack" in policy
      ? { ...policy, validateStack: judgesNothing(policy.validateStack) }
      : { ...policy, validateResource: judgesNothing(policy.validateResource) },
  ),
});
