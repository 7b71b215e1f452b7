"use strict";
/**
 * The pack's entry point (package.json `main`), loaded by `@pulumi/pulumi/cmd/run-policy-pack`
 * both under the engine (`pulumi preview --policy-pack policy-pack`) and in the offline gate.
 *
 * It runs the pack's precompiled JavaScript (policy-pack/dist/, built and type-checked by
 * `npm run build`, which `npm ci` runs) while every source it was compiled from is unchanged.
 * Without that build, or when a policy (or contract/) changed since, it loads the TypeScript
 * sources instead, which run-policy-pack type-checks with ts-node as it always did, and says so
 * on stderr. `SLIPWAY_FROM_SOURCE=1` always loads the sources (what `npm run bench` compares).
 */
const { PACK_BUILD, whyStale } = require("../build/manifest");

const fromSource = Boolean(process.env.SLIPWAY_FROM_SOURCE) && process.env.SLIPWAY_FROM_SOURCE !== "0";
const stale = fromSource ? "SLIPWAY_FROM_SOURCE is set" : whyStale(PACK_BUILD);

if (stale === undefined) {
  require(PACK_BUILD.entry);
} else {
  if (!fromSource) {
    process.stderr.write(
      `slipway-guardrails: ${stale}: loading the TypeScript sources, type-checked by run-policy-pack (\`npm run build\` precompiles them)\n`,
    );
  }
  require("./index.ts");
}
