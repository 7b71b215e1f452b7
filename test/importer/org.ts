/**
 * The fixture organisation `acme-fixture`: 32 repositories with mixed protection, as teams leave
 * them. Rulesets on some, classic protection on others, both on a few, nothing on some;
 * an organisation ruleset over the `svc-*` repositories; environments on two deploy repositories;
 * the playbook's labels on some; one repository whose environments the token cannot read.
 */
import type { BranchRules, ClassicSettings, EnvironmentFixture, OrgFixture, RepoFixture, RepoSettings, RulesetFixture } from "./fixtures";
import { branchRules } from "./fixtures";
import { TRIAGE_LABELS } from "../../components/github/repository";

export const ORG = "acme-fixture";
export const TEAMS = { "release-captains": 4711, "sre-oncall": 4712, platform: 4713 };

const SLIPWAY_LIKE_RULES: BranchRules = {
  contexts: ["lint", "unit"],
  strict: true,
  approvals: 1,
  dismissStale: true,
  requireLastPush: true,
  threadResolution: true,
  codeOwners: false,
  deletion: true,
  nonFastForward: true,
  linearHistory: true,
};

const SLIPWAY_LIKE_CLASSIC: ClassicSettings = {
  contexts: ["lint", "unit"],
  strict: true,
  approvals: 1,
  dismissStale: true,
  requireLastPush: true,
  codeOwners: false,
  enforceAdmins: true,
  linearHistory: true,
  forcePushes: false,
  deletions: false,
  conversationResolution: true,
};

function settings(name: string, index: number, overrides: Partial<RepoSettings> = {}): RepoSettings {
  return {
    name,
    id: 1000 + index,
    description: index % 3 === 0 ? null : `The ${name} service`,
    visibility: index % 4 === 0 ? "internal" : "private",
    defaultBranch: index % 5 === 0 ? "trunk" : "main",
    allowSquashMerge: true,
    allowMergeCommit: index % 2 === 0,
    allowRebaseMerge: false,
    deleteBranchOnMerge: index % 3 !== 1,
    hasIssues: true,
    vulnerabilityAlerts: index % 7 !== 3,
    ...overrides,
  };
}

function branchRuleset(id: number, repo: string, rules: Partial<BranchRules>, extra: Partial<RulesetFixture> = {}): RulesetFixture {
  return {
    id,
    name: "protect main",
    target: "branch",
    sourceType: "Repository",
    source: `${ORG}/${repo}`,
    enforcement: "active",
    include: ["~DEFAULT_BRANCH"],
    rules: branchRules({ ...SLIPWAY_LIKE_RULES, ...rules }),
    ...extra,
  };
}

function tagRuleset(id: number, repo: string, include: string[]): RulesetFixture {
  return {
    id,
    name: "slipway: release tags",
    target: "tag",
    sourceType: "Repository",
    source: `${ORG}/${repo}`,
    enforcement: "active",
    include,
    rules: [{ type: "deletion" }, { type: "update" }, { type: "non_fast_forward" }],
  };
}

const STOREFRONT_ENVIRONMENTS: EnvironmentFixture[] = [
  {
    name: "preview",
    id: 501,
    reviewers: [],
    preventSelfReview: false,
    waitTimer: 0,
    canAdminsBypass: true,
    branchPolicy: null,
    variables: { API_BASE_URL: "https://api-preview.acme.dev" },
    secrets: [],
  },
  {
    name: "staging",
    id: 502,
    reviewers: [],
    preventSelfReview: false,
    waitTimer: 0,
    canAdminsBypass: true,
    branchPolicy: [{ id: 7001, name: "main", type: "branch" }],
    variables: { API_BASE_URL: "https://api.acme-staging.dev" },
    secrets: ["PULUMI_ACCESS_TOKEN"],
  },
  {
    name: "production",
    id: 503,
    reviewers: [
      { type: "Team", slug: "release-captains", id: TEAMS["release-captains"] },
      { type: "Team", slug: "sre-oncall", id: TEAMS["sre-oncall"] },
    ],
    preventSelfReview: true,
    waitTimer: 15,
    canAdminsBypass: false,
    branchPolicy: [
      { id: 7002, name: "main", type: "branch" },
      { id: 7003, name: "v*", type: "tag" },
    ],
    variables: { API_BASE_URL: "https://api.acme.shop", REGION: "eu" },
    secrets: ["PULUMI_ACCESS_TOKEN", "HEROKU_API_KEY"],
  },
  // Not one of the playbook's environments: listed, not managed.
  {
    name: "qa",
    id: 504,
    reviewers: [],
    preventSelfReview: false,
    waitTimer: 0,
    canAdminsBypass: true,
    branchPolicy: "protected",
    variables: {},
    secrets: [],
  },
];

/** The playbook's labels, some with today's own colours. */
function triageLabels(index: number): RepoFixture["labels"] {
  return TRIAGE_LABELS.slice(0, 4).map((l, i) => ({
    name: l.name,
    color: i === 1 && index % 2 === 0 ? "00ff00" : l.color,
    description: i === 2 ? null : l.description,
    id: 90_000 + index * 10 + i,
  }));
}

/** The fixture organisation. */
export function fixtureOrg(): OrgFixture {
  const repositories: RepoFixture[] = [];
  const add = (fixture: RepoFixture) => repositories.push(fixture);

  // 0-9: a default-branch ruleset, most with a tag ruleset; settings vary.
  for (let i = 0; i < 10; i++) {
    const name = i === 0 ? "storefront" : `web-${i}`;
    add({
      settings: settings(name, i),
      rulesets: [
        branchRuleset(
          20_000 + i,
          name,
          {
            contexts: i % 2 === 0 ? ["lint", "unit", "build"] : ["ci"],
            approvals: 1 + (i % 3),
            requireLastPush: i % 4 !== 3,
            codeOwners: i === 7,
            strict: i !== 5,
          },
          i === 6
            ? { enforcement: "evaluate" }
            : i === 8
              ? { bypassActors: [{ actor_id: TEAMS.platform, actor_type: "Team", bypass_mode: "always" }] }
              : {},
        ),
        ...(i % 3 !== 2 ? [tagRuleset(30_000 + i, name, i % 2 === 0 ? ["refs/tags/v*"] : ["refs/tags/v*", "refs/tags/mvp-*"])] : []),
      ],
      environments: i === 0 ? STOREFRONT_ENVIRONMENTS : [],
      labels: i < 5 ? triageLabels(i) : [{ name: "bug", color: "d73a4a", description: "Something isn't working", id: 80_000 + i }],
    });
  }
  // 10-19: classic protection only.
  for (let i = 10; i < 20; i++) {
    const name = i === 10 ? "api" : `svc-${i}`;
    add({
      settings: settings(name, i),
      classic: {
        ...SLIPWAY_LIKE_CLASSIC,
        contexts: i % 2 === 0 ? ["test"] : ["lint", "test", "e2e"],
        approvals: i % 4 === 0 ? 0 : 2,
        enforceAdmins: i % 3 !== 0,
        forcePushes: i === 13,
        conversationResolution: i % 2 === 1,
      },
      rulesets: i % 2 === 0 ? [tagRuleset(30_000 + i, name, ["refs/tags/v*"])] : [],
      // The api repository deploys too, with the same environments as storefront (but no qa).
      environments: i === 10 ? STOREFRONT_ENVIRONMENTS.slice(0, 3) : [],
      labels: i === 11 ? triageLabels(i) : [],
      // One repository whose environments this token cannot read.
      environmentsForbidden: i === 15,
    });
  }
  // 20-24: both a ruleset and classic protection.
  for (let i = 20; i < 25; i++) {
    const name = `svc-${i}`;
    add({
      settings: settings(name, i),
      classic: { ...SLIPWAY_LIKE_CLASSIC, contexts: i === 22 ? ["lint"] : ["lint", "unit"], approvals: 1 },
      rulesets: [branchRuleset(20_000 + i, name, {}), tagRuleset(30_000 + i, name, ["refs/tags/v*"])],
      environments: [],
      labels: [],
    });
  }
  // 25-28: no protection at all (classic answers 404).
  for (let i = 25; i < 29; i++) {
    add({ settings: settings(`tool-${i}`, i), rulesets: [], environments: [], labels: [] });
  }
  // 29-31: rulesets with other shapes: a named-branch ruleset, a disabled one, an extra unmanaged one.
  add({
    settings: settings("docs-site", 29),
    rulesets: [branchRuleset(20_029, "docs-site", { contexts: ["links"], linearHistory: false }, { include: ["refs/heads/main"] })],
    environments: [],
    labels: [],
  });
  add({
    settings: settings("legacy", 30),
    rulesets: [branchRuleset(20_030, "legacy", { deletion: false, nonFastForward: false }, { enforcement: "disabled" })],
    environments: [],
    labels: [],
  });
  add({
    settings: settings("infra", 31),
    rulesets: [
      branchRuleset(20_031, "infra", { approvals: 2 }),
      { ...branchRuleset(20_131, "infra", {}), name: "release branches", include: ["refs/heads/release/*"] },
      tagRuleset(30_031, "infra", ["refs/tags/v*"]),
    ],
    environments: [],
    labels: [],
  });

  const orgRulesets: RulesetFixture[] = [
    {
      id: 10_001,
      name: "org baseline",
      target: "branch",
      sourceType: "Organization",
      source: ORG,
      enforcement: "active",
      include: ["~DEFAULT_BRANCH"],
      repositories: ["svc-*", "tool-25"],
      rules: [{ type: "deletion" }, { type: "non_fast_forward" }],
    },
  ];
  return { org: ORG, teams: Object.entries(TEAMS).map(([slug, id]) => ({ slug, id })), repositories, orgRulesets };
}
