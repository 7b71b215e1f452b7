/**
 * The source map: the program records which config entry each resource was built from, and the
 * gate turns that key into the line of the file a person edits. A key the file leaves to its
 * default is located at its nearest ancestor the file has.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { RecordedStack } from "../../gate/model";
import { runStackInChild } from "../../gate/runInChild";
import { configKeySegments, LocatedFile } from "../../gate/locate";

const root = path.resolve(__dirname, "..", "..");

describe("locating a key in a file", () => {
  let dir: string;
  let file: LocatedFile;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-locate-"));
    fs.writeFileSync(
      path.join(dir, "Pulumi.qa.yaml"),
      [
        "config:",
        "  slipway:environment: staging",
        "  slipway:apps:",
        "    heroku:",
        "      - name: api",
        "        formation:",
        "          web: { quantity: 2 }",
        "",
      ].join("\n"),
    );
    file = LocatedFile.read(path.join(dir, "Pulumi.qa.yaml"), "Pulumi.qa.yaml")!;
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("reads a Pulumi key path as the YAML path under config", () => {
    expect(configKeySegments("slipway:apps.heroku[0].formation.web")).toEqual(["config", "slipway:apps", "heroku", 0, "formation", "web"]);
    expect(configKeySegments("github:owner")).toEqual(["config", "github:owner"]);
  });

  it("finds the line and column of the key, a list entry at its first key", () => {
    expect(file.locate(configKeySegments("slipway:apps.heroku[0].formation.web"), 1)).toEqual({
      file: "Pulumi.qa.yaml",
      line: 7,
      column: 11,
      key: "slipway:apps.heroku[0].formation.web",
    });
    expect(file.locate(configKeySegments("slipway:apps.heroku[0]"), 1)).toMatchObject({ line: 5, column: 9 });
  });

  it("falls back to the nearest ancestor the file has, naming that one", () => {
    expect(file.locate(configKeySegments("slipway:apps.heroku[0].configVars.NODE_ENV"), 1)).toEqual({
      file: "Pulumi.qa.yaml",
      line: 5,
      column: 9,
      key: "slipway:apps.heroku[0]",
    });
    expect(file.locate(configKeySegments("slipway:apps.vercel[0]"), 1)).toMatchObject({ line: 3, key: "slipway:apps" });
  });

  it("reads JSON the same way (policy-config.json)", () => {
    const config = LocatedFile.read(path.join(root, "policy-config.json"), "policy-config.json")!;
    const lines = fs.readFileSync(path.join(root, "policy-config.json"), "utf8").split("\n");
    expect(config.locate(["staging-isolation", "productionHosts"]).line).toBe(
      lines.findIndex((line) => line.includes('"productionHosts"')) + 1,
    );
  });

  it("has nothing to point at in a file that is missing or not YAML", () => {
    expect(LocatedFile.read(path.join(dir, "absent.yaml"), "absent.yaml")).toBeUndefined();
  });
});

describe("the examples' source maps", () => {
  const runs: Record<string, RecordedStack> = {};
  beforeAll(async () => {
    const [staging, production] = await Promise.all(["staging", "production"].map((stack) => runStackInChild({ projectDir: root, stack })));
    Object.assign(runs, { staging, production });
  }, 60_000);

  it.each(["staging", "production"])(
    "%s: every resource the program builds from config has a key its stack file has (or an ancestor of it)",
    (stack) => {
      const recorded = runs[stack];
      const file = LocatedFile.read(path.join(root, `Pulumi.${stack}.yaml`), `Pulumi.${stack}.yaml`)!;
      const unsourced = recorded.resources
        .filter((resource) => recorded.sources?.[resource.urn] === undefined)
        .map((resource) => resource.type);
      // Only what the engine adds and the topology itself: the root Stack, default providers, the topology component.
      expect([...new Set(unsourced)].sort()).toEqual(expect.arrayContaining(["pulumi:pulumi:Stack", "slipway:index:ReleaseTopology"]));
      for (const type of unsourced)
        expect(type === "pulumi:pulumi:Stack" || type === "slipway:index:ReleaseTopology" || type.startsWith("pulumi:providers:")).toBe(
          true,
        );
      for (const [urn, key] of Object.entries(recorded.sources ?? {})) {
        const located = file.locate(configKeySegments(key), 1);
        expect({ urn, located: key === located.key || key.startsWith(`${located.key}.`) || key.startsWith(`${located.key}[`) }).toEqual({
          urn,
          located: true,
        });
        expect(located.line).toBeGreaterThan(1);
      }
    },
  );

  it("points a resource at the entry it came from, not only at its component", () => {
    const sources = runs.production.sources!;
    const keyOf = (name: string) => sources[runs.production.resources.find((resource) => resource.name === name)!.urn];
    expect(keyOf("storefront-production-secret-HEROKU_API_KEY")).toBe("slipway:environments.production.secrets.HEROKU_API_KEY");
    expect(keyOf("storefront-production-variable-SLIPWAY_RELEASE_MANIFEST")).toBe("slipway:release");
    expect(keyOf("web-deployment")).toBe("slipway:release.artifacts.web");
    expect(keyOf("workloads-worker")).toBe("slipway:apps.kubernetes.services[0]");
    expect(keyOf("docs-site-release-tags")).toBe("slipway:github.repositories[1].releaseTagPatterns");
  });
});
