/**
 * How the pack serves its policies to the SDK (policy-pack/policies/index.ts): a policy of one
 * resource type is skipped by the SDK for every other type, and a "not applicable" answer is thrown
 * without a stack. Neither may change what a policy judges.
 */
import { policies } from "../../policy-pack/policies";
import type { SlipwayResourcePolicy } from "../../policy-pack/policies/shared/policy";
import { TYPES } from "../../contract/resourceTypes";
import { NotApplicable, runResourcePolicy } from "./harness";

// The SDK's reader of a validation's attached type; internal, so not in its .d.ts.
const { getPulumiType } = require("@pulumi/policy/policy") as { getPulumiType(validation: unknown): string | undefined };

const resourcePolicies = policies.filter((policy): policy is SlipwayResourcePolicy => "validateResource" in policy);
const typed = resourcePolicies.filter((policy) => policy.resourceType !== undefined);

/** Every type Slipway creates, and one it never does. */
const EVERY_TYPE = [...Object.values(TYPES), "acme:index/widget:Widget"];

describe("serving the policies", () => {
  test("the policies of one resource type are the environment, secret, Vercel and workflow ones", () => {
    expect(typed.map((policy) => [policy.name, policy.resourceType])).toEqual([
      ["production-approval", TYPES.environment],
      ["soak-window", TYPES.environment],
      ["environment-scoped-secrets", TYPES.repositorySecret],
      ["vercel-deployment-protection", TYPES.vercelProject],
      ["workflow-injection-safe", TYPES.repositoryFile],
      ["actions-pinned", TYPES.repositoryFile],
    ]);
  });

  /** Inputs every typed policy judges when the type is its own: a production environment, a secret, a project, a workflow. */
  const judged = {
    environment: "production",
    repository: "api",
    reviewers: [],
    secretName: "DEPLOY_TOKEN",
    name: "web",
    file: ".github/workflows/deploy.yml",
    content: "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n",
  };

  test.each(typed.map((policy) => [policy.name, policy] as const))(
    "the SDK skips %s for other types, and the policy itself judges no other type",
    async (_name, policy) => {
      // The SDK's marker: it answers "not applicable" for another type without calling the policy.
      expect(getPulumiType(policy.validateResource)).toBe(policy.resourceType);
      const own = await runResourcePolicy(policy, { type: policy.resourceType as string, name: "subject", props: judged });
      expect(own.notApplicable).toBeUndefined();
      // The same inputs on any other type: only the type differs, and the policy refuses it.
      for (const type of EVERY_TYPE.filter((type) => type !== policy.resourceType)) {
        const outcome = await runResourcePolicy(policy, { type, name: "subject", props: judged });
        expect({ type, notApplicable: outcome.notApplicable !== undefined, violations: outcome.violations }).toEqual({
          type,
          notApplicable: true,
          violations: [],
        });
      }
    },
  );

  test("a policy judging several types is called for every resource", () => {
    const untyped = resourcePolicies.filter((policy) => policy.resourceType === undefined);
    expect(untyped.map((policy) => policy.name)).toContain("no-plaintext-secrets");
    for (const policy of untyped)
      expect({ policy: policy.name, type: getPulumiType(policy.validateResource) }).toEqual({ policy: policy.name, type: undefined });
  });

  test("a not-applicable answer reaches the SDK with its reason, thrown without a stack", async () => {
    const policy = resourcePolicies.find((candidate) => candidate.name === "no-plaintext-secrets") as SlipwayResourcePolicy;
    const limitBefore = Error.stackTraceLimit;
    let limitWhenThrown: number | undefined;
    const validate = policy.validateResource as (args: unknown, report: () => void) => unknown;
    const answer = (async () =>
      validate(
        {
          type: TYPES.repository,
          props: {},
          urn: "urn:pulumi:production::slipway::github:index/repository:Repository::api",
          name: "api",
          getConfig: () => ({}),
          notApplicable: (reason?: string): never => {
            limitWhenThrown = Error.stackTraceLimit;
            throw new NotApplicable(reason);
          },
        },
        () => undefined,
      ))();
    await expect(answer).rejects.toEqual(new NotApplicable("the resource type has no plaintext value fields"));
    expect(limitWhenThrown).toBe(0);
    // Every other error keeps its stack.
    expect(Error.stackTraceLimit).toBe(limitBefore);
  });
});
