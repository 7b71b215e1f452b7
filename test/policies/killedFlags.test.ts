/**
 * 003 §7.2: the kill switch turns a flag off in seconds, everywhere. A later deploy of a stack file
 * that still has the flag on must not quietly turn it back on: the flag stays off until its
 * definition overrides that kill by the ledger line that recorded it (l3-flags-off-in-production,
 * reading the release manifest's ledger.killedFlags).
 */
import { l3FlagsOffInProduction } from "../../policy-pack/policies/flags";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { flag, flagDocument, manifestVariable, releaseManifest } from "./fixtures";
import { messages, runStackPolicy, type Fixture } from "./harness";

/** A manifest whose ledger says the kill switch turned `names` off (flag.yml, line 41 on). */
function killedBy(...names: string[]): Fixture {
  const base = releaseManifest();
  return manifestVariable(
    releaseManifest({
      ledger: {
        ...(base.ledger as NonNullable<typeof base.ledger>),
        killedFlags: names.map((name, i) => ({ name, seq: 41 + i, workflow: ".github/workflows/flag.yml" })),
      },
    }),
  );
}

/** A hand-written ConfigMap (not Slipway's) carrying a flag document under its own key. */
const handWritten = (flags: Record<string, unknown>): Fixture => ({
  type: TYPES.k8sConfigMap,
  name: "feature-switches",
  props: { metadata: { name: "feature-switches", namespace: "shop" }, data: { "flags.flagd.json": flagDocument(flags) } },
});
const WHERE = "ConfigMap 'feature-switches' data['flags.flagd.json']";

/** A flag in the kill-switch set, approved on in production (CR-1042, a release staging validated): only the kill judges it. */
const search = (options: { on?: boolean; overridesKill?: string; targeting?: unknown } = {}) => {
  const base = flag({ level: "L1", on: options.on ?? true, killSwitch: true, scopes: "global", productionApproval: "CR-1042" });
  return {
    ...base,
    metadata: { ...(base.metadata as object), ...(options.overridesKill !== undefined ? { overridesKill: options.overridesKill } : {}) },
    ...(options.targeting !== undefined ? { targeting: options.targeting } : {}),
  };
};

const UNDOES = (where: string, key: string, seq: number) =>
  `${where} serves flag '${key}' on in production but .github/workflows/flag.yml turned it off in an emergency at ledger line ${seq} ` +
  `and no definition of it overrides that kill (metadata.overridesKill: '${seq}'), so this deploy would quietly undo the kill switch.`;

describe("a flag the kill switch turned off stays off (003 §7.2)", () => {
  test("a deploy that serves a killed flag on again is refused, naming the kill's ledger line", async () => {
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [handWritten({ "new-search": search() }), killedBy("new-search")]);
    expect(messages(outcome)).toEqual([UNDOES(WHERE, "new-search", 41)]);
  });

  test("serving it to a canary stage is serving it on too", async () => {
    const canary = { if: [{ in: [{ var: "platformAccount" }, ["acme-house"]] }, "on", "off"] };
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [
      handWritten({ "new-search": search({ on: false, targeting: canary }) }),
      killedBy("new-search"),
    ]);
    expect(messages(outcome)).toEqual([UNDOES(WHERE, "new-search", 41)]);
  });

  test("the killed flag off passes, and so does another flag on", async () => {
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [
      handWritten({ "new-search": search({ on: false }), "dark-mode": search() }),
      killedBy("new-search"),
    ]);
    expect(messages(outcome)).toEqual([]);
  });

  test("a flag that overrides that very kill may be on again", async () => {
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [
      handWritten({ "new-search": search({ overridesKill: "41" }) }),
      killedBy("new-search"),
    ]);
    expect(messages(outcome)).toEqual([]);
  });

  test("overriding an older kill does not override a newer one", async () => {
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [
      handWritten({ "dark-mode": search(), "new-search": search({ overridesKill: "12" }) }),
      killedBy("dark-mode", "new-search"),
    ]);
    expect(messages(outcome)).toEqual([UNDOES(WHERE, "dark-mode", 41), UNDOES(WHERE, "new-search", 42)]);
  });

  test("a config var turning a killed flag on is refused too", async () => {
    const vars: Fixture = {
      type: TYPES.herokuConfig,
      name: "api-config",
      props: { appId: "app-id", vars: { NEW_SEARCH: "true" }, sensitiveVars: {} },
    };
    const outcome = await runStackPolicy(l3FlagsOffInProduction, [
      handWritten({ "new-search": search({ on: false }) }),
      vars,
      killedBy("new-search"),
    ]);
    expect(messages(outcome)).toEqual([
      "Heroku ConfigAssociation 'api-config' vars.NEW_SEARCH turns flag 'new-search' on in production (NEW_SEARCH=true) but .github/workflows/flag.yml " +
        "turned it off in an emergency at ledger line 41 and no definition of it overrides that kill (metadata.overridesKill: '41'), so this deploy would quietly undo the kill switch.",
    ]);
  });

  test("without a kill in the ledger, the flag on passes", async () => {
    expect(messages(await runStackPolicy(l3FlagsOffInProduction, [handWritten({ "new-search": search() }), manifestVariable()]))).toEqual(
      [],
    );
  });
});
