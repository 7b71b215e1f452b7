import { deployJobGates, migrationOrder, noImplicitMigrations } from "../../policy-pack/policies/deployJobs";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { deployWorkflow, k8sDeployment, policyGate, repository, workflowFile } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, unknown, type Fixture } from "./harness";

type Jobs = Record<string, Record<string, unknown>>;

/** The production deploy workflow with its deploy job changed by `edit`. */
function productionWorkflow(edit: (deploy: Record<string, unknown>, jobs: Jobs) => void = () => undefined): Fixture {
    const workflow = deployWorkflow();
    const jobs = workflow.jobs as Jobs;
    edit(jobs.deploy, jobs);
    return workflowFile("deploy-production.yml", workflow);
}

describe("deploy-job-gates", () => {
    test("the production deploy job is gated, serialised, smoke-tested and marked", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow()))).toEqual([]);
    });

    test("production deploys need the tests", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow((deploy) => delete deploy.needs)))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' does not need the test jobs (needs: none), so it can deploy untested code.",
        ]);
    });

    test("a needed job must exist", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow((deploy) => (deploy.needs = "tests"))))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' needs 'tests', which is not a job of this workflow.",
        ]);
    });

    test("production deploys are serialised and never cancelled half-way", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow((deploy) => delete deploy.concurrency)))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' is not serialised (no concurrency group), so two production deploys can overlap.",
        ]);
        const cancelling = productionWorkflow((deploy) => (deploy.concurrency = { group: "deploy-production", "cancel-in-progress": true }));
        expect(messages(await runResourcePolicy(deployJobGates, cancelling))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' sets cancel-in-progress: true on concurrency group 'deploy-production', which would cancel a production deploy half-way.",
        ]);
    });

    test("a workflow-level concurrency group serialises the job too", async () => {
        const workflow = deployWorkflow();
        delete (workflow.jobs as Jobs).deploy.concurrency;
        workflow.concurrency = "deploy-production";
        expect(messages(await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", workflow)))).toEqual([]);
    });

    test("production deploys run smoke checks and write a deploy marker", async () => {
        const bare = productionWorkflow((deploy) => (deploy.steps = [{ id: "release", run: "./scripts/release.sh" }]));
        expect(messages(await runResourcePolicy(deployJobGates, bare))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' runs no smoke checks (no step with id 'smoke'; step ids: 'release').",
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' writes no deploy marker (no step with id 'deploy-marker').",
        ]);
    });

    test("the production deploy job uses the production environment", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow((deploy) => delete deploy.environment)))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' does not use the production environment (environment: none), so it deploys without production's approval and secrets scoping.",
        ]);
        expect(messages(await runResourcePolicy(deployJobGates, productionWorkflow((deploy) => (deploy.environment = "production"))))).toEqual([]);
    });

    test("the production workflow must have the deploy job", async () => {
        const renamed = productionWorkflow((deploy, jobs) => {
            jobs.ship = deploy;
            delete jobs.deploy;
        });
        expect(messages(await runResourcePolicy(deployJobGates, renamed))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) has no job 'deploy' (jobs: 'test', 'migrate', 'ship').",
        ]);
        expect(messages(await runResourcePolicy(deployJobGates, renamed, { config: { deployJobId: "ship" } }))).toEqual([]);
    });

    test("a production deploy job in another workflow is judged too", async () => {
        const workflow = deployWorkflow();
        delete (workflow.jobs as Jobs).deploy.needs;
        expect(messages(await runResourcePolicy(deployJobGates, workflowFile("release.yml", workflow)))).toHaveLength(1);
    });

    test("an unreadable production workflow fails", async () => {
        expect(messages(await runResourcePolicy(deployJobGates, workflowFile("deploy-production.yml", "jobs: [unclosed")))[0]).toMatch(
            /^RepositoryFile 'deploy-production' \(.github\/workflows\/deploy-production.yml\) cannot be read: .github\/workflows\/deploy-production.yml is not valid YAML/,
        );
    });

    test("the staging deploy and PR workflows are not applicable", async () => {
        expect((await runResourcePolicy(deployJobGates, workflowFile("deploy-staging.yml", deployWorkflow("staging")))).notApplicable).toBe("the workflow has no production deploy job");
        expect((await runResourcePolicy(deployJobGates, policyGate())).notApplicable).toBeDefined();
        expect((await runResourcePolicy(deployJobGates, repository())).notApplicable).toBe("only workflow files are judged");
    });

    test("workflow content unknown during preview is reported, not passed", async () => {
        const fixture = productionWorkflow();
        fixture.props.content = unknown;
        expect((await runResourcePolicy(deployJobGates, fixture)).unknown).toContain("string value at .content can't be known during preview");
    });
});

describe("no-implicit-migrations", () => {
    test("migrations in their own job pass", async () => {
        expect(messages(await runResourcePolicy(noImplicitMigrations, productionWorkflow()))).toEqual([]);
    });

    test("a migration inside the deploy job fails", async () => {
        const fixture = productionWorkflow((deploy) => (deploy.steps as unknown[]).unshift({ id: "db", run: "alembic upgrade head" }));
        expect(messages(await runResourcePolicy(noImplicitMigrations, fixture))).toEqual([
            "RepositoryFile 'deploy-production' (.github/workflows/deploy-production.yml) job 'deploy' step 'db' runs migrations inside the deploy ('alembic upgrade'); run them in a separate job the deploy needs.",
        ]);
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
        const procfile = { type: TYPES.repositoryFile, name: "procfile", props: { repository: "app", file: "Procfile", content: "web: gunicorn app:app\nrelease: python manage.py migrate\n" } };
        expect(messages(await runResourcePolicy(noImplicitMigrations, procfile))).toEqual([
            "RepositoryFile 'procfile' (Procfile) declares a Heroku release phase, which runs migrations implicitly on every deploy.",
        ]);
    });

    test("a container that migrates on start fails", async () => {
        const deployment = k8sDeployment("api", {}, { command: ["sh", "-c"], args: ["npx prisma migrate deploy && node server.js"] });
        expect(messages(await runResourcePolicy(noImplicitMigrations, deployment))).toEqual([
            "Deployment 'api' container 'api' runs migrations on container start ('migrate'); run them in a migration Job instead.",
        ]);
        expect(messages(await runResourcePolicy(noImplicitMigrations, k8sDeployment("api", {}, { command: ["node", "server.js"] })))).toEqual([]);
    });

    test("migrationCommandPatterns is configurable", async () => {
        const deployment = k8sDeployment("api", {}, { command: ["goose", "up"] });
        expect(messages(await runResourcePolicy(noImplicitMigrations, deployment))).toEqual([]);
        expect(messages(await runResourcePolicy(noImplicitMigrations, deployment, { config: { migrationCommandPatterns: ["goose\\s+up"] } }))).toHaveLength(1);
    });

    test("another resource type is not applicable", async () => {
        expect((await runResourcePolicy(noImplicitMigrations, repository())).notApplicable).toBe("the resource runs no deploy or container start");
    });
});

describe("migration-order", () => {
    const job = (name: string, phase: string, dependsOn: string[] = []): Fixture => ({
        type: TYPES.k8sJob,
        name,
        dependsOn,
        props: {
            metadata: { name, namespace: "app", labels: { "slipway.dev/migration-phase": phase } },
            spec: { template: { spec: { restartPolicy: "Never", containers: [{ name, image: "ghcr.io/acme/migrate@sha256:" + "c".repeat(64) }] } } },
        },
    });

    test("expand before the rollout, contract after it", async () => {
        const fixtures = [job("expand", "expand"), k8sDeployment("api", {}), k8sDeployment("web"), job("contract", "contract", ["api", "web"])];
        expect(messages(await runStackPolicy(migrationOrder, fixtures))).toEqual([]);
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

    test("a stack without migration Jobs is not applicable", async () => {
        expect((await runStackPolicy(migrationOrder, [k8sDeployment()])).notApplicable).toBe("the stack has no Job labelled slipway.dev/migration-phase");
    });
});
