/**
 * The actions the generated workflows use, each pinned to a full commit SHA (policy
 * actions-pinned, 000 §3): a tag such as `@v4` can be moved to code nobody reviewed, a commit
 * cannot. Each SHA is the commit its version tag points to, read from the action's own repository
 * (`git rev-parse <tag>^{commit}`). To upgrade: `git ls-remote https://github.com/<action>
 * 'refs/tags/<version>*'` (an annotated tag's commit is its `^{}` line), then change the SHA and
 * the version together.
 */

/**
 * The version tag of each pinned action ref (`owner/repo@<sha>` -> `v4.4.0`); `workflowYaml` writes
 * it as a comment after the `uses:` line, so reviewers and update bots see which release it is.
 */
export const ACTION_VERSIONS: Record<string, string> = {};

function pin(action: string, sha: string, version: string): string {
  const ref = `${action}@${sha}`;
  ACTION_VERSIONS[ref] = version;
  return ref;
}

/** Every action a generated workflow may use, by role. */
export const ACTIONS = {
  checkout: pin("actions/checkout", "11d5960a326750d5838078e36cf38b85af677262", "v4.4.0"),
  setupNode: pin("actions/setup-node", "49933ea5288caeca8642d1e84afbd3f7d6820020", "v4.4.0"),
  pulumi: pin("pulumi/actions", "8582a9e8cc630786854029b4e09281acd6794b58", "v6.6.1"),
  // Trades the job's GitHub OIDC token for a short-lived Pulumi Cloud token (v2.1.0, a lightweight tag).
  pulumiAuth: pin("pulumi/auth-actions", "141415910c3beb54e03b48e9057c204c97b956f2", "v2.1.0"),
  // Runs the comment and issue scripts (scripts.ts) with the job's token (v8.0.0, a lightweight tag).
  githubScript: pin("actions/github-script", "ed597411d8f924073f98dfc5c65a23a2325f34cd", "v8.0.0"),
  // Hand the gate's SARIF files from the job that runs the pull request's code to the one that uploads them.
  uploadArtifact: pin("actions/upload-artifact", "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", "v7.0.0"),
  downloadArtifact: pin("actions/download-artifact", "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", "v8.0.1"),
  // Code scanning's upload (v4.36.2 is an annotated tag; this is the commit it points to).
  uploadSarif: pin("github/codeql-action/upload-sarif", "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", "v4.36.2"),
} as const;
