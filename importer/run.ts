/**
 * `slipway import`: read the organisation, map it to config, write the stack file, the import
 * file and the gap report into a directory, and say what was written. Nothing is written to
 * GitHub, and no existing file is overwritten without `force`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Document } from "yaml";
import { UserError } from "../config/errors";
import { readOrganisation, type ReadOptions, type OrganisationSnapshot } from "./github";
import { type ImportedConfig, type Inexpressible, toConfig } from "./config";
import { importFile, type ImportFile } from "./importFile";
import { gapReport, type GapFormat, todayStack } from "./gap";

/** Options of an import run. */
export interface ImportOptions {
  /** Organisation or user. */
  owner: string;
  /** Only these repositories (default: all, archived ones left out). */
  repositories?: string[];
  /** The stack the config is for (names `Pulumi.<stack>.yaml`). */
  stack: string;
  /** Directory to write into. */
  outDir: string;
  /** Overwrite existing files. */
  force: boolean;
  /** The token. */
  token: string;
  /** API root (tests). */
  baseUrl?: string;
  /** Waits and clock (tests). */
  sleep?: ReadOptions["sleep"];
  now?: ReadOptions["now"];
  /** Policy pack and its config, for the gap report; paths are shown from the project directory. */
  packDir: string;
  projectDir: string;
  policyConfigFile?: string;
  /** Gap report format. */
  format: GapFormat;
  /** Where progress lines go. */
  log: (line: string) => void;
}

/** What an import run produced. */
export interface ImportResult {
  snapshot: OrganisationSnapshot;
  config: ImportedConfig;
  importFile: ImportFile;
  /** Paths written, by what they are. */
  written: { stackFile: string; importFile: string; gapReport: string };
  /** The gap report as rendered. */
  gapText: string;
}

/** The token: GITHUB_TOKEN, or the file given; neither is a usage error. */
export function readToken(tokenFile: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  if (tokenFile !== undefined) {
    let text: string;
    try {
      text = fs.readFileSync(tokenFile, "utf8");
    } catch (err) {
      throw new UserError(
        `cannot read the token file: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`,
        { file: tokenFile },
      );
    }
    const token = text.trim();
    if (token === "") throw new UserError("is empty: expected a GitHub token", { file: tokenFile });
    return token;
  }
  const token = env.GITHUB_TOKEN?.trim();
  if (!token)
    throw new UserError(
      "no GitHub token: set GITHUB_TOKEN or pass --token-file <file> (a token that can read the organisation; import never writes)",
    );
  return token;
}

/** Run an import. */
export async function runImport(options: ImportOptions): Promise<ImportResult> {
  const ext = options.format === "json" ? "json" : options.format === "markdown" ? "md" : "txt";
  const written = {
    stackFile: path.join(options.outDir, `Pulumi.${options.stack}.yaml`),
    importFile: path.join(options.outDir, `slipway-import.${options.stack}.json`),
    gapReport: path.join(options.outDir, `slipway-gap.${options.stack}.${ext}`),
  };
  // Refuse before reading anything: a run that ends by refusing should not spend the rate limit.
  if (!options.force) {
    for (const file of Object.values(written)) {
      if (fs.existsSync(file)) throw new UserError("exists: slipway import does not overwrite it without --force", { file });
    }
  }
  options.log(`reading ${options.owner} from GitHub (read-only)`);
  const snapshot = await readOrganisation({
    owner: options.owner,
    repositories: options.repositories,
    token: options.token,
    baseUrl: options.baseUrl,
    sleep: options.sleep,
    now: options.now,
    log: options.log,
  });
  if (snapshot.repositories.length === 0)
    throw new UserError(`'${options.owner}' has no repositories the token can see: nothing to import`);
  const config = toConfig(snapshot, { stack: options.stack });
  const file = importFile(config.resources);
  options.log(`judging today's settings with the policy pack`);
  const gap = await gapReport(todayStack(config.resources, { owner: options.owner, stack: options.stack }), {
    packDir: options.packDir,
    projectDir: options.projectDir,
    policyConfigFile: options.policyConfigFile,
    format: options.format,
  });

  fs.mkdirSync(options.outDir, { recursive: true });
  fs.writeFileSync(written.stackFile, stackFileText(snapshot, config));
  fs.writeFileSync(written.importFile, `${JSON.stringify(file, null, 2)}\n`);
  fs.writeFileSync(written.gapReport, gap.text.endsWith("\n") ? gap.text : `${gap.text}\n`);
  return { snapshot, config, importFile: file, written, gapText: gap.text };
}

/** How a line about the organisation's own settings (not one repository's) starts. */
const ORGANISATION = "(organisation)";

/** One line per inexpressible setting. */
export function inexpressibleLine(entry: Inexpressible): string {
  return `${entry.repository ?? ORGANISATION}: ${entry.setting} (${entry.where}): today ${entry.today}; Slipway: ${entry.slipway}`;
}

/** The stack file: the two sections, and as comments what the contract cannot hold and what you must add. */
function stackFileText(snapshot: OrganisationSnapshot, config: ImportedConfig): string {
  const document = new Document({
    config: {
      "github:owner": snapshot.owner,
      "slipway:github": config.github,
      "slipway:environments": config.environments,
    },
  });
  const lines = [
    ` Written by \`slipway import --owner ${snapshot.owner}\`: today's settings of ${snapshot.repositories.length} repositories as Slipway config.`,
    " Review it; add slipway:environment, slipway:release and the keys below; then `pulumi import --file` and `pulumi preview`.",
    "",
    " Still to supply:",
    ...config.toSupply.map((line) => `   - ${line}`),
    "",
    ` Settings the config contract cannot express (${config.inexpressible.length}); the first \`pulumi up\` applies Slipway's:`,
    ...config.inexpressible.map((entry) => `   - ${inexpressibleLine(entry)}`),
    ...(snapshot.gaps.length > 0
      ? [
          "",
          ` Not readable with this token (${snapshot.gaps.length}):`,
          ...snapshot.gaps.map((gap) => `   - ${gap.repository ?? ORGANISATION}: ${gap.what}: ${gap.status} ${gap.message}`),
        ]
      : []),
  ];
  document.commentBefore = lines.join("\n");
  return document.toString({ lineWidth: 0 });
}
