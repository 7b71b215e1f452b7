/**
 * Reading the team's policy statement (`policy-config.json`) where the program needs it: the
 * break-glass team is named there once, so the bypass the program grants and the bypass the
 * pack allows are the same team by construction.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { POLICY_CONFIG_FILE, type ReleaseLevel, breakGlassTeamOf } from "../contract";
import { DEFAULT_STAGING_SOAK_MINUTES, stagingSoakOf } from "../contract/release";
import { ConfigError, type ConfigProblem, keyPath, type StackConfig } from "./config";

/** What the program takes from the policy statement. */
export interface PolicyStatement {
  /** The break-glass team's numeric id; absent: nobody bypasses. */
  breakGlassTeamId?: number;
  /** Minutes staging soaks a release before it may be validated, by level (the defaults unless the team set its own). */
  stagingSoakMinutes: Record<ReleaseLevel, number>;
}

/** Read `<projectDir>/policy-config.json`; absent means an empty statement. Bad content is a ConfigError naming the file. */
export function readPolicyStatement(projectDir: string): PolicyStatement {
  const file = path.join(projectDir, POLICY_CONFIG_FILE);
  if (!fs.existsSync(file)) return { stagingSoakMinutes: { ...DEFAULT_STAGING_SOAK_MINUTES } };
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new ConfigError(POLICY_CONFIG_FILE, [{ key: "(file)", message: `is not valid JSON: ${(err as Error).message}` }]);
  }
  const { id, problems } = breakGlassTeamOf(parsed);
  const soak = stagingSoakOf(parsed);
  problems.push(...soak.problems);
  if (problems.length > 0) throw new ConfigError(POLICY_CONFIG_FILE, problems);
  return { breakGlassTeamId: id, stagingSoakMinutes: soak.minutes };
}

/**
 * The stack file and the policy statement must agree on the break-glass team: a repository that
 * names one needs the statement to name its id, and a team id the stack also lists must be it.
 */
export function checkBreakGlassAgreement(
  stackFile: string,
  config: StackConfig,
  statement: Pick<PolicyStatement, "breakGlassTeamId">,
): void {
  const problems: ConfigProblem[] = [];
  config.github.repositories.forEach((repository, i) => {
    const slug = repository.breakGlassTeam;
    if (slug === undefined) return;
    const key = keyPath(["github", "repositories", i, "breakGlassTeam"]);
    if (statement.breakGlassTeamId === undefined) {
      problems.push({
        key,
        message: `names a break-glass team, but ${POLICY_CONFIG_FILE} names none (no-bypass-actors.breakGlassTeam): add the team's id there, or remove this key`,
      });
      return;
    }
    const listed = config.github.teams[slug];
    if (listed !== undefined && listed !== statement.breakGlassTeamId) {
      problems.push({
        key: keyPath(["github", "teams", slug]),
        message: `is ${listed}, but ${POLICY_CONFIG_FILE} names team ${statement.breakGlassTeamId} as the break-glass team '${slug}' is meant to be; fix whichever is wrong`,
      });
    }
  });
  if (problems.length > 0) throw new ConfigError(stackFile, problems);
}
