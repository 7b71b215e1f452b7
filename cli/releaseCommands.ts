/**
 * CLI bindings of the release commands: ledger, promote, rollback, release notes.
 * The work is in release/ (loaded when a command runs); this file maps options to it
 * and prints results.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Command, Option } from "commander";
import { UserError } from "./errors";
import { emit } from "./output";
import { outputOption, runs, stackOption } from "./program";
import { PROJECT_DIR } from "./projectDir";

/** The ledger's kinds plus `deployed`, for help and completion (kept in step with ledger.ts by a test). */
export const RECORD_KINDS = ["staged", "validated", "promoted", "rolled-back", "hotfix", "flag", "migrated", "deployed"] as const;

/** Lazily loaded: the release modules read YAML and validate with zod. */
function release() {
  return {
    ...(require("../release/ledger") as typeof import("../release/ledger")),
    ...(require("../release/ledgerCommands") as typeof import("../release/ledgerCommands")),
    ...(require("../release/stackDocument") as typeof import("../release/stackDocument")),
    ...(require("../release/manifest") as typeof import("../release/manifest")),
  };
}

const ledgerOption = () => new Option("--ledger <file>", "The ledger file (default: $SLIPWAY_LEDGER, else releases/ledger.jsonl)");

/**
 * The ledger file: `--ledger` resolved from the current directory like every other path option,
 * else $SLIPWAY_LEDGER (relative to the project, as the program reads it), else the project's.
 */
function ledgerPath(given: string | undefined): string | undefined {
  if (given !== undefined) return path.resolve(process.cwd(), given);
  return release().ledgerPathFromEnv();
}

/** `a,b, c` → [a, b, c]; empty → undefined (nobody approved: a run without required reviewers). */
function splitList(text: string | undefined): string[] | undefined {
  const items = (text ?? "")
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
  return items.length > 0 ? items : undefined;
}

function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}

/** Add ledger, promote, rollback and release to the tree. */
export function addReleaseCommands(program: Command): void {
  addLedgerCommands(program);
  addPromoteCommand(program);
  addRollbackCommand(program);
  addFlagCommand(program);
  addReleaseNotesCommand(program);
}

function addLedgerCommands(program: Command): void {
  const ledger = program
    .command("ledger")
    .summary("Verify, record or show the release ledger (append-only, hash-chained)")
    .description("The ledger is releases/ledger.jsonl, or --ledger, or $SLIPWAY_LEDGER.")
    .argument("[action]", "Verify, record, show or soak")
    .action(
      runs(async (action?: string) => {
        throw new UserError(
          `${action === undefined ? "ledger needs an action" : `unknown ledger action '${action}'`}: verify, record, show or soak (see \`slipway ledger --help\`)`,
        );
      }),
    );

  ledger
    .command("verify")
    .summary("Check every line's hash chain, shape and the release rules")
    .description(
      "Checks every line's hash chain, shape and the release rules; names any edited, removed, inserted or reordered line. " +
        "With --previous, the old file must be a prefix of the new. With --anchor (default $SLIPWAY_LEDGER_ANCHOR), every line up " +
        "to the head the stack last deployed from must be unchanged: a rewrite in any number of commits is caught.",
    )
    .addOption(ledgerOption())
    .addOption(new Option("--previous <file>", "The ledger before this change: it must be a prefix of the current one"))
    .addOption(
      new Option(
        "--anchor <seq:hash>",
        "The head the stack last deployed from, or 'none' before its first deploy (default: $SLIPWAY_LEDGER_ANCHOR)",
      ),
    )
    .addOption(new Option("--json", "Print the verdict as JSON (the slipway envelope)"))
    .addOption(outputOption())
    .action(
      runs(async (options: { ledger?: string; previous?: string; anchor?: string; json?: boolean; output?: string }) => {
        const { LEDGER_ANCHOR_VARIABLE } = require("../contract/release") as typeof import("../contract/release");
        const { ledgerVerify, readExistingLedger } = release();
        const anchor = options.anchor ?? (process.env[LEDGER_ANCHOR_VARIABLE] || undefined);
        const file = ledgerPath(options.ledger);
        const result = ledgerVerify({ root: PROJECT_DIR, ledgerPath: file, previousLedgerPath: options.previous, anchor });
        if (options.json) {
          const { ledgerVerifyJson } = require("./ledgerJson") as typeof import("./ledgerJson");
          emit(ledgerVerifyJson(readExistingLedger(PROJECT_DIR, file), result.problems), options.output);
        } else {
          emit(result.text, options.output);
        }
        return result.exitCode;
      }),
    );

  ledger
    .command("record")
    .summary("Append an event, only inside a run of the stack's deploy workflow")
    .description(
      "Appends an event, only inside a run of the stack's deploy workflow (the run's id, URL and workflow are recorded from the " +
        "runner's environment). The release (version, level, change request, artifacts) is read from the stack file of the kind " +
        "(staged/validated: Pulumi.staging.yaml; promoted/hotfix/rolled-back: Pulumi.production.yaml). --version, when given, " +
        "must match that file. validated waits out the level's staging soak. --kind deployed records what Pulumi.production.yaml's " +
        "release stands for: rolled-back (a release slipway rollback wrote), hotfix, or promoted.",
    )
    .addOption(new Option("--kind <kind>", "What happened").choices(RECORD_KINDS))
    .addOption(stackOption("The stack the kind is recorded for (checked against --kind)"))
    .addOption(new Option("--version <version>", "The release deployed (checked against the stack file)"))
    .addOption(new Option("--sha <sha>", "The release commit (default: $GITHUB_SHA)"))
    .addOption(new Option("--actor <login>", "Who records (default: $GITHUB_ACTOR)"))
    .addOption(new Option("--approvers <logins>", "Comma-separated logins who approved the deployment"))
    .addOption(new Option("--note <text>", "Free text (a hotfix names its incident)"))
    .addOption(new Option("--from <version>", "Rolled-back: the version production left"))
    .addOption(new Option("--flag <name>", "Flag: the flag whose change this deploy served (how it is served is read from the stack file)"))
    .addOption(
      new Option("--phase <phase>", "Migrated: the migration phase the stack's migration workflow ran").choices(["expand", "contract"]),
    )
    .addOption(ledgerOption())
    .action(
      runs(
        async (options: {
          kind?: string;
          stack?: string;
          version?: string;
          sha?: string;
          actor?: string;
          approvers?: string;
          note?: string;
          from?: string;
          flag?: string;
          phase?: string;
          ledger?: string;
        }) => {
          const { LEDGER_KINDS, STACK_OF_KIND, DEPLOYED, ledgerRecord, openStackDocument, readRelease } = release();
          const kind = options.kind;
          if (kind === undefined) {
            throw new UserError(
              `--kind must be one of ${LEDGER_KINDS.join(", ")}, or ${DEPLOYED} (production: what Pulumi.production.yaml's release stands for)`,
            );
          }
          // A flag change is recorded on the stack that served it; every other kind has its stack.
          // A flag change is recorded on the stack that served it, a migration on the stack it migrated.
          const stack =
            kind === DEPLOYED
              ? "production"
              : kind === "flag" || kind === "migrated"
                ? (options.stack ?? STACK_OF_KIND[kind])
                : STACK_OF_KIND[kind as keyof typeof STACK_OF_KIND];
          if (stack !== "staging" && stack !== "production") throw new UserError(`--stack ${stack} is not a stack: staging or production`);
          if (options.stack !== undefined && options.stack !== stack) {
            throw new UserError(`--stack ${options.stack} does not match --kind ${kind}, which is recorded for ${stack}`);
          }
          if (options.version !== undefined) {
            // The workflow names the version it deployed: refuse to record a different release.
            const current = readRelease(openStackDocument(PROJECT_DIR, stack));
            if (current?.version !== options.version) {
              throw new UserError(
                `--version ${options.version} is not the release in Pulumi.${stack}.yaml (${current?.version ?? "none"})`,
                {
                  file: `Pulumi.${stack}.yaml`,
                  key: "slipway:release.version",
                },
              );
            }
          }
          const result = ledgerRecord({
            root: PROJECT_DIR,
            ledgerPath: ledgerPath(options.ledger),
            kind: kind as Parameters<typeof ledgerRecord>[0]["kind"],
            gitSha: options.sha,
            actor: options.actor,
            note: options.note,
            from: options.from,
            flag: options.flag,
            stack: kind === "flag" || kind === "migrated" ? stack : undefined,
            phase: options.phase as "expand" | "contract" | undefined,
            approvers: splitList(options.approvers),
          });
          print(result.text);
          return result.exitCode;
        },
      ),
    );

  ledger
    .command("migrated")
    .summary("Exit 0 only when the migration workflow recorded the stack's release's expand migration")
    .description(
      "Workflow mode (slipway:migrations.mode): the deploy job runs this before pulumi up and refuses a release whose expand migration " +
        "migrate-<stack>.yml has not recorded for the same version and artifacts (004 §3: migrations run separately, approved, before the deploy).",
    )
    .addOption(stackOption("The stack about to deploy"))
    .addOption(
      new Option(
        "--before <phase>",
        "Ask instead whether the release's migration of this phase may run now (the migration workflow's first check)",
      ).choices(["expand", "contract"]),
    )
    .addOption(
      new Option("--github-output <file>", "With --before: append version=<the release> to this file when it may run ($GITHUB_OUTPUT)"),
    )
    .addOption(ledgerOption())
    .action(
      runs(async (options: { stack?: string; before?: "expand" | "contract"; githubOutput?: string; ledger?: string }) => {
        const stack = options.stack;
        if (stack !== "staging" && stack !== "production")
          throw new UserError(`ledger migrated needs --stack staging or production${stack !== undefined ? ` (got ${stack})` : ""}`);
        const result = release().ledgerMigrationCheck({
          root: PROJECT_DIR,
          ledgerPath: ledgerPath(options.ledger),
          stack,
          before: options.before,
        });
        print(result.text);
        if (result.exitCode === 0 && result.version !== undefined && options.githubOutput !== undefined)
          fs.appendFileSync(options.githubOutput, `version=${result.version}\n`);
        return result.exitCode;
      }),
    );

  ledger
    .command("show")
    .summary("Print the events as a table")
    .addOption(new Option("--version <version>", "Only this release's events"))
    .addOption(ledgerOption())
    .addOption(new Option("--json", "Print the events as JSON (the slipway envelope, grouped by stack)"))
    .addOption(outputOption())
    .action(
      runs(async (options: { version?: string; ledger?: string; json?: boolean; output?: string }) => {
        const { ledgerShow, readExistingLedger } = release();
        const file = ledgerPath(options.ledger);
        if (options.json) {
          const { ledgerShowJson } = require("./ledgerJson") as typeof import("./ledgerJson");
          const ledgerRead = readExistingLedger(PROJECT_DIR, file);
          emit(ledgerShowJson(ledgerRead, options.version), options.output);
          return ledgerRead.problems.length === 0 ? 0 : 1;
        }
        const result = ledgerShow({ root: PROJECT_DIR, ledgerPath: file, version: options.version });
        emit(result.text, options.output);
        return result.exitCode;
      }),
    );

  ledger
    .command("soak")
    .summary("Wait until the staging soak of the release this run staged has passed")
    .description(
      "Waits until the staging soak of the release this run staged has passed (its level's minutes since the staged line); " +
        "the deploy workflow then re-runs smoke and records validated.",
    )
    .addOption(new Option("--version <version>", "The release this run staged; required"))
    .addOption(ledgerOption())
    .action(
      runs(async (options: { version?: string; ledger?: string }) => {
        const version = options.version;
        if (version === undefined) throw new UserError("ledger soak needs --version (the release this run staged)");
        const window = release().soakWindow({ root: PROJECT_DIR, ledgerPath: ledgerPath(options.ledger), version });
        print(
          `${version} (${window.staged.event.level}) was staged at ${window.staged.event.time}; it soaks ${window.minutes} minutes, until ${window.endsAt.toISOString()}.`,
        );
        for (let left = window.endsAt.getTime() - Date.now(); left > 0; left = window.endsAt.getTime() - Date.now()) {
          print(`soaking: ${Math.ceil(left / 60_000)} minute${left > 60_000 ? "s" : ""} left`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(left, 5 * 60_000)));
        }
        print("soak window passed: run the smoke checks again, then record validated.");
        return 0;
      }),
    );
}

function addPromoteCommand(program: Command): void {
  program
    .command("promote")
    .summary("Write the release staging validated into Pulumi.production.yaml")
    .description(
      "Finds the release staging validated in the ledger (default: the newest) and writes its version, level, change request and " +
        "artifacts into Pulumi.production.yaml, keeping comments and layout. Refuses a version staging never validated, a ledger " +
        "that fails verification, and a production stack file with uncommitted edits. Prints the diff; then run the next steps " +
        "it prints (a preview with the policy pack and the team's policy config, then ALLOW_PROD=1 pulumi up).",
    )
    .addOption(new Option("--version <version>", "The version to promote (default: the newest validated)"))
    .addOption(
      new Option("--hotfix", "Mark the release a hotfix (may ship inside a change freeze; 001): the next patch of what production runs"),
    )
    .addOption(
      new Option("--incident <id>", "The open production incident the hotfix answers (INC-77, #123 or its URL); required with --hotfix"),
    )
    .addOption(new Option("--dry-run", "Print the diff; write nothing"))
    .addOption(new Option("--force", "Edit even when the project is not a git repository"))
    .addOption(
      new Option(
        "--anchor <seq:hash>",
        "Production's SLIPWAY_LEDGER_ANCHOR (default: that variable): refuse a ledger that does not extend it",
      ),
    )
    .addOption(ledgerOption())
    .action(
      runs(
        async (options: {
          version?: string;
          hotfix?: boolean;
          incident?: string;
          dryRun?: boolean;
          force?: boolean;
          anchor?: string;
          ledger?: string;
        }) => {
          const { promote } = require("../release/promote") as typeof import("../release/promote");
          const result = promote({
            root: PROJECT_DIR,
            version: options.version,
            hotfix: options.hotfix === true,
            incident: options.incident,
            dryRun: options.dryRun === true,
            anchor: options.anchor,
            force: options.force === true,
            ledgerPath: ledgerPath(options.ledger),
          });
          print(result.text);
          return result.exitCode;
        },
      ),
    );
}

function addRollbackCommand(program: Command): void {
  program
    .command("rollback")
    .summary("Write a previous production release back, with L3 flags forced off")
    .description(
      "Writes the target release (default: the last good release production ran before the current one) into " +
        "Pulumi.production.yaml, marked 'rollback: {from, reason}', and forces every L3 flag off in production (003 §7.2). " +
        "The target must be a release staging validated and production ran; a rollback across a contract migration is refused. " +
        "In an incident, rollback.yml runs this and deploys it (one approval, no soak timer); otherwise merge the edit and run deploy-production.yml. " +
        "--stack staging returns staging to the last release it validated, the same way.",
    )
    .addOption(new Option("--to <version>", "The version to return to"))
    .addOption(
      new Option("--stack <stack>", "The stack to roll back: production, or staging (to the last release it validated)")
        .choices(["production", "staging"])
        .default("production"),
    )
    .addOption(new Option("--reason <text>", "Why (incident id, symptom); the ledger note of the rollback"))
    .addOption(new Option("--dry-run", "Print the diff; write nothing"))
    .addOption(new Option("--force", "Edit even when the project is not a git repository"))
    .addOption(
      new Option(
        "--github-output <file>",
        "Also append from=, to= and marker= lines to this file (the rollback workflow passes $GITHUB_OUTPUT)",
      ),
    )
    .addOption(ledgerOption())
    .action(
      runs(
        async (options: {
          to?: string;
          stack?: "production" | "staging";
          reason?: string;
          dryRun?: boolean;
          force?: boolean;
          githubOutput?: string;
          ledger?: string;
        }) => {
          const { rollback } = require("../release/rollback") as typeof import("../release/rollback");
          const result = rollback({
            root: PROJECT_DIR,
            stack: options.stack,
            to: options.to,
            reason: options.reason,
            dryRun: options.dryRun === true,
            force: options.force === true,
            ledgerPath: ledgerPath(options.ledger),
          });
          print(result.text);
          // Versions match VERSION_PATTERN and the marker is built from them: no value can add a line.
          if (options.githubOutput !== undefined)
            fs.appendFileSync(options.githubOutput, `from=${result.from}\nto=${result.to}\nmarker=${result.marker}\n`);
          return result.exitCode;
        },
      ),
    );
}

function addFlagCommand(program: Command): void {
  const flag = program
    .command("flag")
    .summary("Turn a flag on or off where it is served: no rebuild, no restart")
    .description(
      "Edits the flag's default (and canary stage) in Pulumi.<stack>.yaml, validated like the program's config. Deployed, only the flag " +
        "sources change, in place: the environment's SLIPWAY_FLAGS variable (Vercel and Heroku apps read it through SLIPWAY_FLAGS_URL) and " +
        "the slipway-flags ConfigMap (pods watch it). `off` is always allowed (003 §7.2). In production a side-effect flag (L3 or kill switch) " +
        "widens one canary stage at a time, and goes on for everyone only after its last stage, on a change request of a release staging validated.",
    )
    .argument("[action]", "on or off")
    .action(
      runs(async (action?: string) => {
        throw new UserError(
          `${action === undefined ? "flag needs an action" : `unknown flag action '${action}'`}: on or off (see \`slipway flag --help\`)`,
        );
      }),
    );
  const common = (command: Command) =>
    command
      .addOption(
        new Option("--stack <stack>", "The stack whose environment serves the change")
          .choices(["production", "staging"])
          .default("production"),
      )
      .addOption(new Option("--dry-run", "Print the diff; write nothing"))
      .addOption(new Option("--force", "Edit even when the project is not a git repository"))
      .addOption(ledgerOption());
  type FlagCliOptions = {
    stack?: "production" | "staging";
    stage?: string;
    approval?: string;
    dryRun?: boolean;
    force?: boolean;
    ledger?: string;
  };
  const run = (state: "on" | "off") =>
    runs(async (name: string, options: FlagCliOptions) => {
      const { setFlag } = require("../release/flag") as typeof import("../release/flag");
      const result = setFlag({
        root: PROJECT_DIR,
        stack: options.stack,
        name,
        state,
        stage: options.stage,
        approval: options.approval,
        dryRun: options.dryRun === true,
        force: options.force === true,
        ledgerPath: ledgerPath(options.ledger),
      });
      print(result.text);
      return result.exitCode;
    });
  common(
    flag.command("off").summary("Serve the flag off for everyone (the kill switch: no approval needed)").argument("<name>", "The flag"),
  ).action(run("off"));
  common(
    flag
      .command("on")
      .summary("Serve the flag on for everyone, or up to a canary stage")
      .argument("<name>", "The flag")
      .addOption(new Option("--stage <stage>", "Serve it only up to this canary stage of the flag's stages"))
      .addOption(new Option("--approval <id>", "Production, side-effect flag, for everyone: the change request that approved it")),
  ).action(run("on"));
  // The deploy job's question before pulumi up: which flags will it serve differently? Their
  // `flag` ledger events are recorded once the release is live.
  flag
    .command("changed")
    .summary("List the flags whose served value differs from the document the environment served before (the deploy's flag events)")
    .addOption(new Option("--stack <stack>", "The stack whose environment serves the flags").choices(["production", "staging"]))
    .addOption(
      new Option(
        "--served-before <json>",
        "The flagd document the environment served before this deploy (its SLIPWAY_FLAGS variable; empty: none yet)",
      ),
    )
    .addOption(new Option("--github-output <file>", "Append flags=<space-separated names> to this file ($GITHUB_OUTPUT)"))
    .action(
      runs(async (options: { stack?: "production" | "staging"; servedBefore?: string; githubOutput?: string }) => {
        if (options.stack === undefined) throw new UserError("flag changed needs --stack staging or production");
        // Missing is not "nothing served": the deploy passes the variable, empty before the first deploy.
        if (options.servedBefore === undefined)
          throw new UserError(
            "flag changed needs --served-before <the SLIPWAY_FLAGS document served before; empty before the first deploy>",
          );
        const { flagsChanged } = require("../release/flag") as typeof import("../release/flag");
        const result = flagsChanged({ root: PROJECT_DIR, stack: options.stack, servedBefore: options.servedBefore });
        print(result.text);
        // Flag names are kebab-case keys (the config contract): no value can add a line.
        if (options.githubOutput !== undefined) fs.appendFileSync(options.githubOutput, `flags=${result.changed.join(" ")}\n`);
        return result.exitCode;
      }),
    );
}

function addReleaseNotesCommand(program: Command): void {
  const releaseCommand = program
    .command("release")
    .summary("Release notes from the changelog, the ledger and the flag changes")
    .argument("[action]", "notes or incident")
    .action(
      runs(async (action?: string) => {
        throw new UserError(
          `${action === undefined ? "release needs an action" : `unknown release action '${action}'`}: notes, incident (see \`slipway release --help\`)`,
        );
      }),
    );
  releaseCommand
    .command("incident")
    .summary("Print the incident production's hotfix release answers (nothing when it is no hotfix)")
    .description(
      "A hotfix ships only for a production incident (001, 000 §6.6): prints the release.incident of Pulumi.production.yaml when its release is a hotfix, " +
        "nothing otherwise, and refuses a hotfix that names none. The production deploy workflow checks that the incident is open.",
    )
    .action(
      runs(async () => {
        const { openStackDocument, readRelease } = release();
        const document = openStackDocument(PROJECT_DIR, "production");
        const current = readRelease(document);
        if (current === undefined)
          throw new UserError("is missing: production has no release", { file: document.file, key: "slipway:release" });
        if (!current.hotfix) return 0;
        if (current.incident === undefined) {
          throw new UserError("is missing: a hotfix answers a production incident (001, 000 §6.6); name it (INC-77, #123 or its URL)", {
            file: document.file,
            key: "slipway:release.incident",
          });
        }
        print(current.incident);
        return 0;
      }),
    );
  releaseCommand
    .command("notes")
    .summary("Render the release-notes template of the playbook (003 §9.2)")
    .description("Highlights, operator impact, risk, rollback plan, known issues. Default version: the release in Pulumi.staging.yaml.")
    .addOption(new Option("--version <version>", "The release (default: Pulumi.staging.yaml's)"))
    .addOption(ledgerOption())
    .action(
      runs(async (options: { version?: string; ledger?: string }) => {
        const { openStackDocument, readRelease } = release();
        const { releaseNotes } = require("../release/notes") as typeof import("../release/notes");
        const version = options.version ?? readRelease(openStackDocument(PROJECT_DIR, "staging"))?.version;
        if (!version) throw new UserError("no --version given and Pulumi.staging.yaml has no slipway:release.version");
        const result = releaseNotes({ root: PROJECT_DIR, version, ledgerPath: ledgerPath(options.ledger) });
        print(result.text);
        return result.exitCode;
      }),
    );
}
