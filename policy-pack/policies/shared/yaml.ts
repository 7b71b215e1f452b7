/**
 * YAML documents read once per distinct text.
 *
 * The same workflow file reaches several policies per resource, and every stack policy again;
 * parsing it each time was most of the pack's CPU in a large gate. A document is parsed once,
 * frozen (policies only read it, and a policy that tried to change a shared document would fail
 * loudly rather than corrupt its neighbours' view), and kept while recent texts keep arriving.
 * A text that is not YAML throws the same error each time it is read.
 */
import { parse } from "yaml";

/** Distinct texts kept: far more than one program's workflow variants, bounded for any size of stack. */
const KEPT = 512;

type Parsed = { document: unknown } | { error: unknown };

const parsed = new Map<string, Parsed>();

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
}

/** The YAML document of `content`, as `yaml`'s `parse` returns it but frozen; throws its error when the text is not YAML. */
export function parseYaml(content: string): unknown {
  let entry = parsed.get(content);
  if (entry === undefined) {
    try {
      const document = parse(content);
      deepFreeze(document);
      entry = { document };
    } catch (error) {
      entry = { error };
    }
    if (parsed.size >= KEPT) parsed.delete(parsed.keys().next().value as string);
  } else {
    // Most recently read last: the oldest is the first dropped.
    parsed.delete(content);
  }
  parsed.set(content, entry);
  if ("error" in entry) throw entry.error;
  return entry.document;
}
