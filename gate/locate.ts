/**
 * Where a key sits in a file a person edits: the line and column of a config key in
 * `Pulumi.<stack>.yaml`, or of a policy's setting in `policy-config.json` (JSON is YAML), read
 * with the `yaml` library's Document and LineCounter. A key the file does not spell out (a
 * default) is located at its nearest ancestor that the file has.
 */
import * as fs from "node:fs";
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from "yaml";

/** A place in a file, 1-based, and the key found there. */
export interface SourceLocation {
  /** The file, as shown to the user (relative to the project). */
  file: string;
  /** Line, from 1. */
  line: number;
  /** Column, from 1. */
  column: number;
  /** The key located (`slipway:apps.heroku[0].formation`); an ancestor of the one asked when the file leaves it to a default. */
  key: string;
}

/** One segment of a key path: a map key or a list index. */
export type KeySegment = string | number;

/** A Pulumi config key path (`slipway:apps.heroku[0].formation`) as YAML segments under `config`. */
export function configKeySegments(key: string): KeySegment[] {
  const match = /^([^.[]+)(.*)$/.exec(key);
  if (!match) return ["config"];
  const segments: KeySegment[] = ["config", match[1]];
  for (const part of match[2].matchAll(/\.([^.[]+)|\[(\d+)\]/g)) segments.push(part[2] !== undefined ? Number(part[2]) : part[1]);
  return segments;
}

/** The text of a key path, in Pulumi's `--path` notation (`a.b[0].c`). */
function keyText(segments: readonly KeySegment[]): string {
  return segments.map((segment, index) => (typeof segment === "number" ? `[${segment}]` : index === 0 ? segment : `.${segment}`)).join("");
}

/** A parsed file that answers where its keys are. */
export class LocatedFile {
  private constructor(
    /** The file as shown to the user. */
    readonly file: string,
    private readonly contents: Node | null,
    private readonly lines: LineCounter,
  ) {}

  /** Read and parse `path`; undefined when it does not exist or is not YAML (nothing to point at). */
  static read(path: string, shownAs: string): LocatedFile | undefined {
    let text: string;
    try {
      text = fs.readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
    const lines = new LineCounter();
    const document = parseDocument(text, { lineCounter: lines });
    if (document.errors.length > 0) return undefined;
    return new LocatedFile(shownAs, document.contents as Node | null, lines);
  }

  /**
   * The deepest key of `segments` the file has (skipping `skip` leading segments when naming it:
   * `config` is not part of a Pulumi key). Line 1 when the file has none of them.
   */
  locate(segments: readonly KeySegment[], skip = 0): SourceLocation {
    let node: unknown = this.contents;
    let offset: number | undefined;
    let found = 0;
    for (const segment of segments) {
      let next: unknown;
      if (isMap(node) && typeof segment === "string") {
        const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === segment);
        if (pair === undefined) break;
        offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
        next = pair.value;
      } else if (isSeq(node) && typeof segment === "number" && segment < node.items.length) {
        next = node.items[segment];
        offset = (next as Node | undefined)?.range?.[0];
      } else {
        break;
      }
      node = next;
      found += 1;
    }
    const position = offset === undefined ? { line: 1, col: 1 } : this.lines.linePos(offset);
    return { file: this.file, line: position.line, column: position.col, key: keyText(segments.slice(skip, Math.max(found, skip))) };
  }
}
