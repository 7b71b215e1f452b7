/**
 * Findings located where a person fixes them: a violation at the line of the config key its
 * resource was built from (the program's source map, RecordedStack.sources), a weakened policy
 * config at the line of the setting in the pull request's policy config.
 */
import * as path from "node:path";
import { displayPath } from "../config/errors";
import type { RecordedStack } from "./model";
import { configKeySegments, LocatedFile } from "./locate";
import type { GateFinding, GateReport } from "./report";
import { POLICY_CONFIG_WEAKENED, type Weakening } from "./weakening";

/** A file as findings name it: relative to the project when inside it, else as given. */
export function shownPath(projectDir: string, file: string): string {
  return displayPath(projectDir, path.resolve(file));
}

/**
 * The report with each violation located in `Pulumi.<stack>.yaml`. A resource the source map does
 * not cover (the root stack, a default provider) is located at the file's `config:` line; a stack
 * export has no source map and stays unlocated.
 */
export function locateViolations(report: GateReport, recorded: RecordedStack, projectDir: string): GateReport {
  const sources = recorded.sources;
  if (sources === undefined) return report;
  const fileName = `Pulumi.${recorded.stack}.yaml`;
  const file = LocatedFile.read(path.join(projectDir, fileName), fileName);
  if (file === undefined) return report;
  return {
    ...report,
    violations: report.violations.map((violation) => {
      const key = sources[violation.urn];
      // `config` is the file's, not the key's: skip it when naming the key found.
      return { ...violation, location: file.locate(key === undefined ? ["config"] : configKeySegments(key), 1) };
    }),
  };
}

/** Weakenings as the gate's findings, located in the pull request's policy config (when it has a file). */
export function weakeningFindings(
  weakenings: readonly Weakening[],
  policyConfigFile: string | undefined,
  projectDir: string,
): GateFinding[] {
  const file = policyConfigFile === undefined ? undefined : LocatedFile.read(policyConfigFile, shownPath(projectDir, policyConfigFile));
  return weakenings.map((weakening) => ({
    check: POLICY_CONFIG_WEAKENED,
    enforcementLevel: "mandatory",
    policy: weakening.policy,
    setting: weakening.setting,
    message: weakening.message,
    location: file?.locate(weakening.setting === undefined ? [weakening.policy] : [weakening.policy, weakening.setting]),
  }));
}
