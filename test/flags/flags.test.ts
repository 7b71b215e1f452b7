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
import type { EnvironmentName, FlagConfig } from "../../components/config";
import { flagdDocument, flagdJson } from "../../components/flags";
import { exampleStack, find, runProgram, unwrapSecrets } from "../apps/harness";

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
    const broken = JSON.stringify({ ...document, flags: { ...document.flags, "auto-publish": { ...document.flags["auto-publish"], state: "ON" } } });
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

describe("one document per environment, delivered unchanged to every target", () => {
  test.each(STACKS)("the %s stack's ConfigMap, Vercel env var and Heroku config var carry the same JSON", async (stack) => {
    const config = exampleStack(stack);
    const isProduction = stack === "production";
    const flagsJson = flagdJson(config.flags, config.environment);
    const record = await runProgram(stack, () => {
      new VercelApp("web", {
        app: config.apps.vercel[0],
        githubOwner: config.github.owner,
        environment: config.environment,
        isProduction,
        artifact: config.release.artifacts.web,
        version: config.release.version,
        flagsJson,
      });
      new HerokuApp("api", {
        app: config.apps.heroku[0],
        environment: config.environment,
        isProduction,
        artifact: config.release.artifacts.api,
        version: config.release.version,
        flagsJson,
      });
      new KubernetesWorkloads("workloads", {
        config: config.apps.kubernetes!,
        environment: config.environment,
        isProduction,
        artifacts: config.release.artifacts,
        flagsJson,
      });
    });
    const delivered = [
      unwrapSecrets(find(record, "vercel:index/projectEnvironmentVariable:ProjectEnvironmentVariable", "web-env-SLIPWAY_FLAGS").inputs.value),
      (find(record, "heroku:app/configAssociation:ConfigAssociation", "api-config").inputs.vars as Record<string, string>).SLIPWAY_FLAGS,
      (find(record, "kubernetes:core/v1:ConfigMap", "workloads-flags").inputs.data as Record<string, string>)["flags.flagd.json"],
    ];
    expect(delivered).toEqual([flagsJson, flagsJson, flagsJson]);
    validateStrictly(delivered[0] as string);
  });

  test("the staging and production documents differ exactly where the defaults differ", () => {
    const flags = exampleStack("production").flags;
    const staging = flagdDocument(flags, "staging");
    const production = flagdDocument(flags, "production");
    const changed = Object.keys(production.flags).filter((key) => production.flags[key].defaultVariant !== staging.flags[key].defaultVariant);
    expect(changed.sort()).toEqual(["auto-publish", "new-checkout"]);
  });
});
