/**
 * `slipway gate --state FILE`: a `pulumi stack export` file is judged the way a program run is.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Gate, readStackExport, OPAQUE_SECRET_VALUE } from "../../gate";
import { UserError } from "../../cli/errors";
import { type RecordedStack, SECRET_SIG, SIG_KEY } from "../../gate/model";
import { MINI_PACK } from "./helpers";

const EXPORT = path.join(__dirname, "fixtures", "staging-export.json");
const ROOT = "urn:pulumi:staging::slipway::pulumi:pulumi:Stack::slipway-staging";
const PG_PROVIDER = "urn:pulumi:staging::slipway::pulumi:providers:postgresql::staging-postgres::4d6a1e0b-8f3c-4b1e-b9d4-0e6f4b2c7a55";
const opaque = { [SIG_KEY]: SECRET_SIG, value: OPAQUE_SECRET_VALUE };

let scratch: string;
beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-gate-export-"));
});
afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

/** Write a variant of the fixture (or any text) and return its path. */
function writeExport(name: string, content: unknown): string {
  const file = path.join(scratch, name);
  fs.writeFileSync(file, typeof content === "string" ? content : JSON.stringify(content));
  return file;
}

function fixture(): { version: number; deployment: { resources: Record<string, unknown>[] } } {
  return JSON.parse(fs.readFileSync(EXPORT, "utf8"));
}

describe("reading a stack export", () => {
  it("keeps what the engine's snapshot analysis judges: the root stack and providers too, no pending deletes", () => {
    const recorded = readStackExport(EXPORT);
    expect(recorded.stack).toBe("staging");
    expect(recorded.project).toBe("slipway");
    expect(recorded.resources.map((resource) => `${resource.type} ${resource.name}`)).toEqual([
      "pulumi:pulumi:Stack slipway-staging",
      "pulumi:providers:github default_6_15_0",
      "pulumi:providers:kubernetes default_4_23_0",
      "pulumi:providers:postgresql staging-postgres",
      "slipway:data:Database appdb",
      "postgresql:index/database:Database appdb",
      "postgresql:index/role:Role appdb_runtime",
      "github:index/repository:Repository app",
      "kubernetes:apps/v1:Deployment web",
      "kubernetes:batch/v1:Job contract",
    ]);
    expect(recorded.outputs).toEqual({ repository: "app", databaseOwner: "appdb_migrator", pgPassword: "[secret]" });
  });

  it("turns an exported resource into what the engine hands analyzers: inputs for Analyze, outputs for AnalyzeStack", () => {
    const role = readStackExport(EXPORT).resources.find((resource) => resource.type === "postgresql:index/role:Role");
    expect(role).toEqual({
      urn: "urn:pulumi:staging::slipway::slipway:data:Database$postgresql:index/role:Role::appdb_runtime",
      type: "postgresql:index/role:Role",
      name: "appdb_runtime",
      custom: true,
      parent: "urn:pulumi:staging::slipway::slipway:data:Database::appdb",
      dependencies: [],
      propertyDependencies: {},
      protect: false,
      retainOnDelete: false,
      id: role?.id,
      provider: PG_PROVIDER,
      inputs: {
        __defaults: ["bypassRowLevelSecurity", "createDatabase", "createRole", "superuser"],
        bypassRowLevelSecurity: false,
        createDatabase: false,
        createRole: false,
        login: true,
        name: "appdb_runtime",
        password: opaque,
        superuser: false,
      },
      outputs: role?.outputs,
      additionalSecretOutputs: ["password"],
      ignoreChanges: [],
      aliases: [],
      customTimeouts: { create: 0, update: 0, delete: 0 },
    });
    // AnalyzeStack sees the outputs, secrets as opaque as in the inputs.
    expect(role?.outputs?.password).toEqual(opaque);
  });

  it("keeps a --show-secrets value wrapped as a secret, as the engine hands the pack decrypted state", () => {
    const shown = fixture();
    const text = JSON.stringify(shown).replace(/"ciphertext":"[^"]*"/g, '"plaintext":"\\"hunter2-plain\\""');
    expect(text).toContain("hunter2-plain");
    const fromPlaintext = readStackExport(writeExport("show-secrets.json", text));
    const role = fromPlaintext.resources.find((resource) => resource.type === "postgresql:index/role:Role");
    expect(role?.inputs.password).toEqual({ [SIG_KEY]: SECRET_SIG, value: "hunter2-plain" });
    // The encrypted export of the same state carries only the opaque value.
    expect(JSON.stringify(readStackExport(EXPORT))).not.toContain("hunter2");
  });
});

describe("judging a stack export", () => {
  let gate: Gate;
  beforeAll(async () => {
    gate = await Gate.open({ packDir: MINI_PACK });
  });
  afterAll(async () => {
    await gate?.close();
  });

  it("finds exactly the live state's violations (the pending-delete database is not judged)", async () => {
    const report = await gate.judge(readStackExport(EXPORT));
    expect(report).toEqual({
      stack: "staging",
      policies: 7,
      resources: 10,
      violations: [
        {
          policy: "repository-description",
          enforcementLevel: "advisory",
          urn: "urn:pulumi:staging::slipway::github:index/repository:Repository::app",
          message: "repository 'app' has no description",
        },
        {
          policy: "minimum-replicas",
          enforcementLevel: "mandatory",
          urn: "urn:pulumi:staging::slipway::kubernetes:apps/v1:Deployment::web",
          message: "deployment 'web' runs 1 replicas, fewer than 2",
        },
      ],
    });
  });

  it("gives the same verdict as a program run that registered the same resources", async () => {
    const recorded = readStackExport(EXPORT);
    // What the runner records for the same program: no __defaults, secrets as the program wraps them.
    const programRun: RecordedStack = {
      ...recorded,
      resources: recorded.resources.map((resource) => {
        const inputs = Object.fromEntries(Object.entries(resource.inputs).filter(([key]) => key !== "__defaults"));
        return { ...resource, inputs };
      }),
    };
    expect(await gate.judge(programRun)).toEqual(await gate.judge(recorded));
  });
});

describe("a malformed stack export is a clear error naming the file and the key", () => {
  const cases: [string, () => string, string][] = [
    ["a missing file", () => path.join(scratch, "absent.json"), "cannot read the stack export: no such file"],
    ["a directory", () => scratch, "cannot read the stack export: it is a directory"],
    [
      "not JSON",
      () => writeExport("garbage.json", "Updating (staging)..."),
      "not valid JSON (expected the output of `pulumi stack export`)",
    ],
    [
      "another deployment version",
      () => writeExport("v2.json", { ...fixture(), version: 2 }),
      "version: only deployment version 3 (what `pulumi stack export` writes) is supported",
    ],
    [
      "no deployment",
      () => writeExport("nodeployment.json", { version: 3 }),
      "deployment: Invalid input: expected object, received undefined",
    ],
    [
      "a resource without a URN",
      () => {
        const broken = fixture();
        delete broken.deployment.resources[1].urn;
        return writeExport("nourn.json", broken);
      },
      "deployment.resources.1.urn: Invalid input: expected string, received undefined",
    ],
    [
      "a URN that is not one",
      () => {
        const broken = fixture();
        broken.deployment.resources[2].urn = "github:index/repository:Repository::app";
        return writeExport("badurn.json", broken);
      },
      'deployment.resources.2.urn: "github:index/repository:Repository::app" is not a Pulumi URN',
    ],
    [
      "two stacks in one file",
      () => {
        const broken = fixture();
        broken.deployment.resources[3].urn = String(broken.deployment.resources[3].urn).replace(":staging::", ":production::");
        return writeExport("mixed.json", broken);
      },
      "deployment.resources.3.urn: belongs to slipway/production, not slipway/staging: an export holds one stack",
    ],
    [
      "no resources",
      () => writeExport("empty.json", { version: 3, deployment: {} }),
      "deployment.resources: the export has no resources, so no stack to judge",
    ],
  ];

  it.each(cases)("%s", (_, make, reason) => {
    const file = make();
    let thrown: unknown;
    try {
      readStackExport(file);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(UserError);
    // The message starts with the file and the key; a JSON parse error adds the parser's words.
    const expected = `${file}: ${reason}`;
    expect((thrown as UserError).message.slice(0, expected.length)).toBe(expected);
    expect((thrown as UserError).message).not.toContain("\n");
  });
});

it("the fixture's root stack is the parent of its top-level resources, as in real exports", () => {
  const repository = readStackExport(EXPORT).resources.find((resource) => resource.name === "app");
  expect(repository?.parent).toBe(ROOT);
});
