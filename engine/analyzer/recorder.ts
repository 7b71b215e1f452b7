/**
 * A recording analyzer: what the engine sends a policy pack, written down. The engine launches
 * it as a binary analyzer plugin (`--policy-pack engine/analyzer/pulumi-analyzer-recorder`); it
 * appends every Analyze and AnalyzeStack request, as JSON, to the file SLIPWAY_RECORD_FILE names,
 * and judges nothing. The engine tests compare these requests with the offline gate's.
 */
import * as grpc from "@grpc/grpc-js";
import * as fs from "node:fs";
import * as emptyProto from "google-protobuf/google/protobuf/empty_pb";
import * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import * as pluginProto from "@pulumi/pulumi/proto/plugin_pb";
import { type RecordedRequest, resourceOf } from "./requestJson";

function main(): void {
  const file = process.env.SLIPWAY_RECORD_FILE;
  if (!file) {
    process.stderr.write("SLIPWAY_RECORD_FILE must name the file to record into\n");
    process.exit(2);
  }
  const record = (request: RecordedRequest): void => fs.appendFileSync(file, `${JSON.stringify(request)}\n`);
  const server = new grpc.Server({ "grpc.max_receive_message_length": 400 * 1024 * 1024 });
  const service: analyzerGrpc.IAnalyzerServer = {
    handshake: (_call, callback) => callback(null, new analyzerProto.AnalyzerHandshakeResponse()),
    getPluginInfo: (_call, callback) => callback(null, new pluginProto.PluginInfo().setVersion("0.0.1")),
    getAnalyzerInfo: (_call, callback) => {
      const info = new analyzerProto.AnalyzerInfo();
      info.setName("slipway-recorder");
      info.setDisplayname("slipway-recorder");
      info.setVersion("0.0.1");
      info.setSupportsconfig(true);
      callback(null, info);
    },
    configureStack: (call, callback) => {
      record({
        call: "configureStack",
        stack: call.request.getStack(),
        project: call.request.getProject(),
        dryRun: call.request.getDryRun(),
      });
      callback(null, new analyzerProto.AnalyzerStackConfigureResponse());
    },
    configure: (_call, callback) => callback(null, new emptyProto.Empty()),
    analyze: (call, callback) => {
      record({ call: "analyze", resource: resourceOf(call.request) });
      callback(null, new analyzerProto.AnalyzeResponse());
    },
    analyzeStack: (call, callback) => {
      record({ call: "analyzeStack", resources: call.request.getResourcesList().map(resourceOf) });
      callback(null, new analyzerProto.AnalyzeResponse());
    },
    remediate: (_call, callback) => callback(null, new analyzerProto.RemediateResponse()),
    cancel: (_call, callback) => callback(null, new emptyProto.Empty()),
  };
  server.addService(analyzerGrpc.AnalyzerService, service);
  server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, port) => {
    if (err) {
      process.stderr.write(`recorder failed to listen: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write(`${port}\n`);
  });
}

main();
