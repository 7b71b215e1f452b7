/**
 * Resource fixtures shaped like the Slipway components' output (provider property names are the
 * real ones). Each builder returns a compliant resource; tests seed one violation at a time.
 */
import { stringify } from "yaml";
import type { ReleaseManifest } from "../../contract";
import { FLAGD_SCHEMA_URL, FLAGS_VARIABLE, RELEASE_MANIFEST_VARIABLE } from "../../contract";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import type { Fixture } from "./harness";

/** The repository every fixture belongs to. */
export const REPO = "app";

/** The baseline and L3 checks, as policy-gate.yml names its jobs. */
export const BASELINE_CHECKS = ["lint", "typecheck", "unit", "integration", "migrations", "security", "smoke"];
export const L3_CHECKS = ["side-effect-contracts", "policy-regression", "browser-smoke"];

/** A Repository. */
export function repository(name = REPO): Fixture {
  return { type: TYPES.repository, name, props: { name, allowSquashMerge: true, deleteBranchOnMerge: true, vulnerabilityAlerts: true } };
}

/** Options of the default-branch ruleset. */
export interface RulesetOptions {
  /** Logical name. */
  name?: string;
  /** Enforcement (`active` by default). */
  enforcement?: string;
  /** Ref includes (`~DEFAULT_BRANCH` by default). */
  includes?: string[];
  /** Required checks (baseline + L3 by default). */
  checks?: string[];
  /** Approvals (2 by default). */
  approvals?: number;
  /** Rules replacing the defaults' keys. */
  rules?: Record<string, unknown>;
  /** Bypass actors (none by default). */
  bypassActors?: Record<string, unknown>[];
}

/** An active branch ruleset on the default branch that satisfies every repository policy. */
export function branchRuleset(options: RulesetOptions = {}): Fixture {
  const name = options.name ?? "main-protection";
  return {
    type: TYPES.ruleset,
    name,
    props: {
      name,
      repository: REPO,
      target: "branch",
      enforcement: options.enforcement ?? "active",
      conditions: { refName: { includes: options.includes ?? ["~DEFAULT_BRANCH"], excludes: [] } },
      bypassActors: options.bypassActors ?? [],
      rules: {
        deletion: true,
        nonFastForward: true,
        requiredLinearHistory: true,
        pullRequest: {
          requiredApprovingReviewCount: options.approvals ?? 2,
          dismissStaleReviewsOnPush: true,
          requireLastPushApproval: true,
        },
        requiredStatusChecks: {
          requiredChecks: (options.checks ?? [...BASELINE_CHECKS, ...L3_CHECKS]).map((context) => ({ context })),
          strictRequiredStatusChecksPolicy: true,
        },
        ...(options.rules ?? {}),
      },
    },
  };
}

/** An active tag ruleset protecting the release tags. */
export function tagRuleset(
  options: { includes?: string[]; rules?: Record<string, unknown>; enforcement?: string; bypassActors?: Record<string, unknown>[] } = {},
): Fixture {
  return {
    type: TYPES.ruleset,
    name: "release-tags",
    props: {
      name: "release-tags",
      repository: REPO,
      target: "tag",
      enforcement: options.enforcement ?? "active",
      conditions: { refName: { includes: options.includes ?? ["refs/tags/v*", "refs/tags/mvp-*"], excludes: [] } },
      bypassActors: options.bypassActors ?? [],
      rules: { deletion: true, update: true, nonFastForward: true, ...(options.rules ?? {}) },
    },
  };
}

/** A classic BranchProtection. */
export function classicProtection(props: Record<string, unknown> = {}, name = "main-classic"): Fixture {
  return {
    type: TYPES.branchProtection,
    name,
    props: {
      repositoryId: REPO,
      pattern: "main",
      enforceAdmins: true,
      allowsForcePushes: false,
      allowsDeletions: false,
      requiredPullRequestReviews: [{ requiredApprovingReviewCount: 2, dismissStaleReviews: true }],
      requiredStatusChecks: [{ strict: true, contexts: [...BASELINE_CHECKS, ...L3_CHECKS] }],
      ...props,
    },
  };
}

/** A workflow RepositoryFile. */
export function workflowFile(file: string, workflow: unknown, name = file.replace(/^.*\//, "").replace(/\.ya?ml$/, "")): Fixture {
  return {
    type: TYPES.repositoryFile,
    name,
    props: {
      repository: REPO,
      branch: "main",
      file: `.github/workflows/${file}`,
      content: typeof workflow === "string" ? workflow : stringify(workflow),
      commitMessage: "chore: update workflow",
      overwriteOnCreate: true,
    },
  };
}

/** policy-gate.yml: one PR job per check, named after it. */
export function policyGate(
  checks: string[] = [...BASELINE_CHECKS, ...L3_CHECKS],
  on: unknown = { pull_request: { branches: ["main"] } },
): Fixture {
  const jobs: Record<string, unknown> = {};
  for (const check of checks)
    jobs[check.replace(/[^a-z0-9]+/g, "_")] = { name: check, "runs-on": "ubuntu-latest", steps: [{ run: `npm run ${check}` }] };
  jobs["slipway-gate"] = { name: "slipway-gate", "runs-on": "ubuntu-latest", steps: [{ run: "npx slipway gate" }] };
  return workflowFile("policy-gate.yml", { name: "policy-gate", on, jobs });
}

/** The production deploy workflow as the deploy-workflow component writes it. */
export function deployWorkflow(environment = "production"): Record<string, unknown> {
  return {
    name: `deploy-${environment}`,
    on: { workflow_dispatch: {} },
    jobs: {
      test: { "runs-on": "ubuntu-latest", steps: [{ run: "npm ci" }, { run: "npm test" }] },
      migrate: {
        needs: ["test"],
        "runs-on": "ubuntu-latest",
        environment: { name: environment },
        concurrency: { group: `migrate-${environment}`, "cancel-in-progress": false },
        steps: [{ run: "npm run migrate" }],
      },
      deploy: {
        needs: ["test", "migrate"],
        "runs-on": "ubuntu-latest",
        environment: { name: environment },
        concurrency: { group: `deploy-${environment}`, "cancel-in-progress": false },
        steps: [
          { uses: "actions/checkout@v4" },
          { id: "release", run: "./scripts/release.sh", env: { VERCEL_TOKEN: "${{ secrets.VERCEL_TOKEN }}" } },
          { id: "smoke", run: "npm run test:smoke" },
          { id: "deploy-marker", run: './scripts/deploy-marker.sh "$VERSION" "$GITHUB_SHA"' },
        ],
      },
    },
  };
}

/** A RepositoryEnvironment that satisfies every environment policy. */
export function environment(name = "production", props: Record<string, unknown> = {}): Fixture {
  return {
    type: TYPES.environment,
    name: `${name}-environment`,
    props: {
      repository: REPO,
      environment: name,
      reviewers: [{ teams: [101], users: [] }],
      preventSelfReview: true,
      waitTimer: 15,
      canAdminsBypass: false,
      deploymentBranchPolicy: { protectedBranches: true, customBranchPolicies: false },
      ...props,
    },
  };
}

/** Artifacts staging validated and production runs. */
export const ARTIFACTS = {
  api: { image: `ghcr.io/acme/api@sha256:${"a".repeat(64)}` },
  web: { commitSha: "0123456789abcdef0123456789abcdef01234567" },
  worker: { slugId: "3f1c9a52-8b1e-4c2d-9f0a-1b2c3d4e5f60" },
};

/** A valid production manifest for an L2 release. */
export function releaseManifest(overrides: Partial<ReleaseManifest> = {}): ReleaseManifest {
  return {
    stack: "production",
    environment: "production",
    version: "v1.4.0",
    level: "L2",
    changeRequest: "CR-1042",
    hotfix: false,
    artifacts: ARTIFACTS,
    // Staged, soaked 45 minutes (an L2 release needs 30), validated.
    validation: {
      stack: "staging",
      version: "v1.4.0",
      ledgerHash: "f".repeat(64),
      artifacts: ARTIFACTS,
      stagedAt: "2026-11-20T09:00:00.000Z",
      validatedAt: "2026-11-20T09:45:00.000Z",
      runUrl: "https://github.com/acme/app/actions/runs/6702",
    },
    changelog: { present: true, riskLevel: "L2", flags: true, migrationNotes: true, rollbackNotes: true },
    // The ledger staged and validated v1.4.0 under CR-1042 (earlier releases under CR-1001, CR-1017).
    ledger: { changeRequests: ["CR-1042"], validatedChangeRequests: ["CR-1001", "CR-1017", "CR-1042"], rollback: null },
    ...overrides,
  };
}

/** The SLIPWAY_RELEASE_MANIFEST variable carrying a manifest (or any raw value). */
export function manifestVariable(manifest: unknown = releaseManifest(), environmentName = "production"): Fixture {
  return {
    type: TYPES.environmentVariable,
    name: "release-manifest",
    props: {
      repository: REPO,
      environment: environmentName,
      variableName: RELEASE_MANIFEST_VARIABLE,
      value: typeof manifest === "string" ? manifest : JSON.stringify(manifest),
    },
  };
}

/** A Slipway flag. */
export function flag(
  options: { level?: string; on?: boolean; scopes?: string; killSwitch?: boolean; productionApproval?: string } = {},
): Record<string, unknown> {
  return {
    state: "ENABLED",
    variants: { on: true, off: false },
    defaultVariant: options.on ? "on" : "off",
    metadata: {
      level: options.level ?? "L3",
      scopes: options.scopes ?? "global,client,platform-account,lane",
      killSwitch: options.killSwitch ?? true,
      productionApproval: options.productionApproval ?? "",
    },
  };
}

/** A flagd document. */
export function flagDocument(flags: Record<string, unknown>): string {
  return JSON.stringify({ $schema: FLAGD_SCHEMA_URL, flags });
}

/** The SLIPWAY_FLAGS GitHub environment variable. */
export function flagsVariable(flags: Record<string, unknown>, environmentName = "production"): Fixture {
  return {
    type: TYPES.environmentVariable,
    name: "flags",
    props: { repository: REPO, environment: environmentName, variableName: FLAGS_VARIABLE, value: flagDocument(flags) },
  };
}

/** A Kubernetes Deployment that satisfies k8s-safe-rollout and immutable-artifacts. */
export function k8sDeployment(name = "api", spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}): Fixture {
  return {
    type: TYPES.k8sDeployment,
    name,
    props: {
      // The rollout fails within 5 minutes (002 §3): the controller's deadline and Pulumi's await.
      metadata: { name, namespace: "app", annotations: { "pulumi.com/timeoutSeconds": "300" } },
      spec: {
        replicas: 3,
        progressDeadlineSeconds: 300,
        selector: { matchLabels: { app: name } },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [
              {
                name,
                image: ARTIFACTS.api.image,
                readinessProbe: { httpGet: { path: "/health", port: 8080 } },
                resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
                ...container,
              },
            ],
          },
        },
        ...spec,
      },
    },
  };
}

/** A PodDisruptionBudget selecting the Deployment's pods. */
export function disruptionBudget(app = "api", namespace = "app"): Fixture {
  return {
    type: TYPES.k8sPdb,
    name: `${app}-pdb`,
    props: { metadata: { name: `${app}-pdb`, namespace }, spec: { selector: { matchLabels: { app } }, minAvailable: 1 } },
  };
}
