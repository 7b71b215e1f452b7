/**
 * Support for the import tests: an import run against the fixture server, and a copy of the
 * example project whose production stack is the imported config, completed with what import
 * cannot supply (the ledger deploy key; the rollback approvers, where the contract asks for them).
 */
import * as fs from "node:fs";
import { parse as parseYaml } from "yaml";
import { stackConfigSchema } from "../../config/config";
import { runImport, type ImportResult } from "../../importer/run";
import type { GapFormat } from "../../importer/gap";
import { copyProject, editStackFile, PACK_DIR, POLICY_CONFIG, REPO_ROOT, slipwayKey } from "../support/project";
import { startFixtureServer, type FixtureServer, type OrgFixture } from "./fixtures";

/** Run `slipway import` in-process against a fixture server (started and closed here). */
export async function importFixture(
  org: OrgFixture,
  outDir: string,
  options: { format?: GapFormat; pageSize?: number; prepare?: (server: FixtureServer) => void; sleep?: (ms: number) => Promise<void> } = {},
): Promise<{ result: ImportResult; server: FixtureServer; log: string[] }> {
  const server = await startFixtureServer(org, { pageSize: options.pageSize });
  options.prepare?.(server);
  const log: string[] = [];
  try {
    const result = await runImport({
      owner: org.org,
      stack: "production",
      outDir,
      force: false,
      token: "fixture-token",
      baseUrl: server.url,
      sleep: options.sleep ?? (async () => undefined),
      now: () => Date.parse("2026-11-26T12:00:00Z"),
      packDir: PACK_DIR,
      projectDir: REPO_ROOT,
      policyConfigFile: POLICY_CONFIG,
      format: options.format ?? "json",
      log: (line) => log.push(line),
    });
    return { result, server, log };
  } finally {
    await server.close();
  }
}

/** Whether the contract's environments take rollback approvers (and production must name them). */
function contractHasRollback(): boolean {
  const production = (
    stackConfigSchema.shape.environments as unknown as { shape: Record<string, { unwrap(): { shape: Record<string, unknown> } }> }
  ).shape.production;
  return "rollback" in production.unwrap().shape;
}

/**
 * A project copy whose production stack holds the imported sections (read back from the written
 * stack file), the example's release, and the ledger key; apps and databases are left out: they
 * are not GitHub's.
 */
export function projectWithImport(scratch: string, name: string, writtenStackFile: string): string {
  const dir = copyProject(scratch, name);
  const written = parseYaml(fs.readFileSync(writtenStackFile, "utf8")) as { config: Record<string, unknown> };
  editStackFile(dir, "production", (document) => {
    const ledgerDeployKey = document.getIn(slipwayKey("github", "ledgerDeployKey"), true);
    document.setIn(slipwayKey("github"), document.createNode(written.config["slipway:github"]));
    document.setIn(slipwayKey("github", "ledgerDeployKey"), ledgerDeployKey);
    document.setIn(slipwayKey("environments"), document.createNode(written.config["slipway:environments"]));
    if (contractHasRollback())
      document.setIn(slipwayKey("environments", "production", "rollback"), document.createNode({ reviewerTeams: ["release-captains"] }));
    document.setIn(["config", "github:owner"], written.config["github:owner"]);
    for (const key of ["apps", "databases", "postgres"]) document.deleteIn(slipwayKey(key));
  });
  return dir;
}
