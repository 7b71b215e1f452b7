/**
 * The stand-in plugins speak Pulumi's provider protocol the way the engine expects: each launcher
 * prints a port and serves ResourceProvider over gRPC; Check refuses what the real provider
 * refuses; Create previews with unknowns and creates with values; secrets and unknowns
 * round-trip exactly; invokes and real operations need credentials.
 */
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { PLUGIN_VERSIONS } from "../../engine/standins/server";
import { SECRET_SIG, SIG_KEY, UNKNOWN_VALUE } from "../../providers/wire";
import { LAUNCHER_DIR, type RunningPlugin, call, startPlugin } from "./helpers";

const secret = (value: unknown) => ({ [SIG_KEY]: SECRET_SIG, value });
const struct = (value: Record<string, unknown>) => Struct.fromJavaScript(value as never);
const urn = (type: string, name: string) => `urn:pulumi:dev::toy::${type}::${name}`;

/** Configure a plugin the way the engine does (args as a Struct). */
async function configure(plugin: RunningPlugin, pkg: string, args: Record<string, unknown>): Promise<provproto.ConfigureResponse> {
  const req = new provproto.ConfigureRequest();
  req.setArgs(struct({ ...args, version: PLUGIN_VERSIONS[pkg] }));
  req.setAcceptsecrets(true);
  req.setAcceptresources(true);
  req.setType(`pulumi:providers:${pkg}`);
  return call(plugin.client, "configure", req);
}

function checkRequest(
  type: string,
  name: string,
  news: Record<string, unknown>,
  olds: Record<string, unknown> = {},
): provproto.CheckRequest {
  const req = new provproto.CheckRequest();
  req.setUrn(urn(type, name));
  req.setName(name);
  req.setType(type);
  req.setNews(struct(news));
  req.setOlds(struct(olds));
  req.setRandomseed(Buffer.from("0123456789abcdef0123456789abcdef"));
  return req;
}

function createRequest(type: string, name: string, properties: Record<string, unknown>, preview: boolean): provproto.CreateRequest {
  const req = new provproto.CreateRequest();
  req.setUrn(urn(type, name));
  req.setName(name);
  req.setType(type);
  req.setProperties(struct(properties));
  req.setPreview(preview);
  return req;
}

function invokeRequest(tok: string, args: Record<string, unknown>): provproto.InvokeRequest {
  const req = new provproto.InvokeRequest();
  req.setTok(tok);
  req.setArgs(struct(args));
  return req;
}

test("every launcher is an executable POSIX sh script that runs main.ts through tsx", () => {
  for (const pkg of Object.keys(PLUGIN_VERSIONS)) {
    const launcher = path.join(LAUNCHER_DIR, `pulumi-resource-${pkg}`);
    const text = fs.readFileSync(launcher, "utf8");
    expect(text.startsWith("#!/bin/sh\n")).toBe(true);
    expect(fs.statSync(launcher).mode & 0o111).toBe(0o111);
    expect(text).toContain(`engine/standins/main.ts" ${pkg} "$@"`);
  }
});

describe("pulumi-resource-github", () => {
  let plugin: RunningPlugin;
  beforeAll(async () => {
    // No credentials in its environment, whatever the machine running the tests has.
    plugin = await startPlugin("github", { GITHUB_TOKEN: "", GITHUB_OWNER: "" });
  });
  afterAll(() => plugin.stop());

  test("GetPluginInfo reports the SDK's version; Handshake accepts secrets and resources", async () => {
    const info = await call<Empty, plugproto.PluginInfo>(plugin.client, "getPluginInfo", new Empty());
    expect(info.getVersion()).toBe("6.15.0");
    const handshake = await call<provproto.ProviderHandshakeRequest, provproto.ProviderHandshakeResponse>(
      plugin.client,
      "handshake",
      new provproto.ProviderHandshakeRequest(),
    );
    expect([handshake.getAcceptSecrets(), handshake.getAcceptResources()]).toEqual([true, true]);
  });

  test("GetSchema serves the vendored schema", async () => {
    const req = new provproto.GetSchemaRequest();
    const resp = await call<provproto.GetSchemaRequest, provproto.GetSchemaResponse>(plugin.client, "getSchema", req);
    expect(Object.keys(JSON.parse(resp.getSchema()).resources)).toContain("github:index/repositoryRuleset:RepositoryRuleset");
  });

  test("Configure answers acceptSecrets, acceptResources and supportsPreview", async () => {
    const resp = await configure(plugin, "github", { owner: "acme" });
    expect([resp.getAcceptsecrets(), resp.getAcceptresources(), resp.getSupportspreview()]).toEqual([true, true, true]);
  });

  test("CheckConfig refuses an unknown key", async () => {
    const req = new provproto.CheckRequest();
    req.setUrn("urn:pulumi:dev::toy::pulumi:providers:github::default");
    req.setNews(struct({ owner: "acme", ownr: "acme", version: "6.15.0" }));
    const resp = await call<provproto.CheckRequest, provproto.CheckResponse>(plugin.client, "checkConfig", req);
    expect(resp.getFailuresList().map((f) => f.getReason())).toEqual([
      expect.stringContaining("Invalid or unknown key. Check `pulumi config get github:ownr`"),
    ]);
  });

  test("Check: a bad enforcement value is a failure; secrets and unknowns come back exactly as sent", async () => {
    const type = "github:index/repositoryRuleset:RepositoryRuleset";
    const news = { name: secret("main"), repository: UNKNOWN_VALUE, target: "branch", enforcement: "enabled", rules: { deletion: true } };
    const resp = await call<provproto.CheckRequest, provproto.CheckResponse>(plugin.client, "check", checkRequest(type, "main", news));
    // As the Terraform bridge: no property, the path in the reason (the engine prints the reason).
    expect(resp.getFailuresList().map((f) => [f.getProperty(), f.getReason()])).toEqual([
      ["", expect.stringMatching(/expected enforcement to be one of .* Examine values at 'main\.enforcement'\.$/)],
    ]);
    expect(resp.getInputs()?.toJavaScript()).toEqual(news);
  });

  test("Create: preview leaves computed properties unknown; a real create needs credentials", async () => {
    const type = "github:index/repository:Repository";
    const preview = await call<provproto.CreateRequest, provproto.CreateResponse>(
      plugin.client,
      "create",
      createRequest(type, "site", { name: "site" }, true),
    );
    expect(preview.getId()).toBe("");
    expect(preview.getProperties()?.toJavaScript()).toMatchObject({ name: "site", nodeId: UNKNOWN_VALUE, repoId: UNKNOWN_VALUE });
    await expect(call(plugin.client, "create", createRequest(type, "site", { name: "site" }, false))).rejects.toThrow(
      "POST https://api.github.com/orgs/acme/repos: 401 Requires authentication []",
    );
  });

  test("Invoke without a token is GitHub's 401", async () => {
    await expect(
      call(plugin.client, "invoke", invokeRequest("github:index/getTeam:getTeam", { slug: "release-captains", summaryOnly: true })),
    ).rejects.toThrow("GET https://api.github.com/orgs/acme/teams/release-captains: 401 Requires authentication []");
  });

  test("with a token: Invoke answers from the organisation, Create creates", async () => {
    await configure(plugin, "github", { owner: "acme", token: secret("ghp_test") });
    const team = await call<provproto.InvokeRequest, provproto.InvokeResponse>(
      plugin.client,
      "invoke",
      invokeRequest("github:index/getTeam:getTeam", { slug: "release-captains", summaryOnly: true }),
    );
    expect(team.getReturn()?.toJavaScript()).toMatchObject({ id: "4711", slug: "release-captains" });
    await expect(call(plugin.client, "invoke", invokeRequest("github:index/getTeam:getTeam", { slug: "nobody" }))).rejects.toThrow(
      "404 Not Found",
    );
    const created = await call<provproto.CreateRequest, provproto.CreateResponse>(
      plugin.client,
      "create",
      createRequest("github:index/repository:Repository", "site", { name: "site" }, false),
    );
    expect(created.getId()).not.toBe("");
    expect(created.getProperties()?.toJavaScript()).toMatchObject({ name: "site", nodeId: expect.any(String), repoId: expect.any(Number) });
  });

  test("Read returns the state it was given; Diff reports replacements", async () => {
    const read = new provproto.ReadRequest();
    read.setId("abc");
    read.setUrn(urn("github:index/issueLabel:IssueLabel", "bug"));
    read.setProperties(struct({ name: "bug", secretish: secret("x") }));
    const readResp = await call<provproto.ReadRequest, provproto.ReadResponse>(plugin.client, "read", read);
    expect([readResp.getId(), readResp.getProperties()?.toJavaScript()]).toEqual(["abc", { name: "bug", secretish: secret("x") }]);

    const diffReq = new provproto.DiffRequest();
    diffReq.setId("abc");
    diffReq.setUrn(urn("github:index/issueLabel:IssueLabel", "bug"));
    diffReq.setType("github:index/issueLabel:IssueLabel");
    diffReq.setOldInputs(struct({ repository: "a", name: "bug", color: "fff" }));
    diffReq.setOlds(struct({ repository: "a", name: "bug", color: "fff", url: "u" }));
    diffReq.setNews(struct({ repository: "b", name: "bug", color: "000" }));
    const diff = await call<provproto.DiffRequest, provproto.DiffResponse>(plugin.client, "diff", diffReq);
    expect(diff.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
    expect(diff.getReplacesList()).toEqual(["repository"]);
    expect(diff.getDiffsList()).toEqual(["color", "repository"]);
    expect(diff.getDetaileddiffMap().get("repository")?.getKind()).toBe(provproto.PropertyDiff.Kind.UPDATE_REPLACE);
  });
});

describe("pulumi-resource-random", () => {
  let plugin: RunningPlugin;
  beforeAll(async () => {
    plugin = await startPlugin("random", { SLIPWAY_STANDIN_FAIL_CREATE: "random:index/randomPet:RandomPet" });
    await configure(plugin, "random", {});
  });
  afterAll(() => plugin.stop());

  test("Create of a RandomPassword: preview is a secret unknown, a real create a secret value", async () => {
    const type = "random:index/randomPassword:RandomPassword";
    const preview = await call<provproto.CreateRequest, provproto.CreateResponse>(
      plugin.client,
      "create",
      createRequest(type, "pw", { length: 20, special: false }, true),
    );
    expect(preview.getProperties()?.toJavaScript()).toMatchObject({ result: secret(UNKNOWN_VALUE) });
    const created = await call<provproto.CreateRequest, provproto.CreateResponse>(
      plugin.client,
      "create",
      createRequest(type, "pw", { length: 20, special: false }, false),
    );
    const result = ((created.getProperties()?.toJavaScript() ?? {}) as { result?: { value: string } }).result;
    expect(result).toEqual(secret(expect.stringMatching(/^[A-Za-z0-9]{20}$/)));
  });

  test("SLIPWAY_STANDIN_FAIL_CREATE makes the named type's Create fail, and only a real one", async () => {
    const type = "random:index/randomPet:RandomPet";
    await expect(call(plugin.client, "create", createRequest(type, "pet", {}, true))).resolves.toBeDefined();
    await expect(call(plugin.client, "create", createRequest(type, "pet", {}, false))).rejects.toThrow("SLIPWAY_STANDIN_FAIL_CREATE");
  });

  test("an unknown resource type is a Check failure, not a crash", async () => {
    const resp = await call<provproto.CheckRequest, provproto.CheckResponse>(
      plugin.client,
      "check",
      checkRequest("random:index/randomCat:RandomCat", "cat", {}),
    );
    expect(resp.getFailuresList().map((f) => f.getReason())).toEqual([expect.stringContaining("random:index/randomCat:RandomCat")]);
  });
});

describe("pulumi-resource-kubernetes", () => {
  test("Check autonames from the engine's random seed; Delete needs a kubeconfig", async () => {
    const plugin = await startPlugin("kubernetes", { KUBECONFIG: "" });
    try {
      await configure(plugin, "kubernetes", {});
      const resp = await call<provproto.CheckRequest, provproto.CheckResponse>(
        plugin.client,
        "check",
        checkRequest("kubernetes:core/v1:Namespace", "apps", {}),
      );
      expect(resp.getInputs()?.toJavaScript()).toMatchObject({
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: expect.stringMatching(/^apps-[0-9a-f]{8}$/) },
      });
      const del = new provproto.DeleteRequest();
      del.setId("apps-1");
      del.setUrn(urn("kubernetes:core/v1:Namespace", "apps"));
      del.setProperties(struct({ metadata: { name: "apps-1" } }));
      await expect(call(plugin.client, "delete", del)).rejects.toThrow("configured Kubernetes cluster is unreachable");
    } finally {
      await plugin.stop();
    }
  });
});
