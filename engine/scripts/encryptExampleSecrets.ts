/**
 * Re-encrypts every `secure:` value of the example stack files with the real passphrase secrets
 * provider, under the published demo passphrase (engine/driver.ts DEMO_PASSPHRASE), using the
 * Pulumi CLI `npm run engine:build` made: `node --require tsx/cjs engine/scripts/encryptExampleSecrets.ts`.
 *
 * Each example secret's plain text is `demo-<stack>-<key>` (for instance
 * `demo-production-SESSION_SECRET`), and the PULUMI_CONFIG_PASSPHRASE environment secret holds the
 * demo passphrase: demo data that must never guard anything real. The stack
 * files keep their comments and layout (yaml Document API); only `encryptionsalt` and the
 * ciphertexts change. Run it after adding a `secure:` key to an example.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Pair, Scalar, isMap, isScalar, parseDocument } from "yaml";
import { openStackDocument, renderStackDocument } from "../../release/stackDocument";
import { DEMO_PASSPHRASE } from "../driver";
import { REPO_ROOT, findEngine } from "../toolchain";
import { listStacks, readStackFile } from "../../config/stackFile";

/** `slipway:apps.vercel[0].env.SESSION_SECRET` as a yaml path under `config`. */
function yamlPath(keyPath: string): (string | number)[] {
  const namespace = keyPath.indexOf(":");
  const segments: (string | number)[] = ["config"];
  // Dots separate keys (the namespace colon is part of the first); `[n]` indexes a list.
  for (const part of keyPath.slice(namespace + 1).split(".")) {
    const match = /^([^[]+)((?:\[\d+\])*)$/.exec(part);
    if (!match) throw new Error(`cannot read key path ${keyPath}`);
    segments.push(segments.length === 1 ? `${keyPath.slice(0, namespace)}:${match[1]}` : match[1]);
    for (const index of match[2].matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

function pulumi(pulumiBin: string, cwd: string, env: NodeJS.ProcessEnv, args: string[]): string {
  const result = spawnSync(pulumiBin, args, { cwd, env, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`pulumi ${args.join(" ")} failed: ${result.stderr || result.stdout}`);
  return result.stdout;
}

function main(): void {
  const engine = findEngine();
  if (!engine) throw new Error("no Pulumi CLI: run npm run engine:build first");
  for (const stack of listStacks(REPO_ROOT)) {
    const stackFile = readStackFile(REPO_ROOT, stack, { checkCiphertexts: false });
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-encrypt-"));
    try {
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        PULUMI_HOME: path.join(scratch, "home"),
        PULUMI_BACKEND_URL: `file://${path.join(scratch, "state")}`,
        PULUMI_CONFIG_PASSPHRASE: DEMO_PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK: "true",
      };
      fs.mkdirSync(path.join(scratch, "state"));
      fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(scratch, "Pulumi.yaml"));
      pulumi(engine.pulumi, scratch, env, ["stack", "init", stack, "--secrets-provider", "passphrase", "--non-interactive"]);
      for (const keyPath of stackFile.securePaths) {
        const leaf = keyPath
          .split(/[.[\]]/)
          .filter(Boolean)
          .pop();
        // The environment secret that carries the passphrase holds the passphrase itself.
        const plaintext = leaf === "PULUMI_CONFIG_PASSPHRASE" ? DEMO_PASSPHRASE : `demo-${stack}-${leaf}`;
        pulumi(engine.pulumi, scratch, env, ["config", "set", "--path", "--secret", "--stack", stack, keyPath, plaintext]);
      }
      const encrypted = parseDocument(fs.readFileSync(path.join(scratch, `Pulumi.${stack}.yaml`), "utf8"));
      const stackDocument = openStackDocument(REPO_ROOT, stack);
      const document = stackDocument.document;
      const salt = encrypted.get("encryptionsalt");
      if (typeof salt !== "string") throw new Error(`pulumi stack init wrote no encryptionsalt for ${stack}`);
      if (!isMap(document.contents)) throw new Error(`${stackDocument.file}: the document is not a map`);
      // A salt already there is replaced in place (its comments stay: the file's first line is the
      // schema comment); a new one sits right above `config:`, where `pulumi stack init` puts it.
      const items = document.contents.items;
      const existing = items.find((pair) => isScalar(pair.key) && pair.key.value === "encryptionsalt");
      if (existing !== undefined) existing.value = new Scalar(salt);
      else
        items.splice(
          Math.max(
            0,
            items.findIndex((pair) => isScalar(pair.key) && pair.key.value === "config"),
          ),
          0,
          new Pair(new Scalar("encryptionsalt"), new Scalar(salt)),
        );
      for (const keyPath of stackFile.securePaths) {
        const where = yamlPath(keyPath);
        const ciphertext = encrypted.getIn([...where, "secure"]);
        if (typeof ciphertext !== "string") throw new Error(`no ciphertext for ${keyPath} in the scratch stack file`);
        const node = document.getIn([...where, "secure"], true);
        if (!isScalar(node)) throw new Error(`${stackDocument.file}: ${keyPath} is not a secure: leaf`);
        node.value = ciphertext;
      }
      const file = stackDocument.path;
      fs.writeFileSync(file, renderStackDocument(stackDocument));
      process.stdout.write(`${path.basename(file)}: ${stackFile.securePaths.size} secret(s) encrypted under the demo passphrase\n`);
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
}

main();
