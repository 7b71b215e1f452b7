/**
 * Data-source invokes of the stand-ins answer from the organisation fixture, refuse without
 * credentials and 404 on unknown names, as the real providers do, with schema-shaped results.
 */
import { answerInvoke, organisation } from "../../engine/standins/invokes";
import { hasCredentials, missingCredentialsError } from "../../engine/standins/credentials";
import { loadSchema } from "../../providers/schema";
import { validateProperties } from "../../providers/validate";
import { SECRET_SIG, SIG_KEY } from "../../providers/wire";

const github = { config: { owner: "acme", token: "ghp_test" }, env: {} };
const heroku = { config: { apiKey: "key" }, env: {} };

/** Failures of a result against the function's output schema (unknown keys, missing required outputs, types). */
function outputProblems(pkg: string, token: string, outputs: Record<string, unknown>) {
  const fn = loadSchema(pkg).functions![token];
  return validateProperties(pkg, loadSchema(pkg), token, token, fn.outputs?.properties ?? {}, fn.outputs?.required ?? [], outputs);
}

describe("github", () => {
  test("getTeam answers release-captains with id 4711, summary only", () => {
    const answer = answerInvoke("github", "github:index/getTeam:getTeam", { slug: "release-captains", summaryOnly: true }, github);
    expect(answer.failures).toEqual([]);
    expect(answer.outputs).toMatchObject({ id: "4711", slug: "release-captains", members: [], repositories: [] });
    expect(outputProblems("github", "github:index/getTeam:getTeam", answer.outputs!)).toEqual([]);
  });

  test("getTeam lists members without summaryOnly; every fixture team answers", () => {
    for (const team of organisation().github.teams) {
      const answer = answerInvoke("github", "github:index/getTeam:getTeam", { slug: team.slug }, github);
      expect(answer.outputs).toMatchObject({ id: String(team.id), members: team.members });
    }
  });

  test("an unknown team is GitHub's 404; another owner's team too", () => {
    expect(() => answerInvoke("github", "github:index/getTeam:getTeam", { slug: "nobody" }, github)).toThrow(
      "GET https://api.github.com/orgs/acme/teams/nobody: 404 Not Found []",
    );
    expect(() =>
      answerInvoke(
        "github",
        "github:index/getTeam:getTeam",
        { slug: "release-captains" },
        { ...github, config: { ...github.config, owner: "evil" } },
      ),
    ).toThrow("404");
  });

  test("without a token (config or GITHUB_TOKEN) the invoke is refused with GitHub's 401", () => {
    const anonymous = { config: { owner: "acme" }, env: {} };
    expect(() => answerInvoke("github", "github:index/getTeam:getTeam", { slug: "release-captains" }, anonymous)).toThrow(
      "GET https://api.github.com/orgs/acme/teams/release-captains: 401 Requires authentication []",
    );
    expect(
      answerInvoke("github", "github:index/getTeam:getTeam", { slug: "sre" }, { config: { owner: "acme" }, env: { GITHUB_TOKEN: "t" } })
        .outputs?.id,
    ).toBe("4713");
    // A token that arrives wrapped as a secret counts; an empty one does not.
    expect(hasCredentials("github", { config: { token: { [SIG_KEY]: SECRET_SIG, value: "t" } }, env: {} })).toBe(true);
    expect(hasCredentials("github", { config: { token: "" }, env: {} })).toBe(false);
  });

  test("getUser and getRepository answer from the fixture, with schema-valid results", () => {
    const user = answerInvoke("github", "github:index/getUser:getUser", { username: "ada" }, github);
    expect(user.outputs).toMatchObject({ id: "100001", login: "ada" });
    expect(outputProblems("github", "github:index/getUser:getUser", user.outputs!)).toEqual([]);
    const repo = answerInvoke("github", "github:index/getRepository:getRepository", { fullName: "acme/storefront" }, github);
    expect(repo.outputs).toMatchObject({ name: "storefront", defaultBranch: "main", repoId: 700001 });
    expect(outputProblems("github", "github:index/getRepository:getRepository", repo.outputs!)).toEqual([]);
    expect(() => answerInvoke("github", "github:index/getUser:getUser", { username: "mallory" }, github)).toThrow(
      "GET https://api.github.com/users/mallory: 404 Not Found []",
    );
  });

  test("bad arguments are failures, not answers", () => {
    const answer = answerInvoke("github", "github:index/getTeam:getTeam", { team: "release-captains" }, github);
    expect(answer.outputs).toBeUndefined();
    expect(answer.failures.map((f) => f.property).sort()).toEqual(["slug", "team"]);
  });
});

describe("heroku", () => {
  test("getPipeline answers acme-api with its UUID; getApp answers the apps", () => {
    const pipeline = answerInvoke("heroku", "heroku:pipeline/getPipeline:getPipeline", { name: "acme-api" }, heroku);
    expect(pipeline.outputs).toEqual({
      id: "6c4f9a2e-1b3d-4e5f-8a7b-9c0d1e2f3a4b",
      name: "acme-api",
      ownerId: organisation().heroku.teamId,
      ownerType: "team",
    });
    const app = answerInvoke("heroku", "heroku:app/getApp:getApp", { name: "acme-api" }, heroku);
    expect(app.outputs).toMatchObject({ name: "acme-api", region: "eu", lastSlugId: "8e1d2c3b-4a5f-4e6d-8c7b-9a0f1e2d3c4b" });
    expect(outputProblems("heroku", "heroku:app/getApp:getApp", app.outputs!)).toEqual([]);
  });

  test("unknown names are the API's 404; no API key is a 401", () => {
    expect(() => answerInvoke("heroku", "heroku:pipeline/getPipeline:getPipeline", { name: "nope" }, heroku)).toThrow(
      "Couldn't find that pipeline.",
    );
    expect(() => answerInvoke("heroku", "heroku:app/getApp:getApp", { name: "nope" }, heroku)).toThrow("Couldn't find that app.");
    expect(() => answerInvoke("heroku", "heroku:pipeline/getPipeline:getPipeline", { name: "acme-api" }, { config: {}, env: {} })).toThrow(
      "Invalid credentials provided",
    );
    expect(
      answerInvoke("heroku", "heroku:pipeline/getPipeline:getPipeline", { name: "acme-api" }, { config: {}, env: { HEROKU_API_KEY: "k" } })
        .outputs?.name,
    ).toBe("acme-api");
  });
});

describe("credentials of every package", () => {
  test.each([
    ["github", { token: "t" }, { GITHUB_TOKEN: "t" }],
    ["heroku", { apiKey: "k" }, { HEROKU_API_KEY: "k" }],
    ["vercel", { apiToken: "t" }, { VERCEL_API_TOKEN: "t" }],
    ["postgresql", { password: "p" }, { PGPASSWORD: "p" }],
    ["kubernetes", { kubeconfig: "~/.kube/config" }, { KUBECONFIG: "/tmp/kubeconfig" }],
  ])("%s: needed, from config or environment", (pkg, config, env) => {
    expect(hasCredentials(pkg, { config: {}, env: {} })).toBe(false);
    expect(hasCredentials(pkg, { config, env: {} })).toBe(true);
    expect(hasCredentials(pkg, { config: {}, env })).toBe(true);
    expect(missingCredentialsError(pkg, { kind: "create", token: "x", properties: {} }, { config: {}, env: {} }).length).toBeGreaterThan(
      20,
    );
  });

  test("kubernetes also accepts a context; random needs nothing", () => {
    expect(hasCredentials("kubernetes", { config: { context: "prod" }, env: {} })).toBe(true);
    expect(hasCredentials("random", { config: {}, env: {} })).toBe(true);
  });
});
