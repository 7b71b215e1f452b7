/**
 * `slipway import`: adopt an existing organisation. The work is in importer/ (loaded when the
 * command runs: the GitHub client and the pack are heavy); this file maps options to it.
 */
import { type Command, Option } from "commander";
import { collect, runs, stackOption } from "./program";
import { choosePolicyConfig } from "./gateCommand";
import { POLICY_PACK_DIR, PROJECT_DIR } from "./projectDir";

/** Options as commander parses them. */
interface ImportCommandOptions {
  owner: string;
  repo?: string[];
  stack?: string;
  out?: string;
  force?: boolean;
  tokenFile?: string;
  policyConfig?: string;
  json?: boolean;
  markdown?: boolean;
}

/** Add import to the tree. */
export function addImportCommand(program: Command): void {
  program
    .command("import")
    .summary("Read an organisation's GitHub settings into stack config, a `pulumi import` file and a gap report (read-only)")
    .description(
      "Reads repositories, default-branch protection (rulesets, the organisation's included, and classic protection), release-tag rulesets, " +
        "environments, labels and teams with the GitHub REST API (token: GITHUB_TOKEN or --token-file), and writes into --out: " +
        "Pulumi.<stack>.yaml (slipway:github and slipway:environments reproducing today's settings, with every setting the config cannot express listed), " +
        "slipway-import.<stack>.json (for `pulumi import --file`) and slipway-gap.<stack>.<ext> (the policy pack's verdict on today's settings, as `slipway gate` reports). " +
        "It never writes to GitHub, and never overwrites a file without --force. Repositories the token cannot fully read are reported, not fatal.",
    )
    .requiredOption("--owner <org>", "The organisation to read (for a user account, name its repositories with --repo)")
    .addOption(
      new Option("--repo <name>", "Only this repository (repeatable); default: every repository, archived ones left out").argParser(
        collect,
      ),
    )
    .addOption(stackOption("The stack the config is for").default("production"))
    .addOption(new Option("--out <dir>", "Directory to write into").default("."))
    .addOption(new Option("--force", "Overwrite files that exist"))
    .addOption(new Option("--token-file <file>", "Read the token from this file instead of GITHUB_TOKEN"))
    .addOption(new Option("--policy-config <file>", "Policy config for the gap report; default: ./policy-config.json when present"))
    .addOption(new Option("--json", "Write the gap report as JSON (the slipway envelope)").conflicts("markdown"))
    .addOption(new Option("--markdown", "Write the gap report as Markdown"))
    .action(runs((options: ImportCommandOptions) => importCommand(options)));
}

async function importCommand(options: ImportCommandOptions): Promise<number> {
  const { readToken, runImport, inexpressibleLine } = require("../importer/run") as typeof import("../importer/run");
  const token = readToken(options.tokenFile);
  const result = await runImport({
    owner: options.owner,
    repositories: options.repo,
    stack: options.stack ?? "production",
    outDir: options.out ?? ".",
    force: options.force === true,
    token,
    // GitHub Enterprise Server's API root, as GitHub Actions names it.
    baseUrl: process.env.GITHUB_API_URL || undefined,
    packDir: POLICY_PACK_DIR,
    projectDir: PROJECT_DIR,
    policyConfigFile: choosePolicyConfig(options.policyConfig, PROJECT_DIR).file,
    format: options.json ? "json" : options.markdown ? "markdown" : "table",
    log: (line) => process.stderr.write(`slipway: ${line}\n`),
  });
  const { config, snapshot, written } = result;
  const adopted = config.resources.filter((resource) => resource.id !== undefined).length;
  const lines = [
    `Read ${snapshot.repositories.length} repositories of ${snapshot.owner}; nothing was changed on GitHub.`,
    `Wrote ${written.stackFile}: slipway:github and slipway:environments.`,
    `Wrote ${written.importFile}: ${adopted} existing resources for \`pulumi import --file\`.`,
    `Wrote ${written.gapReport}: the policy pack's verdict on today's settings.`,
    "",
    `Still to supply (${config.toSupply.length}):`,
    ...config.toSupply.map((line) => `  - ${line}`),
    "",
    `Settings the config cannot express (${config.inexpressible.length}): the first \`pulumi up\` applies Slipway's:`,
    ...config.inexpressible.map((entry) => `  - ${inexpressibleLine(entry)}`),
    ...(snapshot.gaps.length > 0
      ? [
          "",
          `Not readable with this token (${snapshot.gaps.length}):`,
          ...snapshot.gaps.map((gap) => `  - ${gap.repository ?? "(organisation)"}: ${gap.what}: ${gap.status} ${gap.message}`),
        ]
      : []),
    "",
  ];
  process.stdout.write(lines.join("\n"));
  return 0;
}
