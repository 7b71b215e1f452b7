/**
 * `slipway gate`: the policy pack `pulumi preview --policy-pack` loads, judged offline.
 *
 * The stacks' programs run under the mock runtime (one child process each) while the pack starts
 * (its TypeScript type-check is the slow part), then one pack process judges every stack.
 */
import * as fs from "fs";
import * as path from "path";
import { registerCommand, PROJECT_DIR } from "./main";
import { UserError } from "./errors";
import { listStacks } from "../components/stackFile";
import { runStackInChild } from "./runInChild";
import { Gate, GateReport, exitCodeOf, judgeStacks, readStackExport, renderJson, renderMarkdown, renderSarif, renderTable } from "./gate";
import type { RecordedStack } from "./model";

/** The policy pack directory shipped with the project. */
export const POLICY_PACK_DIR = path.join(PROJECT_DIR, "policy-pack");

/** Options of a gate run, as the command line gives them. */
export interface GateCommandOptions {
  /** Stacks to run (default: every Pulumi.<stack>.yaml). */
  stacks: string[];
  /** Stack export files to judge instead of running the program. */
  stateFiles: string[];
  /** Policy config file (the `--policy-pack-config` format). */
  policyConfigFile?: string;
  /** Policy pack directory. */
  packDir: string;
  /** Project directory with the stack files; default this project. */
  projectDir?: string;
}

/** Run the programs (or read the exports) and judge them with one pack process. */
export async function runGate(options: GateCommandOptions): Promise<{ reports: GateReport[]; pack: Gate["pack"] }> {
  if (options.policyConfigFile !== undefined && !fs.existsSync(options.policyConfigFile)) {
    throw new UserError("does not exist", { file: options.policyConfigFile });
  }
  // The pack starts while the programs run (judgeStacks opens it before awaiting the stacks).
  const stacks = (async () => {
    const exports: RecordedStack[] = options.stateFiles.map((file) => readStackExport(file));
    // One child per stack, in parallel: the runtime's state is per process.
    const recorded = await Promise.all(options.stacks.map((stack) => runStackInChild({ projectDir: options.projectDir ?? PROJECT_DIR, stack })));
    return [...exports, ...recorded];
  })();
  const run = await judgeStacks(stacks, { packDir: options.packDir, policyConfigFile: options.policyConfigFile });
  return { reports: run.reports, pack: run.pack };
}

registerCommand("gate", {
  summary: "Judge the stacks with the policy pack, offline (no credentials, no Pulumi CLI).",
  usage: `Usage: slipway gate [--stack NAME]... [--state FILE]... [--policy-config FILE]
                    [--json | --markdown] [--sarif FILE]

Runs each stack's program under Pulumi's mock runtime and judges every resource with the policy
pack, served exactly as \`pulumi preview --policy-pack policy-pack\` serves it. With --state, judges
the resources of a \`pulumi stack export\` file instead: what runs today.

Options:
  --stack NAME          A stack to judge (repeatable). Default: every Pulumi.<stack>.yaml.
  --state FILE          A \`pulumi stack export\` file to judge (repeatable).
  --policy-config FILE  Policy config, in the format of \`pulumi preview --policy-pack-config\`.
  --json                Print the report as JSON.
  --markdown            Print a Markdown summary fit for a pull-request comment.
  --sarif FILE          Also write SARIF 2.1.0 (GitHub code scanning) to FILE.
  -h, --help            Show this help.

Exit: 0 no mandatory violation; 1 a mandatory violation; 2 bad usage or input.`,
  options: {
    stack: { type: "string", multiple: true },
    state: { type: "string", multiple: true },
    "policy-config": { type: "string" },
    json: { type: "boolean" },
    markdown: { type: "boolean" },
    sarif: { type: "string" },
  },
  async run(values) {
    if (values.json && values.markdown) throw new UserError("choose one of --json and --markdown");
    const stateFiles = (values.state as string[] | undefined) ?? [];
    const known = listStacks(PROJECT_DIR);
    const stacks = (values.stack as string[] | undefined) ?? (stateFiles.length > 0 ? [] : known);
    for (const stack of stacks) {
      if (!known.includes(stack)) throw new UserError(`unknown stack '${stack}': there is no Pulumi.${stack}.yaml (stacks: ${known.join(", ")})`);
    }
    const { reports, pack } = await runGate({
      stacks,
      stateFiles,
      policyConfigFile: values["policy-config"] as string | undefined,
      packDir: POLICY_PACK_DIR,
    });
    const text = values.json ? renderJson(reports) : values.markdown ? renderMarkdown(reports) : renderTable(reports);
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
    if (typeof values.sarif === "string") fs.writeFileSync(values.sarif, renderSarif(reports, pack));
    return exitCodeOf(reports);
  },
});
