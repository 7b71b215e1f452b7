/**
 * Whether a stack file's `secure:` values are ciphertext its secrets provider can decrypt.
 *
 * The engine decrypts config before the program runs and fails on a malformed value with a
 * terse "bad value" or "illegal base64 data" that names no key. The offline gate never decrypts,
 * so without this check it would judge a stack the engine cannot even start. The formats are the
 * engine's (pkg/secrets): the passphrase and cloud KMS providers write `v1:<nonce>:<ciphertext>`
 * (AES-256-GCM, 12-byte nonce); Pulumi Cloud writes standard base64.
 */

/** A stack's secrets provider, as its stack file declares it. */
export type SecretsProvider =
  | { kind: "passphrase"; source: string }
  | { kind: "cloud"; url: string }
  | { kind: "service"; source: string }
  | { kind: "b64" };

/** The top-level keys of a stack file that pick the secrets provider. */
export interface SecretsSettings {
  /** `secretsprovider:` */
  secretsprovider?: unknown;
  /** `encryptionsalt:` (passphrase provider) */
  encryptionsalt?: unknown;
  /** `encryptedkey:` (cloud KMS providers) */
  encryptedkey?: unknown;
}

/** A problem with the stack file's secrets settings themselves, by top-level key. */
export interface SecretsSettingsProblem {
  /** The top-level key (`encryptionsalt`). */
  key: string;
  /** What is wrong. */
  message: string;
}

const CLOUD_SCHEMES = ["awskms://", "azurekeyvault://", "gcpkms://", "hashivault://"];
const GCM_NONCE_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** Which provider encrypts this stack's secrets, the way the engine decides it. */
export function secretsProviderOf(settings: SecretsSettings): SecretsProvider {
  const declared = typeof settings.secretsprovider === "string" ? settings.secretsprovider : undefined;
  if (declared !== undefined && CLOUD_SCHEMES.some((scheme) => declared.startsWith(scheme))) return { kind: "cloud", url: declared };
  if (declared === "b64") return { kind: "b64" };
  if (declared === "passphrase") return { kind: "passphrase", source: "secretsprovider: passphrase" };
  if (declared === undefined && settings.encryptionsalt !== undefined) return { kind: "passphrase", source: "encryptionsalt" };
  return {
    kind: "service",
    source: declared === undefined ? "no secretsprovider or encryptionsalt: Pulumi Cloud" : `secretsprovider: ${declared}`,
  };
}

/** Problems with the secrets settings (a passphrase stack without salt, a KMS stack without key). */
export function secretsSettingsProblems(settings: SecretsSettings, provider: SecretsProvider): SecretsSettingsProblem[] {
  const problems: SecretsSettingsProblem[] = [];
  if (provider.kind === "passphrase") {
    if (typeof settings.encryptionsalt !== "string" || !isSymmetricCiphertext(afterSaltPrefix(settings.encryptionsalt))) {
      problems.push({
        key: "encryptionsalt",
        message:
          "the passphrase secrets provider needs an encryptionsalt of the form v1:<salt>:v1:<nonce>:<ciphertext>, as `pulumi stack init --secrets-provider passphrase` writes it",
      });
    }
  }
  if (provider.kind === "cloud" && (typeof settings.encryptedkey !== "string" || settings.encryptedkey === "")) {
    problems.push({ key: "encryptedkey", message: `the ${provider.url.split("://")[0]} secrets provider needs the stack's encryptedkey` });
  }
  return problems;
}

/** The part of `v1:<salt>:v1:<nonce>:<ciphertext>` after the salt. */
function afterSaltPrefix(salt: string): string {
  const match = /^v1:[A-Za-z0-9+/]+={0,2}:(.*)$/.exec(salt);
  return match ? match[1] : "";
}

/** Standard base64 that decodes to at least `min` bytes, or undefined. */
function base64Bytes(text: string): number | undefined {
  if (text === "" || !/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64").length;
}

/** `v1:<12-byte nonce>:<ciphertext with its 16-byte tag>`, as the symmetric crypter writes it. */
function isSymmetricCiphertext(value: string): boolean {
  const parts = value.split(":");
  if (parts.length !== 3 || parts[0] !== "v1") return false;
  return base64Bytes(parts[1]) === GCM_NONCE_BYTES && (base64Bytes(parts[2]) ?? 0) >= GCM_TAG_BYTES;
}

/**
 * Why `ciphertext` cannot be a value of `provider`, or undefined when it can. Only the form is
 * checked: whether it decrypts needs the key, which the engine has and the gate must not.
 */
export function ciphertextProblem(provider: SecretsProvider, ciphertext: string): string | undefined {
  switch (provider.kind) {
    case "passphrase":
    case "cloud":
      return isSymmetricCiphertext(ciphertext)
        ? undefined
        : `is not ciphertext of this stack's secrets provider (${provider.kind === "cloud" ? provider.url : `passphrase, from ${provider.source}`}): expected v1:<nonce>:<ciphertext>`;
    case "service":
    case "b64":
      return base64Bytes(ciphertext) !== undefined
        ? undefined
        : `is not ciphertext of this stack's secrets provider (${provider.kind === "b64" ? "b64" : provider.source}): expected standard base64`;
  }
}
