/**
 * `slipway:migrations`: where a team's migrations run (004 §3: "separately, never as part of the
 * deploy pipeline"; 002: inside the release's own order). Every mistake is one line naming the key
 * in `pulumi config --path` form and what to do, and nothing is deployed.
 */
import { ConfigError, type ConfigProblem, type StackConfig } from "../../config/config";
import { minimalProductionConfig, parseProductionConfig } from "../support/config";

const FILE = "Pulumi.production.yaml";
const API_IMAGE = `ghcr.io/acme/api@sha256:${"1a".repeat(32)}`;
const expandJob = { name: "add-order-channel", phase: "expand", app: "api", command: ["npm", "run", "migrate"] };

/** A valid production config with the given `slipway:migrations` (absent: the default) and Kubernetes migration Jobs. */
function values(migrations: unknown, jobs: unknown[] = []): Record<string, unknown> {
  const minimal = minimalProductionConfig();
  return {
    ...minimal,
    "slipway:github": {
      ...minimal["slipway:github"],
      teams: { ...minimal["slipway:github"].teams, "db-owners": 4714 },
      users: { "dana-dba": 9003 },
    },
    "slipway:release": { ...minimal["slipway:release"], artifacts: { api: { image: API_IMAGE } } },
    ...(jobs.length > 0 ? { "slipway:apps": { kubernetes: { cluster: { context: "acme-production" }, migrations: jobs } } } : {}),
    ...(migrations === undefined ? {} : { "slipway:migrations": migrations }),
  };
}

function parse(raw: Record<string, unknown>): StackConfig {
  return parseProductionConfig(raw);
}

/** The problems a config is refused with, as `<key>: <message>`, each checked to be one line. */
function problemsOf(raw: Record<string, unknown>): string[] {
  let problems: ConfigProblem[] | undefined;
  try {
    parse(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(FILE);
    problems = (err as ConfigError).problems;
  }
  if (problems === undefined) throw new Error("expected a ConfigError");
  for (const problem of problems) expect(problem.message).not.toContain("\n");
  return problems.map((problem) => `${problem.key}: ${problem.message}`);
}

describe("the team's migration mode parses", () => {
  it("defaults to job: the release's Jobs run inside pulumi up, as before", () => {
    expect(parse(values(undefined, [expandJob])).migrations).toEqual({
      mode: "job",
      reviewerTeams: [],
      reviewerUsers: [],
      preventSelfReview: true,
    });
  });

  it("workflow mode with known reviewers and no Job inside the release", () => {
    const config = parse(values({ mode: "workflow", reviewerTeams: ["db-owners"], reviewerUsers: ["dana-dba"] }));
    expect(config.migrations).toEqual({
      mode: "workflow",
      reviewerTeams: ["db-owners"],
      reviewerUsers: ["dana-dba"],
      preventSelfReview: true,
    });
    expect(config.apps.kubernetes).toBeUndefined();
  });
});

describe("migration mistakes are named by key, on one line each", () => {
  it("workflow mode without a reviewer: a migration runs only once approved", () => {
    expect(problemsOf(values({ mode: "workflow" }))).toEqual([
      "slipway:migrations.reviewerTeams: names no reviewer: in workflow mode a migration runs only once approved (004 §3), so name the teams that approve it (reviewerTeams: [release-captains])",
    ]);
    expect(problemsOf(values({ mode: "workflow", reviewerTeams: [], reviewerUsers: [] }))).toHaveLength(1);
  });

  it("a reviewer team or user whose id the stack does not know, with the command that adds it", () => {
    expect(problemsOf(values({ mode: "workflow", reviewerTeams: ["db-owners", "dba-oncall"] }))).toEqual([
      "slipway:migrations.reviewerTeams[1]: names team 'dba-oncall', whose id is not in slipway:github.teams: run `pulumi config set --path 'slipway:github.teams.dba-oncall' <id>` (the id: gh api orgs/acme/teams/dba-oncall --jq .id)",
    ]);
    expect(problemsOf(values({ mode: "workflow", reviewerUsers: ["eve"] }))).toEqual([
      "slipway:migrations.reviewerUsers[0]: names user 'eve', whose id is not in slipway:github.users: run `pulumi config set --path 'slipway:github.users.eve' <id>` (the id: gh api users/eve --jq .id)",
    ]);
  });

  it("job mode with reviewers: the release's own approval covers its Jobs, so the key that names them is refused", () => {
    const message =
      "approves migration runs, but mode is job: the release's own approval covers its migration Jobs; set mode: workflow or remove the reviewers";
    expect(problemsOf(values({ mode: "job", reviewerTeams: ["db-owners"] }))).toEqual([`slipway:migrations.reviewerTeams: ${message}`]);
    // The default mode too, and the key named is the one that is set.
    expect(problemsOf(values({ reviewerUsers: ["dana-dba"] }))).toEqual([`slipway:migrations.reviewerUsers: ${message}`]);
  });

  it("workflow mode with migration Jobs inside the release: each Job is refused at its own key", () => {
    const contractJob = {
      name: "drop-legacy-status",
      phase: "contract",
      completes: "add-status-v2",
      app: "api",
      command: ["npm", "run", "migrate"],
    };
    expect(problemsOf(values({ mode: "workflow", reviewerTeams: ["db-owners"] }, [expandJob, contractJob]))).toEqual([
      "slipway:apps.kubernetes.migrations[0]: is a migration Job inside the release ('add-order-channel'), but slipway:migrations.mode is workflow: the migration runs in .github/workflows/migrate-production.yml (environment production-migrations) before the deploy; remove it here",
      "slipway:apps.kubernetes.migrations[1]: is a migration Job inside the release ('drop-legacy-status'), but slipway:migrations.mode is workflow: the migration runs in .github/workflows/migrate-production.yml (environment production-migrations) before the deploy; remove it here",
    ]);
    // The same Jobs are the release's own in job mode.
    expect(parse(values({ mode: "job" }, [expandJob, contractJob])).apps.kubernetes?.migrations.map((job) => job.name)).toEqual([
      "add-order-channel",
      "drop-legacy-status",
    ]);
  });

  it("an unknown mode or key says what is expected", () => {
    expect(problemsOf(values({ mode: "manual", reviewerTeams: ["db-owners"] }))).toEqual([
      "slipway:migrations.mode: expected one of job, workflow",
    ]);
    expect(problemsOf(values({ mode: "workflow", reviewers: ["db-owners"] }))).toEqual([
      expect.stringMatching(/^slipway:migrations\.reviewers: is not a known key/),
      expect.stringMatching(/^slipway:migrations\.reviewerTeams: names no reviewer/),
    ]);
  });

  it("the stack file's message carries every problem, one line each", () => {
    try {
      parse(values({ mode: "workflow" }, [expandJob]));
      throw new Error("expected a ConfigError");
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).message.split("\n")).toEqual([
        "Pulumi.production.yaml: 2 config problems:",
        expect.stringMatching(/^ {2}- slipway:migrations\.reviewerTeams: names no reviewer/),
        expect.stringMatching(/^ {2}- slipway:apps\.kubernetes\.migrations\[0\]: is a migration Job inside the release/),
      ]);
    }
  });
});
