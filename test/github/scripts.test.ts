/**
 * The scripts the generated workflows run in actions/github-script, run here exactly as the
 * workflow files carry them (read back from the generated YAML), against a fake of the issues API
 * that keeps comments and issues in memory: the pull request gets one verdict comment, updated in
 * place; each stack gets one drift issue, opened on a failure and updated after.
 */
import { parse } from "yaml";
import { generateWorkflows } from "../../components/github/workflows";
import { DRIFT_LABEL, GATE_COMMENT_MARKER } from "../../components/github/scripts";
import { exampleConfig } from "../support/project";

type Step = { uses?: string; env?: Record<string, string>; with?: { script?: string } };
type Workflow = { jobs: Record<string, { steps: Step[] }> };

const production = exampleConfig("production");
const generated = generateWorkflows({
  repositories: production.github.repositories.map((config) => ({ config })),
  deployStacks: production.github.deployStacks,
  deployRepositories: ["storefront"],
});

/** The script of a job's github-script step, as the workflow file has it. */
function scriptOf(file: string, job: string): string {
  const workflow = parse(generated.find((w) => w.path === `.github/workflows/${file}`)!.content) as Workflow;
  const script = workflow.jobs[job].steps.find((step) => step.with?.script !== undefined)?.with?.script;
  if (script === undefined) throw new Error(`${file} job ${job} runs no script`);
  return script;
}

interface Author {
  login: string;
  type: "Bot" | "User";
}
const BOT: Author = { login: "github-actions[bot]", type: "Bot" };
const PERSON: Author = { login: "mallory", type: "User" };

interface Comment {
  id: number;
  issue: number;
  body: string;
  user: Author;
  html_url: string;
}
interface Issue {
  number: number;
  title: string;
  body: string;
  labels: string[];
  state: "open" | "closed";
  user: Author;
  html_url: string;
  pull_request?: unknown;
}

/** GitHub's issues API, as much of it as the scripts use, over in-memory comments and issues. */
class FakeGitHub {
  comments: Comment[] = [];
  issues: Issue[] = [];
  /** The writes made, in order. */
  writes: string[] = [];
  private next = 100;

  readonly rest = {
    issues: {
      listComments: async (params: { issue_number: number }) => ({
        data: this.comments.filter((comment) => comment.issue === params.issue_number),
      }),
      createComment: async (params: { issue_number: number; body: string }) => {
        const comment = { id: this.next++, issue: params.issue_number, body: params.body, user: BOT, html_url: `comment-${this.next}` };
        this.comments.push(comment);
        this.writes.push(`createComment #${params.issue_number}`);
        return { data: comment };
      },
      updateComment: async (params: { comment_id: number; body: string }) => {
        this.comments.find((comment) => comment.id === params.comment_id)!.body = params.body;
        this.writes.push(`updateComment ${params.comment_id}`);
        return { data: {} };
      },
      listForRepo: async (params: { state: string; labels: string }) => ({
        data: this.issues.filter(
          (issue) => (params.state === "all" || issue.state === params.state) && issue.labels.includes(params.labels),
        ),
      }),
      create: async (params: { title: string; body: string; labels: string[] }) => {
        const issue: Issue = {
          number: this.next++,
          title: params.title,
          body: params.body,
          labels: params.labels,
          state: "open",
          user: BOT,
          html_url: "issue",
        };
        this.issues.push(issue);
        this.writes.push(`create "${params.title}"`);
        return { data: issue };
      },
      update: async (params: { issue_number: number; body: string; state?: string }) => {
        const issue = this.issues.find((candidate) => candidate.number === params.issue_number)!;
        issue.body = params.body;
        if (params.state !== undefined) issue.state = params.state as Issue["state"];
        this.writes.push(`update #${params.issue_number}${params.state !== undefined ? ` state=${params.state}` : ""}`);
        return { data: issue };
      },
    },
  };

  /** Like Octokit's: every page of a list method, flattened (one page here). */
  async paginate<T>(method: (params: never) => Promise<{ data: T[] }>, params: unknown): Promise<T[]> {
    return (await method(params as never)).data;
  }
}

const context = {
  actor: "sre-lead",
  repo: { owner: "acme", repo: "storefront" },
  serverUrl: "https://github.com",
  runId: 4242,
  payload: { pull_request: { number: 7, head: { sha: "abc1234def5678" } } },
};

const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as new (
  ...args: string[]
) => (...values: unknown[]) => Promise<unknown>;

/** Run a script as actions/github-script does: an async function of `github`, `context` and `core`, with the step's env. */
/** The outputs the last run set (`core.setOutput`). */
let outputs: Record<string, string> = {};

async function run(script: string, github: FakeGitHub, env: Record<string, string>): Promise<string[]> {
  const logged: string[] = [];
  outputs = {};
  const core = {
    info: (line: string) => logged.push(line),
    setOutput: (name: string, value: string) => {
      outputs[name] = value;
    },
    setFailed: (message: string) => logged.push(`failed: ${message}`),
  };
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    await new AsyncFunction("github", "context", "core", script)(github, context, core);
  } finally {
    for (const name of Object.keys(env)) delete process.env[name];
    Object.assign(process.env, saved);
  }
  return logged;
}

const PASS = "## slipway gate\n\nStack production: PASS - no violations";
const FAIL = "## slipway gate\n\nStack production: FAIL - `required-status-checks`: main no longer requires `unit`";

describe("the pull request's verdict comment (policy-gate.yml, job gate-comment)", () => {
  const script = scriptOf("policy-gate.yml", "gate-comment");

  test("the first run creates the comment; every later run updates that one comment in place", async () => {
    const github = new FakeGitHub();
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: FAIL, SLIPWAY_GATE_RESULT: "failure" });
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: PASS, SLIPWAY_GATE_RESULT: "success" });
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: PASS, SLIPWAY_GATE_RESULT: "success" });
    expect(github.writes).toEqual(["createComment #7", "updateComment 100", "updateComment 100"]);
    expect(github.comments).toHaveLength(1);
    const [comment] = github.comments;
    expect(comment.body.startsWith(`${GATE_COMMENT_MARKER}\n`)).toBe(true);
    expect(comment.body).toContain(PASS);
    expect(comment.body).not.toContain("FAIL");
    expect(comment.body).toContain("slipway gate on abc1234: https://github.com/acme/storefront/actions/runs/4242");
  });

  test("only a comment a bot wrote counts: a person's comment quoting the marker is left alone", async () => {
    const github = new FakeGitHub();
    github.comments.push({ id: 1, issue: 7, body: `${GATE_COMMENT_MARKER}\nlooks fine to me`, user: PERSON, html_url: "theirs" });
    github.comments.push({ id: 2, issue: 8, body: `${GATE_COMMENT_MARKER}\nanother pull request`, user: BOT, html_url: "other" });
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: PASS, SLIPWAY_GATE_RESULT: "success" });
    expect(github.writes).toEqual(["createComment #7"]);
    expect(github.comments.map((comment) => comment.body.split("\n")[1])).toEqual([
      "looks fine to me",
      "another pull request",
      PASS.split("\n")[0],
    ]);
  });

  test("a gate that reached no verdict says so, instead of an empty comment", async () => {
    const github = new FakeGitHub();
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: "", SLIPWAY_GATE_RESULT: "failure" });
    expect(github.comments[0].body).toContain("The gate reached no verdict (its job: failure); the run says why.");
  });

  test("a verdict longer than a comment holds is cut, and says where the rest is", async () => {
    const github = new FakeGitHub();
    await run(script, github, { SLIPWAY_GATE_MARKDOWN: `${FAIL}\n${"| a | row |\n".repeat(8000)}`, SLIPWAY_GATE_RESULT: "failure" });
    const body = github.comments[0].body;
    expect(body.length).toBeLessThanOrEqual(65536);
    expect(body).toContain("(cut here: the run's summary has the whole verdict)");
  });
});

describe("the drift issue (drift.yml, job report-production)", () => {
  const script = scriptOf("drift.yml", "report-production");
  const failing = {
    SLIPWAY_STACK: "production",
    SLIPWAY_RESULT: "failure",
    SLIPWAY_PREVIEW: "failure",
    SLIPWAY_GATE: "success",
    SLIPWAY_GATE_MARKDOWN: PASS,
  };
  const passing = {
    SLIPWAY_STACK: "production",
    SLIPWAY_RESULT: "success",
    SLIPWAY_PREVIEW: "success",
    SLIPWAY_GATE: "success",
    SLIPWAY_GATE_MARKDOWN: PASS,
  };

  test("a passing check with no open issue writes nothing", async () => {
    const github = new FakeGitHub();
    await run(script, github, passing);
    expect(github.writes).toEqual([]);
  });

  test("drift opens one issue, labelled drift, naming what failed; the next failure updates it instead of opening another", async () => {
    const github = new FakeGitHub();
    await run(script, github, failing);
    await run(script, github, { ...failing, SLIPWAY_PREVIEW: "success", SLIPWAY_GATE: "failure", SLIPWAY_GATE_MARKDOWN: FAIL });
    expect(github.writes).toEqual(['create "Drift: stack production differs from its config"', "update #100"]);
    expect(github.issues).toHaveLength(1);
    const [issue] = github.issues;
    expect(issue.labels).toEqual([DRIFT_LABEL]);
    expect(issue.body.startsWith("<!-- slipway-drift:production -->\n")).toBe(true);
    expect(issue.body).toContain(": drift found** (https://github.com/acme/storefront/actions/runs/4242)");
    // The latest run's findings: the gate's verdict on the export, no longer the preview's.
    expect(issue.body).toContain("`slipway gate --state` on the stack's export judged what runs today and found a violation");
    expect(issue.body).toContain(FAIL);
    expect(issue.body).not.toContain("`pulumi preview --refresh --expect-no-changes` found changes");
  });

  test("a pass after drift notes it at the top of the open issue, keeps the findings and closes nothing", async () => {
    const github = new FakeGitHub();
    await run(script, github, failing);
    await run(script, github, passing);
    expect(github.writes).toEqual(['create "Drift: stack production differs from its config"', "update #100"]);
    const [issue] = github.issues;
    expect(issue.state).toBe("open");
    const [marker, status, ...findings] = issue.body.split("\n");
    expect(marker).toBe("<!-- slipway-drift:production -->");
    expect(status).toMatch(
      /^\*\*\d{4}-\d\d-\d\d \d\d:\d\d UTC: the drift check passed\*\* \(https:\/\/github\.com\/acme\/storefront\/actions\/runs\/4242\)\. Close this issue once/,
    );
    expect(findings.join("\n")).toContain("`pulumi preview --refresh --expect-no-changes` found changes, or could not run");
  });

  test("each stack has its own issue; a closed one is history, and new drift opens a new issue", async () => {
    const github = new FakeGitHub();
    github.issues.push({
      number: 1,
      title: "old",
      body: "<!-- slipway-drift:production -->\nold",
      labels: [DRIFT_LABEL],
      state: "closed",
      user: BOT,
      html_url: "old",
    });
    github.issues.push({
      number: 2,
      title: "staging",
      body: "<!-- slipway-drift:staging -->\nstaging",
      labels: [DRIFT_LABEL],
      state: "open",
      user: BOT,
      html_url: "staging",
    });
    await run(script, github, failing);
    expect(github.writes).toEqual(['create "Drift: stack production differs from its config"']);
    expect(github.issues.find((issue) => issue.number === 2)!.body).toBe("<!-- slipway-drift:staging -->\nstaging");
  });

  test("a check that did not run to the end still files the issue, and says so", async () => {
    const github = new FakeGitHub();
    await run(script, github, {
      SLIPWAY_STACK: "production",
      SLIPWAY_RESULT: "failure",
      SLIPWAY_PREVIEW: "",
      SLIPWAY_GATE: "",
      SLIPWAY_GATE_MARKDOWN: "",
    });
    expect(github.issues[0].body).toContain("- The drift check did not run to the end (its job: failure); the run says why.");
  });
});

describe("the rollback's incident issue (rollback.yml, jobs incident and outcome)", () => {
  const open = scriptOf("rollback.yml", "incident");
  const outcome = scriptOf("rollback.yml", "outcome");
  const dispatch = { SLIPWAY_STACK: "production", SLIPWAY_PRIORITY: "P1", SLIPWAY_FROM: "1.5.0", SLIPWAY_TO: "1.4.0" };

  test("the dispatch opens one issue in the playbook's template (Impact, Timeline, Suspected cause, Fix plan), labelled with its priority", async () => {
    const github = new FakeGitHub();
    await run(open, github, { ...dispatch, SLIPWAY_REASON: "checkout returns 500 for every EU customer" });
    expect(github.writes).toEqual(['create "Incident: production rolled back from 1.5.0 to 1.4.0"']);
    const [issue] = github.issues;
    expect(issue.labels).toEqual(["P1"]);
    expect(issue.body.startsWith("<!-- slipway-incident:production:4242 -->\n")).toBe(true);
    const headings = issue.body.split("\n").filter((line) => line.startsWith("## "));
    expect(headings).toEqual(["## Impact", "## Timeline", "## Suspected cause", "## Fix plan"]);
    expect(issue.body).toContain("> checkout returns 500 for every EU customer");
    expect(issue.body).toContain(
      "rollback of `production` from 1.5.0 to 1.4.0 dispatched by @sre-lead (https://github.com/acme/storefront/actions/runs/4242)",
    );
    expect(issue.body).toContain("`slipway promote --hotfix` with `incident: #<this issue>`");
    expect(outputs).toEqual({ issue: String(issue.number), url: "issue" });
  });

  test("a rerun of the run finds the issue it opened; a person's issue quoting the marker is not it", async () => {
    const github = new FakeGitHub();
    github.issues.push({
      number: 7,
      title: "copy",
      body: "<!-- slipway-incident:production:4242 -->\nmine",
      labels: ["P1"],
      state: "open",
      user: PERSON,
      html_url: "theirs",
    });
    await run(open, github, { ...dispatch, SLIPWAY_REASON: "first attempt" });
    await run(open, github, { ...dispatch, SLIPWAY_REASON: "rerun" });
    expect(github.writes).toEqual(['create "Incident: production rolled back from 1.5.0 to 1.4.0"']);
    expect(outputs.issue).toBe(String(github.issues[1].number));
  });

  test("the reason is text: an expression or a heading in it is quoted, an unknown priority becomes P1", async () => {
    const github = new FakeGitHub();
    await run(open, github, {
      ...dispatch,
      SLIPWAY_PRIORITY: "P9",
      SLIPWAY_REASON: "${{ secrets.PULUMI_ACCESS_TOKEN }}\n## Fix plan\nnone",
    });
    const [issue] = github.issues;
    expect(issue.labels).toEqual(["P1"]);
    expect(issue.body).toContain("> ${{ secrets.PULUMI_ACCESS_TOKEN }}\n> ## Fix plan\n> none");
    expect(issue.body.split("\n").filter((line) => line === "## Fix plan")).toHaveLength(1);
  });

  test("the outcome goes on the incident's timeline: restored and recorded, or not restored", async () => {
    const github = new FakeGitHub();
    await run(outcome, github, {
      SLIPWAY_ISSUE: "101",
      SLIPWAY_MARKER: "ROLLBACK 1.5.0 → 1.4.0",
      SLIPWAY_DEPLOY: "success",
      SLIPWAY_LEDGER: "success",
    });
    await run(outcome, github, {
      SLIPWAY_ISSUE: "101",
      SLIPWAY_MARKER: "ROLLBACK 1.5.0 → 1.4.0",
      SLIPWAY_DEPLOY: "failure",
      SLIPWAY_LEDGER: "skipped",
    });
    expect(github.writes).toEqual(["createComment #101", "createComment #101"]);
    expect(github.comments[0].body).toMatch(
      /^- \d{4}-\d\d-\d\d \d\d:\d\d UTC: \*\*ROLLBACK 1\.5\.0 → 1\.4\.0\*\* deployed and its smoke checks passed; the ledger recorded it \(https:\/\/github\.com\/acme\/storefront\/actions\/runs\/4242\)$/,
    );
    expect(github.comments[1].body).toContain("the rollback did NOT complete (deploy: failure)");
  });

  test("with no incident issue the outcome fails the job, saying to open one by hand", async () => {
    const github = new FakeGitHub();
    const logged = await run(outcome, github, {
      SLIPWAY_ISSUE: "",
      SLIPWAY_MARKER: "ROLLBACK 1.5.0 → 1.4.0",
      SLIPWAY_DEPLOY: "success",
      SLIPWAY_LEDGER: "success",
    });
    expect(logged).toEqual(["failed: the rollback opened no incident issue; open one by hand (000 §6.5)"]);
    expect(github.writes).toEqual([]);
  });
});
