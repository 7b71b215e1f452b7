/**
 * SARIF for GitHub code scanning: `slipway gate --sarif DIR` writes DIR/<stack>.sarif, valid
 * against the official SARIF 2.1.0 schema (vendored in ./sarif), each alert at the line of the
 * config key that produced the resource, each rule with its help, a link to its catalogue entry
 * and a security-severity.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv-draft-04";
import addFormats from "ajv-formats";
import type { GateOutcome, GateReport } from "../../gate/report";
import { renderSarif, type SarifOptions } from "../../gate/sarif";
import { runSlipway } from "../e2e/support";
import { copyProject, editStackFile, indexWhere, makeScratch, removeScratch, REPO_ROOT, slipwayKey } from "../support/project";

const SCHEMA = JSON.parse(fs.readFileSync(path.join(__dirname, "sarif", "sarif-schema-2.1.0.json"), "utf8")) as object;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats(ajv);
const validateSarif = ajv.compile(SCHEMA);

/** The schema's complaints about a log, readable; empty when valid. */
function schemaErrors(log: unknown): string[] {
  return validateSarif(log) ? [] : (validateSarif.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
}

// ---- the rendering, on a hand-made outcome ----

const urn =
  "urn:pulumi:production::slipway::slipway:github:DeploymentEnvironment$github:index/repositoryEnvironment:RepositoryEnvironment::storefront-production";
const report: GateReport = {
  stack: "production",
  policies: 2,
  resources: 14,
  violations: [
    {
      policy: "production-approval",
      enforcementLevel: "mandatory",
      urn,
      message: "environment 'production' allows self-review",
      location: { file: "Pulumi.production.yaml", line: 41, column: 5, key: "slipway:environments.production" },
    },
    { policy: "soak-window", enforcementLevel: "advisory", urn, message: "wait timer is 5 minutes", location: undefined },
  ],
};
const outcome: GateOutcome = {
  pack: {
    name: "slipway-guardrails",
    version: "0.1.0",
    policies: [
      {
        name: "production-approval",
        description: "Production needs a reviewer.",
        enforcementLevel: "mandatory",
        severity: "critical",
        remediation: "Set preventSelfReview: true.",
      },
      {
        name: "soak-window",
        description: "Production waits.",
        enforcementLevel: "advisory",
        severity: "medium",
        remediation: "Raise waitTimerMinutes.",
      },
    ],
  },
  reports: [report],
  findings: [
    {
      check: "policy-config-weakened",
      enforcementLevel: "mandatory",
      policy: "pull-request-reviews",
      setting: "minApprovals",
      message: "lowered from 2 to 1",
      location: { file: "policy-config.json", line: 3, column: 5, key: "pull-request-reviews.minApprovals" },
    },
  ],
  policyConfig: "policy-config.json",
  basePolicyConfig: "base.json",
};
const options: SarifOptions = {
  toolVersion: "0.1.0",
  help: {
    catalogueUri: "https://github.com/acme/storefront/blob/abc123/policy-pack/README.md",
    weakeningUri: "https://github.com/acme/storefront/blob/abc123/README.md#a-pull-request-cannot-weaken-its-own-rules",
  },
};

describe("the SARIF of one stack", () => {
  const log = () => JSON.parse(renderSarif(outcome, report, options));

  it("is valid SARIF 2.1.0, and the validator does refuse a broken log", () => {
    expect(schemaErrors(log())).toEqual([]);
    const broken = log();
    broken.runs[0].results[0].locations[0].physicalLocation.region.startLine = 0;
    broken.runs[0].tool.driver.rules[0].helpUri = "not a uri";
    expect(schemaErrors(broken)).toEqual(
      expect.arrayContaining([
        expect.stringContaining("startLine must be >= 1"),
        expect.stringContaining('helpUri must match format "uri"'),
      ]),
    );
  });

  it("describes every policy as a rule with help, a link to its catalogue entry and a security-severity", () => {
    const [approval, soak, weakened] = log().runs[0].tool.driver.rules;
    expect(approval).toMatchObject({
      id: "production-approval",
      help: { text: "Production needs a reviewer.\n\nRemediation: Set preventSelfReview: true." },
      helpUri: "https://github.com/acme/storefront/blob/abc123/policy-pack/README.md#production-approval",
      defaultConfiguration: { level: "error" },
      properties: { "security-severity": "9.5", tags: ["security"] },
    });
    expect(soak).toMatchObject({ defaultConfiguration: { level: "warning" }, properties: { "security-severity": "5.5" } });
    expect(weakened).toMatchObject({
      id: "policy-config-weakened",
      helpUri: options.help.weakeningUri,
      properties: { "security-severity": "8.0" },
    });
  });

  it("places each alert at the line and column of its config key, under the project's path in the repository", () => {
    const nested = JSON.parse(renderSarif(outcome, report, { ...options, projectPath: "infra/slipway/" }));
    const [weakened, approval, soak] = nested.runs[0].results;
    expect(approval.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "infra/slipway/Pulumi.production.yaml" },
      region: { startLine: 41, startColumn: 5 },
    });
    expect(approval.properties.configKey).toBe("slipway:environments.production");
    // Nothing locates it (a stack export): the stack file, whose alert GitHub still shows.
    expect(soak.locations[0].physicalLocation.region).toEqual({ startLine: 1 });
    expect(weakened).toMatchObject({
      ruleId: "policy-config-weakened",
      level: "error",
      message: { text: "pull-request-reviews.minApprovals: lowered from 2 to 1" },
    });
    expect(weakened.locations[0].physicalLocation).toEqual({
      artifactLocation: { uri: "infra/slipway/policy-config.json" },
      region: { startLine: 3, startColumn: 5 },
    });
  });

  it("keeps each alert's fingerprint when lines move, and a category per stack", () => {
    const moved: GateReport = {
      ...report,
      violations: report.violations.map((violation) => ({
        ...violation,
        location: violation.location && { ...violation.location, line: 44 },
      })),
    };
    const fingerprints = (logText: string) =>
      JSON.parse(logText).runs[0].results.map((result: { partialFingerprints: object }) => result.partialFingerprints);
    expect(fingerprints(renderSarif(outcome, moved, options))).toEqual(fingerprints(renderSarif(outcome, report, options)));
    expect(log().runs[0].automationDetails).toEqual({ id: "slipway-gate/production/" });
  });
});

// ---- the gate's files, on a production stack with two mistakes ----

/** The 1-based line of the first line matching `pattern` after the line matching `after`. */
function lineOf(text: string, after: RegExp, pattern: RegExp): number {
  const lines = text.split("\n");
  const start = lines.findIndex((line) => after.test(line));
  return lines.findIndex((line, index) => index > start && pattern.test(line)) + 1;
}

describe("slipway gate --sarif DIR", () => {
  let scratch: string;
  let projectDir: string;
  let gate: { status: number | null; stdout: string; stderr: string };
  let sarifDir: string;

  beforeAll(async () => {
    scratch = makeScratch();
    projectDir = copyProject(scratch, "self-review-and-one-replica");
    fs.symlinkSync(path.join(REPO_ROOT, "policy-pack"), path.join(projectDir, "policy-pack"), "dir");
    editStackFile(projectDir, "production", (document) => {
      // Whoever triggers the deploy may approve it, and the worker runs one replica.
      document.setIn(slipwayKey("environments", "production", "preventSelfReview"), false);
      const worker = indexWhere(document, slipwayKey("apps", "kubernetes", "services"), "name", "worker");
      document.setIn(slipwayKey("apps", "kubernetes", "services", worker, "replicas"), 1);
    });
    sarifDir = path.join(scratch, "slipway-sarif");
    gate = await runSlipway(["gate", "-s", "production", "--sarif", sarifDir], projectDir);
  }, 180_000);

  afterAll(() => removeScratch(scratch));

  it("fails the stack and writes DIR/<stack>.sarif for each stack it judged", () => {
    expect(gate.stderr).not.toMatch(/^\s+at /m);
    expect(gate.status).toBe(1);
    expect(fs.readdirSync(sarifDir)).toEqual(["production.sarif"]);
  });

  it("writes valid SARIF 2.1.0", () => {
    expect(schemaErrors(JSON.parse(fs.readFileSync(path.join(sarifDir, "production.sarif"), "utf8")))).toEqual([]);
  });

  it("puts each alert on the line of the stack file a person edits to fix it", () => {
    const stackFile = fs.readFileSync(path.join(projectDir, "Pulumi.production.yaml"), "utf8");
    const log = JSON.parse(fs.readFileSync(path.join(sarifDir, "production.sarif"), "utf8"));
    const placeOf = (policy: string) => {
      const result = log.runs[0].results.find((entry: { ruleId: string }) => entry.ruleId === policy);
      return {
        uri: result.locations[0].physicalLocation.artifactLocation.uri,
        line: result.locations[0].physicalLocation.region.startLine,
        key: result.properties.configKey,
      };
    };
    const environmentLine = lineOf(stackFile, /^ {2}slipway:environments:/, /^ {4}production:/);
    const workerLine = lineOf(stackFile, /^ {6}services:/, /- name: worker$/);
    expect(environmentLine).toBeGreaterThan(1);
    expect(workerLine).toBeGreaterThan(environmentLine);
    expect(placeOf("production-approval")).toEqual({
      uri: "Pulumi.production.yaml",
      line: environmentLine,
      key: "slipway:environments.production",
    });
    expect(placeOf("k8s-safe-rollout")).toEqual({
      uri: "Pulumi.production.yaml",
      line: workerLine,
      key: "slipway:apps.kubernetes.services[0]",
    });
    // The same places in the table the terminal shows.
    expect(gate.stdout).toMatch(
      new RegExp(`production-approval +Pulumi\\.production\\.yaml:${environmentLine}:\\d+ +slipway:environments\\.production `),
    );
  });

  it("links every rule to a heading of the pack's catalogue that exists", () => {
    const catalogue = fs.readFileSync(path.join(REPO_ROOT, "policy-pack", "README.md"), "utf8");
    const rules = JSON.parse(fs.readFileSync(path.join(sarifDir, "production.sarif"), "utf8")).runs[0].tool.driver.rules as {
      id: string;
      helpUri: string;
      properties: Record<string, string>;
    }[];
    const policies = rules.filter((rule) => rule.id !== "policy-config-weakened");
    expect(policies).toHaveLength(31);
    for (const rule of policies) {
      expect(rule.helpUri).toMatch(new RegExp(`/policy-pack/README\\.md#${rule.id}$`));
      expect(catalogue).toContain(`\n### ${rule.id}\n`);
      expect(["9.5", "8.0", "5.5", "3.0"]).toContain(rule.properties["security-severity"]);
    }
    const readme = fs.readFileSync(path.join(REPO_ROOT, "README.md"), "utf8");
    expect(readme.split("\n")).toContain("### A pull request cannot weaken its own rules");
  });
});
