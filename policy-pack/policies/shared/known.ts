/**
 * Reading values that may be unknown during preview without letting the SDK turn the whole policy
 * into a "can't run during preview" advisory: for values a verdict does not need (a name shown in
 * a message, a label that is only a hint), or that are judged where they are known (`pulumi up`
 * analyzes every resource again with its inputs resolved). See secrets.ts `walkStrings`.
 */
import { UnknownValueError } from "@pulumi/policy";
import { walkStrings } from "./secrets";

/** The value `read` returns, or `fallback` when it reads a value unknown during preview. */
export function known<T>(read: () => T, fallback: T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof UnknownValueError) return fallback;
    throw error;
  }
}

/** The known strings under the value `read` returns, in order (unknown ones, or an unknown value, skipped). */
export function knownStrings(read: () => unknown): string[] {
  const found: string[] = [];
  walkStrings(known(read, undefined), (entry) => found.push(entry.value));
  return found;
}
