/**
 * A pull request cannot weaken the rules that judge it: its policy config is compared with the
 * default branch's, setting by setting, the way the strictness table says each one tightens.
 * Each case shows the loosening that fails and the tightening that passes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { policies } from "../../policy-pack/policies";
import { parsePolicyConfig, type PolicyInfo } from "../../gate/policyConfig";
import { policyConfigWeakenings, type Weakening } from "../../gate/weakening";

/** The pack's policies as GetAnalyzerInfo describes them. */
const PACK: PolicyInfo[] = policies.map((policy) => ({
  name: policy.name,
  description: policy.description,
  enforcementLevel: policy.enforcementLevel,
  kind: "validateStack" in policy ? "stack" : "resource",
  configSchema: policy.configSchema
    ? { properties: policy.configSchema.properties, required: policy.configSchema.required ?? [] }
    : undefined,
}));

const TEAM_CONFIG = JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "policy-config.json"), "utf8")) as Record<
  string,
  unknown
>;
const NOW = Date.parse("2026-12-01T00:00:00Z");

/** The weakenings of `head` (the pull request's config; undefined: no file) against `base` (the default branch's). */
function weakenings(base: Record<string, unknown>, head: Record<string, unknown> | undefined): Weakening[] {
  return policyConfigWeakenings(
    "slipway-guardrails",
    PACK,
    new Map(),
    parsePolicyConfig(JSON.stringify(base), "base.json"),
    head === undefined ? undefined : parsePolicyConfig(JSON.stringify(head), "policy-config.json"),
    NOW,
  );
}

/** `policy.setting: message` lines, for readable expectations. */
function found(base: Record<string, unknown>, head: Record<string, unknown> | undefined): string[] {
  return weakenings(base, head).map(
    (weakening) => `${weakening.policy}${weakening.setting ? `.${weakening.setting}` : ""}: ${weakening.message}`,
  );
}

describe("a pull request that leaves the policy config alone", () => {
  it("weakens nothing", () => {
    expect(found(TEAM_CONFIG, TEAM_CONFIG)).toEqual([]);
  });
});

describe("enforcement levels", () => {
  it("a policy disabled or made advisory is a weakening; one made mandatory is not", () => {
    expect(found({}, { "change-freeze": "disabled" })).toEqual(["change-freeze: mandatory on the default branch, disabled here"]);
    expect(found({}, { "change-freeze": { enforcementLevel: "advisory" } })).toEqual([
      "change-freeze: mandatory on the default branch, advisory here",
    ]);
    expect(found({}, { "vercel-deployment-protection": "mandatory" })).toEqual([]);
  });

  it("`all` counts for every policy: dropping a base `all: mandatory` leaves the advisory ones advisory again", () => {
    expect(found({ all: "mandatory" }, {})).toEqual(["vercel-deployment-protection: mandatory on the default branch, advisory here"]);
  });
});

describe("numbers where more is stricter", () => {
  it("fewer approvals weaken, also when the setting is dropped and falls back to its default; more do not", () => {
    const base = { "pull-request-reviews": { minApprovals: 2 } };
    expect(found(base, { "pull-request-reviews": { minApprovals: 1 } })).toEqual([
      "pull-request-reviews.minApprovals: lowered from 2 to 1 (approving reviews a pull request needs): more is stricter",
    ]);
    expect(found(base, {})).toHaveLength(1);
    expect(found(base, { "pull-request-reviews": { minApprovals: 3 } })).toEqual([]);
  });

  it("a shorter staging soak for any level weakens; naming no level keeps the playbooks' longer figure", () => {
    const base = { "promote-validated-artifact": { stagingSoakMinutes: { L3: 60 } } };
    expect(found(base, { "promote-validated-artifact": { stagingSoakMinutes: { L3: 30 } } })).toEqual([
      "promote-validated-artifact.stagingSoakMinutes: lowers L3 from 60 to 30 (minutes staging soaks a release, by level): more is stricter",
    ]);
    expect(found(base, { "promote-validated-artifact": { stagingSoakMinutes: {} } })).toEqual([]);
  });
});

describe("lists", () => {
  it("a required check dropped weakens; a check added does not", () => {
    expect(
      found({}, { "required-status-checks": { baselineChecks: ["lint", "typecheck", "unit", "integration", "migrations", "smoke"] } }),
    ).toEqual(["required-status-checks.baselineChecks: drops 'security' (checks every pull request must pass)"]);
    expect(
      found(
        {},
        {
          "required-status-checks": {
            baselineChecks: ["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke", "e2e"],
          },
        },
      ),
    ).toEqual([]);
  });

  it("a repository's own check list is compared with what it replaces", () => {
    const docsChecks = { "required-status-checks": { repositoryChecks: { "docs-site": { baselineChecks: ["lint", "build", "links"] } } } };
    expect(
      found(docsChecks, { "required-status-checks": { repositoryChecks: { "docs-site": { baselineChecks: ["lint", "build"] } } } }),
    ).toEqual(["required-status-checks.repositoryChecks: docs-site's baselineChecks drops 'links' (a repository's own check lists)"]);
    // A new override for a repository that had the pack-wide list.
    expect(found({}, { "required-status-checks": { repositoryChecks: { storefront: { baselineChecks: ["lint"] } } } })[0]).toContain(
      "storefront's baselineChecks drops 'typecheck', 'unit', 'integration', 'migrations', 'security', 'smoke'",
    );
  });

  it("fewer production stacks weaken", () => {
    expect(found({ "soak-window": { productionStacks: ["live-eu"] } }, {})).toEqual([
      "soak-window.productionStacks: drops 'live-eu' (stacks judged as production)",
    ]);
  });

  it("an allow-list that grows weakens; one that shrinks does not", () => {
    expect(found({}, { "no-plaintext-secrets": { allowedKeys: ["STRIPE_KEY"] } })).toEqual([
      "no-plaintext-secrets.allowedKeys: adds 'STRIPE_KEY' (keys never treated as credentials)",
    ]);
    expect(found({ "actions-pinned": { allowedUnpinnedActions: ["acme/setup@v1"] } }, {})).toEqual([]);
  });

  it("release tag patterns: fewer protected tags weaken one policy, more tags allowed to deploy production weaken the other", () => {
    expect(found({}, { "release-tags-protected": { releaseTagPatterns: ["v*"] } })).toEqual([
      "release-tags-protected.releaseTagPatterns: drops 'mvp-*' (release tags that must be protected)",
    ]);
    expect(found({}, { "production-protected-refs": { releaseTagPatterns: ["v*", "mvp-*", "*"] } })).toEqual([
      "production-protected-refs.releaseTagPatterns: adds '*' (tag patterns production may deploy from)",
    ]);
  });
});

describe("who may bypass", () => {
  it("another break-glass team weakens; nobody does not", () => {
    const base = { "no-bypass-actors": { breakGlassTeam: "4711" } };
    expect(found(base, { "no-bypass-actors": { breakGlassTeam: "9999" } })).toEqual([
      'no-bypass-actors.breakGlassTeam: changed from "4711" to "9999" (the one team that may bypass protection): only clearing it is stricter',
    ]);
    expect(found(base, { "no-bypass-actors": { breakGlassTeam: "" } })).toEqual([]);
  });

  it("letting admins skip the production approval weakens", () => {
    expect(found({}, { "production-approval": { allowAdminBypass: true } })).toEqual([
      "production-approval.allowAdminBypass: changed from false to true (admins may deploy production without a review): false is stricter",
    ]);
  });
});

describe("freeze windows", () => {
  const holidays = { start: "2026-12-20T00:00:00Z", end: "2027-01-03T00:00:00Z", reason: "holidays" };
  const base = { "change-freeze": { freezeWindows: [holidays] } };

  it("a window removed or shortened weakens", () => {
    expect(found(base, {})).toEqual([
      "change-freeze.freezeWindows: no longer covers the window 2026-12-20T00:00:00Z to 2027-01-03T00:00:00Z (holidays) (windows in which production changes are refused)",
    ]);
    expect(found(base, { "change-freeze": { freezeWindows: [{ ...holidays, end: "2026-12-27T00:00:00Z" }] } })).toHaveLength(1);
  });

  it("a window lengthened, split in two that cover it, or one that has already ended removed, does not", () => {
    expect(found(base, { "change-freeze": { freezeWindows: [{ ...holidays, end: "2027-01-10T00:00:00Z" }] } })).toEqual([]);
    const split = [
      { start: "2026-12-19T00:00:00Z", end: "2026-12-27T00:00:00Z" },
      { start: "2026-12-27T00:00:00Z", end: "2027-01-03T00:00:00Z" },
    ];
    expect(found(base, { "change-freeze": { freezeWindows: split } })).toEqual([]);
    const past = { "change-freeze": { freezeWindows: [{ start: "2026-11-01T00:00:00Z", end: "2026-11-02T00:00:00Z" }] } };
    expect(found(past, {})).toEqual([]);
  });
});

describe("patterns and what the pack no longer has", () => {
  it("a changed pattern weakens, whichever way it changed", () => {
    expect(found({}, { "release-metadata": { changeRequestPattern: ".*" } })[0]).toMatch(
      /^release-metadata\.changeRequestPattern: changed from ".*" to "\.\*" \(what counts as a change request id\)$/,
    );
  });

  it("a policy the default branch configures and the pull request's pack does not have is a weakening", () => {
    expect(found({ "no-friday-deploys": "mandatory" }, {})).toEqual([
      "no-friday-deploys: the default branch configures policy 'no-friday-deploys', which the pack judging this change does not have",
    ]);
  });

  it("deleting the policy config altogether is compared as the pack's defaults", () => {
    const lost = found(TEAM_CONFIG, undefined);
    expect(lost).toContain(
      "staging-isolation.productionHosts: drops 'acme.shop', 'www.acme.shop', 'api.acme.shop', 'pg-prod.acme.internal' (hosts staging must never reach)",
    );
    // The break-glass team cleared (nobody may bypass) and the external checks gone are stricter, not weaker.
    expect(lost.filter((line) => line.includes("breakGlassTeam") || line.includes("externalChecks"))).toEqual([]);
  });
});
