/**
 * `slipway plan`: the resources a stack would register, offline, as a tree.
 */
import { type RecordedResource, type RecordedStack, redact } from "../gate/model";

/** A RecordedStack as printed by `--json`: secrets shown as `[secret]`, never their value. */
export function planJson(recorded: RecordedStack): unknown {
  return {
    stack: recorded.stack,
    project: recorded.project,
    // Every field redacted, not only the ones known to hold values: inputs and outputs alike.
    resources: recorded.resources.map((r) => redact(r)),
    outputs: recorded.outputs,
  };
}

/** The readable tree: each resource under its parent, with its options and (optionally) inputs. */
export function planText(recorded: RecordedStack, showInputs: boolean): string {
  const children = new Map<string | undefined, RecordedResource[]>();
  const urns = new Set(recorded.resources.map((r) => r.urn));
  for (const resource of recorded.resources) {
    const parent = resource.parent && urns.has(resource.parent) ? resource.parent : undefined;
    children.set(parent, [...(children.get(parent) ?? []), resource]);
  }
  const lines: string[] = [`Stack ${recorded.stack} (project ${recorded.project}): ${recorded.resources.length} resources`];
  const walk = (parent: string | undefined, prefix: string) => {
    const list = children.get(parent) ?? [];
    list.forEach((resource, i) => {
      const last = i === list.length - 1;
      const flags = [
        resource.protect ? "protect" : "",
        resource.retainOnDelete ? "retainOnDelete" : "",
        resource.dependencies.length > 0 ? `dependsOn ${resource.dependencies.length}` : "",
      ].filter(Boolean);
      lines.push(`${prefix}${last ? "└─ " : "├─ "}${resource.type}  ${resource.name}${flags.length ? `  [${flags.join(", ")}]` : ""}`);
      const childPrefix = prefix + (last ? "   " : "│  ");
      if (showInputs && resource.custom) {
        for (const line of JSON.stringify(redact(resource.inputs), null, 2).split("\n")) lines.push(`${childPrefix}    ${line}`);
      }
      walk(resource.urn, childPrefix);
    });
  };
  walk(undefined, "");
  lines.push("");
  lines.push("Outputs:");
  for (const [name, value] of Object.entries(recorded.outputs)) lines.push(`  ${name}: ${JSON.stringify(value)}`);
  lines.push("");
  const lookups = recorded.invokes.length;
  lines.push(
    lookups === 0
      ? "Offline run: no cloud was called, and the program looked nothing up."
      : `Offline run: no cloud was called. ${lookups} lookup(s) got stand-in answers (a team's id, say); pulumi preview resolves the real ones.`,
  );
  return lines.join("\n");
}
