/**
 * Shell scripts (workflow `run:` steps, container command/args, Procfile lines) read into simple
 * commands, so policies judge what a script runs rather than what its step is called.
 *
 * This is a reader for judging, not a shell: it splits on the control operators (`;`, `&&`, `||`,
 * `|`, `&`, newlines), removes quotes, keeps `${{ ... }}` expressions and `$VAR` references as
 * written (see `expandValue`), reads the commands inside `$(...)` and backquotes, sets
 * here-document bodies aside (they are data, not commands) and strips the keywords of compound
 * commands (`if`, `then`, `do`, ...). What it cannot read it keeps as words, never as a pass.
 */

/** The operator joining two commands (`""` at either end of the script). */
export type Operator = "&&" | "||" | "|" | ";" | "&" | "\n" | "";

/** One simple command. */
export interface ShellCommand {
  /** Its words, quotes removed, leading variable assignments and keywords stripped. */
  words: string[];
  /** Variables it assigns (`A=1 cmd`, `A=1`, `export A=1`). */
  assignments: Record<string, string>;
  /** The command as written (one line, trimmed), for messages. */
  text: string;
  /** The operator before it. */
  before: Operator;
  /** The operator after it. */
  after: Operator;
  /** It is the condition of an `if`/`elif`/`while`/`until`, or negated with `!`: its failure does not fail the script. */
  condition: boolean;
  /** It runs inside a command substitution. */
  substituted: boolean;
  /** Here-document bodies it reads. */
  heredocs: string[];
}

/** Keywords that may start a simple command's text without being the command. */
const LEADING_KEYWORDS = new Set(["then", "do", "else", "{", "}", "time", "fi", "done", "esac", "(", ")"]);
/** Keywords after which the command is a condition. */
const CONDITION_KEYWORDS = new Set(["if", "elif", "while", "until", "!"]);

const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)=([\s\S]*)$/;

/** Index of the `)` closing the `(` at `open`, quotes respected; the end of the text when unclosed. */
function closingParen(script: string, open: number): number {
  let depth = 0;
  for (let i = open; i < script.length; i++) {
    const c = script[i];
    if (c === "\\") {
      i++;
    } else if (c === "'") {
      const end = script.indexOf("'", i + 1);
      i = end < 0 ? script.length : end;
    } else if (c === '"') {
      for (i++; i < script.length && script[i] !== '"'; i++) if (script[i] === "\\") i++;
    } else if (c === "(") {
      depth++;
    } else if (c === ")") {
      depth--;
      if (depth === 0) return i;
    }
  }
  return script.length;
}

/** Read a script into its simple commands, in order; commands of substitutions follow the script's own. */
export function parseShell(script: string, substituted = false): ShellCommand[] {
  const commands: ShellCommand[] = [];
  const substitutions: string[] = [];
  let words: string[] = [];
  let word = "";
  let inWord = false;
  let start = -1;
  let before: Operator = "";
  let heredocs: string[] = [];
  let pending: { delimiter: string; strip: boolean; into: string[] }[] = [];

  const mark = (index: number) => {
    if (start < 0) start = index;
  };
  const endWord = () => {
    if (inWord) words.push(word);
    word = "";
    inWord = false;
  };
  const endCommand = (operator: Operator, end: number) => {
    endWord();
    const text = start < 0 ? "" : script.slice(start, end).replace(/\\\n/g, " ").replace(/\s+/g, " ").trim();
    let condition = false;
    while (words.length > 0 && (LEADING_KEYWORDS.has(words[0]) || CONDITION_KEYWORDS.has(words[0]))) {
      if (CONDITION_KEYWORDS.has(words[0])) condition = true;
      words.shift();
    }
    const assignments: Record<string, string> = {};
    while (words.length > 0 && ASSIGNMENT.test(words[0])) {
      const [, name, value] = ASSIGNMENT.exec(words.shift() as string) as RegExpExecArray;
      assignments[name] = value;
    }
    if (words[0] === "export" || words[0] === "declare" || words[0] === "local" || words[0] === "readonly") {
      for (const argument of words.slice(1)) {
        const match = ASSIGNMENT.exec(argument);
        if (match) assignments[match[1]] = match[2];
      }
    }
    if (words.length > 0 || Object.keys(assignments).length > 0) {
      commands.push({ words, assignments, text, before, after: operator, condition, substituted, heredocs });
      before = operator;
    } else if (operator !== "\n" || before === "") {
      // A line of keywords only (`then`, `fi`) keeps the operator that led to it.
      before = operator === "\n" ? before : operator;
    }
    words = [];
    heredocs = [];
    start = -1;
  };
  const readHeredocs = (from: number): number => {
    let index = from;
    for (const document of pending) {
      const lines: string[] = [];
      while (index < script.length) {
        const newline = script.indexOf("\n", index);
        const line = script.slice(index, newline < 0 ? script.length : newline);
        index = newline < 0 ? script.length : newline + 1;
        if ((document.strip ? line.replace(/^\t+/, "") : line).trim() === document.delimiter) break;
        lines.push(line);
      }
      document.into.push(lines.join("\n"));
    }
    pending = [];
    return index;
  };

  let i = 0;
  while (i < script.length) {
    const c = script[i];
    if (c === "\\") {
      if (script[i + 1] === "\n") {
        i += 2;
        continue;
      }
      mark(i);
      word += script[i + 1] ?? "";
      inWord = true;
      i += 2;
      continue;
    }
    if (c === "'") {
      mark(i);
      const end = script.indexOf("'", i + 1);
      word += script.slice(i + 1, end < 0 ? script.length : end);
      inWord = true;
      i = end < 0 ? script.length : end + 1;
      continue;
    }
    if (c === '"') {
      mark(i);
      inWord = true;
      i++;
      while (i < script.length && script[i] !== '"') {
        if (script[i] === "\\" && i + 1 < script.length) {
          word += /["\\$`]/.test(script[i + 1]) ? script[i + 1] : script.slice(i, i + 2);
          i += 2;
        } else if (script.startsWith("$(", i) && script[i + 2] !== "(") {
          const close = closingParen(script, i + 1);
          substitutions.push(script.slice(i + 2, close));
          word += script.slice(i, close + 1);
          i = close + 1;
        } else {
          word += script[i++];
        }
      }
      i++;
      continue;
    }
    if (script.startsWith("${{", i)) {
      mark(i);
      const end = script.indexOf("}}", i + 3);
      const close = end < 0 ? script.length : end + 2;
      word += script.slice(i, close);
      inWord = true;
      i = close;
      continue;
    }
    if (script.startsWith("$(", i)) {
      mark(i);
      const close = closingParen(script, i + 1);
      if (script[i + 2] !== "(") substitutions.push(script.slice(i + 2, close));
      word += script.slice(i, close + 1);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === "`") {
      mark(i);
      const end = script.indexOf("`", i + 1);
      const close = end < 0 ? script.length : end;
      substitutions.push(script.slice(i + 1, close));
      word += script.slice(i, close + 1);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === "#" && !inWord) {
      const newline = script.indexOf("\n", i);
      i = newline < 0 ? script.length : newline;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r") {
      endWord();
      i++;
      continue;
    }
    if (c === "\n" || c === ";" || c === "&" || c === "|") {
      const two = script.slice(i, i + 2);
      const operator: Operator = two === "&&" || two === "||" ? two : c === "\n" ? "\n" : c === ";" ? ";" : c === "&" ? "&" : "|";
      const length = operator.length === 2 || two === ";;" || two === "|&" ? 2 : 1;
      endCommand(operator, i);
      i += length;
      if (c === "\n" && pending.length > 0) i = readHeredocs(i);
      continue;
    }
    if ((c === "(" || c === ")") && !inWord) {
      i++;
      continue;
    }
    if (c === "<" || c === ">") {
      endWord();
      mark(i);
      if (script.startsWith("<<", i) && !script.startsWith("<<<", i)) {
        let j = i + 2;
        const strip = script[j] === "-";
        if (strip) j++;
        while (script[j] === " " || script[j] === "\t") j++;
        const match = /^(['"]?)([A-Za-z0-9_.-]+)\1/.exec(script.slice(j));
        if (match) {
          pending.push({ delimiter: match[2], strip, into: heredocs });
          words.push("<<");
          i = j + match[0].length;
          continue;
        }
      }
      const redirect = /^(<<<|<<|>>|<>|>\||<&|>&|&>|<|>)-?\d*/.exec(script.slice(i)) as RegExpExecArray;
      words.push(redirect[0]);
      i += redirect[0].length;
      continue;
    }
    mark(i);
    word += c;
    inWord = true;
    i++;
  }
  endCommand("", script.length);
  for (const body of substitutions) commands.push(...parseShell(body, true));
  return commands;
}

/** The last path segment of a command word: `./node_modules/.bin/pulumi` is `pulumi`. */
export function commandName(word: string): string {
  // Most words have no slash: skip the regex, a large gate calls this for every word of every command.
  return (word.includes("/") ? word.replace(/^.*\//, "") : word).toLowerCase();
}

/** Programs that take a script as an argument: their multi-word arguments are read as commands too. */
const SCRIPT_RUNNERS = new Set([
  "sh",
  "bash",
  "zsh",
  "dash",
  "ash",
  "ksh",
  "eval",
  "ssh",
  "su",
  "runuser",
  "heroku",
  "kubectl",
  "docker",
  "podman",
  "docker-compose",
  "nerdctl",
  "flyctl",
  "fly",
]);

/**
 * The commands a command runs through another program: `sh -c "a && b"`, `ssh host "cmd"`,
 * `heroku run "cmd"`, `kubectl exec pod -- sh -c "cmd"`, `docker run image sh -c "cmd"`.
 */
export function nestedCommands(command: ShellCommand): ShellCommand[] {
  const runner = command.words.findIndex((word) => SCRIPT_RUNNERS.has(commandName(word)));
  if (runner < 0) return [];
  const nested: ShellCommand[] = [];
  for (const word of command.words.slice(runner + 1)) {
    if (/\s/.test(word.trim())) {
      for (const inner of parseShell(word, command.substituted)) nested.push(inner, ...nestedCommands(inner));
    }
  }
  return nested;
}

/** Every command of a script, those it runs through other programs included. */
export function commandsOf(script: string): ShellCommand[] {
  return withNestedCommands(parseShell(script));
}

/** Parsed commands, each followed by those it runs through other programs (`commandsOf` without parsing again). */
export function withNestedCommands(commands: readonly ShellCommand[]): ShellCommand[] {
  return commands.flatMap((command) => [command, ...nestedCommands(command)]);
}

/**
 * The commands of an argv (a container's command + args, a Procfile line): the argv is one
 * command, and any argument with spaces in it is read as a script too (an image's entrypoint is
 * often a shell).
 */
export function commandsOfArgv(argv: string[]): ShellCommand[] {
  if (argv.length === 0) return [];
  const command: ShellCommand = {
    words: argv,
    assignments: {},
    text: argv.join(" "),
    before: "",
    after: "",
    condition: false,
    substituted: false,
    heredocs: [],
  };
  const nested = argv.filter((word) => /\s/.test(word.trim())).flatMap((word) => commandsOf(word));
  return [command, ...nested];
}

/** The values of an option in a command's words: `--stack x`, `--stack=x`, `-s x`, `-sx` for one-letter names. */
export function optionValues(words: string[], names: string[], from = 0): string[] {
  const values: string[] = [];
  for (let i = from; i < words.length; i++) {
    const word = words[i];
    for (const name of names) {
      if (word === name && i + 1 < words.length) values.push(words[i + 1]);
      else if (word.startsWith(`${name}=`)) values.push(word.slice(name.length + 1));
      else if (/^-[A-Za-z]$/.test(name) && word.startsWith(name) && word.length > 2 && !word.startsWith("--")) values.push(word.slice(2));
    }
  }
  return values;
}

/** Whether a command's words include one of the flags (`--prod`, `--prod=true`). */
export function hasFlag(words: string[], flags: string[], from = 0): boolean {
  return words
    .slice(from)
    .some((word) => flags.some((flag) => word === flag || (word.startsWith(`${flag}=`) && !/=(false|0)$/i.test(word))));
}

/** The words after `from` that are not options (nor the values of the `valued` options). */
export function positionals(words: string[], from: number, valued: string[] = []): string[] {
  const found: string[] = [];
  for (let i = from; i < words.length; i++) {
    const word = words[i];
    if (word === "--") continue;
    if (word.startsWith("-")) {
      if (valued.includes(word)) i++;
      continue;
    }
    if (/^(<<<|<<|>>|<>|>\||<&|>&|&>|<|>)/.test(word)) {
      i++;
      continue;
    }
    found.push(word);
  }
  return found;
}

/** Lower-case name tokens of a value: `V013__drop_legacy-status.sql` -> v013, drop, legacy, status, sql; camelCase split too. */
export function nameTokens(value: string): string[] {
  return value
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((token) => token !== "");
}

/** Values that workflow expressions and shell variables can take, by name. */
export interface Expansion {
  /** Environment variables (workflow, job and step `env:`, and assignments earlier in the script). */
  env: Record<string, string[]>;
  /** Matrix values by key (`${{ matrix.stack }}`). */
  matrix: Record<string, string[]>;
  /** Workflow inputs' options and defaults (`${{ inputs.stack }}`, `${{ github.event.inputs.stack }}`). */
  inputs: Record<string, string[]>;
}

/** An empty expansion: every reference stays as written. */
export const NO_EXPANSION: Expansion = { env: {}, matrix: {}, inputs: {} };

/** Most values one expansion yields (the cartesian product of references is cut there). */
const MAX_VALUES = 32;

const REFERENCE = /\$\{\{([\s\S]*?)\}\}|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-=]([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g;

/** The string literals an expression can evaluate to (not those it only compares with). */
function expressionLiterals(expression: string): string[] {
  const literals: string[] = [];
  const pattern = /'((?:[^']|'')*)'/g;
  for (const match of expression.matchAll(pattern)) {
    const before = expression.slice(0, match.index).trimEnd();
    const after = expression.slice(match.index + match[0].length).trimStart();
    if (/(==|!=|<=|>=|<|>)$/.test(before) || /^(==|!=|<=|>=|<|>)/.test(after) || /(contains|startsWith|endsWith)\([^)]*$/.test(before))
      continue;
    literals.push(match[1].replace(/''/g, "'"));
  }
  return literals;
}

/** The values a reference can take; undefined when nothing is known of it (it stays as written). */
function referenceValues(match: RegExpExecArray, context: Expansion, depth: number): string[] | undefined {
  const [, expression, braced, fallback, bare] = match;
  if (expression !== undefined) {
    const body = expression.trim();
    const matrix = /^matrix\.([\w-]+)$/.exec(body);
    if (matrix) return context.matrix[matrix[1]];
    const input = /^(?:github\.event\.)?inputs\.([\w-]+)$/.exec(body);
    if (input) return context.inputs[input[1]];
    const env = /^env\.([\w-]+)$/.exec(body);
    if (env) return expandAll(context.env[env[1]], context, depth);
    const literals = expressionLiterals(body);
    return literals.length > 0 ? literals : undefined;
  }
  const name = braced ?? bare;
  const values = expandAll(context.env[name], context, depth);
  if (values !== undefined) return values;
  return fallback !== undefined ? [fallback] : undefined;
}

function expandAll(values: string[] | undefined, context: Expansion, depth: number): string[] | undefined {
  if (values === undefined || depth > 3) return values;
  return values.flatMap((value) => expandValue(value, context, depth + 1));
}

/**
 * The values a string can take once its `${{ matrix.x }}`, `${{ inputs.x }}`, `${{ env.x }}`
 * expressions and `$VAR` references are expanded. A reference nothing is known of stays as
 * written (its name still says something: `${{ vars.PROD_STACK }}`).
 */
export function expandValue(value: string, context: Expansion, depth = 0): string[] {
  let results = [""];
  let last = 0;
  for (const found of value.matchAll(REFERENCE)) {
    const literal = value.slice(last, found.index);
    const alternatives = referenceValues(found, context, depth) ?? [found[0]];
    results = results.flatMap((prefix) => alternatives.map((alternative) => prefix + literal + alternative)).slice(0, MAX_VALUES);
    last = found.index + found[0].length;
  }
  const tail = value.slice(last);
  return [...new Set(results.map((prefix) => prefix + tail))];
}
