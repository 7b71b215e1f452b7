/**
 * A GitHub Actions run of a deploy workflow, as the ledger records it and as the runner's
 * environment describes it: what `slipway ledger record` needs to be allowed to write.
 */
import type { WorkflowRun } from "../../release/ledger";

/** The repository whose deploy workflows write the fixture ledgers. */
export const FIXTURE_REPOSITORY = "acme/shop";

/** A run of `deploy-<stack>.yml` in the fixture repository, as the runner's environment describes it. */
export function fixtureRun(stack: "staging" | "production", id: number, repository = FIXTURE_REPOSITORY): WorkflowRun {
  const ref = stack === "staging" ? "refs/heads/main" : "refs/tags/v1.0.0";
  return {
    id: String(id),
    attempt: 1,
    url: `https://github.com/${repository}/actions/runs/${id}`,
    workflow: `${repository}/.github/workflows/deploy-${stack}.yml@${ref}`,
  };
}

/** The environment `ledger record` sees inside a run of `deploy-<stack>.yml` (of `repository`). */
export function runnerEnv(stack: "staging" | "production", id: number, repository = FIXTURE_REPOSITORY): Record<string, string> {
  const run = fixtureRun(stack, id, repository);
  return {
    GITHUB_ACTIONS: "true",
    GITHUB_RUN_ID: run.id,
    GITHUB_RUN_ATTEMPT: "1",
    GITHUB_SERVER_URL: "https://github.com",
    GITHUB_REPOSITORY: repository,
    GITHUB_WORKFLOW_REF: run.workflow,
    GITHUB_SHA: "f".repeat(40),
    GITHUB_ACTOR: "deploy-bot",
  };
}
