/**
 * Judging what runs today (issue 3 §3): `slipway gate --state` reads a `pulumi stack export` and
 * gives the same verdict the program run gets. The export is built from the production example's
 * program run the way `pulumi up` would have left the state: root stack, default providers,
 * every resource with id, inputs, outputs, parent, dependencies, options and provider, secrets
 * in plain text as `--show-secrets` writes them (the engine hands the pack decrypted state), and
 * once more with ciphertext secrets, which the gate cannot read.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { type Gate, type GateReport, type GateViolation, readStackExport } from "../../gate";
import { UserError } from "../../cli/errors";
import { type RecordedStack, SECRET_SIG, SIG_KEY } from "../../gate/model";
import { type StackExportFile, mandatoryPolicies, openGate, runProjectStack, runSlipway, toStackExport, writeJson } from "./support";
import { POLICY_CONFIG, copyProject, makeScratch, removeScratch } from "../support/project";

/** Hooks start the pack and run the program. */
const HOOK_TIMEOUT_MS = 180_000;
/** A CLI run starts its own pack. */
const CLI_TIMEOUT_MS = 120_000;

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";

let scratch: string;
let gate: Gate;
let programRun: RecordedStack;
let programReport: GateReport;
/** The gate's report on the export as written. */
let untouchedReport: GateReport;
/** `pulumi stack export --show-secrets`. */
let exported: StackExportFile;
let exportFile: string;
/** `pulumi stack export`: secrets as ciphertext. */
let encrypted: StackExportFile;
let encryptedFile: string;

beforeAll(async () => {
  scratch = makeScratch();
  const projectDir = copyProject(scratch, "example");
  const opening = openGate();
  opening.catch(() => undefined);
  // An update run: what `pulumi up` leaves in state (ids and outputs known) is what an export holds.
  programRun = await runProjectStack(projectDir, "production", false);
  gate = await opening;
  programReport = await gate.judge(programRun);
  exported = toStackExport(programRun, { showSecrets: true });
  exportFile = writeJson(scratch, "production.export.json", exported);
  encrypted = toStackExport(programRun);
  encryptedFile = writeJson(scratch, "production.encrypted.export.json", encrypted);
  untouchedReport = await gate.judge(readStackExport(exportFile));
}, HOOK_TIMEOUT_MS);

afterAll(async () => {
  await gate?.close();
  removeScratch(scratch);
}, HOOK_TIMEOUT_MS);

/** Every value of a JSON tree, depth first. */
function* walk(value: unknown): Generator<unknown> {
  yield value;
  if (value !== null && typeof value === "object") for (const inner of Object.values(value)) yield* walk(inner);
}

/**
 * Strings the program run holds only inside secrets (passwords, `secure:` config values). Values
 * that are secret in one place and plain elsewhere are left out: @pulumiverse/vercel makes every
 * env var value secret, `https://api.acme.shop` included, which is plain on the GitHub variable.
 */
function secretOnlyStrings(recorded: RecordedStack): string[] {
  const plain = new Set<string>();
  const secret = new Set<string>();
  const visit = (value: unknown, inSecret: boolean): void => {
    if (typeof value === "string") (inSecret ? secret : plain).add(value);
    if (value === null || typeof value !== "object") return;
    const record = value as Record<string, unknown>;
    if (record[SIG_KEY] === SECRET_SIG) {
      visit(record.value, true);
      return;
    }
    for (const inner of Object.values(record)) visit(inner, inSecret);
  };
  for (const resource of recorded.resources) visit(resource.inputs, false);
  return [...secret].filter((value) => !plain.has(value));
}

/** A violation as one comparable string. */
function violationKey(violation: GateViolation): string {
  return `${violation.policy} | ${violation.urn} | ${violation.message}`;
}

describe("a stack export of the production example", () => {
  it("looks like what `pulumi stack export` writes", () => {
    const resources = exported.deployment.resources;
    expect(exported.version).toBe(3);
    expect(resources[0]).toMatchObject({
      type: "pulumi:pulumi:Stack",
      urn: "urn:pulumi:production::slipway::pulumi:pulumi:Stack::slipway-production",
      custom: false,
    });
    const providers = resources.filter((resource) => resource.type.startsWith("pulumi:providers:"));
    expect(providers.map((provider) => provider.type).sort()).toEqual(
      ["github", "heroku", "kubernetes", "postgresql", "random", "vercel"].map((pkg) => `pulumi:providers:${pkg}`),
    );
    expect(providers.find((provider) => provider.type === "pulumi:providers:github")).toMatchObject({
      urn: "urn:pulumi:production::slipway::pulumi:providers:github::default_6_15_0",
      inputs: { owner: "acme", version: "6.15.0" },
    });
    const urns = new Set(resources.map((resource) => resource.urn));
    for (const resource of resources.slice(1)) {
      // Default providers have no parent; everything else hangs under something in the file.
      if (resource.parent !== undefined) expect(urns.has(resource.parent)).toBe(true);
      for (const dependency of resource.dependencies ?? []) expect(urns.has(dependency)).toBe(true);
      if (resource.custom) expect(resource.id).toEqual(expect.any(String));
      if (resource.custom && !resource.type.startsWith("pulumi:providers:")) {
        // `<provider urn>::<provider id>` of a provider registered earlier in the file.
        const provider = providers.find((candidate) => resource.provider === `${candidate.urn}::${candidate.id}`);
        expect(provider).toBeDefined();
        expect(resources.indexOf(provider!)).toBeLessThan(resources.indexOf(resource));
      } else {
        expect(resource.provider).toBeUndefined();
      }
    }
    expect(resources.length).toBe(programRun.resources.length);
  });

  it("holds secrets only as ciphertext without --show-secrets", () => {
    const secrets = [...walk(encrypted)].filter(
      (node): node is Record<string, unknown> =>
        node !== null && typeof node === "object" && (node as Record<string, unknown>)[SIG_KEY] === SECRET_SIG,
    );
    // The runtime role's password, environment secrets, sensitive config vars, the Postgres provider's password...
    expect(secrets.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(Object.keys(secret).sort()).toEqual([SIG_KEY, "ciphertext"].sort());
    const text = fs.readFileSync(encryptedFile, "utf8");
    const secretOnly = secretOnlyStrings(programRun);
    expect(secretOnly.length).toBeGreaterThan(5);
    for (const plaintext of secretOnly) expect(text).not.toContain(plaintext);
  });

  it("reads back as the resources the program registered, inputs and options intact", () => {
    const recorded = readStackExport(exportFile);
    expect(recorded.stack).toBe("production");
    expect(recorded.resources.filter((resource) => resource.type.startsWith("pulumi:providers:"))).toHaveLength(6);
    expect(recorded.resources.map((resource) => resource.urn)).toEqual(programRun.resources.map((resource) => resource.urn));
    recorded.resources.forEach((resource, index) => {
      const original = programRun.resources[index];
      expect(resource.inputs).toEqual(original.inputs);
      expect([resource.type, resource.custom, resource.protect, resource.retainOnDelete]).toEqual([
        original.type,
        original.custom,
        original.protect,
        original.retainOnDelete,
      ]);
    });
  });

  it("gets the same verdict as the program run: what runs is judged like what is declared", () => {
    expect(programReport.violations).toEqual([]);
    expect(untouchedReport).toEqual(programReport);
  });

  it("without --show-secrets, the flags are still judged: they are served from plain values, not copied into secret env vars", async () => {
    // @pulumiverse/vercel makes every env var value a secret; Vercel holds only where the flags are
    // served (SLIPWAY_FLAGS_URL), and the documents themselves (the GitHub variable, the ConfigMap) are plain.
    const report = await gate.judge(readStackExport(encryptedFile));
    expect(report.violations).toEqual([]);
  });

  it("without --show-secrets, a flag document in a secret value cannot be judged, and the gate says so rather than passing", async () => {
    type ExportedResource = { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> };
    const exported = JSON.parse(fs.readFileSync(encryptedFile, "utf8")) as { deployment: { resources: ExportedResource[] } };
    const heroku = exported.deployment.resources.find(
      (resource) => resource.type === "heroku:app/configAssociation:ConfigAssociation" && resource.inputs?.vars !== undefined,
    );
    expect(heroku).toBeDefined();
    // A flag document in a Heroku config var, encrypted: in the state (outputs) the gate judges, and in the inputs.
    const encryptedDocument = { [SIG_KEY]: SECRET_SIG, ciphertext: "v1:bm90IHJlYWRhYmxl" };
    for (const side of ["inputs", "outputs"] as const) {
      const props = heroku![side];
      if (props !== undefined) heroku![side] = { ...props, vars: { ...(props.vars as object), SLIPWAY_FLAGS: encryptedDocument } };
    }
    const withSecretFlags = path.join(path.dirname(encryptedFile), "secret-flags.json");
    fs.writeFileSync(withSecretFlags, JSON.stringify(exported));
    const report = await gate.judge(readStackExport(withSecretFlags));
    expect(mandatoryPolicies(report)).toEqual(["l3-flags-off-in-production"]);
    expect(report.violations.map((violation) => violation.message)).toEqual([
      expect.stringMatching(
        /SLIPWAY_FLAGS may turn flags on in production, but its value is encrypted in this stack export and cannot be judged: judge `pulumi stack export --show-secrets`/,
      ),
    ]);
  });
});

describe("slipway gate --state", () => {
  it(
    "passes the untouched export of production: exit 0, the DESIGN.md report shape",
    async () => {
      const result = await runSlipway(["gate", "--state", exportFile, "--policy-config", POLICY_CONFIG, "--json"]);
      expect(result.stderr).toBe(`slipway: policy config: ${POLICY_CONFIG}\n`);
      expect(result.status).toBe(0);
      expect(JSON.parse(result.stdout).stacks).toEqual([
        { stack: "production", policies: 31, resources: programRun.resources.length, violations: [] },
      ]);
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "refuses an export whose worker runs an image by tag: exit 1, immutable-artifacts listed in the DESIGN.md report shape",
    async () => {
      const drifted = structuredClone(exported);
      const worker = drifted.deployment.resources.find(
        (resource) => resource.type === DEPLOYMENT && resource.urn.endsWith("::workloads-worker"),
      );
      for (const state of [worker!.inputs, worker!.outputs] as { spec: { template: { spec: { containers: { image: string }[] } } } }[]) {
        state.spec.template.spec.containers[0].image = "ghcr.io/acme/worker:latest";
      }
      const file = writeJson(scratch, "production.by-tag.export.json", drifted);
      const result = await runSlipway(["gate", "--state", file, "--policy-config", POLICY_CONFIG, "--json"]);
      expect(result.stderr).toBe(`slipway: policy config: ${POLICY_CONFIG}\n`);
      expect(result.status).toBe(1);
      const envelope = JSON.parse(result.stdout) as { result: string; stacks: GateReport[] };
      expect(envelope.result).toBe("fail");
      const report = envelope.stacks[0];
      expect(Object.keys(report)).toEqual(["stack", "policies", "resources", "violations"]);
      expect(report).toMatchObject({ stack: "production", policies: 31, resources: programRun.resources.length });
      // An export has no source map: nothing locates a violation in the stack file.
      for (const violation of report.violations) expect(violation).toEqual(expect.objectContaining({ location: null }));
      for (const violation of report.violations)
        expect(Object.keys(violation)).toEqual(["policy", "enforcementLevel", "urn", "message", "location"]);
      // What the tag adds to the untouched export's verdict: it can move (immutable-artifacts),
      // and it is not what staging validated (promote-validated-artifact).
      const before = new Set(untouchedReport.violations.map(violationKey));
      const added = report.violations.filter((violation) => !before.has(violationKey(violation)));
      expect(mandatoryPolicies({ ...report, violations: added })).toEqual(["immutable-artifacts", "promote-validated-artifact"]);
      expect(added.find((violation) => violation.policy === "immutable-artifacts")).toEqual({
        policy: "immutable-artifacts",
        enforcementLevel: "mandatory",
        urn: worker!.urn,
        message: expect.stringContaining("'ghcr.io/acme/worker:latest' is not pinned by digest"),
        location: null,
      });
    },
    CLI_TIMEOUT_MS,
  );

  it(
    "rejects a malformed export: exit 2, one line naming the file, no stack trace",
    async () => {
      // An interrupted `pulumi stack export > file`.
      const text = fs.readFileSync(exportFile, "utf8");
      const file = `${scratch}/production.truncated.export.json`;
      fs.writeFileSync(file, text.slice(0, Math.floor(text.length / 2)));
      const result = await runSlipway(["gate", "--state", file, "--policy-config", POLICY_CONFIG, "--json"]);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe("");
      const lines = result.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(file);
      expect(lines[0]).toContain("not valid JSON (expected the output of `pulumi stack export`)");
      expect(result.stderr).not.toMatch(/^\s+at /m);
    },
    CLI_TIMEOUT_MS,
  );
});

describe("reading an export that is not one", () => {
  it("names the file and the key of an unsupported deployment version", () => {
    const file = writeJson(scratch, "production.v4.export.json", { ...exported, version: 4 });
    expect(() => readStackExport(file)).toThrow(UserError);
    expect(() => readStackExport(file)).toThrow(
      `${file}: version: only deployment version 3 (what \`pulumi stack export\` writes) is supported`,
    );
  });

  it("names the resource whose URN mixes in another stack", () => {
    const mixed = structuredClone(exported);
    const last = mixed.deployment.resources.length - 1;
    mixed.deployment.resources[last].urn = mixed.deployment.resources[last].urn.replace("urn:pulumi:production::", "urn:pulumi:staging::");
    const file = writeJson(scratch, "production.mixed.export.json", mixed);
    expect(() => readStackExport(file)).toThrow(
      `${file}: deployment.resources.${last}.urn: belongs to slipway/staging, not slipway/production`,
    );
  });
});
