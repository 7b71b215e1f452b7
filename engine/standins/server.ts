/**
 * The gRPC side of a stand-in provider plugin: Pulumi's ResourceProvider service, answered by the
 * pure provider model (`providers/model.ts`), the credential rules (`credentials.ts`) and the
 * organisation fixture (`invokes.ts`).
 *
 * Property maps cross the wire as `google.protobuf.Struct`s; the engine sends secrets wrapped and
 * unknowns as the unknown marker (this plugin accepts both, see Handshake/Configure), and every
 * answer hands them back in the same form, so they round-trip exactly.
 */
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as plugproto from "@pulumi/pulumi/proto/plugin_pb";
import * as provrpc from "@pulumi/pulumi/proto/provider_grpc_pb";
import * as provproto from "@pulumi/pulumi/proto/provider_pb";
import { check, checkConfig, createOutputs, diff, type DiffKind, nameFromUrn, previewOutputs, resourceSpec } from "../../providers/model";
import type { CheckFailure } from "../../providers/validate";
import { schemaText } from "../../providers/schema";
import { clone, reveal, type WireMap } from "../../providers/wire";
import { hasCredentials, missingCredentialsError, type ProviderSettings } from "./credentials";
import { answerInvoke, ApiError } from "./invokes";
import { type Cloud, findInCloud, IMPORT_STATE_ENV, loadCloud } from "./importState";

/** Plugin versions the stand-ins report: those of the SDKs Slipway pins (package.json). */
export const PLUGIN_VERSIONS: Record<string, string> = {
  github: "6.15.0",
  kubernetes: "4.34.2",
  vercel: "5.4.1",
  heroku: "1.0.4",
  postgresql: "3.18.1",
  random: "4.21.2",
};

/** Environment variable naming type tokens whose (non-preview) Create fails, comma-separated. */
export const FAIL_CREATE_ENV = "SLIPWAY_STANDIN_FAIL_CREATE";

/** The largest message the engine may send (its own limit for provider RPCs). */
const MAX_MESSAGE_SIZE = 400 * 1024 * 1024;

/** A Struct as a wire-form property map (an absent Struct is an empty map). */
function fromStruct(struct: Struct | undefined): WireMap {
  return (struct?.toJavaScript() ?? {}) as WireMap;
}

/** A wire-form property map as a Struct. `undefined` members are dropped (a Struct cannot hold them). */
function toStruct(map: WireMap): Struct {
  return Struct.fromJavaScript(clone(map) as Record<string, never>);
}

/**
 * CheckFailure messages from model failures. Like the Terraform bridge, the property is left
 * empty and the reason names the path ("Examine values at 'web.rules.pullRequest'."): the engine
 * then prints "<type> resource '<name>' has a problem: <reason>", where a nested path in the
 * property field would print as "property a.b value {<nil>}".
 */
function toFailures(failures: CheckFailure[]): provproto.CheckFailure[] {
  return failures.map((f) => {
    const failure = new provproto.CheckFailure();
    failure.setProperty("");
    failure.setReason(f.reason);
    return failure;
  });
}

/** A gRPC error the engine shows as the operation's failure message. */
function rpcError(message: string, code: grpc.status = grpc.status.UNKNOWN): grpc.ServiceError {
  const error = new Error(message) as grpc.ServiceError;
  error.code = code;
  error.details = message;
  error.metadata = new grpc.Metadata();
  return error;
}

/** The DiffResponse kind of a model diff kind. */
const DIFF_KINDS: Record<DiffKind, provproto.PropertyDiff.Kind> = {
  add: provproto.PropertyDiff.Kind.ADD,
  "add-replace": provproto.PropertyDiff.Kind.ADD_REPLACE,
  delete: provproto.PropertyDiff.Kind.DELETE,
  "delete-replace": provproto.PropertyDiff.Kind.DELETE_REPLACE,
  update: provproto.PropertyDiff.Kind.UPDATE,
  "update-replace": provproto.PropertyDiff.Kind.UPDATE_REPLACE,
};

type Unary<Req, Res> = (call: grpc.ServerUnaryCall<Req, Res>, callback: grpc.sendUnaryData<Res>) => void;

/** Wrap a handler so that any exception becomes a failed RPC rather than a crashed plugin. */
function unary<Req, Res>(label: string, handler: (request: Req) => Res): Unary<Req, Res> {
  return (call, callback) => {
    try {
      callback(null, handler(call.request));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (!(err instanceof ApiError) && process.env.SLIPWAY_STANDIN_DEBUG) console.error(`${label}: ${(err as Error).stack ?? message}`);
      callback(rpcError(message), null);
    }
  };
}

/** The resource type of a request: its `type` field, or the type segment of its URN (older engines). */
function typeOf(request: { getType(): string; getUrn(): string }): string {
  if (request.getType()) return request.getType();
  const parts = request.getUrn().split("::");
  const qualified = parts[parts.length - 2] ?? "";
  return qualified.split("$").pop() as string;
}

/**
 * One stand-in provider: the ResourceProvider service for package `pkg`, reading credentials and
 * failure injection from `env` (the plugin's environment).
 */
export class StandinProvider {
  /** Configuration from Configure, secrets revealed. */
  private config: WireMap = {};
  /** Types whose Create fails (SLIPWAY_STANDIN_FAIL_CREATE). */
  private readonly failCreate: Set<string>;
  /** The import "cloud", once read. */
  private cloud: Cloud | undefined;

  constructor(
    readonly pkg: string,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    if (!PLUGIN_VERSIONS[pkg]) throw new Error(`unknown stand-in package '${pkg}' (known: ${Object.keys(PLUGIN_VERSIONS).join(", ")})`);
    this.failCreate = new Set(
      (env[FAIL_CREATE_ENV] ?? "")
        .split(",")
        .map((t) => t.trim())
        .filter(Boolean),
    );
  }

  /** The import "cloud" (SLIPWAY_STANDIN_IMPORT_STATE), read once; undefined when not given. */
  private importCloud(): Cloud | undefined {
    const file = this.env[IMPORT_STATE_ENV];
    if (!file) return undefined;
    this.cloud ??= loadCloud(file);
    return this.cloud;
  }

  /** What credential checks and invokes read. */
  private settings(): ProviderSettings {
    return { config: this.config, env: this.env };
  }

  /** Fail like the real provider when a real API call would need credentials we do not have. */
  private requireCredentials(kind: "create" | "read" | "update" | "delete", token: string, properties: WireMap): void {
    if (!hasCredentials(this.pkg, this.settings())) {
      throw new ApiError(missingCredentialsError(this.pkg, { kind, token, properties: reveal(properties) as WireMap }, this.settings()));
    }
  }

  /** The service implementation to register with a gRPC server. */
  implementation(): grpc.UntypedServiceImplementation {
    const unimplemented = (name: string) => (_call: unknown, callback: grpc.sendUnaryData<never>) =>
      callback(rpcError(`${name} is not implemented by the ${this.pkg} stand-in`, grpc.status.UNIMPLEMENTED), null);
    return {
      handshake: unary("Handshake", () => {
        const resp = new provproto.ProviderHandshakeResponse();
        resp.setAcceptSecrets(true);
        resp.setAcceptResources(true);
        resp.setAcceptOutputs(false);
        resp.setSupportsAutonamingConfiguration(false);
        return resp;
      }),
      getPluginInfo: unary("GetPluginInfo", () => {
        const info = new plugproto.PluginInfo();
        info.setVersion(PLUGIN_VERSIONS[this.pkg]);
        return info;
      }),
      getSchema: unary("GetSchema", (req: provproto.GetSchemaRequest) => {
        if (req.getVersion() !== 0) throw new Error(`unsupported schema version ${req.getVersion()}`);
        const resp = new provproto.GetSchemaResponse();
        resp.setSchema(schemaText(this.pkg));
        return resp;
      }),
      checkConfig: unary("CheckConfig", (req: provproto.CheckRequest) => {
        const result = checkConfig(this.pkg, fromStruct(req.getNews()));
        const resp = new provproto.CheckResponse();
        resp.setInputs(toStruct(result.inputs));
        resp.setFailuresList(toFailures(result.failures));
        return resp;
      }),
      diffConfig: unary("DiffConfig", (req: provproto.DiffRequest) => {
        // Old inputs if the engine sends them (it does since 3.x), else the old state.
        const olds = req.hasOldInputs() ? fromStruct(req.getOldInputs()) : fromStruct(req.getOlds());
        const news = fromStruct(req.getNews());
        const changed = [...new Set([...Object.keys(olds), ...Object.keys(news)])]
          .filter((key) => key !== "version" && key !== "pluginDownloadURL")
          .filter((key) => JSON.stringify(reveal(olds[key]) ?? null) !== JSON.stringify(reveal(news[key]) ?? null))
          .sort();
        const resp = new provproto.DiffResponse();
        resp.setChanges(changed.length > 0 ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
        resp.setDiffsList(changed);
        return resp;
      }),
      configure: unary("Configure", (req: provproto.ConfigureRequest) => {
        if (req.hasArgs()) this.config = reveal(fromStruct(req.getArgs())) as WireMap;
        else {
          // Older engines send only `<pkg>:config:<key>` variables, JSON for non-strings.
          const config: WireMap = {};
          req.getVariablesMap().forEach((value: string, key: string) => {
            const name = key.replace(new RegExp(`^${this.pkg}:config:`), "");
            config[name] = value;
          });
          this.config = config;
        }
        const resp = new provproto.ConfigureResponse();
        resp.setAcceptsecrets(true);
        resp.setAcceptresources(true);
        resp.setSupportspreview(true);
        resp.setAcceptoutputs(false);
        return resp;
      }),
      check: unary("Check", (req: provproto.CheckRequest) => {
        const urn = req.getUrn();
        const result = check(this.pkg, typeOf(req), fromStruct(req.getNews()), {
          urn,
          name: req.getName() || nameFromUrn(urn),
          randomSeed: req.getRandomseed_asU8(),
          olds: fromStruct(req.getOlds()),
        });
        const resp = new provproto.CheckResponse();
        resp.setInputs(toStruct(result.inputs));
        resp.setFailuresList(toFailures(result.failures));
        return resp;
      }),
      diff: unary("Diff", (req: provproto.DiffRequest) => {
        const type = typeOf(req);
        // Compare inputs with inputs: the old inputs when the engine sends them, else the old
        // state restricted to input properties (output-only values are no change).
        let olds = fromStruct(req.getOldInputs());
        if (!req.hasOldInputs() || Object.keys(olds).length === 0) {
          const inputs = resourceSpec(this.pkg, type)?.inputProperties ?? {};
          olds = Object.fromEntries(Object.entries(fromStruct(req.getOlds())).filter(([key]) => key in inputs));
        }
        const result = diff(this.pkg, type, olds, fromStruct(req.getNews()), {
          ignoreChanges: req.getIgnorechangesList(),
          providerConfig: this.config,
          env: this.env,
        });
        const resp = new provproto.DiffResponse();
        resp.setChanges(result.changes ? provproto.DiffResponse.DiffChanges.DIFF_SOME : provproto.DiffResponse.DiffChanges.DIFF_NONE);
        resp.setDiffsList(result.diffs);
        resp.setReplacesList(result.replaces);
        resp.setDeletebeforereplace(result.deleteBeforeReplace);
        resp.setHasdetaileddiff(true);
        const detailed = resp.getDetaileddiffMap();
        for (const [key, kind] of Object.entries(result.detailedDiff)) {
          const propertyDiff = new provproto.PropertyDiff();
          propertyDiff.setKind(DIFF_KINDS[kind]);
          propertyDiff.setInputdiff(true);
          detailed.set(key, propertyDiff);
        }
        return resp;
      }),
      create: unary("Create", (req: provproto.CreateRequest) => {
        const type = typeOf(req);
        const properties = fromStruct(req.getProperties());
        const resp = new provproto.CreateResponse();
        if (req.getPreview()) {
          resp.setProperties(toStruct(previewOutputs(this.pkg, type, properties)));
          return resp;
        }
        this.requireCredentials("create", type, properties);
        if (this.failCreate.has(type))
          throw new ApiError(`creating ${type} '${nameFromUrn(req.getUrn())}' failed: injected by ${FAIL_CREATE_ENV}`);
        const created = createOutputs(this.pkg, type, req.getUrn(), properties);
        resp.setId(created.id);
        resp.setProperties(toStruct(created.outputs));
        return resp;
      }),
      read: unary("Read", (req: provproto.ReadRequest) => {
        const resp = new provproto.ReadResponse();
        // No state and no inputs: the engine asks for a resource it does not manage (an import).
        // Answer from the import "cloud" when the test gave one; else as before, with nothing.
        const unmanaged = Object.keys(fromStruct(req.getProperties())).length === 0 && !req.hasInputs();
        const cloud = unmanaged ? this.importCloud() : undefined;
        if (cloud !== undefined) {
          const type = typeOf(req);
          this.requireCredentials("read", type, {});
          const found = findInCloud(cloud, type, req.getId());
          // Not there: the real providers' not-found answer, an empty response (the engine says "does not exist").
          if (found === undefined) return resp;
          const outputs = found.outputs ?? createOutputs(this.pkg, type, req.getUrn(), found.inputs).outputs;
          resp.setId(req.getId());
          resp.setProperties(toStruct(outputs));
          resp.setInputs(toStruct(found.inputs));
          return resp;
        }
        // The stand-ins' "cloud" is exactly what they last reported: the state comes back as is.
        resp.setId(req.getId());
        resp.setProperties(req.getProperties() ?? new Struct());
        if (req.hasInputs()) resp.setInputs(req.getInputs());
        return resp;
      }),
      update: unary("Update", (req: provproto.UpdateRequest) => {
        const type = typeOf(req);
        const news = fromStruct(req.getNews());
        const olds = fromStruct(req.getOlds());
        const resp = new provproto.UpdateResponse();
        if (req.getPreview()) {
          resp.setProperties(toStruct(previewOutputs(this.pkg, type, news, olds)));
          return resp;
        }
        this.requireCredentials("update", type, news);
        resp.setProperties(toStruct(createOutputs(this.pkg, type, req.getUrn(), news, olds).outputs));
        return resp;
      }),
      delete: unary("Delete", (req: provproto.DeleteRequest) => {
        this.requireCredentials("delete", typeOf(req), fromStruct(req.getProperties()));
        return new Empty();
      }),
      invoke: unary("Invoke", (req: provproto.InvokeRequest) => {
        const answer = answerInvoke(this.pkg, req.getTok(), fromStruct(req.getArgs()), this.settings());
        const resp = new provproto.InvokeResponse();
        if (answer.outputs) resp.setReturn(toStruct(answer.outputs));
        resp.setFailuresList(toFailures(answer.failures));
        return resp;
      }),
      cancel: unary("Cancel", () => new Empty()),
      attach: unary("Attach", () => new Empty()),
      parameterize: unimplemented("Parameterize"),
      construct: unimplemented("Construct"),
      call: unimplemented("Call"),
      getMapping: unimplemented("GetMapping"),
      getMappings: unimplemented("GetMappings"),
      list: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        call.emit("error", rpcError(`List is not implemented by the ${this.pkg} stand-in`, grpc.status.UNIMPLEMENTED));
      },
    };
  }
}

/** Start serving `provider` on a free localhost port; resolves to the server and its port. */
export async function serve(provider: StandinProvider): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server({
    "grpc.max_receive_message_length": MAX_MESSAGE_SIZE,
    "grpc.max_send_message_length": MAX_MESSAGE_SIZE,
  });
  server.addService(provrpc.ResourceProviderService, provider.implementation());
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
  );
  return { server, port };
}
