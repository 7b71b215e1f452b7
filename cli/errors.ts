/**
 * The one user-error type of the CLI (defined beside the release commands, which throw it most).
 * A `UserError` is printed as one line naming the file and key, never with a stack trace: exit 2.
 */
export { UserError } from "../config/errors";
