/**
 * Every input the GitHub components set is a real property of the real provider schema
 * (`@pulumi/github` 6.15.0), of the right kind, at every nesting level, and no required input is
 * missing. A misspelt property would otherwise be dropped silently by the provider, and the
 * protection it was meant to carry with it.
 */
import { TEAM_IDS, USER_IDS, invokes, promiseOf, registrations } from "./harness";
import { exampleConfig } from "../support/project";
import * as fs from "node:fs";
import * as path from "node:path";
import { SECRET_SIG, SIG_KEY } from "../../gate/model";
import { SecretString, deployRepositories } from "../../config/config";
import { flagdJson } from "../../config/flagd";
import { DeploymentEnvironment } from "../../components/github/environment";
import { ReleaseRepository } from "../../components/github/repository";
import { DeployWorkflows } from "../../components/github/workflows";
import { SHARED_DIR, sharedAvailable } from "../support/sharedData";

const SCHEMA_PATH = path.join(SHARED_DIR, "provider-schemas", "github-6.15.0.json");
const schemaAvailable = sharedAvailable("provider-schemas/github-6.15.0.json", "the GitHub provider schema check");

/** The parts of a Pulumi package schema read here. */
interface PropertySpec {
  type?: string;
  $ref?: string;
  items?: PropertySpec;
  additionalProperties?: PropertySpec;
}
interface ObjectSpec {
  properties: Record<string, PropertySpec>;
  required?: string[];
}
interface PackageSchema {
  resources: Record<string, { inputProperties: Record<string, PropertySpec>; requiredInputs?: string[] }>;
  types: Record<string, ObjectSpec>;
  functions: Record<string, { inputs: ObjectSpec }>;
}

/** Problems of `value` against `spec`, each naming its path. */
function check(schema: PackageSchema, value: unknown, spec: PropertySpec, at: string): string[] {
  if (typeof value === "object" && value !== null && (value as Record<string, unknown>)[SIG_KEY] === SECRET_SIG) {
    return check(schema, (value as { value: unknown }).value, spec, at);
  }
  if (spec.$ref !== undefined) {
    const token = spec.$ref.replace("#/types/", "");
    const type = schema.types[token];
    if (type === undefined) return [`${at}: refers to ${token}, which the schema does not define`];
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return [`${at}: expected an object (${token}), got ${JSON.stringify(value)}`];
    return checkObject(schema, value as Record<string, unknown>, type.properties, type.required ?? [], at);
  }
  switch (spec.type) {
    case "array":
      if (!Array.isArray(value)) return [`${at}: expected an array, got ${JSON.stringify(value)}`];
      return value.flatMap((item, i) => check(schema, item, spec.items ?? {}, `${at}[${i}]`));
    case "object":
      if (typeof value !== "object" || value === null) return [`${at}: expected an object`];
      return Object.entries(value).flatMap(([k, v]) => check(schema, v, spec.additionalProperties ?? {}, `${at}.${k}`));
    case "integer":
      return Number.isInteger(value) ? [] : [`${at}: expected an integer, got ${JSON.stringify(value)}`];
    case "number":
      return typeof value === "number" ? [] : [`${at}: expected a number`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: expected a boolean, got ${JSON.stringify(value)}`];
    case "string":
      return typeof value === "string" ? [] : [`${at}: expected a string, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}

function checkObject(
  schema: PackageSchema,
  value: Record<string, unknown>,
  properties: Record<string, PropertySpec>,
  required: string[],
  at: string,
): string[] {
  const problems = required.filter((name) => value[name] === undefined).map((name) => `${at}.${name}: is required by the schema`);
  for (const [name, inner] of Object.entries(value)) {
    const spec = properties[name];
    if (spec === undefined) problems.push(`${at}.${name}: is not a property (known: ${Object.keys(properties).join(", ")})`);
    else problems.push(...check(schema, inner, spec, `${at}.${name}`));
  }
  return problems;
}

(schemaAvailable ? describe : describe.skip)(
  schemaAvailable
    ? "the GitHub components against the github 6.15.0 provider schema"
    : `provider schema check skipped: ${SCHEMA_PATH} is absent`,
  () => {
    const schema = (schemaAvailable ? JSON.parse(fs.readFileSync(SCHEMA_PATH, "utf8")) : {}) as PackageSchema;

    beforeAll(async () => {
      // Every variant of every component, so every property they can set is registered.
      const production = exampleConfig("production");
      const staging = exampleConfig("staging");
      const repositories = production.github.repositories.map(
        (config) => new ReleaseRepository(config.name, { config, releaseLevel: "L3", breakGlassTeamId: TEAM_IDS["release-captains"] }),
      );
      const classic = new ReleaseRepository("classic", {
        config: { ...production.github.repositories[0], name: "classic", protection: "branchProtection", breakGlassTeam: undefined },
        releaseLevel: "L1",
      });
      const bySlug = new ReleaseRepository("by-slug", {
        config: { ...production.github.repositories[0], name: "by-slug", breakGlassTeam: "release-captains" },
        releaseLevel: "L2",
        breakGlassTeamId: TEAM_IDS["release-captains"],
      });
      const environments = [
        new DeploymentEnvironment("storefront-production", {
          repository: repositories[0].repositoryName,
          environment: "production",
          config: { ...production.environments.production!, reviewerUsers: ["alice-release"] },
          reviewerTeamIds: production.environments.production!.reviewerTeams.map((slug) => TEAM_IDS[slug]),
          reviewerUserIds: [USER_IDS["alice-release"]],
          releaseManifestJson: "{}",
          flagsJson: flagdJson(production.flags, "production"),
        }),
        new DeploymentEnvironment("storefront-preview", {
          repository: "storefront",
          environment: "preview",
          config: { ...staging.environments.preview!, secrets: { PREVIEW_TOKEN: new SecretString("p") } },
          reviewerTeamIds: [],
          reviewerUserIds: [],
          releaseManifestJson: "{}",
          flagsJson: flagdJson(staging.flags, "preview"),
        }),
      ];
      const workflows = new DeployWorkflows("workflows", {
        repositories,
        deployStacks: production.github.deployStacks,
        deployRepositories: deployRepositories(production),
      });
      await workflows.ready;
      const repositoryChildren = [...repositories, classic, bySlug].flatMap((r) => [
        r.repository,
        r.branchDefault,
        ...(r.branchRuleset ? [r.branchRuleset] : []),
        ...(r.branchProtection ? [r.branchProtection] : []),
        r.tagRuleset,
        ...r.labels,
      ]);
      const environmentChildren = environments.flatMap((e) => [e.environment, ...e.deploymentPolicies, ...e.secrets, ...e.variables]);
      await Promise.all([...repositoryChildren, ...environmentChildren, ...workflows.files].map((resource) => promiseOf(resource.urn)));
    });

    test("the components register every kind of GitHub resource the conventions name", () => {
      const types = new Set([...registrations.values()].map((r) => r.type).filter((type) => type.startsWith("github:")));
      expect([...types].sort()).toEqual([
        "github:index/actionsEnvironmentSecret:ActionsEnvironmentSecret",
        "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
        "github:index/branchDefault:BranchDefault",
        "github:index/branchProtection:BranchProtection",
        "github:index/issueLabel:IssueLabel",
        "github:index/repository:Repository",
        "github:index/repositoryEnvironment:RepositoryEnvironment",
        "github:index/repositoryEnvironmentDeploymentPolicy:RepositoryEnvironmentDeploymentPolicy",
        "github:index/repositoryFile:RepositoryFile",
        "github:index/repositoryRuleset:RepositoryRuleset",
      ]);
    });

    test("every input set, at every depth, is a schema property of the right kind, and required inputs are present", () => {
      const problems: string[] = [];
      for (const registration of registrations.values()) {
        if (!registration.type.startsWith("github:")) continue;
        const resource = schema.resources[registration.type];
        if (resource === undefined) {
          problems.push(`${registration.type}: not a resource of the schema`);
          continue;
        }
        const at = `${registration.type.split(":").pop()}(${registration.name})`;
        problems.push(...checkObject(schema, registration.inputs, resource.inputProperties, resource.requiredInputs ?? [], at));
      }
      expect(problems).toEqual([]);
    });

    test("the components make no data-source lookups: teams and users are named by the ids config gives", () => {
      expect(invokes).toEqual([]);
    });

    test("the checker catches a misspelt nested property and a wrong kind", () => {
      const ruleset = schema.resources["github:index/repositoryRuleset:RepositoryRuleset"];
      const inputs = {
        repository: "r",
        target: "branch",
        enforcement: "active",
        rules: { pullRequest: { requiredApprovingReviewCounts: 1 }, deletion: "yes" },
        bypassActors: [{ actorId: "4711", actorType: "Team", bypassMode: "always" }],
      };
      expect(checkObject(schema, inputs, ruleset.inputProperties, ruleset.requiredInputs ?? [], "ruleset")).toEqual([
        expect.stringContaining("ruleset.rules.pullRequest.requiredApprovingReviewCounts: is not a property"),
        'ruleset.rules.deletion: expected a boolean, got "yes"',
        'ruleset.bypassActors[0].actorId: expected an integer, got "4711"',
      ]);
    });
  },
);
