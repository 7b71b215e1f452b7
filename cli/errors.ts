/**
 * A mistake the user can fix (bad config, unknown stack, unreadable file): printed as one clear
 * message naming the file and key, never with a stack trace; the CLI exits 2.
 */
export class UserError extends Error {
  /** The file the mistake is in, when there is one. */
  readonly file?: string;

  constructor(message: string, file?: string) {
    super(message);
    this.name = "UserError";
    this.file = file;
  }
}
