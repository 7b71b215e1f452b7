/**
 * Line diffs, by jsdiff: the unified diff that promote, rollback and flag show of a stack file,
 * and the line alignment that restores a rewritten stack file's layout.
 */
import { createTwoFilesPatch, diffArrays, FILE_HEADERS_ONLY } from "diff";

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
 * A shortest edit script between two line lists, comparing lines by `key` (identity by default),
 * as kept pairs and one-sided lines in order, deletions before their replacements: layout
 * restoration compares lines modulo spacing.
 */
export function alignLines(before: string[], after: string[], key: (line: string) => string = (line) => line): AlignedLine[] {
  const steps: AlignedLine[] = [];
  let i = 0;
  let j = 0;
  for (const change of diffArrays(before.map(key), after.map(key))) {
    for (let k = 0; k < change.count; k++) {
      if (change.removed) steps.push({ kind: "-", before: i++ });
      else if (change.added) steps.push({ kind: "+", after: j++ });
      else steps.push({ kind: " ", before: i++, after: j++ });
    }
  }
  return steps;
}

/** Unified diff of two texts (`--- a`, `+++ b`, `@@` hunks); empty string when they are equal. */
export function unifiedDiff(before: string, after: string, labels: { before: string; after: string }, context = 2): string {
  if (before === after) return "";
  return createTwoFilesPatch(labels.before, labels.after, before, after, undefined, undefined, {
    context,
    headerOptions: FILE_HEADERS_ONLY,
  });
}
