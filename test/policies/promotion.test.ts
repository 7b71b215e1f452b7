import { immutableArtifacts, promoteValidatedArtifact } from "../../policy-pack/policies/promotion";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { ARTIFACTS, k8sDeployment, manifestVariable, releaseManifest, repository } from "./fixtures";
import { configRefusal, messages, runResourcePolicy, runStackPolicy, unknown, type Fixture } from "./harness";

const vercelDeployment = (ref: string): Fixture => ({
  type: TYPES.vercelDeployment,
  name: "web",
  props: { projectId: "prj_1", ref, production: true },
});
const herokuRelease = (slugId: string): Fixture => ({
  type: TYPES.herokuRelease,
  name: "worker",
  props: { appId: "app-id", slugId, description: "v1.4.0" },
});
const otherImage = `ghcr.io/acme/api@sha256:${"b".repeat(64)}`;

describe("promote-validated-artifact", () => {
  const running = [k8sDeployment(), vercelDeployment(ARTIFACTS.web.commitSha), herokuRelease(ARTIFACTS.worker.slugId)];

  test("production runs exactly what staging validated", async () => {
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(), ...running]))).toEqual([]);
  });

  test("production without a manifest fails", async () => {
    expect(messages(await runStackPolicy(promoteValidatedArtifact, running))).toEqual([
      "Production stack 'production' has no SLIPWAY_RELEASE_MANIFEST variable, so nothing shows that staging validated what it deploys.",
    ]);
  });

  test("a release staging never validated cannot be promoted", async () => {
    expect(
      messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(releaseManifest({ validation: null })), ...running])),
    ).toEqual(["Release v1.4.0 was not validated by staging (manifest validation is null: the ledger has no validation of this version)."]);
  });

  test("one release delivered to the deploy and the rollback environment is judged once; a second, different manifest is judged too", async () => {
    const unvalidated = releaseManifest({ validation: null });
    const rollbackCopy = { ...manifestVariable(unvalidated, "production-rollback"), name: "rollback-release-manifest" };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(unvalidated), rollbackCopy, ...running]))).toEqual([
      "Release v1.4.0 was not validated by staging (manifest validation is null: the ledger has no validation of this version).",
    ]);
    const other = {
      ...manifestVariable(releaseManifest({ version: "v1.5.0", validation: null }), "production-rollback"),
      name: "rollback-release-manifest",
    };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(unvalidated), other, ...running]))).toHaveLength(2);
  });

  test("a validation of another version does not count", async () => {
    const manifest = releaseManifest();
    manifest.validation = { ...manifest.validation!, version: "v1.3.9" };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      "Release v1.4.0 carries staging's validation of v1.3.9 (stack 'staging'), not of this version.",
    ]);
  });

  test("a validation recorded before the level's staging soak fails", async () => {
    const manifest = releaseManifest({ level: "L3" });
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      "Release v1.4.0 was validated 45 minutes after staging staged it (2026-11-20T09:00:00.000Z to 2026-11-20T09:45:00.000Z); an L3 release soaks at least 120 minutes.",
    ]);
  });

  test("the team's soak figures come from the policy config, level by level", async () => {
    const manifest = releaseManifest({ level: "L3" });
    const config = { stagingSoakMinutes: { L3: 45 } };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running], { config }))).toEqual([]);
    const strict = { stagingSoakMinutes: { L2: 60 } };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(), ...running], { config: strict }))).toEqual([
      "Release v1.4.0 was validated 45 minutes after staging staged it (2026-11-20T09:00:00.000Z to 2026-11-20T09:45:00.000Z); an L2 release soaks at least 60 minutes.",
    ]);
  });

  test("a validation without a soak record fails: nothing shows staging soaked it", async () => {
    const manifest = releaseManifest();
    manifest.validation = { stack: "staging", version: "v1.4.0", ledgerHash: "f".repeat(64), artifacts: ARTIFACTS };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      "Release v1.4.0 carries no soak record (manifest validation.stagedAt/validatedAt): nothing shows staging soaked it the 30 minutes an L2 release needs.",
    ]);
  });

  test("a ledger that does not extend the stack's anchor fails: its history was rewritten", async () => {
    const anchor = `6:${"a".repeat(64)}`;
    const rewritten = releaseManifest({
      ledgerAnchor: { anchor, problem: "line 6 (seq 6): differs from the line the stack last deployed from" },
    });
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(rewritten), ...running]))).toEqual([
      "Release v1.4.0: the release ledger does not extend the one stack 'production' last deployed from (anchor 6:aaaaaaaaaaaaaa…): line 6 (seq 6): differs from the line the stack last deployed from.",
    ]);
    const { ledgerAnchor: _none, ...intact } = rewritten;
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(intact), ...running]))).toEqual([]);
  });

  test("production running a migration staging did not run for the release fails", async () => {
    const ran = { expand: ["add-order-channel"], contract: [] };
    const manifest = releaseManifest({ migrations: { expand: ["add-order-channel", "backfill-dm-counts"], contract: [] } });
    manifest.validation = { ...manifest.validation!, migrations: ran };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      "Release v1.4.0 runs migration expand backfill-dm-counts in production, which staging did not run for it (staging ran: expand add-order-channel).",
    ]);
    const same = releaseManifest({ migrations: ran });
    same.validation = { ...same.validation!, migrations: ran };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(same), ...running]))).toEqual([]);
  });

  test("an artifact different from what staging validated fails", async () => {
    const manifest = releaseManifest({ artifacts: { ...ARTIFACTS, api: { image: otherImage } } });
    const fixtures = [manifestVariable(manifest), k8sDeployment("api", {}, { image: otherImage }), running[1], running[2]];
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures))).toEqual([
      `Release v1.4.0 app 'api' runs ${otherImage} but staging validated ${ARTIFACTS.api.image}.`,
    ]);
  });

  test("an app staging did not validate fails", async () => {
    const manifest = releaseManifest({ artifacts: { ...ARTIFACTS, admin: { commitSha: "1".repeat(40) } } });
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      `Release v1.4.0 app 'admin' runs ${"1".repeat(40)}, which staging did not validate (validated apps: 'api', 'web', 'worker').`,
    ]);
  });

  test("a deployed image outside the manifest fails", async () => {
    const fixtures = [manifestVariable(), k8sDeployment("api", {}, { image: otherImage }), running[1], running[2]];
    const outcome = await runStackPolicy(promoteValidatedArtifact, fixtures);
    expect(messages(outcome)).toEqual([
      `Deployment 'api' container 'api' image '${otherImage}' is not an artifact of release v1.4.0 (manifest images: '${ARTIFACTS.api.image}').`,
    ]);
    expect(outcome.violations[0].urn).toBe("urn:pulumi:production::slipway::kubernetes:apps/v1:Deployment::api");
  });

  test("a Vercel commit or Heroku slug outside the manifest fails", async () => {
    const fixtures = [
      manifestVariable(),
      k8sDeployment(),
      vercelDeployment("2".repeat(40)),
      herokuRelease("00000000-0000-4000-8000-000000000000"),
    ];
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures))).toEqual([
      `Vercel Deployment 'web' ref '${"2".repeat(40)}' is not an artifact of release v1.4.0 (manifest commitShas: '${ARTIFACTS.web.commitSha}').`,
      `Heroku Release 'worker' slugId '00000000-0000-4000-8000-000000000000' is not an artifact of release v1.4.0 (manifest slugIds: '${ARTIFACTS.worker.slugId}').`,
    ]);
  });

  test("a candidate update keeps the live Heroku release on the slug production's ledger says it runs now", async () => {
    const liveSlug = "11111111-1111-4111-8111-111111111111";
    const live = { ...ARTIFACTS, worker: { slugId: liveSlug } };
    const fixtures = (manifest: ReturnType<typeof releaseManifest>) => [
      manifestVariable(manifest),
      k8sDeployment(),
      vercelDeployment(ARTIFACTS.web.commitSha!),
      herokuRelease(liveSlug),
    ];
    // Holding traffic on the running release while the candidate is checked passes.
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures(releaseManifest({ candidate: { live } }))))).toEqual([]);
    // The same slug outside a candidate update is not this release's.
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures(releaseManifest())))).toEqual([
      `Heroku Release 'worker' slugId '${liveSlug}' is not an artifact of release v1.4.0 (manifest slugIds: '${ARTIFACTS.worker.slugId}').`,
    ]);
    // A candidate update may keep only what production runs now, nothing else.
    const elsewhere = { ...ARTIFACTS, worker: { slugId: "22222222-2222-4222-8222-222222222222" } };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures(releaseManifest({ candidate: { live: elsewhere } }))))).toEqual(
      [
        `Heroku Release 'worker' slugId '${liveSlug}' is not an artifact of release v1.4.0 (manifest slugIds: '${ARTIFACTS.worker.slugId}', '22222222-2222-4222-8222-222222222222').`,
      ],
    );
    // Before production's first run there is nothing to keep.
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures(releaseManifest({ candidate: { live: null } }))))).toHaveLength(
      1,
    );
  });

  test("a soak record missing either end fails: a start without an end (or the reverse) shows no soak", async () => {
    for (const missing of ["stagedAt", "validatedAt"] as const) {
      const manifest = releaseManifest();
      const { [missing]: _dropped, ...validation } = manifest.validation!;
      manifest.validation = validation;
      expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
        "Release v1.4.0 carries no soak record (manifest validation.stagedAt/validatedAt): nothing shows staging soaked it the 30 minutes an L2 release needs.",
      ]);
    }
  });

  test("a soak record that is not a date-time shows no soak", async () => {
    const manifest = releaseManifest();
    manifest.validation = { ...manifest.validation!, stagedAt: "after lunch" };
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]))).toEqual([
      "Release v1.4.0 was validated ? minutes after staging staged it (after lunch to 2026-11-20T09:45:00.000Z); an L2 release soaks at least 30 minutes.",
    ]);
  });

  test("the team's soak figures are whole minutes, up to a day, for the levels L0-L3 only", () => {
    expect(configRefusal(promoteValidatedArtifact, { stagingSoakMinutes: { L0: 0, L3: 1440 } })).toBeUndefined();
    const refused = "policy-config.json: promote-validated-artifact.stagingSoakMinutes";
    // Negative, more than a day, a fraction, a string: refused, naming the level.
    for (const minutes of [-1, 1441, 30.5, "120"]) {
      expect(configRefusal(promoteValidatedArtifact, { stagingSoakMinutes: { L3: minutes } })).toMatch(`${refused}.L3: `);
    }
    expect(configRefusal(promoteValidatedArtifact, { stagingSoakMinutes: { L4: 30 } })).toBe(`${refused}: Unrecognized key: "L4"`);
  });

  test("every migration staging did not run is named, beside what staging did run", async () => {
    const judge = async (
      staging: { expand: string[]; contract: string[] } | undefined,
      production: { expand: string[]; contract: string[] },
    ) => {
      const manifest = releaseManifest({ migrations: production });
      manifest.validation = { ...manifest.validation!, migrations: staging };
      return messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable(manifest), ...running]));
    };
    // A validation recorded before migrations were: staging is known to have run none.
    expect(await judge(undefined, { expand: ["add-order-channel"], contract: ["drop-legacy-status"] })).toEqual([
      "Release v1.4.0 runs migrations expand add-order-channel, contract drop-legacy-status in production, which staging did not run for it (staging ran: none).",
    ]);
    expect(
      await judge({ expand: [], contract: ["drop-legacy-status"] }, { expand: ["add-a", "add-b"], contract: ["drop-legacy-status"] }),
    ).toEqual([
      "Release v1.4.0 runs migrations expand add-a, expand add-b in production, which staging did not run for it (staging ran: contract drop-legacy-status).",
    ]);
    const ran = { expand: ["add-a", "add-b"], contract: ["drop-x", "drop-y"] };
    expect(await judge(ran, { expand: ["add-a", "add-b"], contract: ["drop-x", "drop-y", "drop-z"] })).toEqual([
      "Release v1.4.0 runs migration contract drop-z in production, which staging did not run for it (staging ran: expand add-a, add-b; contract drop-x, drop-y).",
    ]);
    expect(await judge(ran, ran)).toEqual([]);
  });

  test("an app staging did not validate fails whatever references it carries, all of them shown", async () => {
    const admin = { image: otherImage, commitSha: "1".repeat(40) };
    expect(
      messages(
        await runStackPolicy(promoteValidatedArtifact, [
          manifestVariable(releaseManifest({ artifacts: { ...ARTIFACTS, admin } })),
          ...running,
        ]),
      ),
    ).toEqual([
      `Release v1.4.0 app 'admin' runs ${otherImage} + ${"1".repeat(40)}, which staging did not validate (validated apps: 'api', 'web', 'worker').`,
    ]);
    expect(
      messages(
        await runStackPolicy(promoteValidatedArtifact, [
          manifestVariable(releaseManifest({ artifacts: { ...ARTIFACTS, admin: {} } })),
          ...running,
        ]),
      ),
    ).toEqual(["Release v1.4.0 app 'admin' runs (empty), which staging did not validate (validated apps: 'api', 'web', 'worker')."]);
  });

  test("a container with no image runs no artifact of the release", async () => {
    const fixtures = [manifestVariable(), k8sDeployment("api", {}, { image: undefined }), running[1], running[2]];
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures))).toEqual([
      `Deployment 'api' container 'api' image '(none)' is not an artifact of release v1.4.0 (manifest images: '${ARTIFACTS.api.image}').`,
    ]);
  });

  test("an unreadable manifest vouches for no artifact: it is reported, and the release beside it is judged alone", async () => {
    const unreadable = { ...manifestVariable("{ not json", "production-rollback"), name: "rollback-release-manifest" };
    const unreadableMessage = /^ActionsEnvironmentVariable 'rollback-release-manifest' cannot be read: /;
    const alone = messages(await runStackPolicy(promoteValidatedArtifact, [unreadable, ...running]));
    expect(alone).toHaveLength(1);
    expect(alone[0]).toMatch(unreadableMessage);
    const beside = messages(
      await runStackPolicy(promoteValidatedArtifact, [
        unreadable,
        manifestVariable(),
        k8sDeployment("api", {}, { image: otherImage }),
        running[1],
        running[2],
      ]),
    );
    expect(beside).toHaveLength(2);
    expect(beside[0]).toMatch(unreadableMessage);
    expect(beside[1]).toBe(
      `Deployment 'api' container 'api' image '${otherImage}' is not an artifact of release v1.4.0 (manifest images: '${ARTIFACTS.api.image}').`,
    );
  });

  test("an image outside both releases a stack carries names both", async () => {
    const rollback = {
      ...manifestVariable(
        releaseManifest({ version: "v1.3.0", validation: { ...releaseManifest().validation!, version: "v1.3.0" } }),
        "production-rollback",
      ),
      name: "rollback-release-manifest",
    };
    const fixtures = [manifestVariable(), rollback, k8sDeployment("api", {}, { image: otherImage }), running[1], running[2]];
    expect(messages(await runStackPolicy(promoteValidatedArtifact, fixtures))).toEqual([
      `Deployment 'api' container 'api' image '${otherImage}' is not an artifact of release v1.4.0, v1.3.0 (manifest images: '${ARTIFACTS.api.image}', '${ARTIFACTS.api.image}').`,
    ]);
  });

  test("an unreadable manifest fails", async () => {
    expect(messages(await runStackPolicy(promoteValidatedArtifact, [manifestVariable({ version: "v1" })]))[0]).toMatch(
      /^ActionsEnvironmentVariable 'release-manifest' cannot be read: it does not match the release manifest contract/,
    );
  });

  test("an unknown deployed image during preview is reported, not passed", async () => {
    const outcome = await runStackPolicy(promoteValidatedArtifact, [manifestVariable(), k8sDeployment("api", {}, { image: unknown })]);
    expect(outcome.unknown).toContain("can't run policy 'promote-validated-artifact' during preview");
  });

  test("staging stacks are not applicable", async () => {
    expect((await runStackPolicy(promoteValidatedArtifact, [manifestVariable()], { stack: "staging" })).notApplicable).toBe(
      "only production stacks promote artifacts",
    );
  });

  test("productionStacks is configurable", async () => {
    const outcome = await runStackPolicy(promoteValidatedArtifact, [repository()], {
      stack: "live",
      config: { productionStacks: ["live"] },
    });
    expect(messages(outcome)).toEqual([
      "Production stack 'live' has no SLIPWAY_RELEASE_MANIFEST variable, so nothing shows that staging validated what it deploys.",
    ]);
  });
});

describe("immutable-artifacts", () => {
  test("an image pinned by digest passes", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, k8sDeployment()))).toEqual([]);
  });

  test("an image tagged latest fails", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, k8sDeployment("api", {}, { image: "ghcr.io/acme/api:latest" })))).toEqual([
      "Deployment 'api' container 'api' image 'ghcr.io/acme/api:latest' is not pinned by digest (expected <repository>@sha256:<64 hex>; 'latest' moves).",
    ]);
  });

  test("a version tag is not a digest either", async () => {
    expect(
      messages(await runResourcePolicy(immutableArtifacts, k8sDeployment("api", {}, { image: "ghcr.io/acme/api:1.4.0" }))),
    ).toHaveLength(1);
  });

  test("migration Jobs pin their image too", async () => {
    const job = {
      type: TYPES.k8sJob,
      name: "migrate",
      props: { spec: { template: { spec: { containers: [{ name: "migrate", image: "ghcr.io/acme/migrate:main" }] } } } },
    };
    expect(messages(await runResourcePolicy(immutableArtifacts, job))).toEqual([
      "Job 'migrate' container 'migrate' image 'ghcr.io/acme/migrate:main' is not pinned by digest (expected <repository>@sha256:<64 hex>).",
    ]);
  });

  test("Vercel deploys a commit SHA, not a branch", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, vercelDeployment(ARTIFACTS.web.commitSha)))).toEqual([]);
    expect(messages(await runResourcePolicy(immutableArtifacts, vercelDeployment("main")))).toEqual([
      "Vercel Deployment 'web' ref 'main' is not a full commit SHA (40 hex): a branch name or short SHA deploys whatever it points at.",
    ]);
  });

  test("Heroku releases a slug id", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, herokuRelease(ARTIFACTS.worker.slugId)))).toEqual([]);
    expect(messages(await runResourcePolicy(immutableArtifacts, herokuRelease("v42")))).toEqual([
      "Heroku Release 'worker' slugId 'v42' is not a slug id (UUID).",
    ]);
  });

  test("the manifest's artifacts are immutable references", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, manifestVariable()))).toEqual([]);
    const manifest = releaseManifest({ artifacts: { ...ARTIFACTS, web: { commitSha: "main" } } });
    expect(messages(await runResourcePolicy(immutableArtifacts, manifestVariable(manifest)))).toEqual([
      "ActionsEnvironmentVariable 'release-manifest' artifacts.web.commitSha 'main' is not a full commit SHA (40 hex): a branch name or short SHA deploys whatever it points at.",
    ]);
  });

  test("a container without a name or an image is not pinned either", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, k8sDeployment("api", {}, { name: undefined, image: undefined })))).toEqual([
      "Deployment 'api' container '?' image '(none)' is not pinned by digest (expected <repository>@sha256:<64 hex>).",
    ]);
  });

  test("an image without a tag is 'latest'", async () => {
    expect(messages(await runResourcePolicy(immutableArtifacts, k8sDeployment("api", {}, { image: "ghcr.io/acme/api" })))).toEqual([
      "Deployment 'api' container 'api' image 'ghcr.io/acme/api' is not pinned by digest (expected <repository>@sha256:<64 hex>; 'latest' moves).",
    ]);
  });

  test("an unreadable manifest fails: its artifacts cannot be judged", async () => {
    const outcome = messages(await runResourcePolicy(immutableArtifacts, manifestVariable("{ not json")));
    expect(outcome).toHaveLength(1);
    expect(outcome[0]).toMatch(/^ActionsEnvironmentVariable 'release-manifest' cannot be read, so its artifacts cannot be judged: .+\.$/);
  });

  test("what staging validated is held to immutable references too", async () => {
    const manifest = releaseManifest();
    manifest.validation = { ...manifest.validation!, artifacts: { ...ARTIFACTS, worker: { slugId: "v42" } } };
    expect(messages(await runResourcePolicy(immutableArtifacts, manifestVariable(manifest)))).toEqual([
      "ActionsEnvironmentVariable 'release-manifest' validation.artifacts.worker.slugId 'v42' is not a slug id (UUID).",
    ]);
    // A release staging never validated has no validated artifacts to judge (promote-validated-artifact refuses it).
    expect(messages(await runResourcePolicy(immutableArtifacts, manifestVariable(releaseManifest({ validation: null }))))).toEqual([]);
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(immutableArtifacts, repository())).notApplicable).toBe("the resource deploys no artifact");
  });
});
