/**
 * No module imports itself through others: the CLI's command table, the program, the pack and
 * their tests form a graph without cycles; and no folder imports one its layer may not
 * (ARCHITECTURE.md, "Who may import whom"). build/importCycles.js, which `npm run cycles` runs
 * and `npm test` runs first (build/checks.js).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const { findImportCycles, findLayerViolations } = require("../../build/importCycles") as {
  findImportCycles(root?: string, sources?: string[]): Promise<string[][]>;
  findLayerViolations(graph: Record<string, string[]>, layers?: Record<string, string[]>): string[];
};

describe("imports", () => {
  // The project's own check (checkImports over the whole tree) runs before jest in `npm test`
  // (build/checks.js, `npm run cycles`); these tests show the check finds what it must.

  describe("the layers (ARCHITECTURE.md)", () => {
    test("release tooling may not build resources: an import of components/ is caught", () => {
      const graph = { "release/flag.ts": ["config/config.ts", "components/flags.ts"], "config/config.ts": ["contract/index.ts"] };
      expect(findLayerViolations(graph)).toEqual(["release/flag.ts -> components/flags.ts"]);
    });

    test("the pack runs alone: an import of the program's config is caught", () => {
      expect(findLayerViolations({ "policy-pack/policies/apps.ts": ["contract/release.ts", "config/config.ts"] })).toEqual([
        "policy-pack/policies/apps.ts -> config/config.ts",
      ]);
    });

    test("the gate may import the one shared file of a folder, and no other", () => {
      const graph = { "gate/report.ts": ["release/textTable.ts", "release/ledger.ts", "gate/model.ts"] };
      expect(findLayerViolations(graph)).toEqual(["gate/report.ts -> release/ledger.ts"]);
    });

    test("the contract imports nothing of the project, and tests import anything", () => {
      const graph = {
        "contract/index.ts": ["contract/artifacts.ts", "config/config.ts"],
        "test/x.test.ts": ["cli/main.ts", "components/topology.ts"],
      };
      expect(findLayerViolations(graph)).toEqual(["contract/index.ts -> config/config.ts"]);
    });
  });

  describe("the check finds a cycle", () => {
    let root: string;
    beforeAll(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-cycles-"));
      fs.mkdirSync(path.join(root, "cli"));
      fs.writeFileSync(path.join(root, "cli", "main.ts"), `import { addGate } from "./gate";\nexport const commands = [addGate];\n`);
      fs.writeFileSync(path.join(root, "cli", "leaf.ts"), `export const leaf = 1;\n`);
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    test("through a static import", async () => {
      fs.writeFileSync(
        path.join(root, "cli", "gate.ts"),
        `import { commands } from "./main";\nimport { leaf } from "./leaf";\nexport const addGate = () => commands.length + leaf;\n`,
      );
      expect(await findImportCycles(root, ["cli"])).toEqual([["cli/gate.ts", "cli/main.ts"]]);
    });

    test("through a lazy require", async () => {
      fs.writeFileSync(
        path.join(root, "cli", "gate.ts"),
        `import { leaf } from "./leaf";\nexport const addGate = () => (require("./main") as { commands: unknown[] }).commands.length + leaf;\n`,
      );
      expect(await findImportCycles(root, ["cli"])).toEqual([["cli/gate.ts", "cli/main.ts"]]);
    });

    test("and none without one", async () => {
      fs.writeFileSync(path.join(root, "cli", "gate.ts"), `import { leaf } from "./leaf";\nexport const addGate = () => leaf;\n`);
      expect(await findImportCycles(root, ["cli"])).toEqual([]);
    });
  });
});
