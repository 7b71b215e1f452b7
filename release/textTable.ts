/**
 * Plain-text tables for the terminal (`slipway ledger show`, `slipway gate`), by cli-table3: no
 * borders or colours, columns two spaces apart and padded to their widest cell, no trailing spaces.
 */
import Table from "cli-table3";

const BORDERLESS = {
  top: "",
  "top-mid": "",
  "top-left": "",
  "top-right": "",
  bottom: "",
  "bottom-mid": "",
  "bottom-left": "",
  "bottom-right": "",
  left: "",
  "left-mid": "",
  mid: "",
  "mid-mid": "",
  right: "",
  "right-mid": "",
  middle: "  ",
};

/** The header line and one line per row, each prefixed with `indent`. */
export function textTable(header: string[], rows: string[][], indent = ""): string[] {
  const table = new Table({
    head: header,
    chars: BORDERLESS,
    style: { head: [], border: [], "padding-left": 0, "padding-right": 0, compact: true },
  });
  table.push(...rows);
  return table
    .toString()
    .split("\n")
    .map((line) => `${indent}${line}`.trimEnd());
}
