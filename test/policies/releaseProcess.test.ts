import { changeFreeze, releaseMetadata } from "../../policy-pack/policies/releaseProcess";
import { manifestVariable, releaseManifest, repository } from "./fixtures";
import { messages, runStackPolicy } from "./harness";

describe("release-metadata", () => {
    test("a versioned, levelled, approved and documented release passes", async () => {
        expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable()]))).toEqual([]);
        expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(releaseManifest({ version: "mvp-0.3.1" }))]))).toEqual([]);
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
        const fixtures = [manifestVariable(releaseManifest({ changeRequest: "fix stuff" }))];
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
        expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(absent)]))).toEqual(["Release v1.4.0 has no CHANGELOG.md section for this version."]);
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
        const mismatch = releaseManifest({ level: "L3", changelog: { present: true, riskLevel: "L1", flags: true, migrationNotes: true, rollbackNotes: true } });
        expect(messages(await runStackPolicy(releaseMetadata, [manifestVariable(mismatch)]))).toEqual(["Release v1.4.0 changelog says risk level L1 but the release is L3."]);
    });

    test("a manifest that breaks the contract fails with the field named", async () => {
        const [message] = messages(await runStackPolicy(releaseMetadata, [manifestVariable({ ...releaseManifest(), level: "L9" })]));
        expect(message).toMatch(/^ActionsEnvironmentVariable 'release-manifest' cannot be read: it does not match the release manifest contract \(level: /);
    });

    test("staging is not applicable", async () => {
        expect((await runStackPolicy(releaseMetadata, [manifestVariable()], { stack: "staging" })).notApplicable).toBe("only production stacks are judged");
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
        expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [window(-48, -24), window(24, 48)] } }))).toEqual([]);
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

    test("inside a freeze window a hotfix may ship", async () => {
        expect(messages(await runStackPolicy(changeFreeze, [manifestVariable(releaseManifest({ hotfix: true }))], { config: { freezeWindows: [window(-1, 1)] } }))).toEqual([]);
    });

    test("without a manifest a change cannot be a hotfix", async () => {
        const [message] = messages(await runStackPolicy(changeFreeze, [repository()], { config: { freezeWindows: [window(-1, 1)] } }));
        expect(message).toContain("there is no release manifest, so the change cannot be a hotfix");
    });

    test("a freeze window that is not an ISO date-time is reported, naming the key", async () => {
        expect(messages(await runStackPolicy(changeFreeze, [manifestVariable()], { config: { freezeWindows: [{ start: "next friday", end: "2030-01-01T00:00:00Z" }] } }))).toEqual([
            "Policy config change-freeze.freezeWindows[0].start 'next friday' is not an ISO 8601 date-time with a zone (e.g. 2025-12-20T00:00:00Z).",
        ]);
    });

    test("staging is not frozen", async () => {
        expect((await runStackPolicy(changeFreeze, [manifestVariable()], { stack: "staging", config: { freezeWindows: [window(-1, 1)] } })).notApplicable).toBeDefined();
    });
});
