/**
 * The one error type for bad input or a refused operation: the config contract, the gate and the
 * release commands all throw it.
 *
 * The CLI prints `message` as a single line and exits 2; it never prints a stack trace for it.
 * The message already names the file and the key, so callers need not format it again; the
 * fields are there for callers that want to point at the place programmatically.
 */
import * as path from "node:path";

export class UserError extends Error {
  /** The file the problem is in (`Pulumi.production.yaml`, `releases/ledger.jsonl`), if any. */
  file?: string;
  /** The key or place inside the file (`slipway:release.version`, `line 4`), if any. */
  key?: string;

  constructor(reason: string, where: { file?: string; key?: string } = {}) {
    const prefix = [where.file, where.key].filter((part): part is string => part !== undefined && part !== "");
    super(prefix.length > 0 ? `${prefix.join(": ")}: ${reason}` : reason);
    this.name = "UserError";
    this.file = where.file;
    this.key = where.key;
  }
}

/** A path as shown to the user: relative to the root when inside it. */
export function displayPath(root: string, fullPath: string): string {
  const relative = path.relative(path.resolve(root), fullPath);
  return relative.startsWith("..") || path.isAbsolute(relative) ? fullPath : relative.split(path.sep).join("/");
}
