import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { l3FlagsOffInProduction, sideEffectFlagsScoped } from "../../policy-pack/policies/flags";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { flag, flagDocument, flagsVariable, k8sDeployment, manifestVariable, releaseManifest, repository } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, unknown, type Fixture, type Outcome, type RunOptions } from "./harness";
import { secret } from "../support/wire";

const configMap = (flags: Record<string, unknown>): Fixture => ({
  type: TYPES.k8sConfigMap,
  name: "flags",
  props: { metadata: { name: "flags", namespace: "app" }, data: { "flags.flagd.json": flagDocument(flags) } },
});

/**
 * Judge a stack's resources: a stack policy sees them all at once, a resource policy each one in
 * turn (their violations in order; not applicable only when it is for every resource).
 */
async function judge(
  policy: StackValidationPolicy | ResourceValidationPolicy,
  fixtures: Fixture[],
  options: RunOptions = {},
): Promise<Outcome> {
  if ("validateStack" in policy && policy.validateStack !== undefined)
    return runStackPolicy(policy as StackValidationPolicy, fixtures, options);
  const outcomes = await Promise.all(fixtures.map((fixture) => runResourcePolicy(policy as ResourceValidationPolicy, fixture, options)));
  const judged = outcomes.filter((outcome) => outcome.notApplicable === undefined);
  return {
    violations: outcomes.flatMap((outcome) => outcome.violations),
    ...(judged.length === 0 && outcomes.length > 0 ? { notApplicable: outcomes[0].notApplicable } : {}),
    ...(outcomes.some((outcome) => outcome.unknown) ? { unknown: outcomes.find((outcome) => outcome.unknown)?.unknown } : {}),
  };
}

/** The message of an L3 flag on in production without an approval, where it sits. */
const unapproved = (where: string, key = "auto-publish") =>
  `${where} turns L3 flag '${key}' on by default in production (defaultVariant: 'on') without an approving change request (metadata.productionApproval is empty).`;

/** An L3 flag off by default whose targeting serves `rule`, as `slipway flag on --stage` writes it. */
const targeted = (rule: unknown, options: Parameters<typeof flag>[0] = {}) => ({ ...flag({ on: false, ...options }), targeting: rule });
/** The canary of 003 §4.4 up to its second stage: house accounts, then two clients. */
const HOUSE_THEN_PILOT = {
  if: [{ or: [{ in: [{ var: "platformAccount" }, ["acme-house"]] }, { in: [{ var: "client" }, ["globex", "initech"]] }] }, "on", "off"],
};
const WHERE = "ConfigMap 'flags' data['flags.flagd.json']";

describe("l3-flags-off-in-production: canary stages as flagd serves them (003 §4.4)", () => {
  test("an L3 flag on only for the house accounts and two named clients passes without an approval", async () => {
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted(HOUSE_THEN_PILOT) })]))).toEqual([]);
  });

  test("the same through a shared $evaluators rule passes", async () => {
    const document = JSON.stringify({ flags: { "auto-publish": targeted({ $ref: "canary" }) }, $evaluators: { canary: HOUSE_THEN_PILOT } });
    const fixture: Fixture = {
      type: TYPES.k8sConfigMap,
      name: "flags",
      props: { metadata: { name: "flags", namespace: "app" }, data: { "flags.flagd.json": document } },
    };
    expect(messages(await judge(l3FlagsOffInProduction, [fixture]))).toEqual([]);
  });

  test("targeting that serves on to everyone else fails, though the default variant is off", async () => {
    const inverted = { if: [{ in: [{ var: "client" }, ["globex"]] }, "off", "on"] };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted(inverted) })]))).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through its targeting, to a context with no client, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
    const negated = { if: [{ "!=": [{ var: "client" }, "globex"] }, "on", "off"] };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted(negated) })]))).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through its targeting, to a context with no client, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
  });

  test("every client but the named one is everyone else", async () => {
    const allButGlobex = {
      if: [{ and: [{ "!=": [{ var: "client" }, null] }, { "!": [{ in: [{ var: "client" }, ["globex"]] }] }] }, "on", "off"],
    };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted(allButGlobex) })]))).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through its targeting, to a context with a client no stage names, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
  });

  test("a context without the attribute is an outsider too", async () => {
    const unsetIsOn = { if: [{ "==": [{ var: "client" }, null] }, "on", "off"] };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted(unsetIsOn) })]))).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through its targeting, to a context with no client, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
  });

  test("a percentage rollout, the clock or a substring test cannot be bounded to named stages", async () => {
    const fractional = {
      fractional: [
        ["on", 5],
        ["off", 95],
      ],
    };
    const afterLaunch = { if: [{ ">": [{ var: "$flagd.timestamp" }, 1800000000] }, "on", "off"] };
    const substring = { if: [{ in: [{ var: "client" }, "globex-initech"] }, "on", "off"] };
    const outcome = await judge(l3FlagsOffInProduction, [
      configMap({ "auto-publish": targeted(fractional), "bulk-dm": targeted(afterLaunch), "auto-like": targeted(substring) }),
    ]);
    expect(messages(outcome)).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through targeting that is not a set of named stages (it uses 'fractional'), so it may reach anyone, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
      `${WHERE} turns L3 flag 'bulk-dm' on in production through targeting that is not a set of named stages (it uses '>'), so it may reach anyone, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
      `${WHERE} turns L3 flag 'auto-like' on in production through targeting that is not a set of named stages (it uses 'in' over something other than a list of literal values (a string is a substring test)), so it may reach anyone, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
  });

  test("targeting that turns a flag on for everyone is on by default in all but name", async () => {
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": targeted({ if: [true, "on", "off"] }) })]))).toEqual([
      `${WHERE} turns L3 flag 'auto-publish' on in production through its targeting, to everyone, outside its canary stages, without an approving change request (metadata.productionApproval is empty).`,
    ]);
  });

  test("an approved L3 flag may be served broadly", async () => {
    const fractional = {
      fractional: [
        ["on", 50],
        ["off", 50],
      ],
    };
    expect(
      messages(
        await judge(l3FlagsOffInProduction, [
          configMap({ "auto-publish": targeted(fractional, { productionApproval: "CR-1042" }) }),
          manifestVariable(),
        ]),
      ),
    ).toEqual([]);
  });
});

describe("l3-flags-off-in-production", () => {
  test("a new L3 flag defaults off in production", async () => {
    expect(
      messages(
        await judge(l3FlagsOffInProduction, [
          configMap({ "auto-publish": flag({ on: false }), "new-ui": flag({ level: "L1", on: true, killSwitch: false }) }),
        ]),
      ),
    ).toEqual([]);
  });

  test("an L3 flag on by default in production fails", async () => {
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": flag({ on: true }) })]))).toEqual([
      unapproved("ConfigMap 'flags' data['flags.flagd.json']"),
    ]);
  });

  test("an L3 flag approved by a change request the ledger links to a validated release may be on", async () => {
    expect(
      messages(
        await judge(l3FlagsOffInProduction, [
          configMap({ "auto-publish": flag({ on: true, productionApproval: "CR-1042" }) }),
          manifestVariable(),
        ]),
      ),
    ).toEqual([]);
    // An earlier release's change request counts too: the feature earned production there.
    expect(
      messages(
        await judge(l3FlagsOffInProduction, [
          configMap({ "auto-publish": flag({ on: true, productionApproval: "CR-1017" }) }),
          manifestVariable(),
        ]),
      ),
    ).toEqual([]);
  });

  test("a disabled flag is off whatever its default variant", async () => {
    const disabled = { ...flag({ on: true }), state: "DISABLED" };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": disabled })]))).toEqual([]);
  });

  test("a flag on without a level may be a side effect", async () => {
    const unlevelled = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "on" };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ mystery: unlevelled })]))).toEqual([
      "ConfigMap 'flags' data['flags.flagd.json'] turns flag 'mystery' on by default in production but it has no metadata.level, so it may be an L3 side effect.",
    ]);
  });

  test("a flag without a level served on through its targeting may be a side effect", async () => {
    const unlevelled = {
      state: "ENABLED",
      variants: { on: true, off: false },
      defaultVariant: "off",
      targeting: { if: [{ "!=": [{ var: "client" }, "globex"] }, "on", "off"] },
    };
    expect(messages(await judge(l3FlagsOffInProduction, [configMap({ mystery: unlevelled })]))).toEqual([
      `${WHERE} turns flag 'mystery' on in production through its targeting, to a context with no client but it has no metadata.level, so it may be an L3 side effect.`,
    ]);
  });

  test("flags reach production through GitHub, Heroku and Vercel too", async () => {
    const on = { "auto-publish": flag({ on: true }) };
    expect(messages(await judge(l3FlagsOffInProduction, [flagsVariable(on)]))).toHaveLength(1);
    const app = { type: TYPES.herokuApp, name: "api", props: { name: "capecraft", configVars: { SLIPWAY_FLAGS: flagDocument(on) } } };
    expect(messages(await judge(l3FlagsOffInProduction, [app]))).toEqual([unapproved("Heroku App 'api' configVars.SLIPWAY_FLAGS")]);
    const vercel = {
      type: TYPES.vercelEnvVar,
      name: "flags",
      props: { projectId: "p", key: "SLIPWAY_FLAGS", value: secret(flagDocument(on)), targets: ["production"], sensitive: false },
    };
    expect(messages(await judge(l3FlagsOffInProduction, [vercel]))).toHaveLength(1);
  });

  test("the GitHub production environment counts as production in any stack", async () => {
    expect(messages(await judge(l3FlagsOffInProduction, [flagsVariable({ x: flag({ on: true }) })], { stack: "staging" }))).toHaveLength(1);
  });

  test("unreadable flag definitions fail", async () => {
    const broken = { ...configMap({}), props: { data: { "flags.flagd.json": "{not json" } } };
    expect(messages(await judge(l3FlagsOffInProduction, [broken]))[0]).toMatch(
      /^ConfigMap 'flags' data\['flags.flagd.json'\] cannot be read as flag definitions: not JSON/,
    );
  });

  test("a flag document or flag list encrypted in a stack export cannot be judged, and is refused saying so", async () => {
    // `pulumi stack export` without --show-secrets holds secret values as ciphertext; the gate reads them as "[secret]".
    const exported = {
      type: TYPES.vercelEnvVar,
      name: "flags",
      props: { projectId: "p", key: "SLIPWAY_FLAGS", value: secret("[secret]"), targets: ["production"], sensitive: false },
    };
    const cannotJudge = (where: string) =>
      `Vercel ProjectEnvironmentVariable '${where.split(" ")[0]}' ${where.split(" ").slice(1).join(" ")} may turn flags on in production, but its value is encrypted in this stack export and cannot be judged: ` +
      "judge `pulumi stack export --show-secrets` (the gate keeps values in memory and never prints them) or run `pulumi preview --policy-pack`.";
    expect(messages(await judge(l3FlagsOffInProduction, [exported, flagsVariable({ "auto-publish": flag() })]))).toEqual([
      cannotJudge("flags env var SLIPWAY_FLAGS"),
    ]);
    // A list of enabled features under any name, encrypted: the same.
    const list = {
      type: TYPES.vercelEnvVar,
      name: "features",
      props: { projectId: "p", key: "ENABLED_FEATURES", value: secret("[secret]"), targets: ["production"], sensitive: true },
    };
    expect(messages(await judge(l3FlagsOffInProduction, [list, flagsVariable({ "auto-publish": flag() })]))).toEqual([
      cannotJudge("features env var ENABLED_FEATURES"),
    ]);
    // Read in plain text (--show-secrets, or the engine's decrypted state), the same places pass when the flags are off.
    const shown = { ...exported, props: { ...exported.props, value: secret(JSON.stringify({ flags: { "auto-publish": flag() } })) } };
    expect(messages(await judge(l3FlagsOffInProduction, [shown]))).toEqual([]);
    // An encrypted secret that says nothing about flags is not a flag carrier.
    const token = { ...list, props: { ...list.props, key: "API_TOKEN" } };
    expect(messages(await judge(l3FlagsOffInProduction, [token, flagsVariable({ "auto-publish": flag() })]))).toEqual([]);
    // Anything else that is not a flag document still fails closed.
    const garbled = { ...exported, props: { ...exported.props, value: secret("[secret") } };
    expect(messages(await judge(l3FlagsOffInProduction, [garbled]))[0]).toMatch(/cannot be read as flag definitions: not JSON/);
  });

  test("staging may turn L3 flags on (sandbox accounts)", async () => {
    expect((await judge(l3FlagsOffInProduction, [configMap({ x: flag({ on: true }) })], { stack: "staging" })).notApplicable).toBe(
      "no flags are production's",
    );
  });

  test("productionStacks is configurable", async () => {
    expect(
      messages(
        await judge(l3FlagsOffInProduction, [configMap({ x: flag({ on: true }) })], {
          stack: "tenant-a",
          config: { productionStacks: ["tenant-a"] },
        }),
      ),
    ).toHaveLength(1);
  });

  test("a flag document unknown during preview is reported, not passed", async () => {
    const pending = { ...configMap({}), props: { data: { "flags.flagd.json": unknown } } };
    expect((await judge(l3FlagsOffInProduction, [pending])).unknown).toContain(
      "can't run policy 'l3-flags-off-in-production' during preview",
    );
    // What is known is judged all the same.
    const outcome = await judge(l3FlagsOffInProduction, [pending, flagsVariable({ "auto-publish": flag({ on: true }) })]);
    expect(messages(outcome)).toEqual([unapproved("ActionsEnvironmentVariable 'flags' variable SLIPWAY_FLAGS")]);
    expect(outcome.unknown).toContain("can't run policy 'l3-flags-off-in-production' during preview");
  });

  test("a stack without flags is not applicable", async () => {
    expect((await judge(l3FlagsOffInProduction, [repository()])).notApplicable).toBe("the stack carries no flag definitions");
  });

  // Issue 10: side-effect flags by their effect, approvals the ledger can check, flags wherever they are delivered.
  describe("a side-effect flag by its effect, not its label", () => {
    test("a kill-switch flag labelled L2 on in production is refused", async () => {
      expect(
        messages(await judge(l3FlagsOffInProduction, [configMap({ "bulk-dm": flag({ level: "L2", on: true, killSwitch: true }) })])),
      ).toEqual([
        "ConfigMap 'flags' data['flags.flagd.json'] turns side-effect flag 'bulk-dm' (labelled L2, but metadata.killSwitch: true) on by default in production (defaultVariant: 'on') without an approving change request (metadata.productionApproval is empty).",
      ]);
    });

    test("a flag declaring side effects in its metadata is one, whatever its level", async () => {
      const declared = {
        ...flag({ level: "L1", on: true, killSwitch: false }),
        metadata: { level: "L1", killSwitch: false, scopes: "global", side_effects: "publish,dm" },
      };
      expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "bulk-dm": declared })]))).toEqual([
        `ConfigMap 'flags' data['flags.flagd.json'] turns side-effect flag 'bulk-dm' (labelled L1, but metadata.side_effects: "publish,dm") on by default in production (defaultVariant: 'on') without an approving change request (metadata.productionApproval is empty).`,
      ]);
      const risk = { ...flag({ level: "L2", on: true, killSwitch: false }), metadata: { level: "L2", killSwitch: false, riskLevel: "l3" } };
      expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "bulk-dm": risk })]))[0]).toContain(
        "side-effect flag 'bulk-dm' (labelled L2, but metadata.riskLevel: \"l3\")",
      );
    });

    test("clean: a plain L2 flag on in production, and side-effect metadata that says no", async () => {
      const no = {
        ...flag({ level: "L2", on: true, killSwitch: false }),
        metadata: { level: "L2", killSwitch: false, sideEffect: false, sideEffects: "none" },
      };
      expect(
        messages(
          await judge(l3FlagsOffInProduction, [configMap({ checkout: flag({ level: "L2", on: true, killSwitch: false }), ui: no })]),
        ),
      ).toEqual([]);
    });
  });

  describe("an approval is a reference the ledger can check", () => {
    const on = (productionApproval: string) => configMap({ "auto-publish": flag({ on: true, productionApproval }) });
    const notLinked = (approval: string) =>
      `ConfigMap 'flags' data['flags.flagd.json'] turns L3 flag 'auto-publish' on by default in production (defaultVariant: 'on') on approval '${approval}', which is not a change request the release ledger links to a release staging validated (release manifest ledger.validatedChangeRequests) nor the incident of a hotfix release.`;

    test("a free-form approval is refused", async () => {
      expect(messages(await judge(l3FlagsOffInProduction, [on("x"), manifestVariable()]))).toEqual([notLinked("x")]);
      expect(messages(await judge(l3FlagsOffInProduction, [on("approved by Sam"), manifestVariable()]))).toEqual([
        notLinked("approved by Sam"),
      ]);
    });

    test("a change request id the ledger does not link is refused", async () => {
      expect(messages(await judge(l3FlagsOffInProduction, [on("CR-9999"), manifestVariable()]))).toEqual([notLinked("CR-9999")]);
      // A change request the ledger records only for a release staging never validated does not count.
      const staged = releaseManifest({ ledger: { changeRequests: ["CR-1042"], validatedChangeRequests: [], rollback: null } });
      expect(messages(await judge(l3FlagsOffInProduction, [on("CR-1042"), manifestVariable(staged)]))).toEqual([notLinked("CR-1042")]);
    });

    test("without a release manifest no approval can be checked", async () => {
      expect(messages(await judge(l3FlagsOffInProduction, [on("CR-1042")]))).toEqual([
        "ConfigMap 'flags' data['flags.flagd.json'] turns L3 flag 'auto-publish' on by default in production (defaultVariant: 'on') on approval 'CR-1042', which cannot be checked: the stack has no release manifest (SLIPWAY_RELEASE_MANIFEST) carrying the ledger's change requests.",
      ]);
      const [message] = messages(await judge(l3FlagsOffInProduction, [on("CR-1042"), manifestVariable("{}")]));
      expect(message).toMatch(
        /on approval 'CR-1042', which cannot be checked: ActionsEnvironmentVariable 'release-manifest' cannot be read \(it does not match the release manifest contract/,
      );
    });

    test("a hotfix's incident approves a flag; the same id outside a hotfix does not", async () => {
      const hotfix = releaseManifest({ hotfix: true, incident: "INC-77" });
      expect(messages(await judge(l3FlagsOffInProduction, [on("INC-77"), manifestVariable(hotfix)]))).toEqual([]);
      const standard = releaseManifest({ incident: "INC-77" });
      expect(messages(await judge(l3FlagsOffInProduction, [on("INC-77"), manifestVariable(standard)]))).toEqual([notLinked("INC-77")]);
    });

    test("an approval counts only when every release the stack carries links it", async () => {
      const rollbackManifest = (validatedChangeRequests: string[]) => ({
        ...manifestVariable(
          releaseManifest({ version: "v1.3.0", ledger: { changeRequests: ["CR-1017"], validatedChangeRequests, rollback: null } }),
          "production-rollback",
        ),
        name: "rollback-release-manifest",
      });
      expect(
        messages(await judge(l3FlagsOffInProduction, [on("CR-1042"), manifestVariable(), rollbackManifest(["CR-1001", "CR-1017"])])),
      ).toEqual([notLinked("CR-1042")]);
      expect(
        messages(await judge(l3FlagsOffInProduction, [on("CR-1042"), manifestVariable(), rollbackManifest(["CR-1017", "CR-1042"])])),
      ).toEqual([]);
    });

    test("a manifest without ledger facts links no approval", async () => {
      const { ledger: _ledger, ...withoutFacts } = releaseManifest();
      expect(messages(await judge(l3FlagsOffInProduction, [on("CR-1042"), manifestVariable(withoutFacts)]))).toEqual([
        notLinked("CR-1042"),
      ]);
    });

    test("a hotfix's incident approves only itself", async () => {
      const hotfix = releaseManifest({ hotfix: true, incident: "INC-77" });
      expect(messages(await judge(l3FlagsOffInProduction, [on("INC-78"), manifestVariable(hotfix)]))).toEqual([notLinked("INC-78")]);
    });

    test("an approval written with stray spaces is the same id", async () => {
      expect(messages(await judge(l3FlagsOffInProduction, [on(" CR-1042 "), manifestVariable()]))).toEqual([]);
    });

    test("the manifest is read only when an approval must be checked", async () => {
      const pendingManifest = { ...manifestVariable(), props: { ...manifestVariable().props, value: unknown } };
      const outcome = await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": flag({ on: false }) }), pendingManifest]);
      expect(outcome.unknown).toBeUndefined();
      expect(messages(outcome)).toEqual([]);
      // When it must be, a manifest unknown during preview leaves the approval to `pulumi up`, and the rest is judged.
      const approved = configMap({ "auto-publish": flag({ on: true, productionApproval: "CR-1042" }) });
      const pending = await judge(l3FlagsOffInProduction, [approved, pendingManifest, flagsVariable({ "mass-dm": flag({ on: true }) })]);
      expect(messages(pending)).toEqual([unapproved("ActionsEnvironmentVariable 'flags' variable SLIPWAY_FLAGS", "mass-dm")]);
      expect(pending.unknown).toContain("can't run policy 'l3-flags-off-in-production' during preview");
    });
  });

  describe("flags wherever they are delivered", () => {
    const definitions = configMap({
      "auto-publish": flag({ on: false }),
      "dark-mode": flag({ level: "L1", on: true, killSwitch: false, scopes: "global" }),
    });
    const herokuConfig = (vars: Record<string, string>): Fixture => ({
      type: TYPES.herokuConfig,
      name: "api-config",
      props: { appId: "app-id", vars, sensitiveVars: {} },
    });

    test("a Heroku config var turning a known side-effect flag on is refused", async () => {
      expect(
        messages(await judge(l3FlagsOffInProduction, [definitions, herokuConfig({ NODE_ENV: "production", AUTO_PUBLISH: "true" })])),
      ).toEqual([
        "Heroku ConfigAssociation 'api-config' vars.AUTO_PUBLISH turns L3 flag 'auto-publish' on in production (AUTO_PUBLISH=true) without an approving change request (no definition of the flag carries metadata.productionApproval).",
      ]);
    });

    test("a container env var, a Vercel env var listing flags and a JSON config var are deliveries too", async () => {
      const deployment = k8sDeployment("worker", {}, { env: [{ name: "FEATURE_AUTO_PUBLISH", value: "on" }] });
      expect(messages(await judge(l3FlagsOffInProduction, [definitions, deployment]))).toEqual([
        "Deployment 'worker' containers[0].env[FEATURE_AUTO_PUBLISH] turns L3 flag 'auto-publish' on in production (FEATURE_AUTO_PUBLISH=on) without an approving change request (no definition of the flag carries metadata.productionApproval).",
      ]);
      const vercel: Fixture = {
        type: TYPES.vercelEnvVar,
        name: "features",
        props: { projectId: "p", key: "ENABLED_FEATURES", value: "dark-mode, auto-publish", targets: ["production"], sensitive: false },
      };
      expect(messages(await judge(l3FlagsOffInProduction, [definitions, vercel]))[0]).toMatch(
        /^Vercel ProjectEnvironmentVariable 'features' env var ENABLED_FEATURES turns L3 flag 'auto-publish' on in production \(ENABLED_FEATURES lists 'auto-publish'\)/,
      );
      const json = herokuConfig({ FEATURE_TOGGLES: JSON.stringify({ autoPublish: true, darkMode: true }) });
      expect(messages(await judge(l3FlagsOffInProduction, [definitions, json]))[0]).toMatch(
        /^Heroku ConfigAssociation 'api-config' vars.FEATURE_TOGGLES turns L3 flag 'auto-publish' on in production \(FEATURE_TOGGLES sets 'autoPublish': true\)/,
      );
    });

    test("a flag document under any name, in a Secret or base64-encoded, is judged", async () => {
      const on = flagDocument({ "auto-publish": flag({ on: true }) });
      const app = { type: TYPES.herokuApp, name: "api", props: { name: "capecraft", configVars: { FEATURE_FLAGS: on } } };
      expect(messages(await judge(l3FlagsOffInProduction, [app]))).toEqual([unapproved("Heroku App 'api' configVars.FEATURE_FLAGS")]);
      const encoded: Fixture = {
        type: TYPES.k8sSecret,
        name: "flagd",
        props: { metadata: { name: "flagd" }, data: { "flags.json": Buffer.from(on).toString("base64") } },
      };
      expect(messages(await judge(l3FlagsOffInProduction, [encoded]))).toEqual([unapproved("Secret 'flagd' data.flags.json")]);
    });

    test("a config var turning on a flag that no definition levels may be an L3 side effect", async () => {
      const bare = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" };
      expect(messages(await judge(l3FlagsOffInProduction, [configMap({ mystery: bare }), herokuConfig({ MYSTERY: "true" })]))).toEqual([
        "Heroku ConfigAssociation 'api-config' vars.MYSTERY turns flag 'mystery' on in production (MYSTERY=true) but no definition of it has metadata.level, so it may be an L3 side effect.",
      ]);
      // A level in any definition judges it: an L1 flag may be on.
      const levelled = [
        configMap({ mystery: flag({ level: "L1", killSwitch: false, scopes: "global" }) }),
        flagsVariable({ mystery: bare }),
      ];
      expect(messages(await judge(l3FlagsOffInProduction, [...levelled, herokuConfig({ MYSTERY: "true" })]))).toEqual([]);
    });

    test("a config var turning on a side-effect flag needs a linked approval in one of its definitions", async () => {
      const approved = (productionApproval: string) => flag({ on: false, productionApproval });
      const twice = [configMap({ "auto-publish": approved("CR-9999") }), flagsVariable({ "auto-publish": approved("CR-1042") })];
      expect(messages(await judge(l3FlagsOffInProduction, [...twice, herokuConfig({ AUTO_PUBLISH: "true" }), manifestVariable()]))).toEqual(
        [],
      );
      // Definitions that carry no productionApproval at all (one of them no metadata either) approve nothing.
      const silent = { ...flag({ on: false }), metadata: { level: "L3", killSwitch: true, scopes: "global,client,platform-account,lane" } };
      const bare = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" };
      const unapprovedTwice = [configMap({ "auto-publish": silent }), flagsVariable({ "auto-publish": bare })];
      expect(
        messages(await judge(l3FlagsOffInProduction, [...unapprovedTwice, herokuConfig({ AUTO_PUBLISH: "true" }), manifestVariable()])),
      ).toEqual([
        "Heroku ConfigAssociation 'api-config' vars.AUTO_PUBLISH turns L3 flag 'auto-publish' on in production (AUTO_PUBLISH=true) without an approving change request (no definition of the flag carries metadata.productionApproval).",
      ]);
    });

    test("a production setting or encrypted value is judged though the flag is defined only outside production", async () => {
      const githubVariable = (variableName: string, value: unknown): Fixture => ({
        type: TYPES.environmentVariable,
        name: "production-setting",
        props: { repository: "app", environment: "production", variableName, value },
      });
      const stagingDefinitions = flagsVariable({ "auto-publish": flag({ on: false }) }, "staging");
      expect(
        messages(await judge(l3FlagsOffInProduction, [stagingDefinitions, githubVariable("AUTO_PUBLISH", "true")], { stack: "staging" })),
      ).toEqual([
        "ActionsEnvironmentVariable 'production-setting' variable AUTO_PUBLISH turns L3 flag 'auto-publish' on in production (AUTO_PUBLISH=true) without an approving change request (no definition of the flag carries metadata.productionApproval).",
      ]);
      expect(
        messages(
          await judge(l3FlagsOffInProduction, [stagingDefinitions, githubVariable("AUTO_PUBLISH", secret("[secret]"))], {
            stack: "staging",
          }),
        ),
      ).toEqual([
        "ActionsEnvironmentVariable 'production-setting' variable AUTO_PUBLISH may turn flags on in production, but its value is encrypted in this stack export and cannot be judged: " +
          "judge `pulumi stack export --show-secrets` (the gate keeps values in memory and never prints them) or run `pulumi preview --policy-pack`.",
      ]);
    });

    test("a flag document whose GitHub environment is unknown in preview is not judged as production's, nor passed", async () => {
      const carrier = flagsVariable({ "auto-publish": flag({ on: true }) });
      const pending: Fixture = { ...carrier, props: { ...carrier.props, environment: unknown } };
      const outcome = await judge(l3FlagsOffInProduction, [pending], { stack: "staging" });
      expect(messages(outcome)).toEqual([]);
      expect(outcome.unknown).toContain("can't run policy 'l3-flags-off-in-production' during preview");
    });

    test("a kill is overridden when any definition of the flag names its ledger line", async () => {
      const killed = manifestVariable(
        releaseManifest({
          ledger: {
            ...(releaseManifest().ledger as NonNullable<ReturnType<typeof releaseManifest>["ledger"]>),
            killedFlags: [{ name: "auto-publish", seq: 41, workflow: ".github/workflows/flag.yml" }],
          },
        }),
      );
      const defined = (overridesKill?: string) => {
        const base = flag({ on: false, productionApproval: "CR-1042" });
        return { ...base, metadata: { ...(base.metadata as object), ...(overridesKill === undefined ? {} : { overridesKill }) } };
      };
      const turnOn = herokuConfig({ AUTO_PUBLISH: "true" });
      expect(
        messages(
          await judge(l3FlagsOffInProduction, [
            configMap({ "auto-publish": defined(" 41 ") }),
            flagsVariable({ "auto-publish": defined() }),
            turnOn,
            killed,
          ]),
        ),
      ).toEqual([]);
      expect(messages(await judge(l3FlagsOffInProduction, [configMap({ "auto-publish": defined() }), turnOn, killed]))).toEqual([
        "Heroku ConfigAssociation 'api-config' vars.AUTO_PUBLISH turns flag 'auto-publish' on in production (AUTO_PUBLISH=true) but .github/workflows/flag.yml turned it off in an emergency at ledger line 41 and no definition of it overrides that kill (metadata.overridesKill: '41'), so this deploy would quietly undo the kill switch.",
      ]);
    });

    test("an approved flag may be turned on by a config var", async () => {
      const approved = configMap({ "auto-publish": flag({ on: false, productionApproval: "CR-1042" }) });
      expect(messages(await judge(l3FlagsOffInProduction, [approved, herokuConfig({ AUTO_PUBLISH: "true" }), manifestVariable()]))).toEqual(
        [],
      );
    });

    test("clean: a config var turning a side-effect flag off, or a non-side-effect flag on, and unrelated settings", async () => {
      const vars = herokuConfig({
        AUTO_PUBLISH: "false",
        DARK_MODE: "true",
        PUBLISH_MODE: "on",
        SLIPWAY_FLAGS: flagDocument({ "auto-publish": flag() }),
      });
      expect(messages(await judge(l3FlagsOffInProduction, [definitions, vars]))).toEqual([]);
    });

    test("clean: staging may set a side-effect flag on through a config var", async () => {
      expect(
        (await judge(l3FlagsOffInProduction, [definitions, herokuConfig({ AUTO_PUBLISH: "true" })], { stack: "staging" })).notApplicable,
      ).toBe("no flags are production's");
    });
  });
});

describe("side-effect-flags-scoped", () => {
  test("an L3 flag in the kill-switch set with every scope passes", async () => {
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "auto-publish": flag() }), { stack: "staging" }))).toEqual(
      [],
    );
  });

  test("a kill switch needs an off to switch to: a variant whose value is false", async () => {
    const alwaysOn = { ...flag({ on: true }), variants: { on: true, alsoOn: true } };
    expect(messages(await judge(sideEffectFlagsScoped, [configMap({ "auto-publish": alwaysOn })]))).toEqual([
      "ConfigMap 'flags' data['flags.flagd.json'] L3 flag 'auto-publish' cannot be switched off: none of its variants ('on', 'alsoOn') is false.",
    ]);
    expect(messages(await judge(sideEffectFlagsScoped, [configMap({ "auto-publish": flag({ on: true }) })]))).toEqual([]);
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
    expect(
      messages(
        await runResourcePolicy(sideEffectFlagsScoped, configMap({ "new-ui": flag({ level: "L1", killSwitch: false, scopes: "global" }) })),
      ),
    ).toEqual([]);
  });

  test("a flag without a level cannot be judged", async () => {
    const unlevelled = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", metadata: { scopes: "global" } };
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ mystery: unlevelled })))).toEqual([
      "ConfigMap 'flags' data['flags.flagd.json'] flag 'mystery' has no metadata.level, so it cannot be judged as a side-effect flag.",
    ]);
  });

  test("an L3 flag whose metadata says nothing of kill switch or scopes fails on both", async () => {
    const bareL3 = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off", metadata: { level: "L3" } };
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "auto-publish": bareL3 })))).toEqual([
      `${WHERE} L3 flag 'auto-publish' is not in the kill-switch set (metadata.killSwitch: unset).`,
      `${WHERE} L3 flag 'auto-publish' does not support scope(s) 'global', 'client', 'platform-account', 'lane' (metadata.scopes: '').`,
    ]);
    // No metadata at all: no level to judge it by.
    const bare = { state: "ENABLED", variants: { on: true, off: false }, defaultVariant: "off" };
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ mystery: bare })))).toEqual([
      `${WHERE} flag 'mystery' has no metadata.level, so it cannot be judged as a side-effect flag.`,
    ]);
  });

  test("requiredScopes is configurable", async () => {
    const fixture = configMap({ "auto-publish": flag({ scopes: "global,client" }) });
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, fixture, { config: { requiredScopes: ["global", "client"] } }))).toEqual(
      [],
    );
  });

  test("a resource without flags is not applicable", async () => {
    expect((await runResourcePolicy(sideEffectFlagsScoped, repository())).notApplicable).toBe("the resource carries no flag definitions");
  });

  // Issue 10: by effect, not label; and in documents wherever they sit.
  test("a flag declaring side effects but labelled L2 must be in the kill-switch set and support every scope", async () => {
    const declared = {
      ...flag({ level: "L2", killSwitch: false, scopes: "global" }),
      metadata: { level: "L2", killSwitch: false, scopes: "global", sideEffect: true },
    };
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, configMap({ "bulk-dm": declared }), { stack: "staging" }))).toEqual([
      "ConfigMap 'flags' data['flags.flagd.json'] side-effect flag 'bulk-dm' (labelled L2, but metadata.sideEffect: true) is not in the kill-switch set (metadata.killSwitch: false).",
      "ConfigMap 'flags' data['flags.flagd.json'] side-effect flag 'bulk-dm' (labelled L2, but metadata.sideEffect: true) does not support scope(s) 'client', 'platform-account', 'lane' (metadata.scopes: 'global').",
    ]);
    const killSwitch = configMap({ "bulk-dm": flag({ level: "L2", killSwitch: true, scopes: "global" }) });
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, killSwitch))).toEqual([
      "ConfigMap 'flags' data['flags.flagd.json'] side-effect flag 'bulk-dm' (labelled L2, but metadata.killSwitch: true) does not support scope(s) 'client', 'platform-account', 'lane' (metadata.scopes: 'global').",
    ]);
  });

  test("a flag document in a config var of another name is judged", async () => {
    const app = {
      type: TYPES.herokuConfig,
      name: "api-config",
      props: { appId: "a", vars: { FEATURE_FLAGS: flagDocument({ "auto-publish": flag({ killSwitch: false }) }) }, sensitiveVars: {} },
    };
    expect(messages(await runResourcePolicy(sideEffectFlagsScoped, app, { stack: "staging" }))).toEqual([
      "Heroku ConfigAssociation 'api-config' vars.FEATURE_FLAGS L3 flag 'auto-publish' is not in the kill-switch set (metadata.killSwitch: false).",
    ]);
    // A JSON value that is not shaped like flag definitions is not one.
    const other = { ...app, props: { ...app.props, vars: { SETTINGS: JSON.stringify({ flags: { retries: 3 } }) } } };
    expect((await runResourcePolicy(sideEffectFlagsScoped, other)).notApplicable).toBe("the resource carries no flag definitions");
  });
});
