/**
 * The branch that holds the release ledger, and the one identity allowed to write it.
 *
 * The ledger is evidence (003 §0.4, 004 §10): a line that says staging validated a build is what
 * lets production run it. So nobody may push to the branch but the deploy workflows: its rulesets
 * restrict updates and let only deploy keys bypass that; the repository's one writable deploy key
 * is held as a secret of the `slipway-ledger` environment, which deploys only from the default
 * branch and release tags. A workflow on any other branch cannot reach the key, a person cannot
 * push, nobody can force-push or delete. What the branch cannot prove about itself (that an
 * admin did not rewrite it) the stacks' anchors do (see the README, "Threat model").
 */
import * as pulumi from "@pulumi/pulumi";
import * as github from "@pulumi/github";
import { LEDGER_DEPLOY_KEY_SECRET, LEDGER_ENVIRONMENT } from "../../contract/release";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** The SSH key pair the ledger jobs push with. */
export interface LedgerDeployKey {
  /** The public half (`ssh-ed25519 AAAA… comment`), registered as the repository's writable deploy key. */
  publicKey: string;
  /** The private half (OpenSSH PEM), a secret: stored only in the ledger environment. */
  privateKey: pulumi.Input<string>;
}

/** Inputs of a `LedgerBranch`. */
export interface LedgerBranchArgs {
  /** Repository holding the ledger: a name, or `ReleaseRepository.repositoryName` so it waits for the repository. */
  repository: pulumi.Input<string>;
  /** The ledger branch (`slipway-ledger`). */
  branch: string;
  /** The default branch: the staging deploy workflow runs from it. */
  defaultBranch: string;
  /** Release tag patterns (`v*`): the production deploy workflow runs from them. */
  releaseTagPatterns: string[];
  /** The key pair the ledger jobs push with. */
  deployKey: LedgerDeployKey;
  /**
   * Where the ledger ruleset lived before this component (under a `ReleaseRepository`, named
   * `<repository>-ledger`): kept as an alias so it is moved, not replaced. The former parent is
   * given by URN: the SDK walks every alias value looking for unknowns, and a Resource there drags
   * in the whole resource graph, once per alias (quadratic in the topology's size).
   */
  formerRuleset?: { name: string; parentUrn: pulumi.Input<string> };
}

/** The ledger branch's protection, its writer's key and the environment that holds it. */
export class LedgerBranch extends pulumi.ComponentResource {
  /** Append-only for everyone: no deletion, no force push. */
  readonly ruleset: github.RepositoryRuleset;
  /** No update at all, except by a deploy key (the ledger jobs'). */
  readonly writerRuleset: github.RepositoryRuleset;
  /** The writable deploy key the ledger jobs push with. */
  readonly deployKey: github.RepositoryDeployKey;
  /** The environment whose jobs may use the key. */
  readonly environment: github.RepositoryEnvironment;
  /** The refs allowed to run jobs in the environment: the default branch and release tags. */
  readonly deploymentPolicies: github.RepositoryEnvironmentDeploymentPolicy[];
  /** The private key, as the environment's secret. */
  readonly keySecret: github.ActionsEnvironmentSecret;

  constructor(name: string, args: LedgerBranchArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.ledgerBranch, name, {}, opts);

    const refName = { includes: [`refs/heads/${args.branch}`], excludes: [] };
    this.ruleset = new github.RepositoryRuleset(
      `${name}-ruleset`,
      {
        name: "slipway: release ledger",
        repository: args.repository,
        target: "branch",
        enforcement: "active",
        conditions: { refName },
        // Append-only truth (003 §0.4): nobody, the ledger's own key included, deletes the branch
        // or rewrites its history. No pull-request rule: a deploy job never waits on a review.
        rules: { deletion: true, nonFastForward: true },
      },
      {
        parent: this,
        aliases: args.formerRuleset !== undefined ? [{ name: args.formerRuleset.name, parent: args.formerRuleset.parentUrn }] : [],
      },
    );
    // A second layer restricts every update, and only deploy keys bypass it: the ledger jobs may
    // fast-forward the branch, people and other workflows may not push at all. Its bypass lifts
    // only this layer, so the key still cannot force-push or delete.
    this.writerRuleset = new github.RepositoryRuleset(
      `${name}-writers`,
      {
        name: "slipway: release ledger writers",
        repository: args.repository,
        target: "branch",
        enforcement: "active",
        conditions: { refName },
        rules: { update: true },
        bypassActors: [{ actorType: "DeployKey", bypassMode: "always" }],
      },
      { parent: this },
    );

    this.deployKey = new github.RepositoryDeployKey(
      `${name}-deploy-key`,
      { repository: args.repository, title: "slipway: release ledger writer", key: args.deployKey.publicKey, readOnly: false },
      { parent: this },
    );

    this.environment = new github.RepositoryEnvironment(
      `${name}-environment`,
      {
        repository: args.repository,
        environment: LEDGER_ENVIRONMENT,
        // Only the named refs run jobs here, and admins cannot waive that.
        deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
        canAdminsBypass: false,
      },
      { parent: this },
    );
    const scope = { repository: args.repository, environment: this.environment.environment };
    this.deploymentPolicies = [
      new github.RepositoryEnvironmentDeploymentPolicy(
        `${name}-branch-${args.defaultBranch}`,
        { ...scope, branchPattern: args.defaultBranch },
        { parent: this },
      ),
      ...args.releaseTagPatterns.map(
        (tagPattern) =>
          new github.RepositoryEnvironmentDeploymentPolicy(`${name}-tag-${tagPattern}`, { ...scope, tagPattern }, { parent: this }),
      ),
    ];

    this.keySecret = new github.ActionsEnvironmentSecret(
      `${name}-key-secret`,
      { ...scope, secretName: LEDGER_DEPLOY_KEY_SECRET, plaintextValue: pulumi.secret(args.deployKey.privateKey) },
      { parent: this },
    );

    this.registerOutputs({ branch: args.branch, environment: LEDGER_ENVIRONMENT });
  }
}
