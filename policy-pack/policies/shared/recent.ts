/**
 * Answers kept for the texts read most recently: a workflow file reaches several policies per
 * resource and every stack policy again, so what is derived from its text (the parsed YAML, the
 * deploy facts) is computed once per distinct text while recent texts keep arriving. Answers are
 * deep-frozen: policies only read them, and one that tried to change a shared answer would fail
 * loudly rather than corrupt its neighbours' view.
 */

/** Distinct keys kept: far more than one program's workflow variants, bounded for any size of stack. */
const KEPT = 512;

/** Freeze `value` and everything reachable from it. */
export function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** A bounded memo: `answer(key, compute)` computes once per key (an error is kept and thrown again), the oldest dropped first. */
export class RecentAnswers<T> {
  private readonly answers = new Map<string, { value: T } | { error: unknown }>();

  /** `kept`: how many distinct keys are kept. */
  constructor(private readonly kept = KEPT) {}

  /** Drop the answer for `key`, so the next `answer` computes it again. */
  forget(key: string): void {
    this.answers.delete(key);
  }

  answer(key: string, compute: () => T): T {
    let entry = this.answers.get(key);
    if (entry === undefined) {
      try {
        const value = compute();
        deepFreeze(value);
        entry = { value };
      } catch (error) {
        entry = { error };
      }
      if (this.answers.size >= this.kept) this.answers.delete(this.answers.keys().next().value as string);
    } else {
      // Most recently read last: the oldest is the first dropped.
      this.answers.delete(key);
    }
    this.answers.set(key, entry);
    if ("error" in entry) throw entry.error;
    return entry.value;
  }
}
