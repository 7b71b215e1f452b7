/**
 * The gate's report and its renderings: JSON (DESIGN.md's exact shape), a terminal table,
 * Markdown for a PR comment, SARIF 2.1.0 for GitHub code scanning.
 */
import { z } from "zod";
import { GateReport, PolicyPackSummary, exitCodeOf, renderJson, renderMarkdown, renderSarif, renderTable, summaryLine } from "../../cli/gate/report";

const pack: PolicyPackSummary = {
  name: "slipway-guardrails",
  version: "0.1.0",
  policies: [
    { name: "production-approval", description: "The production environment needs a reviewer and forbids self-review.", enforcementLevel: "mandatory" },
    { name: "soak-window", description: "Production waits at least the configured soak minutes.", enforcementLevel: "advisory" },
    { name: "change-freeze", description: "No production change inside a freeze.", enforcementLevel: "disabled" },
  ],
};

const envUrn = "urn:pulumi:production::slipway::slipway:github:Environments$github:index/repositoryEnvironment:RepositoryEnvironment::production";
const failing: GateReport = {
  stack: "production",
  policies: 2,
  resources: 14,
  violations: [
    { policy: "production-approval", enforcementLevel: "mandatory", urn: envUrn, message: "environment 'production' has no reviewer" },
    { policy: "soak-window", enforcementLevel: "advisory", urn: envUrn, message: "wait timer is 5 minutes | the playbook asks for 30\nraise it" },
  ],
};
const passing: GateReport = { stack: "staging", policies: 2, resources: 12, violations: [] };
const advisoryOnly: GateReport = { ...passing, violations: [failing.violations[1]] };

describe("the exit code", () => {
  it("is 0 with no violation, 0 with advisories only, 1 with a mandatory violation in any stack", () => {
    expect(exitCodeOf([passing])).toBe(0);
    expect(exitCodeOf([advisoryOnly])).toBe(0);
    expect(exitCodeOf([failing])).toBe(1);
    expect(exitCodeOf([passing, failing])).toBe(1);
  });
});

describe("--json", () => {
  it("prints one stack's report in exactly the DESIGN.md shape, fields in order", () => {
    const printed = renderJson([failing]);
    const parsed = JSON.parse(printed);
    expect(parsed).toEqual(failing);
    expect(Object.keys(parsed)).toEqual(["stack", "policies", "resources", "violations"]);
    expect(Object.keys(parsed.violations[0])).toEqual(["policy", "enforcementLevel", "urn", "message"]);
  });

  it("drops anything else a report object carries", () => {
    const withExtra = { ...passing, secretsSeen: 3 } as GateReport;
    expect(Object.keys(JSON.parse(renderJson([withExtra])))).toEqual(["stack", "policies", "resources", "violations"]);
  });

  it("prints several stacks as an array of reports", () => {
    expect(JSON.parse(renderJson([passing, failing]))).toEqual([passing, failing]);
  });
});

describe("the terminal table", () => {
  it("lists level, policy, resource and message per violation, and a summary line per stack", () => {
    const table = renderTable([failing, passing]);
    const lines = table.split("\n");
    expect(lines[0]).toBe("Stack production");
    expect(lines[1]).toMatch(/^ {2}LEVEL +POLICY +RESOURCE +MESSAGE$/);
    expect(lines[2]).toMatch(/^ {2}mandatory +production-approval +production \(github:index\/repositoryEnvironment:RepositoryEnvironment\) +environment 'production' has no reviewer$/);
    expect(lines[3]).toContain("wait timer is 5 minutes | the playbook asks for 30 raise it");
    expect(lines[4]).toBe("production: FAIL - 1 mandatory violation, 1 advisory violation (2 policies judged 14 resources)");
    expect(table).toContain("Stack staging\nstaging: PASS - no violations (2 policies judged 12 resources)");
  });

  it("says PASS when only advisories were found", () => {
    expect(summaryLine(advisoryOnly)).toBe("staging: PASS - 0 mandatory violations, 1 advisory violation (2 policies judged 12 resources)");
  });
});

describe("Markdown for a PR comment", () => {
  it("has a heading per stack with its verdict and a table of violations", () => {
    const markdown = renderMarkdown([failing, passing]);
    expect(markdown).toContain("### Slipway gate: `production` ❌ fail");
    expect(markdown).toContain("### Slipway gate: `staging` ✅ pass");
    expect(markdown).toContain("2 policies judged 14 resources: 1 mandatory violation, 1 advisory violation.");
    expect(markdown).toContain("| Level | Policy | Resource | Message |\n| --- | --- | --- | --- |\n");
    expect(markdown).toContain(
      "| mandatory | `production-approval` | `production` (`github:index/repositoryEnvironment:RepositoryEnvironment`) | environment 'production' has no reviewer |",
    );
    // A pipe or a newline in a message must not break the table.
    expect(markdown).toContain("| wait timer is 5 minutes \\| the playbook asks for 30 raise it |");
    expect(markdown).toContain("2 policies judged 12 resources: no violations.");
    expect(markdown.split("\n").filter((line) => line.startsWith("| advisory") || line.startsWith("| mandatory"))).toHaveLength(2);
  });
});

/**
 * The parts of the SARIF 2.1.0 schema (sarif-schema-2.1.0.json) the gate emits, with the
 * schema's required properties, types, enums and `additionalProperties: false`, plus GitHub
 * code scanning's extra requirement of a region with a start line.
 */
const message = z.strictObject({ text: z.string().min(1) });
const multiformatMessageString = z.strictObject({ text: z.string().min(1) });
const level = z.enum(["none", "note", "warning", "error"]);
const propertyBag = z.record(z.string(), z.unknown());
const reportingDescriptor = z.strictObject({
  id: z.string().min(1),
  name: z.string().optional(),
  shortDescription: multiformatMessageString.optional(),
  fullDescription: multiformatMessageString.optional(),
  defaultConfiguration: z.strictObject({ level: level.optional(), enabled: z.boolean().optional() }).optional(),
  helpUri: z.string().optional(),
  properties: propertyBag.optional(),
});
const sarifLog = z.strictObject({
  $schema: z.url().optional(),
  version: z.literal("2.1.0"),
  runs: z.array(
    z.strictObject({
      tool: z.strictObject({
        driver: z.strictObject({
          name: z.string().min(1),
          version: z.string().optional(),
          informationUri: z.url().optional(),
          rules: z.array(reportingDescriptor).optional(),
        }),
      }),
      results: z.array(
        z.strictObject({
          ruleId: z.string().optional(),
          ruleIndex: z.number().int().min(-1).optional(),
          level: level.optional(),
          message,
          locations: z
            .array(
              z.strictObject({
                physicalLocation: z.strictObject({
                  artifactLocation: z.strictObject({ uri: z.string().min(1), uriBaseId: z.string().optional() }),
                  region: z.strictObject({ startLine: z.number().int().min(1) }),
                }),
                logicalLocations: z.array(z.strictObject({ name: z.string().optional(), fullyQualifiedName: z.string().optional(), kind: z.string().optional() })).optional(),
              }),
            )
            .min(1),
          partialFingerprints: z.record(z.string(), z.string()).optional(),
          properties: propertyBag.optional(),
        }),
      ),
    }),
  ),
});

describe("SARIF for GitHub code scanning", () => {
  const sarif = () => JSON.parse(renderSarif([failing, advisoryOnly, passing], pack));

  it("is a valid SARIF 2.1.0 log with one run", () => {
    const parsed = sarifLog.safeParse(sarif());
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(sarif().runs).toHaveLength(1);
  });

  it("describes every policy as a rule, with its description and level", () => {
    expect(sarif().runs[0].tool.driver.rules.map((rule: { id: string; shortDescription: { text: string }; defaultConfiguration: { level: string } }) => [rule.id, rule.shortDescription.text, rule.defaultConfiguration.level])).toEqual([
      ["production-approval", "The production environment needs a reviewer and forbids self-review.", "error"],
      ["soak-window", "Production waits at least the configured soak minutes.", "warning"],
      ["change-freeze", "No production change inside a freeze.", "none"],
    ]);
  });

  it("has one result per violation: mandatory is an error, advisory a warning, located in the stack file with the URN", () => {
    const { results, tool } = sarif().runs[0];
    expect(results).toHaveLength(3);
    expect(results.map((result: { ruleId: string; level: string }) => [result.ruleId, result.level])).toEqual([
      ["production-approval", "error"],
      ["soak-window", "warning"],
      ["soak-window", "warning"],
    ]);
    for (const result of results) expect(tool.driver.rules[result.ruleIndex].id).toBe(result.ruleId);
    expect(results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("Pulumi.production.yaml");
    expect(results[2].locations[0].physicalLocation.artifactLocation.uri).toBe("Pulumi.staging.yaml");
    expect(results[0].locations[0].logicalLocations[0]).toEqual({ fullyQualifiedName: envUrn, name: "production", kind: "resource" });
    expect(results[0].message.text).toContain("environment 'production' has no reviewer");
  });

  it("gives each result its own stable fingerprint, so alerts on line 1 of the same file stay apart", () => {
    const fingerprints = sarif().runs[0].results.map((result: { partialFingerprints: Record<string, string> }) => result.partialFingerprints.primaryLocationLineHash);
    expect(new Set(fingerprints).size).toBe(3);
    expect(sarif().runs[0].results[0].partialFingerprints).toEqual(JSON.parse(renderSarif([failing], pack)).runs[0].results[0].partialFingerprints);
  });

  it("places the stack file under the project's path in the repository", () => {
    const nested = JSON.parse(renderSarif([failing], pack, { projectPath: "infra/slipway/" }));
    expect(nested.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri).toBe("infra/slipway/Pulumi.production.yaml");
  });
});
