/**
 * Data-source invokes of the stand-in providers, answered from the organisation fixture
 * (`organisation.json`): GitHub org `acme` with its teams, users and repositories, its Heroku
 * pipelines and apps, its Vercel team.
 *
 * As the real providers: arguments are validated against the function's schema (failures come
 * back as CheckFailures), an invoke without credentials fails (see credentials.ts), and a name
 * the organisation does not have is a 404 in the API's words. Results have every output the
 * schema requires (fixture data first, deterministic stand-ins for the rest).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type CheckFailure, checkInvokeArgs, invokeResult } from "../../providers/model";
import { reveal, type WireMap } from "../../providers/wire";
import { type ProviderSettings, githubOwner, hasCredentials, missingCredentialsError } from "./credentials";

/** A GitHub team of the fixture. */
interface FixtureTeam {
  slug: string;
  id: number;
  nodeId: string;
  name: string;
  description: string;
  privacy: string;
  notificationSetting: string;
  members: string[];
  repositories: string[];
}

/** A GitHub user of the fixture. */
interface FixtureUser {
  login: string;
  id: number;
  nodeId: string;
  name: string;
  email: string;
}

/** A GitHub repository of the fixture. */
interface FixtureRepository {
  name: string;
  repoId: number;
  nodeId: string;
  description: string;
  defaultBranch: string;
  visibility: string;
  primaryLanguage: string;
  topics: string[];
}

/** The organisation fixture. */
export interface Organisation {
  github: { org: string; orgId: number; orgNodeId: string; teams: FixtureTeam[]; users: FixtureUser[]; repositories: FixtureRepository[] };
  heroku: {
    team: string;
    teamId: string;
    pipelines: { name: string; id: string }[];
    apps: {
      name: string;
      id: string;
      region: string;
      stack: string;
      pipeline: string;
      stage: string;
      lastReleaseId: string;
      lastSlugId: string;
    }[];
  };
  vercel: { team: string; teamId: string; projects: { name: string; id: string }[] };
}

/** Where the fixture lives. */
export const ORGANISATION_FILE = path.join(__dirname, "organisation.json");

let organisationCache: Organisation | undefined;

/** The organisation fixture, read once. */
export function organisation(): Organisation {
  organisationCache ??= JSON.parse(fs.readFileSync(ORGANISATION_FILE, "utf8")) as Organisation;
  return organisationCache;
}

/** An invoke's answer: its result, or the failures of its arguments. An API error is thrown. */
export interface InvokeAnswer {
  /** The function's result (absent when the arguments failed). */
  outputs?: WireMap;
  /** What the arguments got wrong. */
  failures: CheckFailure[];
}

/** An error the API answers (404, 401): the stand-in turns it into a failed RPC. */
export class ApiError extends Error {}

/** GitHub's 404, as go-github words it. */
function githubNotFound(url: string): ApiError {
  return new ApiError(`GET ${url}: 404 Not Found []`);
}

/**
 * Answer the data source `token` of package `pkg` with `args` (wire form), as the real provider
 * would for the fixture organisation. Throws an ApiError for a missing credential or an unknown
 * name, and for a function the stand-ins do not serve.
 */
export function answerInvoke(pkg: string, token: string, args: WireMap, settings: ProviderSettings): InvokeAnswer {
  const failures = checkInvokeArgs(pkg, token, args);
  if (failures.length > 0) return { failures };
  const plain = reveal(args) as WireMap;
  if (!hasCredentials(pkg, settings))
    throw new ApiError(missingCredentialsError(pkg, { kind: "invoke", token, properties: plain }, settings));
  const org = organisation();
  const known = answerFromFixture(pkg, token, plain, settings, org);
  return { outputs: invokeResult(pkg, token, `${token}:${JSON.stringify(plain)}`, known), failures: [] };
}

/** The fixture's answer to one function: the values the result must carry. */
function answerFromFixture(pkg: string, token: string, args: WireMap, settings: ProviderSettings, org: Organisation): WireMap {
  const owner = githubOwner(settings);
  switch (token) {
    case "github:index/getTeam:getTeam": {
      const slug = String(args.slug);
      const team = owner === org.github.org ? org.github.teams.find((t) => t.slug === slug) : undefined;
      if (!team) throw githubNotFound(`https://api.github.com/orgs/${owner}/teams/${slug}`);
      const summaryOnly = args.summaryOnly === true || args.summaryOnly === "true";
      const repos = org.github.repositories.filter((r) => team.repositories.includes(r.name));
      return {
        id: String(team.id),
        slug: team.slug,
        name: team.name,
        nodeId: team.nodeId,
        description: team.description,
        privacy: team.privacy,
        notificationSetting: team.notificationSetting,
        permission: "pull",
        membershipType: args.membershipType ?? "all",
        summaryOnly,
        resultsPerPage: args.resultsPerPage ?? 100,
        members: summaryOnly ? [] : team.members,
        repositories: summaryOnly ? [] : team.repositories,
        repositoriesDetaileds: summaryOnly ? [] : repos.map((r) => ({ repoId: r.repoId, repoName: r.name, roleName: "maintain" })),
      };
    }
    case "github:index/getUser:getUser": {
      const username = String(args.username);
      const user = org.github.users.find((u) => u.login === username);
      if (!user) throw githubNotFound(`https://api.github.com/users/${username}`);
      return {
        id: String(user.id),
        login: user.login,
        username: user.login,
        nodeId: user.nodeId,
        name: user.name,
        email: user.email,
        avatarUrl: `https://avatars.githubusercontent.com/u/${user.id}?v=4`,
        gravatarId: "",
        bio: "",
        blog: "",
        company: `@${org.github.org}`,
        location: "",
        followers: 0,
        following: 0,
        publicGists: 0,
        publicRepos: 0,
        siteAdmin: false,
        gpgKeys: [],
        sshKeys: [],
        createdAt: "2020-01-01T00:00:00Z",
        updatedAt: "2026-01-01T00:00:00Z",
        suspendedAt: "",
      };
    }
    case "github:index/getRepository:getRepository": {
      const fullName = typeof args.fullName === "string" ? args.fullName : `${owner}/${String(args.name ?? "")}`;
      const [repoOwner, name] = fullName.split("/");
      const repo = repoOwner === org.github.org ? org.github.repositories.find((r) => r.name === name) : undefined;
      if (!repo) throw githubNotFound(`https://api.github.com/repos/${fullName}`);
      const html = `https://github.com/${org.github.org}/${repo.name}`;
      return {
        id: repo.name,
        name: repo.name,
        fullName: `${org.github.org}/${repo.name}`,
        description: repo.description,
        homepageUrl: "",
        repoId: repo.repoId,
        nodeId: repo.nodeId,
        defaultBranch: repo.defaultBranch,
        visibility: repo.visibility,
        private: repo.visibility !== "public",
        primaryLanguage: repo.primaryLanguage,
        topics: repo.topics,
        htmlUrl: html,
        gitCloneUrl: `git://github.com/${org.github.org}/${repo.name}.git`,
        httpCloneUrl: `${html}.git`,
        sshCloneUrl: `git@github.com:${org.github.org}/${repo.name}.git`,
        svnUrl: html,
        archived: false,
        fork: false,
        isTemplate: false,
        allowAutoMerge: false,
        allowForking: false,
        allowMergeCommit: false,
        allowRebaseMerge: false,
        allowSquashMerge: true,
        allowUpdateBranch: true,
        deleteBranchOnMerge: true,
        hasDiscussions: false,
        hasDownloads: false,
        hasIssues: true,
        hasProjects: false,
        hasWiki: false,
        mergeCommitMessage: "PR_TITLE",
        mergeCommitTitle: "MERGE_MESSAGE",
        squashMergeCommitMessage: "COMMIT_MESSAGES",
        squashMergeCommitTitle: "COMMIT_OR_PR_TITLE",
        pages: [],
        repositoryLicenses: [],
        templates: [],
      };
    }
    case "heroku:pipeline/getPipeline:getPipeline": {
      const name = String(args.name);
      // The Heroku API looks a pipeline up by name or id.
      const pipeline = org.heroku.pipelines.find((p) => p.name === name || p.id === name);
      if (!pipeline) throw new ApiError(`Couldn't find that pipeline. (GET https://api.heroku.com/pipelines/${name}: 404 not_found)`);
      return { id: pipeline.id, name: pipeline.name, ownerId: org.heroku.teamId, ownerType: "team" };
    }
    case "heroku:app/getApp:getApp": {
      const name = String(args.name);
      const app = org.heroku.apps.find((a) => a.name === name || a.id === name);
      if (!app) throw new ApiError(`Couldn't find that app. (GET https://api.heroku.com/apps/${name}: 404 not_found)`);
      return {
        id: app.id,
        uuid: app.id,
        name: app.name,
        region: app.region,
        stack: app.stack,
        space: "",
        acm: false,
        internalRouting: false,
        buildpacks: [],
        configVars: {},
        gitUrl: `https://git.heroku.com/${app.name}.git`,
        herokuHostname: `${app.name}.herokuapp.com`,
        webUrl: `https://${app.name}.herokuapp.com/`,
        lastReleaseId: app.lastReleaseId,
        lastSlugId: app.lastSlugId,
        organizations: [{ name: org.heroku.team, locked: false, personal: false }],
      };
    }
    default:
      throw new ApiError(`the ${pkg} stand-in provider has no answer for ${token} (add it to engine/standins/invokes.ts)`);
  }
}
