import { k8sSafeRollout, previewSecretExposure, vercelDeploymentProtection } from "../../policy-pack/policies/apps";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { disruptionBudget, k8sDeployment, repository } from "./fixtures";
import { configRefusal, messages, runResourcePolicy, runStackPolicy, type Fixture } from "./harness";
import { secret } from "../support/wire";

const project = (props: Record<string, unknown> = {}): Fixture => ({
  type: TYPES.vercelProject,
  name: "web",
  protect: true,
  props: { name: "web-production", framework: "nextjs", vercelAuthentication: { deploymentType: "standard_protection_new" }, ...props },
});
const envVar = (key: string, props: Record<string, unknown>): Fixture => ({
  type: TYPES.vercelEnvVar,
  name: key.toLowerCase(),
  props: { projectId: "prj_1", key, value: secret("value-123456"), sensitive: true, targets: ["production"], ...props },
});

describe("vercel-deployment-protection", () => {
  test("standard protection covers previews", async () => {
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, project()))).toEqual([]);
  });

  test("preview URLs are protected", async () => {
    expect(
      messages(await runResourcePolicy(vercelDeploymentProtection, project({ vercelAuthentication: { deploymentType: "none" } }))),
    ).toEqual([
      "Vercel Project 'web' leaves preview deployments public (vercelAuthentication: none, passwordProtection: unset, trustedIps: unset).",
    ]);
  });

  test("password protection covers previews too", async () => {
    const fixture = project({
      vercelAuthentication: { deploymentType: "none" },
      passwordProtection: { deploymentType: "only_preview_deployments", password: secret("pw") },
    });
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, fixture))).toEqual([]);
  });

  test("a project without previews needs no preview protection", async () => {
    expect(
      messages(
        await runResourcePolicy(vercelDeploymentProtection, project({ vercelAuthentication: undefined, previewDeploymentsDisabled: true })),
      ),
    ).toEqual([]);
  });

  test("production protection is required where configured", async () => {
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, project(), { config: { protectProduction: true } }))).toEqual([
      "Vercel Project 'web' leaves production deployments public (vercelAuthentication: standard_protection_new, passwordProtection: unset, trustedIps: unset) while protectProduction is on.",
    ]);
    const all = project({ vercelAuthentication: { deploymentType: "all_deployments" } });
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, all, { config: { protectProduction: true } }))).toEqual([]);
    expect(
      messages(await runResourcePolicy(vercelDeploymentProtection, project(), { stack: "staging", config: { protectProduction: true } })),
    ).toEqual([]);
  });

  test("every Vercel protection mode that covers previews counts, whichever block sets it", async () => {
    const none = { deploymentType: "none" };
    for (const deploymentType of ["standard_protection_new", "standard_protection", "all_deployments", "only_preview_deployments"]) {
      for (const block of ["vercelAuthentication", "passwordProtection", "trustedIps"]) {
        const fixture = project({ vercelAuthentication: none, [block]: { deploymentType } });
        expect({ block, deploymentType, violations: messages(await runResourcePolicy(vercelDeploymentProtection, fixture)) }).toEqual({
          block,
          deploymentType,
          violations: [],
        });
      }
    }
    // Protecting production only leaves the preview URLs public.
    const productionOnly = project({ vercelAuthentication: none, trustedIps: { deploymentType: "only_production_deployments" } });
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, productionOnly))).toEqual([
      "Vercel Project 'web' leaves preview deployments public (vercelAuthentication: none, passwordProtection: unset, trustedIps: only_production_deployments).",
    ]);
  });

  test("with protectProduction, production is covered only by a mode that protects production deployments", async () => {
    const config = { protectProduction: true };
    const both = project({ passwordProtection: { deploymentType: "only_production_deployments" } });
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, both, { config }))).toEqual([]);
    // Standard protection leaves the production domain public, whichever block carries it.
    const standard = project({ passwordProtection: { deploymentType: "standard_protection" } });
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, standard, { config }))).toEqual([
      "Vercel Project 'web' leaves production deployments public (vercelAuthentication: standard_protection_new, passwordProtection: standard_protection, trustedIps: unset) while protectProduction is on.",
    ]);
    // A stack the team names as production is production.
    const live = { config: { ...config, productionStacks: ["live"] }, stack: "live" };
    expect(messages(await runResourcePolicy(vercelDeploymentProtection, project(), live))).toHaveLength(1);
  });

  test("protectProduction is a boolean the config check holds", () => {
    expect(configRefusal(vercelDeploymentProtection, { protectProduction: true })).toBeUndefined();
    expect(configRefusal(vercelDeploymentProtection, { protectProduction: "yes" })).toMatch(
      "policy-config.json: vercel-deployment-protection.protectProduction: ",
    );
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(vercelDeploymentProtection, repository())).notApplicable).toBe("only Vercel projects are judged");
  });
});

describe("preview-secret-exposure", () => {
  test("a sensitive value for production only passes", async () => {
    expect(messages(await runResourcePolicy(previewSecretExposure, envVar("STRIPE_KEY", {})))).toEqual([]);
  });

  test("a non-sensitive setting may reach previews", async () => {
    expect(
      messages(
        await runResourcePolicy(
          previewSecretExposure,
          envVar("NEXT_PUBLIC_ENV", { value: "preview", sensitive: false, targets: ["preview"] }),
        ),
      ),
    ).toEqual([]);
  });

  test("a sensitive value is not exposed to previews", async () => {
    expect(messages(await runResourcePolicy(previewSecretExposure, envVar("STRIPE_KEY", { targets: ["production", "preview"] })))).toEqual([
      "Vercel ProjectEnvironmentVariable 'stripe_key' exposes sensitive 'STRIPE_KEY' to preview deployments (targets: production, preview).",
    ]);
  });

  test("an env var without targets reaches every environment, previews included", async () => {
    const fixture = envVar("DATABASE_PASSWORD", { targets: undefined, sensitive: false, value: "plain-password-1" });
    delete fixture.props.targets;
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toEqual([
      "Vercel ProjectEnvironmentVariable 'database_password' exposes sensitive 'DATABASE_PASSWORD' to preview deployments (targets: unset, meaning all).",
    ]);
  });

  test("secrets of the GitHub preview environment are exposed to previews, however its name is cased (GitHub's names are case-insensitive)", async () => {
    for (const environment of ["preview", "Preview", "PREVIEW"]) {
      const fixture = {
        type: TYPES.environmentSecret,
        name: "preview-db",
        props: { repository: "app", environment, secretName: "DATABASE_URL", plaintextValue: secret("x") },
      };
      expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toEqual([
        "ActionsEnvironmentSecret 'preview-db' exposes sensitive 'DATABASE_URL' to the GitHub 'preview' environment.",
      ]);
    }
  });

  test("an explicitly allowed value may reach previews", async () => {
    const fixture = envVar("SANDBOX_API_KEY", { targets: ["preview"] });
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toHaveLength(1);
    expect(
      messages(await runResourcePolicy(previewSecretExposure, fixture, { config: { previewSecretAllowlist: ["SANDBOX_API_KEY"] } })),
    ).toEqual([]);
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture, { config: { allowPreviewSecrets: true } }))).toEqual([]);
  });

  test("values a Vercel Project declares inline are judged like separate env vars", async () => {
    const fixture = project({
      environments: [
        { key: "STRIPE_KEY", value: secret("value-123456"), sensitive: true, targets: ["production"] },
        { key: "NEXT_PUBLIC_ENV", value: "preview", sensitive: false, targets: ["preview"] },
        { key: "SESSION_SECRET", value: secret("value-123456"), sensitive: true, targets: ["preview", "development"] },
        { value: secret("value-123456"), sensitive: true },
      ],
    });
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toEqual([
      "Vercel Project 'web' exposes sensitive 'SESSION_SECRET' to preview deployments (targets: preview, development).",
      "Vercel Project 'web' exposes sensitive '?' to preview deployments (targets: unset, meaning all).",
    ]);
    expect(messages(await runResourcePolicy(previewSecretExposure, project()))).toEqual([]);
  });

  test("a credential is sensitive whether or not it is marked so", async () => {
    const fixture = envVar("STRIPE_KEY", { value: `sk_live_${"a1B2c3D4".repeat(3)}`, sensitive: false, targets: ["preview"] });
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toEqual([
      "Vercel ProjectEnvironmentVariable 'stripe_key' exposes sensitive 'STRIPE_KEY' to preview deployments (targets: preview).",
    ]);
  });

  test("only the GitHub preview environment's secrets reach previews", async () => {
    const secretOf = (environment: string, secretName?: string) => ({
      type: TYPES.environmentSecret,
      name: "db-url",
      props: { repository: "app", environment, ...(secretName ? { secretName } : {}), plaintextValue: secret("x") },
    });
    expect(messages(await runResourcePolicy(previewSecretExposure, secretOf("production", "DATABASE_URL")))).toEqual([]);
    // A secret without a name is named by its resource.
    expect(messages(await runResourcePolicy(previewSecretExposure, secretOf("preview")))).toEqual([
      "ActionsEnvironmentSecret 'db-url' exposes sensitive 'db-url' to the GitHub 'preview' environment.",
    ]);
  });

  test("the allowlist names values one by one: others are still refused", async () => {
    const fixture = project({
      environments: [
        { key: "SANDBOX_API_KEY", value: secret("value-123456"), sensitive: true, targets: ["preview"] },
        { key: "SESSION_SECRET", value: secret("value-123456"), sensitive: true, targets: ["preview"] },
      ],
    });
    expect(
      messages(await runResourcePolicy(previewSecretExposure, fixture, { config: { previewSecretAllowlist: ["SANDBOX_API_KEY"] } })),
    ).toEqual(["Vercel Project 'web' exposes sensitive 'SESSION_SECRET' to preview deployments (targets: preview)."]);
    expect(
      configRefusal(previewSecretExposure, { previewSecretAllowlist: ["SANDBOX_API_KEY"], allowPreviewSecrets: false }),
    ).toBeUndefined();
    expect(configRefusal(previewSecretExposure, { previewSecretAllowlist: [42] })).toMatch(
      "policy-config.json: preview-secret-exposure.previewSecretAllowlist.0: ",
    );
    expect(configRefusal(previewSecretExposure, { allowPreviewSecrets: "true" })).toMatch(
      "policy-config.json: preview-secret-exposure.allowPreviewSecrets: ",
    );
  });

  test("another resource type is not applicable", async () => {
    expect((await runResourcePolicy(previewSecretExposure, repository())).notApplicable).toBe(
      "the resource delivers no values to previews",
    );
  });
});

describe("k8s-safe-rollout", () => {
  test("a production Deployment with 3 replicas, zero-downtime rolling update and a PDB passes", async () => {
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), disruptionBudget()]))).toEqual([]);
  });

  test("the Recreate strategy fails", async () => {
    expect(
      messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment("api", { strategy: { type: "Recreate" } }), disruptionBudget()])),
    ).toEqual(["Deployment 'api' uses strategy 'Recreate', which stops every pod before starting new ones."]);
  });

  test("a rolling update must keep every pod available", async () => {
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment("api", { strategy: {} }), disruptionBudget()]))).toEqual([
      "Deployment 'api' rolling update allows 25% (the default) unavailable pods; it must be 0.",
    ]);
    const percent = k8sDeployment("api", { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "0%", maxSurge: "25%" } } });
    expect(messages(await runStackPolicy(k8sSafeRollout, [percent, disruptionBudget()]))).toEqual([]);
  });

  test("containers need a readiness probe and resource requests and limits", async () => {
    const fixture = k8sDeployment("api", {}, { readinessProbe: undefined, resources: { requests: { cpu: "100m" } } });
    delete ((fixture.props.spec as Record<string, any>).template.spec.containers as Record<string, unknown>[])[0].readinessProbe;
    expect(messages(await runStackPolicy(k8sSafeRollout, [fixture, disruptionBudget()]))).toEqual([
      "Deployment 'api' container 'api' has no readinessProbe, so traffic reaches pods before they are ready.",
      "Deployment 'api' container 'api' sets no requests.memory, limits.cpu, limits.memory.",
    ]);
  });

  test("production runs at least two replicas with a disruption budget", async () => {
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment("api", { replicas: 1 })]))).toEqual([
      "Deployment 'api' runs 1 replica(s) in production; at least 2 keep it serving through a rollout or a node drain.",
      "Deployment 'api' has no PodDisruptionBudget selecting its pods (labels: 'app=api').",
    ]);
  });

  test("a budget for other pods or another namespace does not count", async () => {
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), disruptionBudget("web")]))).toHaveLength(1);
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), disruptionBudget("api", "other")]))).toHaveLength(1);
  });

  test("staging may run a single replica without a budget", async () => {
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment("api", { replicas: 1 })], { stack: "staging" }))).toEqual([]);
  });

  test("a rollout fails within 5 minutes (002 §3): progressDeadlineSeconds and Pulumi's await are both bounded", async () => {
    const unbounded = k8sDeployment("api");
    delete (unbounded.props.spec as Record<string, unknown>).progressDeadlineSeconds;
    (unbounded.props.metadata as Record<string, unknown>).annotations = {};
    expect(messages(await runStackPolicy(k8sSafeRollout, [unbounded, disruptionBudget()]))).toEqual([
      "Deployment 'api' sets no spec.progressDeadlineSeconds, so a rollout that never gets ready is reported only after Kubernetes' 600 seconds (at most 300).",
      "Deployment 'api' has no pulumi.com/timeoutSeconds annotation, so pulumi up waits the provider's default 10 minutes for the rollout (at most 300 seconds).",
    ]);
    const slow = k8sDeployment("api", { progressDeadlineSeconds: 600 });
    (slow.props.metadata as Record<string, unknown>).annotations = { "pulumi.com/timeoutSeconds": "900" };
    expect(messages(await runStackPolicy(k8sSafeRollout, [slow, disruptionBudget()]))).toEqual([
      "Deployment 'api' sets spec.progressDeadlineSeconds 600, longer than the 300 seconds a rollout may take.",
      "Deployment 'api' waits 900 seconds for the rollout (pulumi.com/timeoutSeconds), longer than 300.",
    ]);
    // A team may allow longer rollouts, explicitly.
    expect(messages(await runStackPolicy(k8sSafeRollout, [slow, disruptionBudget()], { config: { maxRolloutSeconds: 900 } }))).toEqual([]);
  });

  test("minProductionReplicas is configurable", async () => {
    expect(
      messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), disruptionBudget()], { config: { minProductionReplicas: 4 } })),
    ).toEqual(["Deployment 'api' runs 3 replica(s) in production; at least 4 keep it serving through a rollout or a node drain."]);
  });

  test("maxUnavailable is zero however it is written; one pod is one too many", async () => {
    const rolling = (maxUnavailable: unknown) =>
      k8sDeployment("api", { strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable, maxSurge: 1 } } });
    for (const zero of [0, "0", "0%"])
      expect(messages(await runStackPolicy(k8sSafeRollout, [rolling(zero), disruptionBudget()]))).toEqual([]);
    expect(messages(await runStackPolicy(k8sSafeRollout, [rolling(1), disruptionBudget()]))).toEqual([
      "Deployment 'api' rolling update allows 1 unavailable pods; it must be 0.",
    ]);
  });

  test("every container is judged, named or not", async () => {
    const fixture = k8sDeployment();
    const podSpec = (fixture.props.spec as Record<string, any>).template.spec;
    podSpec.containers.push({ image: podSpec.containers[0].image, resources: { limits: { cpu: "1", memory: "1Gi" } } });
    expect(messages(await runStackPolicy(k8sSafeRollout, [fixture, disruptionBudget()]))).toEqual([
      "Deployment 'api' container '?' has no readinessProbe, so traffic reaches pods before they are ready.",
      "Deployment 'api' container '?' sets no requests.cpu, requests.memory.",
    ]);
  });

  test("an unset replica count is Kubernetes' one; two replicas are the production minimum", async () => {
    const unset = k8sDeployment();
    delete (unset.props.spec as Record<string, unknown>).replicas;
    expect(messages(await runStackPolicy(k8sSafeRollout, [unset, disruptionBudget()]))).toEqual([
      "Deployment 'api' runs 1 replica(s) in production; at least 2 keep it serving through a rollout or a node drain.",
    ]);
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment("api", { replicas: 2 }), disruptionBudget()]))).toEqual([]);
  });

  test("a disruption budget covers the pods only if every label it selects matches, in the same namespace", async () => {
    const budget = (matchLabels: Record<string, string>, namespace?: string): Fixture => ({
      type: TYPES.k8sPdb,
      name: "api-pdb",
      props: {
        metadata: namespace ? { name: "api-pdb", namespace } : { name: "api-pdb" },
        spec: { selector: { matchLabels }, minAvailable: 1 },
      },
    });
    const noBudget = "Deployment 'api' has no PodDisruptionBudget selecting its pods (labels: 'app=api').";
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), budget({ app: "api" }, "app")]))).toEqual([]);
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), budget({ app: "api", tier: "backend" }, "app")]))).toEqual([
      noBudget,
    ]);
    expect(messages(await runStackPolicy(k8sSafeRollout, [k8sDeployment(), budget({ app: "api" })]))).toEqual([noBudget]);
    // A resource that names no namespace is in 'default'.
    const inDefault = k8sDeployment();
    delete (inDefault.props.metadata as Record<string, unknown>).namespace;
    expect(messages(await runStackPolicy(k8sSafeRollout, [inDefault, budget({ app: "api" })]))).toEqual([]);
    expect(messages(await runStackPolicy(k8sSafeRollout, [inDefault, budget({ app: "api" }, "default")]))).toEqual([]);
  });

  test("the pod labels a missing budget should select are all listed", async () => {
    const fixture = k8sDeployment();
    (fixture.props.spec as Record<string, any>).template.metadata.labels = { app: "api", tier: "backend" };
    expect(messages(await runStackPolicy(k8sSafeRollout, [fixture]))).toEqual([
      "Deployment 'api' has no PodDisruptionBudget selecting its pods (labels: 'app=api', 'tier=backend').",
    ]);
  });

  test("replica and rollout bounds are whole numbers of at least one", () => {
    expect(configRefusal(k8sSafeRollout, { minProductionReplicas: 1, maxRolloutSeconds: 1 })).toBeUndefined();
    const refused = "policy-config.json: k8s-safe-rollout";
    expect(configRefusal(k8sSafeRollout, { minProductionReplicas: 0 })).toMatch(`${refused}.minProductionReplicas: `);
    expect(configRefusal(k8sSafeRollout, { minProductionReplicas: 2.5 })).toMatch(`${refused}.minProductionReplicas: `);
    expect(configRefusal(k8sSafeRollout, { maxRolloutSeconds: 0 })).toMatch(`${refused}.maxRolloutSeconds: `);
    expect(configRefusal(k8sSafeRollout, { maxRolloutSeconds: "300" })).toMatch(`${refused}.maxRolloutSeconds: `);
  });

  test("a stack without Deployments is not applicable", async () => {
    expect((await runStackPolicy(k8sSafeRollout, [repository()])).notApplicable).toBe("the stack has no Kubernetes Deployment");
  });
});
