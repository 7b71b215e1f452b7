/**
 * The gate variants: copies of the example project that each break ONE invariant of the
 * playbooks, with the verdict the policies must give. The offline gate's end-to-end tests
 * (gateVariants.test.ts) and the engine's differential test (test/engine) judge exactly these.
 *
 * A variant edits the stack file the way a person would (config variants), or edits the program
 * itself (program variants): a stack transformation that changes one resource before it is
 * registered, or a resource added beside the program's, as a hand-edited program or drift
 * would. Program variants run as a `program.js` the project's Pulumi.yaml names as `main`, so
 * the mock runner and `pulumi preview` run the same code.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { appendTo, editStackFile, indexWhere, removeChangelogSection, REPO_ROOT, slipwayKey } from "../../support/project";
import type { GateReport } from "../../../gate";
import type { RecordedStack } from "../../../gate/model";
import { openGate } from "../support";
import { writePolicyConfig } from "../../support/project";
import type { PolicyConfigName, VariantSpec } from "./spec";
import { DEPLOY_VARIANTS } from "./deploy";
import { DATA_VARIANTS } from "./data";
import { FOREIGN_VARIANTS } from "./foreign";

export type { Expectation, PolicyConfigName, VariantSpec } from "./spec";

/** Resource types the variants touch. */
export const TYPE = {
  ruleset: "github:index/repositoryRuleset:RepositoryRuleset",
  deployment: "kubernetes:apps/v1:Deployment",
  formation: "heroku:formation/formation:Formation",
  role: "postgresql:index/role:Role",
  database: "postgresql:index/database:Database",
  repositorySecret: "github:index/actionsSecret:ActionsSecret",
  environmentVariable: "github:index/actionsEnvironmentVariable:ActionsEnvironmentVariable",
  herokuConfig: "heroku:app/configAssociation:ConfigAssociation",
} as const;

/** A JavaScript string literal. */
const js = (value: unknown): string => JSON.stringify(value);

/** The storefront repository's `field` in `slipway:github.repositories`. */
function storefront(document: Parameters<Parameters<typeof editStackFile>[2]>[0], field: string): (string | number)[] {
  const repositories = slipwayKey("github", "repositories");
  return [...repositories, indexWhere(document, repositories, "name", "storefront"), field];
}

/** A token-shaped value, assembled at run time so no such literal sits in the source. */
const FAKE_TOKEN_EXPRESSION = `["gh", "p_"].join("") + "Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh1Jk0LmNbVc"`;

/** The first variants: config edits and program edits of the example. */
const BASE_VARIANTS: VariantSpec[] = [
  {
    title: "production without a reviewer is refused",
    name: "no-reviewer",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => editStackFile(dir, "production", (doc) => doc.deleteIn(slipwayKey("environments", "production", "reviewerTeams"))),
    expect: {
      refusedBy: ["production-approval"],
      messages: [["production-approval", "RepositoryEnvironment 'production' has no reviewers"]],
    },
  },
  {
    title: "a production deploy its own author may approve is refused",
    name: "self-review",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("environments", "production", "preventSelfReview"), false)),
    expect: { refusedBy: ["production-approval"], messages: [["production-approval", "preventSelfReview: false"]] },
  },
  {
    title: "production that soaks less than the soak window is refused",
    name: "short-soak",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("environments", "production", "waitTimerMinutes"), 5)),
    expect: {
      refusedBy: ["soak-window"],
      messages: [
        [
          "soak-window",
          "RepositoryEnvironment 'production' waits 5 minute(s) before deploying (waitTimer: 5); the soak window needs at least 10.",
        ],
      ],
    },
  },
  {
    title: "an L3 flag on by default in production is refused",
    name: "l3-flag-on",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) =>
        doc.setIn(slipwayKey("flags", indexWhere(doc, slipwayKey("flags"), "name", "auto-publish"), "defaults", "production"), true),
      ),
    expect: { refusedBy: ["l3-flags-off-in-production"], messages: [["l3-flags-off-in-production", "L3 flag 'auto-publish'"]] },
  },
  {
    title: "a new required check passes: the program generates the job that reports it",
    name: "new-required-check",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => editStackFile(dir, "production", (doc) => appendTo(doc, storefront(doc, "requiredChecks"), "e2e")),
    expect: { passes: true },
  },
  {
    title: "a required check that no workflow produces and the policy config does not know is refused",
    name: "external-check",
    stack: "production",
    policyConfig: "team",
    // The stack says an outside app reports `e2e`, so no job is generated; the policy config
    // (externalChecks: Vercel only) knows of no such app: merges would wait forever.
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => {
        appendTo(doc, storefront(doc, "requiredChecks"), "e2e");
        appendTo(doc, storefront(doc, "externalChecks"), "e2e");
      }),
    expect: { refusedBy: ["required-checks-produced"], messages: [["required-checks-produced", "requires status check 'e2e'"]] },
  },
  {
    title: "a production worker with a single replica is refused",
    name: "single-replica",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => {
        const services = slipwayKey("apps", "kubernetes", "services");
        doc.setIn([...services, indexWhere(doc, services, "name", "worker"), "replicas"], 1);
      }),
    expect: { refusedBy: ["k8s-safe-rollout"], messages: [["k8s-safe-rollout", /worker.*runs 1 replica\(s\) in production/]] },
  },
  {
    title: "a staging secret exposed to preview deployments is refused (the policy config allows none)",
    name: "preview-secret",
    stack: "staging",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "staging", (doc) => {
        const vercel = slipwayKey("apps", "vercel");
        doc.setIn([...vercel, indexWhere(doc, vercel, "name", "web"), "previewSecrets"], ["SESSION_SECRET"]);
      }),
    expect: {
      refusedBy: ["preview-secret-exposure"],
      messages: [["preview-secret-exposure", "exposes sensitive 'SESSION_SECRET' to preview deployments"]],
    },
  },
  {
    title: "a production release whose artifacts staging never validated is refused",
    name: "unvalidated-artifact",
    stack: "production",
    policyConfig: "team",
    // A well-formed digest, just not the build staging validated.
    edit: (dir) =>
      editStackFile(dir, "production", (doc) =>
        doc.setIn(slipwayKey("release", "artifacts", "worker", "image"), `ghcr.io/acme/worker@sha256:${"ab".repeat(32)}`),
      ),
    expect: { refusedBy: ["promote-validated-artifact"] },
  },
  {
    title: "a production release without a change request is a config error naming the file and the key",
    name: "empty-change-request",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("release", "changeRequest"), "")),
    expect: { configError: /Pulumi\.production\.yaml[\s\S]*slipway:release\.changeRequest: a change request id is required/ },
  },
  {
    title: "a release with no CHANGELOG.md section is refused",
    name: "undocumented-release",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => removeChangelogSection(dir, "1.4.0"),
    expect: {
      refusedBy: ["release-metadata"],
      messages: [["release-metadata", "Release 1.4.0 has no CHANGELOG.md section for this version."]],
    },
  },
  {
    title: "the example production release is refused while a freeze window is in force",
    name: "frozen",
    stack: "production",
    policyConfig: "strict",
    expect: { refusedBy: ["change-freeze"], messages: [["change-freeze", "release 1.4.0 is not a hotfix"]] },
  },
  {
    title: "a hotfix that names its incident goes through the freeze",
    name: "hotfix",
    stack: "production",
    policyConfig: "strict",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => {
        doc.setIn(slipwayKey("release", "hotfix"), true);
        doc.setIn(slipwayKey("release", "incident"), "INC-311");
      }),
    expect: { passes: true },
  },
  {
    title: "a force-pushable main is refused",
    name: "force-pushable-main",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.ruleset, name: "storefront-default-branch", statement: "props.rules.nonFastForward = false" },
    expect: {
      refusedBy: ["no-force-push"],
      messages: [
        [
          "no-force-push",
          "Repository 'storefront' branch 'main' accepts force pushes: RepositoryRuleset 'storefront-default-branch' does not set rules.nonFastForward.",
        ],
      ],
    },
  },
  {
    title: "a deletable main is refused",
    name: "deletable-main",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.ruleset, name: "storefront-default-branch", statement: "props.rules.deletion = false" },
    expect: { refusedBy: ["no-branch-deletion"] },
  },
  {
    title: "a ruleset left in evaluate mode protects nothing: every rule of main is refused",
    name: "evaluate-mode-ruleset",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.ruleset, name: "storefront-default-branch", statement: 'props.enforcement = "evaluate"' },
    // storefront's main has no other protection (protection: ruleset), so with its one ruleset
    // only evaluating, main is unprotected and every rule the ruleset carried is missing.
    expect: {
      refusedBy: [
        "default-branch-protected",
        "no-force-push",
        "no-branch-deletion",
        "pull-request-reviews",
        "required-status-checks",
        "l3-required-checks",
        "production-protected-refs",
      ],
      messages: [["default-branch-protected", "its enforcement is 'evaluate', not 'active'"]],
    },
  },
  {
    title: "a production worker running an image by tag is refused twice over",
    name: "image-by-tag",
    stack: "production",
    policyConfig: "team",
    transform: {
      type: TYPE.deployment,
      name: "workloads-worker",
      statement: 'props.spec.template.spec.containers[0].image = "ghcr.io/acme/worker:latest"',
    },
    // immutable-artifacts: a tag can move; promote-validated-artifact: it is not the image the
    // release manifest (what staging validated) names.
    expect: {
      refusedBy: ["immutable-artifacts", "promote-validated-artifact"],
      messages: [["immutable-artifacts", "'ghcr.io/acme/worker:latest' is not pinned by digest"]],
    },
  },
  {
    title: "a Heroku release phase is refused",
    name: "release-phase",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.formation, name: "api-formation-web", statement: 'props.type = "release"' },
    expect: { refusedBy: ["no-implicit-migrations"] },
  },
  {
    title: "a superuser runtime role is refused",
    name: "superuser-runtime-role",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.role, name: "storefront-runtime", statement: "props.superuser = true" },
    expect: {
      refusedBy: ["least-privilege-db-roles"],
      messages: [["least-privilege-db-roles", "runtime role 'storefront_runtime') has superuser: true"]],
    },
  },
  {
    title: "an unprotected production database is refused",
    name: "unprotected-database",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.database, name: "storefront", statement: "opts.protect = false" },
    expect: { refusedBy: ["production-data-protected"] },
  },
  {
    title: "a repository-wide deploy credential is refused",
    name: "repository-secret",
    stack: "production",
    policyConfig: "team",
    addition: `new github.ActionsSecret("storefront-secret-HEROKU_API_KEY", { repository: "storefront", secretName: "HEROKU_API_KEY", plaintextValue: pulumi.secret("opaque") });`,
    expect: { refusedBy: ["environment-scoped-secrets"] },
  },
  {
    title: "a token in a plain GitHub environment variable is refused, and never printed",
    name: "token-in-variable",
    stack: "production",
    policyConfig: "team",
    addition: `new github.ActionsEnvironmentVariable("storefront-production-variable-DEPLOY_HELPER", { environment: "production", repository: "storefront", variableName: "DEPLOY_HELPER", value: ${FAKE_TOKEN_EXPRESSION} });`,
    expect: {
      refusedBy: ["no-plaintext-secrets"],
      messages: [["no-plaintext-secrets", "'DEPLOY_HELPER' holds a plaintext credential: the value looks like a GitHub token"]],
    },
  },
  {
    title: "the staging example names no production host",
    name: "staging-strict",
    stack: "staging",
    policyConfig: "strict",
    expect: { passes: true },
  },
  {
    title: "a staging app pointed at the production site is refused",
    name: "staging-production-url",
    stack: "staging",
    policyConfig: "strict",
    transform: { type: TYPE.herokuConfig, name: "api-config", statement: 'props.vars.PUBLIC_URL = "https://acme.shop"' },
    expect: {
      refusedBy: ["staging-isolation"],
      messages: [["staging-isolation", /api-config.*in stack 'staging' vars\.PUBLIC_URL names production host 'acme\.shop'/]],
    },
  },
  {
    title: "a staging Postgres provider pointed at the production server is refused (the engine judges providers too)",
    name: "staging-provider-production-server",
    stack: "staging",
    policyConfig: "strict",
    edit: (dir) => editStackFile(dir, "staging", (doc) => doc.setIn(slipwayKey("postgres", "host"), "pg-prod.acme.internal")),
    expect: {
      refusedBy: ["staging-isolation"],
      messages: [["staging-isolation", /staging-postgres.*in stack 'staging' host names production database 'pg-prod\.acme\.internal'/]],
    },
  },
  {
    title: "a staging worker pointed at the production database host is refused",
    name: "staging-production-database",
    stack: "staging",
    policyConfig: "strict",
    transform: {
      type: TYPE.deployment,
      name: "workloads-worker",
      statement: 'props.spec.template.spec.containers[0].env.push({ name: "DATABASE_HOST", value: "pg-prod.acme.internal" })',
    },
    expect: { refusedBy: ["staging-isolation"], messages: [["staging-isolation", "names production database 'pg-prod.acme.internal'"]] },
  },
];

/** Every variant, in the order the tests list them: each area adds its own in its own module. */
export const VARIANTS: VariantSpec[] = [...BASE_VARIANTS, ...DEPLOY_VARIANTS, ...DATA_VARIANTS, ...FOREIGN_VARIANTS];

/** The example stacks themselves: both pass with no violation at all. */
export const EXAMPLES: VariantSpec[] = (["production", "staging"] as const).map((stack) => ({
  title: `the ${stack} example passes with no violation`,
  name: `example-${stack}`,
  stack,
  policyConfig: "team",
  expect: { passes: true },
}));

/** The program module of a program variant: the transformation or addition, then the project's program. */
function programSource(variant: VariantSpec): string {
  const lines = [
    "// Generated by test/e2e/variants.ts: the example program with one edit.",
    `const pulumi = require(${js(require.resolve("@pulumi/pulumi", { paths: [REPO_ROOT] }))});`,
    `const github = require(${js(require.resolve("@pulumi/github", { paths: [REPO_ROOT] }))});`,
    `const k8s = require(${js(require.resolve("@pulumi/kubernetes", { paths: [REPO_ROOT] }))});`,
    `const postgresql = require(${js(require.resolve("@pulumi/postgresql", { paths: [REPO_ROOT] }))});`,
    `const vercel = require(${js(require.resolve("@pulumiverse/vercel", { paths: [REPO_ROOT] }))});`,
    // The program's explicit providers, by package: an addition of a kubernetes or postgresql
    // resource must name one (`{ provider: providers.kubernetes }`), the default ones are disabled.
    "const providers = {};",
    "pulumi.runtime.registerStackTransformation((args) => {",
    '  if (args.type.startsWith("pulumi:providers:")) providers[args.type.slice("pulumi:providers:".length)] = args.resource;',
    "  return undefined;",
    "});",
  ];
  if (variant.transform) {
    const { type, name, statement } = variant.transform;
    lines.push(
      "pulumi.runtime.registerStackTransformation((args) => {",
      `  if (args.type !== ${js(type)} || args.name !== ${js(name)}) return undefined;`,
      "  const props = args.props;",
      "  const opts = { ...args.opts };",
      `  ${statement};`,
      "  return { props, opts };",
      "});",
    );
  }
  if (variant.addition) {
    // The program builds across turns of the event loop and exports a promise of its outputs: the
    // addition comes once it settled, when the program's explicit providers exist to be named.
    lines.push(
      `module.exports = Promise.resolve(require(${js(REPO_ROOT)})).then((outputs) => {`,
      variant.addition,
      "  return outputs;",
      "});",
    );
  } else {
    lines.push(`module.exports = require(${js(REPO_ROOT)});`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Apply a variant to a fresh copy of the example project (`projectDir`, made by copyProject):
 * its stack-file edits, and for a program variant a `program.js` the Pulumi.yaml names.
 */
export function prepareVariant(variant: VariantSpec, projectDir: string): void {
  variant.edit?.(projectDir);
  if (variant.transform || variant.addition) {
    fs.writeFileSync(path.join(projectDir, "program.js"), programSource(variant));
    const file = path.join(projectDir, "Pulumi.yaml");
    const text = fs
      .readFileSync(file, "utf8")
      .replace(/^main:.*$/m, "")
      .trimEnd();
    fs.writeFileSync(file, `${text}\nmain: program.js\n`);
  }
}

/** When this test process started: the strict config's freeze window is centred on it, the same for every judge. */
const STARTED = Date.now();

/** The strict policy config: the team's, plus production hosts named, a freeze window around now and Vercel previews private. */
export function strictPolicySettings(now = STARTED): Record<string, Record<string, unknown>> {
  const day = 24 * 60 * 60 * 1000;
  return {
    "staging-isolation": {
      productionHosts: ["acme.shop", "www.acme.shop", "api.acme.shop"],
      productionDatabases: ["pg-prod.acme.internal"],
    },
    "change-freeze": {
      freezeWindows: [{ start: new Date(now - day).toISOString(), end: new Date(now + day).toISOString(), reason: "e2e freeze" }],
    },
    // Advisory by default: a team that wants previews private makes it block.
    "vercel-deployment-protection": { enforcementLevel: "mandatory" },
  };
}

/** The two gates that judge variants, by the policy config a variant names. */
export interface VariantGates {
  /** Judge a run with the gate of `policyConfig`. */
  judge(policyConfig: PolicyConfigName, recorded: RecordedStack): Promise<GateReport>;
  /** Stop both packs. */
  close(): Promise<void>;
}

/** Start the team's gate and the strict one (its config written into `scratch`). */
export async function openVariantGates(scratch: string): Promise<VariantGates> {
  const strictConfig = writePolicyConfig(scratch, "policy-config.strict.json", strictPolicySettings());
  const [team, strict] = await Promise.all([openGate(), openGate(strictConfig)]);
  return {
    judge: (policyConfig, recorded) => (policyConfig === "strict" ? strict : team).judge(recorded),
    close: async () => {
      await Promise.all([team.close(), strict.close()]);
    },
  };
}
