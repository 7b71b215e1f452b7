/**
 * Values in the wire form the engine sends and records (monitor inputs, analyzer props, recorded
 * stacks): a secret travels wrapped in Pulumi's secret signature. One definition for every suite.
 */
import { SECRET_SIG, SIG_KEY } from "../../gate/model";

/** A secret as it appears in wire-form inputs. */
export function secret(value: unknown): Record<string, unknown> {
  return { [SIG_KEY]: SECRET_SIG, value };
}

/** Whether a wire value is a wrapped secret. */
export function isSecret(value: unknown): boolean {
  return value !== null && typeof value === "object" && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG;
}

/** Replace wrapped secrets by their values (for schema checks, never for printing). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isSecret(value)) return unwrapSecrets((value as { value: unknown }).value);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, unwrapSecrets(inner)]));
  }
  return value;
}
