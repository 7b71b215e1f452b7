/**
 * Workflow mode (`slipway:migrations.mode: workflow`, 004 §3): the generated migrate-<stack>.yml
 * runs the release's migration apart from the deploy, approved in its own environment, and records
 * it in the ledger; the deploy job refuses a release whose migration is not recorded. Job mode
 * (the default) generates none of it.
 */
import { parse } from "yaml";
import { generateWorkflows } from "../../components/github/workflows";
import { actionlint } from "../support/actionlint";
import { exampleConfig } from "../support/project";

const storefront = exampleConfig("production").github.repositories.find((repo) => repo.name === "storefront")!;

const generate = (migrationsMode?: "job" | "workflow") =>
  generateWorkflows({
    repositories: [{ config: storefront }],
    deployStacks: ["staging", "production"],
    deploySecretNames: ["PULUMI_ACCESS_TOKEN", "DATABASE_URL"],
    migrationsMode,
  });
const file = (workflows: ReturnType<typeof generate>, path: string) => workflows.find((workflow) => workflow.path === path);

describe("migrations in their own approved workflow (workflow mode)", () => {
  const workflows = generate("workflow");
  const migrate = file(workflows, ".github/workflows/migrate-production.yml")!;
  const doc = parse(migrate.content);

  test("one migrate workflow per deploy stack, dispatched by hand, and the real actionlint reports nothing", () => {
    expect(workflows.filter((workflow) => workflow.path.includes("/migrate-")).map((workflow) => workflow.path)).toEqual([
      ".github/workflows/migrate-staging.yml",
      ".github/workflows/migrate-production.yml",
    ]);
    expect(Object.keys(doc.on)).toEqual(["workflow_dispatch"]);
    expect(actionlint(migrate.content, migrate.path)).toEqual([]);
    expect(actionlint(migrate.content.replace("${{ inputs.phase }}", "${{ inputs.phase "), migrate.path).length).toBeGreaterThan(0);
  });

  test("the migration runs in the stack's migrations environment, after the ledger allows it, and is recorded with its phase", () => {
    const job = doc.jobs.migrate;
    expect(job.environment).toEqual({ name: "production-migrations" });
    expect(job.concurrency).toEqual({ group: "deploy-production", "cancel-in-progress": false });
    const runs = job.steps.map((step: { run?: string }) => step.run ?? "");
    const check = runs.findIndex((run: string) => run.includes('ledger migrated --stack "$STACK" --before "$PHASE"'));
    const migration = runs.findIndex((run: string) => run.startsWith("npm run migrate -- --env production"));
    expect(check).toBeGreaterThan(-1);
    expect(migration).toBeGreaterThan(check);
    expect(job.steps[migration].env.DATABASE_URL).toBe("${{ secrets.DATABASE_URL }}");
    const record = doc.jobs.ledger.steps.find((step: { name?: string }) => step.name === "record migrated in the ledger");
    expect(doc.jobs.ledger.needs).toEqual(["migrate"]);
    expect(record.run).toContain('--kind migrated --stack "$STACK"');
    expect(record.run).toContain('--phase "$PHASE"');
    expect(record.run).toContain('--approvers "$APPROVERS"');
  });

  test("the deploy job refuses, before pulumi up, a release whose migration is not recorded", () => {
    const deploy = parse(file(workflows, ".github/workflows/deploy-staging.yml")!.content).jobs.deploy;
    const steps = deploy.steps as { run?: string; id?: string }[];
    const check = steps.findIndex((step) => (step.run ?? "").includes('ledger migrated --stack "$STACK"'));
    const up = steps.findIndex((step) => step.id === "pulumi-up");
    expect(check).toBeGreaterThan(-1);
    expect(up).toBeGreaterThan(check);
  });

  test("job mode (the default) generates no migration workflow and no check", () => {
    for (const workflows of [generate(), generate("job")]) {
      expect(workflows.filter((workflow) => workflow.path.includes("/migrate-"))).toEqual([]);
      expect(file(workflows, ".github/workflows/deploy-production.yml")!.content).not.toContain("ledger migrated");
    }
  });
});
