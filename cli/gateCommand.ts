/**
 * `slipway gate`: the policy pack `pulumi preview --policy-pack` loads, judged offline. The work
 * is in gateRun.ts (loaded when the command runs: the analyzer client is heavy); this file maps
 * options to it and the outcome to the chosen rendering.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "./errors";
import { renderEnvelope } from "./envelope";
import { emit } from "./output";
import { outputOption, runs, stackOption, collect } from "./program";
import { progressOn } from "./progress";
import { POLICY_PACK_DIR, PROJECT_DIR } from "./projectDir";

/** Options as commander parses them. */
interface GateOptions {
  stack?: string[];
  state?: string[];
  policyConfig?: string;
  basePolicyConfig?: string;
  json?: boolean;
  markdown?: boolean;
  sarif?: string;
  output?: string;
}

/** The project's policy config (contract's POLICY_CONFIG_FILE, spelled out so start-up loads no contract; a test keeps them equal). */
export const POLICY_CONFIG_FILE = "policy-config.json";

/** The policy config to judge with: the one given, else the project's `policy-config.json` when there is one. */
export function choosePolicyConfig(given: string | undefined, projectDir: string): { file?: string; defaulted: boolean } {
  if (given !== undefined) return { file: given, defaulted: false };
  const file = path.join(projectDir, POLICY_CONFIG_FILE);
  if (!fs.existsSync(file)) return { defaulted: true };
  const relative = path.relative(process.cwd(), file);
  return { file: relative.startsWith("..") || path.isAbsolute(relative) ? file : relative, defaulted: true };
}

/** The SARIF directory, created; a file in its place is a usage error. */
function sarifDirectory(dir: string): string {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) {
    throw new UserError("is a file; --sarif takes a directory and writes <dir>/<stack>.sarif per stack", { file: dir });
  }
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Add gate to the tree. */
export function addGateCommand(program: Command): void {
  program
    .command("gate")
    .summary("Judge the stacks with the policy pack, offline (no credentials, no Pulumi CLI)")
    .description(
      "Runs each stack's program under Pulumi's mock runtime and judges every resource with the policy pack, served exactly as " +
        "`pulumi preview --policy-pack policy-pack` serves it. With --state, judges the resources of a `pulumi stack export` file " +
        "instead: what runs today. Every finding names the line of the stack file whose key produced the resource.\n\n" +
        `The policy config is --policy-config, else the project's ${POLICY_CONFIG_FILE} when there is one; the file used is printed on stderr. ` +
        "With --base-policy-config (the default branch's policy config), every way the policy config is weaker is a mandatory " +
        "finding of the gate's own, policy-config-weakened.",
    )
    .addOption(stackOption("A stack to judge (repeatable); default: every Pulumi.<name>.yaml", true))
    .addOption(new Option("--state <file>", "A `pulumi stack export` file to judge (repeatable)").argParser(collect))
    .addOption(
      new Option(
        "--policy-config <file>",
        `Policy config, as \`pulumi preview --policy-pack-config\` takes it; default: ./${POLICY_CONFIG_FILE} when present`,
      ),
    )
    .addOption(
      new Option("--base-policy-config <file>", "The default branch's policy config: fail on every way the policy config weakens it"),
    )
    .addOption(new Option("--json", "Print the report as JSON (the slipway envelope)").conflicts("markdown"))
    .addOption(new Option("--markdown", "Print a Markdown summary fit for a pull-request comment"))
    .addOption(new Option("--sarif <dir>", "Also write SARIF 2.1.0 for GitHub code scanning, one <dir>/<stack>.sarif per stack"))
    .addOption(outputOption())
    .action(runs((options: GateOptions) => gate(options)));
}

async function gate(options: GateOptions): Promise<number> {
  const { listStacks } = require("../config/stackFile") as typeof import("../config/stackFile");
  const stateFiles = options.state ?? [];
  const known = listStacks(PROJECT_DIR);
  const stacks = options.stack ?? (stateFiles.length > 0 ? [] : known);
  for (const stack of stacks) {
    if (!known.includes(stack))
      throw new UserError(`unknown stack '${stack}': there is no Pulumi.${stack}.yaml (stacks: ${known.join(", ")})`);
  }
  const policyConfig = choosePolicyConfig(options.policyConfig, PROJECT_DIR);
  const sarifDir = options.sarif === undefined ? undefined : sarifDirectory(options.sarif);

  // Loaded here, not at start-up: the analyzer client and the program runner are heavy.
  const { runGate, repositoryPrefix, sarifHelp } = require("../gate/gateRun") as typeof import("../gate/gateRun");
  const { exitCodeOf, findingsJson, renderMarkdown, renderTable, reportJson, resultOf } =
    require("../gate/report") as typeof import("../gate/report");
  const { renderSarif } = require("../gate/sarif") as typeof import("../gate/sarif");
  const { slipwayVersion } = require("./version") as typeof import("./version");

  const progress = progressOn();
  const outcome = await runGate({
    stacks,
    stateFiles,
    policyConfigFile: policyConfig.file,
    basePolicyConfigFile: options.basePolicyConfig,
    packDir: POLICY_PACK_DIR,
    projectDir: PROJECT_DIR,
    progress,
  }).finally(() => progress.done());
  // Said once the run succeeded, so a mistake stays the only line on stderr.
  process.stderr.write(
    policyConfig.file === undefined
      ? `slipway: policy config: none (no ${POLICY_CONFIG_FILE} in the project): the pack's defaults\n`
      : `slipway: policy config: ${policyConfig.file}${policyConfig.defaulted ? " (the project's default)" : ""}\n`,
  );

  const text = options.json
    ? renderEnvelope({
        pack: { name: outcome.pack.name, version: outcome.pack.version },
        result: resultOf(outcome),
        extra: {
          policyConfig: outcome.policyConfig ?? null,
          basePolicyConfig: outcome.basePolicyConfig ?? null,
          gateFindings: findingsJson(outcome.findings),
        },
        stacks: outcome.reports.map(reportJson),
      })
    : options.markdown
      ? renderMarkdown(outcome)
      : renderTable(outcome);
  emit(text, options.output);
  if (sarifDir !== undefined) {
    const prefix = repositoryPrefix(PROJECT_DIR);
    const sarifOptions = { projectPath: prefix, help: sarifHelp(PROJECT_DIR, prefix), toolVersion: slipwayVersion() };
    for (const report of outcome.reports)
      fs.writeFileSync(path.join(sarifDir, `${report.stack}.sarif`), renderSarif(outcome, report, sarifOptions));
  }
  return exitCodeOf(outcome.reports, outcome.findings);
}
