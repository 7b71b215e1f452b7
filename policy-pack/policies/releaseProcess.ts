/**
 * The release process (000 §1, 001, 002, 003 §8): a production release is identified, approved
 * and documented, and nothing but a hotfix ships during a freeze.
 */
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { REFERENCE_ID_SOURCE, RELEASE_LEVELS, VERSION_PATTERN, type ReleaseManifest } from "../../contract";
import { manifestsOf, type ManifestReading } from "./shared/manifest";
import { configSchema, readConfig, type SlipwayStackPolicy } from "./shared/policy";
import { describe, isProductionStack, quoteList, stackOfResources } from "./shared/resources";
import { productionStacksSetting, type ProductionStacksConfig } from "./shared/settings";

/** The production stack's name, or notApplicable for other stacks. */
function productionStackOrSkip(args: StackValidationArgs, productionStacks: string[]): string {
  const stack = stackOfResources(args.resources);
  if (!isProductionStack(stack, productionStacks)) args.notApplicable("only production stacks are judged");
  return stack as string;
}

const releaseMetadataSchema = configSchema(productionStacksSetting, {
  changeRequestPattern: {
    type: "string",
    default: REFERENCE_ID_SOURCE,
    description:
      "Regular expression a change request id must match (default: a ticket key like CR-1042 or CHG0001234, a GitHub #123, or a URL).",
  },
});

/** What is wrong with a manifest's identification and documentation, one message each. */
function metadataProblems(manifest: ReleaseManifest, changeRequest: RegExp, changeRequestPattern: string): string[] {
  const release = `Release ${manifest.version}`;
  const problems: string[] = [];
  if (!VERSION_PATTERN.test(manifest.version)) {
    problems.push(
      `Release manifest version '${manifest.version}' is not a release version (SemVer like 'v1.4.0' or the MVP scheme 'mvp-0.3.1').`,
    );
  }
  if (manifest.changeRequest.trim() === "") {
    problems.push(`${release} has no change request (changeRequest is empty); nothing is deployed without an approved change request.`);
  } else if (!changeRequest.test(manifest.changeRequest)) {
    problems.push(`${release} change request '${manifest.changeRequest}' does not match changeRequestPattern '${changeRequestPattern}'.`);
  } else if (!linkedChangeRequest(manifest)) {
    problems.push(
      `${release} change request '${manifest.changeRequest}' is not linked to this release by the release ledger (${ledgerRecordOf(manifest)}); ` +
        "only a change request the ledger records for the release counts as its approval.",
    );
  }
  // A hotfix answers a production incident (001, 000 §6.6), inside a freeze or not.
  if (manifest.hotfix && (manifest.incident ?? "").trim() === "") {
    problems.push(
      `${release} is marked hotfix but names no incident (release.incident): a hotfix answers an open production incident (001, 000 §6.6).`,
    );
  }
  const changelog = manifest.changelog;
  if (changelog === null) {
    problems.push(`${release} has no changelog facts (changelog: null: no CHANGELOG.md was found).`);
    return problems;
  }
  if (!changelog.present) {
    problems.push(`${release} has no CHANGELOG.md section for this version.`);
    return problems;
  }
  const riskLevel = changelog.riskLevel;
  if (riskLevel === undefined || riskLevel.trim() === "") problems.push(`${release} changelog entry states no risk level (L0-L3).`);
  else if (!(RELEASE_LEVELS as readonly string[]).includes(riskLevel))
    problems.push(`${release} changelog risk level '${riskLevel}' is not one of ${RELEASE_LEVELS.join(", ")}.`);
  else if (riskLevel !== manifest.level)
    problems.push(`${release} changelog says risk level ${riskLevel} but the release is ${manifest.level}.`);
  if (!changelog.flags) problems.push(`${release} changelog entry does not list the flags involved (or say none).`);
  if (!changelog.migrationNotes) problems.push(`${release} changelog entry has no migration notes (or says none).`);
  if (!changelog.rollbackNotes) problems.push(`${release} changelog entry has no rollback notes.`);
  return problems;
}

/** Whether the ledger (through the manifest's ledger facts) records the release under its change request. */
function linkedChangeRequest(manifest: ReleaseManifest): boolean {
  return (manifest.ledger?.changeRequests ?? []).includes(manifest.changeRequest);
}

/** What the ledger says of the release's change requests, for messages. */
function ledgerRecordOf(manifest: ReleaseManifest): string {
  if (manifest.ledger === undefined) return "the release manifest carries no ledger facts";
  const recorded = manifest.ledger.changeRequests;
  return recorded.length === 0
    ? `the ledger has no record of ${manifest.version}`
    : `the ledger records ${manifest.version} under ${quoteList(recorded)}`;
}

/** Report an unreadable manifest; true when the reading has a manifest to judge. */
function readable(reading: ManifestReading, reportViolation: ReportViolation): reading is ManifestReading & { manifest: ReleaseManifest } {
  if (reading.manifest !== undefined) return true;
  reportViolation(`${describe(reading.resource)} cannot be read: ${reading.error}.`, reading.resource.urn);
  return false;
}

export const releaseMetadata: SlipwayStackPolicy = {
  name: "release-metadata",
  description:
    "A production release has a valid version (SemVer or mvp-X.Y.Z), a level, an approved change request and a changelog entry with risk level, flags, migration and rollback notes; " +
    "a hotfix names the incident it answers.",
  remediationSteps:
    "Set release.version (VERSION), release.level and release.changeRequest in Pulumi.production.yaml, and add a `## [<version>]` section to CHANGELOG.md stating the risk level (L0-L3), " +
    "the flags involved, migration notes and rollback notes; give a hotfix its release.incident (`slipway promote --hotfix --incident <id>`); tune changeRequestPattern if your tracker uses other ids.",
  severity: "medium",
  enforcementLevel: "mandatory",
  tags: ["releaseProcess", "000 §1", "001", "003 §8"],
  configSchema: releaseMetadataSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { changeRequestPattern: string }>(releaseMetadataSchema, args);
    const stack = productionStackOrSkip(args, config.productionStacks);
    let changeRequest: RegExp;
    try {
      changeRequest = new RegExp(config.changeRequestPattern);
    } catch (error) {
      reportViolation(
        `Policy config release-metadata.changeRequestPattern '${config.changeRequestPattern}' is not a valid regular expression (${error instanceof Error ? error.message : String(error)}).`,
      );
      return;
    }
    const readings = manifestsOf(args.resources);
    if (readings.length === 0) {
      reportViolation(
        `Production stack '${stack}' has no release manifest (SLIPWAY_RELEASE_MANIFEST), so the release has no version, level, change request or changelog entry.`,
      );
      return;
    }
    for (const reading of readings) {
      if (!readable(reading, reportViolation)) continue;
      for (const problem of metadataProblems(reading.manifest, changeRequest, config.changeRequestPattern))
        reportViolation(problem, reading.resource.urn);
    }
  },
};

const changeFreezeSchema = configSchema(productionStacksSetting, {
  freezeWindows: {
    type: "array",
    default: [],
    description:
      "Freeze windows: [{start, end, reason}] with ISO 8601 date-times; inside one, only hotfix releases that name their incident and whose change request the ledger links to the release, " +
      "or a rollback the ledger recorded, reach production.",
    items: {
      type: "object",
      required: ["start", "end"],
      properties: {
        start: { type: "string", format: "date-time" },
        end: { type: "string", format: "date-time" },
        reason: { type: "string" },
      },
    },
  },
  incidentPattern: {
    type: "string",
    default: REFERENCE_ID_SOURCE,
    description: "Regular expression a hotfix's incident id must match (default: a ticket key like INC-77, a GitHub #123, or a URL).",
  },
});

/**
 * Why a release does not open a freeze, or undefined when it does: a rollback the ledger recorded
 * (production returns to a release it ran, restoring service), or a hotfix (001) that names the
 * incident it answers and whose change request the ledger links to the release. `hotfix: true`
 * alone is a claim, not a reason.
 */
function freezeRefusal(manifest: ReleaseManifest, incidentPattern: RegExp, incidentSource: string): string | undefined {
  const release = `release ${manifest.version}`;
  if (manifest.ledger?.rollback) return undefined;
  if (!manifest.hotfix) return `${release} is not a hotfix (hotfix: false)`;
  const incident = (manifest.incident ?? "").trim();
  if (incident === "")
    return `${release} is marked hotfix but names no incident (incident is empty): a hotfix answers a production incident (001) and must reference it`;
  if (!incidentPattern.test(incident))
    return `${release} is marked hotfix but its incident '${incident}' is not an incident id (incidentPattern '${incidentSource}')`;
  if (!linkedChangeRequest(manifest)) {
    return `${release} is marked hotfix but its change request '${manifest.changeRequest}' is not linked to it by the release ledger (${ledgerRecordOf(manifest)})`;
  }
  return undefined;
}

/** A freeze window as configured. */
interface FreezeWindow {
  /** Start, ISO 8601. */
  start: string;
  /** End (exclusive), ISO 8601. */
  end: string;
  /** Why production is frozen. */
  reason?: string;
}

/** An ISO 8601 date-time with a date, a time and a zone (what JSON schema's `date-time` means). */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const changeFreeze: SlipwayStackPolicy = {
  name: "change-freeze",
  description:
    "Production changes are refused inside a configured freeze window unless the release is a hotfix that names its incident and whose change request the release ledger links to it, or a rollback the ledger recorded.",
  remediationSteps:
    "Wait until the freeze window ends, or, for a production incident, ship a minimal hotfix release: release.hotfix: true, release.incident naming the incident (INC-77, #123 or its URL), " +
    "and the change request staging validated the release under (the ledger links it); `slipway rollback` restores a previous release whatever the freeze. " +
    "Freeze windows are set in the policy config (freezeWindows: [{start, end, reason}]).",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["releaseProcess", "001", "002"],
  configSchema: changeFreezeSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<ProductionStacksConfig & { freezeWindows: FreezeWindow[]; incidentPattern: string }>(
      changeFreezeSchema,
      args,
    );
    const stack = productionStackOrSkip(args, config.productionStacks);
    const now = Date.now();
    const active: FreezeWindow[] = [];
    config.freezeWindows.forEach((window, index) => {
      for (const key of ["start", "end"] as const) {
        if (typeof window[key] !== "string" || !ISO_DATE_TIME.test(window[key]) || Number.isNaN(Date.parse(window[key]))) {
          reportViolation(
            `Policy config change-freeze.freezeWindows[${index}].${key} '${String(window[key])}' is not an ISO 8601 date-time with a zone (e.g. 2025-12-20T00:00:00Z).`,
          );
          return;
        }
      }
      if (Date.parse(window.start) <= now && now < Date.parse(window.end)) active.push(window);
    });
    if (active.length === 0) return;
    let incidentPattern: RegExp;
    try {
      incidentPattern = new RegExp(config.incidentPattern);
    } catch (error) {
      reportViolation(
        `Policy config change-freeze.incidentPattern '${config.incidentPattern}' is not a valid regular expression (${error instanceof Error ? error.message : String(error)}).`,
      );
      return;
    }
    const readings = manifestsOf(args.resources);
    const manifests = readings.map((reading) => reading.manifest);
    const refusals = manifests.map((manifest) =>
      manifest === undefined ? undefined : freezeRefusal(manifest, incidentPattern, config.incidentPattern),
    );
    if (readings.length > 0 && manifests.every((manifest) => manifest !== undefined) && refusals.every((refusal) => refusal === undefined))
      return;
    const why =
      readings.length === 0
        ? "there is no release manifest, so the change cannot be a hotfix"
        : manifests.some((manifest) => manifest === undefined)
          ? "the release manifest cannot be read, so the change cannot be shown to be a hotfix"
          : [...new Set(refusals.filter((refusal) => refusal !== undefined))].join("; ");
    for (const window of active) {
      reportViolation(
        `Production stack '${stack}' is frozen from ${window.start} to ${window.end}${window.reason ? ` (${window.reason})` : ""}; ${why}.`,
      );
    }
  },
};

/** The release-process area, in catalogue order. */
export const releaseProcessPolicies = [releaseMetadata, changeFreeze];
