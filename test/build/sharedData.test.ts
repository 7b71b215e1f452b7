/**
 * A test that reads ../shared skips only in a user's clone: in CI, or when ../shared is there
 * without the file, it fails.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inCi, sharedAvailable } from "../support/sharedData";

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-shared-"));
  jest.spyOn(console, "warn").mockImplementation(() => undefined);
});
afterEach(() => {
  jest.restoreAllMocks();
  fs.rmSync(root, { recursive: true, force: true });
});

describe("reference data in ../shared", () => {
  test("present: the test runs, in CI or not", () => {
    const shared = path.join(root, "shared");
    fs.mkdirSync(path.join(shared, "provider-schemas"), { recursive: true });
    expect(sharedAvailable("provider-schemas", "schema checks", {}, shared)).toBe(true);
    expect(sharedAvailable("provider-schemas", "schema checks", { CI: "true" }, shared)).toBe(true);
  });

  test("absent from a user's clone: the test skips, saying so", () => {
    const shared = path.join(root, "shared");
    expect(sharedAvailable("DESIGN.md", "the catalogue check", {}, shared)).toBe(false);
    expect(console.warn).toHaveBeenCalledWith(
      `skipping the catalogue check: ${path.join(shared, "DESIGN.md")} is absent (../shared is not checked out)`,
    );
  });

  test("absent in CI: a failure, not a skip", () => {
    const shared = path.join(root, "shared");
    expect(() => sharedAvailable("DESIGN.md", "the catalogue check", { CI: "true" }, shared)).toThrow(
      `the catalogue check: ${path.join(shared, "DESIGN.md")} is absent in CI`,
    );
    expect(console.warn).not.toHaveBeenCalled();
  });

  test("../shared there but the file missing: a failure, in CI or not", () => {
    const shared = path.join(root, "shared");
    fs.mkdirSync(shared);
    expect(() => sharedAvailable("provider-schemas/github-6.15.0.json", "the GitHub schema check", {}, shared)).toThrow(
      `the GitHub schema check: ${path.join(shared, "provider-schemas/github-6.15.0.json")} is missing, though ${shared} is there`,
    );
  });

  test("CI is read as CI services set it", () => {
    expect(inCi({ CI: "true" })).toBe(true);
    expect(inCi({ CI: "1" })).toBe(true);
    expect(inCi({ CI: "false" })).toBe(false);
    expect(inCi({ CI: "0" })).toBe(false);
    expect(inCi({ CI: "" })).toBe(false);
    expect(inCi({})).toBe(false);
  });
});
