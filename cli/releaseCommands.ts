/**
 * CLI bindings of the release commands: ledger, promote, rollback, release notes.
 * The work is in components/release/; this file maps flags to options and prints results.
 */
import * as path from "path";
import { registerCommand, PROJECT_DIR } from "./main";
import { UserError } from "./errors";
import { LEDGER_KINDS, LedgerKind, STACK_OF_KIND } from "../components/release/ledger";
import { DEPLOYED, ledgerRecord, ledgerShow, ledgerVerify, soakWindow } from "../components/release/ledgerCommands";
import { openStackDocument, readRelease } from "../components/release/stackDocument";
import { promote } from "../components/release/promote";
import { rollback } from "../components/release/rollback";
import { releaseNotes } from "../components/release/notes";
import { ledgerPathFromEnv } from "../components/manifest";
import { LEDGER_ANCHOR_VARIABLE } from "../contract/release";

const ledgerOption = { ledger: { type: "string" as const } };

/**
 * The ledger file: `--ledger` resolved from the current directory like every other path option,
 * else $SLIPWAY_LEDGER (relative to the project, as the program reads it), else the project's.
 */
function ledgerPath(values: Record<string, unknown>): string | undefined {
  const given = values.ledger as string | undefined;
  if (given !== undefined) return path.resolve(process.cwd(), given);
  return ledgerPathFromEnv();
}

/** `a,b, c` → [a, b, c]; empty → undefined (nobody approved: a run without required reviewers). */
function splitList(text: string | undefined): string[] | undefined {
  const items = (text ?? "").split(",").map((item) => item.trim()).filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

registerCommand("ledger", {
  summary: "Verify, record or show the release ledger (append-only, hash-chained).",
  usage: `Usage:
  slipway ledger verify [--ledger FILE] [--previous FILE] [--anchor SEQ:HASH|none]
  slipway ledger record --kind <${[...LEDGER_KINDS, DEPLOYED].join("|")}> [--stack S] [--version V] [--sha SHA] [--actor A] [--approvers A,B] [--note TEXT] [--from V] [--ledger FILE]
  slipway ledger show [--version V] [--ledger FILE]
  slipway ledger soak --version V [--ledger FILE]

verify   checks every line's hash chain, shape and the release rules; names any edited, removed,
         inserted or reordered line. With --previous, the old file must be a prefix of the new.
         With --anchor (default $SLIPWAY_LEDGER_ANCHOR), every line up to the head the stack
         last deployed from must be unchanged: a rewrite in any number of commits is caught.
record   appends an event, only inside a run of the stack's deploy workflow (the run's id, URL
         and workflow are recorded from the runner's environment); the release (version, level,
         change request, artifacts) is read from the stack file of the kind (staged/validated:
         Pulumi.staging.yaml; promoted/hotfix/rolled-back: Pulumi.production.yaml). --version,
         when given, must match that file. validated waits out the level's staging soak.
         --kind deployed records what Pulumi.production.yaml's release stands for: rolled-back
         (a release slipway rollback wrote), hotfix, or promoted.
show     prints the events as a table.
soak     waits until the staging soak of the release this run staged has passed (its level's
         minutes since the staged line); the deploy workflow then re-runs smoke and records
         validated.

The ledger is releases/ledger.jsonl, or --ledger, or $SLIPWAY_LEDGER.`,
  positionals: true,
  options: {
    ...ledgerOption,
    previous: { type: "string" },
    anchor: { type: "string" },
    approvers: { type: "string" },
    kind: { type: "string" },
    stack: { type: "string" },
    version: { type: "string" },
    sha: { type: "string" },
    actor: { type: "string" },
    note: { type: "string" },
    from: { type: "string" },
  },
  async run(values, positionals) {
    const [action, ...extra] = positionals;
    if (extra.length > 0) throw new UserError(`unexpected argument '${extra[0]}' (see \`slipway ledger --help\`)`);
    const root = PROJECT_DIR;
    switch (action) {
      case "verify": {
        const anchor = (values.anchor as string | undefined) ?? (process.env[LEDGER_ANCHOR_VARIABLE] || undefined);
        const result = ledgerVerify({ root, ledgerPath: ledgerPath(values), previousLedgerPath: values.previous as string | undefined, anchor });
        print(result.text);
        return result.exitCode;
      }
      case "show": {
        const result = ledgerShow({ root, ledgerPath: ledgerPath(values), version: values.version as string | undefined });
        print(result.text);
        return result.exitCode;
      }
      case "record": {
        const kind = values.kind as string | undefined;
        if (!kind || !([...LEDGER_KINDS, DEPLOYED] as readonly string[]).includes(kind)) {
          throw new UserError(`--kind must be one of ${LEDGER_KINDS.join(", ")}, or ${DEPLOYED} (production: what Pulumi.production.yaml's release stands for)`);
        }
        const stack = kind === DEPLOYED ? "production" : STACK_OF_KIND[kind as LedgerKind];
        if (values.stack !== undefined && values.stack !== stack) {
          throw new UserError(`--stack ${String(values.stack)} does not match --kind ${kind}, which is recorded for ${stack}`);
        }
        if (values.version !== undefined) {
          // The workflow names the version it deployed: refuse to record a different release.
          const release = readRelease(openStackDocument(root, stack));
          if (release?.version !== values.version) {
            throw new UserError(`--version ${String(values.version)} is not the release in Pulumi.${stack}.yaml (${release?.version ?? "none"})`, {
              file: `Pulumi.${stack}.yaml`,
              key: "slipway:release.version",
            });
          }
        }
        const result = ledgerRecord({
          root,
          ledgerPath: ledgerPath(values),
          kind: kind as LedgerKind | typeof DEPLOYED,
          gitSha: values.sha as string | undefined,
          actor: values.actor as string | undefined,
          note: values.note as string | undefined,
          from: values.from as string | undefined,
          approvers: splitList(values.approvers as string | undefined),
        });
        print(result.text);
        return result.exitCode;
      }
      case "soak": {
        const version = values.version as string | undefined;
        if (version === undefined) throw new UserError("ledger soak needs --version (the release this run staged)");
        const window = soakWindow({ root, ledgerPath: ledgerPath(values), version });
        print(`${version} (${window.staged.event.level}) was staged at ${window.staged.event.time}; it soaks ${window.minutes} minutes, until ${window.endsAt.toISOString()}.`);
        for (let left = window.endsAt.getTime() - Date.now(); left > 0; left = window.endsAt.getTime() - Date.now()) {
          print(`soaking: ${Math.ceil(left / 60_000)} minute${left > 60_000 ? "s" : ""} left`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(left, 5 * 60_000)));
        }
        print("soak window passed: run the smoke checks again, then record validated.");
        return 0;
      }
      default:
        throw new UserError(`ledger needs one of verify, record, show, soak (see \`slipway ledger --help\`)`);
    }
  },
});

registerCommand("promote", {
  summary: "Write the release staging validated into Pulumi.production.yaml.",
  usage: `Usage: slipway promote [--version V] [--hotfix] [--dry-run] [--force] [--anchor SEQ:HASH] [--ledger FILE]

Finds the release staging validated in the ledger (default: the newest) and writes its version,
level, change request and artifacts into Pulumi.production.yaml, keeping comments and layout.
Refuses a version staging never validated, a ledger that fails verification, and a production
stack file with uncommitted edits. Prints the diff; then run the next steps it prints (a
preview with the policy pack and the team's policy config, then ALLOW_PROD=1 pulumi up).

Options:
  --version V   Version to promote (default: the newest validated).
  --hotfix      Mark the release a hotfix (may ship inside a change freeze; 001).
  --dry-run     Print the diff; write nothing.
  --force       Edit even when the project is not a git repository.
  --anchor A    Production's SLIPWAY_LEDGER_ANCHOR (default: that env var): refuse a ledger that
                does not extend the one production last deployed from.
  --ledger FILE Ledger file (default releases/ledger.jsonl or $SLIPWAY_LEDGER).`,
  options: { ...ledgerOption, version: { type: "string" }, hotfix: { type: "boolean" }, force: { type: "boolean" }, "dry-run": { type: "boolean" }, anchor: { type: "string" } },
  async run(values) {
    const result = promote({
      root: PROJECT_DIR,
      version: values.version as string | undefined,
      hotfix: values.hotfix === true,
      dryRun: values["dry-run"] === true,
      anchor: values.anchor as string | undefined,
      force: values.force === true,
      ledgerPath: ledgerPath(values),
    });
    print(result.text);
    return result.exitCode;
  },
});

registerCommand("rollback", {
  summary: "Write a previous production release back, with L3 flags forced off.",
  usage: `Usage: slipway rollback [--to V] [--reason TEXT] [--dry-run] [--force] [--ledger FILE]

Writes the target release (default: the last good release production ran before the current
one) into Pulumi.production.yaml, marked 'rollback: {from, reason}', and forces every L3 flag off
in production (003 §7.2). The target must be a release staging validated and production ran; a
rollback across a contract migration is refused. Merge the edit and run deploy-production.yml:
it deploys, runs smoke and records the rolled-back event 'ROLLBACK X → Y' in the ledger.

Options:
  --to V         Version to return to.
  --reason TEXT  Why (incident id, symptom); the ledger note of the rollback.
  --dry-run      Print the diff; write nothing.
  --force        Edit even when the project is not a git repository.
  --ledger FILE  Ledger file (default releases/ledger.jsonl or $SLIPWAY_LEDGER).`,
  options: { ...ledgerOption, to: { type: "string" }, reason: { type: "string" }, force: { type: "boolean" }, "dry-run": { type: "boolean" } },
  async run(values) {
    const result = rollback({
      root: PROJECT_DIR,
      to: values.to as string | undefined,
      reason: values.reason as string | undefined,
      dryRun: values["dry-run"] === true,
      force: values.force === true,
      ledgerPath: ledgerPath(values),
    });
    print(result.text);
    return result.exitCode;
  },
});

registerCommand("release", {
  summary: "Release notes from the changelog, the ledger and the flag changes.",
  usage: `Usage: slipway release notes [--version V] [--ledger FILE]

Renders the release-notes template of the playbook (003 §9.2): highlights, operator impact, risk,
rollback plan, known issues. Default version: the release in Pulumi.staging.yaml.`,
  positionals: true,
  options: { ...ledgerOption, version: { type: "string" } },
  async run(values, positionals) {
    if (positionals[0] !== "notes" || positionals.length > 1) throw new UserError("usage: slipway release notes [--version V]");
    const version = (values.version as string | undefined) ?? readRelease(openStackDocument(PROJECT_DIR, "staging"))?.version;
    if (!version) throw new UserError("no --version given and Pulumi.staging.yaml has no slipway:release.version");
    const result = releaseNotes({ root: PROJECT_DIR, version, ledgerPath: ledgerPath(values) });
    print(result.text);
    return result.exitCode;
  },
});
