/**
 * Which way each setting is stricter is declared once, beside the schemas, for every setting the
 * pack has: `slipway gate --base-policy-config` reads it to tell a pull request that tightens
 * the rules from one that loosens them. A new setting without an entry fails here.
 */
import { policies } from "../../policy-pack/policies";
import { SETTING_STRICTNESS, type Stricter, strictnessOf } from "../../policy-pack/policies/shared/strictness";

/** Every (policy, setting, schema) of the pack. */
const settings = policies.flatMap((policy) =>
  Object.entries(policy.configSchema?.properties ?? {}).map(([setting, schema]) => ({
    policy: policy.name,
    setting,
    schema: schema as { type?: unknown },
  })),
);

/** The JSON schema type each kind of strictness compares. */
const TYPE_OF: Record<Stricter, string> = {
  higher: "integer",
  lower: "integer",
  "keep-every-item": "array",
  "add-no-item": "array",
  true: "boolean",
  false: "boolean",
  same: "any",
  "same-or-nobody": "string",
  "higher-per-level": "object",
  "repository-checks": "object",
  "freeze-windows": "array",
};

describe("the strictness table", () => {
  it("covers every setting of every policy, with a reason", () => {
    expect(settings.length).toBeGreaterThan(40);
    const missing = settings
      .filter(({ policy, setting }) => strictnessOf(policy, setting) === undefined)
      .map(({ policy, setting }) => `${policy}.${setting}`);
    expect(missing).toEqual([]);
    for (const { policy, setting } of settings) expect(strictnessOf(policy, setting)!.why).not.toBe("");
  });

  it("compares each setting as the type its schema declares", () => {
    const mismatched = settings
      .filter(({ policy, setting, schema }) => {
        const expected = TYPE_OF[strictnessOf(policy, setting)!.stricter];
        return expected !== "any" && schema.type !== expected;
      })
      .map(
        ({ policy, setting, schema }) =>
          `${policy}.${setting}: ${String(schema.type)} compared as ${strictnessOf(policy, setting)!.stricter}`,
      );
    expect(mismatched).toEqual([]);
  });

  it("names no setting the pack does not have, and no policy in byPolicy that does not read it", () => {
    const known = new Set(settings.map(({ setting }) => setting));
    expect(Object.keys(SETTING_STRICTNESS).filter((setting) => !known.has(setting))).toEqual([]);
    for (const [setting, entry] of Object.entries(SETTING_STRICTNESS)) {
      for (const policy of Object.keys(entry.byPolicy ?? {})) expect(settings).toContainEqual(expect.objectContaining({ policy, setting }));
    }
  });

  it("reads a setting by what it means to the policy: more release tag patterns protect more tags, but let more refs deploy production", () => {
    expect(strictnessOf("release-tags-protected", "releaseTagPatterns")!.stricter).toBe("keep-every-item");
    expect(strictnessOf("production-protected-refs", "releaseTagPatterns")!.stricter).toBe("add-no-item");
  });
});
