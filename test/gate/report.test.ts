/**
 * The gate's verdict and its renderings: the exit code, the terminal table, Markdown for a PR
 * comment and each stack's JSON, every finding with the stack file line it came from, and the
 * gate's own finding when a pull request weakens the policy config. (SARIF: sarif.test.ts.)
 */
import {
  type GateFinding,
  type GateOutcome,
  type GateReport,
  type PolicyPackSummary,
  exitCodeOf,
  findingsJson,
  renderMarkdown,
  renderTable,
  reportJson,
  resultOf,
  summaryLine,
} from "../../gate/report";

const pack: PolicyPackSummary = {
  name: "slipway-guardrails",
  version: "0.1.0",
  policies: [
    {
      name: "production-approval",
      description: "The production environment needs a reviewer and forbids self-review.",
      enforcementLevel: "mandatory",
      severity: "critical",
    },
    {
      name: "soak-window",
      description: "Production waits at least the configured soak minutes.",
      enforcementLevel: "advisory",
      severity: "medium",
    },
  ],
};

const envUrn =
  "urn:pulumi:production::slipway::slipway:github:Environments$github:index/repositoryEnvironment:RepositoryEnvironment::production";
const where = { file: "Pulumi.production.yaml", line: 41, column: 5, key: "slipway:environments.production" };
const failing: GateReport = {
  stack: "production",
  policies: 2,
  resources: 14,
  violations: [
    {
      policy: "production-approval",
      enforcementLevel: "mandatory",
      urn: envUrn,
      message: "environment 'production' has no reviewer",
      location: where,
    },
    {
      policy: "soak-window",
      enforcementLevel: "advisory",
      urn: envUrn,
      message: "wait timer is 5 minutes | the playbook asks for 30\nraise it",
      location: where,
    },
  ],
};
const passing: GateReport = { stack: "staging", policies: 2, resources: 12, violations: [] };
const advisoryOnly: GateReport = { ...passing, violations: [failing.violations[1]] };
const weakened: GateFinding = {
  check: "policy-config-weakened",
  enforcementLevel: "mandatory",
  policy: "pull-request-reviews",
  setting: "minApprovals",
  message: "lowered from 2 to 1 (approving reviews a pull request needs): more is stricter",
  location: { file: "policy-config.json", line: 3, column: 5, key: "pull-request-reviews.minApprovals" },
};

function outcome(reports: GateReport[], findings: GateFinding[] = [], base?: string): GateOutcome {
  return { pack, reports, findings, policyConfig: "policy-config.json", basePolicyConfig: base };
}

describe("the exit code", () => {
  it("is 0 with no violation, 0 with advisories only, 1 with a mandatory violation in any stack", () => {
    expect(exitCodeOf([passing])).toBe(0);
    expect(exitCodeOf([advisoryOnly])).toBe(0);
    expect(exitCodeOf([failing])).toBe(1);
    expect(exitCodeOf([passing, failing])).toBe(1);
  });

  it("is 1 when the policy config is weakened, even if every stack passes", () => {
    expect(exitCodeOf([passing], [weakened])).toBe(1);
    expect(resultOf(outcome([passing], [weakened], "base.json"))).toBe("fail");
    expect(resultOf(outcome([passing], [], "base.json"))).toBe("pass");
  });
});

describe("each stack's JSON", () => {
  it("is the DESIGN.md shape, fields in order, each violation with where it came from", () => {
    const json = JSON.parse(JSON.stringify(reportJson(failing)));
    expect(Object.keys(json)).toEqual(["stack", "policies", "resources", "violations"]);
    expect(Object.keys(json.violations[0])).toEqual(["policy", "enforcementLevel", "urn", "message", "location"]);
    expect(json.violations[0].location).toEqual(where);
  });

  it("says null where nothing locates a violation (a stack export), and drops anything else a report carries", () => {
    const exported: GateReport = { ...failing, violations: [{ ...failing.violations[0], location: undefined }] };
    expect(JSON.parse(JSON.stringify(reportJson(exported))).violations[0].location).toBeNull();
    expect(Object.keys(reportJson({ ...passing, secretsSeen: 3 } as GateReport))).toEqual(["stack", "policies", "resources", "violations"]);
  });

  it("lists the gate's own findings with check, policy, setting and place", () => {
    expect(findingsJson([weakened])).toEqual([
      {
        check: "policy-config-weakened",
        enforcementLevel: "mandatory",
        policy: "pull-request-reviews",
        setting: "minApprovals",
        message: weakened.message,
        location: weakened.location,
      },
    ]);
  });
});

describe("the terminal table", () => {
  it("lists level, policy, file:line, config key, resource and message per violation, and a summary line per stack", () => {
    const table = renderTable(outcome([failing, passing]));
    const lines = table.split("\n");
    expect(lines[0]).toBe("Stack production");
    expect(lines[1]).toMatch(/^ {2}LEVEL +POLICY +WHERE +CONFIG KEY +RESOURCE +MESSAGE$/);
    expect(lines[2]).toMatch(
      /^ {2}mandatory +production-approval +Pulumi\.production\.yaml:41:5 +slipway:environments\.production +production \(github:index\/repositoryEnvironment:RepositoryEnvironment\) +environment 'production' has no reviewer$/,
    );
    expect(lines[3]).toContain("wait timer is 5 minutes | the playbook asks for 30 raise it");
    expect(lines[4]).toBe("production: FAIL - 1 mandatory violation, 1 advisory violation (2 policies judged 14 resources)");
    expect(table).toContain("Stack staging\nstaging: PASS - no violations (2 policies judged 12 resources)");
    expect(table).not.toContain("Policy config");
  });

  it("says PASS when only advisories were found", () => {
    expect(summaryLine(advisoryOnly)).toBe("staging: PASS - 0 mandatory violations, 1 advisory violation (2 policies judged 12 resources)");
  });

  it("puts a weakened policy config first, as a finding of the gate's own", () => {
    const lines = renderTable(outcome([passing], [weakened], "base.json")).split("\n");
    expect(lines[0]).toBe("Policy config policy-config.json");
    expect(lines[2]).toMatch(
      /^ {2}mandatory +policy-config-weakened +policy-config\.json:3:5 +pull-request-reviews\.minApprovals: lowered from 2 to 1/,
    );
    expect(lines[3]).toBe("policy config: FAIL - 1 weakening against the default branch's base.json (policy-config-weakened, mandatory)");
    expect(renderTable(outcome([passing], [], "base.json"))).toContain(
      "policy config: PASS - policy-config.json weakens nothing against the default branch's base.json",
    );
  });
});

describe("Markdown for a PR comment", () => {
  it("has a heading per stack with its verdict and a table of violations with the file line and key", () => {
    const markdown = renderMarkdown(outcome([failing, passing]));
    expect(markdown).toContain("### Slipway gate: `production` ❌ fail");
    expect(markdown).toContain("### Slipway gate: `staging` ✅ pass");
    expect(markdown).toContain("2 policies judged 14 resources: 1 mandatory violation, 1 advisory violation.");
    expect(markdown).toContain("| Level | Policy | Where | Resource | Message |\n| --- | --- | --- | --- | --- |\n");
    expect(markdown).toContain(
      "| mandatory | `production-approval` | `Pulumi.production.yaml:41` `slipway:environments.production` | `production` (`github:index/repositoryEnvironment:RepositoryEnvironment`) | environment 'production' has no reviewer |",
    );
    // A pipe or a newline in a message must not break the table.
    expect(markdown).toContain("| wait timer is 5 minutes \\| the playbook asks for 30 raise it |");
    expect(markdown).toContain("2 policies judged 12 resources: no violations.");
    expect(markdown.split("\n").filter((line) => line.startsWith("| advisory") || line.startsWith("| mandatory"))).toHaveLength(2);
  });

  it("heads the comment with the policy config's verdict when it was compared with the default branch's", () => {
    const markdown = renderMarkdown(outcome([passing], [weakened], "base.json"));
    expect(markdown.startsWith("### Slipway gate: policy config ❌ weakened\n")).toBe(true);
    expect(markdown).toContain(
      "| mandatory | `policy-config-weakened` | `policy-config.json:3` `pull-request-reviews.minApprovals` | `pull-request-reviews.minApprovals`: lowered from 2 to 1",
    );
    expect(renderMarkdown(outcome([passing], [], "base.json"))).toContain("### Slipway gate: policy config ✅ not weakened");
  });
});
