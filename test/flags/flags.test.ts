/**
 * Flag documents: valid flagd, L3 side-effect flags off in production, and one document per
 * environment delivered unchanged to every target.
 *
 * What validates: `@openfeature/flagd-core`'s `MemoryStorage.setConfigurations(json, true)`.
 * With `strictValidation` true it checks the document against the flagd flag and targeting JSON
 * schemas bundled (precompiled) in flagd-core and throws a `ParseError` listing the schema
 * errors. (`FlagdCore.setConfigurations` alone validates non-strictly: it only logs schema
 * errors, so it is not used to validate.) `FlagdCore` then evaluates the flags, which shows
 * what a flagd provider would actually serve.
 */
import { FlagdCore, MemoryStorage } from "@openfeature/flagd-core";
import type { Logger } from "@openfeature/core";
import { HerokuApp, KubernetesWorkloads, VercelApp } from "../../components/apps";
import { configProblems, stackConfigSchema, type EnvironmentName, type FlagConfig } from "../../config/config";
import { flagdDocument, flagdJson } from "../../config/flagd";
import { flagsSourceUrl } from "../../contract";
import { find, runProgram } from "../support/mocks";
import { unwrapSecrets } from "../support/wire";
import { exampleStack } from "../support/project";

/** Collects what flagd-core would log, so a test can show nothing was swallowed. */
function recordingLogger(): Logger & { messages: string[] } {
  const messages: string[] = [];
  const log = (...args: unknown[]) => messages.push(args.map(String).join(" "));
  return { messages, error: log, warn: log, info: () => undefined, debug: log };
}

/** Validate strictly against flagd's schemas; throws on an invalid document. */
function validateStrictly(json: string): MemoryStorage {
  const storage = new MemoryStorage(recordingLogger());
  storage.setConfigurations(json, true);
  return storage;
}

const STACKS = ["staging", "production"] as const;
const ENVIRONMENTS: EnvironmentName[] = ["preview", "staging", "production"];

describe("flagd documents validate against the flagd schema", () => {
  test.each(STACKS.flatMap((stack) => ENVIRONMENTS.map((environment) => [stack, environment] as const)))(
    "the %s stack's %s document is valid flagd",
    (stack, environment) => {
      const flags = exampleStack(stack).flags;
      const storage = validateStrictly(flagdJson(flags, environment));
      expect([...storage.getFlags().keys()].sort()).toEqual(flags.map((flag) => flag.name).sort());
    },
  );

  test("an invalid document is refused by the same validation", () => {
    const document = flagdDocument(exampleStack("production").flags, "production");
    const broken = JSON.stringify({
      ...document,
      flags: { ...document.flags, "auto-publish": { ...document.flags["auto-publish"], state: "ON" } },
    });
    expect(() => validateStrictly(broken)).toThrow(/invalid flagd flag configuration/);
  });

  test("metadata values are the scalars flagd allows: level, scopes, kill switch, approval", () => {
    const document = flagdDocument(exampleStack("production").flags, "production");
    expect(document.flags["auto-publish"].metadata).toEqual({
      level: "L3",
      scopes: "global,client,platform-account,lane",
      killSwitch: true,
      productionApproval: "",
    });
    const nested = JSON.stringify({ ...document, flags: { x: { ...document.flags["auto-publish"], metadata: { scopes: ["global"] } } } });
    expect(() => validateStrictly(nested)).toThrow(/invalid flagd flag configuration/);
  });
});

describe("what flagd serves from the example documents", () => {
  const serve = (stack: "staging" | "production", environment: EnvironmentName) => {
    const logger = recordingLogger();
    const core = new FlagdCore(validateStrictly(flagdJson(exampleStack(stack).flags, environment)), logger);
    return { core, logger };
  };

  test("production serves side effects off, the rewritten checkout off, dark mode on", () => {
    const { core, logger } = serve("production", "production");
    const value = (key: string) => core.resolveBooleanEvaluation(key, true).value;
    expect([value("auto-publish"), value("new-checkout"), value("dark-mode")]).toEqual([false, false, true]);
    expect(core.resolveBooleanEvaluation("auto-publish", true).flagMetadata).toEqual({
      level: "L3",
      scopes: "global,client,platform-account,lane",
      killSwitch: true,
      productionApproval: "",
    });
    expect(logger.messages).toEqual([]);
  });

  test("staging canaries the side-effect flag on sandbox accounts (003 §4.4)", () => {
    const { core } = serve("staging", "staging");
    expect(core.resolveBooleanEvaluation("auto-publish", false).value).toBe(true);
  });

  test("previews keep side effects off", () => {
    const { core } = serve("staging", "preview");
    expect(core.resolveBooleanEvaluation("auto-publish", true).value).toBe(false);
  });
});

describe("L3 flags default off in production (003 §4.3)", () => {
  test.each(STACKS)("every L3 flag of the %s stack file is off in production, in kill switch and fully scoped", (stack) => {
    const l3: FlagConfig[] = exampleStack(stack).flags.filter((flag) => flag.level === "L3");
    expect(l3.map((flag) => flag.name)).toEqual(["auto-publish"]);
    const document = flagdDocument(l3, "production");
    for (const flag of l3) {
      expect(document.flags[flag.name].defaultVariant).toBe("off");
      expect(flag.killSwitch).toBe(true);
      expect(flag.scopes).toEqual(["global", "client", "platform-account", "lane"]);
    }
  });

  test("a flag turned on in production shows it in its default variant", () => {
    const flags = exampleStack("production").flags.map((flag) =>
      flag.name === "auto-publish" ? { ...flag, defaults: { ...flag.defaults, production: true }, productionApproval: "CR-2050" } : flag,
    );
    const document = flagdDocument(flags, "production");
    expect(document.flags["auto-publish"].defaultVariant).toBe("on");
    expect(document.flags["auto-publish"].metadata.productionApproval).toBe("CR-2050");
  });
});

describe("one document per environment, served where every target reads it", () => {
  test.each(STACKS)("the %s stack's ConfigMap holds the document; Vercel and Heroku hold only where it is served", async (stack) => {
    const config = exampleStack(stack);
    const isProduction = stack === "production";
    const flagsJson = flagdJson(config.flags, config.environment);
    const flagsUrl = flagsSourceUrl(config.github.owner, "storefront", config.environment);
    const record = await runProgram(stack, () => {
      new VercelApp("web", {
        app: config.apps.vercel[0],
        githubOwner: config.github.owner,
        environment: config.environment,
        isProduction,
        artifact: config.release.artifacts.web,
        version: config.release.version,
        flagsUrl,
        goLive: "live",
      });
      new HerokuApp("api", {
        app: config.apps.heroku[0],
        environment: config.environment,
        isProduction,
        artifact: config.release.artifacts.api,
        version: config.release.version,
        flagsUrl,
        goLive: "live",
      });
      new KubernetesWorkloads("workloads", {
        config: config.apps.kubernetes!,
        environment: config.environment,
        isProduction,
        artifacts: config.release.artifacts,
        flagsJson,
      });
    });
    const pointers = [
      unwrapSecrets(
        find(record, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "web-env-SLIPWAY_FLAGS_URL").inputs.value,
      ),
      (find(record, "heroku:app/configAssociation:ConfigAssociation", "api-config").inputs.vars as Record<string, string>)
        .SLIPWAY_FLAGS_URL,
    ];
    expect(pointers).toEqual([flagsUrl, flagsUrl]);
    const mounted = (find(record, "kubernetes:core/v1:ConfigMap", "workloads-flags").inputs.data as Record<string, string>)[
      "flags.flagd.json"
    ];
    expect(mounted).toBe(flagsJson);
    validateStrictly(mounted);
    // No copy of the document is baked into an app: a flag change must not touch them.
    const baked = record.resources.filter(
      (resource) => resource.name !== "workloads-flags" && JSON.stringify(resource.inputs).includes('\\"flags\\"'),
    );
    expect(baked.map((resource) => resource.name)).toEqual([]);
  });

  test("the staging and production documents differ exactly where the defaults differ", () => {
    const flags = exampleStack("production").flags;
    const staging = flagdDocument(flags, "staging");
    const production = flagdDocument(flags, "production");
    const changed = Object.keys(production.flags).filter(
      (key) => production.flags[key].defaultVariant !== staging.flags[key].defaultVariant,
    );
    expect(changed.sort()).toEqual(["auto-publish", "new-checkout"]);
  });
});

describe("canary stages become flagd targeting (003 §4.4)", () => {
  const STAGES = [
    { name: "house", scope: "platform-account" as const, values: ["acme-house"] },
    { name: "pilot", scope: "client" as const, values: ["globex", "initech"] },
  ];
  const autoPublish = (rollout: FlagConfig["rollout"]): FlagConfig => ({
    ...exampleStack("production").flags.find((flag) => flag.name === "auto-publish")!,
    stages: STAGES,
    rollout,
  });
  const serve = (flag: FlagConfig, context: Record<string, string>) =>
    new FlagdCore(validateStrictly(flagdJson([flag], "production")), recordingLogger()).resolveBooleanEvaluation(
      "auto-publish",
      false,
      context,
    ).value;

  test("no stage reached: off for everyone, no targeting", () => {
    expect(flagdDocument([autoPublish({})], "production").flags["auto-publish"].targeting).toBeUndefined();
    expect(serve(autoPublish({}), { platformAccount: "acme-house" })).toBe(false);
  });

  test("each stage adds its accounts to the ones before it; everyone else stays off", () => {
    const house = autoPublish({ production: "house" });
    expect([serve(house, { platformAccount: "acme-house" }), serve(house, { client: "globex" }), serve(house, {})]).toEqual([
      true,
      false,
      false,
    ]);
    const pilot = autoPublish({ production: "pilot" });
    expect([
      serve(pilot, { platformAccount: "acme-house" }),
      serve(pilot, { client: "initech" }),
      serve(pilot, { client: "umbrella" }),
      serve(pilot, {}),
    ]).toEqual([true, true, false, false]);
    expect(flagdDocument([pilot], "production").flags["auto-publish"].targeting).toEqual({
      if: [{ or: [{ in: [{ var: "platformAccount" }, ["acme-house"]] }, { in: [{ var: "client" }, ["globex", "initech"]] }] }, "on", "off"],
    });
  });

  test("a stage reached in production is not served in staging", () => {
    expect(flagdDocument([autoPublish({ production: "house" })], "staging").flags["auto-publish"].targeting).toBeUndefined();
  });
});

describe("the config contract of stages and rollout", () => {
  const parse = (flag: Record<string, unknown>) => {
    const result = stackConfigSchema.shape.flags.safeParse([
      {
        name: "auto-publish",
        level: "L3",
        scopes: ["global", "client", "platform-account", "lane"],
        killSwitch: true,
        defaults: { preview: false, staging: true, production: false },
        ...flag,
      },
    ]);
    return result.success ? [] : configProblems(result.error, undefined, ["flags"]).map((problem) => `${problem.key}: ${problem.message}`);
  };

  test("declared stages and a rollout to one of them are accepted", () => {
    expect(
      parse({ stages: [{ name: "house", scope: "platform-account", values: ["acme-house"] }], rollout: { production: "house" } }),
    ).toEqual([]);
  });

  test("a rollout to an undeclared stage, a stage on an undeclared scope and a rollout where the default is on are refused", () => {
    expect(
      parse({
        scopes: ["global", "client"],
        stages: [{ name: "house", scope: "platform-account", values: ["acme-house"] }],
        rollout: { production: "pilot", staging: "house" },
      }),
    ).toEqual([
      "slipway:flags[0].stages[0].scope: is 'platform-account', a scope the flag does not declare in scopes (global, client)",
      "slipway:flags[0].rollout.staging: names stage 'house', but defaults.staging is true, so the flag is on for everyone there: remove the rollout or set the default off",
      "slipway:flags[0].rollout.production: names stage 'pilot', which is not in stages (house)",
    ]);
  });

  test("a stage names at least one value", () => {
    expect(parse({ stages: [{ name: "house", scope: "client", values: [] }] })).toEqual([
      "slipway:flags[0].stages[0].values: a stage names at least one value",
    ]);
  });
});
