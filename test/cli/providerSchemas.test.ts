import * as path from "node:path";
import { runStackInChild } from "../../gate/runner";
import type { RecordedResource } from "../../gate/model";
import { loadSchema, validateResourceInputs, type ProviderSchema } from "../support/providerSchema";
import { sharedAvailable } from "../support/sharedData";

const SCHEMA_FILES: Record<string, string> = {
  github: "github-6.15.0.json",
  postgresql: "postgresql-3.18.0.json",
  heroku: "heroku-pulumiverse-1.0.4.json",
};

// Each file, not just the folder: a schema missing from ../shared fails rather than skips.
const haveSchemas = Object.values(SCHEMA_FILES).every((file) =>
  sharedAvailable(path.join("provider-schemas", file), "the example stacks' provider schema checks"),
);
const describeWithSchemas = haveSchemas ? describe : describe.skip;

describeWithSchemas("the example stacks use the providers' real property names", () => {
  const schemas: Record<string, ProviderSchema> = {};
  const resources: RecordedResource[] = [];

  beforeAll(async () => {
    for (const [provider, file] of Object.entries(SCHEMA_FILES)) schemas[provider] = loadSchema(file);
    const root = path.resolve(__dirname, "..", "..");
    // Update runs: in a preview a generated password is unknown, and the SDK sends an unknown
    // without its secret mark (there is no value to leak); the update sends the value, secret.
    for (const stack of ["staging", "production"])
      resources.push(...(await runStackInChild({ projectDir: root, stack, preview: false, env: { ALLOW_PROD: "1" } })).resources);
  });

  it.each(Object.keys(SCHEMA_FILES))("every %s resource matches the schema", (provider) => {
    const ours = resources.filter((r) => r.custom && r.type.startsWith(`${provider}:`));
    expect(ours.length).toBeGreaterThan(0);
    const problems = ours.flatMap((resource) =>
      validateResourceInputs(schemas[provider], resource.type, resource.inputs).map((problem) => `'${resource.name}': ${problem}`),
    );
    expect(problems).toEqual([]);
  });

  it("the check catches a misspelt property (it can fail)", () => {
    const token = "github:index/repositoryEnvironment:RepositoryEnvironment";
    const problems = validateResourceInputs(schemas.github, token, {
      repository: "r",
      environment: "e",
      waitTimers: 5,
      reviewers: [{ team: [1] }],
    });
    expect(problems.filter((problem) => problem.includes("is not a property"))).toEqual([
      expect.stringMatching(/^github:index\/repositoryEnvironment:RepositoryEnvironment\.waitTimers is not a property/),
      expect.stringMatching(/^github:index\/repositoryEnvironment:RepositoryEnvironment\.reviewers\[0\]\.team is not a property/),
    ]);
  });
});
