/**
 * The JavaScript the generated workflows run in actions/github-script: the pull request's verdict
 * comment and the drift issue. Each is one script, found by a hidden marker so a rerun updates
 * what the last run wrote instead of adding another. They read everything variable from
 * `process.env` (set from step outputs in the step's `env:`), never from a `${{ }}` expanded into
 * the script (workflow-injection-safe), and the tests run exactly this text against a fake
 * `github.rest.issues`. Written without template literals, so the TypeScript source holds them
 * verbatim.
 */

/** The hidden first line of the gate's comment on a pull request. */
export const GATE_COMMENT_MARKER = "<!-- slipway-gate -->";

/** The label of drift issues (one of the triage labels every repository gets). */
export const DRIFT_LABEL = "drift";

/** The hidden first line of a stack's drift issue. */
export function driftMarker(stack: string): string {
  return `<!-- slipway-drift:${stack} -->`;
}

/**
 * Upserts the gate's comment on the pull request: env `SLIPWAY_GATE_MARKDOWN` (the gate's
 * `--markdown` output) and `SLIPWAY_GATE_RESULT` (the gate job's result). Only a comment a bot
 * wrote counts: anyone can paste the marker into a comment of their own.
 */
export const GATE_COMMENT_SCRIPT = [
  `const marker = ${JSON.stringify(GATE_COMMENT_MARKER)};`,
  "const { owner, repo } = context.repo;",
  "const pull = context.payload.pull_request;",
  'const run = context.serverUrl + "/" + owner + "/" + repo + "/actions/runs/" + context.runId;',
  'const verdict = (process.env.SLIPWAY_GATE_MARKDOWN || "").trim();',
  'const result = process.env.SLIPWAY_GATE_RESULT || "unknown";',
  'let text = verdict !== "" ? verdict : "The gate reached no verdict (its job: " + result + "); the run says why.";',
  'if (text.length > 60000) text = text.slice(0, 60000) + "\\n\\n(cut here: the run\'s summary has the whole verdict)";',
  'const body = marker + "\\n" + text + "\\n\\n<sub>slipway gate on " + String(pull.head.sha).slice(0, 7) + ": " + run + "</sub>\\n";',
  "const comments = await github.paginate(github.rest.issues.listComments, { owner, repo, issue_number: pull.number, per_page: 100 });",
  'const mine = comments.find((comment) => comment.user && comment.user.type === "Bot" && String(comment.body || "").startsWith(marker));',
  "if (mine) {",
  "  await github.rest.issues.updateComment({ owner, repo, comment_id: mine.id, body });",
  '  core.info("updated " + mine.html_url);',
  "} else {",
  "  const created = await github.rest.issues.createComment({ owner, repo, issue_number: pull.number, body });",
  '  core.info("created " + created.data.html_url);',
  "}",
].join("\n");

/**
 * Opens or updates the drift issue of one stack: env `SLIPWAY_STACK`, `SLIPWAY_RESULT` (the drift
 * job's result), `SLIPWAY_PREVIEW` and `SLIPWAY_GATE` (the outcomes of the refresh preview and of
 * the gate on the export) and `SLIPWAY_GATE_MARKDOWN`. A passing check closes nothing: it notes the
 * pass at the top of an open issue and keeps the last findings, since someone has to find out why
 * the stack drifted (a hand edit, an incident) before the issue is closed.
 */
export const DRIFT_ISSUE_SCRIPT = [
  "const stack = process.env.SLIPWAY_STACK;",
  `const marker = ${JSON.stringify(driftMarker("<stack>"))}.replace("<stack>", stack);`,
  `const label = ${JSON.stringify(DRIFT_LABEL)};`,
  "const { owner, repo } = context.repo;",
  'const run = context.serverUrl + "/" + owner + "/" + repo + "/actions/runs/" + context.runId;',
  'const when = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";',
  'const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "open", labels: label, per_page: 100 });',
  'const existing = open.find((issue) => !issue.pull_request && issue.user && issue.user.type === "Bot" && String(issue.body || "").startsWith(marker));',
  'if (process.env.SLIPWAY_RESULT === "success") {',
  "  if (existing) {",
  '    const findings = String(existing.body).split("\\n").slice(2).join("\\n");',
  '    const status = "**" + when + ": the drift check passed** (" + run + "). Close this issue once the cause of the findings below is understood.";',
  '    await github.rest.issues.update({ owner, repo, issue_number: existing.number, body: marker + "\\n" + status + "\\n" + findings });',
  '    core.info("noted the pass on " + existing.html_url);',
  "  }",
  "  return;",
  "}",
  "const findings = [];",
  'if (process.env.SLIPWAY_PREVIEW === "failure") {',
  '  findings.push("- `pulumi preview --refresh --expect-no-changes` found changes, or could not run: what the stack runs differs from what the default branch declares. The run\'s log has the diff.");',
  "}",
  'if (process.env.SLIPWAY_GATE === "failure") {',
  '  const verdict = (process.env.SLIPWAY_GATE_MARKDOWN || "").trim().slice(0, 50000);',
  '  findings.push("- `slipway gate --state` on the stack\'s export judged what runs today and found a violation:\\n\\n" + verdict);',
  "}",
  'if (findings.length === 0) findings.push("- The drift check did not run to the end (its job: " + process.env.SLIPWAY_RESULT + "); the run says why.");',
  'const status = "**" + when + ": drift found** (" + run + ").";',
  'const body = marker + "\\n" + status + "\\n\\nStack `" + stack + "`:\\n\\n" + findings.join("\\n") + "\\n";',
  "if (existing) {",
  "  await github.rest.issues.update({ owner, repo, issue_number: existing.number, body });",
  '  core.info("updated " + existing.html_url);',
  "} else {",
  '  const created = await github.rest.issues.create({ owner, repo, title: "Drift: stack " + stack + " differs from its config", body, labels: [label] });',
  '  core.info("opened " + created.data.html_url);',
  "}",
].join("\n");

/** The hidden first line of an incident issue the rollback workflow opened (one per run). */
export function incidentMarker(stack: string, runId: string): string {
  return `<!-- slipway-incident:${stack}:${runId} -->`;
}

/** Incident priorities (003 §7.1, 002): the labels every repository gets, and the rollback's `priority` input. */
export const INCIDENT_PRIORITIES = ["P0", "P1", "P2"] as const;

/**
 * Opens the incident issue of an emergency rollback (000 §6.5: Impact, Timeline, Suspected Cause,
 * Fix plan) as soon as the rollback is dispatched, before its approval: env `SLIPWAY_STACK`,
 * `SLIPWAY_REASON` and `SLIPWAY_PRIORITY` (the dispatch inputs, carried in env, never expanded into
 * the script), `SLIPWAY_FROM` and `SLIPWAY_TO` (the plan's versions). A rerun of the run finds the
 * issue it opened instead of opening another. Sets the outputs `issue` (number) and `url`.
 */
export const INCIDENT_ISSUE_SCRIPT = [
  "const stack = process.env.SLIPWAY_STACK;",
  `const marker = ${JSON.stringify(incidentMarker("<stack>", "<run>"))}.replace("<stack>", stack).replace("<run>", String(context.runId));`,
  "const { owner, repo } = context.repo;",
  'const run = context.serverUrl + "/" + owner + "/" + repo + "/actions/runs/" + context.runId;',
  'const when = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";',
  'const reason = String(process.env.SLIPWAY_REASON || "").trim().slice(0, 2000);',
  `const priorities = ${JSON.stringify(INCIDENT_PRIORITIES)};`,
  'const priority = priorities.includes(process.env.SLIPWAY_PRIORITY) ? process.env.SLIPWAY_PRIORITY : "P1";',
  "const from = process.env.SLIPWAY_FROM;",
  "const to = process.env.SLIPWAY_TO;",
  'const open = await github.paginate(github.rest.issues.listForRepo, { owner, repo, state: "all", labels: priority, per_page: 100 });',
  'const existing = open.find((issue) => !issue.pull_request && issue.user && issue.user.type === "Bot" && String(issue.body || "").startsWith(marker));',
  "if (existing) {",
  '  core.setOutput("issue", String(existing.number));',
  '  core.setOutput("url", existing.html_url);',
  '  core.info("this run already opened " + existing.html_url);',
  "  return;",
  "}",
  "const body = [",
  "  marker,",
  '  "## Impact",',
  '  "",',
  '  "Reported by @" + context.actor + " when dispatching the rollback (" + priority + "):",',
  '  "",',
  '  "> " + (reason === "" ? "(no reason given)" : reason.split("\\n").join("\\n> ")),',
  '  "",',
  '  "_Who is affected, since when, how badly: fill in._",',
  '  "",',
  '  "## Timeline",',
  '  "",',
  '  "- " + when + ": rollback of `" + stack + "` from " + from + " to " + to + " dispatched by @" + context.actor + " (" + run + ")",',
  '  "- the run comments below when " + to + " is deployed, its smoke checks ran and the ledger recorded it",',
  '  "",',
  '  "## Suspected cause",',
  '  "",',
  '  "Release " + from + " (see its CHANGELOG.md entry and GitHub Release). _Fill in._",',
  '  "",',
  '  "## Fix plan",',
  '  "",',
  '  "- [ ] Fix forward or hold (000 §6.6). Fix forward: branch `hotfix/<slug>` from the last good tag, minimal change, the next patch version, `slipway promote --hotfix` with `incident: #<this issue>`.",',
  '  "- [ ] Merge the rolled-back stack file (the run\'s `rollback-stack-file` artifact) so the next deploy keeps " + to + ".",',
  '  "- [ ] Update CHANGELOG.md and the release notes (000 §6.7).",',
  '  "",',
  '].join("\\n");',
  'const title = "Incident: " + stack + " rolled back from " + from + " to " + to;',
  "const created = await github.rest.issues.create({ owner, repo, title, body, labels: [priority] });",
  'core.setOutput("issue", String(created.data.number));',
  'core.setOutput("url", created.data.html_url);',
  'core.info("opened " + created.data.html_url);',
].join("\n");

/**
 * Adds the rollback's outcome to its incident's timeline (a comment): env `SLIPWAY_ISSUE`,
 * `SLIPWAY_MARKER`, `SLIPWAY_DEPLOY` and `SLIPWAY_LEDGER` (the deploy and ledger jobs' results).
 */
export const INCIDENT_OUTCOME_SCRIPT = [
  "const issue = Number(process.env.SLIPWAY_ISSUE);",
  'if (!Number.isInteger(issue) || issue <= 0) { core.setFailed("the rollback opened no incident issue; open one by hand (000 §6.5)"); return; }',
  "const { owner, repo } = context.repo;",
  'const run = context.serverUrl + "/" + owner + "/" + repo + "/actions/runs/" + context.runId;',
  'const when = new Date().toISOString().slice(0, 16).replace("T", " ") + " UTC";',
  'const deployed = process.env.SLIPWAY_DEPLOY === "success";',
  'const recorded = process.env.SLIPWAY_LEDGER === "success";',
  "const line = deployed",
  '  ? when + ": **" + process.env.SLIPWAY_MARKER + "** deployed and its smoke checks passed; the ledger " + (recorded ? "recorded it" : "did NOT record it (" + process.env.SLIPWAY_LEDGER + "): rerun the ledger job") + " (" + run + ")"',
  '  : when + ": the rollback did NOT complete (deploy: " + process.env.SLIPWAY_DEPLOY + "); the run says why (" + run + ")";',
  'await github.rest.issues.createComment({ owner, repo, issue_number: issue, body: "- " + line });',
  'core.info("noted the outcome on #" + issue);',
].join("\n");
