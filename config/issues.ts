/**
 * What a zod issue says to a user. zod 4 issues do not carry the input, so a wrong type and a
 * missing value look alike: the value is looked up where the issue points to tell them apart.
 */
import type { z } from "zod";

/** The value at `path` inside `root`, or undefined when any step of the way is missing. */
function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const part of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[part];
  }
  return value;
}

/** `a list`, `a string`, `null`: what a user gave, in words. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return `a ${typeof value}`;
}

/**
 * The issue's message, except that a wrong type says `is required` or `expected X, got Y`, and a
 * refused key of a map says why its key schema refused it (zod's own message is "Invalid key in record").
 */
export function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  if (issue.code === "invalid_key") return issue.issues.map((inner) => inner.message).join("; ") || issue.message;
  if (issue.code !== "invalid_type") return issue.message;
  const given = valueAt(input, issue.path);
  return given === undefined ? "is required" : `expected ${issue.expected}, got ${describeValue(given)}`;
}
