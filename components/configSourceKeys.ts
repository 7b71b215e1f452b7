/**
 * The finer config keys of a component's children, for the source map (configSource.ts): a
 * secret points at its own `secrets.<NAME>` entry, an app's deployment at the release artifact it
 * runs, a migration Job at its `migrations[k]` entry. A child none of these name keeps its
 * component's key. Children are recognised by their inputs (what they are), not their names.
 */
import { FLAGS_ENV_VAR, FLAGS_VARIABLE, RELEASE_MANIFEST_VARIABLE } from "../contract";
import { LEDGER_ANCHOR_VARIABLE } from "../contract/release";
import { MIGRATION_NAME_LABEL } from "./apps/kubernetesWorkloads";
import type { EnvironmentName, KubernetesConfig, StackConfig } from "../config/config";
import { type ChildKey, plainString, type SourcedResource } from "../config/configSource";

/** The type token's last part (`github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret` -> `ActionsEnvironmentSecret`). */
function kind(child: SourcedResource): string {
  return child.type.slice(child.type.lastIndexOf(":") + 1);
}

function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** A GitHub environment's secrets, variables and deployment policies. */
export function childKeyOfEnvironment(environment: EnvironmentName): ChildKey {
  const key = `slipway:environments.${environment}`;
  return (child) => {
    switch (kind(child)) {
      case "ActionsEnvironmentSecret":
        return `${key}.secrets.${plainString(child.inputs.secretName) ?? ""}`;
      case "ActionsEnvironmentVariable": {
        const name = plainString(child.inputs.variableName) ?? "";
        // Slipway's own variables come from other config: the release, the flags.
        if (name === RELEASE_MANIFEST_VARIABLE) return "slipway:release";
        if (name === FLAGS_VARIABLE) return "slipway:flags";
        if (name === LEDGER_ANCHOR_VARIABLE) return undefined; // the ledger's head, not config
        return `${key}.variables.${name}`;
      }
      case "RepositoryEnvironmentDeploymentPolicy":
        return `${key}.deployRefs`;
      default:
        return undefined;
    }
  };
}

/** A repository's release tag ruleset (its branch rules come from the whole entry). */
export function childKeyOfRepository(repositoryKey: string): ChildKey {
  return (child) =>
    kind(child) === "RepositoryRuleset" && child.inputs.target === "tag" ? `${repositoryKey}.releaseTagPatterns` : undefined;
}

/** The ledger branch's deploy key and the environment secret holding its private half. */
export const childKeyOfLedgerBranch: ChildKey = (child) =>
  ["RepositoryDeployKey", "ActionsEnvironmentSecret"].includes(kind(child)) ? "slipway:github.ledgerDeployKey" : undefined;

/** Generated workflow files: a repository's PR checks come from its entry, the rest from the deploy stacks. */
export function childKeyOfWorkflows(config: StackConfig): ChildKey {
  return (child) => {
    const file = plainString(child.inputs.file) ?? "";
    const index = config.github.repositories.findIndex((repository) => repository.name === plainString(child.inputs.repository));
    return file.endsWith("/pr-checks.yml") && index >= 0 ? `slipway:github.repositories[${index}]` : undefined;
  };
}

/** A Vercel project's variables, domains and its deployment of the release's artifact. */
export function childKeyOfVercelApp(appKey: string, app: string): ChildKey {
  return (child) => {
    switch (kind(child)) {
      case "ProjectEnvironmentVariable": {
        const name = plainString(child.inputs.key) ?? "";
        return name === FLAGS_ENV_VAR ? "slipway:flags" : `${appKey}.env.${name}`;
      }
      case "ProjectDomain":
        return `${appKey}.domains`;
      case "Deployment":
        return `slipway:release.artifacts.${app}`;
      default:
        return undefined;
    }
  };
}

/** A Heroku app's pipeline, config vars, formation and its release of the artifact. */
export function childKeyOfHerokuApp(appKey: string, app: string): ChildKey {
  return (child) => {
    switch (kind(child)) {
      case "Pipeline":
        return `${appKey}.pipeline`;
      case "Coupling":
        return `${appKey}.pipelineId`;
      case "ConfigAssociation":
        return `${appKey}.configVars`;
      case "Formation":
        return `${appKey}.formation.${plainString(child.inputs.type) ?? ""}`;
      case "Release":
        return `slipway:release.artifacts.${app}`;
      default:
        return undefined;
    }
  };
}

/** Kubernetes objects: a service's Deployment, Service and budget, a migration's Job, the shared Secret and flags. */
export function childKeyOfKubernetes(config: KubernetesConfig): ChildKey {
  const key = "slipway:apps.kubernetes";
  return (child) => {
    const metadata = record(child.inputs.metadata);
    const migration = plainString(record(metadata.labels)[MIGRATION_NAME_LABEL]);
    const migrationIndex = config.migrations.findIndex((entry) => entry.name === migration);
    if (migrationIndex >= 0) return `${key}.migrations[${migrationIndex}]`;
    const serviceIndex = config.services.findIndex((service) => service.name === plainString(metadata.name));
    if (serviceIndex >= 0) return `${key}.services[${serviceIndex}]`;
    switch (kind(child)) {
      case "Secret":
        return `${key}.secrets`;
      case "ConfigMap":
        return "slipway:flags";
      case "Namespace":
        return `${key}.namespace`;
      default:
        return undefined;
    }
  };
}
