/**
 * YAML documents read once per distinct text (shared/recent.ts): parsing the same workflow file
 * for every policy was most of the pack's CPU in a large gate. A text that is not YAML throws the
 * same error each time it is read.
 */
import { parse } from "yaml";
import { RecentAnswers } from "./recent";

const documents = new RecentAnswers<unknown>();

/** The YAML document of `content`, as `yaml`'s `parse` returns it but frozen; throws its error when the text is not YAML. */
export function parseYaml(content: string): unknown {
  return documents.answer(content, () => parse(content));
}
