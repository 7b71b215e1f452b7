/**
 * Through the gate (issue 3 §3): the example stacks pass, and each variant that breaks ONE
 * invariant of the playbook is refused by exactly the policies that guard it.
 *
 * Config variants are copies of the example project with one edit (the program runs on them
 * offline); resource variants are the production run with one resource changed after the fact,
 * for what the config cannot express (drift, a hand-edited program). One pack serves the team's
 * policy config; a second serves a stricter copy (production hosts named, a freeze in force).
 */
import type { Document } from "yaml";
import { Gate, GateReport } from "../../cli/gate";
import { UserError } from "../../cli/errors";
import type { RecordedStack } from "../../cli/model";
import {
  VariantRuns,
  appendTo,
  editStackFile,
  indexWhere,
  mandatoryPolicies,
  makeScratch,
  messagesOf,
  openGate,
  removeChangelogSection,
  removeScratch,
  slipwayKey,
  violatedPolicies,
  wireSecret,
  withAddedResource,
  withResource,
  writePolicyConfig,
} from "./support";

/** Hooks start packs and program runs; the pack's type-check alone can take 13 s on a busy machine. */
const HOOK_TIMEOUT_MS = 180_000;

const TYPE = {
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  deployment: "kubernetes:apps/v1:Deployment",
  formation: "heroku:formation/formation:Formation",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  repositorySecret: "github:index/actionsSecret:ActionsSecret",
  environmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  herokuConfig: "heroku:app/configAssociation:ConfigAssociation",
} as const;

/** A resource's wire inputs, reached into along provider-shaped paths (`rules.deletion`, `spec.template...`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type WireInputs = Record<string, any>;

/** Component URNs new resources are registered under. */
const STOREFRONT_REPOSITORY = "urn:pulumi:production::slipway::slipway:index:ReleaseTopology$slipway:github:ReleaseRepository::storefront";
const PRODUCTION_ENVIRONMENT = "urn:pulumi:production::slipway::slipway:index:ReleaseTopology$slipway:github:DeploymentEnvironment::storefront-production";

/** Both policy-name lists: the mandatory ones, and every violated one (no advisory noise either). */
function verdict(report: GateReport): { mandatory: string[]; all: string[] } {
  return { mandatory: mandatoryPolicies(report), all: violatedPolicies(report) };
}

/** The verdict a report should have when exactly `policies` are violated, all mandatory. */
function refusedBy(...policies: string[]): { mandatory: string[]; all: string[] } {
  const sorted = [...policies].sort();
  return { mandatory: sorted, all: sorted };
}

let scratch: string;
let gate: Gate;
/** The team's config plus production hosts/databases for staging-isolation and a freeze window around now. */
let strictGate: Gate;

const variants = new VariantRuns(2);
const productionExample = variants.define("example-production", "production", () => undefined);
const stagingExample = variants.define("example-staging", "staging", () => undefined);

beforeAll(async () => {
  scratch = makeScratch();
  const day = 24 * 60 * 60 * 1000;
  const strictConfig = writePolicyConfig(scratch, "policy-config.strict.json", {
    "staging-isolation": { productionHosts: ["acme.shop", "www.acme.shop", "api.acme.shop"], productionDatabases: ["pg-prod.acme.internal"] },
    "change-freeze": {
      freezeWindows: [{ start: new Date(Date.now() - day).toISOString(), end: new Date(Date.now() + day).toISOString(), reason: "e2e freeze" }],
    },
  });
  // Programs run while both packs type-check.
  variants.startAll(scratch);
  [gate, strictGate] = await Promise.all([openGate(), openGate(strictConfig)]);
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await Promise.all([gate?.close(), strictGate?.close()]);
  removeScratch(scratch);
}, HOOK_TIMEOUT_MS);

describe("the example stacks", () => {
  it("pass the gate with no violation at all, every policy judging every resource", async () => {
    for (const example of [productionExample, stagingExample]) {
      const recorded = await example.recorded();
      const report = await gate.judge(recorded);
      expect(report.violations).toEqual([]);
      expect(report.stack).toBe(recorded.stack);
      expect(report.policies).toBe(29);
      expect(report.resources).toBe(recorded.resources.length);
      expect(report.resources).toBeGreaterThan(0);
    }
  });
});

describe("config variants: one edit of a stack file", () => {
  const noReviewer = variants.define("no-reviewer", "production", (dir) =>
    editStackFile(dir, "production", (doc) => doc.deleteIn(slipwayKey("environments", "production", "reviewerTeams"))),
  );
  const l3FlagOn = variants.define("l3-flag-on", "production", (dir) =>
    editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("flags", indexWhere(doc, slipwayKey("flags"), "name", "auto-publish"), "defaults", "production"), true)),
  );
  const shortSoak = variants.define("short-soak", "production", (dir) =>
    editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("environments", "production", "waitTimerMinutes"), 5)),
  );
  const selfReview = variants.define("self-review", "production", (dir) =>
    editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("environments", "production", "preventSelfReview"), false)),
  );
  const newRequiredCheck = variants.define("new-required-check", "production", (dir) =>
    editStackFile(dir, "production", (doc) => appendTo(doc, storefront(doc, "requiredChecks"), "e2e")),
  );
  const externalCheckUnknownToPolicy = variants.define("external-check", "production", (dir) =>
    editStackFile(dir, "production", (doc) => {
      appendTo(doc, storefront(doc, "requiredChecks"), "e2e");
      appendTo(doc, storefront(doc, "externalChecks"), "e2e");
    }),
  );
  const singleReplica = variants.define("single-replica", "production", (dir) =>
    editStackFile(dir, "production", (doc) => {
      const services = slipwayKey("apps", "kubernetes", "services");
      doc.setIn([...services, indexWhere(doc, services, "name", "worker"), "replicas"], 1);
    }),
  );
  const previewSecret = variants.define("preview-secret", "staging", (dir) =>
    editStackFile(dir, "staging", (doc) => {
      const vercel = slipwayKey("apps", "vercel");
      doc.setIn([...vercel, indexWhere(doc, vercel, "name", "web"), "previewSecrets"], ["SESSION_SECRET"]);
    }),
  );
  const unvalidatedArtifact = variants.define("unvalidated-artifact", "production", (dir) =>
    // A well-formed digest, just not the build staging validated.
    editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("release", "artifacts", "worker", "image"), `ghcr.io/acme/worker@sha256:${"ab".repeat(32)}`)),
  );
  const emptyChangeRequest = variants.define("empty-change-request", "production", (dir) =>
    editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("release", "changeRequest"), "")),
  );
  const undocumentedRelease = variants.define("undocumented-release", "production", (dir) => removeChangelogSection(dir, "1.4.0"));
  const hotfix = variants.define("hotfix", "production", (dir) => editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("release", "hotfix"), true)));

  describe("production approval", () => {
    it("production without a reviewer is refused", async () => {
      const report = await gate.judge(await noReviewer.recorded());
      expect(verdict(report)).toEqual(refusedBy("production-approval"));
      expect(messagesOf(report, "production-approval").join("\n")).toContain("RepositoryEnvironment 'production' has no reviewers");
    });

    it("a production deploy its own author may approve is refused", async () => {
      const report = await gate.judge(await selfReview.recorded());
      expect(verdict(report)).toEqual(refusedBy("production-approval"));
      expect(messagesOf(report, "production-approval").join("\n")).toContain("preventSelfReview: false");
    });

    it("production that soaks less than the soak window is refused", async () => {
      const report = await gate.judge(await shortSoak.recorded());
      expect(verdict(report)).toEqual(refusedBy("soak-window"));
      expect(messagesOf(report, "soak-window")).toEqual([
        "RepositoryEnvironment 'production' waits 5 minute(s) before deploying (waitTimer: 5); the soak window needs at least 10.",
      ]);
    });
  });

  describe("flags", () => {
    it("an L3 flag on by default in production is refused", async () => {
      const report = await gate.judge(await l3FlagOn.recorded());
      expect(verdict(report)).toEqual(refusedBy("l3-flags-off-in-production"));
      expect(messagesOf(report, "l3-flags-off-in-production").join("\n")).toContain("L3 flag 'auto-publish'");
    });
  });

  describe("required checks", () => {
    it("a new required check passes: the program generates the job that reports it", async () => {
      const recorded = await newRequiredCheck.recorded();
      const ruleset = recorded.resources.find((resource) => resource.type === TYPE.ruleset && resource.name === "storefront-default-branch");
      expect(JSON.stringify(ruleset?.inputs.rules)).toContain('{"context":"e2e"}');
      const prChecks = recorded.resources.find((resource) => resource.name === "workflows-storefront-pr-checks");
      expect(String(prChecks?.inputs.content)).toMatch(/^ {2}e2e:$/m);
      expect((await gate.judge(recorded)).violations).toEqual([]);
    });

    it("a required check that no workflow produces and the policy config does not know is refused", async () => {
      // The stack says an outside app reports `e2e`, so no job is generated; the policy config
      // (externalChecks: Vercel only) knows of no such app: merges would wait forever.
      const report = await gate.judge(await externalCheckUnknownToPolicy.recorded());
      expect(verdict(report)).toEqual(refusedBy("required-checks-produced"));
      expect(messagesOf(report, "required-checks-produced").join("\n")).toContain("requires status check 'e2e'");
    });
  });

  describe("rollout", () => {
    it("a production worker with a single replica is refused", async () => {
      const report = await gate.judge(await singleReplica.recorded());
      expect(verdict(report)).toEqual(refusedBy("k8s-safe-rollout"));
      expect(messagesOf(report, "k8s-safe-rollout").join("\n")).toMatch(/worker.*runs 1 replica\(s\) in production/);
    });
  });

  describe("previews", () => {
    it("a staging secret exposed to preview deployments is refused (the policy config allows none)", async () => {
      const report = await gate.judge(await previewSecret.recorded());
      expect(verdict(report)).toEqual(refusedBy("preview-secret-exposure"));
      expect(messagesOf(report, "preview-secret-exposure")).toEqual([expect.stringContaining("exposes sensitive 'SESSION_SECRET' to preview deployments")]);
    });
  });

  describe("promotion and release process", () => {
    it("a production release whose artifacts staging never validated is refused", async () => {
      const report = await gate.judge(await unvalidatedArtifact.recorded());
      expect(verdict(report)).toEqual(refusedBy("promote-validated-artifact"));
    });

    it("a production release without a change request is a config error naming the file and the key", async () => {
      await expect(emptyChangeRequest.recorded()).rejects.toThrow(UserError);
      await expect(emptyChangeRequest.recorded()).rejects.toThrow(/Pulumi\.production\.yaml[\s\S]*slipway:release\.changeRequest: a change request id is required/);
    });

    it("a release with no CHANGELOG.md section is refused", async () => {
      const report = await gate.judge(await undocumentedRelease.recorded());
      expect(verdict(report)).toEqual(refusedBy("release-metadata"));
      expect(messagesOf(report, "release-metadata")).toEqual(["Release 1.4.0 has no CHANGELOG.md section for this version."]);
    });
  });

  describe("a change freeze", () => {
    it("refuses the example production release while a freeze window is in force", async () => {
      const report = await strictGate.judge(await productionExample.recorded());
      expect(verdict(report)).toEqual(refusedBy("change-freeze"));
      expect(messagesOf(report, "change-freeze").join("\n")).toContain("release 1.4.0 is not a hotfix");
    });

    it("lets a hotfix through the freeze", async () => {
      expect((await strictGate.judge(await hotfix.recorded())).violations).toEqual([]);
    });

    it("marking the release a hotfix changes nothing but the manifest's hotfix field", async () => {
      const [example, hotfixRun] = [await productionExample.recorded(), await hotfix.recorded()];
      expect((await gate.judge(hotfixRun)).violations).toEqual([]);
      const changed = differingResources(example, hotfixRun);
      expect(changed).toEqual(["storefront-production-variable-SLIPWAY_RELEASE_MANIFEST"]);
      const manifestOf = (recorded: RecordedStack) =>
        JSON.parse(String(recorded.resources.find((resource) => resource.name === changed[0])?.inputs.value)) as Record<string, unknown>;
      expect(manifestOf(hotfixRun)).toEqual({ ...manifestOf(example), hotfix: true });
    });
  });
});

describe("resource variants: drift and hand-edited programs", () => {
  let production: RecordedStack;
  let staging: RecordedStack;

  beforeAll(async () => {
    [production, staging] = await Promise.all([productionExample.recorded(), stagingExample.recorded()]);
  }, HOOK_TIMEOUT_MS);

  /** The production run with one resource's inputs changed. */
  const productionWith = (type: string, name: string, change: (inputs: WireInputs) => void) =>
    withResource(production, type, name, (resource) => change(resource.inputs));

  describe("the default branch", () => {
    it("a force-pushable main is refused", async () => {
      const report = await gate.judge(productionWith(TYPE.ruleset, "storefront-default-branch", (inputs) => (inputs.rules.nonFastForward = false)));
      expect(verdict(report)).toEqual(refusedBy("no-force-push"));
      expect(messagesOf(report, "no-force-push")).toEqual([
        "Repository 'storefront' branch 'main' accepts force pushes: RepositoryRuleset 'storefront-default-branch' does not set rules.nonFastForward.",
      ]);
    });

    it("a deletable main is refused", async () => {
      const report = await gate.judge(productionWith(TYPE.ruleset, "storefront-default-branch", (inputs) => (inputs.rules.deletion = false)));
      expect(verdict(report)).toEqual(refusedBy("no-branch-deletion"));
    });

    it("a ruleset left in evaluate mode protects nothing: every rule of main is refused", async () => {
      const report = await gate.judge(productionWith(TYPE.ruleset, "storefront-default-branch", (inputs) => (inputs.enforcement = "evaluate")));
      // storefront's main has no other protection (protection: ruleset), so with its one ruleset
      // only evaluating, main is unprotected and every rule the ruleset carried is missing:
      expect(verdict(report)).toEqual(
        refusedBy(
          "default-branch-protected", // no active ruleset or branch protection covers main
          "no-force-push", // nothing blocks force pushes to main
          "no-branch-deletion", // nothing blocks deleting main
          "pull-request-reviews", // main takes direct pushes, no pull request needed
          "required-status-checks", // no baseline check is required
          "l3-required-checks", // staging's release in flight is L3, its checks are not required
          "production-protected-refs", // production deploys from main, which is no longer protected
        ),
      );
      expect(messagesOf(report, "default-branch-protected").join("\n")).toContain("its enforcement is 'evaluate', not 'active'");
    });
  });

  describe("artifacts", () => {
    it("a production worker running an image by tag is refused twice over", async () => {
      const report = await gate.judge(
        productionWith(TYPE.deployment, "workloads-worker", (inputs) => (inputs.spec.template.spec.containers[0].image = "ghcr.io/acme/worker:latest")),
      );
      // immutable-artifacts: a tag can move; promote-validated-artifact: it is not the image the
      // release manifest (what staging validated) names.
      expect(verdict(report)).toEqual(refusedBy("immutable-artifacts", "promote-validated-artifact"));
      expect(messagesOf(report, "immutable-artifacts").join("\n")).toContain("'ghcr.io/acme/worker:latest' is not pinned by digest");
    });
  });

  describe("migrations", () => {
    it("a Heroku release phase is refused", async () => {
      const report = await gate.judge(productionWith(TYPE.formation, "api-formation-web", (inputs) => (inputs.type = "release")));
      expect(verdict(report)).toEqual(refusedBy("no-implicit-migrations"));
    });
  });

  describe("data", () => {
    it("a superuser runtime role is refused", async () => {
      const report = await gate.judge(productionWith(TYPE.role, "storefront-runtime", (inputs) => (inputs.superuser = true)));
      expect(verdict(report)).toEqual(refusedBy("least-privilege-db-roles"));
      expect(messagesOf(report, "least-privilege-db-roles").join("\n")).toContain("runtime role 'storefront_runtime') has superuser: true");
    });

    it("an unprotected production database is refused", async () => {
      const report = await gate.judge(withResource(production, TYPE.database, "storefront", (resource) => (resource.protect = false)));
      expect(verdict(report)).toEqual(refusedBy("production-data-protected"));
    });
  });

  describe("secrets", () => {
    it("a repository-wide deploy credential is refused", async () => {
      const report = await gate.judge(
        withAddedResource(production, STOREFRONT_REPOSITORY, TYPE.repositorySecret, "storefront-secret-HEROKU_API_KEY", {
          repository: "storefront",
          secretName: "HEROKU_API_KEY",
          plaintextValue: wireSecret("v1:opaque"),
        }, ["encryptedValue", "plaintextValue"]),
      );
      expect(verdict(report)).toEqual(refusedBy("environment-scoped-secrets"));
    });

    it("a token in a plain GitHub environment variable is refused, and never printed", async () => {
      // Assembled at run time, so no token-shaped literal sits in the source.
      const token = ["gh", "p_"].join("") + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc";
      const report = await gate.judge(
        withAddedResource(production, PRODUCTION_ENVIRONMENT, TYPE.environmentVariable, "storefront-production-variable-DEPLOY_HELPER", {
          environment: "production",
          repository: "storefront",
          variableName: "DEPLOY_HELPER",
          value: token,
        }),
      );
      expect(verdict(report)).toEqual(refusedBy("no-plaintext-secrets"));
      expect(messagesOf(report, "no-plaintext-secrets")).toEqual([expect.stringContaining("'DEPLOY_HELPER' holds a plaintext credential: the value looks like a GitHub token")]);
      expect(JSON.stringify(report)).not.toContain(token);
    });
  });

  describe("staging isolation (production hosts named in the policy config)", () => {
    const stagingWith = (type: string, name: string, change: (inputs: WireInputs) => void) =>
      withResource(staging, type, name, (resource) => change(resource.inputs));

    it("the staging example names no production host", async () => {
      expect((await strictGate.judge(staging)).violations).toEqual([]);
    });

    it("a staging app pointed at the production site is refused", async () => {
      const report = await strictGate.judge(stagingWith(TYPE.herokuConfig, "api-config", (inputs) => (inputs.vars.PUBLIC_URL = "https://acme.shop")));
      expect(verdict(report)).toEqual(refusedBy("staging-isolation"));
      expect(messagesOf(report, "staging-isolation")).toEqual([expect.stringMatching(/api-config.*in stack 'staging' vars\.PUBLIC_URL names production host 'acme\.shop'/)]);
    });

    it("a staging worker pointed at the production database host is refused", async () => {
      const report = await strictGate.judge(
        stagingWith(TYPE.deployment, "workloads-worker", (inputs) => inputs.spec.template.spec.containers[0].env.push({ name: "DATABASE_HOST", value: "pg-prod.acme.internal" })),
      );
      expect(verdict(report)).toEqual(refusedBy("staging-isolation"));
      expect(messagesOf(report, "staging-isolation").join("\n")).toContain("names production database 'pg-prod.acme.internal'");
    });
  });
});

// ---- helpers local to these cases ----

/** The key path of a field of the storefront repository in `slipway:github`. */
function storefront(doc: Document, field: string): (string | number)[] {
  const repositories = slipwayKey("github", "repositories");
  return [...repositories, indexWhere(doc, repositories, "name", "storefront"), field];
}

/** Names of the resources whose inputs differ between two runs of the same program. */
function differingResources(left: RecordedStack, right: RecordedStack): string[] {
  const byUrn = new Map(right.resources.map((resource) => [resource.urn, resource]));
  expect(right.resources.map((resource) => resource.urn).sort()).toEqual(left.resources.map((resource) => resource.urn).sort());
  return left.resources.filter((resource) => JSON.stringify(resource) !== JSON.stringify(byUrn.get(resource.urn))).map((resource) => resource.name);
}
