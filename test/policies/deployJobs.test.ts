import { parse, stringify } from "yaml";
import { DEFAULT_STAGING_SOAK_MINUTES } from "../../contract/release";
import { migrateWorkflow } from "../../components/github/migrations";
import { workflowYaml } from "../../components/github/workflows";
import { deployJobGates, migrationOrder, noImplicitMigrations } from "../../policy-pack/policies/deployJobs";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import {
  deployWorkflow,
  environment,
  k8sDeployment,
  manifestVariable,
  policyGate,
  releaseManifest,
  repository,
  workflowFile,
} from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, unknown, type Fixture } from "./harness";

type Jobs = Record<string, Record<string, unknown>>;

/** The production deploy workflow with its deploy job changed by `edit`. */
function productionWorkflow(edit: (deploy: Record<string, unknown>, jobs: Jobs) => void = () => undefined): Fixture {
  const workflow = deployWorkflow();
  const jobs = workflow.jobs as Jobs;
  edit(jobs.deploy, jobs);
  return workflowFile("deploy-production.yml", workflow);
}

/** How messages name Slipway's own production workflow fixture. */
const SLIPWAY = "RepositoryFile 'deploy-production' (repository 'app', .github/workflows/deploy-production.yml)";

/**
 * A workflow file of a team's own program: names Slipway never chooses (repository storefront,
 * `ship.yml`, job `release`, steps named by the team).
 */
function ownWorkflow(file: string, workflow: unknown, repository = "storefront"): Fixture {
  return {
    type: TYPES.repositoryFile,
    name: `${repository}-${file.replace(/\.ya?ml$/, "")}`,
    props: {
      repository,
      branch: "main",
      file: `.github/workflows/${file}`,
      content: typeof workflow === "string" ? workflow : stringify(workflow),
      commitMessage: "ci: ship",
      overwriteOnCreate: true,
    },
  };
}

/** How messages name ship.yml. */
const SHIP = "RepositoryFile 'storefront-ship' (repository 'storefront', .github/workflows/ship.yml)";

/** A complete production release job of the team's own: gated, serialised, smoke-checked and marked. */
function releaseJob(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "runs-on": "ubuntu-latest",
    needs: ["build"],
    environment: "production",
    concurrency: { group: "ship-production", "cancel-in-progress": false },
    steps: [
      { name: "ship it", run: "pulumi up --yes -s production" },
      { name: "probe", run: "curl -fsS https://acme.shop/healthz" },
      { name: "record", run: 'echo "shipped ${GITHUB_SHA}" >> "$GITHUB_STEP_SUMMARY"' },
    ],
    ...overrides,
  };
}

/** ship.yml: a build job and the release job (or other jobs). */
function ship(jobs: Jobs = { release: releaseJob() }): Fixture {
  return ownWorkflow("ship.yml", {
    name: "ship",
    on: { push: { tags: ["v*"] }, workflow_dispatch: {} },
    jobs: { build: { "runs-on": "ubuntu-latest", steps: [{ name: "unit tests", run: "npm test" }] }, ...jobs },
  });
}

/** The release job's steps with the deploy step replaced. */
function deployingWith(step: Record<string, unknown>): unknown[] {
  const steps = releaseJob().steps as unknown[];
  return [step, ...steps.slice(1)];
}

describe("deploy-job-gates", () => {
  test("the production deploy job is gated, serialised, smoke-tested and marked", async () => {
    expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow()))).toEqual([]);
  });

  test("production deploys need the tests", async () => {
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          productionWorkflow((deploy) => delete deploy.needs),
        ),
      ),
    ).toEqual([`${SLIPWAY} job 'deploy' does not need the test jobs (needs: none), so it can deploy untested code.`]);
  });

  test("a needed job must exist", async () => {
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          productionWorkflow((deploy) => (deploy.needs = "tests")),
        ),
      ),
    ).toEqual([`${SLIPWAY} job 'deploy' needs 'tests', which is not a job of this workflow.`]);
  });

  test("production deploys are serialised and never cancelled half-way", async () => {
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          productionWorkflow((deploy) => delete deploy.concurrency),
        ),
      ),
    ).toEqual([`${SLIPWAY} job 'deploy' is not serialised (no concurrency group), so two production deploys can overlap.`]);
    const cancelling = productionWorkflow((deploy) => (deploy.concurrency = { group: "deploy-production", "cancel-in-progress": true }));
    expect(messages(await runResourcePolicy(deployJobGates, cancelling))).toEqual([
      `${SLIPWAY} job 'deploy' sets cancel-in-progress: true on concurrency group 'deploy-production', which would cancel a production deploy half-way.`,
    ]);
  });

  test("a workflow-level concurrency group serialises the job too", async () => {
    const workflow = deployWorkflow();
    delete (workflow.jobs as Jobs).deploy.concurrency;
    workflow.concurrency = "deploy-production";
    expect(messages(await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", workflow)))).toEqual([]);
  });

  test("a concurrency group that differs on every run serialises nothing", async () => {
    const perRun = productionWorkflow(
      (deploy) => (deploy.concurrency = { group: "deploy-${{ github.run_id }}", "cancel-in-progress": false }),
    );
    expect(messages(await runResourcePolicy(deployJobGates, perRun))).toEqual([
      `${SLIPWAY} job 'deploy' is not serialised: its concurrency group 'deploy-\${{ github.run_id }}' differs on every run (github.run_id), so two production deploys can overlap.`,
    ]);
  });

  test("production deploys run smoke checks and write a deploy marker", async () => {
    const bare = productionWorkflow((deploy) => (deploy.steps = [{ id: "release", run: "./scripts/release.sh" }]));
    expect(messages(await runResourcePolicy(deployJobGates, bare))).toEqual([
      `${SLIPWAY} job 'deploy' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'release').`,
      `${SLIPWAY} job 'deploy' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
    ]);
  });

  test("the production deploy job uses the production environment", async () => {
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          productionWorkflow((deploy) => delete deploy.environment),
        ),
      ),
    ).toEqual([
      `${SLIPWAY} job 'deploy' does not use the production environment (environment: none), so it deploys without production's approval and secrets scoping.`,
    ]);
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          productionWorkflow((deploy) => (deploy.environment = "production")),
        ),
      ),
    ).toEqual([]);
  });

  test("the production deploy job may have any id: it is judged by its environment", async () => {
    const renamed = productionWorkflow((deploy, jobs) => {
      jobs.ship = deploy;
      delete jobs.deploy;
    });
    expect(messages(await runResourcePolicy(deployJobGates, renamed))).toEqual([]);
    const unfinished = productionWorkflow((deploy, jobs) => {
      jobs.ship = { ...deploy, needs: [] };
      delete jobs.deploy;
    });
    expect(messages(await runResourcePolicy(deployJobGates, unfinished))).toEqual([
      `${SLIPWAY} job 'ship' does not need the test jobs (needs: none), so it can deploy untested code.`,
    ]);
  });

  test("the designated production workflow must hold a production deploy job", async () => {
    const workflow = deployWorkflow();
    const jobs = workflow.jobs as Jobs;
    jobs.package = { ...jobs.deploy, needs: ["test"] };
    delete jobs.package.environment;
    delete jobs.deploy;
    delete jobs.migrate;
    expect(messages(await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", workflow)))).toEqual([
      `${SLIPWAY} has no production deploy job: no job uses the production environment or deploys to production (jobs: 'test', 'package').`,
    ]);
    expect(
      messages(
        await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", workflow), { config: { deployJobId: "package" } }),
      ),
    ).toEqual([
      `${SLIPWAY} job 'package' does not use the production environment (environment: none), so it deploys without production's approval and secrets scoping.`,
    ]);
  });

  test("an unreadable production workflow fails", async () => {
    expect(messages(await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", "jobs: [unclosed")))[0]).toMatch(
      /^RepositoryFile 'deploy-production' \(repository 'app', .github\/workflows\/deploy-production.yml\) cannot be read: .github\/workflows\/deploy-production.yml is not valid YAML/,
    );
  });

  test("the staging deploy and PR workflows are not applicable", async () => {
    expect((await runResourcePolicy(deployJobGates, workflowFile("deploy-staging.yml", deployWorkflow("staging")))).notApplicable).toBe(
      "the workflow has no production deploy job",
    );
    expect((await runResourcePolicy(deployJobGates, policyGate())).notApplicable).toBe("the workflow has no production deploy job");
    expect((await runResourcePolicy(deployJobGates, repository())).notApplicable).toBe(
      "only workflow files and Vercel projects are judged",
    );
  });

  // 003 §5.1: a production build is not released until its checks pass. A production Vercel
  // project that assigns its domains by itself makes the deploy job's smoke check come too late.
  describe("a production Vercel project puts no deployment on its domains before the smoke check", () => {
    const vercelProject = (props: Record<string, unknown>): Fixture => ({
      type: TYPES.vercelProject,
      name: "web",
      protect: true,
      props: { name: "web-production", ...props },
    });

    test("domains moved by aliases after the checks (autoAssignCustomDomains: false) pass", async () => {
      expect(messages(await runResourcePolicy(deployJobGates, vercelProject({ autoAssignCustomDomains: false })))).toEqual([]);
    });

    test("Vercel's default, or true, fails", async () => {
      expect(messages(await runResourcePolicy(deployJobGates, vercelProject({})))).toEqual([
        "Vercel Project 'web' assigns its production domains to every production deployment as soon as it is built (autoAssignCustomDomains: unset, Vercel's default true), so a release serves customers before the deploy job's smoke check.",
      ]);
      expect(messages(await runResourcePolicy(deployJobGates, vercelProject({ autoAssignCustomDomains: true })))).toHaveLength(1);
    });

    test("a staging project is not judged", async () => {
      expect((await runResourcePolicy(deployJobGates, vercelProject({}), { stack: "staging" })).notApplicable).toBe(
        "not a production stack's Vercel project",
      );
    });
  });

  test("workflow content unknown during preview is reported, not passed", async () => {
    const fixture = productionWorkflow();
    fixture.props.content = unknown;
    expect((await runResourcePolicy(deployJobGates, fixture)).unknown).toContain("string value at .content can't be known during preview");
  });

  test("a repository name unknown during preview does not stop the verdict", async () => {
    const fixture = ship({ release: releaseJob({ needs: [] }) });
    fixture.props.repository = unknown;
    expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
      "RepositoryFile 'storefront-ship' (repository '(known after apply)', .github/workflows/ship.yml) job 'release' does not need the test jobs (needs: none), so it can deploy untested code.",
    ]);
  });

  describe("production deploy jobs are recognised by what they do, in any workflow file", () => {
    test("an ungated `release` job in ship.yml that runs `pulumi up -s production` is refused", async () => {
      const bare = ship({ release: { "runs-on": "ubuntu-latest", steps: [{ name: "ship it", run: "pulumi up --yes -s production" }] } });
      expect(messages(await runResourcePolicy(deployJobGates, bare))).toEqual([
        `${SHIP} job 'release' does not use the production environment (environment: none) but deploys to production ('pulumi up --yes -s production'), so it deploys without production's approval and secrets scoping.`,
        `${SHIP} job 'release' does not need the test jobs (needs: none), so it can deploy untested code.`,
        `${SHIP} job 'release' is not serialised (no concurrency group), so two production deploys can overlap.`,
        `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'ship it').`,
        `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
      ]);
    });

    test("a job in the production environment is a production deploy job whatever it is called", async () => {
      const job = { "runs-on": "ubuntu-latest", environment: { name: "prod-eu" }, steps: [{ name: "go", run: "./bin/go --all" }] };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ go: job })))).toEqual([
        `${SHIP} job 'go' does not need the test jobs (needs: none), so it can deploy untested code.`,
        `${SHIP} job 'go' is not serialised (no concurrency group), so two production deploys can overlap.`,
        `${SHIP} job 'go' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'go').`,
        `${SHIP} job 'go' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
      ]);
    });

    const PINNED = "pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58";
    test.each([
      [
        "pulumi up with an org/project/stack",
        { name: "ship it", run: "pulumi up --yes --stack acme/storefront/production" },
        "pulumi up --yes --stack acme/storefront/production",
        {},
      ],
      [
        "pulumi/actions with command up",
        { name: "ship it", uses: PINNED, with: { command: "up", "stack-name": "production" } },
        `uses: ${PINNED}`,
        {},
      ],
      ["a stack selected before `pulumi up`", { name: "ship it", run: "pulumi stack select prod\npulumi up --yes" }, "pulumi up --yes", {}],
      [
        "a stack from the job's env",
        { name: "ship it", run: 'pulumi up --yes -s "$STACK"' },
        'pulumi up --yes -s "$STACK"',
        { env: { STACK: "live" } },
      ],
      [
        "a stack from the matrix",
        { name: "ship it", run: "pulumi up --yes -s ${{ matrix.stack }}" },
        "pulumi up --yes -s ${{ matrix.stack }}",
        { strategy: { matrix: { stack: ["staging", "production"] } } },
      ],
      ["vercel --prod", { name: "ship it", run: "npx vercel deploy --prebuilt --prod" }, "npx vercel deploy --prebuilt --prod", {}],
      [
        "a Heroku container release to an app no name calls non-production",
        { name: "ship it", run: "heroku container:release web -a acme-api" },
        "heroku container:release web -a acme-api",
        {},
      ],
      [
        "git push to Heroku",
        { name: "ship it", run: "git push https://git.heroku.com/acme-api.git HEAD:main" },
        "git push https://git.heroku.com/acme-api.git HEAD:main",
        {},
      ],
      [
        "kubectl apply of a production overlay",
        { name: "ship it", run: "kubectl apply -k k8s/overlays/production" },
        "kubectl apply -k k8s/overlays/production",
        {},
      ],
      [
        "kubectl rollout restart in a production context",
        { name: "ship it", run: "kubectl --context prod-eu rollout restart deployment/api" },
        "kubectl --context prod-eu rollout restart deployment/api",
        {},
      ],
      [
        "helm upgrade into a production namespace",
        { name: "ship it", run: "helm upgrade --install api ./chart --namespace production" },
        "helm upgrade --install api ./chart --namespace production",
        {},
      ],
    ])("%s deploys production", async (_title, step, shown, extra) => {
      const fixture = ship({ release: { ...releaseJob({ steps: deployingWith(step), ...extra }), environment: undefined } });
      expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
        `${SHIP} job 'release' does not use the production environment (environment: none) but deploys to production ('${shown}'), so it deploys without production's approval and secrets scoping.`,
      ]);
    });

    test("a production job running an action nothing knows is judged as a deploy", async () => {
      const job = {
        "runs-on": "ubuntu-latest",
        needs: ["build"],
        environment: "production",
        concurrency: "ship",
        steps: [{ name: "ship", uses: "acme/ship-action@0123456789abcdef0123456789abcdef01234567" }],
      };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release: job })))).toEqual([
        `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'ship').`,
        `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
      ]);
    });

    test("productionTargets names production targets whose name does not say so", async () => {
      const job = releaseJob({
        environment: "ops",
        steps: deployingWith({ name: "ship it", run: "heroku container:release web -a capecraft" }),
      });
      expect((await runResourcePolicy(deployJobGates, ship({ release: job }))).notApplicable).toBe(
        "the workflow has no production deploy job",
      );
      expect(
        messages(await runResourcePolicy(deployJobGates, ship({ release: job }), { config: { productionTargets: ["capecraft"] } })),
      ).toEqual([
        `${SHIP} job 'release' does not use the production environment (environment: ops) but deploys to production ('heroku container:release web -a capecraft'), so it deploys without production's approval and secrets scoping.`,
      ]);
    });

    test("productionStacks names production environments whose name does not say so", async () => {
      const job = { "runs-on": "ubuntu-latest", environment: "customers", steps: [{ name: "go", run: "./bin/go" }] };
      expect((await runResourcePolicy(deployJobGates, ship({ go: job }))).notApplicable).toBe("the workflow has no production deploy job");
      expect(
        messages(await runResourcePolicy(deployJobGates, ship({ go: job }), { config: { productionStacks: ["customers"] } })),
      ).toHaveLength(4);
    });

    test.each([
      ["a staging deploy", { environment: "staging", steps: [{ run: "pulumi up --yes -s staging" }] }],
      ["a Vercel preview deploy", { steps: [{ run: "npx vercel deploy --prebuilt" }] }],
      ["a Heroku release to a staging app", { steps: [{ run: "heroku container:release web -a acme-api-staging" }] }],
      [
        "a Heroku release from a job that declares a staging environment",
        { environment: "staging", steps: [{ run: "heroku container:release web -a acme-api" }] },
      ],
      ["a production preview", { steps: [{ run: "pulumi preview --stack production --diff" }] }],
      ["a deploy command that is only printed", { steps: [{ run: 'echo "run: pulumi up --stack production"' }] }],
      ["a rollout status check", { steps: [{ run: "kubectl rollout status deployment/api -n production" }] }],
      ["a production migration job", { environment: "production", steps: [{ run: "npx prisma migrate deploy" }] }],
      ["a kubectl apply with nothing that says production", { steps: [{ run: "kubectl apply -f k8s/" }] }],
      ["a Heroku review app", { steps: [{ run: "heroku container:release web -a shop-pr-${{ github.event.number }}" }] }],
      ["a staging stack of a project whose name says prod", { steps: [{ run: "pulumi up --yes -s acme/prod-tools/staging" }] }],
      [
        "a preview job in the production environment",
        {
          environment: "production",
          steps: [
            { uses: "actions/checkout@11d5960a326750d5838078e36cf38b85af677262" },
            { run: "npm ci" },
            { run: "pulumi preview --stack production --diff" },
          ],
        },
      ],
      [
        "a smoke job in the production environment",
        { environment: "production", steps: [{ run: "npm ci" }, { name: "golden path", run: "npm run test:smoke -- --env production" }] },
      ],
    ])("%s is not a production deploy", async (_title, job) => {
      expect((await runResourcePolicy(deployJobGates, ship({ job: { "runs-on": "ubuntu-latest", ...job } }))).notApplicable).toBe(
        "the workflow has no production deploy job",
      );
    });

    test("a complete release job under the team's own names passes", async () => {
      expect(messages(await runResourcePolicy(deployJobGates, ship()))).toEqual([]);
    });

    test("smoke checks and the marker may run in a job after the deploy", async () => {
      const release = releaseJob({ steps: [{ name: "ship it", run: "pulumi up --yes -s production" }] });
      const verify = {
        "runs-on": "ubuntu-latest",
        needs: ["release"],
        environment: "production",
        steps: [
          { name: "golden path", run: "npm run test:smoke -- --env production" },
          { name: "annotate", run: 'gh api repos/acme/storefront/statuses/"$GITHUB_SHA" -f state=success' },
        ],
      };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release, verify })))).toEqual([]);
    });

    test("a smoke job after the deploy that continues on error checks nothing", async () => {
      const release = releaseJob({
        steps: [
          { name: "ship it", run: "pulumi up --yes -s production" },
          { name: "record", run: 'echo "$GITHUB_SHA"' },
        ],
      });
      const verify = {
        "runs-on": "ubuntu-latest",
        needs: ["release"],
        "continue-on-error": true,
        steps: [{ name: "golden path", run: "npm run test:smoke" }],
      };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release, verify })))).toEqual([
        `${SHIP} job 'release' runs no real smoke check: step 'golden path' (job 'verify') is not one, its job sets continue-on-error: true, so its failure does not fail the run.`,
      ]);
    });

    test("a smoke check that fails the step explicitly is a real check", async () => {
      const steps = deployingWith({ name: "ship it", run: "pulumi up --yes -s production" });
      steps[1] = { name: "probe", run: 'if ! curl -s https://acme.shop/healthz | grep -q ok; then\n  echo "unhealthy"\n  exit 1\nfi' };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release: releaseJob({ steps }) })))).toEqual([]);
    });
  });

  describe("a smoke step must run a check that can fail", () => {
    test.each([
      ["true", { run: "true" }, "it runs only commands that cannot fail ('true')"],
      [":", { run: ":" }, "it runs only commands that cannot fail (':')"],
      ["exit 0", { run: "exit 0" }, "it runs only commands that cannot fail ('exit 0')"],
      ["only echo", { run: 'echo "smoke tests passed"' }, `it runs only commands that cannot fail ('echo "smoke tests passed"')`],
      ["an empty script", { run: "" }, "it runs nothing"],
      ["|| true", { run: "npm run test:smoke || true" }, "it never fails on a failed check ('npm run test:smoke || true')"],
      ["|| exit 0", { run: "npm run test:smoke || exit 0" }, "it never fails on a failed check ('npm run test:smoke || exit 0')"],
      ["set +e", { run: "set +e\nnpm run test:smoke" }, "it never fails on a failed check ('npm run test:smoke' runs after set +e)"],
      [
        "continue-on-error",
        { run: "npm run test:smoke", "continue-on-error": true },
        "it sets continue-on-error: true, so its failure does not fail the deploy",
      ],
    ])("a smoke step running %s is refused", async (_title, smoke, why) => {
      const fixture = productionWorkflow((deploy) => {
        const steps = deploy.steps as Record<string, unknown>[];
        steps[2] = { id: "smoke", ...smoke };
      });
      expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
        `${SLIPWAY} job 'deploy' runs no real smoke check: step 'smoke' is not one, ${why}.`,
      ]);
    });

    test("a health probe with curl but no --fail is refused", async () => {
      const steps = deployingWith({ name: "ship it", run: "pulumi up --yes -s production" });
      steps[1] = { name: "health", run: "curl -s https://acme.shop/healthz" };
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release: releaseJob({ steps }) })))).toEqual([
        `${SHIP} job 'release' runs no real smoke check: step 'health' is not one, it never fails on a failed check ('curl -s https://acme.shop/healthz' has no --fail).`,
      ]);
    });

    test("a smoke check before the deploy does not check it", async () => {
      const steps = deployingWith({ name: "ship it", run: "pulumi up --yes -s production" });
      const marker = steps[2];
      const fixture = ship({ release: releaseJob({ steps: [steps[1], steps[0], marker] }) });
      expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
        `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'probe', 'ship it', 'record').`,
      ]);
    });

    test("a deploy step named like a smoke check or a marker is neither", async () => {
      const steps = [
        { name: "deploy and health check", run: "pulumi up --yes -s production" },
        { name: "create deployment", run: "pulumi stack output url" },
      ];
      const fixture = ship({ release: releaseJob({ steps: [{ name: "deployment", run: "pulumi up --yes -s production" }] }) });
      expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
        `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'deployment').`,
        `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
      ]);
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release: releaseJob({ steps }) })))).toEqual([
        `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'deploy and health check', 'create deployment').`,
      ]);
    });

    test("a job that continues on error fails nothing", async () => {
      expect(messages(await runResourcePolicy(deployJobGates, ship({ release: releaseJob({ "continue-on-error": true }) })))).toEqual([
        `${SHIP} job 'release' sets continue-on-error: true, so a failed deploy or smoke check does not fail the run.`,
      ]);
    });
  });
});

describe("no-implicit-migrations", () => {
  test("migrations in their own job pass", async () => {
    expect(messages(await runResourcePolicy(noImplicitMigrations, productionWorkflow()))).toEqual([]);
  });

  test("a migration inside the deploy job fails", async () => {
    const fixture = productionWorkflow((deploy) => (deploy.steps as unknown[]).unshift({ id: "db", run: "alembic upgrade head" }));
    expect(messages(await runResourcePolicy(noImplicitMigrations, fixture))).toEqual([
      `${SLIPWAY} job 'deploy' deploys ('./scripts/release.sh') and its step 'db' runs migrations ('alembic upgrade head'); run them in a separate job the deploy needs.`,
    ]);
  });

  test("a migration in any job that deploys is refused, whatever the job and file are called", async () => {
    const steps = [...(releaseJob().steps as unknown[])];
    steps.splice(1, 0, { name: "schema", run: "npx prisma migrate deploy" });
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ release: releaseJob({ steps }) })))).toEqual([
      `${SHIP} job 'release' deploys ('pulumi up --yes -s production') and its step 'schema' runs migrations ('npx prisma migrate deploy'); run them in a separate job the deploy needs.`,
    ]);
  });

  test("a staging deploy job must not migrate either", async () => {
    const job = {
      "runs-on": "ubuntu-latest",
      environment: "staging",
      steps: [
        { name: "release", run: "heroku container:release web -a acme-api-staging" },
        { name: "db", run: 'heroku run -a acme-api-staging "python manage.py migrate"' },
      ],
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ publish: job })))).toEqual([
      `${SHIP} job 'publish' deploys ('heroku container:release web -a acme-api-staging') and its step 'db' runs migrations ('python manage.py migrate'); run them in a separate job the deploy needs.`,
    ]);
  });

  test.each([
    ["knex", "npx knex migrate:latest --env production"],
    ["sequelize", "npx sequelize-cli db:migrate"],
    ["rails", "bin/rails db:migrate"],
    ["rake", "bundle exec rake db:migrate"],
    ["alembic", "alembic upgrade head"],
    ["flask-migrate", "flask db upgrade"],
    ["flyway", 'flyway -url="$JDBC_URL" migrate'],
    ["liquibase", "liquibase --changelog-file=db/changelog.xml update"],
    ["goose", 'goose -dir db/migrations postgres "$DATABASE_URL" up'],
    ["golang-migrate", 'migrate -path db/migrations -database "$DATABASE_URL" up'],
    ["django", "python manage.py migrate --noinput"],
    ["npm run migrate", "npm run migrate"],
    ["yarn db:migrate", "yarn db:migrate"],
    ["make", "make heroku-run-migrate HEROKU_APP_NAME=capecraft"],
    ["a migration script", "./scripts/run-migrations.sh"],
    ["psql -f", 'psql "$DATABASE_URL" -f db/V14__orders.sql'],
    ["psql -c DDL", 'psql "$DATABASE_URL" -c "ALTER TABLE orders ADD COLUMN channel text"'],
    ["supabase db push", "supabase db push --include-all"],
    ["dbmate", "dbmate up"],
    ["atlas", "atlas migrate apply --env production"],
    ["a migration through sh -c", 'sh -c "npx prisma migrate deploy"', "npx prisma migrate deploy"],
  ])("%s is recognised as a migration", async (_title, command, shown = command) => {
    const steps = [...(releaseJob().steps as unknown[])];
    steps.unshift({ name: "schema", run: command });
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ release: releaseJob({ steps }) })))).toEqual([
      `${SHIP} job 'release' deploys ('pulumi up --yes -s production') and its step 'schema' runs migrations ('${shown}'); run them in a separate job the deploy needs.`,
    ]);
  });

  test.each([
    [
      "a migration job the deploy needs",
      {
        migrate: { "runs-on": "ubuntu-latest", environment: "production", steps: [{ run: "npx prisma migrate deploy" }] },
        release: releaseJob({ needs: ["build", "migrate"] }),
      },
    ],
    [
      "a CI job migrating its test database",
      { integration: { "runs-on": "ubuntu-latest", steps: [{ run: "npm run migrate && npm run test:integration" }] } },
    ],
    [
      "a deploy that only creates a migration file or checks them",
      {
        release: releaseJob({
          steps: [{ run: "npx knex migrate:make add_channel" }, { run: "npm run test:migrations" }, ...(releaseJob().steps as unknown[])],
        }),
      },
    ],
  ])("%s passes", async (_title, jobs) => {
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship(jobs as Jobs)))).toEqual([]);
  });

  test("a Heroku release phase fails", async () => {
    const release = { type: TYPES.herokuFormation, name: "release", props: { appId: "app", type: "release", quantity: 1, size: "basic" } };
    expect(messages(await runResourcePolicy(noImplicitMigrations, release))).toEqual([
      "Heroku Formation 'release' declares a release phase (type: release), which runs migrations implicitly on every deploy.",
    ]);
    const web = { type: TYPES.herokuFormation, name: "web", props: { appId: "app", type: "web", quantity: 2, size: "standard-1x" } };
    expect(messages(await runResourcePolicy(noImplicitMigrations, web))).toEqual([]);
  });

  test("a Procfile release line fails", async () => {
    const procfile = {
      type: TYPES.repositoryFile,
      name: "procfile",
      props: { repository: "app", file: "Procfile", content: "web: gunicorn app:app\nrelease: python manage.py migrate\n" },
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, procfile))).toEqual([
      "RepositoryFile 'procfile' (Procfile) declares a Heroku release phase, which runs migrations implicitly on every deploy.",
    ]);
  });

  test("a Procfile process that migrates on start fails", async () => {
    const procfile = {
      type: TYPES.repositoryFile,
      name: "api-procfile",
      props: {
        repository: "storefront",
        file: "apps/api/Procfile",
        content: "web: npx prisma migrate deploy && node dist/server.js\nworker: node dist/worker.js\n",
      },
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, procfile))).toEqual([
      "RepositoryFile 'api-procfile' (apps/api/Procfile) process 'web' runs migrations on start ('npx prisma migrate deploy'); run them in a separate job before the deploy.",
    ]);
  });

  test("a container that migrates on start fails", async () => {
    const deployment = k8sDeployment("api", {}, { command: ["sh", "-c"], args: ["npx prisma migrate deploy && node server.js"] });
    expect(messages(await runResourcePolicy(noImplicitMigrations, deployment))).toEqual([
      "Deployment 'api' container 'api' runs migrations on container start ('npx prisma migrate deploy'); run them in a migration Job instead.",
    ]);
    expect(messages(await runResourcePolicy(noImplicitMigrations, k8sDeployment("api", {}, { command: ["node", "server.js"] })))).toEqual(
      [],
    );
  });

  test("a StatefulSet whose init container migrates with a tool the old patterns missed fails", async () => {
    const statefulSet: Fixture = {
      type: TYPES.k8sStatefulSet,
      name: "ledger",
      props: {
        metadata: { name: "ledger", namespace: "payments" },
        spec: {
          serviceName: "ledger",
          selector: { matchLabels: { app: "ledger" } },
          template: {
            metadata: { labels: { app: "ledger" } },
            spec: {
              initContainers: [
                { name: "schema", image: `ghcr.io/acme/ledger@sha256:${"b".repeat(64)}`, command: ["dbmate", "--wait", "up"] },
              ],
              containers: [{ name: "ledger", image: `ghcr.io/acme/ledger@sha256:${"b".repeat(64)}`, args: ["serve"] }],
            },
          },
        },
      },
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, statefulSet))).toEqual([
      "StatefulSet 'ledger' init container 'schema' runs migrations on container start ('dbmate --wait up'); run them in a migration Job instead.",
    ]);
  });

  test("a container value unknown during preview is skipped, not read: the known ones are still judged", async () => {
    const deployment = k8sDeployment("api", {}, { command: ["sh", "-c", "goose up && ./server"], args: [unknown] });
    deployment.props.metadata = { name: unknown, namespace: "app" };
    const outcome = await runResourcePolicy(noImplicitMigrations, deployment);
    expect(outcome.unknown).toBeUndefined();
    expect(messages(outcome)).toEqual([
      "Deployment 'api' container 'api' runs migrations on container start ('goose up'); run them in a migration Job instead.",
    ]);
  });

  test("a Vercel build that migrates fails", async () => {
    const project = {
      type: TYPES.vercelProject,
      name: "shop",
      props: { name: "shop", framework: "nextjs", buildCommand: "prisma migrate deploy && next build" },
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, project))).toEqual([
      "Vercel Project 'shop' runs migrations in its buildCommand ('prisma migrate deploy'), so every deploy migrates implicitly; run them in a separate job before the deploy.",
    ]);
    expect(
      messages(await runResourcePolicy(noImplicitMigrations, { ...project, props: { ...project.props, buildCommand: "next build" } })),
    ).toEqual([]);
  });

  test("migrationCommandPatterns adds patterns to the built-in recognition", async () => {
    expect(messages(await runResourcePolicy(noImplicitMigrations, k8sDeployment("api", {}, { command: ["goose", "up"] })))).toHaveLength(1);
    const custom = k8sDeployment("api", {}, { command: ["bin/schema-sync", "--apply"] });
    expect(messages(await runResourcePolicy(noImplicitMigrations, custom))).toEqual([]);
    expect(
      messages(await runResourcePolicy(noImplicitMigrations, custom, { config: { migrationCommandPatterns: ["schema-sync\\s+--apply"] } })),
    ).toEqual([
      "Deployment 'api' container 'api' runs migrations on container start ('bin/schema-sync --apply'); run them in a migration Job instead.",
    ]);
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(noImplicitMigrations, repository())).notApplicable).toBe(
      "the resource runs no deploy or container start",
    );
  });
});

describe("migration-order", () => {
  const IMAGE = `ghcr.io/acme/migrate@sha256:${"c".repeat(64)}`;
  const job = (name: string, phase: string, dependsOn: string[] = []): Fixture => ({
    type: TYPES.k8sJob,
    name,
    dependsOn,
    props: {
      metadata: { name, namespace: "app", labels: { "slipway.dev/migration-phase": phase } },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name, image: IMAGE }] } } },
    },
  });
  /** A Job of the team's own: no label, only what it runs. */
  const ownJob = (name: string, command: string[], dependsOn: string[] = [], namespace = "app"): Fixture => ({
    type: TYPES.k8sJob,
    name,
    dependsOn,
    props: {
      metadata: { name, namespace },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "run", image: IMAGE, command }] } } },
    },
  });
  /** A workload that waits for `dependsOn`. */
  const dependingOn = (fixture: Fixture, ...dependsOn: string[]): Fixture => ({ ...fixture, dependsOn });
  const statefulSet = (name: string): Fixture => ({
    type: TYPES.k8sStatefulSet,
    name,
    props: {
      metadata: { name, namespace: "app" },
      spec: { serviceName: name, selector: { matchLabels: { app: name } }, template: { spec: { containers: [{ name, image: IMAGE }] } } },
    },
  });

  test("expand before the rollout, contract after it", async () => {
    const fixtures = [
      job("expand", "expand"),
      dependingOn(k8sDeployment("api", {}), "expand"),
      dependingOn(k8sDeployment("web"), "expand"),
      job("contract", "contract", ["api", "web"]),
    ];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([]);
  });

  test("job mode: the rollout waits for the expand Job to complete, or it may start on the old schema", async () => {
    const fixtures = [job("expand", "expand"), dependingOn(k8sDeployment("api"), "expand"), k8sDeployment("web"), statefulSet("ledger")];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([
      "Deployment 'web' does not depend on Job 'expand' (expand), so it may roll out before the migration completes; make it depend on the expand Job.",
      "StatefulSet 'ledger' does not depend on Job 'expand' (expand), so it may roll out before the migration completes; make it depend on the expand Job.",
    ]);
    // Through another resource counts; a workload of another namespace is not this migration's rollout.
    const gate = { type: TYPES.k8sConfigMap, name: "schema-ready", props: { data: {} }, dependsOn: ["expand"] };
    const elsewhere = {
      ...k8sDeployment("batch"),
      props: { ...k8sDeployment("batch").props, metadata: { name: "batch", namespace: "jobs" } },
    };
    expect(
      messages(
        await runStackPolicy(migrationOrder, [job("expand", "expand"), gate, dependingOn(k8sDeployment("api"), "schema-ready"), elsewhere]),
      ),
    ).toEqual([]);
  });

  test("an expand migration must not wait for the rollout", async () => {
    const fixtures = [k8sDeployment("api"), job("expand", "expand", ["api"])];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([
      "Job 'expand' (expand) depends on Deployment 'api', so it runs after the rollout; expand migrations must run before it.",
    ]);
  });

  test("a contract migration must wait for every Deployment of its namespace", async () => {
    const fixtures = [k8sDeployment("api"), k8sDeployment("web"), job("contract", "contract", ["api"])];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([
      "Job 'contract' (contract) does not depend on Deployment 'web', so it may run before the rollout finishes; contract migrations must run after it.",
    ]);
  });

  test("a contract migration must wait for the StatefulSets of its namespace too", async () => {
    const fixtures = [k8sDeployment("api"), statefulSet("ledger"), job("contract", "contract", ["api"])];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([
      "Job 'contract' (contract) does not depend on StatefulSet 'ledger', so it may run before the rollout finishes; contract migrations must run after it.",
    ]);
  });

  test("dependencies count transitively", async () => {
    const gate = { type: TYPES.k8sConfigMap, name: "rollout-done", props: { data: {} }, dependsOn: ["api"] };
    const fixtures = [k8sDeployment("api"), gate, job("contract", "contract", ["rollout-done"])];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([]);
  });

  test("an unknown phase fails", async () => {
    expect(messages(await runStackPolicy(migrationOrder, [job("migrate", "both")]))).toEqual([
      "Job 'migrate' has slipway.dev/migration-phase: 'both'; it must be 'expand' or 'contract'.",
    ]);
  });

  describe("migration Jobs are recognised by what they run, the label is only a hint", () => {
    test("an unlabelled Job that drops a column before the rollout finishes is refused", async () => {
      const cleanup = ownJob("orders-schema-cleanup", ["psql", "$(DATABASE_URL)", "-c", "ALTER TABLE orders DROP COLUMN legacy_status"]);
      expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), statefulSet("ledger"), cleanup]))).toEqual([
        "Job 'orders-schema-cleanup' (contract: 'ALTER TABLE orders DROP') does not depend on Deployment 'api', so it may run before the rollout finishes; contract migrations must run after it.",
        "Job 'orders-schema-cleanup' (contract: 'ALTER TABLE orders DROP') does not depend on StatefulSet 'ledger', so it may run before the rollout finishes; contract migrations must run after it.",
      ]);
      const after = ownJob(
        "orders-schema-cleanup",
        ["psql", "$(DATABASE_URL)", "-c", "ALTER TABLE orders DROP COLUMN legacy_status"],
        ["api", "ledger"],
      );
      expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), statefulSet("ledger"), after]))).toEqual([]);
    });

    test.each([
      [
        "a migration file named for what it drops",
        ["npm", "run", "migrate", "--", "--file", "migrations/V013__drop_legacy_status.sql"],
        "migrations/V013__drop_legacy_status.sql",
      ],
      ["pgroll complete", ["pgroll", "complete"], "pgroll complete"],
      ["TRUNCATE in a here-string script", ["sh", "-c", 'psql "$DATABASE_URL" -c "TRUNCATE audit_log_old"'], "TRUNCATE"],
    ])("%s is a contract", async (_title, command, evidence) => {
      expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), ownJob("schema-job", command)]))).toEqual([
        `Job 'schema-job' (contract: '${evidence}') does not depend on Deployment 'api', so it may run before the rollout finishes; contract migrations must run after it.`,
      ]);
    });

    test("an unlabelled additive migration after the rollout is refused as an expand", async () => {
      const fixtures = [k8sDeployment("api"), ownJob("add-channel", ["npx", "knex", "migrate:latest"], ["api"])];
      expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([
        "Job 'add-channel' (expand: 'npx knex migrate:latest') depends on Deployment 'api', so it runs after the rollout; expand migrations must run before it.",
      ]);
      expect(
        messages(
          await runStackPolicy(migrationOrder, [
            dependingOn(k8sDeployment("api"), "add-channel"),
            ownJob("add-channel", ["npx", "knex", "migrate:latest"]),
          ]),
        ),
      ).toEqual([]);
    });

    test("a Job labelled expand that drops is a contract", async () => {
      const mislabelled: Fixture = {
        ...job("expand", "expand"),
        props: {
          metadata: { name: "expand", namespace: "app", labels: { "slipway.dev/migration-phase": "expand" } },
          spec: { template: { spec: { containers: [{ name: "m", image: IMAGE, command: ["psql", "-c", "DROP TABLE legacy_orders"] }] } } },
        },
      };
      expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), mislabelled]))).toEqual([
        "Job 'expand' (labelled expand, but a contract: 'DROP TABLE') does not depend on Deployment 'api', so it may run before the rollout finishes; contract migrations must run after it.",
      ]);
    });

    test("a backfill and a Job that runs no migration are not judged", async () => {
      const fixtures = [
        k8sDeployment("api"),
        ownJob("backfill-channel", ["npm", "run", "migrate:backfill"], ["api"]),
        ownJob("report", ["node", "scripts/report.js"], ["api"]),
      ];
      expect((await runStackPolicy(migrationOrder, fixtures)).notApplicable).toBe(
        "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
      );
    });
  });

  test("a stack without migration Jobs is not applicable", async () => {
    expect((await runStackPolicy(migrationOrder, [k8sDeployment()])).notApplicable).toBe(
      "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
    );
  });
});

describe("migration-order: a release's contract migration waits a full release cycle (000 §7)", () => {
  const contract = { expand: [], contract: ["drop-legacy-status"], completes: { "drop-legacy-status": "add-status-v2" } };
  const withLedger = (expandsInProduction: string[]) =>
    releaseManifest({
      migrations: contract,
      ledger: { changeRequests: ["CR-1042"], validatedChangeRequests: ["CR-1042"], expandsInProduction, rollback: null },
    });

  test("a contract migration whose expand shipped in an earlier release production ran passes", async () => {
    expect(messages(await runStackPolicy(migrationOrder, [manifestVariable(withLedger(["add-status-v2"]))]))).toEqual([]);
  });

  test("a contract migration whose expand has not reached production fails, in any stack", async () => {
    expect(messages(await runStackPolicy(migrationOrder, [manifestVariable(withLedger(["add-order-channel"]), "staging")]))).toEqual([
      "Release v1.4.0 runs contract migration drop-legacy-status, which completes expand add-status-v2, which no earlier release production ran has shipped (expands in production so far: add-order-channel); contract only after a full release cycle (000 §7).",
    ]);
  });

  test("a contract migration that names no expand fails", async () => {
    const manifest = releaseManifest({ migrations: { expand: [], contract: ["drop-everything"] } });
    expect(messages(await runStackPolicy(migrationOrder, [manifestVariable(manifest)]))).toEqual([
      "Release v1.4.0 runs contract migration drop-everything, which names no expand migration it completes (expands in production so far: none); contract only after a full release cycle (000 §7).",
    ]);
  });
});

describe("migration-order: workflow mode, a migration workflow runs only once approved (004 §3)", () => {
  const SETTINGS = {
    nodeVersion: "20",
    ledgerBranch: "slipway-ledger",
    deploySecretNames: ["DATABASE_URL"],
    stagingSoakMinutes: DEFAULT_STAGING_SOAK_MINUTES,
    migrationsMode: "workflow" as const,
  };
  /** The generated migrate-production.yml, as the program commits it. */
  const generated = (): Fixture => workflowFile("migrate-production.yml", parse(workflowYaml(migrateWorkflow("production", SETTINGS))));

  test("Slipway's migration workflow in an environment with reviewers passes", async () => {
    expect(messages(await runStackPolicy(migrationOrder, [generated(), environment("production-migrations")]))).toEqual([]);
  });

  test("Slipway's migration workflow in an environment nobody approves fails", async () => {
    expect(messages(await runStackPolicy(migrationOrder, [generated(), environment("production-migrations", { reviewers: [] })]))).toEqual([
      "RepositoryFile 'migrate-production' (repository 'app', .github/workflows/migrate-production.yml) job 'migrate' runs migrations ('npm run migrate -- --env production --phase \"$PHASE\"') in environment 'production-migrations', which has no reviewers (RepositoryEnvironment 'production-migrations-environment'), so nobody approves the migration; give the environment required reviewers (004 §3).",
    ]);
  });

  test("any program's migration job is judged by the tool it runs and the environment it uses", async () => {
    const own = (reviewers: unknown[]) => [
      workflowFile("db.yml", {
        name: "db",
        on: { workflow_dispatch: {} },
        jobs: { upgrade: { "runs-on": "ubuntu-latest", environment: { name: "prod-db" }, steps: [{ run: "alembic upgrade head" }] } },
      }),
      environment("prod-db", { reviewers }),
    ];
    expect(messages(await runStackPolicy(migrationOrder, own([{ teams: [7], users: [] }])))).toEqual([]);
    expect(messages(await runStackPolicy(migrationOrder, own([])))).toEqual([
      "RepositoryFile 'db' (repository 'app', .github/workflows/db.yml) job 'upgrade' runs migrations ('alembic upgrade head') in environment 'prod-db', which has no reviewers (RepositoryEnvironment 'prod-db-environment'), so nobody approves the migration; give the environment required reviewers (004 §3).",
    ]);
    // GitHub's environment names are case-insensitive: the job's `Prod-DB` is the managed `prod-db`.
    const shouted = own([]);
    const file = shouted[0];
    file.props = { ...file.props, content: String(file.props.content).replace("name: prod-db", "name: Prod-DB") };
    expect(String(file.props.content)).toContain("Prod-DB");
    expect(messages(await runStackPolicy(migrationOrder, shouted))).toEqual([
      "RepositoryFile 'db' (repository 'app', .github/workflows/db.yml) job 'upgrade' runs migrations ('alembic upgrade head') in environment 'Prod-DB', which has no reviewers (RepositoryEnvironment 'prod-db-environment'), so nobody approves the migration; give the environment required reviewers (004 §3).",
    ]);
    // A CI job migrating its test database uses no environment, so no environment's credentials.
    const ci = workflowFile("ci.yml", {
      name: "ci",
      on: { push: {} },
      jobs: { it: { "runs-on": "ubuntu-latest", steps: [{ run: "npm run migrate && npm test" }] } },
    });
    expect((await runStackPolicy(migrationOrder, [ci, environment("staging", { reviewers: [] })])).notApplicable).toBe(
      "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
    );
  });
});

describe("no-implicit-migrations: Heroku process files, other builds and hand-written deploy jobs", () => {
  /** A Heroku process file of the team's own. */
  const processFile = (file: string, content: string): Fixture => ({
    type: TYPES.repositoryFile,
    name: "api-heroku",
    props: { repository: "storefront", file, content },
  });

  test("a heroku.yml release phase runs migrations on every deploy", async () => {
    const release =
      "build:\n  docker:\n    web: Dockerfile\nrelease:\n  image: web\n  command:\n    - ./bin/migrate\nrun:\n  web: node server.js\n";
    expect(messages(await runResourcePolicy(noImplicitMigrations, processFile("heroku.yml", release)))).toEqual([
      "RepositoryFile 'api-heroku' (heroku.yml) declares a Heroku release phase, which runs migrations implicitly on every deploy.",
    ]);
    expect(
      messages(
        await runResourcePolicy(
          noImplicitMigrations,
          processFile("heroku.yml", "build:\n  docker:\n    web: Dockerfile\nrun:\n  web: node server.js\n"),
        ),
      ),
    ).toEqual([]);
  });

  test("a release phase nested under heroku.yml's build is a release phase too", async () => {
    const nested = "build:\n  docker:\n    web: Dockerfile\n  release:\n    image: web\n    command:\n      - ./bin/migrate\n";
    expect(messages(await runResourcePolicy(noImplicitMigrations, processFile("apps/api/heroku.yaml", nested)))).toEqual([
      "RepositoryFile 'api-heroku' (apps/api/heroku.yaml) declares a Heroku release phase, which runs migrations implicitly on every deploy.",
    ]);
  });

  test("a heroku.yml process that migrates on start is refused, in either form of run", async () => {
    const content = [
      "build:",
      "  docker:",
      "    web: Dockerfile",
      "run:",
      "  web: npx prisma migrate deploy && node server.js",
      "  worker:",
      "    command:",
      "      - npx knex migrate:latest && node worker.js",
      "    image: web",
      "  clock: node clock.js",
      "",
    ].join("\n");
    expect(messages(await runResourcePolicy(noImplicitMigrations, processFile("heroku.yml", content)))).toEqual([
      "RepositoryFile 'api-heroku' (heroku.yml) process 'web' runs migrations on start ('npx prisma migrate deploy'); run them in a separate job before the deploy.",
      "RepositoryFile 'api-heroku' (heroku.yml) process 'worker' runs migrations on start ('npx knex migrate:latest'); run them in a separate job before the deploy.",
    ]);
  });

  test("an unreadable heroku.yml still shows its release line", async () => {
    expect(messages(await runResourcePolicy(noImplicitMigrations, processFile("heroku.yml", "release: [unclosed\nrun: {")))).toEqual([
      "RepositoryFile 'api-heroku' (heroku.yml) declares a Heroku release phase, which runs migrations implicitly on every deploy.",
    ]);
  });

  test("a file that is neither a workflow nor a Heroku process file is not judged", async () => {
    expect(
      (await runResourcePolicy(noImplicitMigrations, processFile("docs/migrate.md", "run: npx prisma migrate deploy"))).notApplicable,
    ).toBe("the file is neither a workflow nor a Heroku process file");
  });

  test("an unreadable workflow is left to workflow-injection-safe", async () => {
    expect((await runResourcePolicy(noImplicitMigrations, ownWorkflow("ship.yml", "jobs: [unclosed"))).notApplicable).toMatch(
      /^the workflow cannot be read \(.*not valid YAML.*\); workflow-injection-safe reports it$/,
    );
  });

  test("a Vercel install command that migrates is refused", async () => {
    const project = {
      type: TYPES.vercelProject,
      name: "shop",
      props: { name: "shop", installCommand: "npm ci && npx prisma migrate deploy" },
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, project))).toEqual([
      "Vercel Project 'shop' runs migrations in its installCommand ('npx prisma migrate deploy'), so every deploy migrates implicitly; run them in a separate job before the deploy.",
    ]);
  });

  test("a migration action in a deploy job is refused", async () => {
    const steps = [{ name: "schema", uses: "joshuaavalon/flyway-action@v3" }, ...(releaseJob().steps as unknown[])];
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ release: releaseJob({ steps }) })))).toEqual([
      `${SHIP} job 'release' deploys ('pulumi up --yes -s production') and its step 'schema' runs migrations ('uses: joshuaavalon/flyway-action@v3'); run them in a separate job the deploy needs.`,
    ]);
  });

  test("a production job that deploys by a script nothing recognises must not migrate either", async () => {
    const job = {
      "runs-on": "ubuntu-latest",
      environment: "production",
      steps: [
        { name: "db", run: "alembic upgrade head" },
        { name: "go", run: "./bin/go --all" },
      ],
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ go: job })))).toEqual([
      `${SHIP} job 'go' deploys (environment: production) and its step 'db' runs migrations ('alembic upgrade head'); run them in a separate job the deploy needs.`,
    ]);
  });

  test("migrationCommandPatterns recognise a team's own migration command in a deploy job", async () => {
    const steps = [{ name: "schema", run: "bin/schema-sync --apply" }, ...(releaseJob().steps as unknown[])];
    const fixture = ship({ release: releaseJob({ steps }) });
    expect(messages(await runResourcePolicy(noImplicitMigrations, fixture))).toEqual([]);
    expect(
      messages(
        await runResourcePolicy(noImplicitMigrations, fixture, { config: { migrationCommandPatterns: ["SCHEMA-SYNC\\s+--apply"] } }),
      ),
    ).toEqual([
      `${SHIP} job 'release' deploys ('pulumi up --yes -s production') and its step 'schema' runs migrations ('bin/schema-sync --apply'); run them in a separate job the deploy needs.`,
    ]);
  });
});

describe("deploy-job-gates: hand-written production workflows", () => {
  /** ship.yml with the release job's steps replaced. */
  const releasing = (steps: unknown[], overrides: Record<string, unknown> = {}): Fixture =>
    ship({ release: releaseJob({ steps, ...overrides }) });
  const SHIP_IT = { name: "ship it", run: "pulumi up --yes -s production" };
  const PROBE = { name: "probe", run: "curl -fsS https://acme.shop/healthz" };
  const NO_MARKER = `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`;

  test("a smoke check of staging before the production deploy does not check production", async () => {
    const steps = [
      { name: "stage", run: "pulumi up --yes -s staging" },
      { name: "probe staging", run: "curl -fsS https://staging.acme.shop/healthz" },
      SHIP_IT,
      { name: "record", run: 'echo "shipped ${GITHUB_SHA}" >> "$GITHUB_STEP_SUMMARY"' },
    ];
    expect(messages(await runResourcePolicy(deployJobGates, releasing(steps)))).toEqual([
      `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'stage', 'probe staging', 'ship it', 'record').`,
    ]);
    expect(messages(await runResourcePolicy(deployJobGates, releasing([steps[0], SHIP_IT, steps[1], steps[3]])))).toEqual([]);
  });

  test("a smoke check run by an action counts; an action that deploys is no smoke check by its name", async () => {
    const smokeAction = { name: "smoke", uses: "acme/smoke-action@0123456789abcdef0123456789abcdef01234567" };
    const marker = { name: "record", run: 'echo "shipped ${GITHUB_SHA}"' };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, smokeAction, marker])))).toEqual([]);
    const deployingAction = {
      name: "deploy and smoke",
      uses: "acme/deploy-action@0123456789abcdef0123456789abcdef01234567",
      with: { app: "production" },
    };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, deployingAction, marker])))).toEqual([
      `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'ship it', 'deploy and smoke', 'record').`,
    ]);
  });

  test.each([["grafana deployment"], ["sentry deployments"], ["grafana annotation"], ["datadog annotations"]])(
    "a step named '%s' after the deploy is its marker",
    async (name) => {
      expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { name, run: "./scripts/notify.sh" }])))).toEqual(
        [],
      );
      expect(
        messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { name: "notify", run: "./scripts/notify.sh" }]))),
      ).toEqual([NO_MARKER]);
    },
  );

  test("a step that only says it records the deploy, or checks the code out, is no marker", async () => {
    for (const marker of [
      { id: "deploy-marker", run: "true" },
      { id: "deploy-marker", run: ":" },
      { id: "deploy-marker", run: "exit 0" },
      { id: "deploy-marker", run: "exit" },
      { name: "deployment marker", uses: "actions/checkout@11d5960a326750d5838078e36cf38b85af677262" },
    ]) {
      expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, marker])))).toEqual([NO_MARKER]);
    }
    expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { id: "deploy-marker", run: "exit 1" }])))).toEqual(
      [],
    );
  });

  test("a marker step that runs a no-op by its path (/bin/true, /usr/bin/true) records nothing", async () => {
    for (const run of ["/bin/true", "/usr/bin/true"]) {
      expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { id: "deploy-marker", run }])))).toEqual([
        NO_MARKER,
      ]);
    }
    expect(
      messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { id: "deploy-marker", run: "/opt/acme/bin/mark" }]))),
    ).toEqual([]);
  });

  test("a step that records the commit after the deploy is a marker, wherever it names the commit", async () => {
    const notify = { name: "notify", uses: "slackapi/slack-github-action@0123456789abcdef0123456789abcdef01234567" };
    for (const marker of [
      { ...notify, with: { payload: "shipped ${{ github.sha }}" } },
      { name: "notify", run: "./scripts/notify.sh", env: { SHIPPED: "${{ github.event.after }}" } },
    ]) {
      expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, marker])))).toEqual([]);
    }
    expect(
      messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { ...notify, with: { payload: "shipped" } }]))),
    ).toEqual([NO_MARKER]);
  });

  test("a step that records the commit before the deploy marks nothing", async () => {
    const record = { name: "record", run: 'echo "shipping ${GITHUB_SHA}" >> "$GITHUB_STEP_SUMMARY"' };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([record, SHIP_IT, PROBE])))).toEqual([NO_MARKER]);
  });

  test("a deploy command holding a credential is not quoted; a long one is shortened", async () => {
    const leaky = { name: "ship it", run: "git push https://heroku:hunter2hunter2@git.heroku.com/acme-api.git HEAD:main" };
    const bare = (step: Record<string, unknown>) =>
      ship({ release: { ...releaseJob({ steps: deployingWith(step) }), environment: undefined } });
    expect(messages(await runResourcePolicy(deployJobGates, bare(leaky)))).toEqual([
      `${SHIP} job 'release' does not use the production environment (environment: none) but deploys to production ('(not shown: it looks like it holds a credential)'), so it deploys without production's approval and secrets scoping.`,
    ]);
    const long = `pulumi up --yes -s production ${Array.from({ length: 12 }, (_, index) => `--target urn:step:${index}`).join(" ")}`;
    const [message] = messages(await runResourcePolicy(deployJobGates, bare({ name: "ship it", run: long })));
    expect(message).toContain(`deploys to production ('${long.slice(0, 99)}…')`);
  });

  test("a workflow path written with a leading ./ or / is still a workflow, and a designated one is still designated", async () => {
    for (const file of ["./.github/workflows/ship.yml", "/.github/workflows/ship.yml"]) {
      const fixture = ship({ release: releaseJob({ needs: [] }) });
      fixture.props.file = file;
      expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
        `RepositoryFile 'storefront-ship' (repository 'storefront', ${file}) job 'release' does not need the test jobs (needs: none), so it can deploy untested code.`,
      ]);
    }
    const broken = ownWorkflow("ship.yml", "jobs: [unclosed");
    expect((await runResourcePolicy(deployJobGates, broken)).notApplicable).toBe("not a production deploy workflow");
    for (const designated of ["./.github/workflows/ship.yml", "/.github/workflows/ship.yml"]) {
      const productionWorkflows = [".github/workflows/deploy-production.yml", designated];
      expect(messages(await runResourcePolicy(deployJobGates, broken, { config: { productionWorkflows } }))[0]).toMatch(
        /^RepositoryFile 'storefront-ship' \(repository 'storefront', .github\/workflows\/ship.yml\) cannot be read: /,
      );
    }
  });

  test("a file that is not a workflow is not judged", async () => {
    const notes = ownWorkflow("ship.yml", { jobs: { release: releaseJob({ needs: [] }) } });
    notes.props.file = "docs/ship.yml";
    expect((await runResourcePolicy(deployJobGates, notes)).notApplicable).toBe("not a workflow file");
  });

  test("a workflow with no repository is still judged, and named with '?'", async () => {
    const fixture = ship({ release: releaseJob({ needs: [] }) });
    delete fixture.props.repository;
    expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
      "RepositoryFile 'storefront-ship' (repository '?', .github/workflows/ship.yml) job 'release' does not need the test jobs (needs: none), so it can deploy untested code.",
    ]);
  });

  test("a production Vercel project that assigns its domains explicitly is refused with the value it sets", async () => {
    const project: Fixture = { type: TYPES.vercelProject, name: "web", props: { name: "web-production", autoAssignCustomDomains: true } };
    expect(messages(await runResourcePolicy(deployJobGates, project))).toEqual([
      "Vercel Project 'web' assigns its production domains to every production deployment as soon as it is built (autoAssignCustomDomains: true), so a release serves customers before the deploy job's smoke check.",
    ]);
  });
});

describe("migration-order: who approves a migration workflow (004 §3)", () => {
  /** db.yml: a job migrating in environment `prod-db`. */
  const migrating = (environmentName = "prod-db"): Fixture =>
    workflowFile("db.yml", {
      name: "db",
      on: { workflow_dispatch: {} },
      jobs: { upgrade: { "runs-on": "ubuntu-latest", environment: environmentName, steps: [{ run: "alembic upgrade head" }] } },
    });
  const UNAPPROVED =
    "RepositoryFile 'db' (repository 'app', .github/workflows/db.yml) job 'upgrade' runs migrations ('alembic upgrade head') in environment 'prod-db', which has no reviewers (RepositoryEnvironment 'prod-db-environment'), so nobody approves the migration; give the environment required reviewers (004 §3).";

  test.each([
    ["one user", [{ users: [42] }]],
    ["one team and one user", [{ teams: [7], users: [42] }]],
  ])("an environment whose reviewers are %s has reviewers", async (_title, reviewers) => {
    expect(messages(await runStackPolicy(migrationOrder, [migrating(), environment("prod-db", { reviewers })]))).toEqual([]);
    expect(
      messages(await runStackPolicy(migrationOrder, [migrating(), environment("prod-db", { reviewers: [{ teams: [], users: [] }] })])),
    ).toEqual([UNAPPROVED]);
  });

  test("a workflow the deploy checks read first, with other production names, is judged the same", async () => {
    // The resource checks derive the file's facts under their production names; the stack check
    // reuses what they found of its migration jobs, which no production name changes.
    await runResourcePolicy(noImplicitMigrations, migrating(), { config: { productionStacks: ["prod-db", "live"] } });
    expect(messages(await runStackPolicy(migrationOrder, [migrating(), environment("prod-db", { reviewers: [] })]))).toEqual([UNAPPROVED]);
    // The same file, its job now in an environment with reviewers: judged by its new text.
    expect(
      messages(await runStackPolicy(migrationOrder, [migrating("prod-db-approved"), environment("prod-db", { reviewers: [] })])).length,
    ).toBe(0);
  });

  test("an environment of the same name in another repository is not the one the job runs in", async () => {
    const elsewhere = environment("prod-db", { repository: "billing", reviewers: [] });
    expect((await runStackPolicy(migrationOrder, [migrating(), elsewhere])).notApplicable).toBe(
      "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
    );
    // GitHub's repository names are case-insensitive too.
    expect(
      messages(await runStackPolicy(migrationOrder, [migrating(), environment("prod-db", { repository: "App", reviewers: [] })])),
    ).toEqual([UNAPPROVED]);
  });

  test("a migration workflow in an approved environment needs nothing more, even without a Kubernetes Job", async () => {
    const outcome = await runStackPolicy(migrationOrder, [migrating(), environment("prod-db")]);
    expect(outcome.notApplicable).toBeUndefined();
    expect(messages(outcome)).toEqual([]);
  });

  test("a workflow whose content is unknown during preview, or unreadable, is skipped, not failed", async () => {
    const pending = migrating();
    pending.props.content = unknown;
    const broken = workflowFile("db.yml", "jobs: [unclosed");
    for (const file of [pending, broken]) {
      expect((await runStackPolicy(migrationOrder, [file, environment("prod-db", { reviewers: [] })])).notApplicable).toBe(
        "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
      );
    }
  });
});

describe("deploy-job-gates: smoke checks and markers as teams write them", () => {
  const releasing = (steps: unknown[]): Fixture => ship({ release: releaseJob({ steps }) });
  const SHIP_IT = { name: "ship it", run: "pulumi up --yes -s production" };
  const PROBE = { name: "probe", run: "curl -fsS https://acme.shop/healthz" };
  const RECORD = { name: "record", run: 'echo "shipped ${GITHUB_SHA}" >> "$GITHUB_STEP_SUMMARY"' };
  const NO_SMOKE = (steps: string) =>
    `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: ${steps}).`;
  const NO_MARKER = `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`;

  test("a step named as a smoke check counts by its name, and must still be able to fail", async () => {
    expect(
      messages(
        await runResourcePolicy(
          deployJobGates,
          releasing([SHIP_IT, { name: "post-deploy smoke", run: "./scripts/check-prod.sh" }, RECORD]),
        ),
      ),
    ).toEqual([]);
    expect(
      messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, { name: "post-deploy smoke", run: "echo ok" }, RECORD]))),
    ).toEqual([
      `${SHIP} job 'release' runs no real smoke check: step 'post-deploy smoke' is not one, it runs only commands that cannot fail ('echo ok').`,
    ]);
  });

  test("a deploy command that mentions health checks is no smoke check", async () => {
    const helm = { name: "ship it", run: "helm upgrade --install api ./chart --namespace production --set healthcheck.enabled=true" };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([helm, RECORD])))).toEqual([NO_SMOKE("'ship it', 'record'")]);
  });

  test("a deploy step that checks health and records the commit after deploying checks and marks the deploy", async () => {
    const oneStep = {
      name: "ship it",
      run: 'pulumi up --yes -s production\ncurl -fsS https://acme.shop/healthz\necho "shipped $GITHUB_SHA" >> "$GITHUB_STEP_SUMMARY"',
    };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([oneStep])))).toEqual([]);
  });

  test("one real smoke check is enough beside a step that only claims to be one", async () => {
    expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, { id: "smoke", run: "true" }, PROBE, RECORD])))).toEqual(
      [],
    );
  });

  test("a verification job after the deploy that records nothing leaves the deploy unmarked", async () => {
    const release = releaseJob({ steps: [SHIP_IT] });
    const verify = { "runs-on": "ubuntu-latest", needs: ["release"], steps: [{ name: "golden path", run: "npm run test:smoke" }] };
    expect(messages(await runResourcePolicy(deployJobGates, ship({ release, verify })))).toEqual([NO_MARKER]);
  });

  test("a marker step that runs a real command after a no-op line is a marker; one that only sets a variable is not", async () => {
    const marked = { id: "deploy-marker", run: ': "mark the deploy"\n./scripts/mark-deploy.sh' };
    expect(messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, marked])))).toEqual([]);
    expect(
      messages(await runResourcePolicy(deployJobGates, releasing([SHIP_IT, PROBE, { id: "deploy-marker", run: "MARKED=1" }]))),
    ).toEqual([NO_MARKER]);
  });

  test("a command is quoted with its whitespace collapsed, in full up to 100 characters", async () => {
    const bare = (run: string) =>
      ship({ release: { ...releaseJob({ steps: deployingWith({ name: "ship it", run }) }), environment: undefined } });
    const spaced = "pulumi up   --yes\t-s production";
    expect(messages(await runResourcePolicy(deployJobGates, bare(spaced)))[0]).toContain(
      "deploys to production ('pulumi up --yes -s production')",
    );
    const hundred = `pulumi up --yes -s production --message ${"x".repeat(100 - "pulumi up --yes -s production --message ".length)}`;
    expect(hundred).toHaveLength(100);
    expect(messages(await runResourcePolicy(deployJobGates, bare(hundred)))[0]).toContain(`deploys to production ('${hundred}')`);
  });

  test("a RepositoryFile with no path is no workflow; a production workflow with no content is refused, not passed", async () => {
    const pathless = ship();
    delete pathless.props.file;
    expect((await runResourcePolicy(deployJobGates, pathless)).notApplicable).toBe("not a workflow file");
    const empty = productionWorkflow();
    delete empty.props.content;
    expect(messages(await runResourcePolicy(deployJobGates, empty))).toEqual([
      `${SLIPWAY} cannot be read: .github/workflows/deploy-production.yml has no 'jobs' map.`,
    ]);
  });
});

describe("no-implicit-migrations: process files as they are really written", () => {
  const procfile = (file: string, content: string): Fixture => ({
    type: TYPES.repositoryFile,
    name: "api-procfile",
    props: { repository: "storefront", file, content },
  });
  const WEB_MIGRATES =
    "RepositoryFile 'api-procfile' (Procfile) process 'web' runs migrations on start ('npx prisma migrate deploy'); run them in a separate job before the deploy.";

  test("a Procfile with Windows line endings, or no space after the colon, is read the same", async () => {
    for (const content of [
      "web: npx prisma migrate deploy && node server.js\r\nworker: node worker.js\r\n",
      "web:npx prisma migrate deploy && node server.js\n",
    ]) {
      expect(messages(await runResourcePolicy(noImplicitMigrations, procfile("Procfile", content)))).toEqual([WEB_MIGRATES]);
    }
  });

  test("a commented-out Procfile line runs nothing", async () => {
    const content = "# release: python manage.py migrate\n# web: npx prisma migrate deploy && node server.js\nweb: node server.js\n";
    expect(messages(await runResourcePolicy(noImplicitMigrations, procfile("Procfile", content)))).toEqual([]);
    expect(messages(await runResourcePolicy(noImplicitMigrations, procfile("Procfile", content.replace(/# /g, ""))))).toHaveLength(2);
  });

  test("a local Procfile.dev or an example heroku.yml is not what Heroku runs", async () => {
    for (const file of ["Procfile.dev", "heroku.yml.example"]) {
      expect((await runResourcePolicy(noImplicitMigrations, procfile(file, "release: npx prisma migrate deploy\n"))).notApplicable).toBe(
        "the file is neither a workflow nor a Heroku process file",
      );
    }
  });

  test("a container whose name is missing, or unknown during preview, is still judged", async () => {
    for (const name of [undefined, unknown]) {
      const deployment = k8sDeployment("api", {}, { name, command: ["sh", "-c", "goose up && ./server"] });
      expect(messages(await runResourcePolicy(noImplicitMigrations, deployment))).toEqual([
        "Deployment 'api' container '?' runs migrations on container start ('goose up'); run them in a migration Job instead.",
      ]);
    }
  });

  test("a job called like the deploy job that migrates is judged as a deploy job, even if it deploys nothing recognisable", async () => {
    const job = {
      "runs-on": "ubuntu-latest",
      steps: [
        { name: "db", run: "alembic upgrade head" },
        { name: "go", run: "./bin/go" },
      ],
    };
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ deploy: job })))).toEqual([
      `${SHIP} job 'deploy' deploys and its step 'db' runs migrations ('alembic upgrade head'); run them in a separate job the deploy needs.`,
    ]);
    expect(messages(await runResourcePolicy(noImplicitMigrations, ship({ publish: job })))).toEqual([]);
  });
});

describe("migration-order: namespaces, names and releases as teams write them", () => {
  const IMAGE = `ghcr.io/acme/migrate@sha256:${"c".repeat(64)}`;
  /** An unlabelled Job running `command`, in `namespace` (none: the provider's default). */
  const migrationJob = (
    name: string,
    command: string[],
    options: { dependsOn?: string[]; namespace?: unknown; metadataName?: unknown } = {},
  ): Fixture => ({
    type: TYPES.k8sJob,
    name,
    dependsOn: options.dependsOn ?? [],
    props: {
      metadata: { name: "metadataName" in options ? options.metadataName : name, namespace: options.namespace },
      spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "run", image: IMAGE, command }] } } },
    },
  });
  const inNamespace = (fixture: Fixture, namespace: unknown): Fixture => ({
    ...fixture,
    props: { ...fixture.props, metadata: { name: fixture.name, namespace } },
  });
  const EXPAND = ["npx", "knex", "migrate:latest"];
  const CONTRACT = ["psql", "-c", "ALTER TABLE orders DROP COLUMN legacy_status"];

  test("a Job and a Deployment with no namespace are both in the default namespace", async () => {
    expect(
      messages(await runStackPolicy(migrationOrder, [inNamespace(k8sDeployment("api"), "default"), migrationJob("add-channel", EXPAND)])),
    ).toEqual([
      "Deployment 'api' does not depend on Job 'add-channel' (expand: 'npx knex migrate:latest'), so it may roll out before the migration completes; make it depend on the expand Job.",
    ]);
    expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), migrationJob("add-channel", EXPAND)]))).toEqual([]);
  });

  test("a namespace unknown during preview is taken as the rollout's own: the order is still required", async () => {
    for (const [jobNamespace, workloadNamespace] of [
      [unknown, "app"],
      ["app", unknown],
    ]) {
      const workload = inNamespace(k8sDeployment("api"), workloadNamespace);
      expect(
        messages(await runStackPolicy(migrationOrder, [workload, migrationJob("add-channel", EXPAND, { namespace: jobNamespace })])),
      ).toEqual([
        "Deployment 'api' does not depend on Job 'add-channel' (expand: 'npx knex migrate:latest'), so it may roll out before the migration completes; make it depend on the expand Job.",
      ]);
      expect(
        messages(await runStackPolicy(migrationOrder, [workload, migrationJob("drop-status", CONTRACT, { namespace: jobNamespace })])),
      ).toEqual([
        "Job 'drop-status' (contract: 'ALTER TABLE orders DROP') does not depend on Deployment 'api', so it may run before the rollout finishes; contract migrations must run after it.",
      ]);
    }
  });

  test("a contract migration does not wait for the workloads of another namespace", async () => {
    const fixtures = [
      k8sDeployment("api"),
      inNamespace(k8sDeployment("batch"), "jobs"),
      migrationJob("drop-status", CONTRACT, { dependsOn: ["api"], namespace: "app" }),
    ];
    expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([]);
  });

  test("a Job whose Kubernetes name says it drops is a contract, whatever its program name", async () => {
    const named = migrationJob("schema-job", EXPAND, { namespace: "app", metadataName: "orders-drop-legacy-status" });
    expect(messages(await runStackPolicy(migrationOrder, [k8sDeployment("api"), named]))).toEqual([
      "Job 'schema-job' (contract: 'orders-drop-legacy-status') does not depend on Deployment 'api', so it may run before the rollout finishes; contract migrations must run after it.",
    ]);
  });

  test("a release whose contract migration is in order needs nothing more, even without a Kubernetes Job", async () => {
    const manifest = releaseManifest({
      migrations: { expand: [], contract: ["drop-legacy-status"], completes: { "drop-legacy-status": "add-status-v2" } },
      ledger: { changeRequests: ["CR-1042"], validatedChangeRequests: ["CR-1042"], expandsInProduction: ["add-status-v2"], rollback: null },
    });
    const outcome = await runStackPolicy(migrationOrder, [manifestVariable(manifest)]);
    expect(outcome.notApplicable).toBeUndefined();
    expect(messages(outcome)).toEqual([]);
  });

  test("a release without migrations, or an unreadable one, is not this policy's", async () => {
    for (const variable of [manifestVariable(releaseManifest()), manifestVariable("{not json")]) {
      expect((await runStackPolicy(migrationOrder, [variable])).notApplicable).toBe(
        "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations",
      );
    }
  });

  test("a premature contract names every expand production has run, and a release without ledger facts has run none", async () => {
    const migrations = { expand: [], contract: ["drop-legacy-status"], completes: { "drop-legacy-status": "add-status-v2" } };
    const ledger = {
      changeRequests: ["CR-1042"],
      validatedChangeRequests: ["CR-1042"],
      expandsInProduction: ["add-order-channel", "add-sku-index"],
      rollback: null,
    };
    expect(messages(await runStackPolicy(migrationOrder, [manifestVariable(releaseManifest({ migrations, ledger }))]))).toEqual([
      "Release v1.4.0 runs contract migration drop-legacy-status, which completes expand add-status-v2, which no earlier release production ran has shipped (expands in production so far: add-order-channel, add-sku-index); contract only after a full release cycle (000 §7).",
    ]);
    expect(messages(await runStackPolicy(migrationOrder, [manifestVariable(releaseManifest({ migrations, ledger: undefined }))]))).toEqual([
      "Release v1.4.0 runs contract migration drop-legacy-status, which completes expand add-status-v2, which no earlier release production ran has shipped (expands in production so far: none); contract only after a full release cycle (000 §7).",
    ]);
  });

  test("only jobs that migrate, in a managed environment of that name, and only workflow files are judged", async () => {
    const db = (file: string, steps: unknown[]): Fixture => {
      const fixture = workflowFile("db.yml", {
        name: "db",
        on: { workflow_dispatch: {} },
        jobs: { upgrade: { "runs-on": "ubuntu-latest", environment: "prod-db", steps } },
      });
      fixture.props.file = file;
      return fixture;
    };
    const unapproved = [environment("prod-db", { reviewers: [] }), environment("staging", { reviewers: [] })];
    const NOTHING_TO_JUDGE =
      "the stack has no migration Job (none runs a migration command or is labelled slipway.dev/migration-phase) and no release manifest declaring migrations";
    expect(
      (await runStackPolicy(migrationOrder, [db(".github/workflows/db.yml", [{ run: "./bin/report" }]), ...unapproved])).notApplicable,
    ).toBe(NOTHING_TO_JUDGE);
    expect(
      (await runStackPolicy(migrationOrder, [db("docs/db.yml", [{ run: "alembic upgrade head" }]), ...unapproved])).notApplicable,
    ).toBe(NOTHING_TO_JUDGE);
    expect(
      messages(await runStackPolicy(migrationOrder, [db(".github/workflows/db.yml", [{ run: "alembic upgrade head" }]), ...unapproved])),
    ).toEqual([
      "RepositoryFile 'db' (repository 'app', .github/workflows/db.yml) job 'upgrade' runs migrations ('alembic upgrade head') in environment 'prod-db', which has no reviewers (RepositoryEnvironment 'prod-db-environment'), so nobody approves the migration; give the environment required reviewers (004 §3).",
    ]);
  });
});

describe("the hints a team configures, and messages on one line", () => {
  test("smokeStepId and deployMarkerStepId name a team's own smoke and marker steps", async () => {
    const steps = [
      { name: "ship it", run: "pulumi up --yes -s production" },
      { id: "verify", run: "./scripts/check-prod.sh" },
      { id: "stamp", run: "./scripts/stamp.sh" },
    ];
    const fixture = ship({ release: releaseJob({ steps }) });
    expect(messages(await runResourcePolicy(deployJobGates, fixture))).toEqual([
      `${SHIP} job 'release' runs no smoke checks after it deploys (no step with id 'smoke' nor one running a smoke or health check; steps: 'ship it', 'verify', 'stamp').`,
      `${SHIP} job 'release' writes no deploy marker (no step with id 'deploy-marker' nor one recording the commit SHA after the deploy).`,
    ]);
    expect(
      messages(await runResourcePolicy(deployJobGates, fixture, { config: { smokeStepId: "verify", deployMarkerStepId: "stamp" } })),
    ).toEqual([]);
  });

  test("a heroku.yml process in exec form (a list of words) is read as one command, and a commented-out release is none", async () => {
    const content =
      "# release: ./bin/migrate (moved to the migrate job)\nrun:\n  web:\n    command:\n      - npx\n      - prisma\n      - migrate\n      - deploy\n";
    expect(
      messages(
        await runResourcePolicy(noImplicitMigrations, {
          type: TYPES.repositoryFile,
          name: "api-heroku",
          props: { repository: "storefront", file: "heroku.yml", content },
        }),
      ),
    ).toEqual([
      "RepositoryFile 'api-heroku' (heroku.yml) process 'web' runs migrations on start ('npx prisma migrate deploy'); run them in a separate job before the deploy.",
    ]);
  });
});
