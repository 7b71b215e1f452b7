/**
 * `slipway completion bash|zsh`: a completion script generated from the command tree itself, so
 * it knows every command, subcommand and option the CLI has. Options that take a file complete
 * file names, `--sarif` a directory, `--stack` the project's stacks (its Pulumi.<name>.yaml
 * files), and options with fixed values their values.
 *
 *   source <(slipway completion bash)          # or add it to ~/.bashrc
 *   slipway completion zsh > "${fpath[1]}/_slipway"
 */
import type { Command, Option } from "commander";
import { UserError } from "./errors";
import { runs } from "./program";

/** What an option's value completes to. */
type ValueKind =
  | { kind: "none" }
  | { kind: "file" }
  | { kind: "dir" }
  | { kind: "stack" }
  | { kind: "words"; words: readonly string[] }
  | { kind: "text"; placeholder: string };

function valueKind(option: Option): ValueKind {
  if (!option.required && !option.optional) return { kind: "none" };
  if (option.argChoices) return { kind: "words", words: option.argChoices };
  if (option.long === "--stack") return { kind: "stack" };
  if (option.flags.includes("<dir>")) return { kind: "dir" };
  if (option.flags.includes("<file>")) return { kind: "file" };
  return { kind: "text", placeholder: /<[^>]+>/.exec(option.flags)?.[0] ?? "value" };
}

/** One command path (`ledger verify`) with its subcommands and options. */
interface Node {
  path: string[];
  summary: string;
  subcommands: { name: string; summary: string }[];
  options: { flags: string[]; description: string; value: ValueKind }[];
}

function nodes(command: Command, prefix: string[] = []): Node[] {
  const visible = command.commands.filter((sub) => sub.name() !== "help");
  const options = command.options
    .filter((option) => !option.hidden)
    .map((option) => ({
      flags: [option.short, option.long].filter((flag): flag is string => flag !== undefined),
      description: option.description,
      value: valueKind(option),
    }));
  options.push({ flags: ["-h", "--help"], description: "Show this help", value: { kind: "none" } });
  const own: Node = {
    path: prefix,
    summary: command.summary() || command.description(),
    subcommands: visible.map((sub) => ({ name: sub.name(), summary: sub.summary() })),
    options,
  };
  return [own, ...visible.flatMap((sub) => nodes(sub, [...prefix, sub.name()]))];
}

const STACKS_SHELL = `ls Pulumi.*.yaml 2>/dev/null | sed -e 's/^Pulumi\\.//' -e 's/\\.yaml$//'`;

/** The bash script: `complete -F _slipway slipway`. */
export function bashCompletion(program: Command): string {
  const tree = nodes(program);
  const valueCases = new Map<string, string>();
  for (const node of tree) {
    for (const option of node.options) {
      const words = option.flags.join("|");
      const value = option.value;
      if (value.kind === "none") continue;
      const reply =
        value.kind === "file"
          ? `COMPREPLY=($(compgen -f -- "$cur"))`
          : value.kind === "dir"
            ? `COMPREPLY=($(compgen -d -- "$cur"))`
            : value.kind === "stack"
              ? `COMPREPLY=($(compgen -W "$(${STACKS_SHELL})" -- "$cur"))`
              : value.kind === "words"
                ? `COMPREPLY=($(compgen -W "${value.words.join(" ")}" -- "$cur"))`
                : "COMPREPLY=()"; // free text: nothing to offer
      valueCases.set(words, `    ${words}) ${reply}; return ;;`);
    }
  }
  const pathCases = tree.map((node) => {
    const words = [...node.subcommands.map((sub) => sub.name), ...node.options.flatMap((option) => option.flags)];
    return `    "${node.path.join(" ")}") words="${words.join(" ")}" ;;`;
  });
  const known = tree.filter((node) => node.path.length > 0).map((node) => `"${node.path.join(" ")}"`);
  return `# bash completion for slipway: source <(slipway completion bash)
_slipway() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" cmdpath="" candidate words i
  case "$prev" in
${[...valueCases.values()].join("\n")}
  esac
  # The command path: the words before the cursor that name a (sub)command.
  for ((i = 1; i < COMP_CWORD; i++)); do
    candidate="\${cmdpath:+$cmdpath }\${COMP_WORDS[i]}"
    case "$candidate" in
      ${known.join("|")}) cmdpath="$candidate" ;;
    esac
  done
  case "$cmdpath" in
${pathCases.join("\n")}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -F _slipway slipway
`;
}

function zshQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A `_describe` entry: the name's colons escaped, then the description. */
function zshEntry(name: string, description: string): string {
  return zshQuote(`${name.replace(/:/g, "\\:")}:${description}`);
}

/** The zsh script: a native `#compdef slipway` function with descriptions. */
export function zshCompletion(program: Command): string {
  const tree = nodes(program);
  const pathCases = tree.map((node) => {
    const subcommands = node.subcommands.map((sub) => zshEntry(sub.name, sub.summary)).join(" ");
    const options = node.options.flatMap((option) => option.flags.map((flag) => zshEntry(flag, option.description))).join(" ");
    return `    "${node.path.join(" ")}") subcommands=(${subcommands}); options=(${options}) ;;`;
  });
  const valueCases: string[] = [];
  for (const node of tree) {
    for (const option of node.options) {
      const value = option.value;
      if (value.kind === "none") continue;
      const action =
        value.kind === "file"
          ? "_files"
          : value.kind === "dir"
            ? "_files -/"
            : value.kind === "stack"
              ? `compadd -- \${(f)"$(${STACKS_SHELL})"}`
              : value.kind === "words"
                ? `compadd -- ${value.words.join(" ")}`
                : `_message ${zshQuote(value.placeholder)}`;
      valueCases.push(`    ${option.flags.join("|")}) ${action}; return ;;`);
    }
  }
  const known = tree.filter((node) => node.path.length > 0).map((node) => node.path.join(" "));
  return `#compdef slipway
# zsh completion for slipway: slipway completion zsh > "\${fpath[1]}/_slipway" (or: source <(slipway completion zsh))
_slipway() {
  local cmdpath="" candidate i
  local -a subcommands options
  local -A known
  known=(${known.map((entry) => `${zshQuote(entry)} 1`).join(" ")})
  case "\${words[CURRENT-1]}" in
${[...new Set(valueCases)].join("\n")}
  esac
  for ((i = 2; i < CURRENT; i++)); do
    candidate="\${cmdpath:+$cmdpath }\${words[i]}"
    [[ -n "\${known[$candidate]}" ]] && cmdpath="$candidate"
  done
  case "$cmdpath" in
${pathCases.join("\n")}
  esac
  if [[ "\${words[CURRENT]}" == -* ]]; then
    _describe -t options 'option' options
  else
    _describe -t commands 'command' subcommands
  fi
}
if [[ "\${zsh_eval_context[-1]}" == loadautofunc ]]; then
  _slipway "$@"
else
  compdef _slipway slipway
fi
`;
}

/** Add completion to the tree (it reads the tree it is part of). */
export function addCompletionCommand(program: Command): void {
  program
    .command("completion")
    .summary("Print a shell completion script (bash or zsh)")
    .description(
      'bash: source <(slipway completion bash)\nzsh:  slipway completion zsh > "${fpath[1]}/_slipway" (or source <(slipway completion zsh))',
    )
    .argument("<shell>", "Bash or zsh")
    .action(
      runs(async (shell: string) => {
        if (shell === "bash") process.stdout.write(bashCompletion(program));
        else if (shell === "zsh") process.stdout.write(zshCompletion(program));
        else throw new UserError(`no completion for shell '${shell}': bash or zsh`);
        return 0;
      }),
    );
}
