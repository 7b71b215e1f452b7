/**
 * A fixture organisation as GitHub's REST API describes it, and a local HTTP server (127.0.0.1,
 * no network) that answers the GET requests `slipway import` makes from it: paginated with Link
 * headers, with scripted rate limits and permission gaps. Every answer is checked against
 * GitHub's OpenAPI description (openapi.ts); a drifted fixture is a problem the tests assert on.
 */
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { shapeProblems } from "./openapi";

const API = "https://api.github.com";
const TIME = "2026-11-01T10:00:00Z";

/** A user or organisation account as GitHub's `simple-user`. */
export function account(login: string, id: number, type: "User" | "Organization" = "User"): Record<string, unknown> {
  const url = `${API}/users/${login}`;
  return {
    login,
    id,
    node_id: `U_${id}`,
    avatar_url: `https://avatars.githubusercontent.com/u/${id}`,
    gravatar_id: "",
    url,
    html_url: `https://github.com/${login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    site_admin: false,
  };
}

/** A team as GitHub's `team`. */
export function team(org: string, slug: string, id: number): Record<string, unknown> {
  const url = `${API}/organizations/1/team/${id}`;
  return {
    id,
    node_id: `T_${id}`,
    url,
    html_url: `https://github.com/orgs/${org}/teams/${slug}`,
    name: slug,
    slug,
    description: null,
    privacy: "closed",
    notification_setting: "notifications_enabled",
    permission: "pull",
    members_url: `${url}/members{/member}`,
    repositories_url: `${url}/repos`,
    type: "organization",
    parent: null,
  };
}

/** The settings a fixture repository is built from. */
export interface RepoSettings {
  name: string;
  id: number;
  description?: string | null;
  visibility: "private" | "internal" | "public";
  defaultBranch: string;
  allowSquashMerge: boolean;
  allowMergeCommit: boolean;
  allowRebaseMerge: boolean;
  deleteBranchOnMerge: boolean;
  hasIssues: boolean;
  archived?: boolean;
  /** Dependabot vulnerability alerts; default on. */
  vulnerabilityAlerts?: boolean;
}

/** A repository as GitHub's `full-repository`. */
export function repository(org: string, settings: RepoSettings): Record<string, unknown> {
  const full = `${org}/${settings.name}`;
  const url = `${API}/repos/${full}`;
  const urls: Record<string, string> = {};
  for (const [key, suffix] of Object.entries({
    archive_url: "/{archive_format}{/ref}",
    assignees_url: "/assignees{/user}",
    blobs_url: "/git/blobs{/sha}",
    branches_url: "/branches{/branch}",
    collaborators_url: "/collaborators{/collaborator}",
    comments_url: "/comments{/number}",
    commits_url: "/commits{/sha}",
    compare_url: "/compare/{base}...{head}",
    contents_url: "/contents/{+path}",
    contributors_url: "/contributors",
    deployments_url: "/deployments",
    downloads_url: "/downloads",
    events_url: "/events",
    forks_url: "/forks",
    git_commits_url: "/git/commits{/sha}",
    git_refs_url: "/git/refs{/sha}",
    git_tags_url: "/git/tags{/sha}",
    hooks_url: "/hooks",
    issue_comment_url: "/issues/comments{/number}",
    issue_events_url: "/issues/events{/number}",
    issues_url: "/issues{/number}",
    keys_url: "/keys{/key_id}",
    labels_url: "/labels{/name}",
    languages_url: "/languages",
    merges_url: "/merges",
    milestones_url: "/milestones{/number}",
    notifications_url: "/notifications{?since,all,participating}",
    pulls_url: "/pulls{/number}",
    releases_url: "/releases{/id}",
    stargazers_url: "/stargazers",
    statuses_url: "/statuses/{sha}",
    subscribers_url: "/subscribers",
    subscription_url: "/subscription",
    tags_url: "/tags",
    teams_url: "/teams",
    trees_url: "/git/trees{/sha}",
  })) {
    urls[key] = `${url}${suffix}`;
  }
  return {
    id: settings.id,
    node_id: `R_${settings.id}`,
    name: settings.name,
    full_name: full,
    owner: account(org, 1, "Organization"),
    private: settings.visibility !== "public",
    visibility: settings.visibility,
    html_url: `https://github.com/${full}`,
    description: settings.description ?? null,
    fork: false,
    url,
    ...urls,
    clone_url: `https://github.com/${full}.git`,
    git_url: `git://github.com/${full}.git`,
    ssh_url: `git@github.com:${full}.git`,
    svn_url: `https://github.com/${full}`,
    mirror_url: null,
    homepage: null,
    language: "TypeScript",
    forks: 0,
    forks_count: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 100,
    default_branch: settings.defaultBranch,
    open_issues: 0,
    open_issues_count: 0,
    is_template: false,
    topics: [],
    has_issues: settings.hasIssues,
    has_projects: false,
    has_wiki: false,
    has_pages: false,
    has_downloads: false,
    has_discussions: false,
    archived: settings.archived ?? false,
    disabled: false,
    pushed_at: TIME,
    created_at: TIME,
    updated_at: TIME,
    permissions: { admin: true, maintain: true, push: true, triage: true, pull: true },
    allow_squash_merge: settings.allowSquashMerge,
    allow_merge_commit: settings.allowMergeCommit,
    allow_rebase_merge: settings.allowRebaseMerge,
    delete_branch_on_merge: settings.deleteBranchOnMerge,
    allow_auto_merge: false,
    network_count: 0,
    subscribers_count: 0,
    license: null,
  };
}

/** Settings of classic protection. */
export interface ClassicSettings {
  contexts: string[];
  strict: boolean;
  approvals: number;
  dismissStale: boolean;
  requireLastPush: boolean;
  codeOwners: boolean;
  enforceAdmins: boolean;
  linearHistory: boolean;
  forcePushes: boolean;
  deletions: boolean;
  conversationResolution: boolean;
}

/** Classic protection as GitHub's `branch-protection`. */
export function classicProtection(org: string, repo: string, branch: string, settings: ClassicSettings): Record<string, unknown> {
  const url = `${API}/repos/${org}/${repo}/branches/${branch}/protection`;
  const flag = (enabled: boolean) => ({ enabled });
  return {
    url,
    required_status_checks: {
      url: `${url}/required_status_checks`,
      strict: settings.strict,
      contexts: settings.contexts,
      contexts_url: `${url}/required_status_checks/contexts`,
      checks: settings.contexts.map((context) => ({ context, app_id: null })),
    },
    required_pull_request_reviews: {
      url: `${url}/required_pull_request_reviews`,
      dismiss_stale_reviews: settings.dismissStale,
      require_code_owner_reviews: settings.codeOwners,
      required_approving_review_count: settings.approvals,
      require_last_push_approval: settings.requireLastPush,
    },
    enforce_admins: { url: `${url}/enforce_admins`, enabled: settings.enforceAdmins },
    required_linear_history: flag(settings.linearHistory),
    allow_force_pushes: flag(settings.forcePushes),
    allow_deletions: flag(settings.deletions),
    block_creations: flag(false),
    required_conversation_resolution: flag(settings.conversationResolution),
    lock_branch: flag(false),
    allow_fork_syncing: flag(false),
    required_signatures: { url: `${url}/required_signatures`, enabled: false },
  };
}

/** A ruleset rule as GitHub's `repository-rule`. */
export type Rule = { type: string; parameters?: Record<string, unknown> };

/** Rules a default-branch ruleset is built from. */
export interface BranchRules {
  contexts: string[];
  strict: boolean;
  approvals: number;
  dismissStale: boolean;
  requireLastPush: boolean;
  threadResolution: boolean;
  codeOwners: boolean;
  deletion: boolean;
  nonFastForward: boolean;
  linearHistory: boolean;
}

export function branchRules(settings: BranchRules): Rule[] {
  const rules: Rule[] = [];
  if (settings.deletion) rules.push({ type: "deletion" });
  if (settings.nonFastForward) rules.push({ type: "non_fast_forward" });
  if (settings.linearHistory) rules.push({ type: "required_linear_history" });
  rules.push({
    type: "pull_request",
    parameters: {
      required_approving_review_count: settings.approvals,
      dismiss_stale_reviews_on_push: settings.dismissStale,
      require_code_owner_review: settings.codeOwners,
      require_last_push_approval: settings.requireLastPush,
      required_review_thread_resolution: settings.threadResolution,
      allowed_merge_methods: ["squash"],
    },
  });
  rules.push({
    type: "required_status_checks",
    parameters: {
      strict_required_status_checks_policy: settings.strict,
      do_not_enforce_on_create: false,
      required_status_checks: settings.contexts.map((context) => ({ context })),
    },
  });
  return rules;
}

/** A ruleset as GitHub's `repository-ruleset`. */
export interface RulesetFixture {
  id: number;
  name: string;
  target: "branch" | "tag";
  sourceType: "Repository" | "Organization";
  source: string;
  enforcement: "active" | "disabled" | "evaluate";
  include: string[];
  exclude?: string[];
  /** Organisation rulesets: repository name patterns they cover. */
  repositories?: string[];
  bypassActors?: {
    actor_id: number;
    actor_type: "Team" | "OrganizationAdmin" | "RepositoryRole" | "Integration" | "DeployKey";
    bypass_mode: "always" | "pull_request";
  }[];
  rules: Rule[];
}

export function ruleset(fixture: RulesetFixture): Record<string, unknown> {
  return {
    id: fixture.id,
    name: fixture.name,
    target: fixture.target,
    source_type: fixture.sourceType,
    source: fixture.source,
    enforcement: fixture.enforcement,
    bypass_actors: fixture.bypassActors ?? [],
    current_user_can_bypass: "never",
    node_id: `RRS_${fixture.id}`,
    _links: { self: { href: `${API}/rulesets/${fixture.id}` }, html: { href: `https://github.com/rulesets/${fixture.id}` } },
    conditions: {
      ref_name: { include: fixture.include, exclude: fixture.exclude ?? [] },
      ...(fixture.repositories ? { repository_name: { include: fixture.repositories, exclude: [], protected: false } } : {}),
    },
    rules: fixture.rules,
    created_at: TIME,
    updated_at: TIME,
  };
}

/** An environment and what hangs off it. */
export interface EnvironmentFixture {
  name: string;
  id: number;
  reviewers: { type: "Team" | "User"; slug: string; id: number }[];
  preventSelfReview: boolean;
  waitTimer: number;
  canAdminsBypass: boolean;
  /** null: every branch; protected: protected branches; custom: the named policies. */
  branchPolicy: null | "protected" | { id: number; name: string; type: "branch" | "tag" }[];
  variables: Record<string, string>;
  secrets: string[];
}

export function environment(org: string, repo: string, fixture: EnvironmentFixture): Record<string, unknown> {
  const rules: Record<string, unknown>[] = [];
  if (fixture.waitTimer > 0)
    rules.push({ id: fixture.id * 10 + 1, node_id: `GA_${fixture.id}1`, type: "wait_timer", wait_timer: fixture.waitTimer });
  if (fixture.reviewers.length > 0) {
    rules.push({
      id: fixture.id * 10 + 2,
      node_id: `GA_${fixture.id}2`,
      type: "required_reviewers",
      prevent_self_review: fixture.preventSelfReview,
      reviewers: fixture.reviewers.map((reviewer) => ({
        type: reviewer.type,
        reviewer: reviewer.type === "Team" ? team(org, reviewer.slug, reviewer.id) : account(reviewer.slug, reviewer.id),
      })),
    });
  }
  const policy = fixture.branchPolicy;
  return {
    id: fixture.id,
    node_id: `EN_${fixture.id}`,
    name: fixture.name,
    url: `${API}/repos/${org}/${repo}/environments/${fixture.name}`,
    html_url: `https://github.com/${org}/${repo}/deployments/activity_log?environments_filter=${fixture.name}`,
    created_at: TIME,
    updated_at: TIME,
    can_admins_bypass: fixture.canAdminsBypass,
    protection_rules: rules,
    deployment_branch_policy:
      policy === null ? null : { protected_branches: policy === "protected", custom_branch_policies: policy !== "protected" },
  };
}

/** A label as GitHub's `label`. */
export function label(
  org: string,
  repo: string,
  name: string,
  color: string,
  description: string | null,
  id: number,
): Record<string, unknown> {
  return {
    id,
    node_id: `LA_${id}`,
    url: `${API}/repos/${org}/${repo}/labels/${encodeURIComponent(name)}`,
    name,
    description,
    color,
    default: false,
  };
}

/** One fixture repository with everything the import reads. */
export interface RepoFixture {
  settings: RepoSettings;
  classic?: ClassicSettings;
  rulesets: RulesetFixture[];
  environments: EnvironmentFixture[];
  labels: { name: string; color: string; description: string | null; id: number }[];
  /** The token cannot read its environments (403). */
  environmentsForbidden?: boolean;
}

/** A fixture organisation. */
export interface OrgFixture {
  org: string;
  teams: { slug: string; id: number }[];
  repositories: RepoFixture[];
  orgRulesets: RulesetFixture[];
}

/** Whether a repository name matches an organisation ruleset's pattern (`*` any run of characters, `~ALL` everything). */
function matchesPattern(pattern: string, name: string): boolean {
  if (pattern === "~ALL") return true;
  const regex = new RegExp(
    `^${pattern
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*")}$`,
  );
  return regex.test(name);
}

/** The organisation rulesets that cover a repository. */
export function orgRulesetsOf(org: OrgFixture, repo: string): RulesetFixture[] {
  return org.orgRulesets.filter((r) => (r.repositories ?? []).some((pattern) => matchesPattern(pattern, repo)));
}

/** A scripted answer in place of the fixture's: rate limits. */
export interface ScriptedAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** What the server saw and answered. */
export interface ServedRequest {
  method: string;
  path: string;
  /** The query string, `?` included (or empty). */
  query: string;
  status: number;
}

/** The fixture server. */
export interface FixtureServer {
  /** API root to give the importer. */
  url: string;
  /** Every request, in order. */
  requests: ServedRequest[];
  /** Answers that did not match GitHub's description (must stay empty). */
  shapeProblems: string[];
  /** Queue a scripted answer for the next request to a path (`/orgs/acme/repos`). */
  script(path: string, answer: ScriptedAnswer): void;
  close(): Promise<void>;
}

/** Start a server for `org`, answering lists `pageSize` items a page at most. */
export async function startFixtureServer(org: OrgFixture, options: { pageSize?: number } = {}): Promise<FixtureServer> {
  const pageSize = options.pageSize ?? 10;
  const requests: ServedRequest[] = [];
  const problems: string[] = [];
  const scripted = new Map<string, ScriptedAnswer[]>();
  const notFound = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

  const route = (pathname: string): { status: number; body: unknown; list?: unknown[]; wrap?: string } => {
    const parts = pathname.split("/").filter(Boolean).map(decodeURIComponent);
    if (parts[0] === "orgs" && parts[1] === org.org && parts[2] === "repos" && parts.length === 3) {
      return { status: 200, body: undefined, list: org.repositories.map((r) => repository(org.org, r.settings)) };
    }
    if (parts[0] === "orgs" && parts[1] === org.org && parts[2] === "teams" && parts.length === 3) {
      return { status: 200, body: undefined, list: org.teams.map((t) => team(org.org, t.slug, t.id)) };
    }
    if (parts[0] !== "repos" || parts[1] !== org.org) return { status: 404, body: notFound };
    const repo = org.repositories.find((r) => r.settings.name === parts[2]);
    if (!repo) return { status: 404, body: notFound };
    const rest = parts.slice(3);
    const name = repo.settings.name;
    if (rest.length === 0) return { status: 200, body: repository(org.org, repo.settings) };
    if (rest[0] === "vulnerability-alerts" && rest.length === 1)
      return repo.settings.vulnerabilityAlerts === false ? { status: 404, body: notFound } : { status: 204, body: undefined };
    if (rest[0] === "branches" && rest[2] === "protection" && rest.length === 3) {
      if (rest[1] !== repo.settings.defaultBranch || !repo.classic)
        return {
          status: 404,
          body: {
            message: "Branch not protected",
            documentation_url: "https://docs.github.com/rest/branches/branch-protection#get-branch-protection",
            status: "404",
          },
        };
      return { status: 200, body: classicProtection(org.org, name, rest[1], repo.classic) };
    }
    const applying = [...repo.rulesets, ...orgRulesetsOf(org, name)];
    if (rest[0] === "rulesets" && rest.length === 1) {
      // The list holds summaries; the rules are in each ruleset's own answer.
      return {
        status: 200,
        body: undefined,
        list: applying.map((r) => {
          const { rules: _rules, conditions: _conditions, ...summary } = ruleset(r) as Record<string, unknown>;
          return summary;
        }),
      };
    }
    if (rest[0] === "rulesets" && rest.length === 2) {
      const found = applying.find((r) => String(r.id) === rest[1]);
      return found ? { status: 200, body: ruleset(found) } : { status: 404, body: notFound };
    }
    if (rest[0] === "environments") {
      if (repo.environmentsForbidden)
        return {
          status: 403,
          body: {
            message: "Resource not accessible by personal access token",
            documentation_url: "https://docs.github.com/rest/deployments/environments",
            status: "403",
          },
        };
      if (rest.length === 1)
        return { status: 200, body: undefined, list: repo.environments.map((e) => environment(org.org, name, e)), wrap: "environments" };
      const env = repo.environments.find((e) => e.name === rest[1]);
      if (!env) return { status: 404, body: notFound };
      if (rest[2] === "deployment-branch-policies") {
        const policies = Array.isArray(env.branchPolicy) ? env.branchPolicy : [];
        return {
          status: 200,
          body: undefined,
          list: policies.map((p) => ({ id: p.id, node_id: `DBP_${p.id}`, name: p.name, type: p.type })),
          wrap: "branch_policies",
        };
      }
      if (rest[2] === "variables") {
        return {
          status: 200,
          body: undefined,
          list: Object.entries(env.variables).map(([key, value]) => ({ name: key, value, created_at: TIME, updated_at: TIME })),
          wrap: "variables",
        };
      }
      if (rest[2] === "secrets")
        return {
          status: 200,
          body: undefined,
          list: env.secrets.map((secret) => ({ name: secret, created_at: TIME, updated_at: TIME })),
          wrap: "secrets",
        };
    }
    if (rest[0] === "labels" && rest.length === 1)
      return { status: 200, body: undefined, list: repo.labels.map((l) => label(org.org, name, l.name, l.color, l.description, l.id)) };
    return { status: 404, body: notFound };
  };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      requests.push({ method: req.method ?? "", path: url.pathname, query: url.search, status });
      res.writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "x-ratelimit-limit": "5000",
        "x-ratelimit-remaining": "4999",
        ...headers,
      });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    if (req.method !== "GET") return send(405, { message: `fixture server: ${req.method} is not allowed, import must only read` });
    if (req.headers.authorization !== "token fixture-token" && req.headers.authorization !== "bearer fixture-token") {
      return send(401, { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" });
    }
    const queued = scripted.get(url.pathname);
    if (queued && queued.length > 0) {
      const answer = queued.shift()!;
      return send(answer.status, answer.body, answer.headers);
    }
    const answer = route(url.pathname);
    if (answer.list === undefined) {
      if (answer.status === 200 || answer.status === 204) problems.push(...shapeProblems(url.pathname, answer.status, answer.body));
      return send(answer.status, answer.body);
    }
    const perPage = Math.min(pageSize, Number(url.searchParams.get("per_page") ?? 30));
    const page = Number(url.searchParams.get("page") ?? 1);
    const items = answer.list.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(answer.list.length / perPage));
    const link = (p: number, rel: string) => {
      const next = new URL(url.toString());
      next.searchParams.set("page", String(p));
      return `<${next.toString()}>; rel="${rel}"`;
    };
    const links = [
      ...(page < last ? [link(page + 1, "next"), link(last, "last")] : []),
      ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : []),
    ];
    const body = answer.wrap ? { total_count: answer.list.length, [answer.wrap]: items } : items;
    problems.push(...shapeProblems(url.pathname, 200, body));
    return send(200, body, links.length > 0 ? { link: links.join(", ") } : {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    shapeProblems: problems,
    script(path, answer) {
      scripted.set(path, [...(scripted.get(path) ?? []), answer]);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
