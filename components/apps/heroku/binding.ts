/**
 * A small typed binding to the pulumiverse Heroku provider (v1.0.4), which publishes no Node SDK.
 *
 * Each class is what `pulumi-language-nodejs` would generate for the resource: the provider's
 * real type token, its input property names (required ones checked), its output properties, the
 * plugin version and download URL in the resource options (so `pulumi` fetches the right
 * plugin), and the schema's secret properties listed in `additionalSecretOutputs`. Only the
 * resources Slipway uses are bound; test/apps/herokuBinding.test.ts checks every token and
 * property name against the provider's schema.
 */
import * as pulumi from "@pulumi/pulumi";

/** Provider plugin version the binding was written against. */
export const HEROKU_PROVIDER_VERSION = "1.0.4";

/** Where the engine downloads the plugin from (the pulumiverse GitHub releases). */
export const HEROKU_PLUGIN_DOWNLOAD_URL = "github://api.github.com/pulumiverse";

/** The options every generated SDK merges first: which plugin serves the resource. */
function withPluginDefaults<Options extends pulumi.CustomResourceOptions | pulumi.InvokeOptions>(opts: Options | undefined): Options {
  return { version: HEROKU_PROVIDER_VERSION, pluginDownloadURL: HEROKU_PLUGIN_DOWNLOAD_URL, ...opts } as Options;
}

/** Generated SDKs refuse a missing required input before registering anything. */
function requireInputs(type: string, args: object | undefined, names: string[], opts: pulumi.CustomResourceOptions): void {
  if (opts.urn) return; // a rehydrated resource carries no inputs
  for (const name of names) {
    if ((args as Record<string, unknown> | undefined)?.[name] === undefined) {
      throw new Error(`Missing required property '${name}' of ${type}`);
    }
  }
}

/** Wrap a secret input the way generated SDKs do, leaving an absent value absent. */
function secretOrUndefined<T>(value: pulumi.Input<T> | undefined): pulumi.Output<pulumi.Unwrap<T>> | undefined {
  return value === undefined ? undefined : pulumi.secret(value);
}

/** The Heroku team an app belongs to (`heroku:app/AppOrganization:AppOrganization`). */
export interface AppOrganizationArgs {
  /** Whether other team members are forbidden from joining the app. */
  locked?: pulumi.Input<boolean>;
  /** Name of the Heroku team. */
  name: pulumi.Input<string>;
  /** Create the app in the user account even when a default team is set. */
  personal?: pulumi.Input<boolean>;
}

/** Inputs of a Heroku app (`heroku:app/app:App`). */
export interface AppArgs {
  /** Automated Certificate Management. */
  acm?: pulumi.Input<boolean>;
  /** Buildpack names or URLs. */
  buildpacks?: pulumi.Input<pulumi.Input<string>[]>;
  /** Config vars managed on the app itself (Slipway uses a ConfigAssociation instead). */
  configVars?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Route only inside a private space. */
  internalRouting?: pulumi.Input<boolean>;
  /** App name, unique across Heroku. */
  name?: pulumi.Input<string>;
  /** The team that owns the app. */
  organization?: pulumi.Input<AppOrganizationArgs>;
  /** Region (`us`, `eu`); required. */
  region: pulumi.Input<string>;
  /** Sensitive config vars (secret). */
  sensitiveConfigVars?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Private space to create the app in. */
  space?: pulumi.Input<string>;
  /** Stack (`heroku-24`, `container`). */
  stack?: pulumi.Input<string>;
}

/** A Heroku app. */
export class App extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:app/app:App";

  /** Whether `obj` is an App, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is App {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === App.__pulumiType;
  }

  /** Automated Certificate Management. */
  declare readonly acm: pulumi.Output<boolean>;
  /** Every config var of the app, including those set outside Pulumi (secret). */
  declare readonly allConfigVars: pulumi.Output<Record<string, string>>;
  /** Buildpacks. */
  declare readonly buildpacks: pulumi.Output<string[]>;
  /** Config vars managed on the app. */
  declare readonly configVars: pulumi.Output<Record<string, string>>;
  /** Git URL of the app. */
  declare readonly gitUrl: pulumi.Output<string>;
  /** The app's `*.herokuapp.com` hostname. */
  declare readonly herokuHostname: pulumi.Output<string>;
  /** Whether the app routes only inside its space. */
  declare readonly internalRouting: pulumi.Output<boolean>;
  /** App name. */
  declare readonly name: pulumi.Output<string>;
  /** The owning team. */
  declare readonly organization: pulumi.Output<{ locked: boolean; name: string; personal: boolean } | undefined>;
  /** Region. */
  declare readonly region: pulumi.Output<string>;
  /** Sensitive config vars (secret). */
  declare readonly sensitiveConfigVars: pulumi.Output<Record<string, string>>;
  /** Private space. */
  declare readonly space: pulumi.Output<string | undefined>;
  /** Stack. */
  declare readonly stack: pulumi.Output<string>;
  /** The app's UUID. */
  declare readonly uuid: pulumi.Output<string>;
  /** The app's web URL. */
  declare readonly webUrl: pulumi.Output<string>;

  constructor(name: string, args: AppArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    requireInputs(App.__pulumiType, args, ["region"], options);
    const inputs: pulumi.Inputs = {
      acm: args?.acm,
      buildpacks: args?.buildpacks,
      configVars: args?.configVars,
      internalRouting: args?.internalRouting,
      name: args?.name,
      organization: args?.organization,
      region: args?.region,
      sensitiveConfigVars: secretOrUndefined(args?.sensitiveConfigVars),
      space: args?.space,
      stack: args?.stack,
      // Outputs only: declared so the SDK creates their Output properties.
      allConfigVars: undefined,
      gitUrl: undefined,
      herokuHostname: undefined,
      uuid: undefined,
      webUrl: undefined,
    };
    super(
      App.__pulumiType,
      name,
      inputs,
      pulumi.mergeOptions(options, { additionalSecretOutputs: ["allConfigVars", "sensitiveConfigVars"] }),
    );
  }
}

/** Inputs of a config association (`heroku:app/configAssociation:ConfigAssociation`). */
export interface ConfigAssociationArgs {
  /** The app's id (not its name). */
  appId: pulumi.Input<string>;
  /** Config vars Heroku may show (secret in state). */
  sensitiveVars?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Config vars that may be shown in plain text. */
  vars?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Config vars of an app, split into plain and sensitive ones. */
export class ConfigAssociation extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:app/configAssociation:ConfigAssociation";

  /** Whether `obj` is a ConfigAssociation, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is ConfigAssociation {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === ConfigAssociation.__pulumiType;
  }

  /** The app's id. */
  declare readonly appId: pulumi.Output<string>;
  /** Sensitive config vars (secret). */
  declare readonly sensitiveVars: pulumi.Output<Record<string, string> | undefined>;
  /** Plain config vars. */
  declare readonly vars: pulumi.Output<Record<string, string> | undefined>;

  constructor(name: string, args: ConfigAssociationArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    requireInputs(ConfigAssociation.__pulumiType, args, ["appId"], options);
    const inputs: pulumi.Inputs = {
      appId: args?.appId,
      sensitiveVars: secretOrUndefined(args?.sensitiveVars),
      vars: args?.vars,
    };
    super(ConfigAssociation.__pulumiType, name, inputs, pulumi.mergeOptions(options, { additionalSecretOutputs: ["sensitiveVars"] }));
  }
}

/** Inputs of a formation (`heroku:formation/formation:Formation`). */
export interface FormationArgs {
  /** The app's id (not its name). */
  appId: pulumi.Input<string>;
  /** Dynos to keep running. */
  quantity: pulumi.Input<number>;
  /** Dyno size (`standard-1x`). */
  size: pulumi.Input<string>;
  /** Process type (`web`, `worker`). */
  type: pulumi.Input<string>;
}

/** The dynos of one process type. */
export class Formation extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:formation/formation:Formation";

  /** Whether `obj` is a Formation, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is Formation {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === Formation.__pulumiType;
  }

  /** The app's id. */
  declare readonly appId: pulumi.Output<string>;
  /** Dynos running. */
  declare readonly quantity: pulumi.Output<number>;
  /** Dyno size. */
  declare readonly size: pulumi.Output<string>;
  /** Process type. */
  declare readonly type: pulumi.Output<string>;

  constructor(name: string, args: FormationArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    requireInputs(Formation.__pulumiType, args, ["appId", "quantity", "size", "type"], options);
    const inputs: pulumi.Inputs = {
      appId: args?.appId,
      quantity: args?.quantity,
      size: args?.size,
      type: args?.type,
    };
    super(Formation.__pulumiType, name, inputs, options);
  }
}

/** The owner of a pipeline (`heroku:pipeline/PipelineOwner:PipelineOwner`). */
export interface PipelineOwnerArgs {
  /** Owner UUID. */
  id: pulumi.Input<string>;
  /** `user` or `team`. */
  type: pulumi.Input<string>;
}

/** Inputs of a pipeline (`heroku:pipeline/pipeline:Pipeline`). */
export interface PipelineArgs {
  /** Pipeline name. */
  name?: pulumi.Input<string>;
  /** Owner; default the API key's user. */
  owner?: pulumi.Input<PipelineOwnerArgs>;
}

/** A pipeline: the apps of one codebase, one per stage, between which slugs are promoted. */
export class Pipeline extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:pipeline/pipeline:Pipeline";

  /** Whether `obj` is a Pipeline, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is Pipeline {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === Pipeline.__pulumiType;
  }

  /** Pipeline name. */
  declare readonly name: pulumi.Output<string>;
  /** Owner. */
  declare readonly owner: pulumi.Output<{ id: string; type: string }>;

  constructor(name: string, args?: PipelineArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    const inputs: pulumi.Inputs = {
      name: args?.name,
      owner: args?.owner,
    };
    super(Pipeline.__pulumiType, name, inputs, options);
  }
}

/** Inputs of a pipeline coupling (`heroku:pipeline/coupling:Coupling`). */
export interface CouplingArgs {
  /** The app's id (not its name). */
  appId: pulumi.Input<string>;
  /** The pipeline's id. */
  pipeline: pulumi.Input<string>;
  /** `review`, `development`, `staging` or `production`. */
  stage: pulumi.Input<string>;
}

/** An app's place in a pipeline. */
export class Coupling extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:pipeline/coupling:Coupling";

  /** Whether `obj` is a Coupling, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is Coupling {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === Coupling.__pulumiType;
  }

  /** The app's id. */
  declare readonly appId: pulumi.Output<string>;
  /** The pipeline's id. */
  declare readonly pipeline: pulumi.Output<string>;
  /** The stage. */
  declare readonly stage: pulumi.Output<string>;

  constructor(name: string, args: CouplingArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    requireInputs(Coupling.__pulumiType, args, ["appId", "pipeline", "stage"], options);
    const inputs: pulumi.Inputs = {
      appId: args?.appId,
      pipeline: args?.pipeline,
      stage: args?.stage,
    };
    super(Coupling.__pulumiType, name, inputs, options);
  }
}

/** Inputs of a release (`heroku:app/release:Release`). */
export interface ReleaseArgs {
  /** The app's id (not its name). */
  appId: pulumi.Input<string>;
  /** What the release changes. */
  description?: pulumi.Input<string>;
  /** The slug to run (UUID). */
  slugId: pulumi.Input<string>;
}

/** A release: the app runs the given slug. */
export class Release extends pulumi.CustomResource {
  /** The provider's type token. */
  static readonly __pulumiType = "heroku:app/release:Release";

  /** Whether `obj` is a Release, even across copies of the SDK. */
  static isInstance(obj: unknown): obj is Release {
    return (obj as { __pulumiType?: string } | undefined)?.__pulumiType === Release.__pulumiType;
  }

  /** The app's id. */
  declare readonly appId: pulumi.Output<string>;
  /** Description. */
  declare readonly description: pulumi.Output<string>;
  /** The slug released. */
  declare readonly slugId: pulumi.Output<string>;

  constructor(name: string, args: ReleaseArgs, opts?: pulumi.CustomResourceOptions) {
    const options = withPluginDefaults(opts);
    requireInputs(Release.__pulumiType, args, ["appId", "slugId"], options);
    const inputs: pulumi.Inputs = {
      appId: args?.appId,
      description: args?.description,
      slugId: args?.slugId,
    };
    super(Release.__pulumiType, name, inputs, options);
  }
}
