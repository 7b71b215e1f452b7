/**
 * The config contract: the examples parse, defaults come from the playbooks, and every mistake is
 * named by file, key path and reason, all at once.
 */
import * as path from "node:path";
import * as fc from "fast-check";
import { ConfigError, SecretString, keyPath } from "../../config/config";
import { DEFAULT_REQUIRED_CHECKS } from "../../contract/repositoryRules";
import { readStackFile, toEngineConfig, loadStackConfig } from "../../config/stackFile";
import { minimalProductionConfig, parseProductionConfig } from "../support/config";

const projectDir = path.resolve(__dirname, "..", "..");

/** A minimal valid production config; tests break one thing at a time. */
const minimal = minimalProductionConfig;
const parse = parseProductionConfig;

function problemsOf(values: Record<string, unknown>, securePaths: string[] = []): string[] {
  try {
    parse(values, securePaths);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

describe("the example stacks", () => {
  it.each(["staging", "production"])("Pulumi.%s.yaml parses", (stack) => {
    const stackFile = readStackFile(projectDir, stack);
    const { config } = toEngineConfig(stackFile);
    const parsed = loadStackConfig(projectDir, stack, config);
    expect(parsed.environment).toBe(stack);
    expect(parsed.github.repositories.length).toBeGreaterThan(0);
  });

  it("production's secrets are secure: leaves, held as SecretString", () => {
    const stackFile = readStackFile(projectDir, "production");
    expect(stackFile.securePaths).toContain("slipway:environments.production.secrets.HEROKU_API_KEY");
    const { config } = toEngineConfig(stackFile);
    const parsed = loadStackConfig(projectDir, "production", config);
    const secret = parsed.environments.production!.secrets.HEROKU_API_KEY;
    expect(secret).toBeInstanceOf(SecretString);
    expect(String(secret)).toBe("[secret]");
    expect(JSON.stringify({ secret })).toBe('{"secret":"[secret]"}');
  });

  it("the engine config marks every key holding a secure leaf as secret", () => {
    const { secretKeys } = toEngineConfig(readStackFile(projectDir, "production"));
    expect(secretKeys).toEqual(expect.arrayContaining(["slipway:environments", "slipway:apps", "slipway:postgres"]));
    expect(secretKeys).not.toContain("slipway:release");
  });
});

describe("defaults come from the playbooks", () => {
  const config = parse(minimal());
  const repo = config.github.repositories[0];

  it("the baseline required checks are 003 §3.3's", () => {
    expect(repo.requiredChecks).toEqual(["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke"]);
    expect(repo.l3Checks).toEqual(["side-effect-contracts", "policy-regression", "browser-smoke"]);
  });

  it("one approval, two for L3; rulesets protect main; release tags are v* and mvp-*", () => {
    expect(repo.minApprovals).toBe(1);
    expect(repo.l3MinApprovals).toBe(2);
    expect(repo.protection).toBe("ruleset");
    expect(repo.defaultBranch).toBe("main");
    expect(repo.releaseTagPatterns).toEqual(["v*", "mvp-*"]);
  });

  it("environments forbid self-review and admin bypass by default", () => {
    const production = config.environments.production!;
    expect(production.preventSelfReview).toBe(true);
    expect(production.canAdminsBypass).toBe(false);
    expect(production.deployRefs).toBeUndefined();
  });

  it("a release is not a hotfix unless it says so", () => {
    expect(config.release.hotfix).toBe(false);
  });
});

describe("config mistakes are named by file, key and reason", () => {
  it("a missing reviewer list is fine, but a misspelt key is not", () => {
    const values = minimal();
    (values["slipway:environments"] as any).production.reviewer = ["alice"];
    expect(problemsOf(values)).toEqual([
      "slipway:environments.production.reviewer: is not a known key (misspelt, or in the wrong section?)",
    ]);
  });

  it("an unknown slipway key lists the known ones; provider keys are left alone", () => {
    const values = { ...minimal(), "slipway:enviroments": {}, "github:owner": "acme" };
    expect(problemsOf(values)).toEqual([
      "slipway:enviroments: is not a Slipway key (known keys: environment, github, environments, release, apps, databases, postgres, flags, migrations)",
    ]);
  });

  it("a plain-text secret says how to store it as a secret", () => {
    const values = minimal();
    (values["slipway:environments"] as any).production.secrets = { HEROKU_API_KEY: "hk-plain" };
    expect(problemsOf(values)).toEqual([
      "slipway:environments.production.secrets.HEROKU_API_KEY: is plain text, but this key only takes a secret: run `pulumi config set --secret --path 'slipway:environments.production.secrets.HEROKU_API_KEY' <value>`",
    ]);
  });

  it("a secret where a plain value belongs is named too", () => {
    const values = minimal();
    (values["slipway:environments"] as any).production.variables = { API_URL: "v1:abc" };
    expect(problemsOf(values, ["slipway:environments.production.variables.API_URL"])).toEqual([
      "slipway:environments.production.variables.API_URL: is a secret, but this key takes a plain value (it is not sensitive: store it without --secret)",
    ]);
  });

  it("every problem is reported at once", () => {
    const values = minimal();
    (values["slipway:release"] as any).version = "latest";
    (values["slipway:release"] as any).level = "L4";
    (values["slipway:github"] as any).repositories[0].minApprovals = 0;
    expect(problemsOf(values)).toEqual([
      "slipway:github.repositories[0].minApprovals: the playbooks require at least 1 approving review",
      "slipway:release.version: expected a SemVer version (1.4.0) or mvp-X.Y.Z",
      "slipway:release.level: expected one of L0, L1, L2, L3",
    ]);
  });

  it("the stack's own environment must be configured", () => {
    const values = minimal();
    values["slipway:environments"] = { staging: {} };
    expect(problemsOf(values)).toEqual([
      "slipway:environments.production: is missing: this stack deploys 'production', so it must configure that environment",
    ]);
  });

  it("an artifact must be immutable: an image by tag is refused", () => {
    const values = minimal();
    (values["slipway:release"] as any).artifacts = { worker: { image: "ghcr.io/acme/worker:latest" } };
    expect(problemsOf(values)).toEqual([
      "slipway:release.artifacts.worker.image: expected an image pinned by digest (registry/name@sha256:<64 hex>); tags like :latest can move",
    ]);
  });

  it("a Vercel app needs its commit SHA in the release", () => {
    const values = minimal();
    values["slipway:apps"] = { vercel: [{ name: "web", repository: "shop" }] };
    expect(problemsOf(values)).toEqual([
      "slipway:release.artifacts.web.commitSha: is required: slipway:apps.vercel[0] (web) deploys a Vercel deployment from it",
    ]);
  });

  it("the deploy repository must be one of the repositories", () => {
    const values = minimal();
    (values["slipway:github"] as any).deployRepositories = ["nope"];
    expect(problemsOf(values)).toEqual(["slipway:github.deployRepositories[0]: names 'nope', which is not one of the repositories (shop)"]);
  });

  it("a required field that is missing says so", () => {
    const values = minimal();
    delete values["slipway:release"];
    expect(problemsOf(values)).toEqual(["slipway:release: is required"]);
  });

  it("a value of the wrong type says what it got", () => {
    const values = minimal();
    (values["slipway:environments"] as any).production.waitTimerMinutes = "fifteen";
    (values["slipway:github"] as any).ownsRepositoryResources = "yes";
    expect(problemsOf(values)).toEqual([
      "slipway:github.ownsRepositoryResources: expected boolean, got a string",
      "slipway:environments.production.waitTimerMinutes: expected number, got a string",
    ]);
  });

  it("the error message names the stack file and counts the problems", () => {
    const values = minimal();
    (values["slipway:release"] as any).changeRequest = "";
    expect(() => parse(values)).toThrow(
      "Pulumi.production.yaml: 1 config problem:\n  - slipway:release.changeRequest: a change request id is required",
    );
  });
});

describe("key paths use pulumi config --path syntax", () => {
  it("formats nested keys and list indexes", () => {
    expect(keyPath(["github", "repositories", 0, "name"])).toBe("slipway:github.repositories[0].name");
  });

  it("any set of required checks survives parsing unchanged", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,15}$/), { minLength: 1, maxLength: 8 }), (checks) => {
        const values = minimal();
        (values["slipway:github"] as any).repositories[0].requiredChecks = checks;
        (values["slipway:github"] as any).repositories[0].l3Checks = [];
        expect(parse(values).github.repositories[0].requiredChecks).toEqual(checks);
      }),
      { numRuns: 50 },
    );
    expect(DEFAULT_REQUIRED_CHECKS).toHaveLength(7);
  });
});

describe("a preview needs no lookups: the config names GitHub teams and users by id", () => {
  it("a reviewer team without an id is refused with the command that adds it", () => {
    const values = minimal();
    (values["slipway:github"] as any).teams = {};
    expect(problemsOf(values)).toEqual([
      "slipway:environments.production.reviewerTeams[0]: names team 'release-captains', whose id is not in slipway:github.teams: run `pulumi config set --path 'slipway:github.teams.release-captains' <id>` (the id: gh api orgs/acme/teams/release-captains --jq .id)",
    ]);
  });

  it("a reviewer user without an id is refused", () => {
    const values = minimal();
    (values["slipway:environments"] as any).production.reviewerUsers = ["alice"];
    expect(problemsOf(values)).toEqual([
      expect.stringMatching(
        /^slipway:environments\.production\.reviewerUsers\[0\]: names user 'alice', whose id is not in slipway:github\.users/,
      ),
    ]);
  });

  it("the break-glass team id moved to policy-config.json, and the old key says so", () => {
    const values = minimal();
    (values["slipway:github"] as any).repositories[0].breakGlassTeamId = 4711;
    expect(problemsOf(values)).toEqual([
      expect.stringMatching(
        /^slipway:github\.repositories\[0\]\.breakGlassTeamId: moved: the break-glass team's id is named once, in policy-config\.json/,
      ),
    ]);
  });

  it("a Heroku app either owns its pipeline or couples into another stack's, not both", () => {
    const values = minimal();
    values["slipway:apps"] = {
      heroku: [{ name: "api", appName: "acme-api", pipeline: "acme-api", pipelineId: "3f9d2c41-7b6e-4a58-9c0d-2e1f4a6b8c73" }],
    };
    (values["slipway:release"] as any).artifacts = { api: { slugId: "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b" } };
    expect(problemsOf(values)).toEqual([
      "slipway:apps.heroku[0].pipelineId: is set together with pipeline: a stack either owns the pipeline (pipeline) or couples into another stack's (pipelineId)",
    ]);
  });
});

describe("the emergency rollback's approvers (slipway:environments.<env>.rollback)", () => {
  const withRollback = (rollback: unknown) => {
    const values = minimal();
    (values["slipway:environments"] as any).production.rollback = rollback;
    return values;
  };

  it("names teams whose ids the stack knows; reviewers default to the environment's when the section is absent", () => {
    expect(parse(withRollback({ reviewerTeams: ["release-captains"] })).environments.production!.rollback).toEqual({
      reviewerTeams: ["release-captains"],
      reviewerUsers: [],
      preventSelfReview: true,
    });
    expect(parse(minimal()).environments.production!.rollback).toBeUndefined();
  });

  it("a team without an id, an empty list and an unknown key are each refused at their key", () => {
    expect(problemsOf(withRollback({ reviewerTeams: ["sre-oncall"] }))).toEqual([
      "slipway:environments.production.rollback.reviewerTeams[0]: names team 'sre-oncall', whose id is not in slipway:github.teams: run `pulumi config set --path 'slipway:github.teams.sre-oncall' <id>` (the id: gh api orgs/acme/teams/sre-oncall --jq .id)",
    ]);
    expect(problemsOf(withRollback({ reviewerTeams: [] }))).toEqual([
      "slipway:environments.production.rollback: names no reviewer: a rollback deploys production, so name the teams that approve it (reviewerTeams: [release-captains, sre-oncall])",
    ]);
    // A rollback has no wait timer of its own to set.
    expect(problemsOf(withRollback({ reviewerTeams: ["release-captains"], waitTimerMinutes: 5 }))).toEqual([
      "slipway:environments.production.rollback.waitTimerMinutes: is not a known key (misspelt, or in the wrong section?)",
    ]);
  });
});
