/**
 * Reads an organisation's settings from the GitHub REST API, read-only: repositories, their
 * default-branch protection (classic and rulesets, the organisation's included), release-tag
 * rulesets, environments (reviewers, wait timer, self-review, branch and tag policies, variables,
 * the names of secrets), labels, and the teams reviewers and bypass lists name.
 *
 * Only GET requests are ever sent (a hook refuses anything else). Lists are paginated; rate
 * limits are honoured (`retry-after`, or `x-ratelimit-remaining: 0` with `x-ratelimit-reset`),
 * with the wait injectable so tests do not sleep. A 403 or 404 on one repository's part is a
 * permission gap recorded for that repository, never the end of the run.
 */
import { Octokit, type RestEndpointMethodTypes } from "@octokit/rest";
import { UserError } from "../config/errors";

export type FullRepository = RestEndpointMethodTypes["repos"]["get"]["response"]["data"];
export type ClassicProtection = RestEndpointMethodTypes["repos"]["getBranchProtection"]["response"]["data"];
export type Ruleset = RestEndpointMethodTypes["repos"]["getRepoRuleset"]["response"]["data"];
export type Environment = RestEndpointMethodTypes["repos"]["getEnvironment"]["response"]["data"];
export type BranchPolicy = RestEndpointMethodTypes["repos"]["listDeploymentBranchPolicies"]["response"]["data"]["branch_policies"][number];
export type Label = RestEndpointMethodTypes["issues"]["listLabelsForRepo"]["response"]["data"][number];
export type Team = RestEndpointMethodTypes["teams"]["list"]["response"]["data"][number];

/** One thing the token could not read; the import goes on without it. */
export interface PermissionGap {
  /** The repository it is about; absent for the organisation's own settings. */
  repository?: string;
  /** What could not be read (`environments`, `classic protection`, ...). */
  what: string;
  /** The HTTP status GitHub answered. */
  status: number;
  /** GitHub's message. */
  message: string;
}

/** One environment as read. */
export interface EnvironmentSnapshot {
  /** The environment. */
  environment: Environment;
  /** Its custom branch and tag policies (when it has custom policies). */
  branchPolicies: BranchPolicy[];
  /** Its variables, by name. */
  variables: Record<string, string>;
  /** The names of its secrets (values are never readable). */
  secretNames: string[];
}

/** One repository as read; an absent part is one the token could not read (see `gaps`). */
export interface RepositorySnapshot {
  /** Settings, merge settings and visibility. */
  repository: FullRepository;
  /** Classic protection of the default branch; `null` when there is none (GitHub answered 404). */
  classicProtection?: ClassicProtection | null;
  /** Every ruleset that applies to the repository, the organisation's included, in full. */
  rulesets?: Ruleset[];
  /** Deployment environments. */
  environments?: EnvironmentSnapshot[];
  /** Labels. */
  labels?: Label[];
  /** Whether Dependabot vulnerability alerts are on (GitHub answers 404 both when they are off and when the token may not see them). */
  vulnerabilityAlerts?: boolean;
}

/** Everything read from one organisation. */
export interface OrganisationSnapshot {
  /** The organisation (or user) login. */
  owner: string;
  /** The repositories, in the order GitHub listed them (or as named). */
  repositories: RepositorySnapshot[];
  /** The organisation's teams (ids by slug), when readable. */
  teams?: Team[];
  /** Everything the token could not read. */
  gaps: PermissionGap[];
}

/** How to read. */
export interface ReadOptions {
  /** Organisation or user that owns the repositories. */
  owner: string;
  /** Only these repositories; default every repository of the owner (archived ones left out). */
  repositories?: string[];
  /** The token (never logged). */
  token: string;
  /** API root; default https://api.github.com (tests point it at a local server). */
  baseUrl?: string;
  /** How to wait before a retry: injectable so tests do not sleep. */
  sleep?: (ms: number) => Promise<void>;
  /** The clock, in ms since the epoch (for `x-ratelimit-reset`). */
  now?: () => number;
  /** Rate-limited retries of one request before giving up. */
  maxRetries?: number;
  /** Told about waits. */
  log?: (line: string) => void;
}

interface HttpError {
  status: number;
  message: string;
  response?: { headers: Record<string, string | undefined> };
}

function isHttpError(err: unknown): err is HttpError {
  return typeof err === "object" && err !== null && typeof (err as { status?: unknown }).status === "number";
}

/** Milliseconds to wait before retrying a rate-limited answer, or undefined when it is not one (a 403 is a refusal unless it says it is a limit). */
export function rateLimitWait(status: number, headers: Record<string, string | undefined>, now: number, message = ""): number | undefined {
  if (status !== 403 && status !== 429) return undefined;
  const retryAfter = headers["retry-after"];
  // Secondary limits say how long to wait; primary ones when the window resets.
  if (retryAfter !== undefined && /^\d+$/.test(retryAfter)) return Number(retryAfter) * 1000;
  if (headers["x-ratelimit-remaining"] === "0" && headers["x-ratelimit-reset"] !== undefined) {
    return Math.max(0, Number(headers["x-ratelimit-reset"]) * 1000 - now) + 1000;
  }
  // A secondary limit without retry-after: GitHub asks for at least a minute.
  if (status === 429 || /secondary rate limit/i.test(message)) return 60_000;
  return undefined;
}

/** An Octokit that only reads, and waits out rate limits. */
export function readOnlyClient(options: Pick<ReadOptions, "token" | "baseUrl" | "sleep" | "now" | "maxRetries" | "log">): Octokit {
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: options.baseUrl,
    userAgent: "slipway-import",
    // Octokit's own logging would print the request lines to stderr.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const maxRetries = options.maxRetries ?? 5;
  octokit.hook.wrap("request", async (request, requestOptions) => {
    // Import changes nothing: a write would be a bug, and is refused before it leaves.
    if ((requestOptions.method ?? "GET").toUpperCase() !== "GET")
      throw new Error(`slipway import only reads, but tried ${requestOptions.method} ${requestOptions.url}`);
    for (let attempt = 0; ; attempt++) {
      try {
        return await request(requestOptions);
      } catch (err) {
        const wait = isHttpError(err) ? rateLimitWait(err.status, err.response?.headers ?? {}, now(), err.message) : undefined;
        if (wait === undefined || attempt >= maxRetries) throw err;
        options.log?.(`rate limited on ${requestOptions.url}: waiting ${Math.ceil(wait / 1000)}s`);
        await sleep(wait);
      }
    }
  });
  return octokit;
}

/** Read the organisation. A missing owner or a bad token fails the run; a gap in one repository does not. */
export async function readOrganisation(options: ReadOptions): Promise<OrganisationSnapshot> {
  const octokit = readOnlyClient(options);
  const { owner } = options;
  const gaps: PermissionGap[] = [];
  /** The answer, or undefined after recording a 403/404 as a gap. */
  const orGap = async <T>(repository: string | undefined, what: string, read: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await read();
    } catch (err) {
      if (isHttpError(err) && (err.status === 403 || err.status === 404)) {
        gaps.push({ ...(repository !== undefined ? { repository } : {}), what, status: err.status, message: firstLine(err.message) });
        return undefined;
      }
      throw asUserError(err, `${what}${repository !== undefined ? ` of ${owner}/${repository}` : ""}`);
    }
  };

  let names = options.repositories;
  if (names === undefined || names.length === 0) {
    let listed: { name: string; archived?: boolean }[];
    try {
      listed = await octokit.paginate(octokit.repos.listForOrg, { org: owner, per_page: 100, type: "all" });
    } catch (err) {
      throw asUserError(err, `the repositories of '${owner}'`);
    }
    names = listed.filter((repo) => repo.archived !== true).map((repo) => repo.name);
  }

  const teams = await orGap(undefined, "teams", () => octokit.paginate(octokit.teams.list, { org: owner, per_page: 100 }));
  const rulesetCache = new Map<number, Promise<Ruleset>>();

  const repositories: RepositorySnapshot[] = [];
  for (const name of names) {
    let repository: FullRepository;
    try {
      repository = (await octokit.repos.get({ owner, repo: name })).data;
    } catch (err) {
      if (isHttpError(err) && err.status === 404)
        throw new UserError(`repository '${owner}/${name}' does not exist, or the token cannot see it`);
      throw asUserError(err, `repository ${owner}/${name}`);
    }
    const snapshot: RepositorySnapshot = { repository };
    const branch = repository.default_branch;
    try {
      snapshot.classicProtection = (await octokit.repos.getBranchProtection({ owner, repo: name, branch })).data;
    } catch (err) {
      // 404 "Branch not protected" is an answer: there is no classic protection.
      if (isHttpError(err) && err.status === 404 && /not protected/i.test(err.message)) snapshot.classicProtection = null;
      else if (isHttpError(err) && (err.status === 403 || err.status === 404))
        gaps.push({ repository: name, what: "classic branch protection", status: err.status, message: firstLine(err.message) });
      else throw asUserError(err, `classic protection of ${owner}/${name}`);
    }
    snapshot.rulesets = await orGap(name, "rulesets", async () => {
      const summaries = await octokit.paginate(octokit.repos.getRepoRulesets, { owner, repo: name, includes_parents: true, per_page: 100 });
      return Promise.all(
        summaries.map((summary) => {
          // An organisation ruleset is the same for every repository it covers: read it once.
          const read = () =>
            octokit.repos.getRepoRuleset({ owner, repo: name, ruleset_id: summary.id, includes_parents: true }).then((r) => r.data);
          if (summary.source_type !== "Organization") return read();
          if (!rulesetCache.has(summary.id)) rulesetCache.set(summary.id, read());
          return rulesetCache.get(summary.id)!;
        }),
      );
    });
    snapshot.environments = await orGap(name, "environments", async () => {
      const environments = await octokit.paginate(octokit.repos.getAllEnvironments, { owner, repo: name, per_page: 100 });
      const result: EnvironmentSnapshot[] = [];
      for (const environment of environments as Environment[]) {
        const scope = { owner, repo: name, environment_name: environment.name };
        const branchPolicies = environment.deployment_branch_policy?.custom_branch_policies
          ? ((await orGap(name, `deployment branch policies of environment '${environment.name}'`, () =>
              octokit.paginate(octokit.repos.listDeploymentBranchPolicies, { ...scope, per_page: 100 }),
            )) ?? [])
          : [];
        const variables =
          (await orGap(name, `variables of environment '${environment.name}'`, () =>
            octokit.paginate(octokit.actions.listEnvironmentVariables, { ...scope, per_page: 30 }),
          )) ?? [];
        const secrets =
          (await orGap(name, `secret names of environment '${environment.name}'`, () =>
            octokit.paginate(octokit.actions.listEnvironmentSecrets, { ...scope, per_page: 100 }),
          )) ?? [];
        result.push({
          environment,
          branchPolicies: branchPolicies as BranchPolicy[],
          variables: Object.fromEntries(variables.map((variable) => [variable.name, variable.value])),
          secretNames: secrets.map((secret) => secret.name),
        });
      }
      return result;
    });
    try {
      await octokit.repos.checkVulnerabilityAlerts({ owner, repo: name });
      snapshot.vulnerabilityAlerts = true;
    } catch (err) {
      if (isHttpError(err) && err.status === 404) snapshot.vulnerabilityAlerts = false;
      else if (isHttpError(err) && err.status === 403)
        gaps.push({ repository: name, what: "vulnerability alerts", status: 403, message: firstLine(err.message) });
      else throw asUserError(err, `vulnerability alerts of ${owner}/${name}`);
    }
    snapshot.labels = await orGap(name, "labels", () =>
      octokit.paginate(octokit.issues.listLabelsForRepo, { owner, repo: name, per_page: 100 }),
    );
    repositories.push(snapshot);
  }
  return { owner, repositories, teams, gaps };
}

function firstLine(text: string): string {
  return text.split("\n")[0].trim();
}

/** A failure that ends the run, as one line: a bad token or owner is the user's to fix. */
function asUserError(err: unknown, what: string): unknown {
  if (!isHttpError(err)) return err;
  if (err.status === 401) return new UserError(`GitHub refused the token (401) reading ${what}: check GITHUB_TOKEN or --token-file`);
  if (err.status === 403 || err.status === 404)
    return new UserError(`GitHub answered ${err.status} reading ${what}: ${firstLine(err.message)}`);
  if (err.status === 429) return new UserError(`rate limited reading ${what}, and still after the retries: try again later`);
  return new UserError(`GitHub answered ${err.status} reading ${what}: ${firstLine(err.message)}`);
}
