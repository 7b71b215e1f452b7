/**
 * Pieces of stack config that hand-built test configs share. A stack that owns repository
 * resources must name the ledger branch's deploy key; these are its demo values (the private
 * half is demo text, marked secure the way `pulumi config set --secret` marks it).
 */

/** `slipway:github.ledgerDeployKey` with a real public key line and a placeholder private half. */
export const LEDGER_DEPLOY_KEY = {
  publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHN0YW5kLWluLWtleS1mb3ItdGVzdHMtb25seS0wMDAx slipway-ledger-test",
  privateKey: "demo-private-key",
};

/** The key path `pulumi config` marks secure for the private half. */
export const LEDGER_DEPLOY_KEY_SECURE_PATH = "slipway:github.ledgerDeployKey.privateKey";
