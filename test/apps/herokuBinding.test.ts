/**
 * The hand-written Heroku binding matches the pulumiverse provider's real schema (v1.0.4): type
 * tokens, input names (all of them sent, none invented), required inputs, output properties,
 * secret properties, and the plugin the engine must fetch.
 */
import * as pulumi from "@pulumi/pulumi";
import * as heroku from "../../components/apps/heroku/binding";
import { find, runProgram } from "../support/mocks";
import { isSecret } from "../support/wire";
import { providerSchemasAvailable } from "../support/providerSchema";
import { documentedChoices, loadSchema, sampleValue, validateResourceInputs, type ProviderSchema } from "../support/providerSchema";

type BindingClass = { __pulumiType: string; new (name: string, args: never, opts?: pulumi.CustomResourceOptions): pulumi.CustomResource };

/** Every resource class of the binding. */
const BINDINGS: BindingClass[] = [
  heroku.App,
  heroku.ConfigAssociation,
  heroku.Formation,
  heroku.Pipeline,
  heroku.Coupling,
  heroku.Release,
] as unknown as BindingClass[];

const schemaTest = providerSchemasAvailable() ? describe : describe.skip;

schemaTest("the Heroku binding against heroku-pulumiverse-1.0.4.json", () => {
  let schema: ProviderSchema;
  beforeAll(() => {
    schema = loadSchema("heroku-pulumiverse-1.0.4.json");
  });

  /** Inputs with every schema input property set. */
  const completeArgs = (token: string) =>
    Object.fromEntries(Object.entries(schema.resources[token].inputProperties).map(([key, spec]) => [key, sampleValue(schema, spec, key)]));

  test.each(BINDINGS.map((binding) => [binding.__pulumiType, binding] as const))(
    "%s: the token exists and every schema input is sent under its own name",
    async (token, Binding) => {
      expect(Object.keys(schema.resources)).toContain(token);
      const record = await runProgram("staging", () => new Binding("sample", completeArgs(token) as never));
      const registered = find(record, token, "sample");
      expect(Object.keys(registered.inputs).sort()).toEqual(Object.keys(schema.resources[token].inputProperties).sort());
      expect(validateResourceInputs(schema, token, registered.inputs)).toEqual([]);
    },
  );

  test.each(BINDINGS.map((binding) => [binding.__pulumiType, binding] as const))(
    "%s: exactly the schema's required inputs are refused when missing",
    (token, Binding) => {
      const refusedWhenMissing: string[] = [];
      const inputs = Object.keys(schema.resources[token].inputProperties);
      return runProgram("staging", () => {
        for (const missing of inputs) {
          const args = completeArgs(token);
          delete args[missing];
          try {
            new Binding(`without-${missing}`, args as never);
          } catch (err) {
            expect((err as Error).message).toBe(`Missing required property '${missing}' of ${token}`);
            refusedWhenMissing.push(missing);
          }
        }
      }).then(() => expect(refusedWhenMissing.sort()).toEqual([...(schema.resources[token].requiredInputs ?? [])].sort()));
    },
  );

  test.each(BINDINGS.map((binding) => [binding.__pulumiType, binding] as const))(
    "%s: declares the schema's outputs and keeps its secret properties secret",
    async (token, Binding) => {
      let resource: pulumi.CustomResource | undefined;
      const record = await runProgram("staging", () => {
        resource = new Binding("sample", completeArgs(token) as never);
      });
      const outputs = Object.keys(resource as object).filter(
        (key) =>
          key !== "urn" &&
          key !== "id" &&
          !key.startsWith("__") &&
          pulumi.Output.isInstance((resource as unknown as Record<string, unknown>)[key]),
      );
      expect(outputs.sort()).toEqual(Object.keys(schema.resources[token].properties).sort());

      const secretProperties = Object.entries(schema.resources[token].properties)
        .filter(([, spec]) => spec.secret)
        .map(([key]) => key);
      const registered = find(record, token, "sample");
      expect(registered.additionalSecretOutputs.sort()).toEqual(secretProperties.sort());
      for (const [key, spec] of Object.entries(schema.resources[token].inputProperties)) {
        if (spec.secret) expect(isSecret(registered.inputs[key])).toBe(true);
      }
    },
  );

  test("every resource asks the engine for the pulumiverse plugin v1.0.4", async () => {
    const record = await runProgram("staging", () => {
      for (const Binding of BINDINGS) new Binding("sample", completeArgs(Binding.__pulumiType) as never);
    });
    const registrations = record.resources.filter((resource) => resource.type.startsWith("heroku:"));
    expect(registrations).toHaveLength(BINDINGS.length);
    for (const registration of registrations) {
      expect([registration.type, registration.version, registration.pluginDownloadURL]).toEqual([
        registration.type,
        "1.0.4",
        "github://api.github.com/pulumiverse",
      ]);
    }
  });

  test("the schema documents a coupling's stages, which the validator enforces", () => {
    const stage = schema.resources["heroku:pipeline/coupling:Coupling"].inputProperties.stage;
    expect(documentedChoices(stage)).toEqual(["review", "development", "staging", "production"]);
    expect(validateResourceInputs(schema, "heroku:pipeline/coupling:Coupling", { appId: "a", pipeline: "p", stage: "prod" })).toEqual([
      "heroku:pipeline/coupling:Coupling.stage is 'prod', not one of review, development, staging, production",
    ]);
  });

  test("the validator names unknown, missing and plain-text secret inputs", () => {
    expect(
      validateResourceInputs(schema, "heroku:app/configAssociation:ConfigAssociation", { sensitiveVars: { TOKEN: "abc" }, configVars: {} }),
    ).toEqual([
      "heroku:app/configAssociation:ConfigAssociation.configVars is not a property (known: appId, sensitiveVars, vars)",
      "heroku:app/configAssociation:ConfigAssociation.appId is required but missing",
      "heroku:app/configAssociation:ConfigAssociation.sensitiveVars is secret in the schema but sent in plain text",
    ]);
  });
});
