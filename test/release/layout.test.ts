/**
 * Promote and rollback edit Pulumi.production.yaml by re-rendering it; lines they did not edit
 * must come back exactly as the team wrote them, even where the YAML library would respace them.
 */
import { restoreLayout } from "../../release/stackDocument";

describe("stack file layout survives an edit", () => {
  const original = ["config:", "  a: { x: 1, y: 2 }", "  b: [one, two]", "  version: 1.4.0", "  # why we pin this", "  c: { z: 3 }"].join(
    "\n",
  );

  it("a respaced inline map the edit did not touch keeps its original spacing", () => {
    const rendered = ["config:", "  a: {x: 1, y: 2}", "  b: [one, two]", "  version: 1.5.0", "  # why we pin this", "  c: {z: 3}"].join(
      "\n",
    );
    expect(restoreLayout(original, rendered)).toBe(original.replace("1.4.0", "1.5.0"));
  });

  it("an edited inline map takes the new value", () => {
    const rendered = ["config:", "  a: {x: 1, y: 9}", "  b: [one, two]", "  version: 1.4.0", "  # why we pin this", "  c: {z: 3}"].join(
      "\n",
    );
    expect(restoreLayout(original, rendered)).toBe(original.replace("  a: { x: 1, y: 2 }", "  a: {x: 1, y: 9}"));
  });

  it("added and removed lines are kept and dropped", () => {
    const rendered = ["config:", "  a: {x: 1, y: 2}", "  version: 1.4.0", "  hotfix: true", "  # why we pin this", "  c: {z: 3}"].join(
      "\n",
    );
    expect(restoreLayout(original, rendered)).toBe(
      ["config:", "  a: { x: 1, y: 2 }", "  version: 1.4.0", "  hotfix: true", "  # why we pin this", "  c: { z: 3 }"].join("\n"),
    );
  });
});
