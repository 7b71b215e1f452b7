/**
 * A Heroku app that runs exactly the slug a release names.
 *
 * The release is a Heroku release of the artifact's slug id, so production runs the very slug
 * staging ran (000 §4, 004 §3): nothing is rebuilt on promotion. There is no release phase:
 * migrations never run implicitly on deploy (004 §3, §5), so a `release` process type is refused
 * by the config and never created here. Config vars are split: plain ones in `vars`, secrets in
 * `sensitiveVars` (secret outputs), plus `SLIPWAY_FLAGS`, the same flagd JSON every target gets.
 */
import * as pulumi from "@pulumi/pulumi";
import { FLAGS_ENV_VAR } from "../../contract";
import type { ArtifactConfig, HerokuAppConfig } from "../config";
import type { DeployEnvironment } from "./common";
import { App, ConfigAssociation, Coupling, Formation, Pipeline, Release } from "./heroku";

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
  /** The environment's flagd JSON, set as the `SLIPWAY_FLAGS` config var. */
  flagsJson: pulumi.Input<string>;
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

  constructor(name: string, args: HerokuAppArgs, opts?: pulumi.ComponentResourceOptions) {
    super("slipway:apps:HerokuApp", name, {}, opts);
    const { app } = args;
    const slugId = args.artifact.slugId;
    if (slugId === undefined) {
      throw new pulumi.RunError(`slipway:release.artifacts.${app.name}.slugId: is required: Heroku app '${app.appName}' releases a slug`);
    }
    if ("release" in app.formation) {
      throw new pulumi.RunError(`slipway:apps.heroku (${app.name}).formation.release: a release phase would run migrations implicitly (004 §3)`);
    }

    this.app = new App(
      name,
      { name: app.appName, region: app.region, stack: app.stack },
      // A deleted production app loses its release history, add-ons and domains (003 §5.3).
      { parent: this, protect: args.isProduction },
    );

    const secrets = Object.entries(app.secrets);
    this.config = new ConfigAssociation(
      `${name}-config`,
      {
        appId: this.app.id,
        vars: { ...app.configVars, [FLAGS_ENV_VAR]: args.flagsJson },
        sensitiveVars:
          secrets.length > 0 ? pulumi.all(Object.fromEntries(secrets.map(([key, value]) => [key, value.toOutput()]))) : undefined,
      },
      { parent: this },
    );

    // Config first, then the slug: the release Heroku records is the slug with this config.
    this.release = new Release(
      `${name}-release`,
      { appId: this.app.id, slugId, description: `Slipway release ${args.version}` },
      { parent: this, dependsOn: [this.config] },
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
      this.coupling = new Coupling(`${name}-coupling`, { appId: this.app.id, pipeline: pipelineId, stage: args.environment }, { parent: this });
    }

    this.webUrl = this.app.webUrl;
    this.registerOutputs({ appId: this.app.id, webUrl: this.webUrl, releaseId: this.release.id });
  }
}
