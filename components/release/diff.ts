/**
 * A minimal line diff in unified form, to show what promote and rollback changed in a stack file.
 * Stack files are small; a longest-common-subsequence table over the lines that differ (common
 * head and tail trimmed first) is simple and exact.
 */

type Op = { kind: " " | "-" | "+"; text: string };

/** Longest-common-subsequence edit script between two line lists. */
function editScript(before: string[], after: string[]): Op[] {
  let head = 0;
  while (head < before.length && head < after.length && before[head] === after[head]) head++;
  let tail = 0;
  while (
    tail < before.length - head &&
    tail < after.length - head &&
    before[before.length - 1 - tail] === after[after.length - 1 - tail]
  ) {
    tail++;
  }
  const a = before.slice(head, before.length - tail);
  const b = after.slice(head, after.length - tail);
  // lengths[i][j]: LCS length of a[i..] and b[j..].
  const lengths: number[][] = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i][j] = a[i] === b[j] ? lengths[i + 1][j + 1] + 1 : Math.max(lengths[i + 1][j], lengths[i][j + 1]);
    }
  }
  const middle: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      middle.push({ kind: " ", text: a[i] });
      i++;
      j++;
    } else if (i < a.length && (j === b.length || lengths[i + 1][j] >= lengths[i][j + 1])) {
      // Deletions first, the way unified diffs read: old lines, then their replacements.
      middle.push({ kind: "-", text: a[i] });
      i++;
    } else {
      middle.push({ kind: "+", text: b[j] });
      j++;
    }
  }
  return [
    ...before.slice(0, head).map((text): Op => ({ kind: " ", text })),
    ...middle,
    ...before.slice(before.length - tail).map((text): Op => ({ kind: " ", text })),
  ];
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
