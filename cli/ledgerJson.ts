/**
 * `slipway ledger show --json` and `ledger verify --json`: the ledger in the slipway envelope,
 * its events grouped by the stack they happened on, every problem by line.
 */
import { renderEnvelope } from "./envelope";
import { type Ledger, type LedgerProblem, STACK_OF_KIND } from "../release/ledger";

/** The stacks events happen on, in promotion order. */
const STACKS = [...new Set(Object.values(STACK_OF_KIND))];

function problemsJson(problems: readonly LedgerProblem[]): object[] {
  return problems.map((problem) => ({ line: problem.line, seq: problem.seq ?? null, message: problem.message }));
}

function ledgerFacts(ledger: Ledger, problems: readonly LedgerProblem[]): object {
  return { file: ledger.file, lines: ledger.lineCount, headHash: ledger.headHash, problems: problemsJson(problems) };
}

/** `ledger show --json`: every valid event (of `version`, when given) with its line, per stack. */
export function ledgerShowJson(ledger: Ledger, version?: string): string {
  const shown = ledger.entries.filter((entry) => version === undefined || entry.event.version === version);
  return renderEnvelope({
    pack: null,
    result: ledger.problems.length === 0 ? "pass" : "fail",
    extra: { ledger: ledgerFacts(ledger, ledger.problems) },
    stacks: STACKS.map((stack) => ({
      stack,
      events: shown.filter((entry) => entry.event.stack === stack).map((entry) => ({ line: entry.line, ...entry.event })),
    })),
  });
}

/** `ledger verify --json`: the verdict, every problem, and where each stack stands. */
export function ledgerVerifyJson(ledger: Ledger, problems: readonly LedgerProblem[]): string {
  return renderEnvelope({
    pack: null,
    result: problems.length === 0 ? "pass" : "fail",
    extra: { ledger: ledgerFacts(ledger, problems) },
    stacks: STACKS.map((stack) => {
      const events = ledger.entries.filter((entry) => entry.event.stack === stack);
      const last = events[events.length - 1];
      return {
        stack,
        events: events.length,
        last: last ? { line: last.line, seq: last.event.seq, kind: last.event.kind, version: last.event.version } : null,
      };
    }),
  });
}
