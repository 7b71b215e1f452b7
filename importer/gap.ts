/**
 * The gap report: the policy pack's verdict on the organisation as it is today, policy by policy,
 * in `slipway gate`'s report formats. Today's settings are judged as the stack that
 * `pulumi import --file` leaves behind: the adopted resources, under the program's components and
 * names, with today's settings as their inputs. So the verdict is the one `slipway gate --state`
 * gives on that stack's export, and it changes as the config is tightened.
 */
import { PROJECT_NAME } from "../contract";
import { defaultProviderName } from "../gate/runner";
import { recordedResource, type RecordedResource, type RecordedStack } from "../gate/model";
import { judgeStacks, type GateOutcome } from "../gate";
import { exitCodeOf, findingsJson, renderMarkdown, renderTable, reportJson, resultOf } from "../gate/report";
import { renderEnvelope } from "../cli/envelope";
import { shownPath } from "../gate/findings";
import type { AdoptedResource } from "./config";
import { urnsOf } from "./importFile";

/** Deterministic stand-in id of the provider in today's stack. */
const PROVIDER_ID = "00000000-0000-4000-8000-000000000000";

/** The stack `pulumi import --file` leaves: the root, the github provider, the adopted resources and their components. */
export function todayStack(resources: readonly AdoptedResource[], options: { owner: string; stack: string }): RecordedStack {
  const project = PROJECT_NAME;
  const root = `urn:pulumi:${options.stack}::${project}::pulumi:pulumi:Stack::${project}-${options.stack}`;
  const version = (require("@pulumi/github/package.json") as { version: string }).version;
  const providerName = defaultProviderName(version, "");
  const providerUrn = `urn:pulumi:${options.stack}::${project}::pulumi:providers:github::${providerName}`;
  const urns = urnsOf(resources, options.stack, project);
  const recorded: RecordedResource[] = [
    recordedResource({
      urn: root,
      type: "pulumi:pulumi:Stack",
      name: `${project}-${options.stack}`,
      custom: false,
      inputs: {},
      outputs: {},
    }),
    recordedResource({
      urn: providerUrn,
      type: "pulumi:providers:github",
      name: providerName,
      id: PROVIDER_ID,
      inputs: { owner: options.owner, version },
      outputs: { owner: options.owner, version },
    }),
    ...resources.map((resource, index) => {
      const inputs = withoutUndefined(resource.inputs);
      return recordedResource({
        urn: urns[index],
        type: resource.type,
        name: resource.name,
        custom: resource.id !== undefined,
        parent: resource.parent === undefined ? root : urns[resource.parent],
        ...(resource.id !== undefined ? { id: resource.id, provider: `${providerUrn}::${PROVIDER_ID}` } : {}),
        inputs,
        outputs: inputs,
      });
    }),
  ];
  return { stack: options.stack, project, resources: recorded, outputs: {}, invokes: [] };
}

function withoutUndefined(value: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** Report formats, as `slipway gate` has them. */
export type GapFormat = "table" | "json" | "markdown";

/** Judge today's stack with the pack and render the verdict. */
export async function gapReport(
  recorded: RecordedStack,
  options: { packDir: string; projectDir: string; policyConfigFile?: string; format: GapFormat },
): Promise<{ text: string; outcome: GateOutcome; exitCode: 0 | 1 }> {
  const run = await judgeStacks([recorded], { packDir: options.packDir, policyConfigFile: options.policyConfigFile });
  // As `slipway gate` shows it: the policy config's path as seen from the project.
  const policyConfig = options.policyConfigFile === undefined ? undefined : shownPath(options.projectDir, options.policyConfigFile);
  const outcome: GateOutcome = { pack: run.pack, reports: run.reports, findings: [], policyConfig };
  const text =
    options.format === "json"
      ? renderEnvelope({
          pack: { name: outcome.pack.name, version: outcome.pack.version },
          result: resultOf(outcome),
          extra: { policyConfig: outcome.policyConfig ?? null, basePolicyConfig: null, gateFindings: findingsJson(outcome.findings) },
          stacks: outcome.reports.map(reportJson),
        })
      : options.format === "markdown"
        ? renderMarkdown(outcome)
        : renderTable(outcome);
  return { text, outcome, exitCode: exitCodeOf(outcome.reports, outcome.findings) };
}
