import { l3FlagsOffInProduction, sideEffectFlagsScoped } from "../../policy-pack/policies/flags";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { flag, flagDocument, flagsVariable, repository } from "./fixtures";
import { messages, runResourcePolicy, secret, unknown, type Fixture } from "./harness";

const configMap = (flags: Record<string, unknown>): Fixture => ({
    type: TYPES.k8sConfigMap,
    name: "flags",
    props: { metadata: { name: "flags", namespace: "app" }, data: { "flags.flagd.json": flagDocument(flags) } },
});

describe("l3-flags-off-in-production", () => {
    test("a new L3 flag defaults off in production", async () => {
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ "auto-publish": flag({ on: false }), "new-ui": flag({ level: "L1", on: true }) })))).toEqual([]);
    });

    test("an L3 flag on by default in production fails", async () => {
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ "auto-publish": flag({ on: true }) })))).toEqual([
            "ConfigMap 'flags' data['flags.flagd.json'] turns L3 flag 'auto-publish' on by default in production (defaultVariant: 'on') without an approving change request (metadata.productionApproval is empty).",
        ]);
    });

    test("an approved L3 flag may be on", async () => {
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ "auto-publish": flag({ on: true, productionApproval: "CR-1042" }) })))).toEqual([]);
    });

    test("a disabled flag is off whatever its default variant", async () => {
        const disabled = { ...flag({ on: true }), state: "DISABLED" };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ "auto-publish": disabled })))).toEqual([]);
    });

    test("a flag on without a level may be a side effect", async () => {
        const unlevelled = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ mystery: unlevelled })))).toEqual([
            "ConfigMap 'flags' data['flags.flagd.json'] turns flag 'mystery' on by default in production but it has no metadata.level, so it may be an L3 side effect.",
        ]);
    });

    test("flags reach production through GitHub, Heroku and Vercel too", async () => {
        const on = { "auto-publish": flag({ on: true }) };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, flagsVariable(on)))).toHaveLength(1);
        const app = { type: TYPES.herokuApp, name: "api", props: { name: "capecraft", configVars: { SLIPWAY_FLAGS: flagDocument(on) } } };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, app))).toEqual([
            "Heroku App 'api' configVars.SLIPWAY_FLAGS turns L3 flag 'auto-publish' on by default in production (defaultVariant: 'on') without an approving change request (metadata.productionApproval is empty).",
        ]);
        const vercel = { type: TYPES.vercelEnvVar, name: "flags", props: { projectId: "p", key: "SLIPWAY_FLAGS", value: secret(flagDocument(on)), targets: ["production"], sensitive: false } };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, vercel))).toHaveLength(1);
    });

    test("the GitHub production environment counts as production in any stack", async () => {
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, flagsVariable({ x: flag({ on: true }) }), { stack: "staging" }))).toHaveLength(1);
    });

    test("unreadable flag definitions fail", async () => {
        const broken = { ...configMap({}), props: { data: { "flags.flagd.json": "{not json" } } };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, broken))[0]).toMatch(/^ConfigMap 'flags' data\['flags.flagd.json'\] cannot be read as flag definitions: not JSON/);
    });

    test("a copy exported as ciphertext cannot be judged there and is left to the plain GitHub copy", async () => {
        // `pulumi stack export` holds secret values as ciphertext; the gate reads them as "[secret]".
        const exported = { type: TYPES.vercelEnvVar, name: "flags", props: { projectId: "p", key: "SLIPWAY_FLAGS", value: secret("[secret]"), targets: ["production"], sensitive: false } };
        const outcome = await runResourcePolicy(l3FlagsOffInProduction, exported);
        expect(messages(outcome)).toEqual([]);
        // Anything else that is not a flag document still fails closed.
        const garbled = { ...exported, props: { ...exported.props, value: secret("[secret") } };
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, garbled))[0]).toMatch(/cannot be read as flag definitions: not JSON/);
    });

    test("staging may turn L3 flags on (sandbox accounts)", async () => {
        expect((await runResourcePolicy(l3FlagsOffInProduction, configMap({ x: flag({ on: true }) }), { stack: "staging" })).notApplicable).toBe("the flags are not production's");
    });

    test("productionStacks is configurable", async () => {
        expect(messages(await runResourcePolicy(l3FlagsOffInProduction, configMap({ x: flag({ on: true }) }), { stack: "live", config: { productionStacks: ["live"] } }))).toHaveLength(1);
    });

    test("a flag document unknown during preview is reported, not passed", async () => {
        const pending = { ...configMap({}), props: { data: { "flags.flagd.json": unknown } } };
        expect((await runResourcePolicy(l3FlagsOffInProduction, pending)).unknown).toContain("can't run policy 'l3-flags-off-in-production' during preview");
    });

    test("a resource without flags is not applicable", async () => {
        expect((await runResourcePolicy(l3FlagsOffInProduction, repository())).notApplicable).toBe("the resource carries no flag definitions");
    });
});

describe("side-effect-flags-scoped", () => {
    test("an L3 flag in the kill-switch set with every scope passes", async () => {
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "auto-publish": flag() }), { stack: "staging" }))).toEqual([]);
    });

    test("an L3 flag outside the kill-switch set fails", async () => {
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "auto-publish": flag({ killSwitch: false }) })))).toEqual([
            "ConfigMap 'flags' data['flags.flagd.json'] L3 flag 'auto-publish' is not in the kill-switch set (metadata.killSwitch: false).",
        ]);
    });

    test("an L3 flag must support per-client, per-account and per-lane scopes", async () => {
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "auto-publish": flag({ scopes: "global" }) })))).toEqual([
            "ConfigMap 'flags' data['flags.flagd.json'] L3 flag 'auto-publish' does not support scope(s) 'client', 'platform-account', 'lane' (metadata.scopes: 'global').",
        ]);
    });

    test("non-side-effect flags need no kill switch", async () => {
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "new-ui": flag({ level: "L1", killSwitch: false, scopes: "global" }) })))).toEqual([]);
    });

    test("a flag without a level cannot be judged", async () => {
        const unlevelled = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", metadata: { scopes: "global" } };
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ mystery: unlevelled })))).toEqual([
            "ConfigMap 'flags' data['flags.flagd.json'] flag 'mystery' has no metadata.level, so it cannot be judged as a side-effect flag.",
        ]);
    });

    test("requiredScopes is configurable", async () => {
        const fixture = configMap({ "auto-publish": flag({ scopes: "global,client" }) });
        expect(messages(await runResourcePolicy(sideEffectFlagsScoped, fixture, { config: { requiredScopes: ["global", "client"] } }))).toEqual([]);
    });

    test("a resource without flags is not applicable", async () => {
        expect((await runResourcePolicy(sideEffectFlagsScoped, repository())).notApplicable).toBeDefined();
    });
});
