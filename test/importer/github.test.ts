/**
 * Reading an organisation (importer/github.ts) against the local fixture server: pagination,
 * rate limits (waited out through the injected sleep, never a real one), a repository without
 * protection, an organisation ruleset over several repositories, a token that cannot read
 * environments, a bad token, and nothing but GET requests. Every answer the server gave is
 * checked against GitHub's OpenAPI description.
 */
import { readOrganisation, readOnlyClient, rateLimitWait, type OrganisationSnapshot } from "../../importer/github";
import { toConfig } from "../../importer/config";
import { UserError } from "../../cli/errors";
import { shapeProblems } from "./openapi";
import { label, startFixtureServer, type FixtureServer, orgRulesetsOf } from "./fixtures";
import { fixtureOrg, ORG } from "./org";

const NOW = Date.parse("2026-11-26T12:00:00Z");

async function read(
  options: { pageSize?: number; prepare?: (server: FixtureServer) => void; token?: string; repositories?: string[] } = {},
) {
  const server = await startFixtureServer(fixtureOrg(), { pageSize: options.pageSize });
  options.prepare?.(server);
  const waits: number[] = [];
  try {
    const snapshot = await readOrganisation({
      owner: ORG,
      token: options.token ?? "fixture-token",
      baseUrl: server.url,
      repositories: options.repositories,
      sleep: async (ms) => {
        waits.push(ms);
      },
      now: () => NOW,
    });
    return { snapshot, server, waits };
  } finally {
    await server.close();
  }
}

const repo = (snapshot: OrganisationSnapshot, name: string) => {
  const found = snapshot.repositories.find((r) => r.repository.name === name);
  if (!found) throw new Error(`'${name}' was not read`);
  return found;
};

describe("reading an organisation", () => {
  let full: Awaited<ReturnType<typeof read>>;
  beforeAll(async () => {
    full = await read({ pageSize: 3 });
  });

  test("every answer the fixture server gave conforms to GitHub's OpenAPI description", () => {
    expect(full.server.requests.length).toBeGreaterThan(150);
    expect(full.server.shapeProblems).toEqual([]);
  });

  test("the shape check catches a drifted fixture", () => {
    const drifted = label(ORG, "web", "L0", "c5def5", null, 1) as Record<string, unknown>;
    delete drifted.color;
    expect(shapeProblems(`/repos/${ORG}/web/labels`, 200, [drifted])).toEqual([
      expect.stringContaining("must have required property 'color'"),
    ]);
    expect(shapeProblems(`/repos/${ORG}/web/labels`, 200, [{ ...drifted, color: "c5def5", id: "1" }])).toEqual([
      expect.stringContaining("/0/id must be integer"),
    ]);
  });

  test("lists are followed page by page (Link headers), so nothing past the first page is lost", () => {
    const repoPages = full.server.requests.filter((r) => r.path === `/orgs/${ORG}/repos`);
    // 32 repositories, 3 a page.
    expect(repoPages.length).toBe(11);
    expect(repoPages.map((r) => new URLSearchParams(r.query).get("page") ?? "1")).toEqual([
      "1",
      "2",
      "3",
      "4",
      "5",
      "6",
      "7",
      "8",
      "9",
      "10",
      "11",
    ]);
    expect(full.snapshot.repositories.map((r) => r.repository.name)).toEqual(fixtureOrg().repositories.map((r) => r.settings.name));
    // Wrapped lists (`{total_count, environments}`) are followed too.
    expect(repo(full.snapshot, "storefront").environments!.map((e) => e.environment.name)).toEqual([
      "preview",
      "staging",
      "production",
      "qa",
    ]);
    expect(repo(full.snapshot, "storefront").environments![2].variables).toEqual({ API_BASE_URL: "https://api.acme.shop", REGION: "eu" });
    expect(full.snapshot.teams!.map((t) => t.slug)).toEqual(["release-captains", "sre-oncall", "platform"]);
  });

  test("a repository without classic protection (GitHub answers 404 'Branch not protected') has none, and that is no gap", () => {
    expect(repo(full.snapshot, "tool-26").classicProtection).toBeNull();
    expect(repo(full.snapshot, "web-1").classicProtection).toBeNull();
    expect(repo(full.snapshot, "api").classicProtection?.required_status_checks?.contexts).toEqual(["test"]);
    expect(full.snapshot.gaps.filter((gap) => gap.what === "classic branch protection")).toEqual([]);
    const config = toConfig(full.snapshot, { stack: "production" });
    expect(config.inexpressible).toContainEqual(
      expect.objectContaining({ repository: "tool-26", setting: "protection", today: "unprotected" }),
    );
  });

  test("an organisation ruleset covering several repositories is read once and reported for each", () => {
    const org = fixtureOrg();
    const covered = org.repositories.map((r) => r.settings.name).filter((name) => orgRulesetsOf(org, name).length > 0);
    expect(covered.length).toBeGreaterThanOrEqual(10);
    for (const name of covered) expect(repo(full.snapshot, name).rulesets!.map((r) => r.id)).toContain(10_001);
    expect(repo(full.snapshot, "web-1").rulesets!.map((r) => r.id)).not.toContain(10_001);
    expect(full.server.requests.filter((r) => r.path.endsWith("/rulesets/10001"))).toHaveLength(1);
    const config = toConfig(full.snapshot, { stack: "production" });
    const listed = config.inexpressible.filter((entry) => entry.setting === "organisation-ruleset.10001").map((entry) => entry.repository);
    expect(listed.sort()).toEqual([...covered].sort());
    // tool-25 has no protection of its own: the organisation ruleset is all it has, and the report says so.
    expect(config.inexpressible).toContainEqual(
      expect.objectContaining({ repository: "tool-25", setting: "protection", today: "protected only by an organisation ruleset" }),
    );
  });

  test("a token that cannot read one repository's environments is a gap for that repository; the rest is read", () => {
    expect(full.snapshot.gaps).toEqual([
      { repository: "svc-15", what: "environments", status: 403, message: expect.stringContaining("Resource not accessible") },
    ]);
    expect(repo(full.snapshot, "svc-15").environments).toBeUndefined();
    expect(repo(full.snapshot, "svc-15").labels).toBeDefined();
    expect(repo(full.snapshot, "svc-16").environments).toEqual([]);
  });

  test("a repository the contract cannot name (.github) is listed, not governed, and the rest still maps", () => {
    const source = repo(full.snapshot, "web-1");
    const dotGithub = { ...source, repository: { ...source.repository, name: ".github" } };
    const config = toConfig({ ...full.snapshot, repositories: [...full.snapshot.repositories, dotGithub] }, { stack: "production" });
    expect(config.inexpressible).toContainEqual(expect.objectContaining({ repository: ".github", setting: "repository.name" }));
    expect((config.github.repositories as { name: string }[]).map((r) => r.name)).not.toContain(".github");
    expect(config.github.repositories).toHaveLength(32);
  });

  test("only GET requests reach GitHub", () => {
    expect(full.server.requests.every((r) => r.method === "GET")).toBe(true);
  });
});

describe("rate limits", () => {
  test("a primary limit (remaining 0) waits until x-ratelimit-reset, a secondary one for retry-after, then the read goes on", async () => {
    const reset = Math.floor(NOW / 1000) + 30;
    const { snapshot, waits, server } = await read({
      repositories: ["storefront", "api"],
      prepare: (s) => {
        s.script(`/orgs/${ORG}/teams`, {
          status: 403,
          headers: { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(reset) },
          body: {
            message: "API rate limit exceeded for user ID 1.",
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          },
        });
        s.script(`/repos/${ORG}/storefront/labels`, {
          status: 429,
          headers: { "retry-after": "7" },
          body: {
            message: "You have exceeded a secondary rate limit.",
            documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
          },
        });
      },
    });
    // 30 s to the reset plus a second's margin, then the 7 s GitHub asked for.
    expect(waits).toEqual([31_000, 7_000]);
    expect(snapshot.teams).toHaveLength(3);
    expect(repo(snapshot, "storefront").labels!.map((l) => l.name)).toEqual(["L0", "L1", "L2", "L3"]);
    expect(snapshot.gaps).toEqual([]);
    expect(server.requests.filter((r) => r.path === `/orgs/${ORG}/teams`).map((r) => r.status)).toEqual([403, 200]);
  });

  test("rateLimitWait tells a rate limit from a permission refusal", () => {
    expect(rateLimitWait(403, { "retry-after": "5" }, NOW)).toBe(5000);
    expect(rateLimitWait(403, { "x-ratelimit-remaining": "0", "x-ratelimit-reset": String(NOW / 1000 + 10) }, NOW)).toBe(11_000);
    expect(rateLimitWait(429, {}, NOW)).toBe(60_000);
    expect(rateLimitWait(403, {}, NOW, "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.")).toBe(
      60_000,
    );
    // A 403 without rate-limit headers is a permission gap, not a wait.
    expect(rateLimitWait(403, { "x-ratelimit-remaining": "4000" }, NOW)).toBeUndefined();
    expect(rateLimitWait(404, { "retry-after": "5" }, NOW)).toBeUndefined();
  });

  test("a limit that never lifts ends the run with one line, after the retries", async () => {
    const attempt = read({
      repositories: ["storefront"],
      prepare: (s) => {
        for (let i = 0; i < 10; i++)
          s.script(`/repos/${ORG}/storefront`, {
            status: 429,
            headers: { "retry-after": "1" },
            body: { message: "You have exceeded a secondary rate limit." },
          });
      },
    });
    await expect(attempt).rejects.toThrow(UserError);
    await expect(attempt).rejects.toThrow(/rate limited reading repository acme-fixture\/storefront/);
  });
});

describe("refusals", () => {
  test("a bad token is one line naming GITHUB_TOKEN and --token-file", async () => {
    await expect(read({ token: "wrong" })).rejects.toThrow(/GitHub refused the token \(401\).*GITHUB_TOKEN or --token-file/);
  });

  test("a repository that does not exist is named", async () => {
    await expect(read({ repositories: ["nope"] })).rejects.toThrow(`repository '${ORG}/nope' does not exist, or the token cannot see it`);
  });

  test("the client refuses to send anything but GET, before it leaves", async () => {
    const server = await startFixtureServer(fixtureOrg());
    try {
      const client = readOnlyClient({ token: "fixture-token", baseUrl: server.url });
      await expect(client.request("POST /repos/{owner}/{repo}/labels", { owner: ORG, repo: "web-1", name: "x" })).rejects.toThrow(
        /only reads, but tried POST/,
      );
      await expect(client.request("DELETE /repos/{owner}/{repo}", { owner: ORG, repo: "web-1" })).rejects.toThrow(
        /only reads, but tried DELETE/,
      );
      expect(server.requests).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
