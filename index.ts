/**
 * The Slipway program: reads and validates the stack's config once, builds the release topology,
 * exports what a release engineer wants to see. All resources live in components/.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./components/config";
import { loadStackConfig } from "./components/stackFile";

const stack = pulumi.getStack();

function loadConfig() {
  try {
    return loadStackConfig(__dirname, stack, pulumi.runtime.allConfig());
  } catch (err) {
    // A config mistake is the user's to fix: RunError prints the message without a stack trace.
    if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const config = loadConfig();

export const environment = config.environment;
export const releaseVersion = config.release.version;
