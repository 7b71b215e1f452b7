/**
 * The Slipway program: reads and validates the stack's config once, builds the release topology,
 * exports what a release engineer (and the deploy workflow) wants to see. Resources live in
 * components/; this file only decides what to build.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, goLivePhaseFromEnv } from "./config/config";
import { loadStackConfig, stackFileName } from "./config/stackFile";
import { checkBreakGlassAgreement, readPolicyStatement } from "./config/policyStatement";
import { buildRelease } from "./release/manifest";
import { ReleaseTopology } from "./components/topology";
import { UserError } from "./config/errors";
import { assertProductionApplyAllowed } from "./release/guard";

const stack = pulumi.getStack();
/** Where the stack files, ledger and changelog are: the project, unless a test points elsewhere. */
const projectDir = process.env.SLIPWAY_PROJECT_DIR ?? __dirname;

/** Everything that can fail on the user's input happens here, before any resource exists. */
function prepare() {
  try {
    // The Heroku playbook's guard (004 §9): a production update needs ALLOW_PROD=1; preview always runs.
    assertProductionApplyAllowed({ stack, dryRun: pulumi.runtime.isDryRun() });
    const config = loadStackConfig(projectDir, stack, pulumi.runtime.allConfig());
    const statement = readPolicyStatement(projectDir);
    checkBreakGlassAgreement(stackFileName(stack), config, statement);
    const { manifest, ledgerHead } = buildRelease(projectDir, stack, config);
    // What this update does with production traffic: the deploy workflow's first update builds the
    // candidate (`candidate`), its second moves traffic after the smoke checks passed (`live`).
    const goLive = goLivePhaseFromEnv();
    return { config, manifest, ledgerHead, statement, goLive };
  } catch (err) {
    // The user's to fix: RunError prints the message without a stack trace.
    if (err instanceof ConfigError || err instanceof UserError) throw new pulumi.RunError(err.message);
    throw err;
  }
}

const { config, manifest, ledgerHead, statement, goLive } = prepare();
const topology = new ReleaseTopology("release", {
  config,
  manifest,
  ledgerHead,
  isProduction: config.environment === "production",
  breakGlassTeamId: statement.breakGlassTeamId,
  goLive,
});

/**
 * The stack's outputs, once the topology has built every resource. The language host (and the
 * offline gate) awaits an exported promise and publishes what it resolves to.
 */
async function stackOutputs() {
  await topology.ready;
  return {
    /** The environment this stack deploys. */
    environment: config.environment,
    /** The release version deployed (read by the deploy workflow for the deploy marker). */
    releaseVersion: manifest.version,
    /** The release level L0-L3. */
    releaseLevel: manifest.level,
    /** The environment's public URL (the smoke checks' target). */
    environmentUrl: config.environments[config.environment]?.url ?? "",
    /** The GitHub environments this stack manages. */
    environments: topology.environmentNames,
    /** Required status checks per governed repository (stacks that own repository resources). */
    requiredChecks: topology.requiredChecks,
    /** The release manifest, as the deploy jobs and the policies read it. */
    releaseManifest: manifest,
    /** Each app's public URL, by app name. */
    appUrls: {
      ...Object.fromEntries(config.apps.vercel.map((app, i) => [app.name, topology.vercelApps[i].url])),
      ...Object.fromEntries(config.apps.heroku.map((app, i) => [app.name, topology.herokuApps[i].webUrl])),
    },
    /**
     * Where each app's release runs before it takes traffic, by app name: the Vercel deployment's own
     * URL, the Heroku candidate app's. The deploy workflow smokes each before the `live` update.
     */
    candidateUrls: {
      ...Object.fromEntries(config.apps.vercel.map((app, i) => [app.name, topology.vercelApps[i].candidateUrl])),
      ...Object.fromEntries(config.apps.heroku.map((app, i) => [app.name, topology.herokuApps[i].candidateUrl])),
    },
    /**
     * The URNs of the resources that serve this stack's flags (the environments' `SLIPWAY_FLAGS`
     * variables, the `slipway-flags` ConfigMap): the kill switch (flag.yml) reads them from the last
     * deploy and updates only these, `pulumi up --target`, so no app is touched.
     */
    flagSources: topology.flagSources.map((resource) => resource.urn),
    /** Ids of the Heroku pipelines this stack owns, by name: other stacks couple into them with `pipelineId`. */
    herokuPipelines: Object.fromEntries(
      topology.herokuApps.flatMap((app, i) => (app.pipeline ? [[config.apps.heroku[i].pipeline as string, app.pipeline.id]] : [])),
    ),
    /** Database facts for the app; the runtime password stays a secret. */
    databases: topology.databases.map((db) => ({
      name: db.databaseName,
      runtimeRole: db.runtimeRoleName,
      runtimePassword: db.runtimePassword,
    })),
  };
}

export = stackOutputs();
