/**
 * Release ledger, promotion, rollback and release notes: the library behind `slipway ledger`,
 * `slipway promote`, `slipway rollback` and `slipway release notes`, and the program's source of
 * the release manifest's `validation` and `changelog` facts.
 */
export { UserError } from "./errors";
export type { CommandResult } from "./errors";
export {
  LEDGER_FILE,
  LEDGER_KINDS,
  appendEvent,
  checkAppendOnly,
  formatProblem,
  parseLedger,
  productionHistory,
  readLedger,
  requireIntactLedger,
  validationFor,
} from "./ledger";
export type { LedgerKind, LedgerEvent, LedgerEntry, LedgerProblem, Ledger, Migrations, NewLedgerEvent, ProductionRun } from "./ledger";
export { ledgerVerify, ledgerRecord, ledgerShow } from "./ledgerCommands";
export type { LedgerVerifyOptions, LedgerVerifyResult, LedgerRecordOptions, LedgerRecordResult, LedgerShowOptions } from "./ledgerCommands";
export { CHANGELOG_FILE, changelogFacts, findSection, parseChangelog, readChangelogFacts } from "./changelog";
export type { ChangelogSection } from "./changelog";
export { promote, PRODUCTION_NEXT_STEPS } from "./promote";
export type { PromoteOptions, PromoteResult } from "./promote";
export { assertProductionApplyAllowed, DEFAULT_PRODUCTION_STACKS } from "./guard";
export type { ProductionApplyContext } from "./guard";
export { rollback, defaultRollbackTarget } from "./rollback";
export type { RollbackOptions, RollbackResult } from "./rollback";
export { releaseNotes } from "./notes";
export type { ReleaseNotesOptions, ReleaseNotesResult } from "./notes";
