/**
 * SARIF 2.1.0 for GitHub code scanning: one log per stack (`--sarif DIR` writes DIR/<stack>.sarif),
 * every policy a rule with its help (description and remediation), a link to its catalogue entry
 * and a `security-severity` from its severity, one result per violation located at the line of
 * the config key that produced the resource. The gate's own findings (a weakened policy config)
 * are results of every stack's log: that config judged each of them.
 */
import * as crypto from "node:crypto";
import type { EnforcementLevel, PolicySeverity } from "./policyConfig";
import { type GateFinding, type GateOutcome, type GateReport, flatten, resourceLabel } from "./report";
import type { SourceLocation } from "./locate";
import { POLICY_CONFIG_WEAKENED } from "./weakening";

/** GitHub's reading of a rule's severity (a string, 0.0 to 10.0): critical, high, medium, low. */
export const SECURITY_SEVERITY: Record<PolicySeverity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

/** Where the rules' help lives: the pack's catalogue and the README's section on the gate's own check. */
export interface SarifHelp {
  /** URI of policy-pack/README.md; a policy's entry is its `#<name>` anchor. */
  catalogueUri: string;
  /** URI of the README section that explains `policy-config-weakened`. */
  weakeningUri: string;
}

/** Options of the SARIF rendering. */
export interface SarifOptions {
  /** Path of the Pulumi project inside the repository ("" when it is the root). */
  projectPath?: string;
  /** Where rules link to. */
  help: SarifHelp;
  /** The gate's version (the tool's). */
  toolVersion: string;
}

const SARIF_LEVEL: Record<EnforcementLevel, "error" | "warning" | "none"> = {
  mandatory: "error",
  remediate: "error",
  advisory: "warning",
  disabled: "none",
};

/** The gate's own check, described as a rule. */
const WEAKENED_RULE = {
  description:
    "The pull request's policy config is not weaker than the default branch's: no policy disabled or made advisory, no setting loosened, no freeze window removed.",
  remediation:
    "Restore the setting in policy-config.json. A deliberate weakening is merged by someone allowed to bypass the required check, after a code owner's review.",
  severity: "high" as PolicySeverity,
};

function rule(
  id: string,
  description: string,
  remediation: string | undefined,
  severity: PolicySeverity | undefined,
  level: EnforcementLevel,
  helpUri: string,
  pack: string,
) {
  const text = description || id;
  const help = remediation ? `${text}\n\nRemediation: ${remediation}` : text;
  return {
    id,
    name: id,
    shortDescription: { text },
    fullDescription: { text },
    help: { text: help, markdown: remediation ? `${text}\n\n**Remediation:** ${remediation}` : text },
    helpUri,
    defaultConfiguration: { level: SARIF_LEVEL[level] },
    properties: {
      tags: ["security"],
      ...(severity ? { "security-severity": SECURITY_SEVERITY[severity], severity } : {}),
      enforcementLevel: level,
      policyPack: pack,
    },
  };
}

/** A result's place: the located key, or (unknown: a stack export) the file's first line. */
function physicalLocation(location: SourceLocation | undefined, fallbackFile: string, prefix: string) {
  const file = location?.file ?? fallbackFile;
  const region = location ? { startLine: location.line, startColumn: location.column } : { startLine: 1 };
  return { artifactLocation: { uri: `${prefix}${file}` }, region };
}

/** A key GitHub matches alerts by across runs: what the finding is about, not the line it sits on. */
function fingerprint(...parts: string[]): string {
  return crypto.createHash("sha256").update(parts.join("\n")).digest("hex").slice(0, 32);
}

function findingResult(finding: GateFinding, ruleIndex: number, prefix: string, fallbackFile: string) {
  const subject = finding.setting ? `${finding.policy}.${finding.setting}` : finding.policy;
  return {
    ruleId: finding.check,
    ruleIndex,
    level: "error",
    message: { text: `${subject}: ${flatten(finding.message)}` },
    locations: [{ physicalLocation: physicalLocation(finding.location, fallbackFile, prefix) }],
    partialFingerprints: { primaryLocationLineHash: fingerprint(finding.check, subject) },
    properties: {
      enforcementLevel: finding.enforcementLevel,
      policy: finding.policy,
      ...(finding.setting ? { setting: finding.setting } : {}),
    },
  };
}

/** The SARIF log of one stack. */
export function renderSarif(outcome: GateOutcome, report: GateReport, options: SarifOptions): string {
  const { pack } = outcome;
  const packLabel = `${pack.name}@${pack.version}`;
  const rules = [
    ...pack.policies.map((policy) =>
      rule(
        policy.name,
        policy.description,
        policy.remediation,
        policy.severity,
        policy.enforcementLevel,
        `${options.help.catalogueUri}#${policy.name}`,
        packLabel,
      ),
    ),
    rule(
      POLICY_CONFIG_WEAKENED,
      WEAKENED_RULE.description,
      WEAKENED_RULE.remediation,
      WEAKENED_RULE.severity,
      "mandatory",
      options.help.weakeningUri,
      "slipway gate",
    ),
  ];
  const ruleIndex = new Map(rules.map((entry, index) => [entry.id, index]));
  const prefix = options.projectPath ? `${options.projectPath.replace(/\/+$/, "")}/` : "";
  const stackFile = `Pulumi.${report.stack}.yaml`;
  const results = [
    ...outcome.findings.map((finding) =>
      findingResult(finding, ruleIndex.get(POLICY_CONFIG_WEAKENED)!, prefix, outcome.policyConfig ?? stackFile),
    ),
    ...report.violations.map((violation) => {
      const { name, type } = resourceLabel(violation.urn);
      return {
        ruleId: violation.policy,
        ...(ruleIndex.has(violation.policy) ? { ruleIndex: ruleIndex.get(violation.policy) } : {}),
        level: violation.enforcementLevel === "mandatory" ? "error" : "warning",
        message: { text: `${flatten(violation.message)} (${name}${type ? `, ${type}` : ""}, stack ${report.stack})` },
        locations: [
          {
            physicalLocation: physicalLocation(violation.location, stackFile, prefix),
            logicalLocations: [{ fullyQualifiedName: violation.urn, name, kind: "resource" }],
          },
        ],
        // Matched across runs by stack, policy and resource: a line moves when the file is edited.
        partialFingerprints: { primaryLocationLineHash: fingerprint(report.stack, violation.policy, violation.urn) },
        properties: {
          stack: report.stack,
          enforcementLevel: violation.enforcementLevel,
          ...(violation.location?.key ? { configKey: violation.location.key } : {}),
        },
      };
    }),
  ];
  const log = {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: "slipway-gate",
            version: options.toolVersion,
            semanticVersion: options.toolVersion,
            informationUri: "https://www.pulumi.com/docs/using-pulumi/crossguard/",
            rules,
          },
        },
        // One category per stack, so each stack's upload keeps its own alerts.
        automationDetails: { id: `slipway-gate/${report.stack}/` },
        results,
      },
    ],
  };
  return JSON.stringify(log, null, 2);
}
