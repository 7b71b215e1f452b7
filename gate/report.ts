/**
 * The gate's verdict and its renderings: a terminal table, JSON (one envelope, each stack in the
 * DESIGN.md shape), Markdown for a PR comment; SARIF is in sarif.ts. Every finding carries where
 * to fix it: the line of the config key that produced the resource.
 */
import { parseUrn } from "./wire";
import type { EnforcementLevel, PolicySeverity } from "./policyConfig";
import type { SourceLocation } from "./locate";
import { POLICY_CONFIG_WEAKENED } from "./weakening";
import { textTable } from "../release/textTable";

export type { SourceLocation } from "./locate";

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
  /** Where in the stack file the resource comes from; absent when unknown (a stack export). */
  location?: SourceLocation;
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

/**
 * A finding of the gate itself, not of a policy of the pack: the pull request's policy config is
 * weaker than the default branch's. Always mandatory.
 */
export interface GateFinding {
  /** The gate's check. */
  check: typeof POLICY_CONFIG_WEAKENED;
  /** Always mandatory: it fails the gate. */
  enforcementLevel: "mandatory";
  /** The policy whose configuration is weaker. */
  policy: string;
  /** The setting, when a setting (not the level) is weaker. */
  setting?: string;
  /** What changed and why it is weaker. */
  message: string;
  /** Where in the pull request's policy config; absent when it has no file. */
  location?: SourceLocation;
}

/** One policy of the pack, as the renderers describe it. */
export interface PolicySummary {
  /** Policy name. */
  name: string;
  /** One-line description. */
  description: string;
  /** Effective enforcement level. */
  enforcementLevel: EnforcementLevel;
  /** Severity the pack declares. */
  severity?: PolicySeverity;
  /** What to change when it fails. */
  remediation?: string;
}

/** The pack that judged, for renderers that describe its policies (SARIF rules). */
export interface PolicyPackSummary {
  /** Pack name. */
  name: string;
  /** Pack version. */
  version: string;
  /** Every policy of the pack with its effective enforcement level. */
  policies: PolicySummary[];
}

/** Everything one gate run found. */
export interface GateOutcome {
  /** The pack that judged. */
  pack: PolicyPackSummary;
  /** One report per stack. */
  reports: GateReport[];
  /** The gate's own findings (a weakened policy config). */
  findings: GateFinding[];
  /** The policy config that configured the pack, as shown to the user; absent: the pack's defaults. */
  policyConfig?: string;
  /** The default branch's policy config it was compared with, when it was. */
  basePolicyConfig?: string;
}

/** Exit code of a gate run: 1 when any stack has a mandatory violation or the gate a finding, else 0. */
export function exitCodeOf(reports: readonly GateReport[], findings: readonly GateFinding[] = []): 0 | 1 {
  const violated = reports.some((report) => report.violations.some((violation) => violation.enforcementLevel === "mandatory"));
  return violated || findings.length > 0 ? 1 : 0;
}

/** `pass` or `fail`, as the exit code says. */
export function resultOf(outcome: Pick<GateOutcome, "reports" | "findings">): "pass" | "fail" {
  return exitCodeOf(outcome.reports, outcome.findings) === 0 ? "pass" : "fail";
}

function counts(report: GateReport): { mandatory: number; advisory: number } {
  const mandatory = report.violations.filter((violation) => violation.enforcementLevel === "mandatory").length;
  return { mandatory, advisory: report.violations.length - mandatory };
}

function plural(count: number, word: string, pluralWord = `${word}s`): string {
  return `${count} ${count === 1 ? word : pluralWord}`;
}

/** A violation's resource as `name (type)`, from its URN. */
export function resourceLabel(urn: string): { name: string; type: string } {
  const parsed = parseUrn(urn);
  return parsed ? { name: parsed.name, type: parsed.type } : { name: urn, type: "" };
}

/** Text on one line. */
export function flatten(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, " ").trim();
}

/** `Pulumi.production.yaml:59:9`: a place editors and terminals open. */
export function placeOf(location: SourceLocation | undefined): string {
  return location ? `${location.file}:${location.line}:${location.column}` : "-";
}

/** A finding's subject: `policy.setting`. */
function findingSubject(finding: GateFinding): string {
  return finding.setting ? `${finding.policy}.${finding.setting}` : finding.policy;
}

/** The summary line of one stack. */
export function summaryLine(report: GateReport): string {
  const { mandatory, advisory } = counts(report);
  const verdict = mandatory > 0 ? "FAIL" : "PASS";
  const found =
    report.violations.length === 0
      ? "no violations"
      : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory violation")}`;
  return `${report.stack}: ${verdict} - ${found} (${plural(report.policies, "policy", "policies")} judged ${plural(report.resources, "resource")})`;
}

/** The summary line of the policy-config comparison. */
export function policyConfigSummary(outcome: Pick<GateOutcome, "findings" | "basePolicyConfig" | "policyConfig">): string {
  const against = `against the default branch's ${outcome.basePolicyConfig}`;
  return outcome.findings.length === 0
    ? `policy config: PASS - ${outcome.policyConfig ?? "the pack's defaults"} weakens nothing ${against}`
    : `policy config: FAIL - ${plural(outcome.findings.length, "weakening")} ${against} (${POLICY_CONFIG_WEAKENED}, mandatory)`;
}

/** Rows under a header, columns padded, indented under their heading. */
function table(header: string[], rows: string[][]): string[] {
  return textTable(header, rows, "  ");
}

/** A readable table per stack with a summary line each, and the policy-config comparison when there was one. */
export function renderTable(outcome: Pick<GateOutcome, "reports"> & Partial<GateOutcome>): string {
  const blocks: string[] = [];
  if (outcome.basePolicyConfig !== undefined) {
    const findings = outcome.findings ?? [];
    const lines = [`Policy config ${outcome.policyConfig ?? "(none: the pack's defaults)"}`];
    if (findings.length > 0) {
      const rows = findings.map((finding) => [
        finding.enforcementLevel,
        finding.check,
        placeOf(finding.location),
        `${findingSubject(finding)}: ${flatten(finding.message)}`,
      ]);
      lines.push(...table(["LEVEL", "CHECK", "WHERE", "MESSAGE"], rows));
    }
    lines.push(policyConfigSummary({ ...outcome, findings, basePolicyConfig: outcome.basePolicyConfig }));
    blocks.push(lines.join("\n"));
  }
  for (const report of outcome.reports) {
    const lines: string[] = [`Stack ${report.stack}`];
    if (report.violations.length > 0) {
      const rows = report.violations.map((violation) => {
        const { name, type } = resourceLabel(violation.urn);
        return [
          violation.enforcementLevel,
          violation.policy,
          placeOf(violation.location),
          violation.location?.key || "-",
          type ? `${name} (${type})` : name,
          flatten(violation.message),
        ];
      });
      lines.push(...table(["LEVEL", "POLICY", "WHERE", "CONFIG KEY", "RESOURCE", "MESSAGE"], rows));
    }
    lines.push(summaryLine(report));
    blocks.push(lines.join("\n"));
  }
  return blocks.join("\n\n");
}

/** A location as JSON shows it: `{file, line, column, key}`, or null when unknown. */
function locationJson(location: SourceLocation | undefined): SourceLocation | null {
  return location ? { file: location.file, line: location.line, column: location.column, key: location.key } : null;
}

/** One stack's report in the DESIGN.md shape, each violation with its location. */
export function reportJson(report: GateReport): object {
  return {
    stack: report.stack,
    policies: report.policies,
    resources: report.resources,
    violations: report.violations.map((violation) => ({
      policy: violation.policy,
      enforcementLevel: violation.enforcementLevel,
      urn: violation.urn,
      message: violation.message,
      location: locationJson(violation.location),
    })),
  };
}

/** The gate's own findings as JSON. */
export function findingsJson(findings: readonly GateFinding[]): object[] {
  return findings.map((finding) => ({
    check: finding.check,
    enforcementLevel: finding.enforcementLevel,
    policy: finding.policy,
    setting: finding.setting ?? null,
    message: finding.message,
    location: locationJson(finding.location),
  }));
}

function markdownCell(text: string): string {
  return flatten(text).replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/</g, "&lt;");
}

function markdownCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, "\\|")}\``;
}

function markdownPlace(location: SourceLocation | undefined): string {
  if (!location) return "-";
  const place = markdownCode(`${location.file}:${location.line}`);
  return location.key ? `${place} ${markdownCode(location.key)}` : place;
}

/** Markdown for a PR comment: the policy-config comparison, then a heading per stack with its verdict and a table of violations. */
export function renderMarkdown(outcome: Pick<GateOutcome, "reports"> & Partial<GateOutcome>): string {
  const sections: string[] = [];
  if (outcome.basePolicyConfig !== undefined) {
    const findings = outcome.findings ?? [];
    const lines = [`### Slipway gate: policy config ${findings.length > 0 ? "❌ weakened" : "✅ not weakened"}`, ""];
    lines.push(`${markdownCell(policyConfigSummary({ ...outcome, findings, basePolicyConfig: outcome.basePolicyConfig }))}.`);
    if (findings.length > 0) {
      lines.push("", "| Level | Check | Where | Message |", "| --- | --- | --- | --- |");
      for (const finding of findings) {
        lines.push(
          `| ${finding.enforcementLevel} | ${markdownCode(finding.check)} | ${markdownPlace(finding.location)} | ${markdownCode(findingSubject(finding))}: ${markdownCell(finding.message)} |`,
        );
      }
    }
    sections.push(lines.join("\n"));
  }
  for (const report of outcome.reports) {
    const { mandatory, advisory } = counts(report);
    const verdict = mandatory > 0 ? "❌ fail" : "✅ pass";
    const lines = [`### Slipway gate: \`${report.stack}\` ${verdict}`, ""];
    const found =
      report.violations.length === 0
        ? "no violations"
        : `${plural(mandatory, "mandatory violation")}, ${plural(advisory, "advisory violation")}`;
    lines.push(`${plural(report.policies, "policy", "policies")} judged ${plural(report.resources, "resource")}: ${found}.`);
    if (report.violations.length > 0) {
      lines.push("", "| Level | Policy | Where | Resource | Message |", "| --- | --- | --- | --- | --- |");
      for (const violation of report.violations) {
        const { name, type } = resourceLabel(violation.urn);
        const resource = type ? `${markdownCode(name)} (${markdownCode(type)})` : markdownCode(name);
        lines.push(
          `| ${violation.enforcementLevel} | ${markdownCode(violation.policy)} | ${markdownPlace(violation.location)} | ${resource} | ${markdownCell(violation.message)} |`,
        );
      }
    }
    sections.push(lines.join("\n"));
  }
  return `${sections.join("\n\n")}\n`;
}
