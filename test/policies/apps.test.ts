import { k8sSafeRollout, previewSecretExposure, vercelDeploymentProtection } from "../../policy-pack/policies/apps";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { disruptionBudget, k8sDeployment, repository } from "./fixtures";
import { messages, runResourcePolicy, runStackPolicy, type Fixture } from "./harness";
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

  test("secrets of the GitHub preview environment are exposed to previews", async () => {
    const fixture = {
      type: TYPES.environmentSecret,
      name: "preview-db",
      props: { repository: "app", environment: "preview", secretName: "DATABASE_URL", plaintextValue: secret("x") },
    };
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toEqual([
      "ActionsEnvironmentSecret 'preview-db' exposes sensitive 'DATABASE_URL' to the GitHub 'preview' environment.",
    ]);
  });

  test("an explicitly allowed value may reach previews", async () => {
    const fixture = envVar("SANDBOX_API_KEY", { targets: ["preview"] });
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture))).toHaveLength(1);
    expect(
      messages(await runResourcePolicy(previewSecretExposure, fixture, { config: { previewSecretAllowlist: ["SANDBOX_API_KEY"] } })),
    ).toEqual([]);
    expect(messages(await runResourcePolicy(previewSecretExposure, fixture, { config: { allowPreviewSecrets: true } }))).toEqual([]);
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

  test("a stack without Deployments is not applicable", async () => {
    expect((await runStackPolicy(k8sSafeRollout, [repository()])).notApplicable).toBe("the stack has no Kubernetes Deployment");
  });
});
