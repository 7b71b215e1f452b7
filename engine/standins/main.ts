/**
 * Entry point of a stand-in provider plugin: `main.ts <pkg> [engine address]`.
 *
 * The Pulumi engine starts `pulumi-resource-<pkg>` (see bin/) with its own address as argument,
 * reads the first line of the plugin's stdout as the port of the plugin's gRPC server, and
 * speaks the ResourceProvider protocol to it. Nothing else may be printed on stdout before the
 * port; diagnostics go to stderr (the engine logs it).
 */
import { serve, StandinProvider } from "./server";

async function main(argv: string[]): Promise<void> {
  const pkg = argv[0];
  if (!pkg) {
    process.stderr.write("usage: main.ts <package> [engine address]\n");
    process.exit(2);
  }
  const provider = new StandinProvider(pkg);
  const { server, port } = await serve(provider);
  // The engine reads exactly this line. Written as a string so Node never colours it.
  process.stdout.write(`${port}\n`);

  // The engine ends a plugin by signal once it is done with it (after Cancel).
  const stop = () => {
    server.forceShutdown();
    process.exit(0);
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main(process.argv.slice(2)).catch((err) => {
  process.stderr.write(`stand-in provider failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
