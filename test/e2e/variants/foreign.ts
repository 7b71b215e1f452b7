/**
 * Gate variants that seed a violation in resources Slipway's components would never write: a
 * hand-written ruleset, Vercel project, flag document or workflow beside the program, under the
 * team's own names. Together with the other areas, every policy of the pack refuses at least one
 * variant (test/e2e/gateVariants.test.ts checks that).
 */
import { stringify } from "yaml";
import type { VariantSpec } from "./spec";

/** A JavaScript string literal. */
const js = (value: unknown): string => JSON.stringify(value);

/** A workflow file the team keeps in storefront beside the generated ones. */
function workflowFile(name: string, file: string, workflow: Record<string, unknown>): string {
  return `new github.RepositoryFile(${js(name)}, { repository: "storefront", branch: "main", file: ${js(file)}, content: ${js(stringify(workflow))}, commitMessage: "ci: add ${file}", overwriteOnCreate: true });`;
}

/** A flagd document whose side-effect flag is off by default but neither a kill switch nor scoped. */
const UNSCOPED_SIDE_EFFECT = JSON.stringify({
  flags: {
    "nightly-digest-mailer": {
      state: "ENABLED",
      variants: { live: true, dark: false },
      defaultVariant: "dark",
      metadata: { level: "L2", sideEffects: "sends customer email" },
    },
  },
});

/** An image production runs and staging validated (the example's api artifact). */
const API_IMAGE = "ghcr.io/acme/api@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";

/** The variants of this area. */
export const FOREIGN_VARIANTS: VariantSpec[] = [
  {
    title: "a hand-written ruleset on the default branch that lets a repository role bypass it is refused",
    name: "foreign-ruleset-bypass",
    stack: "production",
    policyConfig: "team",
    addition: `new github.RepositoryRuleset("storefront-hotfix-lane", { repository: "storefront", name: "hotfix lane", target: "branch", enforcement: "active", conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } }, rules: { deletion: true }, bypassActors: [{ actorId: 5, actorType: "RepositoryRole", bypassMode: "always" }] });`,
    expect: {
      refusedBy: ["no-bypass-actors"],
      messages: [["no-bypass-actors", /bypass the protection of 'main' in 'storefront'; only break-glass team '[^']+' may\.$/]],
    },
  },
  {
    title: "a hand-written tag ruleset that lets an integration move release tags is refused",
    name: "foreign-tag-ruleset-bypass",
    stack: "production",
    policyConfig: "team",
    addition: `new github.RepositoryRuleset("storefront-tags-for-bots", { repository: "storefront", name: "tags for bots", target: "tag", enforcement: "active", conditions: { refName: { includes: ["refs/tags/v*"], excludes: [] } }, rules: { update: true, deletion: true }, bypassActors: [{ actorId: 81234, actorType: "Integration", bypassMode: "always" }] });`,
    expect: { refusedBy: ["release-tags-protected"], messages: [["release-tags-protected", /move or delete release tags 'v\*'\.$/]] },
  },
  {
    title: "a hand-written Vercel project whose preview deployments anyone can open is refused",
    name: "foreign-vercel-project-unprotected",
    // Staging: the strict config's freeze window covers production.
    stack: "staging",
    // The policy is advisory by default; the strict config makes it mandatory.
    policyConfig: "strict",
    addition: `new vercel.Project("marketing-site", { name: "acme-marketing", framework: "nextjs", vercelAuthentication: { deploymentType: "none" } });`,
    expect: {
      refusedBy: ["vercel-deployment-protection"],
      messages: [
        ["vercel-deployment-protection", "Project 'marketing-site' leaves preview deployments public (vercelAuthentication: none"],
      ],
    },
  },
  {
    title: "a side-effect flag labelled L2, neither a kill switch nor scoped, in a ConfigMap of another name is refused",
    name: "foreign-unscoped-side-effect-flag",
    stack: "production",
    policyConfig: "team",
    addition: `new k8s.core.v1.ConfigMap("mailer-toggles", { metadata: { name: "mailer-toggles", namespace: "production" }, data: { "toggles.json": ${js(UNSCOPED_SIDE_EFFECT)} } }, { provider: providers.kubernetes });`,
    expect: { refusedBy: ["side-effect-flags-scoped"], messages: [["side-effect-flags-scoped", /nightly-digest-mailer/]] },
  },
  {
    title: "a triage workflow that expands an issue title into its script is refused",
    name: "foreign-workflow-injection",
    stack: "production",
    policyConfig: "team",
    addition: workflowFile("storefront-triage", ".github/workflows/triage.yml", {
      name: "triage",
      on: { issues: { types: ["opened"] } },
      permissions: { contents: "read" },
      jobs: { label: { "runs-on": "ubuntu-latest", steps: [{ name: "log", run: 'echo "new issue: ${{ github.event.issue.title }}"' }] } },
    }),
    expect: { refusedBy: ["workflow-injection-safe"], messages: [["workflow-injection-safe", /github\.event\.issue\.title/]] },
  },
  {
    title: "a docs workflow that uses an action by a movable tag is refused",
    name: "foreign-workflow-unpinned-action",
    stack: "production",
    policyConfig: "team",
    addition: workflowFile("storefront-docs-lint", ".github/workflows/docs-lint.yml", {
      name: "docs lint",
      on: { pull_request: { paths: ["docs/**"] } },
      permissions: { contents: "read" },
      jobs: {
        markdown: {
          "runs-on": "ubuntu-latest",
          steps: [{ uses: "actions/checkout@v4" }, { name: "lint", run: "npx --yes markdownlint-cli2 docs/**/*.md" }],
        },
      },
    }),
    expect: { refusedBy: ["actions-pinned"], messages: [["actions-pinned", /actions\/checkout@v4/]] },
  },
  {
    title: "a hand-written 'prod-eu' environment without reviewers or a wait timer, that admins may skip, is refused",
    name: "foreign-prod-eu-environment",
    stack: "production",
    policyConfig: "team",
    addition: `new github.RepositoryEnvironment("storefront-prod-eu", { repository: "storefront", environment: "prod-eu", preventSelfReview: false, canAdminsBypass: true });`,
    expect: {
      refusedBy: ["production-approval", "production-protected-refs", "soak-window"],
      messages: [
        ["production-approval", /'prod-eu' has no reviewers/],
        ["soak-window", /prod-eu/],
      ],
    },
  },
  {
    title: "a hand-written single-replica Deployment without readiness probe or resources in production is refused",
    name: "foreign-unsafe-deployment",
    stack: "production",
    policyConfig: "team",
    addition: `new k8s.apps.v1.Deployment("checkout-edge", { metadata: { name: "checkout-edge", namespace: "edge" }, spec: { replicas: 1, selector: { matchLabels: { app: "checkout-edge" } }, template: { metadata: { labels: { app: "checkout-edge" } }, spec: { containers: [{ name: "edge", image: ${js(API_IMAGE)}, args: ["edge"] }] } } } }, { provider: providers.kubernetes });`,
    expect: { refusedBy: ["k8s-safe-rollout"], messages: [["k8s-safe-rollout", /container 'edge' has no readinessProbe/]] },
  },
  {
    title: "a hand-written Vercel env var that hands a live payment key to preview deployments is refused",
    name: "foreign-vercel-secret-to-previews",
    stack: "production",
    policyConfig: "team",
    addition: `new vercel.ProjectEnvironmentVariable("payments-key-everywhere", { projectId: "prj_web", key: "PAYMENTS_SECRET_KEY", value: pulumi.secret("opaque-payments-key"), targets: ["production", "preview"], sensitive: true });`,
    expect: { refusedBy: ["preview-secret-exposure"], messages: [["preview-secret-exposure", /exposes sensitive 'PAYMENTS_SECRET_KEY'/]] },
  },
  {
    title: "a hand-written ruleset requiring a check no workflow produces is refused",
    name: "foreign-ruleset-phantom-check",
    stack: "production",
    policyConfig: "team",
    addition: `new github.RepositoryRuleset("storefront-extra-checks", { repository: "storefront", name: "extra checks", target: "branch", enforcement: "active", conditions: { refName: { includes: ["~DEFAULT_BRANCH"], excludes: [] } }, rules: { requiredStatusChecks: { requiredChecks: [{ context: "e2e-nightly" }], strictRequiredStatusChecksPolicy: true } } });`,
    expect: { refusedBy: ["required-checks-produced"], messages: [["required-checks-produced", /e2e-nightly/]] },
  },
];
