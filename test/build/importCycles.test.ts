/**
 * No module imports itself through others: the CLI's command table, the program, the pack and
 * their tests form a graph without cycles (build/importCycles.js, which `npm run cycles` runs).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const { findImportCycles } = require("../../build/importCycles") as {
  findImportCycles(root?: string, sources?: string[]): Promise<string[][]>;
};

describe("import cycles", () => {
  test("the project has none", async () => {
    expect(await findImportCycles()).toEqual([]);
  }, 120_000);

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
