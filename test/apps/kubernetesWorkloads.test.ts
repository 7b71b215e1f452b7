/**
 * KubernetesWorkloads: safe rollouts (digest images, no unavailable pods, readiness probes,
 * requests = limits, disruption budgets in production) and explicit migrations ordered
 * expand → rollout → contract.
 */
import { KubernetesWorkloads, type KubernetesWorkloadsArgs } from "../../components/apps";
import { flagdJson } from "../../config/flagd";
import type { KubernetesServiceConfig } from "../../config/config";
import { childrenOf, find, ofType, runProgram, type ProgramRecord } from "../support/mocks";
import { secret } from "../support/wire";
import { exampleCiphertext, exampleStack } from "../support/project";

const COMPONENT = "slipway:apps:KubernetesWorkloads";
const NAMESPACE = "kubernetes:core/v1:Namespace";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";
const SECRET = "kubernetes:core/v1:Secret";
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const SERVICE = "kubernetes:core/v1:Service";
const PDB = "kubernetes:policy/v1:PodDisruptionBudget";
const JOB = "kubernetes:batch/v1:Job";

const STAGING_API_IMAGE = "ghcr.io/acme/api@sha256:5b0e3f0c7a9d4e2b1c6a8f7e9d0c1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6e7d8c";
const STAGING_WORKER_IMAGE = "ghcr.io/acme/worker@sha256:9c8b7a6f5e4d3c2b1a0f9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a2f1e0d9c8b";
const PRODUCTION_API_IMAGE = "ghcr.io/acme/api@sha256:1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f809";
const PRODUCTION_WORKER_IMAGE = "ghcr.io/acme/worker@sha256:0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
const ADD_ORDER_CHANNEL = ["npm", "run", "migrate", "--", "--file", "migrations/V014__add_order_channel.sql"];
const DROP_LEGACY_STATUS = ["npm", "run", "migrate", "--", "--file", "migrations/V013__drop_legacy_status.sql"];

/** The args the topology passes for an example stack. */
function exampleArgs(stack: "staging" | "production"): KubernetesWorkloadsArgs {
  const config = exampleStack(stack);
  return {
    config: config.apps.kubernetes!,
    environment: config.environment,
    isProduction: stack === "production",
    artifacts: config.release.artifacts,
    flagsJson: flagdJson(config.flags, config.environment),
  };
}

const deploy = (stack: "staging" | "production", args: KubernetesWorkloadsArgs) =>
  runProgram(stack, () => new KubernetesWorkloads("workloads", args));

/** A worker Deployment as the playbook wants it, from the facts of one stack. */
function expectedWorker(facts: {
  namespace: string;
  image: string;
  replicas: number;
  cpu: string;
  memory: string;
  queue: string;
  flagsJson: string;
}) {
  const resources = { cpu: facts.cpu, memory: facts.memory };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    // 002 §3: the rollout fails within 5 minutes, both for the controller and for Pulumi's await.
    metadata: {
      name: "worker",
      namespace: facts.namespace,
      labels: { app: "worker" },
      annotations: { "pulumi.com/timeoutSeconds": "300" },
    },
    spec: {
      replicas: facts.replicas,
      progressDeadlineSeconds: 300,
      selector: { matchLabels: { app: "worker" } },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: { app: "worker" } },
        spec: {
          containers: [
            {
              name: "worker",
              image: facts.image,
              ports: [{ name: "http", containerPort: 8080 }],
              env: [
                { name: "QUEUE_NAME", value: facts.queue },
                { name: "FLAGD_RESOLVER", value: "in-process" },
                { name: "FLAGD_OFFLINE_FLAG_SOURCE_PATH", value: "/etc/slipway/flags/flags.flagd.json" },
              ],
              envFrom: [{ secretRef: { name: "slipway-secrets" } }],
              readinessProbe: { httpGet: { path: "/healthz", port: 8080 }, periodSeconds: 5, failureThreshold: 3 },
              livenessProbe: { tcpSocket: { port: 8080 }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 6 },
              resources: { requests: resources, limits: resources },
              volumeMounts: [{ name: "slipway-flags", mountPath: "/etc/slipway/flags", readOnly: true }],
            },
          ],
          volumes: [{ name: "slipway-flags", configMap: { name: "slipway-flags" } }],
        },
      },
    },
  };
}

/** A migration Job as the playbook wants it. */
function expectedJob(facts: { namespace: string; name: string; phase: "expand" | "contract"; image: string; command: string[] }) {
  const labels = { "slipway.dev/migration-phase": facts.phase, "slipway.dev/migration": facts.name };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: { name: `migrate-${facts.name}`, namespace: facts.namespace, labels },
    spec: {
      backoffLimit: 0,
      template: {
        metadata: { labels },
        spec: {
          restartPolicy: "Never",
          containers: [
            { name: "migrate", image: facts.image, command: facts.command, envFrom: [{ secretRef: { name: "slipway-secrets" } }] },
          ],
        },
      },
    },
  };
}

describe("KubernetesWorkloads in the production example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("production");
  beforeAll(async () => {
    record = await deploy("production", args);
  });

  test("registers the namespace, flags, secret, worker, its Service and budget, and both migrations", () => {
    expect(childrenOf(record, find(record, COMPONENT, "workloads"))).toEqual(
      [
        `${NAMESPACE}::workloads-namespace`,
        `${CONFIGMAP}::workloads-flags`,
        `${SECRET}::workloads-secrets`,
        `${DEPLOYMENT}::workloads-worker`,
        `${SERVICE}::workloads-worker`,
        `${PDB}::workloads-worker`,
        `${JOB}::workloads-migration-add-order-channel`,
        `${JOB}::workloads-migration-drop-legacy-status`,
      ].sort(),
    );
  });

  test("the production namespace is protected", () => {
    const namespace = find(record, NAMESPACE, "workloads-namespace");
    expect(namespace.inputs).toEqual({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "production", labels: { "slipway.dev/environment": "production" } },
    });
    expect(namespace.protect).toBe(true);
  });

  test("the flags ConfigMap holds the production flagd document under flags.flagd.json", () => {
    expect(find(record, CONFIGMAP, "workloads-flags").inputs).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "slipway-flags", namespace: "production" },
      data: { "flags.flagd.json": args.flagsJson },
    });
  });

  test("the Secret's values travel as secrets", () => {
    expect(find(record, SECRET, "workloads-secrets").inputs).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "slipway-secrets", namespace: "production" },
      type: "Opaque",
      stringData: secret({ DATABASE_URL: exampleCiphertext("production", ["slipway:apps", "kubernetes", "secrets", "DATABASE_URL"]) }),
    });
  });

  test("the worker rolls out by digest with no unavailable pods, probes and requests equal to limits", () => {
    expect(find(record, DEPLOYMENT, "workloads-worker").inputs).toEqual(
      expectedWorker({
        namespace: "production",
        image: PRODUCTION_WORKER_IMAGE,
        replicas: 3,
        cpu: "500m",
        memory: "512Mi",
        queue: "storefront",
        flagsJson: args.flagsJson,
      }),
    );
  });

  test("the worker's Service selects its pods on its port", () => {
    expect(find(record, SERVICE, "workloads-worker").inputs).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "worker", namespace: "production", labels: { app: "worker" } },
      spec: { selector: { app: "worker" }, ports: [{ name: "http", port: 8080, targetPort: 8080 }] },
    });
  });

  test("a disruption budget keeps all but one of the three replicas during drains", () => {
    expect(find(record, PDB, "workloads-worker").inputs).toEqual({
      apiVersion: "policy/v1",
      kind: "PodDisruptionBudget",
      metadata: { name: "worker", namespace: "production", labels: { app: "worker" } },
      spec: { minAvailable: 2, selector: { matchLabels: { app: "worker" } } },
    });
  });

  test("migrations are Jobs labelled with their phase, run with the api image", () => {
    expect(find(record, JOB, "workloads-migration-add-order-channel").inputs).toEqual(
      expectedJob({
        namespace: "production",
        name: "add-order-channel",
        phase: "expand",
        image: PRODUCTION_API_IMAGE,
        command: ADD_ORDER_CHANNEL,
      }),
    );
    expect(find(record, JOB, "workloads-migration-drop-legacy-status").inputs).toEqual(
      expectedJob({
        namespace: "production",
        name: "drop-legacy-status",
        phase: "contract",
        image: PRODUCTION_API_IMAGE,
        command: DROP_LEGACY_STATUS,
      }),
    );
  });

  test("expand runs before the rollout: the Deployment waits for the expand Job, which waits for no Deployment", () => {
    const expand = find(record, JOB, "workloads-migration-add-order-channel");
    const worker = find(record, DEPLOYMENT, "workloads-worker");
    expect(worker.dependencies).toContain(expand.urn);
    expect(expand.dependencies.sort()).toEqual(
      [find(record, NAMESPACE, "workloads-namespace").urn, find(record, SECRET, "workloads-secrets").urn].sort(),
    );
  });

  test("contract runs after the rollout: the contract Job depends on the Deployment, which does not wait for it", () => {
    const contract = find(record, JOB, "workloads-migration-drop-legacy-status");
    const worker = find(record, DEPLOYMENT, "workloads-worker");
    expect(contract.dependencies).toContain(worker.urn);
    expect(worker.dependencies).not.toContain(contract.urn);
  });

  test("a migration runs once: a new image alone does not re-run it, a changed command replaces it in place", () => {
    for (const job of ofType(record, JOB)) {
      expect(job.ignoreChanges).toEqual(["spec.template.spec.containers[0].image"]);
      expect(job.deleteBeforeReplace).toBe(true);
      expect(job.createTimeout).toBe(30 * 60);
    }
  });

  test("no container start runs a migration", () => {
    const worker = find(record, DEPLOYMENT, "workloads-worker");
    expect(JSON.stringify(worker.inputs)).not.toMatch(/migrat/i);
  });
});

describe("KubernetesWorkloads in the staging example stack", () => {
  let record: ProgramRecord;
  const args = exampleArgs("staging");
  beforeAll(async () => {
    record = await deploy("staging", args);
  });

  test("staging has no disruption budget, an unprotected namespace, and runs the release's expand and contract migrations before production does", () => {
    expect(childrenOf(record, find(record, COMPONENT, "workloads"))).toEqual(
      [
        `${NAMESPACE}::workloads-namespace`,
        `${CONFIGMAP}::workloads-flags`,
        `${SECRET}::workloads-secrets`,
        `${DEPLOYMENT}::workloads-worker`,
        `${SERVICE}::workloads-worker`,
        `${JOB}::workloads-migration-add-order-channel`,
        `${JOB}::workloads-migration-drop-legacy-status`,
      ].sort(),
    );
    expect(find(record, NAMESPACE, "workloads-namespace").protect).toBe(false);
  });

  test("the staging worker runs staging's image with the default resources", () => {
    expect(find(record, DEPLOYMENT, "workloads-worker").inputs).toEqual(
      expectedWorker({
        namespace: "staging",
        image: STAGING_WORKER_IMAGE,
        replicas: 1,
        cpu: "250m",
        memory: "256Mi",
        queue: "storefront-staging",
        flagsJson: args.flagsJson,
      }),
    );
  });

  test("the staging ConfigMap, Secret and expand Job", () => {
    expect(find(record, CONFIGMAP, "workloads-flags").inputs).toEqual({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "slipway-flags", namespace: "staging" },
      data: { "flags.flagd.json": args.flagsJson },
    });
    expect(find(record, SECRET, "workloads-secrets").inputs).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "slipway-secrets", namespace: "staging" },
      type: "Opaque",
      stringData: secret({ DATABASE_URL: exampleCiphertext("staging", ["slipway:apps", "kubernetes", "secrets", "DATABASE_URL"]) }),
    });
    expect(find(record, JOB, "workloads-migration-add-order-channel").inputs).toEqual(
      expectedJob({
        namespace: "staging",
        name: "add-order-channel",
        phase: "expand",
        image: STAGING_API_IMAGE,
        command: ADD_ORDER_CHANNEL,
      }),
    );
    expect(find(record, SERVICE, "workloads-worker").inputs.metadata).toEqual({
      name: "worker",
      namespace: "staging",
      labels: { app: "worker" },
    });
  });
});

describe("KubernetesWorkloads variants", () => {
  const base = exampleArgs("production");
  const withServices = (
    services: KubernetesServiceConfig[],
    extra: Partial<KubernetesWorkloadsArgs["config"]> = {},
  ): KubernetesWorkloadsArgs => ({
    ...base,
    config: { ...base.config, services, ...extra },
  });
  const worker = base.config.services[0];

  test("a contract Job waits for every Deployment of the rollout", async () => {
    const record = await deploy("production", withServices([worker, { ...worker, name: "api", replicas: 2 }]));
    const contract = find(record, JOB, "workloads-migration-drop-legacy-status");
    for (const deployment of ofType(record, DEPLOYMENT)) expect(contract.dependencies).toContain(deployment.urn);
    expect(ofType(record, DEPLOYMENT)).toHaveLength(2);
    expect(find(record, PDB, "workloads-api").inputs.spec).toEqual({ minAvailable: 1, selector: { matchLabels: { app: "api" } } });
  });

  test("a service without a port gets no Service and no HTTP probes", async () => {
    const { port: _port, ...portless } = worker;
    const record = await deploy("production", withServices([portless]));
    expect(ofType(record, SERVICE)).toEqual([]);
    const container = (
      find(record, DEPLOYMENT, "workloads-worker").inputs as { spec: { template: { spec: { containers: Record<string, unknown>[] } } } }
    ).spec.template.spec.containers[0];
    expect(Object.keys(container).sort()).toEqual(["env", "envFrom", "image", "name", "resources", "volumeMounts"]);
  });

  test("a configured command is the container's command", async () => {
    const record = await deploy("production", withServices([{ ...worker, command: ["node", "dist/worker.js"] }]));
    const inputs = find(record, DEPLOYMENT, "workloads-worker").inputs as {
      spec: { template: { spec: { containers: { command: string[] }[] } } };
    };
    expect(inputs.spec.template.spec.containers[0].command).toEqual(["node", "dist/worker.js"]);
  });

  test("without secrets there is no Secret and nothing references one", async () => {
    const record = await deploy("production", withServices([worker], { secrets: {} }));
    expect(ofType(record, SECRET)).toEqual([]);
    expect(JSON.stringify(record.resources.map((resource) => resource.inputs))).not.toContain("slipway-secrets");
  });

  test("a configured namespace wins over the environment name", async () => {
    const record = await deploy("production", withServices([worker], { namespace: "shop" }));
    expect(find(record, NAMESPACE, "workloads-namespace").inputs.metadata).toEqual({
      name: "shop",
      labels: { "slipway.dev/environment": "production" },
    });
    expect(find(record, DEPLOYMENT, "workloads-worker").inputs.metadata).toEqual({
      name: "worker",
      namespace: "shop",
      labels: { app: "worker" },
      annotations: { "pulumi.com/timeoutSeconds": "300" },
    });
  });

  test("a flag change changes the ConfigMap's data only: the Deployments, and so the pods, stay as they are", async () => {
    const config = exampleStack("production");
    const flipped = config.flags.map((flag) =>
      flag.name === "new-checkout" ? { ...flag, defaults: { ...flag.defaults, production: true } } : flag,
    );
    const before = await deploy("production", base);
    const after = await deploy("production", { ...base, flagsJson: flagdJson(flipped, "production") });
    const changed = after.resources
      .filter((resource, i) => JSON.stringify(resource.inputs) !== JSON.stringify(before.resources[i].inputs))
      .map((resource) => resource.name);
    expect(after.resources.map((resource) => resource.urn)).toEqual(before.resources.map((resource) => resource.urn));
    expect(changed).toEqual(["workloads-flags"]);
  });

  test("a service whose artifact has no image is refused", async () => {
    const artifacts = { ...base.artifacts, worker: { commitSha: "a".repeat(40) } };
    await expect(deploy("production", { ...base, artifacts })).rejects.toThrow(
      "slipway:release.artifacts.worker.image: is required: service 'worker' runs it",
    );
  });
});
