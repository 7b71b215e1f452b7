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
  "if (text.length > 60000) text = text.slice(0, 60000) + \"\\n\\n(cut here: the run's summary has the whole verdict)\";",
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
