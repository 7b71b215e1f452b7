/**
 * What `slipway gate` does: run the stacks' programs (or read stack exports) while the pack
 * starts, judge them with one pack process, compare the policy config with the default branch's,
 * and locate every finding in the file a person edits.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";
import { UserError } from "../config/errors";
import { runStackInChild } from "./runInChild";
import { type GateOutcome, judgeStacks, readStackExport, ResourceFeed } from "./index";
import { DEFAULT_HIGH_WATER } from "./feed";
import { PROJECT_NAME } from "../contract";
import { locateViolations, shownPath, weakeningFindings } from "./findings";
import type { SarifHelp } from "./sarif";
import type { Progress } from "./progress";

/** Options of a gate run. */
export interface GateRunOptions {
  /** Stacks to run. */
  stacks: string[];
  /** Stack export files to judge instead of running the program. */
  stateFiles: string[];
  /** Policy config file (the `--policy-pack-config` format); none: the pack's defaults. */
  policyConfigFile?: string;
  /** The default branch's policy config, to find weakenings in `policyConfigFile`. */
  basePolicyConfigFile?: string;
  /** Policy pack directory. */
  packDir: string;
  /** Project directory with the stack files. */
  projectDir: string;
  /** Told what is happening. */
  progress?: Progress;
}

/** Run the programs (or read the exports), judge them with one pack process, and locate what was found. */
export async function runGate(options: GateRunOptions): Promise<GateOutcome> {
  for (const [flag, file] of [
    ["--policy-config", options.policyConfigFile],
    ["--base-policy-config", options.basePolicyConfigFile],
  ] as const) {
    if (file !== undefined && !fs.existsSync(file)) throw new UserError(`does not exist (${flag})`, { file });
  }
  // Each program runs in its own child (the runtime's state is per process), all in parallel, while
  // the pack starts; the gate judges each resource as its child records it (see ResourceFeed).
  const exports = options.stateFiles.map((file) => readStackExport(file));
  const feeds = options.stacks.map((stack) => {
    // The records are the gate's own copies (parsed from the child's output): judged inputs can go.
    const feed = new ResourceFeed(stack, PROJECT_NAME, DEFAULT_HIGH_WATER, true);
    options.progress?.start(`running ${stack}`);
    runStackInChild({ projectDir: options.projectDir, stack }, (resource) => feed.push(resource))
      .then(
        (recorded) => feed.end(recorded),
        (error: unknown) => feed.fail(error),
      )
      .finally(() => options.progress?.finish(`running ${stack}`));
    return feed;
  });
  const run = await judgeStacks([...exports, ...feeds], {
    packDir: options.packDir,
    policyConfigFile: options.policyConfigFile,
    basePolicyConfigFile: options.basePolicyConfigFile,
    progress: options.progress,
  });
  const recorded = [...exports, ...(await Promise.all(feeds.map((feed) => feed.done)))];
  return {
    pack: run.pack,
    reports: run.reports.map((report, index) => locateViolations(report, recorded[index], options.projectDir)),
    findings: weakeningFindings(run.weakenings, options.policyConfigFile, options.projectDir),
    policyConfig: options.policyConfigFile === undefined ? undefined : shownPath(options.projectDir, options.policyConfigFile),
    basePolicyConfig: options.basePolicyConfigFile,
  };
}

/** The project's path inside its git repository (`""` at the root, or outside git): SARIF paths are the repository's. */
export function repositoryPrefix(projectDir: string): string {
  try {
    return execFileSync("git", ["--no-optional-locks", "rev-parse", "--show-prefix"], {
      cwd: projectDir,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return "";
  }
}

/**
 * Where SARIF rules link to: in a GitHub Actions run, the files at the commit judged; elsewhere
 * the files on this machine.
 */
export function sarifHelp(projectDir: string, prefix: string, env: NodeJS.ProcessEnv = process.env): SarifHelp {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  const uri = (file: string): string =>
    server && repository && sha
      ? `${server.replace(/\/+$/, "")}/${repository}/blob/${sha}/${prefix}${file}`
      : pathToFileURL(path.join(projectDir, file)).href;
  return { catalogueUri: uri("policy-pack/README.md"), weakeningUri: `${uri("README.md")}#a-pull-request-cannot-weaken-its-own-rules` };
}
