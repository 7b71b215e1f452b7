import type * as pulumi from "@pulumi/pulumi";

/**
 * A config value that was `secure:` in the stack file.
 *
 * Config is parsed before any resource exists, so secrets travel as this opaque holder until a
 * component turns them into a Pulumi secret output. It never prints its value: string
 * conversion, JSON and `util.inspect` all show `[secret]`.
 */
export class SecretString {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The value as a Pulumi secret output: the only way a component reads it. */
  toOutput(): pulumi.Output<string> {
    // Loaded on use: config parsing (and the CLI commands built on it) need not load the SDK.
    const sdk = require("@pulumi/pulumi") as typeof pulumi;
    return sdk.secret(this.#value);
  }

  toString(): string {
    return "[secret]";
  }

  toJSON(): string {
    return "[secret]";
  }

  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return "[secret]";
  }
}
