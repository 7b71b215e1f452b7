/**
 * A minimal line diff in unified form, to show what promote and rollback changed in a stack file.
 * Stack files are small; a longest-common-subsequence table over the lines that differ (common
 * head and tail trimmed first) is simple and exact.
 */

type Op = { kind: " " | "-" | "+"; text: string };

/** One step of a line alignment: a kept pair, a line only before, or a line only after. */
export interface AlignedLine {
  /** " " kept, "-" only in before, "+" only in after. */
  kind: " " | "-" | "+";
  /** Index in `before` (kept and "-"). */
  before?: number;
  /** Index in `after` (kept and "+"). */
  after?: number;
}

/**
 * Longest-common-subsequence alignment of two line lists, comparing lines by `key` (identity by
 * default): the diff uses it as is; layout restoration compares lines modulo spacing.
 */
export function alignLines(before: string[], after: string[], key: (line: string) => string = (line) => line): AlignedLine[] {
  const a = before.map(key);
  const b = after.map(key);
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const aEnd = a.length - tail;
  const bEnd = b.length - tail;
  // lengths[i][j]: LCS length of a[head+i..aEnd) and b[head+j..bEnd).
  const rows = aEnd - head;
  const cols = bEnd - head;
  const lengths: number[][] = Array.from({ length: rows + 1 }, () => new Array<number>(cols + 1).fill(0));
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      lengths[i][j] = a[head + i] === b[head + j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const steps: AlignedLine[] = [];
  for (let k = 0; k < head; k++) steps.push({ kind: " ", before: k, after: k });
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && a[head + i] === b[head + j]) {
      steps.push({ kind: " ", before: head + i, after: head + j });
      i++;
      j++;
    } else if (i < rows && (j === cols || lengths[i + 1][j] >= lengths[i][j + 1])) {
      // Deletions first, the way unified diffs read: old lines, then their replacements.
      steps.push({ kind: "-", before: head + i });
      i++;
    } else {
      steps.push({ kind: "+", after: head + j });
      j++;
    }
  }
  for (let k = 0; k < tail; k++) steps.push({ kind: " ", before: aEnd + k, after: bEnd + k });
  return steps;
}

/** Longest-common-subsequence edit script between two line lists. */
function editScript(before: string[], after: string[]): Op[] {
  return alignLines(before, after).map((step): Op => ({
    kind: step.kind,
    text: step.kind === "+" ? after[step.after as number] : before[step.before as number],
  }));
}

function splitLines(text: string): string[] {
  const lines = text.split("\n");
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** Unified diff of two texts (`--- a`, `+++ b`, `@@` hunks); empty string when they are equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 2): string {
  if (before === after) return "";
  const ops = editScript(splitLines(before), splitLines(after));
  const changed = ops.map((op, index) => (op.kind !== " " ? index : -1)).filter((index) => index >= 0);
  // Group changes whose context windows touch into hunks.
  const hunks: { start: number; end: number }[] = [];
  for (const index of changed) {
    const start = Math.max(0, index - context);
    const end = Math.min(ops.length - 1, index + context);
    const last = hunks[hunks.length - 1];
    if (last !== undefined && start <= last.end + 1) last.end = Math.max(last.end, end);
    else hunks.push({ start, end });
  }
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  for (const hunk of hunks) {
    const linesBefore = ops.slice(0, hunk.start).filter((op) => op.kind !== "+").length;
    const linesAfter = ops.slice(0, hunk.start).filter((op) => op.kind !== "-").length;
    const slice = ops.slice(hunk.start, hunk.end + 1);
    const beforeCount = slice.filter((op) => op.kind !== "+").length;
    const afterCount = slice.filter((op) => op.kind !== "-").length;
    out.push(`@@ -${linesBefore + 1},${beforeCount} +${linesAfter + 1},${afterCount} @@`);
    for (const op of slice) out.push(`${op.kind}${op.text}`);
  }
  return `${out.join("\n")}\n`;
}
