/**
 * The config contract's edge for approvals and incidents (issue 10): a flag's productionApproval is
 * a change request id, not a note, and a hotfix's incident is an incident id. Each refusal names the
 * file, the key path and what was expected.
 */
import { ConfigError } from "../../config/config";
import { minimalProductionConfig, parseProductionConfig } from "../support/config";

/** A minimal valid production config with one L3 flag; tests change one thing at a time. */
function minimal(): Record<string, any> {
  return {
    ...minimalProductionConfig(),
    "slipway:flags": [
      {
        name: "auto-publish",
        level: "L3",
        scopes: ["global", "client", "platform-account", "lane"],
        killSwitch: true,
        defaults: { preview: false, staging: true, production: true },
      },
    ],
  };
}

const parse = parseProductionConfig;

function problemsOf(values: Record<string, unknown>): string[] {
  try {
    parse(values);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems.map((p) => `${p.key}: ${p.message}`);
  }
  throw new Error("expected a ConfigError");
}

const APPROVAL_EXPECTED =
  "expected a change request id (CR-2050, #123 or an https URL) that the ledger links to a release; a free-form note is not an approval";
const INCIDENT_EXPECTED = "expected an incident id: a ticket key (INC-77), a GitHub issue (#123) or an https URL of the incident";

describe("a flag's productionApproval is a change request id", () => {
  it.each(["CR-2050", "CHG0001234", "#412", "https://tracker.acme.dev/changes/2050"])("%s is one", (approval) => {
    const values = minimal();
    values["slipway:flags"][0].productionApproval = approval;
    expect(parse(values).flags[0].productionApproval).toBe(approval);
  });

  it.each(["x", "approved", "approved by Sam in standup", "cr-2050", "CR 2050", ""])(
    "'%s' is refused at the edge, naming the key",
    (approval) => {
      const values = minimal();
      values["slipway:flags"][0].productionApproval = approval;
      expect(problemsOf(values)).toEqual([`slipway:flags[0].productionApproval: ${APPROVAL_EXPECTED}`]);
    },
  );

  it("an absent approval is allowed (the policy pack judges whether the flag may then be on)", () => {
    expect(parse(minimal()).flags[0].productionApproval).toBeUndefined();
  });
});

describe("a release's incident is an incident id", () => {
  it("a hotfix names its incident", () => {
    const values = minimal();
    values["slipway:release"] = { ...values["slipway:release"], hotfix: true, incident: "INC-77" };
    expect(parse(values).release).toMatchObject({ hotfix: true, incident: "INC-77" });
  });

  it("the incident is optional in the config (a rollback writes hotfix: true; the change-freeze policy asks for the incident)", () => {
    const values = minimal();
    values["slipway:release"] = { ...values["slipway:release"], hotfix: true };
    expect(parse(values).release.incident).toBeUndefined();
  });

  it.each(["outage", "the checkout was down", "inc 77"])("'%s' is refused at the edge, naming the key", (incident) => {
    const values = minimal();
    values["slipway:release"] = { ...values["slipway:release"], hotfix: true, incident };
    expect(problemsOf(values)).toEqual([`slipway:release.incident: ${INCIDENT_EXPECTED}`]);
  });

  it("a misspelt key is named, not ignored", () => {
    const values = minimal();
    values["slipway:release"] = { ...values["slipway:release"], hotfix: true, incidentId: "INC-77" };
    expect(problemsOf(values)).toEqual(["slipway:release.incidentId: is not a known key (misspelt, or in the wrong section?)"]);
  });
});
