/** What a release command hands back to the CLI: the text to print and the exit code. */
export interface CommandResult {
  /** Human-readable report, ready to print. */
  text: string;
  /** 0: done; 1: the command ran and found a problem (e.g. a broken ledger). Bad input throws `UserError` instead. */
  exitCode: 0 | 1;
}
