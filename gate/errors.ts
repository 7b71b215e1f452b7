import { UserError } from "../config/errors";

/**
 * The policy pack could not give a verdict: it failed to start, a policy threw, or a policy could
 * not judge a resource. The gate fails closed: this is exit 2, never a pass. The message is one
 * line (with the tail of the pack's own output when it crashed), never our stack trace.
 */
export class PolicyPackError extends UserError {
  constructor(message: string, packDir?: string) {
    // The message already names the pack; the field lets callers point at it.
    super(message);
    this.file = packDir;
    this.name = "PolicyPackError";
  }
}

/** Collapse a multi-line text to one line, dropping JavaScript stack frames (`    at ...`). */
export function oneLine(text: string, maxLength = 600): string {
  const line = text
    .split(/\r?\n/)
    .filter((part) => !/^\s+at\s/.test(part))
    .map((part) => part.trim())
    .filter((part) => part !== "")
    .join(" ");
  return line.length > maxLength ? `${line.slice(0, maxLength)}...` : line;
}
