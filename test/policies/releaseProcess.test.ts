import { changeFreeze, releaseMetadata } from "../../policy-pack/policies/releaseProcess";
import { manifestVariable, releaseManifest, repository } from "./fixtures";
import { configRefusal, messages, runStackPolicy } from "./harness";

describe("release-metadata", () => {
  test("a versioned, levelled, approved and documented release passes", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable()]))).toEqual([]);
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ version: "mvp-0.3.1" }))]))).toEqual([]);
  });

  test("a hotfix names the incident it answers, in a freeze or not (001, 000 §6.6)", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ hotfix: true, incident: "#77" }))]))).toEqual(
      [],
    );
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ hotfix: true }))]))).toEqual([
      "Release v1.4.0 is marked hotfix but names no incident (release.incident): a hotfix answers an open production incident (001, 000 §6.6).",
    ]);
    expect(
      messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ hotfix: true, incident: " " }))])),
    ).toHaveLength(1);
  });

  test("production needs a release manifest", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [repository()]))).toEqual([
      "Production stack 'production' has no release manifest (SLIPWAY_RELEASE_MANIFEST), so the release has no version, level, change request or changelog entry.",
    ]);
  });

  test("the version follows SemVer or the MVP scheme", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ version: "1.4" }))]))).toEqual([
      "Release manifest version '1.4' is not a release version (SemVer like 'v1.4.0' or the MVP scheme 'mvp-0.3.1').",
    ]);
  });

  test("no deploy without a change request", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ changeRequest: " " }))]))).toEqual([
      "Release v1.4.0 has no change request (changeRequest is empty); nothing is deployed without an approved change request.",
    ]);
  });

  test("the change request matches the configured pattern", async () => {
    const fixtures = [
      manifestVariable(
        releaseManifest({
          changeRequest: "fix stuff",
          ledger: { changeRequests: ["fix stuff"], validatedChangeRequests: ["fix stuff"], rollback: null },
        }),
      ),
    ];
    expect(messages(await runStackPolicy(releaseMetadata, fixtures))[0]).toBe(
      "Release v1.4.0 change request 'fix stuff' does not match changeRequestPattern '^([A-Z][A-Z0-9]*-?\\d+|#\\d+|https://\\S+)$'.",
    );
    expect(messages(await runStackPolicy(releaseMetadata, fixtures, { config: { changeRequestPattern: "^fix" } }))).toEqual([]);
  });

  test("an invalid changeRequestPattern is reported, naming the key", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable()], { config: { changeRequestPattern: "(" } }))[0]).toMatch(
      /^Policy config release-metadata.changeRequestPattern '\(' is not a valid regular expression/,
    );
  });

  test("the release has a changelog entry", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ changelog: null }))]))).toEqual([
      "Release v1.4.0 has no changelog facts (changelog: null: no CHANGELOG.md was found).",
    ]);
    const absent = releaseManifest({ changelog: { present: false, flags: false, migrationNotes: false, rollbackNotes: false } });
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(absent)]))).toEqual([
      "Release v1.4.0 has no CHANGELOG.md section for this version.",
    ]);
  });

  test("the changelog entry states risk level, flags, migration and rollback notes", async () => {
    const thin = releaseManifest({ changelog: { present: true, flags: false, migrationNotes: false, rollbackNotes: false } });
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(thin)]))).toEqual([
      "Release v1.4.0 changelog entry states no risk level (L0-L3).",
      "Release v1.4.0 changelog entry does not list the flags involved (or say none).",
      "Release v1.4.0 changelog entry has no migration notes (or says none).",
      "Release v1.4.0 changelog entry has no rollback notes.",
    ]);
  });

  test("the changelog's risk level matches the release level", async () => {
    const mismatch = releaseManifest({
      level: "L3",
      changelog: { present: true, riskLevel: "L1", flags: true, migrationNotes: true, rollbackNotes: true },
    });
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(mismatch)]))).toEqual([
      "Release v1.4.0 changelog says risk level L1 but the release is L3.",
    ]);
  });

  test("the changelog's risk level is one of L0-L3: a blank is no level, and a word is not a level", async () => {
    const stating = (riskLevel: string) =>
      manifestVariable(
        releaseManifest({ changelog: { present: true, riskLevel, flags: true, migrationNotes: true, rollbackNotes: true } }),
      );
    expect(messages(await runStackPolicy(releaseMetadata, [stating("  ")]))).toEqual([
      "Release v1.4.0 changelog entry states no risk level (L0-L3).",
    ]);
    expect(messages(await runStackPolicy(releaseMetadata, [stating("high")]))).toEqual([
      "Release v1.4.0 changelog risk level 'high' is not one of L0, L1, L2, L3.",
    ]);
  });

  // Issue 10: a change request that matches the pattern is not enough; the ledger must link it to the release.
  test("a change request the ledger does not link to the release is refused", async () => {
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ changeRequest: "CR-7" }))]))).toEqual([
      "Release v1.4.0 change request 'CR-7' is not linked to this release by the release ledger (the ledger records v1.4.0 under 'CR-1042'); only a change request the ledger records for the release counts as its approval.",
    ]);
    // Another release's change request, validated or not, is not this release's.
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ changeRequest: "CR-1017" }))]))).toHaveLength(
      1,
    );
    const unrecorded = releaseManifest({ ledger: { changeRequests: [], validatedChangeRequests: ["CR-1042"], rollback: null } });
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(unrecorded)]))).toEqual([
      "Release v1.4.0 change request 'CR-1042' is not linked to this release by the release ledger (the ledger has no record of v1.4.0); only a change request the ledger records for the release counts as its approval.",
    ]);
    const { ledger: _ledger, ...withoutFacts } = releaseManifest();
    expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(withoutFacts)]))).toEqual([
      "Release v1.4.0 change request 'CR-1042' is not linked to this release by the release ledger (the release manifest carries no ledger facts); only a change request the ledger records for the release counts as its approval.",
    ]);
  });

  test("a manifest that breaks the contract fails with the field named", async () => {
    const [message] = messages(await runStackPolicy(releaseMetadata, [manifestVariable({ ...releaseManifest(), level: "L9" })]));
    expect(message).toMatch(
      /^ActionsEnvironmentVariable 'release-manifest' cannot be read: it does not match the release manifest contract \(level: /,
    );
  });

  test("staging is not applicable", async () => {
    expect((await runStackPolicy(releaseMetadata, [manifestVariable()], { stack: "staging" })).notApplicable).toBe(
      "only production stacks are judged",
    );
  });
});

describe("change-freeze", () => {
  const hour = 3600 * 1000;
  const window = (fromHours: number, toHours: number, reason = "year-end freeze") => ({
    start: new Date(Date.now() + fromHours * hour).toISOString(),
    end: new Date(Date.now() + toHours * hour).toISOString(),
    reason,
  });

  test("outside a freeze window production may change", async () => {
    expect(
      messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [window(-48, -24), window(24, 48)] } })),
    ).toEqual([]);
  });

  test("no freeze configured, no refusal", async () => {
    expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()]))).toEqual([]);
  });

  test("inside a freeze window a standard release is refused", async () => {
    const frozen = window(-1, 1);
    expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [frozen] } }))).toEqual([
      `Production stack 'production' is frozen from ${frozen.start} to ${frozen.end} (year-end freeze); release v1.4.0 is not a hotfix (hotfix: false).`,
    ]);
  });

  test("inside a freeze window a hotfix that names its incident may ship", async () => {
    expect(
      messages(
        await runStackPolicy(changeFreeze, [manifestVariable(releaseManifest({ hotfix: true, incident: "INC-77" }))], {
          config: { freezeWindows: [window(-1, 1)] },
        }),
      ),
    ).toEqual([]);
    const issue = releaseManifest({ hotfix: true, incident: "https://github.com/acme/storefront/issues/311" });
    expect(messages(await runStackPolicy(changeFreeze, [manifestVariable(issue)], { config: { freezeWindows: [window(-1, 1)] } }))).toEqual(
      [],
    );
  });

  // Issue 10: `hotfix: true` alone is a claim; a hotfix references its incident and the ledger links its change request.
  describe("a hotfix is more than a flag", () => {
    const frozen = window(-1, 1);
    const inFreeze = (manifest: ReturnType<typeof releaseManifest>) =>
      runStackPolicy(changeFreeze, [manifestVariable(manifest)], { config: { freezeWindows: [frozen] } });
    const refusal = (why: string) =>
      `Production stack 'production' is frozen from ${frozen.start} to ${frozen.end} (year-end freeze); release v1.4.0 is marked hotfix but ${why}.`;

    test("hotfix: true without an incident does not open the freeze", async () => {
      expect(messages(await inFreeze(releaseManifest({ hotfix: true })))).toEqual([
        refusal("names no incident (incident is empty): a hotfix answers a production incident (001) and must reference it"),
      ]);
      expect(messages(await inFreeze(releaseManifest({ hotfix: true, incident: "   " })))).toEqual([
        refusal("names no incident (incident is empty): a hotfix answers a production incident (001) and must reference it"),
      ]);
    });

    test("an incident that is not an id does not count", async () => {
      expect(messages(await inFreeze(releaseManifest({ hotfix: true, incident: "the site was slow" })))).toEqual([
        refusal("its incident 'the site was slow' is not an incident id (incidentPattern '^([A-Z][A-Z0-9]*-?\\d+|#\\d+|https://\\S+)$')"),
      ]);
    });

    test("a change request the ledger does not link to the release does not count", async () => {
      expect(messages(await inFreeze(releaseManifest({ hotfix: true, incident: "INC-77", changeRequest: "CR-2" })))).toEqual([
        refusal("its change request 'CR-2' is not linked to it by the release ledger (the ledger records v1.4.0 under 'CR-1042')"),
      ]);
      const { ledger: _ledger, ...withoutFacts } = releaseManifest({ hotfix: true, incident: "INC-77" });
      expect(
        messages(await runStackPolicy(changeFreeze, [manifestVariable(withoutFacts)], { config: { freezeWindows: [frozen] } })),
      ).toEqual([
        refusal("its change request 'CR-1042' is not linked to it by the release ledger (the release manifest carries no ledger facts)"),
      ]);
    });

    test("a rollback the ledger recorded restores service inside a freeze", async () => {
      const rollback = releaseManifest({
        hotfix: true,
        ledger: {
          changeRequests: ["CR-1042"],
          validatedChangeRequests: ["CR-1042"],
          rollback: { from: "v1.5.0", marker: "ROLLBACK v1.5.0 → v1.4.0" },
        },
      });
      expect(messages(await inFreeze(rollback))).toEqual([]);
    });

    test("incidentPattern is configurable, and an invalid one is reported", async () => {
      const manifest = releaseManifest({ hotfix: true, incident: "sev1-2026-11-20" });
      expect(
        messages(
          await runStackPolicy(changeFreeze, [manifestVariable(manifest)], {
            config: { freezeWindows: [frozen], incidentPattern: "^sev[0-9]-" },
          }),
        ),
      ).toEqual([]);
      expect(
        messages(
          await runStackPolicy(changeFreeze, [manifestVariable(manifest)], { config: { freezeWindows: [frozen], incidentPattern: "(" } }),
        )[0],
      ).toMatch(/^Policy config change-freeze.incidentPattern '\(' is not a valid regular expression/);
    });
  });

  test("a freeze window is refused by the config check unless its start and end are date-times", () => {
    const frozen = { start: "2025-12-20T00:00:00Z", end: "2026-01-05T00:00:00Z", reason: "year-end freeze" };
    expect(configRefusal(changeFreeze, { freezeWindows: [frozen] })).toBeUndefined();
    const refused = "policy-config.json: change-freeze.freezeWindows.0";
    const { end: _end, ...open } = frozen;
    expect(configRefusal(changeFreeze, { freezeWindows: [open] })).toMatch(`${refused}.end: `);
    const { start: _start, ...unstarted } = frozen;
    expect(configRefusal(changeFreeze, { freezeWindows: [unstarted] })).toMatch(`${refused}.start: `);
    expect(configRefusal(changeFreeze, { freezeWindows: [{ ...frozen, start: "next friday" }] })).toMatch(`${refused}.start: `);
    expect(configRefusal(changeFreeze, { freezeWindows: [{ ...frozen, end: "new year" }] })).toMatch(`${refused}.end: `);
    expect(configRefusal(changeFreeze, { freezeWindows: [{ ...frozen, end: 20260105 }] })).toMatch(`${refused}.end: `);
    expect(configRefusal(changeFreeze, { freezeWindows: [{ ...frozen, reason: 7 }] })).toMatch(`${refused}.reason: `);
  });

  test("a freeze window's start and end carry a date, a time and a zone; the policy refuses anything else itself", async () => {
    const judged = async (start: unknown) =>
      messages(
        await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [{ start, end: "2000-01-02T00:00:00Z" }] } }),
      );
    const refusal = (shown: string) =>
      `Policy config change-freeze.freezeWindows[0].start '${shown}' is not an ISO 8601 date-time with a zone (e.g. 2025-12-20T00:00:00Z).`;
    // Date.parse reads each of these, as a local time or otherwise: none says when the freeze starts everywhere.
    expect(await judged("2000-01-01")).toEqual([refusal("2000-01-01")]);
    expect(await judged("2000-01-01T00:00:00")).toEqual([refusal("2000-01-01T00:00:00")]);
    expect(await judged(["2000-01-01T00:00:00Z"])).toEqual([refusal("2000-01-01T00:00:00Z")]);
    // Without seconds or fractions, or with an offset, a date-time is one (the window is past: nothing is frozen).
    for (const start of ["2000-01-01T00:00Z", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00.5+01:00", "2000-01-01T00:00:00-05:30"]) {
      expect(await judged(start)).toEqual([]);
    }
  });

  test("an offset counts: a window given in +01:00 is frozen at that instant", async () => {
    const now = Date.now();
    const local = (at: number) => new Date(at + 3600 * 1000).toISOString().replace(/\.\d+Z$/, "+01:00");
    const frozen = { start: local(now - hour), end: local(now + hour) };
    expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [frozen] } }))).toEqual([
      `Production stack 'production' is frozen from ${frozen.start} to ${frozen.end}; release v1.4.0 is not a hotfix (hotfix: false).`,
    ]);
  });

  test("a freeze begins at its start and is over at its end", async () => {
    const now = Date.parse("2025-12-24T12:00:00Z");
    const spy = jest.spyOn(Date, "now").mockReturnValue(now);
    try {
      const starting = { start: "2025-12-24T12:00:00Z", end: "2025-12-25T12:00:00Z" };
      expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [starting] } }))).toEqual([
        "Production stack 'production' is frozen from 2025-12-24T12:00:00Z to 2025-12-25T12:00:00Z; release v1.4.0 is not a hotfix (hotfix: false).",
      ]);
      const ending = { start: "2025-12-23T12:00:00Z", end: "2025-12-24T12:00:00Z" };
      expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [ending] } }))).toEqual([]);
    } finally {
      spy.mockRestore();
    }
  });

  test("inside a freeze every release the stack carries must open it, and each that does not is named", async () => {
    const frozen = window(-1, 1);
    const rollbackEnvironment = (manifest: ReturnType<typeof releaseManifest>) => ({
      ...manifestVariable(manifest, "production-rollback"),
      name: "rollback-release-manifest",
    });
    const hotfix = manifestVariable(releaseManifest({ hotfix: true, incident: "INC-77" }));
    const standard = rollbackEnvironment(releaseManifest({ version: "v1.3.0" }));
    const inFreeze = async (...fixtures: ReturnType<typeof manifestVariable>[]) =>
      messages(await runStackPolicy(changeFreeze, fixtures, { config: { freezeWindows: [frozen] } }));
    const frozenFor = `Production stack 'production' is frozen from ${frozen.start} to ${frozen.end} (year-end freeze)`;
    expect(await inFreeze(hotfix, rollbackEnvironment(releaseManifest({ version: "v1.3.0", hotfix: true, incident: "INC-77" })))).toEqual(
      [],
    );
    expect(await inFreeze(hotfix, standard)).toEqual([`${frozenFor}; release v1.3.0 is not a hotfix (hotfix: false).`]);
    expect(await inFreeze(manifestVariable(), standard)).toEqual([
      `${frozenFor}; release v1.4.0 is not a hotfix (hotfix: false); release v1.3.0 is not a hotfix (hotfix: false).`,
    ]);
  });

  test("inside a freeze an unreadable manifest cannot show a hotfix, even beside one that does", async () => {
    const frozen = window(-1, 1);
    const unreadable = { ...manifestVariable("{ not json", "production-rollback"), name: "rollback-release-manifest" };
    const hotfix = manifestVariable(releaseManifest({ hotfix: true, incident: "INC-77" }));
    const refusal = `Production stack 'production' is frozen from ${frozen.start} to ${frozen.end} (year-end freeze); the release manifest cannot be read, so the change cannot be shown to be a hotfix.`;
    for (const fixtures of [[unreadable], [hotfix, unreadable]]) {
      expect(messages(await runStackPolicy(changeFreeze, fixtures, { config: { freezeWindows: [frozen] } }))).toEqual([refusal]);
    }
  });

  test("without a manifest a change cannot be a hotfix", async () => {
    const [message] = messages(await runStackPolicy(changeFreeze, [repository()], { config: { freezeWindows: [window(-1, 1)] } }));
    expect(message).toContain("there is no release manifest, so the change cannot be a hotfix");
  });

  test("a freeze window that is not an ISO date-time is reported, naming the key", async () => {
    expect(
      messages(
        await runStackPolicy(changeFreeze, [manifestVariable()], {
          config: { freezeWindows: [{ start: "next friday", end: "2030-01-01T00:00:00Z" }] },
        }),
      ),
    ).toEqual([
      "Policy config change-freeze.freezeWindows[0].start 'next friday' is not an ISO 8601 date-time with a zone (e.g. 2025-12-20T00:00:00Z).",
    ]);
  });

  test("staging is not frozen", async () => {
    expect(
      (await runStackPolicy(changeFreeze, [manifestVariable()], { stack: "staging", config: { freezeWindows: [window(-1, 1)] } }))
        .notApplicable,
    ).toBeDefined();
  });
});
