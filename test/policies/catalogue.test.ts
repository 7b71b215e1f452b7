/**
 * The catalogue is a contract: DESIGN.md's 31 names, the pack's policies and the README agree, and
 * every policy carries the metadata users see when it fails.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { policies } from "../../policy-pack/policies";
import { SHARED_DIR, sharedAvailable } from "../support/sharedData";
import { checkReadme, renderCatalogue, withCatalogue, CATALOGUE_END, CATALOGUE_START } from "../../policy-pack/scripts/catalogue";

const AREAS = ["repository", "environments", "promotion", "deployJobs", "apps", "data", "flags", "releaseProcess", "workflowSecurity"];

/** DESIGN.md lives in the shared reference folder beside the repository. */
const DESIGN_PATH = path.join(SHARED_DIR, "DESIGN.md");

/** The first column of the catalogue table in DESIGN.md. */
function designPolicyNames(markdown: string): string[] {
  const section = markdown.split(/^## Policy catalogue.*$/m)[1] ?? "";
  const table = section.split(/^## /m)[0];
  return table
    .split("\n")
    .filter((line) => line.startsWith("|"))
    .map((line) => line.split("|")[1].trim())
    .filter((name) => name !== "" && name !== "policy" && !/^-+$/.test(name));
}

const designAvailable = sharedAvailable("DESIGN.md", "the DESIGN.md name check");

describe("the policy catalogue", () => {
  (designAvailable ? test : test.skip)("the pack's policy names are exactly DESIGN.md's catalogue", () => {
    const names = designPolicyNames(fs.readFileSync(DESIGN_PATH, "utf8"));
    expect(names).toHaveLength(31);
    expect([...policies.map((policy) => policy.name)].sort()).toEqual([...names].sort());
  });

  test("names are unique and none is reserved", () => {
    const names = policies.map((policy) => policy.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names).not.toContain("all");
  });

  test.each(policies.map((policy) => [policy.name, policy] as const))(
    "%s carries description, remediation, severity and enforcement",
    (_name, policy) => {
      expect(policy.description).toMatch(/^[A-Z].{30,}\.$/);
      expect(policy.remediationSteps.length).toBeGreaterThan(30);
      expect(["low", "medium", "high", "critical"]).toContain(policy.severity);
      expect(["advisory", "mandatory"]).toContain(policy.enforcementLevel);
      expect(AREAS).toContain(policy.tags[0]);
      expect(policy.tags.length).toBeGreaterThan(1);
      const validates = "validateStack" in policy ? policy.validateStack : policy.validateResource;
      expect(typeof validates).toBe("function");
    },
  );

  test.each(policies.filter((policy) => policy.configSchema).map((policy) => [policy.name, policy] as const))(
    "%s config keys have defaults and descriptions and never use enforcementLevel",
    (_name, policy) => {
      const properties = policy.configSchema?.properties ?? {};
      expect(Object.keys(properties)).not.toContain("enforcementLevel");
      expect(policy.configSchema?.required ?? []).not.toContain("enforcementLevel");
      for (const [key, schema] of Object.entries(properties)) {
        expect({ key, hasDefault: schema.default !== undefined }).toEqual({ key, hasDefault: true });
        expect({ key, description: (schema.description ?? "").length > 10 }).toEqual({ key, description: true });
      }
    },
  );

  test("harm to production is mandatory: only preview protection is advisory", () => {
    expect(policies.filter((policy) => policy.enforcementLevel === "advisory").map((policy) => policy.name)).toEqual([
      "vercel-deployment-protection",
    ]);
  });

  test("the README catalogue is generated from the pack and is not stale", () => {
    const result = checkReadme();
    expect(result).toEqual({ current: true });
  });

  test("a README whose catalogue drifted is detected as stale", () => {
    const readme = `# pack\n\n${CATALOGUE_START}\n${renderCatalogue()}\n${CATALOGUE_END}\n`;
    expect(withCatalogue(readme)).toBe(readme);
    const drifted = readme.replace("default-branch-protected", "main-protected");
    expect(withCatalogue(drifted)).not.toBe(drifted);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "catalogue-")), "README.md");
    fs.writeFileSync(file, drifted);
    expect(checkReadme(file).current).toBe(false);
  });

  test("the catalogue documents every policy with its config", () => {
    const catalogue = renderCatalogue();
    for (const policy of policies) {
      expect(catalogue).toContain(`### ${policy.name}`);
      for (const key of Object.keys(policy.configSchema?.properties ?? {})) expect(catalogue).toContain(`\`${key}\``);
    }
  });
});
