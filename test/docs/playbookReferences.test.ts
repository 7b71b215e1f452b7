/**
 * Playbook references resolve: every citation such as "003 §7.2", "000 §3–4", "004 §3, §5" or a
 * bare "001" anywhere in the project (code, help text, policy tags, docs) lands on an anchor of
 * docs/playbooks.md, and every anchor there is cited somewhere. The playbooks themselves live
 * outside the repository; this test reads only the project's own files.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.resolve(__dirname, "../..");
const PLAYBOOKS_DOC = "docs/playbooks.md";
/** This file cites made-up sections on purpose (below), so the tree scan leaves it out. */
const THIS_FILE = path.relative(ROOT, __filename).split(path.sep).join("/");

/** One citation found in a file: where, as written, and the anchors it needs. */
interface Citation {
  file: string;
  line: number;
  text: string;
  anchors: string[];
}

/** A numbered section (`7`, `7.2`, `7.4A`) or a named one (`SLAs`). */
const SECTION = String.raw`(?:\d+(?:\.\d+)*[A-Z]?(?!\w)|[A-Z][A-Za-z]*(?!\w))`;
const RANGE_END = String.raw`\d+(?:\.\d+)*[A-Z]?(?!\w)`;
const ITEM = String.raw`${SECTION}(?:\s*[–-]\s*§?\s*${RANGE_END})?`;
/**
 * A playbook number (three digits, leading zero) standing alone: not part of a larger number,
 * date, time, version or path (`2,048`, `2026-001`, `0.001`, `#001`). Then, optionally, its
 * sections: `§4.2`, ranges `§3–4` / `§3.2-3.3`, lists `§3, §5` / `§4.4/§6.2`.
 */
const CITATION = new RegExp(String.raw`(?<![\w§.,:/#-])(0\d\d)(?!\w|[.,:/-]\d)((?:\s*§\s*${ITEM})(?:\s*(?:,|/|and)\s*§\s*${ITEM})*)?`, "g");
/** Text just before a match that says the number is something else (a colour such as "000"). */
const NOT_A_PLAYBOOK = /colou?r["']?\s*[:=]\s*["']#?$/i;

/** The anchor of a playbook, or of one of its sections. */
function anchorOf(playbook: string, section?: string): string {
  return section === undefined ? `pb-${playbook}` : `pb-${playbook}-${section}`;
}

/** Both ends of a range; an end shorter than its start replaces the start's last parts (`6.1–3` is 6.3). */
function rangeEnds(start: string, end: string): string[] {
  const startParts = start.split(".");
  const endParts = end.split(".");
  const full = endParts.length < startParts.length ? [...startParts.slice(0, startParts.length - endParts.length), ...endParts] : endParts;
  return [start, full.join(".")];
}

/** The citations of one file's text, with the anchors each needs. */
function extractCitations(file: string, text: string): Citation[] {
  const citations: Citation[] = [];
  for (const match of text.matchAll(CITATION)) {
    const index = match.index ?? 0;
    if (NOT_A_PLAYBOOK.test(text.slice(Math.max(0, index - 20), index))) continue;
    const playbook = match[1];
    const sections = match[2];
    const anchors: string[] = [];
    if (sections === undefined) {
      anchors.push(anchorOf(playbook));
    } else {
      for (const item of sections.matchAll(new RegExp(String.raw`§\s*(${SECTION})(?:\s*[–-]\s*§?\s*(${RANGE_END}))?`, "g"))) {
        const ends = item[2] === undefined ? [item[1]] : rangeEnds(item[1], item[2]);
        anchors.push(...ends.map((section) => anchorOf(playbook, section)));
      }
    }
    citations.push({
      file,
      line: text.slice(0, index).split("\n").length,
      text: match[0].replace(/\s+/g, " "),
      anchors,
    });
  }
  return citations;
}

/** The anchors a playbooks page defines, in order: `<a id="pb-..."></a>`. */
function anchorsOfPage(markdown: string): string[] {
  return [...markdown.matchAll(/<a id="(pb-[^"]+)"><\/a>/g)].map((match) => match[1]);
}

/** One line per citation that names an anchor the page lacks: `file:line: citation (no #anchor)`. */
function unresolved(citations: Citation[], anchors: readonly string[]): string[] {
  const known = new Set(anchors);
  return citations.flatMap((citation) =>
    citation.anchors
      .filter((anchor) => !known.has(anchor))
      .map((anchor) => `${citation.file}:${citation.line}: ${citation.text} (no #${anchor} in ${PLAYBOOKS_DOC})`),
  );
}

/**
 * The anchors no citation needs. A playbook's own anchor counts as cited when anything of that
 * playbook is: its sections sit under it.
 */
function uncited(citations: Citation[], anchors: readonly string[]): string[] {
  const cited = new Set(citations.flatMap((citation) => citation.anchors));
  for (const anchor of [...cited]) cited.add(anchor.replace(/^(pb-\d{3}).*$/, "$1"));
  return anchors.filter((anchor) => !cited.has(anchor));
}

/** The project's text files: tracked or new (not ignored), present on disk, no build output or lockfiles. */
function projectTextFiles(): string[] {
  const listed = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "-z"], {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  return [...new Set(listed.split("\0"))]
    .filter((file) => file !== "")
    .filter((file) => !file.split("/").some((part) => ["node_modules", "dist", ".slipway", ".git"].includes(part)))
    .filter((file) => !/(^|\/)(package-lock\.json|go\.sum)$/.test(file))
    .filter((file) => file !== PLAYBOOKS_DOC && file !== THIS_FILE)
    .filter((file) => fs.statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.isFile() === true)
    .filter((file) => !fs.readFileSync(path.join(ROOT, file)).subarray(0, 8000).includes(0));
}

describe("reading playbook citations", () => {
  const anchorsOf = (text: string) => extractCitations("x.ts", text).map((citation) => citation.anchors);

  test("a section, a whole playbook, and a named section", () => {
    expect(anchorsOf("// disable side-effect flags first (003 §7.2).")).toEqual([["pb-003-7.2"]]);
    expect(anchorsOf('tags: ["releaseProcess", "001", "002"],')).toEqual([["pb-001"], ["pb-002"]]);
    expect(anchorsOf("no wait timer, 002 §SLAs)")).toEqual([["pb-002-SLAs"]]);
    expect(anchorsOf("(003 §8.3.)")).toEqual([["pb-003-8.3"]]);
    expect(anchorsOf("Option A (003 §7.4A)")).toEqual([["pb-003-7.4A"]]);
  });

  test("ranges need both ends, lists every item", () => {
    expect(anchorsOf("(000 §3–4, 001, 002 §4, 004 §3, §5–6)")).toEqual([
      ["pb-000-3", "pb-000-4"],
      ["pb-001"],
      ["pb-002-4"],
      ["pb-004-3", "pb-004-5", "pb-004-6"],
    ]);
    expect(anchorsOf("(003 §3.2-3.3)")).toEqual([["pb-003-3.2", "pb-003-3.3"]]);
    expect(anchorsOf("(003 §6.1–3)")).toEqual([["pb-003-6.1", "pb-003-6.3"]]);
    expect(anchorsOf("(003 §4.4/§6.2: 30–120 minutes)")).toEqual([["pb-003-4.4", "pb-003-6.2"]]);
    expect(anchorsOf("(000 §5, §6.6, §8; 003 §9)")).toEqual([["pb-000-5", "pb-000-6.6", "pb-000-8"], ["pb-003-9"]]);
  });

  test("numbers that are not playbooks are left alone", () => {
    expect(anchorsOf("more than 2,048 resources")).toEqual([]);
    expect(anchorsOf("version 0.001, on 2026-001, at 13:005, issue #001, hex 0x001")).toEqual([]);
    expect(anchorsOf('struct({ name: "bug", color: "000" })')).toEqual([]);
    expect(anchorsOf("issue 3 §3, 1000 §2, L3 §7")).toEqual([]);
  });

  test("a citation says where it is", () => {
    const [citation] = extractCitations("cli/x.ts", "line one\n  // see 004 §3, §9 here\n");
    expect(citation).toEqual({ file: "cli/x.ts", line: 2, text: "004 §3, §9", anchors: ["pb-004-3", "pb-004-9"] });
  });

  test("a made-up section or playbook does not resolve, and the failure names file:line", () => {
    const anchors = ["pb-003", "pb-003-7.2", "pb-004", "pb-004-3"];
    const citations = extractCitations("policy-pack/policies/x.ts", "// 003 §7.2 is fine\n// 003 §7.9 and 005 §1 are not; 004 §3–4 half\n");
    expect(unresolved(citations, anchors)).toEqual([
      "policy-pack/policies/x.ts:2: 003 §7.9 (no #pb-003-7.9 in docs/playbooks.md)",
      "policy-pack/policies/x.ts:2: 005 §1 (no #pb-005-1 in docs/playbooks.md)",
      "policy-pack/policies/x.ts:2: 004 §3–4 (no #pb-004-4 in docs/playbooks.md)",
    ]);
    expect(unresolved(citations.slice(0, 1), anchors)).toEqual([]);
  });

  test("an anchor nothing cites is reported; a playbook is cited through its sections", () => {
    const citations = extractCitations("x.ts", "(003 §7.2)");
    expect(uncited(citations, ["pb-003", "pb-003-7.2", "pb-003-7.3", "pb-004"])).toEqual(["pb-003-7.3", "pb-004"]);
  });
});

describe(`${PLAYBOOKS_DOC} and the project's citations are in step`, () => {
  const page = fs.readFileSync(path.join(ROOT, PLAYBOOKS_DOC), "utf8");
  const anchors = anchorsOfPage(page);
  const files = projectTextFiles();
  const citations = files.flatMap((file) => extractCitations(file, fs.readFileSync(path.join(ROOT, file), "utf8")));

  test("the scan reads the project and finds its citations", () => {
    expect(files).toEqual(expect.arrayContaining(["README.md", "policy-pack/README.md"]));
    const playbooksCited = new Set(citations.flatMap((citation) => citation.anchors.map((anchor) => anchor.slice(0, 6))));
    expect([...playbooksCited]).toEqual(expect.arrayContaining(["pb-000", "pb-001", "pb-002", "pb-003", "pb-004"]));
  });

  test("every citation lands on an anchor", () => {
    expect(unresolved(citations, anchors)).toEqual([]);
  });

  test("every anchor is cited somewhere", () => {
    expect(uncited(citations, anchors)).toEqual([]);
  });

  test("anchors are unique, and each section sits under its playbook's heading", () => {
    expect(anchors.filter((anchor, index) => anchors.indexOf(anchor) !== index)).toEqual([]);
    const misplaced: string[] = [];
    let playbook = "";
    for (const anchor of anchors) {
      const [, number, section] = /^pb-(\d{3})(?:-(.+))?$/.exec(anchor) ?? [];
      if (number === undefined) misplaced.push(`${anchor}: not pb-<playbook>[-<section>]`);
      else if (section === undefined) playbook = number;
      else if (number !== playbook) misplaced.push(`${anchor}: under playbook ${playbook || "(none)"}`);
    }
    expect(misplaced).toEqual([]);
  });
});
