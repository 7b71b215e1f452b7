/**
 * `slipway flag on|off <name>`: change what a stack serves for one flag, and nothing else.
 *
 * A flag change is an edit of `slipway:flags` in `Pulumi.<stack>.yaml` (the flag's default in the
 * stack's environment, and the canary stage it has reached), validated by the config contract.
 * Deployed, it changes only the flag sources: the environment's `SLIPWAY_FLAGS` GitHub variable,
 * which Vercel and Heroku apps read through `SLIPWAY_FLAGS_URL`, and the `slipway-flags` ConfigMap
 * pods watch. Both are updated in place; no app is rebuilt, replaced or restarted.
 *
 * The rules (003 §4.3–4.4, §7.2): turning a flag off is always allowed (the kill switch needs no
 * approval). In production, a side-effect flag (L3, or in the kill-switch set) moves through its
 * canary stages one at a time (house accounts, then 1–2 clients), and goes on for everyone only
 * after its last stage and on a change request the ledger records for a release staging
 * validated, the approval the `l3-flags-off-in-production` policy checks again at deploy time.
 */
import { isDeepStrictEqual } from "node:util";
import { isMap } from "yaml";
import { z } from "zod";
import { NAMESPACE, type EnvironmentName, type FlagConfig } from "../config/config";
import { flagdDocument } from "../config/flagd";
import { unifiedDiff } from "./diff";
import type { CommandResult } from "./command";
import { UserError } from "../config/errors";
import { requireCommittedFile } from "./git";
import { readExistingLedger, readLedger, requireIntactLedger } from "./ledger";
import { killedFlags } from "./manifest";
import { openStackDocument, readFlags, renderStackDocument, saveStackDocument, type StackDocument } from "./stackDocument";
import { previewCommand, shellJoin } from "../contract/commands";

const FLAGS_KEY = `${NAMESPACE}:flags`;

/** Options of `slipway flag`. */
export interface FlagOptions {
  /** Project root (holds the stack files and the ledger). */
  root: string;
  /** The stack whose environment serves the change (default production). */
  stack?: "staging" | "production";
  /** The flag's name. */
  name: string;
  /** `off` (for everyone), or `on` (for everyone, or up to `stage`). */
  state: "on" | "off";
  /** `on` only: the canary stage to serve the flag up to (its declared `stages`). */
  stage?: string;
  /** `on` for everyone in production: the change request that approved the side-effect flag. */
  approval?: string;
  /** Ledger file relative to root (default releases/ledger.jsonl): where an approval is checked. */
  ledgerPath?: string;
  /** Edit even when root is not a git repository. */
  force?: boolean;
  /** Show the edit without writing it. */
  dryRun?: boolean;
}

/** What `slipway flag` did. */
export interface FlagResult extends CommandResult {
  /** The flag as the stack serves it now: `on`, `off` or `stage <name>`. */
  served: string;
  /** Whether the stack file changed (false when the flag was already served so). */
  changed: boolean;
  /** Unified diff of the stack file. */
  diff: string;
}

/** Whether a flag acts on the outside world: what the policies judge as a side-effect flag. */
function isSideEffect(flag: FlagConfig): boolean {
  return flag.level === "L3" || flag.killSwitch;
}

/** How the environment serves a flag: on, off, or up to a stage (what a ledger flag event records). */
export function servedAs(flag: FlagConfig, environment: EnvironmentName): string {
  if (flag.defaults[environment]) return "on";
  const stage = flag.rollout[environment];
  return stage !== undefined ? `stage ${stage}` : "off";
}

/** Remove `rollout.<environment>`, and `rollout` itself once it is empty. */
function clearRollout(document: StackDocument, index: number, environment: string): void {
  const path = ["config", FLAGS_KEY, index, "rollout"];
  if (!document.document.hasIn([...path, environment])) return;
  document.document.deleteIn([...path, environment]);
  const rollout = document.document.getIn(path);
  if (isMap(rollout) && rollout.items.length === 0) document.document.deleteIn(path);
}

/** Turn a flag on or off in a stack's environment; refuses (UserError, nothing written) what the rules forbid. */
export function setFlag(options: FlagOptions): FlagResult {
  const stack = options.stack ?? "production";
  const document = openStackDocument(options.root, stack);
  const flags = readFlags(document);
  const index = flags.findIndex((flag) => flag.name === options.name);
  if (index < 0) {
    const known = flags.map((flag) => flag.name).join(", ") || "none";
    throw new UserError(`names no flag '${options.name}' (flags: ${known})`, { file: document.file, key: FLAGS_KEY });
  }
  const flag = flags[index];
  const key = (field: string) => `${FLAGS_KEY}[${index}].${field}`;
  const refuse = (message: string, field: string): never => {
    throw new UserError(message, { file: document.file, key: key(field) });
  };
  const before = servedAs(flag, stack);
  const base = ["config", FLAGS_KEY, index];
  const guarded = stack === "production" && isSideEffect(flag);
  // Turning on a flag an emergency killed is deliberate: the stack file names the kill it
  // overrides (the pack refuses the flag on again otherwise), and the diff shows it to reviewers.
  let overriddenKill: number | undefined;
  const overrideKill = () => {
    if (stack !== "staging" && stack !== "production") return;
    // The ledger as the program reads it: absent, it records no kill.
    const ledger = readLedger(options.root, options.ledgerPath);
    requireIntactLedger(ledger);
    const kill = killedFlags(ledger, stack).find((killed) => killed.name === flag.name);
    if (kill === undefined) return;
    overriddenKill = kill.seq;
    document.document.setIn([...base, "overridesKill", stack], kill.seq);
  };

  if (options.state === "off") {
    if (options.stage !== undefined) refuse("--stage applies to `flag on`: off is off for everyone", "rollout");
    document.document.setIn([...base, "defaults", stack], false);
    clearRollout(document, index, stack);
  } else if (options.stage !== undefined) {
    const target = flag.stages.findIndex((stage) => stage.name === options.stage);
    if (target < 0) {
      refuse(`has no stage '${options.stage}' (stages: ${flag.stages.map((stage) => stage.name).join(", ") || "none declared"})`, "stages");
    }
    const reached = flag.defaults[stack] ? flag.stages.length : flag.stages.findIndex((stage) => stage.name === flag.rollout[stack]);
    if (guarded && target > reached + 1) {
      const skipped = flag.stages.slice(reached + 1, target).map((stage) => stage.name);
      refuse(
        `would skip canary stage${skipped.length > 1 ? "s" : ""} ${skipped.map((name) => `'${name}'`).join(", ")} of side-effect flag '${flag.name}' in production: ` +
          "a canary widens one stage at a time (003 §4.4)",
        "rollout.production",
      );
    }
    document.document.setIn([...base, "defaults", stack], false);
    document.document.setIn([...base, "rollout", stack], options.stage);
    overrideKill();
  } else {
    if (guarded) {
      const last = flag.stages[flag.stages.length - 1];
      if (last !== undefined && !flag.defaults[stack] && flag.rollout[stack] !== last.name) {
        refuse(
          `is ${flag.rollout[stack] ?? "unset"}: side-effect flag '${flag.name}' goes on for everyone in production only after its last canary stage '${last.name}' (003 §4.4)`,
          "rollout.production",
        );
      }
      const approval = options.approval ?? flag.productionApproval;
      if (approval === undefined) {
        refuse(
          `is required: side-effect flag '${flag.name}' goes on for everyone in production only on a change request the ledger records for a release staging validated; pass --approval <id>`,
          "productionApproval",
        );
      }
      const ledger = readExistingLedger(options.root, options.ledgerPath);
      requireIntactLedger(ledger);
      const validated = new Set(
        ledger.entries.filter((entry) => entry.event.kind === "validated").map((entry) => entry.event.changeRequest),
      );
      if (!validated.has(approval as string)) {
        throw new UserError(
          `has no validated release with change request '${approval}': an approval of a side-effect flag in production is a change request of a release staging validated (003 §4.3)`,
          { file: ledger.file },
        );
      }
      if (options.approval !== undefined) document.document.setIn([...base, "productionApproval"], options.approval);
    }
    document.document.setIn([...base, "defaults", stack], true);
    clearRollout(document, index, stack);
    overrideKill();
  }

  // The edited flags must be what the program accepts (the config contract), or nothing is written.
  const after = readFlags(document)[index];
  const served = servedAs(after, stack);
  const diff = unifiedDiff(document.originalText, renderStackDocument(document), {
    before: document.file,
    after: `${document.file} (${flag.name} ${served})`,
  });
  if (served === before && diff === "") {
    return {
      text: `${flag.name} is already served ${served} in ${stack}: nothing to change in ${document.file}.\n`,
      exitCode: 0,
      served,
      changed: false,
      diff,
    };
  }
  if (options.dryRun) {
    return {
      text: `Dry run: ${flag.name} would be served ${served} in ${stack} (was ${before}); nothing was written.\n\n${diff}`,
      exitCode: 0,
      served,
      changed: false,
      diff,
    };
  }
  const notes = requireCommittedFile(options.root, document.file, "flag", options.force === true);
  saveStackDocument(document);
  const lines = [
    ...notes,
    `${flag.name} (${flag.level}${flag.killSwitch ? ", kill switch" : ""}) is now served ${served} in ${stack} (was ${before}).`,
    ...(overriddenKill !== undefined
      ? [`It overrides the emergency kill at ledger line ${overriddenKill} (overridesKill.${stack}): say why in the pull request.`]
      : []),
    "",
    diff.trimEnd(),
    "",
    "Deployed, this changes only the flag sources, in place: the environment's SLIPWAY_FLAGS variable (read by Vercel and Heroku apps",
    "through SLIPWAY_FLAGS_URL) and the slipway-flags ConfigMap; no app is rebuilt or restarted. Check it with the pack:",
    `  ${shellJoin(previewCommand(stack))}`,
  ];
  return { text: `${lines.join("\n")}\n`, exitCode: 0, served, changed: true, diff };
}

/** Options of `slipway flag changed`. */
export interface FlagsChangedOptions {
  /** Project root (holds the stack files). */
  root: string;
  /** The stack whose environment serves the flags. */
  stack: "staging" | "production";
  /** The flagd document the environment served before this deploy (its `SLIPWAY_FLAGS` variable as the deploy job started); empty: none yet. */
  servedBefore: string;
}

/** What `slipway flag changed` found. */
export interface FlagsChangedResult extends CommandResult {
  /** The flags of the stack file whose served definition differs from before, in the file's order. */
  changed: string[];
}

/** The parts of a flagd flag that decide what a context is served; metadata (level, scopes, approval) does not. */
const SERVED_FIELDS = ["state", "variants", "defaultVariant", "targeting"] as const;

/** A flagd document as far as this comparison reads it: each flag an object. */
const servedDocumentSchema = z.object({ flags: z.record(z.string(), z.record(z.string(), z.unknown())) });

function servedPart(flag: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (flag === undefined) return undefined;
  return Object.fromEntries(SERVED_FIELDS.filter((field) => flag[field] !== undefined).map((field) => [field, flag[field]]));
}

/**
 * The flags whose served value this deploy changes: those of the stack file whose flagd definition
 * (state, variants, default variant, targeting) differs from the document the environment served
 * before. What the deploy job records as `flag` events once the release is live. A flag served for
 * the first time counts as changed; a document that cannot be read counts every flag as changed (the
 * paper trail records one line too many rather than miss a change). A flag removed from the file is
 * no longer served, and has nothing the ledger could record as its state.
 */
export function flagsChanged(options: FlagsChangedOptions): FlagsChangedResult {
  const document = openStackDocument(options.root, options.stack);
  const now = flagdDocument(readFlags(document), options.stack);
  let before: Record<string, Record<string, unknown>> | undefined;
  let note: string;
  if (options.servedBefore.trim() === "") {
    before = {};
    note = `${options.stack} served no flag document before: every flag of ${document.file} is served for the first time.`;
  } else {
    let parsed: unknown;
    try {
      parsed = JSON.parse(options.servedBefore);
    } catch {
      parsed = undefined;
    }
    const checked = servedDocumentSchema.safeParse(parsed);
    before = checked.success ? checked.data.flags : undefined;
    note = checked.success
      ? `Compared with the flag document ${options.stack} served before this deploy.`
      : `The document ${options.stack} served before is not a flagd document: every flag of ${document.file} counts as changed.`;
  }
  const changed = Object.keys(now.flags).filter(
    (name) =>
      before === undefined ||
      !isDeepStrictEqual(servedPart(now.flags[name] as unknown as Record<string, unknown>), servedPart(before[name])),
  );
  const lines = [note, changed.length === 0 ? "No flag's served value changes." : `Served values change for: ${changed.join(", ")}.`];
  return { text: `${lines.join("\n")}\n`, exitCode: 0, changed };
}
