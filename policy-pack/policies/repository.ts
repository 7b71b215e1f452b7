/**
 * Repository governance (003 §3.2–3.3, 000 §0, §2): what protects the default branch and the
 * release tags. Every policy here is a stack policy, because protection is the union of several
 * resources (rulesets and classic branch protection) that GitHub applies together.
 */
import type { PolicyResource, ReportViolation, StackValidationArgs } from "@pulumi/policy";
import {
  branchProtectionOf,
  explainUnprotected,
  managedRepositories,
  protectedBranchCandidates,
  tagProtectionOf,
  union,
  type Bypass,
  type EffectiveProtection,
  type ManagedRepository,
  type ProtectionLayer,
} from "./shared/branchProtection";
import { sampleOf } from "./shared/glob";
import { releaseLevelOf } from "./shared/manifest";
import { configSchema, readConfig, type SlipwayStackPolicy } from "./shared/policy";
import { quoteList, TYPES } from "./shared/resources";
import {
  approvalsSetting,
  baselineChecksSetting,
  breakGlassSetting,
  l3ChecksSetting,
  ledgerBranchSetting,
  repositoryChecksSetting,
  checksFor,
  releaseTagSetting,
  type BreakGlassConfig,
} from "./shared/settings";
import { jobProducesCheck, PULL_REQUEST_EVENTS, workflowsOf } from "./shared/workflows";

/** Per-repository check overrides (policy config `repositoryChecks`). */
type RepositoryChecks = Record<string, { baselineChecks?: string[]; l3Checks?: string[] }>;

/** The managed repositories, or notApplicable when the stack manages none. */
function repositoriesOrSkip(args: StackValidationArgs): ManagedRepository[] {
  const repositories = managedRepositories(args.resources);
  if (repositories.length === 0) args.notApplicable("the stack manages no GitHub repository");
  return repositories;
}

/** `Repository 'app' branch 'main'`, the subject of most messages here. */
function subject(protection: EffectiveProtection): string {
  return `Repository '${protection.repository}' branch '${protection.ref}'`;
}

/** The layer names, for messages (`RepositoryRuleset 'main', BranchProtection 'main'`). */
function layerNames(layers: ProtectionLayer[]): string {
  return layers.map((layer) => layer.label).join(", ");
}

export const defaultBranchProtected: SlipwayStackPolicy = {
  name: "default-branch-protected",
  description: "Every managed repository's default branch is covered by an active ruleset or a classic branch protection.",
  remediationSteps:
    "Add a RepositoryRuleset with target 'branch', enforcement 'active' and conditions.refName.includes ['~DEFAULT_BRANCH'] " +
    "(or a BranchProtection whose pattern matches the default branch) for the repository. A ruleset in 'evaluate' mode only reports; switch it to 'active'.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "000 §0", "003 §3.2"],
  validateStack: (args, reportViolation) => {
    for (const repository of repositoriesOrSkip(args)) {
      const protection = branchProtectionOf(args.resources, repository, repository.defaultBranch);
      if (protection.layers.length === 0) {
        reportViolation(
          `${subject(protection)} (the default branch) is not protected: ${explainUnprotected(protection)}.`,
          repository.resource.urn,
        );
      }
    }
  },
};

/** Report each protected branch whose effective protection lacks a rule, with each layer's reason. */
function judgeProtectedBranches(
  args: StackValidationArgs,
  reportViolation: ReportViolation,
  holds: (protection: EffectiveProtection) => boolean,
  failure: (protection: EffectiveProtection) => string,
): void {
  for (const repository of repositoriesOrSkip(args)) {
    for (const branch of protectedBranchCandidates(args.resources, repository)) {
      const protection = branchProtectionOf(args.resources, repository, branch);
      if (!holds(protection)) reportViolation(failure(protection), repository.resource.urn);
    }
  }
}

/** Why no layer enforces a rule: each layer's own setting, or that no layer covers the branch. */
function layerReasons(protection: EffectiveProtection, reason: (layer: ProtectionLayer) => string): string {
  if (protection.layers.length === 0) return `no active ruleset or branch protection covers it (${explainUnprotected(protection)})`;
  return protection.layers.map(reason).join("; ");
}

export const noForcePush: SlipwayStackPolicy = {
  name: "no-force-push",
  description: "Force pushes to protected branches (the default branch and every branch a protection names) are blocked.",
  remediationSteps:
    "Set rules.nonFastForward: true on the branch's active RepositoryRuleset, or leave allowsForcePushes unset/false on its BranchProtection.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.2"],
  validateStack: (args, reportViolation) =>
    judgeProtectedBranches(
      args,
      reportViolation,
      union.blocksForcePush,
      (protection) =>
        `${subject(protection)} accepts force pushes: ${layerReasons(protection, (layer) =>
          layer.resource.type === TYPES.ruleset
            ? `${layer.label} does not set rules.nonFastForward`
            : `${layer.label} has allowsForcePushes: true`,
        )}.`,
    ),
};

export const noBranchDeletion: SlipwayStackPolicy = {
  name: "no-branch-deletion",
  description: "Protected branches (the default branch and every branch a protection names) cannot be deleted.",
  remediationSteps:
    "Set rules.deletion: true on the branch's active RepositoryRuleset, or leave allowsDeletions unset/false on its BranchProtection.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.2"],
  validateStack: (args, reportViolation) =>
    judgeProtectedBranches(
      args,
      reportViolation,
      union.blocksDeletion,
      (protection) =>
        `${subject(protection)} can be deleted: ${layerReasons(protection, (layer) =>
          layer.resource.type === TYPES.ruleset ? `${layer.label} does not set rules.deletion` : `${layer.label} has allowsDeletions: true`,
        )}.`,
    ),
};

const pullRequestReviewsSchema = configSchema(approvalsSetting);

export const pullRequestReviews: SlipwayStackPolicy = {
  name: "pull-request-reviews",
  description:
    "Changes to the default branch need a pull request with at least minApprovals approving reviews (l3MinApprovals while the release is L3), and new pushes dismiss stale approvals.",
  remediationSteps:
    "On the default branch's active RepositoryRuleset set rules.pullRequest.requiredApprovingReviewCount to the required number and " +
    "rules.pullRequest.dismissStaleReviewsOnPush: true (classic: requiredPullRequestReviews[0].requiredApprovingReviewCount and dismissStaleReviews: true).",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.2"],
  configSchema: pullRequestReviewsSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<{ minApprovals: number; l3MinApprovals: number }>(pullRequestReviewsSchema, args);
    const repositories = repositoriesOrSkip(args);
    const release = releaseLevelOf(args.resources);
    // An unreadable manifest is treated as L3: the stricter rule, never a silent pass.
    const l3 = release.level === "L3" || release.level === "unreadable";
    const needed = l3 ? config.l3MinApprovals : config.minApprovals;
    const why = l3 ? `; ${release.source}, which needs at least ${needed}` : `; at least ${needed} required`;
    for (const repository of repositories) {
      const protection = branchProtectionOf(args.resources, repository, repository.defaultBranch);
      if (!union.requiresPullRequest(protection)) {
        reportViolation(
          `${subject(protection)} does not require a pull request (no layer sets rules.pullRequest or requiredPullRequestReviews)${why}.`,
          repository.resource.urn,
        );
        continue;
      }
      const approvals = union.approvals(protection);
      if (approvals < needed) {
        reportViolation(
          `${subject(protection)} requires ${approvals} approving review(s) (${layerNames(protection.layers)})${why}.`,
          repository.resource.urn,
        );
      }
      if (!union.dismissesStaleApprovals(protection)) {
        reportViolation(
          `${subject(protection)} keeps stale approvals after new pushes: no layer sets dismissStaleReviewsOnPush / dismissStaleReviews (${layerNames(protection.layers)}).`,
          repository.resource.urn,
        );
      }
    }
  },
};

const requiredStatusChecksSchema = configSchema(baselineChecksSetting, repositoryChecksSetting);

export const requiredStatusChecks: SlipwayStackPolicy = {
  name: "required-status-checks",
  description:
    "The default branch requires every baseline status check (lint, typecheck, unit, integration, migrations, security, smoke by default) and requires branches to be up to date before merging.",
  remediationSteps:
    "Add the missing contexts to rules.requiredStatusChecks.requiredChecks of the default branch's active RepositoryRuleset and set " +
    "strictRequiredStatusChecksPolicy: true (classic: requiredStatusChecks[0].contexts and strict: true); or tune baselineChecks in the policy config.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.3", "000 §9", "004 §3"],
  configSchema: requiredStatusChecksSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<{ baselineChecks: string[]; repositoryChecks: RepositoryChecks }>(requiredStatusChecksSchema, args);
    for (const repository of repositoriesOrSkip(args)) {
      const baselineChecks = checksFor(config.repositoryChecks, repository.name, "baselineChecks", config.baselineChecks);
      const protection = branchProtectionOf(args.resources, repository, repository.defaultBranch);
      const required = union.requiredChecks(protection);
      const missing = baselineChecks.filter((check) => !required.includes(check));
      if (missing.length > 0) {
        reportViolation(
          `${subject(protection)} does not require the baseline check(s) ${quoteList(missing)} (required now: ${quoteList(required)}).`,
          repository.resource.urn,
        );
      }
      if (required.length > 0 && !union.requiresUpToDate(protection)) {
        reportViolation(
          `${subject(protection)} does not require branches to be up to date before merging (no layer sets strictRequiredStatusChecksPolicy / strict).`,
          repository.resource.urn,
        );
      }
    }
  },
};

const requiredChecksProducedSchema = configSchema({
  externalChecks: {
    type: "array",
    items: { type: "string" },
    default: [],
    description: "Check contexts reported by something other than a managed workflow (a GitHub App, an external CI).",
  },
});

/** Every enforced layer of the repository with the checks it requires, across all branches it covers. */
function checkRequirements(resources: PolicyResource[], repository: ManagedRepository): ProtectionLayer[] {
  const layers = new Map<string, ProtectionLayer>();
  for (const branch of protectedBranchCandidates(resources, repository)) {
    for (const layer of branchProtectionOf(resources, repository, branch).layers) layers.set(layer.resource.urn, layer);
  }
  return [...layers.values()];
}

export const requiredChecksProduced: SlipwayStackPolicy = {
  name: "required-checks-produced",
  description:
    "Every required status check is produced by a job of a managed workflow that runs on pull requests, or is declared external; a typo or a missing job would block merges forever or silently.",
  remediationSteps:
    "Make the check context equal a job's `name:` (or id) in a managed .github/workflows file triggered on pull_request, fix the typo in the ruleset, " +
    "or list the context in this policy's externalChecks config when a GitHub App reports it.",
  severity: "medium",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.3"],
  configSchema: requiredChecksProducedSchema,
  validateStack: (args, reportViolation) => {
    const { externalChecks } = readConfig<{ externalChecks: string[] }>(requiredChecksProducedSchema, args);
    const workflows = workflowsOf(args.resources);
    for (const repository of repositoriesOrSkip(args)) {
      const repositoryWorkflows = workflows.filter((workflow) => workflow.repository === repository.name);
      const onPullRequests = repositoryWorkflows.filter((workflow) =>
        workflow.triggers.some((trigger) => PULL_REQUEST_EVENTS.includes(trigger)),
      );
      const produced = onPullRequests.flatMap((workflow) => workflow.jobs.map((job) => job.checkContext));
      for (const layer of checkRequirements(args.resources, repository)) {
        for (const context of layer.requiredChecks) {
          if (externalChecks.includes(context)) continue;
          if (onPullRequests.some((workflow) => workflow.jobs.some((job) => jobProducesCheck(job, context)))) continue;
          const elsewhere = repositoryWorkflows.find((workflow) => workflow.jobs.some((job) => jobProducesCheck(job, context)));
          const detail = elsewhere
            ? `it is produced by ${elsewhere.file}, which does not run on pull requests (on: ${quoteList(elsewhere.triggers)})`
            : `no job of a managed workflow in '${repository.name}' produces it (pull-request jobs report: ${quoteList(produced)})`;
          reportViolation(`${layer.label} requires status check '${context}', but ${detail}.`, layer.resource.urn);
        }
      }
    }
  },
};

const noBypassActorsSchema = configSchema(breakGlassSetting, ledgerBranchSetting);

/**
 * The one bypass besides break glass: the ledger jobs' deploy key may move the ledger branch
 * forward. Only on that branch (never the default branch), and only past a layer that blocks
 * neither deletion nor force pushes, so the key can append and nothing else.
 */
function isLedgerWriter(
  bypass: Bypass,
  layer: ProtectionLayer,
  branch: string,
  repository: ManagedRepository,
  ledgerBranch: string,
): boolean {
  return (
    bypass.actorType === "DeployKey" &&
    branch === ledgerBranch &&
    branch !== repository.defaultBranch &&
    !layer.blocksDeletion &&
    !layer.blocksForcePush
  );
}

export const noBypassActors: SlipwayStackPolicy = {
  name: "no-bypass-actors",
  description:
    "Nobody bypasses the protection of the production branches except the named break-glass team, and repository admins are subject to it.",
  remediationSteps:
    "Remove every bypassActors entry except the break-glass team (actorType 'Team', actorId = breakGlassTeam) from the branch's rulesets; " +
    "on classic BranchProtection set enforceAdmins: true and empty pullRequestBypassers / forcePushBypassers. Configure breakGlassTeam in the policy config.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.2"],
  configSchema: noBypassActorsSchema,
  validateStack: (args, reportViolation) => {
    const { breakGlassTeam, ledgerBranch } = readConfig<BreakGlassConfig & { ledgerBranch: string }>(noBypassActorsSchema, args);
    const allowed = breakGlassTeam === "" ? "no break-glass team is configured" : `only break-glass team '${breakGlassTeam}' may`;
    const reported = new Set<string>();
    for (const repository of repositoriesOrSkip(args)) {
      for (const branch of protectedBranchCandidates(args.resources, repository)) {
        for (const layer of branchProtectionOf(args.resources, repository, branch, breakGlassTeam).layers) {
          for (const bypass of layer.bypasses.filter(
            (entry) => !entry.breakGlass && !isLedgerWriter(entry, layer, branch, repository, ledgerBranch),
          )) {
            const key = `${layer.resource.urn}|${bypass.actor}`;
            if (reported.has(key)) continue;
            reported.add(key);
            reportViolation(
              `${layer.label} lets ${bypass.actor} bypass the protection of '${branch}' in '${repository.name}'; ${allowed}.`,
              layer.resource.urn,
            );
          }
        }
      }
    }
  },
};

const l3RequiredChecksSchema = configSchema(l3ChecksSetting, repositoryChecksSetting);

export const l3RequiredChecks: SlipwayStackPolicy = {
  name: "l3-required-checks",
  description:
    "While the release is L3 (external side effects), the default branch also requires the side-effect contract, policy regression and browser smoke checks.",
  remediationSteps:
    "Add the l3Checks contexts (side-effect-contracts, policy-regression, browser-smoke by default) to the default branch's required status checks " +
    "and make sure policy-gate.yml has jobs with those names.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "003 §3.3"],
  configSchema: l3RequiredChecksSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<{ l3Checks: string[]; repositoryChecks: RepositoryChecks }>(l3RequiredChecksSchema, args);
    const repositories = repositoriesOrSkip(args);
    const release = releaseLevelOf(args.resources);
    if (release.level !== "L3" && release.level !== "unreadable") {
      args.notApplicable(`the L3 checks apply to L3 releases only (${release.source})`);
    }
    for (const repository of repositories) {
      const protection = branchProtectionOf(args.resources, repository, repository.defaultBranch);
      const required = union.requiredChecks(protection);
      const l3Checks = checksFor(config.repositoryChecks, repository.name, "l3Checks", config.l3Checks);
      const missing = l3Checks.filter((check) => !required.includes(check));
      if (missing.length > 0) {
        reportViolation(
          `${subject(protection)} does not require the L3 check(s) ${quoteList(missing)}; ${release.source}.`,
          repository.resource.urn,
        );
      }
    }
  },
};

const releaseTagsProtectedSchema = configSchema(releaseTagSetting, breakGlassSetting);

export const releaseTagsProtected: SlipwayStackPolicy = {
  name: "release-tags-protected",
  description: "Release tags (v*, mvp-* by default) cannot be moved or deleted, except by the break-glass team.",
  remediationSteps:
    "Add an active RepositoryRuleset with target 'tag', conditions.refName.includes ['refs/tags/v*', 'refs/tags/mvp-*'] and rules { update: true, deletion: true }, " +
    "with no bypass actor but the break-glass team.",
  severity: "high",
  enforcementLevel: "mandatory",
  tags: ["repository", "000 §2", "000 §6"],
  configSchema: releaseTagsProtectedSchema,
  validateStack: (args, reportViolation) => {
    const config = readConfig<{ releaseTagPatterns: string[] } & BreakGlassConfig>(releaseTagsProtectedSchema, args);
    for (const repository of repositoriesOrSkip(args)) {
      for (const pattern of config.releaseTagPatterns) {
        const protection = tagProtectionOf(args.resources, repository, sampleOf(pattern), config.breakGlassTeam);
        const tags = `Repository '${repository.name}' release tags '${pattern}'`;
        const covering =
          protection.layers.length > 0
            ? ` (covering: ${layerNames(protection.layers)})`
            : protection.notApplied.length > 0
              ? ` (${protection.notApplied.join("; ")})`
              : " (no active tag ruleset covers them)";
        if (!union.blocksUpdate(protection))
          reportViolation(`${tags} can be moved: no active tag ruleset sets rules.update${covering}.`, repository.resource.urn);
        if (!union.blocksDeletion(protection))
          reportViolation(`${tags} can be deleted: no active tag ruleset sets rules.deletion${covering}.`, repository.resource.urn);
        for (const layer of protection.layers) {
          for (const bypass of layer.bypasses.filter((entry) => !entry.breakGlass)) {
            reportViolation(`${layer.label} lets ${bypass.actor} move or delete release tags '${pattern}'.`, layer.resource.urn);
          }
        }
      }
    }
  },
};

/** The repository area, in catalogue order. */
export const repositoryPolicies = [
  defaultBranchProtected,
  noForcePush,
  noBranchDeletion,
  pullRequestReviews,
  requiredStatusChecks,
  requiredChecksProduced,
  noBypassActors,
  l3RequiredChecks,
  releaseTagsProtected,
];
