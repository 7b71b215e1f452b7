/**
 * The program in each migration mode (`slipway:migrations.mode`), run offline in a child process
 * on a copy of the production example: in `workflow` mode (004 §3, "never as part of the deploy
 * pipeline") it registers no migration Job, and registers the `production-migrations` environment
 * with the team's migration reviewers and the `migrate-<stack>.yml` workflows; in `job` mode (the
 * example as shipped) the Jobs run inside the release and neither the environment nor the
 * workflows exist.
 */
import { parse } from "yaml";
import type { RecordedResource } from "../../gate/model";
import { runStackInChild } from "../../gate/runInChild";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { copyProject, editStackFile, makeScratch, removeScratch, slipwayKey } from "../support/project";
import { TEAM_IDS } from "./harness";
import { REPO_ROOT } from "../support/project";

const JOB = "kubernetes:batch/v1:Job";
const ENVIRONMENT = "github:index/repositoryEnvironment:RepositoryEnvironment";

let scratch: string | undefined;
const runs: Record<"job" | "workflow", RecordedResource[]> = { job: [], workflow: [] };

beforeAll(async () => {
  scratch = makeScratch();
  const project = copyProject(scratch, "migrations-workflow");
  // What a team following 004 writes: the mode, who approves a migration run, and no Job inside the release.
  editStackFile(project, "production", (document) => {
    document.setIn(slipwayKey("migrations"), document.createNode({ mode: "workflow", reviewerTeams: ["sre-oncall"] }));
    document.deleteIn(slipwayKey("apps", "kubernetes", "migrations"));
  });
  const [job, workflow] = await Promise.all([
    runStackInChild({ projectDir: REPO_ROOT, stack: "production" }),
    runStackInChild({ projectDir: project, stack: "production" }),
  ]);
  runs.job = job.resources;
  runs.workflow = workflow.resources;
}, 240000);

afterAll(() => removeScratch(scratch));

const ofType = (resources: RecordedResource[], type: string) => resources.filter((resource) => resource.type === type);
const environmentNamed = (resources: RecordedResource[], name: string) =>
  ofType(resources, ENVIRONMENT).filter((resource) => resource.inputs.environment === name);
const workflowFiles = (resources: RecordedResource[]) =>
  ofType(resources, TYPES.repositoryFile).filter((resource) => String(resource.inputs.file).startsWith(".github/workflows/"));
const fileAt = (resources: RecordedResource[], file: string) => workflowFiles(resources).find((resource) => resource.inputs.file === file);

describe("workflow mode: the migration runs in its own approved workflow, not in pulumi up", () => {
  test("no migration Job is registered, while the rest of the release still is", () => {
    expect(ofType(runs.workflow, JOB)).toEqual([]);
    expect(ofType(runs.workflow, "kubernetes:apps/v1:Deployment").length).toBeGreaterThan(0);
  });

  test("the production-migrations environment exists, approved by the migration reviewers only, from the default branch only", () => {
    const [environment] = environmentNamed(runs.workflow, "production-migrations");
    expect(environment).toBeDefined();
    expect(environmentNamed(runs.workflow, "production-migrations")).toHaveLength(1);
    expect(environment.inputs.repository).toBe("storefront");
    expect(environment.inputs.reviewers).toEqual([{ teams: [TEAM_IDS["sre-oncall"]], users: [] }]);
    expect(environment.inputs.preventSelfReview).toBe(true);
    expect(environment.inputs.canAdminsBypass).toBe(false);
    expect(environment.inputs.deploymentBranchPolicy).toEqual({ protectedBranches: false, customBranchPolicies: true });
    const policies = ofType(
      runs.workflow,
      "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
    ).filter((policy) => policy.name.startsWith("storefront-production-migrations-"));
    expect(policies.map((policy) => policy.inputs.branchPattern ?? `tag ${String(policy.inputs.tagPattern)}`)).toEqual(["main"]);
  });

  test("migrate-<stack>.yml is generated for each deploy stack, runs in its stack's migrations environment, and the deploy checks its record", () => {
    const migrate = workflowFiles(runs.workflow)
      .map((resource) => String(resource.inputs.file))
      .filter((file) => file.includes("/migrate-"))
      .sort();
    expect(migrate).toEqual([".github/workflows/migrate-production.yml", ".github/workflows/migrate-staging.yml"]);
    const production = parse(String(fileAt(runs.workflow, ".github/workflows/migrate-production.yml")!.inputs.content));
    expect(production.jobs.migrate.environment).toEqual({ name: "production-migrations" });
    expect(String(fileAt(runs.workflow, ".github/workflows/deploy-production.yml")!.inputs.content)).toContain(
      'ledger migrated --stack "$STACK"',
    );
  });
});

describe("job mode (the example as shipped): the Jobs run inside the release", () => {
  test("the expand and contract Jobs are registered", () => {
    expect(
      ofType(runs.job, JOB)
        .map((job) => (job.inputs.metadata as { labels?: Record<string, string> }).labels?.["slipway.dev/migration"])
        .sort(),
    ).toEqual(["add-order-channel", "drop-legacy-status"]);
  });

  test("no migrations environment, no migrate workflow, and no deploy check of a migration record", () => {
    expect(ofType(runs.job, ENVIRONMENT).map((resource) => resource.inputs.environment)).not.toContain("production-migrations");
    expect(ofType(runs.job, ENVIRONMENT).length).toBeGreaterThan(0);
    expect(workflowFiles(runs.job).filter((resource) => String(resource.inputs.file).includes("/migrate-"))).toEqual([]);
    expect(String(fileAt(runs.job, ".github/workflows/deploy-production.yml")!.inputs.content)).not.toContain("ledger migrated");
  });
});
