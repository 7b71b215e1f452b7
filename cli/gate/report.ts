/**
 * The gate's verdict on a stack and its renderings: a terminal table, JSON (the DESIGN.md
 * shape, exactly), Markdown for a PR comment, and SARIF 2.1.0 for GitHub code scanning.
 */
import * as crypto from "crypto";
import { parseUrn } from "./wire";
import { EnforcementLevel } from "./policyConfig";

/** One policy violation. */
export interface GateViolation {
  /** Policy name (catalogue name). */
  policy: string;
  /** Level it is enforced at: a mandatory violation fails the gate. */
  enforcementLevel: "advisory" | "mandatory";
  /** Resource the violation is about (the stack's root URN for stack-wide findings). */
  urn: string;
  /** What is wrong, as the policy said it (without the policy's description). */
  message: string;
}

/** The gate's verdict on one stack: `{"stack", "policies", "resources", "violations"}`. */
export interface GateReport {
  /** Stack name. */
  stack: string;
  /** Number of policies that judged the stack (those not disabled). */
  policies: number;
  /** Number of resources judged. */
  resources: number;
  /** Violations, in resource order, stack-wide findings last. */
  violations: GateViolation[];
}

/** The pack that judged, for renderers that describe its policies (SARIF rules). */
export interface PolicyPackSummary {
  /** Pack name. */
  name: string;
  /** Pack version. */
  version: string;
  /** Every policy of the pack with its effective enforcement level. */
  policies: { name: string; description: string; enforcementLevel: EnforcementLevel }[];
}

/** Exit code of a gate run: 1 when any stack has a mandatory violation, else 0. */
export function exitCodeOf(reports: readonly GateReport[]): 0 | 1 {
  return reports.some((report) => report.violations.some((violation) => violation.enforcementLevel === "mandatory")) ? 1 : 0;
}

function counts(report: GateReport): { mandatory: number; advisory: number } {
  const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory").length;
  return { mandatory, advisory: report.violations.length - mandatory };
}

function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}

/** A violation's resource as `name (type)`, from its URN. */
function resourceLabel(urn: string): { name: string; type: string } {
  const parsed = parseUrn(urn);
  return parsed ? { name: parsed.name, type: parsed.type } : { name: urn, type: "" };
}

function flatten(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}

/** The summary line of one stack. */
export function summaryLine(report: GateReport): string {
  const { mandatory, advisory } = counts(report);
  const verdict = mandatory > 0 ? "FAIL" : "PASS";
  const found =
    report.violations.length === 0 ? "no violations" : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory violation")}`;
  return `${report.stack}: ${verdict} - ${found} (${plural(report.policies, "policy", "policies")} judged ${plural(report.resources, "resource")})`;
}

/** A readable table per stack, and a summary line each. */
export function renderTable(reports: readonly GateReport[]): string {
  const blocks: string[] = [];
  for (const report of reports) {
    const lines: string[] = [`Stack ${report.stack}`];
    if (report.violations.length > 0) {
      const rows = report.violations.map((violation) => {
        const { name, type } = resourceLabel(violation.urn);
        return [violation.enforcementLevel, violation.policy, type ? `${name} (${type})` : name, flatten(violation.message)];
      });
      const header = ["LEVEL", "POLICY", "RESOURCE", "MESSAGE"];
      const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
      const format = (row: string[]): string =>
        "  " + row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]))).join("  ");
      lines.push(format(header), ...rows.map(format));
    }
    lines.push(summaryLine(report));
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

/** JSON: one stack's report as an object, several as an array of them. */
export function renderJson(reports: readonly GateReport[]): string {
  const exact = reports.map((report) => ({
    stack: report.stack,
    policies: report.policies,
    resources: report.resources,
    violations: report.violations.map((violation) => ({
      policy: violation.policy,
      enforcementLevel: violation.enforcementLevel,
      urn: violation.urn,
      message: violation.message,
    })),
  }));
  return JSON.stringify(exact.length === 1 ? exact[0] : exact, null, 2);
}

function markdownCell(text: string): string {
  return flatten(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "&lt;");
}

function markdownCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

/** Markdown for a PR comment: a heading per stack with its verdict, and a table of violations. */
export function renderMarkdown(reports: readonly GateReport[]): string {
  const sections: string[] = [];
  for (const report of reports) {
    const { mandatory, advisory } = counts(report);
    const verdict = mandatory > 0 ? "❌ fail" : "✅ pass";
    const lines = [`### Slipway gate: \`${report.stack}\` ${verdict}`, ""];
    const found = report.violations.length === 0 ? "no violations" : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory violation")}`;
    lines.push(`${plural(report.policies, "policy", "policies")} judged ${plural(report.resources, "resource")}: ${found}.`);
    if (report.violations.length > 0) {
      lines.push("", "| Level | Policy | Resource | Message |", "| --- | --- | --- | --- |");
      for (const violation of report.violations) {
        const { name, type } = resourceLabel(violation.urn);
        const resource = type ? `${markdownCode(name)} (${markdownCode(type)})` : markdownCode(name);
        lines.push(`| ${violation.enforcementLevel} | ${markdownCode(violation.policy)} | ${resource} | ${markdownCell(violation.message)} |`);
      }
    }
    sections.push(lines.join("\n"));
  }
  return sections.join("\n\n") + "\n";
}

/** Options of the SARIF rendering. */
export interface SarifOptions {
  /** Path of the Pulumi project inside the repository ("" when it is the root). */
  projectPath?: string;
}

const SARIF_LEVEL: Record<EnforcementLevel, "error" | "warning" | "none"> = {
  mandatory: "error",
  remediate: "error",
  advisory: "warning",
  disabled: "none",
};

/**
 * SARIF 2.1.0 for GitHub code scanning: one run, every policy a rule, one result per violation,
 * located in the stack's `Pulumi.<stack>.yaml` (line 1: a resource has no line of its own) with
 * the URN as logical location.
 */
export function renderSarif(reports: readonly GateReport[], pack: PolicyPackSummary, options: SarifOptions = {}): string {
  const ruleIndex = new Map(pack.policies.map((policy, index) => [policy.name, index]));
  const prefix = options.projectPath ? `${options.projectPath.replace(/\/+$/, "")}/` : "";
  const results = reports.flatMap((report) =>
    report.violations.map((violation) => {
      const { name, type } = resourceLabel(violation.urn);
      const fingerprint = crypto.createHash("sha256").update(`${report.stack}\n${violation.policy}\n${violation.urn}`).digest("hex").slice(0, 32);
      return {
        ruleId: violation.policy,
        ...(ruleIndex.has(violation.policy) ? { ruleIndex: ruleIndex.get(violation.policy) } : {}),
        level: violation.enforcementLevel === "mandatory" ? "error" : "warning",
        message: { text: `${flatten(violation.message)} (${name}${type ? `, ${type}` : ""}, stack ${report.stack})` },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: `${prefix}Pulumi.${report.stack}.yaml` }, region: { startLine: 1 } },
            logicalLocations: [{ fullyQualifiedName: violation.urn, name, kind: "resource" }],
          },
        ],
        // GitHub matches alerts across runs by this key; every result sits on line 1 of the
        // stack file, so the line's own hash would merge them: ours hashes stack, policy, URN.
        partialFingerprints: { primaryLocationLineHash: fingerprint },
        properties: { stack: report.stack, enforcementLevel: violation.enforcementLevel },
      };
    }),
  );
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "slipway-gate",
            informationUri: "https://www.pulumi.com/docs/using-pulumi/crossguard/",
            rules: pack.policies.map((policy) => ({
              id: policy.name,
              name: policy.name,
              shortDescription: { text: policy.description || policy.name },
              fullDescription: { text: policy.description || policy.name },
              defaultConfiguration: { level: SARIF_LEVEL[policy.enforcementLevel] },
              properties: { enforcementLevel: policy.enforcementLevel, policyPack: `${pack.name}@${pack.version}` },
            })),
          },
        },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
