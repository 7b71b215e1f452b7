import * as pulumi from "@pulumi/pulumi";
import { inputsOf, promiseOf } from "./harness";
import { isSecret, secret as wrappedSecret } from "../support/wire";
import { exampleConfig } from "../support/project";
import { LedgerBranch } from "../../components/github/ledgerBranch";

const production = exampleConfig("production");
const storefront = production.github.repositories.find((repo) => repo.name === "storefront")!;
const key = production.github.ledgerDeployKey!;

describe("the ledger branch: only the deploy workflows write it", () => {
  const ledger = new LedgerBranch("storefront-ledger", {
    repository: "storefront",
    branch: "slipway-ledger",
    defaultBranch: storefront.defaultBranch,
    releaseTagPatterns: storefront.releaseTagPatterns,
    deployKey: { publicKey: key.publicKey, privateKey: key.privateKey.toOutput() },
  });

  test("the branch is append-only for everyone, the key included: no deletion, no force push, nobody bypasses", async () => {
    expect(await inputsOf(ledger.ruleset)).toEqual({
      name: "slipway: release ledger",
      repository: "storefront",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/slipway-ledger"], excludes: [] } },
      rules: { deletion: true, nonFastForward: true },
    });
  });

  test("only a deploy key may update it: a second layer restricts updates and lets deploy keys alone past", async () => {
    expect(await inputsOf(ledger.writerRuleset)).toEqual({
      name: "slipway: release ledger writers",
      repository: "storefront",
      target: "branch",
      enforcement: "active",
      conditions: { refName: { includes: ["refs/heads/slipway-ledger"], excludes: [] } },
      rules: { update: true },
      bypassActors: [{ actorType: "DeployKey", bypassMode: "always" }],
    });
  });

  test("the repository's writable deploy key is the one configured", async () => {
    expect(await inputsOf(ledger.deployKey)).toEqual({
      repository: "storefront",
      title: "slipway: release ledger writer",
      key: key.publicKey,
      readOnly: false,
    });
  });

  test("the key's private half is a secret of the slipway-ledger environment, which only main and release tags may use", async () => {
    expect(await inputsOf(ledger.environment)).toEqual({
      repository: "storefront",
      environment: "slipway-ledger",
      deploymentBranchPolicy: { protectedBranches: false, customBranchPolicies: true },
      canAdminsBypass: false,
    });
    expect(await Promise.all(ledger.deploymentPolicies.map(inputsOf))).toEqual([
      { repository: "storefront", environment: "slipway-ledger", branchPattern: "main" },
      { repository: "storefront", environment: "slipway-ledger", tagPattern: "v*" },
      { repository: "storefront", environment: "slipway-ledger", tagPattern: "mvp-*" },
    ]);
    const secret = await inputsOf(ledger.keySecret);
    expect(secret).toEqual({
      repository: "storefront",
      environment: "slipway-ledger",
      secretName: "SLIPWAY_LEDGER_DEPLOY_KEY",
      plaintextValue: wrappedSecret(await promiseOf(key.privateKey.toOutput())),
    });
    expect(isSecret(secret.plaintextValue)).toBe(true);
    expect(await pulumi.isSecret(ledger.keySecret.plaintextValue)).toBe(true);
  });
});
