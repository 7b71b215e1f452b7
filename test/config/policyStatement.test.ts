/**
 * The break-glass team is named once, in the team's policy statement (policy-config.json): the
 * program grants that team the bypass, the pack allows exactly that team, and a stack file that
 * says otherwise is refused before anything is registered.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { breakGlassTeamOf } from "../../contract";
import { ConfigError, parseStackConfig } from "../../config/config";
import { checkBreakGlassAgreement, readPolicyStatement } from "../../config/policyStatement";
import { LEDGER_DEPLOY_KEY, LEDGER_DEPLOY_KEY_SECURE_PATH } from "../support/config";

const root = path.resolve(__dirname, "..", "..");

function statementDir(content: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-statement-"));
  fs.writeFileSync(path.join(dir, "policy-config.json"), content);
  return dir;
}

/** A production config whose storefront names `release-captains` as break-glass team, with the given team directory. */
function stackWithBreakGlass(teams: Record<string, number>) {
  return parseStackConfig({
    file: "Pulumi.production.yaml",
    values: {
      "slipway:environment": "production",
      "slipway:github": {
        owner: "acme",
        ownsRepositoryResources: true,
        repositories: [{ name: "storefront", breakGlassTeam: "release-captains" }],
        teams,
        ledgerDeployKey: LEDGER_DEPLOY_KEY,
      },
      "slipway:environments": { production: {} },
      "slipway:release": { version: "1.4.0", level: "L2", changeRequest: "CR-1" },
    },
    securePaths: new Set([LEDGER_DEPLOY_KEY_SECURE_PATH]),
  });
}

describe("the policy statement names the break-glass team", () => {
  it("the example's statement names team 4711 once for both policies that allow it", () => {
    expect(readPolicyStatement(root)).toEqual({ breakGlassTeamId: 4711, stagingSoakMinutes: { L0: 10, L1: 10, L2: 30, L3: 120 } });
  });

  it("two policies naming different teams is refused, naming both settings", () => {
    const dir = statementDir(
      JSON.stringify({ "no-bypass-actors": { breakGlassTeam: "4711" }, "release-tags-protected": { breakGlassTeam: "4712" } }),
    );
    expect(() => readPolicyStatement(dir)).toThrow(ConfigError);
    expect(() => readPolicyStatement(dir)).toThrow(
      /no-bypass-actors\.breakGlassTeam, release-tags-protected\.breakGlassTeam: name different teams/,
    );
  });

  it("a team named by slug instead of id is refused", () => {
    expect(breakGlassTeamOf({ "no-bypass-actors": { breakGlassTeam: "release-captains" } }).problems).toEqual([
      { key: "no-bypass-actors.breakGlassTeam", message: 'expected the team\'s numeric GitHub id, got "release-captains"' },
    ]);
  });

  it("a statement that is not JSON is a config error naming policy-config.json", () => {
    expect(() => readPolicyStatement(statementDir("{ nope"))).toThrow(
      /^policy-config\.json: 1 config problem:\n {2}- \(file\): is not valid JSON/,
    );
  });
});

describe("the stack file cannot disagree with it", () => {
  it("agreeing on team 4711 passes", () => {
    expect(() =>
      checkBreakGlassAgreement("Pulumi.production.yaml", stackWithBreakGlass({ "release-captains": 4711 }), { breakGlassTeamId: 4711 }),
    ).not.toThrow();
  });

  it("a team directory that gives the break-glass team another id is refused", () => {
    expect(() =>
      checkBreakGlassAgreement("Pulumi.production.yaml", stackWithBreakGlass({ "release-captains": 9999 }), { breakGlassTeamId: 4711 }),
    ).toThrow(/slipway:github\.teams\.release-captains: is 9999, but policy-config\.json names team 4711/);
  });

  it("a break-glass team the statement does not name is refused", () => {
    expect(() => checkBreakGlassAgreement("Pulumi.production.yaml", stackWithBreakGlass({}), {})).toThrow(
      /slipway:github\.repositories\[0\]\.breakGlassTeam: names a break-glass team, but policy-config\.json names none/,
    );
  });
});
