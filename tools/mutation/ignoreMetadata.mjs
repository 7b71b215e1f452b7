/**
 * A Stryker ignorer: mutants inside a policy's catalogue text (`description`, `remediationSteps`,
 * `tags`, and the `description` of a config property) are ignored, so the mutation score speaks
 * about what a policy judges. That text is shown to people, never read by a rule; the catalogue
 * test (test/policies/catalogue.test.ts) pins it against the README instead. Severity,
 * enforcement level, names and config defaults change behaviour and stay mutated.
 */
import { declareValuePlugin, PluginKind } from "@stryker-mutator/api/plugin";

const METADATA_KEYS = new Set(["description", "remediationSteps", "tags"]);

function keyName(node) {
  if (node.computed) return undefined;
  if (node.key.type === "Identifier") return node.key.name;
  if (node.key.type === "StringLiteral") return node.key.value;
  return undefined;
}

export const strykerPlugins = [
  declareValuePlugin(PluginKind.Ignore, "policy-metadata", {
    shouldIgnore(path) {
      if (!path.isObjectProperty()) return undefined;
      const key = keyName(path.node);
      if (key === undefined || !METADATA_KEYS.has(key)) return undefined;
      return `catalogue text (${key}): shown to people, never read by a rule`;
    },
  }),
];
