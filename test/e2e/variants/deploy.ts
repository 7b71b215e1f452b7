/**
 * Gate variants of deploy jobs, migrations and production data: each breaks one invariant, often under a name Slipway would never
 * choose, and names the verdict the policies must give.
 */
import { stringify } from "yaml";
import type { VariantSpec } from "./spec";
import { appendTo, editStackFile, slipwayKey } from "../../support/project";

/** A JavaScript string literal. */
const js = (value: unknown): string => JSON.stringify(value);

/** An image production runs and staging validated (the example's api artifact). */
const API_IMAGE = "ghcr.io/acme/api@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";

/** How messages name the team's own ship.yml. */
const SHIP = "RepositoryFile 'storefront-ship' (repository 'storefront', .github/workflows/ship.yml)";

/** The team's own production release job: gated, serialised, smoke-checked and marked, under its own names. */
function releaseJob(steps: Record<string, unknown>[]): Record<string, unknown> {
  return {
    "runs-on": "ubuntu-latest",
    needs: ["build"],
    environment: "production",
    concurrency: { group: "ship-production", "cancel-in-progress": false },
    steps,
  };
}

const SHIP_IT = { name: "ship it", run: "pulumi up --yes -s production" };
const PROBE = { name: "probe", run: "curl -fsS https://acme.shop/healthz" };
const RECORD = { name: "record", run: 'echo "shipped ${GITHUB_SHA}" >> "$GITHUB_STEP_SUMMARY"' };

/** A program addition: the team's own `ship.yml` in storefront, with these jobs besides a build job. */
function shipYml(jobs: Record<string, unknown>): string {
  const content = stringify({
    name: "ship",
    on: { push: { tags: ["v*"] } },
    permissions: { contents: "read" },
    jobs: { build: { "runs-on": "ubuntu-latest", steps: [{ name: "unit tests", run: "npm ci && npm test" }] }, ...jobs },
  });
  return `new github.RepositoryFile("storefront-ship", { repository: "storefront", branch: "main", file: ".github/workflows/ship.yml", content: ${js(content)}, commitMessage: "ci: ship on tags", overwriteOnCreate: true });`;
}

/** The variants of this area. */
export const DEPLOY_VARIANTS: VariantSpec[] = [
  // deploy-job-gates: production deploy jobs by what they do, in any workflow file.
  {
    title: "an ungated `release` job in the team's own ship.yml deploying production with `pulumi up -s production` is refused",
    name: "ship-yml-ungated-release",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({ release: { "runs-on": "ubuntu-latest", steps: [SHIP_IT] } }),
    expect: {
      refusedBy: ["deploy-job-gates"],
      messages: [
        [
          "deploy-job-gates",
          `${SHIP} job 'release' does not use the production environment (environment: none) but deploys to production ('pulumi up --yes -s production'), so it deploys without production's approval and secrets scoping.`,
        ],
        ["deploy-job-gates", `${SHIP} job 'release' does not need the test jobs (needs: none), so it can deploy untested code.`],
        ["deploy-job-gates", `${SHIP} job 'release' is not serialised (no concurrency group), so two production deploys can overlap.`],
        [
          "deploy-job-gates",
          `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'ship it').`,
        ],
        [
          "deploy-job-gates",
          `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
        ],
      ],
    },
  },
  {
    title: "a production release job whose smoke step runs `true` is refused: a no-op is not a smoke check",
    name: "ship-yml-no-op-smoke",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({ release: releaseJob([SHIP_IT, { id: "smoke", name: "smoke", run: "true" }, RECORD]) }),
    expect: {
      refusedBy: ["deploy-job-gates"],
      messages: [
        [
          "deploy-job-gates",
          `${SHIP} job 'release' runs no real smoke check: step 'smoke' is not one, it runs only commands that cannot fail ('true').`,
        ],
      ],
    },
  },
  {
    title: "a Heroku container release in a job of no environment is a production deploy, and its `|| true` smoke check is refused",
    name: "ship-yml-heroku-smoke-never-fails",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({
      publish: {
        "runs-on": "ubuntu-latest",
        needs: ["build"],
        concurrency: "publish-api",
        steps: [
          { name: "release web", run: "heroku container:release web -a acme-api" },
          { name: "smoke", run: "npm run test:smoke || true" },
          RECORD,
        ],
      },
    }),
    expect: {
      refusedBy: ["deploy-job-gates"],
      messages: [
        [
          "deploy-job-gates",
          `${SHIP} job 'publish' does not use the production environment (environment: none) but deploys to production ('heroku container:release web -a acme-api'), so it deploys without production's approval and secrets scoping.`,
        ],
        [
          "deploy-job-gates",
          `${SHIP} job 'publish' runs no real smoke check: step 'smoke' is not one, it never fails on a failed check ('npm run test:smoke || true').`,
        ],
      ],
    },
  },
  {
    title: "a complete production release job under the team's own names passes",
    name: "ship-yml-gated-release",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({ release: releaseJob([SHIP_IT, PROBE, RECORD]) }),
    expect: { passes: true },
  },

  // no-implicit-migrations: migrations by the tools they run, in any job that deploys and in container starts.
  {
    title: "a migration inside the team's own release job is refused, whatever the job is called",
    name: "ship-yml-release-migrates",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({ release: releaseJob([{ name: "schema", run: "npx prisma migrate deploy" }, SHIP_IT, PROBE, RECORD]) }),
    expect: {
      refusedBy: ["no-implicit-migrations"],
      messages: [
        [
          "no-implicit-migrations",
          `${SHIP} job 'release' deploys ('pulumi up --yes -s production') and its step 'schema' runs migrations ('npx prisma migrate deploy'); run them in a separate job the deploy needs.`,
        ],
      ],
    },
  },
  {
    title: "a migration job the release needs passes",
    name: "ship-yml-separate-migration-job",
    stack: "production",
    policyConfig: "team",
    addition: shipYml({
      schema: {
        "runs-on": "ubuntu-latest",
        needs: ["build"],
        environment: "production",
        steps: [{ name: "schema", run: "npx prisma migrate deploy" }],
      },
      release: { ...releaseJob([SHIP_IT, PROBE, RECORD]), needs: ["build", "schema"] },
    }),
    expect: { passes: true },
  },
  {
    title: "a production worker whose container migrates on start with dbmate is refused",
    name: "worker-migrates-on-start",
    stack: "production",
    policyConfig: "team",
    transform: {
      type: "kubernetes:apps/v1:Deployment",
      name: "workloads-worker",
      statement: 'props.spec.template.spec.containers[0].command = ["sh", "-c", "dbmate --wait up && exec node dist/worker.js"]',
    },
    expect: {
      refusedBy: ["no-implicit-migrations"],
      messages: [
        [
          "no-implicit-migrations",
          "Deployment 'workloads-worker' container 'worker' runs migrations on container start ('dbmate --wait up'); run them in a migration Job instead.",
        ],
      ],
    },
  },

  // migration-order: migration Jobs by their commands, contract by what they destroy.
  {
    title: "an unlabelled Job that drops a column and does not wait for the rollout is refused as a contract migration",
    name: "unlabelled-contract-job",
    stack: "production",
    policyConfig: "team",
    addition: `new k8s.batch.v1.Job("orders-schema-cleanup", { metadata: { name: "orders-schema-cleanup", namespace: "production" }, spec: { backoffLimit: 0, template: { spec: { restartPolicy: "Never", containers: [{ name: "psql", image: ${js(API_IMAGE)}, command: ["psql", "$(DATABASE_URL)", "-c", "ALTER TABLE orders DROP COLUMN legacy_status"] }] } } } }, { provider: providers.kubernetes });`,
    expect: {
      refusedBy: ["migration-order"],
      messages: [
        [
          "migration-order",
          "Job 'orders-schema-cleanup' (contract: 'ALTER TABLE orders DROP') does not depend on Deployment 'workloads-worker', so it may run before the rollout finishes; contract migrations must run after it.",
        ],
      ],
    },
  },

  {
    title: "a StatefulSet is part of the rollout: a contract migration that does not wait for one in its namespace is refused",
    name: "contract-before-statefulset-rollout",
    stack: "production",
    policyConfig: "team",
    addition: `new k8s.apps.v1.StatefulSet("orders-cache", { metadata: { name: "orders-cache", namespace: "production" }, spec: { serviceName: "orders-cache", replicas: 2, selector: { matchLabels: { app: "orders-cache" } }, template: { metadata: { labels: { app: "orders-cache" } }, spec: { containers: [{ name: "cache", image: ${js(API_IMAGE)}, args: ["cache"] }] } } } }, { provider: providers.kubernetes });`,
    expect: {
      refusedBy: ["migration-order"],
      messages: [
        [
          "migration-order",
          "Job 'workloads-migration-drop-legacy-status' (contract) does not depend on StatefulSet 'orders-cache', so it may run before the rollout finishes; contract migrations must run after it.",
        ],
      ],
    },
  },

  // production-data-protected: Vercel production deployments, StatefulSet volumes, production namespaces.
  {
    title: "a Vercel production deployment that Vercel deletes when it is replaced is refused: it is a rollback target",
    name: "vercel-deployment-deleted-on-destroy",
    stack: "production",
    policyConfig: "team",
    addition: `new vercel.Deployment("shop-hotfix-build", { projectId: "prj_shophotfix01", ref: "4c1e8b2d9f0a7c3e5b6d8f1a2c4e6b8d0f2a4c6e", production: true, deleteOnDestroy: true });`,
    expect: {
      refusedBy: ["production-data-protected"],
      messages: [
        [
          "production-data-protected",
          "Vercel Deployment 'shop-hotfix-build' in production stack 'production' sets deleteOnDestroy: true; replacing it would delete the previous production deployment from Vercel, a rollback target.",
        ],
      ],
    },
  },
  {
    title: "an unprotected production StatefulSet that keeps its data in volume claim templates is refused",
    name: "statefulset-volumes-unprotected",
    stack: "production",
    policyConfig: "team",
    // In its own namespace: the example's contract migration waits for the rollout of its namespace only.
    addition: `new k8s.apps.v1.StatefulSet("orders-search", { metadata: { name: "orders-search", namespace: "search" }, spec: { serviceName: "orders-search", replicas: 2, selector: { matchLabels: { app: "orders-search" } }, template: { metadata: { labels: { app: "orders-search" } }, spec: { containers: [{ name: "search", image: ${js(API_IMAGE)}, args: ["search"] }] } }, volumeClaimTemplates: [{ metadata: { name: "index" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "20Gi" } } } }] } }, { provider: providers.kubernetes });`,
    expect: {
      refusedBy: ["production-data-protected"],
      messages: [
        [
          "production-data-protected",
          "StatefulSet 'orders-search' in production stack 'production' keeps its data in volumeClaimTemplates 'index' but is not protected (protect: false); a delete or replace would destroy production data.",
        ],
      ],
    },
  },
  {
    title: "a volume claim in the production namespace is production data whatever stack manages it",
    name: "staging-stack-production-claim",
    stack: "staging",
    policyConfig: "team",
    addition: `new k8s.core.v1.PersistentVolumeClaim("uploads", { metadata: { name: "uploads", namespace: "production" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "10Gi" } } } }, { provider: providers.kubernetes });`,
    // staging-isolation: staging writes into production's namespace at all.
    expect: {
      refusedBy: ["production-data-protected", "staging-isolation"],
      messages: [
        [
          "production-data-protected",
          "PersistentVolumeClaim 'uploads' in production namespace 'production' (stack 'staging') is not protected (protect: false); a delete or replace would destroy production data.",
        ],
      ],
    },
  },
  // Migrations travel with the release (#11): production runs only what staging ran for it, and a
  // contract migration waits until the expand it completes reached production.
  {
    title: "production running a migration staging did not run for the release is refused",
    name: "production-extra-migration",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) =>
        appendTo(doc, slipwayKey("apps", "kubernetes", "migrations"), {
          name: "backfill-order-totals",
          phase: "expand",
          app: "api",
          command: ["npm", "run", "backfill"],
        }),
      ),
    expect: {
      refusedBy: ["promote-validated-artifact"],
      messages: [
        [
          "promote-validated-artifact",
          "Release 1.4.0 runs migration expand backfill-order-totals in production, which staging did not run for it (staging ran: expand add-order-channel; contract drop-legacy-status).",
        ],
      ],
    },
  },
  {
    title: "a contract migration whose expand never reached production is refused on staging",
    name: "staging-premature-contract",
    stack: "staging",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "staging", (doc) =>
        appendTo(doc, slipwayKey("apps", "kubernetes", "migrations"), {
          name: "drop-order-notes-legacy",
          phase: "contract",
          // Its expand is in no release production ran: staging would contract a schema production still reads.
          completes: "add-order-notes-v2",
          app: "api",
          command: ["npm", "run", "migrate", "--", "--file", "migrations/V015__drop_channel_legacy.sql"],
        }),
      ),
    expect: {
      refusedBy: ["migration-order"],
      messages: [
        [
          "migration-order",
          "Release 1.5.0 runs contract migration drop-order-notes-legacy, which completes expand add-order-notes-v2, which no earlier release production ran has shipped (expands in production so far: add-status-v2, add-order-channel); contract only after a full release cycle (000 §7).",
        ],
      ],
    },
  },
];
