/**
 * Read-only git checks before promote and rollback edit a stack file.
 *
 * The edit must be the only change to the file, so its diff and its commit say exactly what was
 * promoted. Only `rev-parse` and `status --no-optional-locks` run: nothing in the repository is
 * written, not even the index's stat cache.
 */
import { execFileSync } from "node:child_process";
import { UserError } from "../config/errors";

/** What git says about one file. */
export type FileCommitState = { state: "committed" } | { state: "uncommitted"; status: string } | { state: "unknown"; reason: string };

function git(root: string, args: string[]): string {
  return execFileSync("git", ["--no-optional-locks", ...args], {
    cwd: root,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Whether `file` (relative to root) has uncommitted changes, is untracked or ignored. */
export function fileCommitState(root: string, file: string): FileCommitState {
  try {
    git(root, ["rev-parse", "--is-inside-work-tree"]);
  } catch (error) {
    const missingGit = (error as NodeJS.ErrnoException).code === "ENOENT";
    return { state: "unknown", reason: missingGit ? "git is not installed" : `${root} is not a git repository` };
  }
  const status = git(root, ["status", "--porcelain", "--ignored", "--", file]).trim();
  return status === "" ? { state: "committed" } : { state: "uncommitted", status };
}

function describeStatus(status: string): string {
  const code = status.slice(0, 2);
  if (code === "??") return "is untracked (never committed)";
  if (code === "!!") return "is ignored by git, so its changes are never committed";
  return `has uncommitted changes (git status: '${code.trim()}')`;
}

/**
 * Refuse to edit a file with changes of its own; when git cannot tell (no repository), refuse
 * unless `force`, and say so. Returns the notes to show the user.
 */
export function requireCommittedFile(root: string, file: string, action: string, force: boolean): string[] {
  const state = fileCommitState(root, file);
  if (state.state === "committed") return [];
  if (state.state === "uncommitted") {
    throw new UserError(
      `${describeStatus(state.status)}; ${action} refuses to mix its edit with other changes: commit or discard them first`,
      { file },
    );
  }
  if (!force) {
    throw new UserError(`cannot check for uncommitted changes: ${state.reason}; run it in the repository, or pass --force to edit anyway`, {
      file,
    });
  }
  return [`warning: ${state.reason}; edited ${file} without checking for uncommitted changes (--force)`];
}
