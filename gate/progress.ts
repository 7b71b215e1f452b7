/**
 * What the gate reports while it runs (its stacks' programs, the pack starting). The gate only
 * reports; how progress is shown is the CLI's (cli/progress.ts draws it on a terminal).
 */

/** Reports what a command is doing. */
export interface Progress {
  /** Something started (`running staging`). */
  start(activity: string): void;
  /** It finished. */
  finish(activity: string): void;
  /** Clear the line, before the command prints its result. */
  done(): void;
}
