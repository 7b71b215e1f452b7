/**
 * The `slipway` command behaves like the tools a platform engineer already uses: `-s` as in
 * Pulumi, `--version`, the same help layout and exit codes on every command, a usage mistake as
 * one line and exit 2, shell completion, progress only on a terminal, one JSON envelope.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { POLICY_CONFIG_FILE } from "../../contract";
import { DEPLOYED } from "../../release/ledgerCommands";
import { LEDGER_KINDS } from "../../release/ledger";
import { POLICY_CONFIG_FILE as GATE_DEFAULT_POLICY_CONFIG } from "../../cli/gateCommand";
import { RECORD_KINDS } from "../../cli/releaseCommands";
import { EXIT_CODES } from "../../cli/program";
import { progressOn } from "../../cli/progress";

const root = path.resolve(__dirname, "..", "..");
const packageVersion = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { version: string }).version;

function slipway(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [path.join(root, "bin", "slipway.js"), ...args], {
    encoding: "utf8",
    cwd: options.cwd ?? root,
    env: { ...process.env, ...options.env },
  });
  // The CLI may note on stderr that it runs its TypeScript sources (a build older than a source).
  const stderr = result.stderr.replace(/^slipway: .*: running the TypeScript sources through tsx.*\n/m, "");
  return { code: result.status, stdout: result.stdout, stderr };
}

describe("Pulumi habits", () => {
  it("--version prints the package's version and nothing else", () => {
    const result = slipway(["--version"]);
    expect(result).toEqual({ code: 0, stdout: `${packageVersion}\n`, stderr: "" });
  });

  it("-s names the stack, as --stack does", () => {
    const short = slipway(["secrets", "-s", "production"]);
    const long = slipway(["secrets", "--stack", "production"]);
    expect(short.code).toBe(0);
    expect(short.stdout).toContain("pulumi config set --secret --path 'slipway:postgres.password' --stack production");
    expect(short.stdout).toBe(long.stdout);
  });

  it("a subcommand's own --version is its option, not the program's", () => {
    const result = slipway(["ledger", "show", "--version", "1.4.0"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("1.4.0");
    expect(result.stdout).not.toContain("1.3.0");
  });
});

describe("help", () => {
  const commands = [
    ["plan"],
    ["secrets"],
    ["gate"],
    ["import"],
    ["ledger"],
    ["ledger", "verify"],
    ["ledger", "record"],
    ["ledger", "show"],
    ["ledger", "soak"],
    ["promote"],
    ["rollback"],
    ["flag"],
    ["flag", "on"],
    ["flag", "off"],
    ["flag", "changed"],
    ["release"],
    ["release", "notes"],
    ["completion"],
  ];

  it.each(commands)("slipway %s --help: usage, options with <placeholder>s, and every exit code", (...command) => {
    const result = slipway([...command, "--help"]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Usage: slipway ${command.join(" ")} `));
    for (const [code, meaning] of EXIT_CODES) expect(result.stdout).toContain(`  ${code}  ${meaning}`);
    // One placeholder style: <name>, never NAME or bare words.
    for (const line of result.stdout.split("\n").filter((entry) => /^ {2}-/.test(entry)))
      expect(line).toMatch(/^ {2}(-\w, )?--[\w-]+( <[\w:.]+>)? {2,}[A-Z]/);
  });

  it("slipway --help lists every command and the exit codes, including 3", () => {
    const result = slipway(["--help"]);
    expect(result.code).toBe(0);
    for (const command of ["plan", "secrets", "gate", "import", "ledger", "promote", "rollback", "flag", "release", "completion"])
      expect(result.stdout).toMatch(new RegExp(`^  ${command}\\s`, "m"));
    expect(result.stdout).toContain("  3  internal error: a bug in slipway; the stack trace is printed, please report it");
  });

  it("slipway with no command prints the help where errors go, and exits 2", () => {
    const result = slipway([]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(/^Usage: slipway /);
  });
});

describe("usage mistakes: one line naming what was wrong, exit 2, no stack trace", () => {
  it.each([
    [["plan", "--stak", "production"], "slipway: unknown option '--stak' (Did you mean --stack?) (see `slipway plan --help`)"],
    [
      ["deploy"],
      "slipway: unknown command 'deploy'; commands: plan, secrets, gate, import, ledger, promote, rollback, flag, release, completion",
    ],
    [["ledger"], "slipway: ledger needs an action: verify, record, show or soak (see `slipway ledger --help`)"],
    [["ledger", "frob"], "slipway: unknown ledger action 'frob': verify, record, show or soak (see `slipway ledger --help`)"],
    [["gate", "--json", "--markdown"], "slipway: option '--json' cannot be used with option '--markdown' (see `slipway gate --help`)"],
    [
      ["ledger", "record", "--kind", "shipped"],
      expect.stringContaining("slipway: option '--kind <kind>' argument 'shipped' is invalid. Allowed choices are staged, validated"),
    ],
    [["completion", "fish"], "slipway: no completion for shell 'fish': bash or zsh"],
    [
      ["gate", "-s", "staging", "--base-policy-config", "main-policy-config.json"],
      "slipway: main-policy-config.json: does not exist (--base-policy-config)",
    ],
    [["import"], "slipway: required option '--owner <org>' not specified (see `slipway import --help`)"],
  ])("slipway %j", (args, message) => {
    const result = slipway(args as string[]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe("");
    expect(result.stderr.trimEnd().split("\n")).toEqual([message]);
  });
});

describe("the names the CLI spells out to start fast", () => {
  it("agree with the modules that own them", () => {
    expect(RECORD_KINDS).toEqual([...LEDGER_KINDS, DEPLOYED]);
    expect(GATE_DEFAULT_POLICY_CONFIG).toBe(POLICY_CONFIG_FILE);
  });
});

describe("shell completion", () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-completion-"));
    for (const stack of ["qa", "prod-eu"]) fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), "config: {}\n");
    fs.writeFileSync(path.join(dir, "completion.bash"), slipway(["completion", "bash"]).stdout);
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** What bash offers after `words` (the last one being completed). */
  function complete(...words: string[]): string[] {
    const script = `source completion.bash; COMP_WORDS=(${words.map((word) => `'${word}'`).join(" ")}); COMP_CWORD=${words.length - 1}; _slipway; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const result = spawnSync("bash", ["-c", script], { cwd: dir, encoding: "utf8" });
    expect(result.stderr).toBe("");
    return result.stdout.split("\n").filter((line) => line !== "");
  }

  it("bash completes commands, subcommands and options from the command tree", () => {
    expect(complete("slipway", "")).toEqual(expect.arrayContaining(["plan", "gate", "ledger", "completion"]));
    expect(complete("slipway", "le")).toEqual(["ledger"]);
    expect(complete("slipway", "ledger", "")).toEqual(expect.arrayContaining(["verify", "record", "show", "soak"]));
    expect(complete("slipway", "gate", "--s")).toEqual(["--stack", "--state", "--sarif"]);
    expect(complete("slipway", "ledger", "verify", "--")).toEqual(expect.arrayContaining(["--ledger", "--previous", "--anchor", "--json"]));
  });

  it("bash completes a stack from the Pulumi.<name>.yaml files here, and --kind from its choices", () => {
    expect(complete("slipway", "gate", "-s", "")).toEqual(["prod-eu", "qa"]);
    expect(complete("slipway", "ledger", "record", "--kind", "ro")).toEqual(["rolled-back"]);
  });

  it("zsh gets a native completion function over the same tree", () => {
    const script = slipway(["completion", "zsh"]).stdout;
    expect(script.startsWith("#compdef slipway\n")).toBe(true);
    expect(script).toContain("compdef _slipway slipway");
    expect(script).toContain("'gate:Judge the stacks with the policy pack, offline (no credentials, no Pulumi CLI)'");
    const zsh = spawnSync("zsh", ["-n", "-c", script], { encoding: "utf8" });
    // zsh -n parses without running: a syntax error in the generated script fails here where zsh exists.
    if (zsh.error === undefined) expect(zsh.stderr).toBe("");
  });
});

describe("progress", () => {
  /** A stream that records what was written, a terminal or not. */
  function stream(isTTY: boolean) {
    const written: string[] = [];
    return { isTTY, written, write: (text: string) => written.push(text) > 0 } as unknown as NodeJS.WriteStream & { written: string[] };
  }

  it("is shown on a terminal: what runs at once on one line, cleared before the result", () => {
    const terminal = stream(true);
    let now = 0;
    const progress = progressOn(terminal, () => now);
    progress.start("running staging");
    progress.start("starting the policy pack");
    now = 1500;
    progress.finish("running staging");
    progress.start("judging staging (67 resources)");
    progress.done();
    expect(terminal.written).toEqual([
      "\r\x1b[K0.0s running staging",
      "\r\x1b[K0.0s running staging · starting the policy pack",
      "\r\x1b[K1.5s starting the policy pack",
      "\r\x1b[K1.5s starting the policy pack · judging staging (67 resources)",
      "\r\x1b[K",
    ]);
  });

  it("is silent when stderr is a pipe or a file (CI logs, 2>file)", () => {
    const pipe = stream(false);
    const progress = progressOn(pipe);
    progress.start("starting the policy pack");
    progress.finish("starting the policy pack");
    progress.done();
    expect(pipe.written).toEqual([]);
  });
});

describe("ledger --json", () => {
  it("show prints the events in the slipway envelope, grouped by the stack they happened on", () => {
    const result = slipway(["ledger", "show", "--json"]);
    expect(result.code).toBe(0);
    const envelope = JSON.parse(result.stdout);
    expect(Object.keys(envelope)).toEqual(["schemaVersion", "slipway", "pack", "result", "ledger", "stacks"]);
    expect(envelope).toMatchObject({
      schemaVersion: 1,
      slipway: packageVersion,
      pack: null,
      result: "pass",
      ledger: { file: "releases/ledger.jsonl", problems: [] },
    });
    expect(envelope.stacks.map((stack: { stack: string }) => stack.stack)).toEqual(["staging", "production"]);
    const production = envelope.stacks[1].events as { kind: string; stack: string; line: number }[];
    expect(production.length).toBeGreaterThan(0);
    for (const event of production) expect(["promoted", "hotfix", "rolled-back"]).toContain(event.kind);
  });

  it("verify fails a ledger with an edited line: exit 1, result fail, the line named", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-ledger-json-"));
    try {
      const lines = fs.readFileSync(path.join(root, "releases", "ledger.jsonl"), "utf8").split("\n");
      lines[1] = lines[1].replace('"actor":"', '"actor":"mallory-');
      fs.writeFileSync(path.join(dir, "ledger.jsonl"), lines.join("\n"));
      const result = slipway([
        "ledger",
        "verify",
        "--json",
        "--ledger",
        path.join(dir, "ledger.jsonl"),
        "--output",
        path.join(dir, "verify.json"),
      ]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe("");
      const envelope = JSON.parse(fs.readFileSync(path.join(dir, "verify.json"), "utf8"));
      expect(envelope.result).toBe("fail");
      expect(envelope.ledger.problems[0]).toMatchObject({ line: 2 });
      expect(slipway(["ledger", "verify", "--json"]).stdout).toContain('"result": "pass"');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
