/**
 * The one JSON envelope every `--json` prints, so a script reads any command the same way:
 * `{schemaVersion, slipway, pack, result, ..., stacks: [...]}`. `schemaVersion` changes only when
 * a field changes meaning or goes away; new fields may appear in any version.
 */
import { slipwayVersion } from "./version";

/** The envelope's schema version. */
export const SCHEMA_VERSION = 1;

/** What a command puts in the envelope. */
export interface EnvelopeFields {
  /** The policy pack that judged (`{name, version}`), or null for a command that runs none. */
  pack: { name: string; version: string } | null;
  /** `pass`: exit 0; `fail`: exit 1 (a mandatory violation, a verification failure). */
  result: "pass" | "fail";
  /** One entry per stack. */
  stacks: unknown[];
  /** Anything else the command reports, between `result` and `stacks`. */
  extra?: Record<string, unknown>;
}

/** The envelope, as pretty JSON with a final newline. */
export function renderEnvelope(fields: EnvelopeFields): string {
  const envelope = {
    schemaVersion: SCHEMA_VERSION,
    slipway: slipwayVersion(),
    pack: fields.pack,
    result: fields.result,
    ...fields.extra,
    stacks: fields.stacks,
  };
  return `${JSON.stringify(envelope, null, 2)}\n`;
}
