/**
 * A `secure:` value the stack's secrets provider cannot decrypt is a config error naming the file
 * and the key (exit 2), not an engine failure that names neither.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseDocument } from "yaml";
import { ConfigError } from "../../config/config";
import { UserError } from "../../cli/errors";
import { runStackInChild } from "../../gate/runInChild";
import { readStackFile } from "../../config/stackFile";
import { ciphertextProblem, secretsProviderOf, secretsSettingsProblems } from "../../config/stackSecrets";
import { DEMO_PASSPHRASE } from "../../engine/driver";

const root = path.resolve(__dirname, "..", "..");
/** What the first version shipped: base64 of the plain text behind a `v1:` prefix. */
const BASE64_OF_PLAINTEXT = `v1:${Buffer.from("opaque-production-heroku-key").toString("base64")}`;

/** A copy of an example stack file with one edit, in a fresh directory. */
function editedProject(stack: string, edit: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-secrets-"));
  fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), edit(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")));
  return dir;
}

describe("the example stacks' secrets", () => {
  it("are encrypted under the demo passphrase the README publishes", () => {
    expect(fs.readFileSync(path.join(root, "README.md"), "utf8")).toContain(`demo passphrase\n\`${DEMO_PASSPHRASE}\``);
  });

  it.each(["staging", "production"])("%s holds real passphrase ciphertext for every secure: value", (stack) => {
    const file = readStackFile(root, stack);
    expect(file.secretsProvider).toEqual({ kind: "passphrase", source: "encryptionsalt" });
    expect(file.securePaths.size).toBeGreaterThan(0);
  });
});

describe("a secure: value its secrets provider cannot decrypt", () => {
  it("base64 of the plain text under the passphrase provider is refused, naming the file, the key and the fix", () => {
    const dir = editedProject("production", (text) => text.replace(/(HEROKU_API_KEY:\s*\n\s*secure: )\S+/, `$1${BASE64_OF_PLAINTEXT}`));
    let error: unknown;
    try {
      readStackFile(dir, "production");
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        key: "slipway:environments.production.secrets.HEROKU_API_KEY",
        message: expect.stringContaining("is not ciphertext of this stack's secrets provider (passphrase, from encryptionsalt)"),
      },
    ]);
    expect((error as ConfigError).message).toContain(
      "pulumi config set --secret --path 'slipway:environments.production.secrets.HEROKU_API_KEY' --stack production <value>",
    );
  });

  it("an offline run of the stack refuses it as a user error (the CLI's exit 2), naming the file and the key", async () => {
    const dir = editedProject("staging", (text) =>
      text.replace(/(slipway:postgres:[\s\S]*?password:\s*\n\s*secure: )\S+/, `$1${BASE64_OF_PLAINTEXT}`),
    );
    for (const file of ["Pulumi.yaml", "CHANGELOG.md", "policy-config.json"]) fs.copyFileSync(path.join(root, file), path.join(dir, file));
    fs.mkdirSync(path.join(dir, "releases"));
    fs.copyFileSync(path.join(root, "releases", "ledger.jsonl"), path.join(dir, "releases", "ledger.jsonl"));
    const run = runStackInChild({ projectDir: dir, stack: "staging" });
    await expect(run).rejects.toBeInstanceOf(UserError);
    await expect(run).rejects.toThrow(
      /^Pulumi\.staging\.yaml: 1 config problem:\n {2}- slipway:postgres\.password: the secure: value is not ciphertext/,
    );
  });

  it("a passphrase stack without its encryptionsalt is refused", () => {
    const dir = editedProject("staging", (text) => {
      const document = parseDocument(text);
      document.delete("encryptionsalt");
      document.set("secretsprovider", "passphrase");
      return document.toString();
    });
    expect(() => readStackFile(dir, "staging")).toThrow(/encryptionsalt: the passphrase secrets provider needs an encryptionsalt/);
  });
});

describe("which ciphertext each provider writes", () => {
  const passphraseValue = "v1:8qW5QN4dxXDcbT91:c2D+hzcZc9HZosj6FeQlc8aIQi0wl2EkMPZeJQUPIqtF6mbsJkjClyKmmIrpQ5ls";

  it("passphrase: v1:<12-byte nonce>:<ciphertext>", () => {
    const provider = secretsProviderOf({ encryptionsalt: "v1:pLOII/WC9Iw=:v1:ji4S0L2Jg268s9Ff:vBChuzAs80/hxl32PNg6FrGFIeIMLw==" });
    expect(ciphertextProblem(provider, passphraseValue)).toBeUndefined();
    expect(ciphertextProblem(provider, BASE64_OF_PLAINTEXT)).toMatch(/expected v1:<nonce>:<ciphertext>/);
    expect(ciphertextProblem(provider, "v1:AAAA:AAAA")).toMatch(/expected v1/);
  });

  it("a cloud KMS provider: the same form, and the stack's encryptedkey is required", () => {
    const provider = secretsProviderOf({ secretsprovider: "awskms://alias/slipway" });
    expect(provider).toEqual({ kind: "cloud", url: "awskms://alias/slipway" });
    expect(ciphertextProblem(provider, passphraseValue)).toBeUndefined();
    expect(secretsSettingsProblems({ secretsprovider: "awskms://alias/slipway" }, provider)).toEqual([
      { key: "encryptedkey", message: "the awskms secrets provider needs the stack's encryptedkey" },
    ]);
  });

  it("Pulumi Cloud (no secretsprovider, no salt): standard base64, so a v1: value is refused", () => {
    const provider = secretsProviderOf({});
    expect(provider.kind).toBe("service");
    expect(ciphertextProblem(provider, Buffer.from("service ciphertext blob").toString("base64"))).toBeUndefined();
    expect(ciphertextProblem(provider, BASE64_OF_PLAINTEXT)).toMatch(/expected standard base64/);
  });
});
