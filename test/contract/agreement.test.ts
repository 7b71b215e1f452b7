/**
 * The program and the pack judge with one rule book (contract/): the checks, approvals and
 * release tags an unconfigured stack gets are the ones an unconfigured pack asks for, and an
 * artifact reference the config contract refuses is one the ledger and the pack refuse too.
 * Each side is read through its own entry point, so a copied literal on either side fails here.
 */
import { parseStackConfig, type RawStackConfig } from "../../config/config";
import { ARTIFACT_FIELDS, artifactDifferences, sameArtifact, sameArtifacts, type Artifact } from "../../contract/artifacts";
import {
  DEFAULT_L3_CHECKS,
  DEFAULT_L3_MIN_APPROVALS,
  DEFAULT_MIN_APPROVALS,
  DEFAULT_RELEASE_TAG_PATTERNS,
  DEFAULT_REQUIRED_CHECKS,
  LEAST_L3_MIN_APPROVALS,
  LEAST_MIN_APPROVALS,
} from "../../contract/repositoryRules";
import { immutableArtifacts } from "../../policy-pack/policies/promotion";
import { approvalsSetting, baselineChecksSetting, l3ChecksSetting, releaseTagSetting } from "../../policy-pack/policies/shared/settings";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { ledgerArtifactSchema } from "../../release/ledger";
import { LEDGER_DEPLOY_KEY_SECURE_PATH, minimalProductionConfig } from "../support/config";
import { messages, runResourcePolicy, type Fixture } from "../policies/harness";

/** A production stack that sets none of the repository rules, with `artifact` as its release's `app`. */
function parsedStack(artifact?: Artifact) {
  return parseStackConfig(rawStack(artifact));
}

/** The stack file of `parsedStack`, unparsed. */
function rawStack(artifact?: Artifact): RawStackConfig {
  const minimal = minimalProductionConfig();
  return {
    file: "Pulumi.production.yaml",
    values: {
      ...minimal,
      "slipway:release": { ...minimal["slipway:release"], ...(artifact ? { artifacts: { app: artifact } } : {}) },
    },
    securePaths: new Set([LEDGER_DEPLOY_KEY_SECURE_PATH]),
  };
}

describe("the repository rules an unconfigured program and pack ask for", () => {
  test("the program's defaults are the contract's", () => {
    const repository = parsedStack().github.repositories[0];
    expect(repository.requiredChecks).toEqual(DEFAULT_REQUIRED_CHECKS);
    expect(repository.l3Checks).toEqual(DEFAULT_L3_CHECKS);
    expect(repository.minApprovals).toBe(DEFAULT_MIN_APPROVALS);
    expect(repository.l3MinApprovals).toBe(DEFAULT_L3_MIN_APPROVALS);
    expect(repository.releaseTagPatterns).toEqual(DEFAULT_RELEASE_TAG_PATTERNS);
  });

  test("the pack's defaults are the contract's", () => {
    expect(baselineChecksSetting.baselineChecks.default).toEqual(DEFAULT_REQUIRED_CHECKS);
    expect(l3ChecksSetting.l3Checks.default).toEqual(DEFAULT_L3_CHECKS);
    expect(approvalsSetting.minApprovals.default).toBe(DEFAULT_MIN_APPROVALS);
    expect(approvalsSetting.l3MinApprovals.default).toBe(DEFAULT_L3_MIN_APPROVALS);
    expect(releaseTagSetting.releaseTagPatterns.default).toEqual(DEFAULT_RELEASE_TAG_PATTERNS);
  });

  test("the fewest approvals a team may configure are the same for the program and the pack (003 §3.2)", () => {
    expect(approvalsSetting.minApprovals.minimum).toBe(LEAST_MIN_APPROVALS);
    expect(approvalsSetting.l3MinApprovals.minimum).toBe(LEAST_L3_MIN_APPROVALS);
    const withApprovals = (minApprovals: number, l3MinApprovals: number): RawStackConfig => {
      const raw = { ...rawStack() };
      const github = raw.values["slipway:github"] as { repositories: Record<string, unknown>[] };
      raw.values = { ...raw.values, "slipway:github": { ...github, repositories: [{ name: "shop", minApprovals, l3MinApprovals }] } };
      return raw;
    };
    expect(parseStackConfig(withApprovals(LEAST_MIN_APPROVALS, LEAST_L3_MIN_APPROVALS)).github.repositories[0].l3MinApprovals).toBe(
      LEAST_L3_MIN_APPROVALS,
    );
    expect(() => parseStackConfig(withApprovals(LEAST_MIN_APPROVALS, LEAST_L3_MIN_APPROVALS - 1))).toThrow(
      `an L3 release needs at least ${LEAST_L3_MIN_APPROVALS} approving reviews`,
    );
    expect(() => parseStackConfig(withApprovals(LEAST_MIN_APPROVALS - 1, LEAST_L3_MIN_APPROVALS))).toThrow(
      `the playbooks require at least ${LEAST_MIN_APPROVALS} approving review`,
    );
  });

  test("a parsed stack gets its own copy, so one stack's edits never reach another's defaults", () => {
    const first = parsedStack().github.repositories[0];
    first.requiredChecks.push("extra");
    expect(parsedStack().github.repositories[0].requiredChecks).toEqual(DEFAULT_REQUIRED_CHECKS);
  });
});

const HEX64 = "c".repeat(64);
const SHA = "0123456789abcdef0123456789abcdef01234567";
const SLUG = "3f1c9a52-8b1e-4c2d-9f0a-1b2c3d4e5f60";

/** References of each kind, immutable or not, as a release might name them. */
const REFERENCES: { kind: keyof Artifact; value: string; immutable: boolean }[] = [
  { kind: "image", value: `ghcr.io/acme/api@sha256:${HEX64}`, immutable: true },
  { kind: "image", value: `registry.example:5000/acme/api@sha256:${HEX64}`, immutable: true },
  { kind: "image", value: "ghcr.io/acme/api:latest", immutable: false },
  { kind: "image", value: "ghcr.io/acme/api", immutable: false },
  { kind: "image", value: `ghcr.io/Acme/API@sha256:${HEX64}`, immutable: false },
  { kind: "image", value: `ghcr.io/acme/api@sha256:${"C".repeat(64)}`, immutable: false },
  { kind: "image", value: `ghcr.io/acme/api@sha256:${HEX64.slice(1)}`, immutable: false },
  { kind: "commitSha", value: SHA, immutable: true },
  { kind: "commitSha", value: "main", immutable: false },
  { kind: "commitSha", value: SHA.slice(0, 7), immutable: false },
  { kind: "commitSha", value: SHA.toUpperCase(), immutable: false },
  { kind: "slugId", value: SLUG, immutable: true },
  { kind: "slugId", value: SLUG.toUpperCase(), immutable: false },
  { kind: "slugId", value: "v42", immutable: false },
];

/** The resource that runs `value` as its kind of artifact. */
function running(kind: keyof Artifact, value: string): Fixture {
  if (kind === "commitSha")
    return { type: TYPES.vercelDeployment, name: "web", props: { projectId: "prj_1", ref: value, production: true } };
  if (kind === "slugId")
    return { type: TYPES.herokuRelease, name: "worker", props: { appId: "app-id", slugId: value, description: "v1.2.3" } };
  return {
    type: TYPES.k8sDeployment,
    name: "api",
    props: { spec: { template: { spec: { containers: [{ name: "api", image: value }] } } } },
  };
}

function programAccepts(artifact: Artifact): boolean {
  try {
    parsedStack(artifact);
    return true;
  } catch {
    return false;
  }
}

describe("artifact references: immutable for the config contract, the ledger and the pack alike", () => {
  test.each(REFERENCES)("$kind $value is immutable: $immutable", async ({ kind, value, immutable }) => {
    const artifact = { [kind]: value } as Artifact;
    expect(programAccepts(artifact)).toBe(immutable);
    expect(ledgerArtifactSchema.safeParse(artifact).success).toBe(immutable);
    const violations = messages(await runResourcePolicy(immutableArtifacts, running(kind, value)));
    expect(violations).toHaveLength(immutable ? 0 : 1);
  });
});

describe("the same artifact", () => {
  const api = { image: `ghcr.io/acme/api@sha256:${HEX64}` };

  test("is every reference equal, an absent one equal only to an absent one", () => {
    expect(sameArtifact(api, { ...api })).toBe(true);
    expect(sameArtifact(api, { ...api, commitSha: SHA })).toBe(false);
    for (const field of ARTIFACT_FIELDS) expect(sameArtifact({ [field]: "x" }, { [field]: "y" })).toBe(false);
  });

  test("sets are the same app by app, and the differences name the app and the reference", () => {
    expect(sameArtifacts({ api }, { api: { ...api } })).toBe(true);
    expect(artifactDifferences({ api, web: { commitSha: SHA } }, { api: { image: `${api.image.slice(0, -1)}d` } })).toEqual([
      "api.image",
      "web (only on one side)",
    ]);
    expect(sameArtifacts({ api }, {})).toBe(false);
  });
});
