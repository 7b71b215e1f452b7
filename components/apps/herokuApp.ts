/**
 * A Heroku app that runs exactly the slug a release names.
 *
 * The release is a Heroku release of the artifact's slug id, so production runs the very slug
 * staging ran (000 §4, 004 §3): nothing is rebuilt on promotion. There is no release phase:
 * migrations never run implicitly on deploy (004 §3, §5), so a `release` process type is refused
 * by the config and never created here. Config vars are split: plain ones in `vars`, secrets in
 * `sensitiveVars` (secret outputs), plus `SLIPWAY_FLAGS_URL`, where the dynos read the served flags:
 * a Heroku config var change restarts every dyno, so the flag document itself is never one.
 *
 * A release takes traffic only after its smoke checks passed (003 §5.1, 000 §4). Heroku releases
 * a slug the moment it is created, and the provider has no pipeline promotion, so the release
 * first runs on a candidate app (`candidateAppName`, default `<appName>-rc`: same region, stack,
 * config and slug, one web dyno, in no pipeline) that the deploy workflow smokes. In the
 * `candidate` phase of a deploy the live app keeps its release and its config (a config change
 * alone restarts the dynos as a new release); the `live` phase, after the smoke checks passed,
 * releases the same slug with the same config on the live app (see GO_LIVE_ENV).
 */
import * as pulumi from "@pulumi/pulumi";
import { FLAGS_URL_ENV_VAR } from "../../contract";
import type { GoLivePhase } from "../../contract/release";
import { HEROKU_CANDIDATE_SUFFIX } from "../../config/config";
import type { ArtifactConfig, HerokuAppConfig } from "../../config/config";
import type { DeployEnvironment } from "./common";
import { App, ConfigAssociation, Coupling, Formation, Pipeline, Release } from "./heroku";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** Inputs of a `HerokuApp`. */
export interface HerokuAppArgs {
  /** The app's validated config (`slipway:apps.heroku[i]`). */
  app: HerokuAppConfig;
  /** Environment the stack deploys: also the app's pipeline stage. */
  environment: DeployEnvironment;
  /** Whether the stack is a production stack: the app is protected from deletion. */
  isProduction: boolean;
  /** The app's artifact (`slipway:release.artifacts.<app>`): its `slugId` is released. */
  artifact: ArtifactConfig;
  /** Release version, written into the Heroku release's description. */
  version: string;
  /** Where the environment's flags are served (`flagsSourceUrl`), the `SLIPWAY_FLAGS_URL` config var: constant as flags change. */
  flagsUrl: string;
  /** `candidate`: only the candidate app gets the release; `live` (default): the live app does too. */
  goLive?: GoLivePhase;
}

/** The candidate app: where a release runs, out of customers' reach, while its smoke checks run. */
export interface HerokuCandidate {
  /** The app. */
  app: App;
  /** The same config vars as the live app. */
  config: ConfigAssociation;
  /** The release of the artifact's slug. */
  release: Release;
  /** One web dyno, when the app has a web process. */
  formations: Formation[];
}

/** A Heroku app, its config, its release and its dynos. */
export class HerokuApp extends pulumi.ComponentResource {
  /** The app. */
  readonly app: App;
  /** Plain and sensitive config vars. */
  readonly config: ConfigAssociation;
  /** The release of the artifact's slug. */
  readonly release: Release;
  /** Dynos per process type. */
  readonly formations: Formation[];
  /** The pipeline, when this stack owns it. */
  readonly pipeline?: Pipeline;
  /** The app's coupling into its pipeline, when it has one. */
  readonly coupling?: Coupling;
  /** The app's web URL. */
  readonly webUrl: pulumi.Output<string>;
  /** The candidate app the release runs on first. */
  readonly candidate: HerokuCandidate;
  /** The candidate's web URL: the smoke checks' target before the release goes live. */
  readonly candidateUrl: pulumi.Output<string>;

  constructor(name: string, args: HerokuAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.herokuApp, name, {}, opts);
    const { app } = args;
    const slugId = args.artifact.slugId;
    // The config contract refuses both (release.artifacts, formation); these guard callers that build args themselves.
    if (slugId === undefined) {
      throw new pulumi.ResourceError(
        `slipway:release.artifacts.${app.name}.slugId: is required: Heroku app '${app.appName}' releases a slug`,
        this,
        true,
      );
    }
    if ("release" in app.formation) {
      throw new pulumi.ResourceError(
        `slipway:apps.heroku (${app.name}).formation.release: a release phase would run migrations implicitly (004 §3)`,
        this,
        true,
      );
    }

    this.app = new App(
      name,
      { name: app.appName, region: app.region, stack: app.stack },
      // A deleted production app loses its release history, add-ons and domains (003 §5.3).
      { parent: this, protect: args.isProduction },
    );

    const secrets = Object.entries(app.secrets);
    const vars = { ...app.configVars, [FLAGS_URL_ENV_VAR]: args.flagsUrl };
    const sensitiveVars =
      secrets.length > 0 ? pulumi.all(Object.fromEntries(secrets.map(([key, value]) => [key, value.toOutput()]))) : undefined;
    const description = `Slipway release ${args.version}`;

    // The candidate: the release with its config, on an app customers do not reach.
    // Protected like the live app (an app is production data to the pack): it lives as long as the live one.
    const candidateApp = new App(
      `${name}-candidate`,
      { name: app.candidateAppName ?? `${app.appName}${HEROKU_CANDIDATE_SUFFIX}`, region: app.region, stack: app.stack },
      { parent: this, protect: args.isProduction },
    );
    // Its own copy of the vars: each app's config is its own resource, never two views of one object.
    const candidateConfig = new ConfigAssociation(
      `${name}-candidate-config`,
      { appId: candidateApp.id, vars: { ...vars }, sensitiveVars },
      { parent: this },
    );
    const candidateRelease = new Release(
      `${name}-candidate-release`,
      { appId: candidateApp.id, slugId, description },
      { parent: this, dependsOn: [candidateConfig] },
    );
    const web = app.formation.web;
    this.candidate = {
      app: candidateApp,
      config: candidateConfig,
      release: candidateRelease,
      formations:
        web === undefined
          ? []
          : [
              new Formation(
                `${name}-candidate-formation-web`,
                { appId: candidateApp.id, type: "web", quantity: 1, size: web.size },
                { parent: this, dependsOn: [candidateRelease] },
              ),
            ],
    };

    // The live app keeps its release and config while the candidate is checked.
    const holdTraffic = args.goLive === "candidate";
    this.config = new ConfigAssociation(
      `${name}-config`,
      { appId: this.app.id, vars, sensitiveVars },
      { parent: this, ignoreChanges: holdTraffic ? ["vars", "sensitiveVars"] : [] },
    );

    // Config first, then the slug: the release Heroku records is the slug with this config. Only
    // after the candidate's checks: it goes live the moment Heroku creates it.
    this.release = new Release(
      `${name}-release`,
      { appId: this.app.id, slugId, description },
      { parent: this, dependsOn: [this.config, ...this.candidate.formations], ignoreChanges: holdTraffic ? ["slugId", "description"] : [] },
    );

    // Heroku scales only an app that has a release.
    this.formations = Object.entries(app.formation).map(
      ([type, dynos]) =>
        new Formation(
          `${name}-formation-${type}`,
          { appId: this.app.id, type, quantity: dynos.quantity, size: dynos.size },
          { parent: this, dependsOn: [this.release] },
        ),
    );

    // A pipeline spans stacks, so exactly one stack manages it: the one that names it
    // (`pipeline`, the first stack in promotion order); the others couple by its id
    // (`pipelineId`). No lookup by name: that needs an API key and an existing pipeline at preview.
    let pipelineId: pulumi.Input<string> | undefined = app.pipelineId;
    if (app.pipeline !== undefined) {
      // Protected in every stack: deleting it would uncouple every other stage's app.
      this.pipeline = new Pipeline(`${name}-pipeline`, { name: app.pipeline }, { parent: this, protect: true });
      pipelineId = this.pipeline.id;
    }
    if (pipelineId !== undefined) {
      this.coupling = new Coupling(
        `${name}-coupling`,
        { appId: this.app.id, pipeline: pipelineId, stage: args.environment },
        { parent: this },
      );
    }

    this.webUrl = this.app.webUrl;
    this.candidateUrl = candidateApp.webUrl;
    this.registerOutputs({ appId: this.app.id, webUrl: this.webUrl, releaseId: this.release.id, candidateUrl: this.candidateUrl });
  }
}
