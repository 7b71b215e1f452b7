/**
 * Kubernetes services and their explicit migrations, ordered expand → rollout → contract.
 *
 * Rollouts are safe by construction (002 §3): images pinned by digest, a rolling update that
 * never takes a ready pod away before its replacement is ready, readiness probes, requests equal
 * to limits, and a disruption budget in production. The rollout is gated on readiness: a new pod
 * gets traffic only once its probe passes, and a rollout not complete within 5 minutes (002 §3:
 * `kubectl rollout status --timeout=5m`) fails the update while the old pods still serve
 * (progressDeadlineSeconds, and Pulumi's await through `pulumi.com/timeoutSeconds`, whose default
 * is 10 minutes). A rollout has no candidate phase: when the smoke checks after it fail, the
 * deploy workflow restores the previous release. Migrations are never run by a container's
 * start command or a deploy step (004 §3, §5): each is a `batch/v1` Job labelled with its phase.
 * Pulumi's Kubernetes provider waits for a Job to complete (and fails the update when it fails),
 * which is what orders the phases: the Deployments depend on the expand Jobs, so the new code
 * rolls out only onto the expanded schema, and the contract Jobs depend on the Deployments, so
 * old structures are dropped only once no running pod needs them (000 §7, 002 §2).
 */
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import { FLAGS_CONFIGMAP_KEY } from "../../contract";
import { PULUMI_TIMEOUT_ANNOTATION, ROLLOUT_TIMEOUT_SECONDS } from "../../contract/release";
import type { ArtifactConfig, KubernetesConfig, KubernetesServiceConfig, MigrationConfig } from "../../config/config";
import type { DeployEnvironment } from "./common";
import { COMPONENT_TYPES } from "../../contract/resourceTypes";

/** Label naming a migration Job's phase (`expand`, `contract`); the policy pack reads it. */
export const MIGRATION_PHASE_LABEL = "slipway.dev/migration-phase";
/** Label naming the migration a Job runs. */
export const MIGRATION_NAME_LABEL = "slipway.dev/migration";
/** Name of the ConfigMap holding the flagd document. */
export const FLAGS_CONFIGMAP_NAME = "slipway-flags";
/** Name of the Secret holding the services' secret env vars. */
export const SECRETS_NAME = "slipway-secrets";
/** Where the flagd document is mounted, for a flagd file provider that watches it. */
export const FLAGS_MOUNT_PATH = "/etc/slipway/flags";
/**
 * The OpenFeature flagd provider's settings in every container (its documented env vars): evaluate
 * in process from the mounted document, watching the file. The kubelet refreshes a mounted
 * ConfigMap in place, so a flag change reaches running pods without touching their template.
 */
export const FLAGD_PROVIDER_ENV = [
  { name: "FLAGD_RESOLVER", value: "in-process" },
  { name: "FLAGD_OFFLINE_FLAG_SOURCE_PATH", value: `${FLAGS_MOUNT_PATH}/${FLAGS_CONFIGMAP_KEY}` },
];
/** How long a migration may run before the update fails. */
export const MIGRATION_TIMEOUT = "30m";

/** Inputs of `KubernetesWorkloads`. */
export interface KubernetesWorkloadsArgs {
  /** The validated Kubernetes config (`slipway:apps.kubernetes`). */
  config: KubernetesConfig;
  /** Environment the stack deploys: the default namespace. */
  environment: DeployEnvironment;
  /** Whether the stack is a production stack: disruption budgets, and the namespace is protected. */
  isProduction: boolean;
  /** Artifacts per app (`slipway:release.artifacts`): services and migrations run their `image`. */
  artifacts: Record<string, ArtifactConfig>;
  /** The environment's flagd JSON, stored in the `slipway-flags` ConfigMap. */
  flagsJson: string;
}

/** A namespace of services, their Services and disruption budgets, and the migration Jobs around their rollout. */
export class KubernetesWorkloads extends pulumi.ComponentResource {
  /** The namespace. */
  readonly namespace: k8s.core.v1.Namespace;
  /** The flagd document. */
  readonly flagsConfigMap: k8s.core.v1.ConfigMap;
  /** Secret env vars, when any are configured. */
  readonly secret?: k8s.core.v1.Secret;
  /** Expand migrations, run before the rollout. */
  readonly expandJobs: k8s.batch.v1.Job[];
  /** One Deployment per service. */
  readonly deployments: k8s.apps.v1.Deployment[];
  /** A Service per service that has a port. */
  readonly services: k8s.core.v1.Service[];
  /** Disruption budgets (production). */
  readonly disruptionBudgets: k8s.policy.v1.PodDisruptionBudget[];
  /** Contract migrations, run after the rollout. */
  readonly contractJobs: k8s.batch.v1.Job[];

  constructor(name: string, args: KubernetesWorkloadsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(COMPONENT_TYPES.kubernetesWorkloads, name, {}, opts);
    const { config, isProduction } = args;
    const imageOf = (app: string, where: string): string => {
      const image = args.artifacts[app]?.image;
      // The config contract requires it (release.artifacts); this guards callers that build args themselves.
      if (image === undefined)
        throw new pulumi.ResourceError(`slipway:release.artifacts.${app}.image: is required: ${where} runs it`, this, true);
      return image;
    };

    this.namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      { metadata: { name: config.namespace ?? args.environment, labels: { "slipway.dev/environment": args.environment } } },
      // Deleting the namespace deletes every workload in it.
      { parent: this, protect: isProduction },
    );
    const namespace = this.namespace.metadata.name;

    // Named and mutable (no `immutable`): the provider updates a named ConfigMap's data in place,
    // where an autonamed or immutable one would be replaced, and the pods would lose the mount.
    this.flagsConfigMap = new k8s.core.v1.ConfigMap(
      `${name}-flags`,
      { metadata: { name: FLAGS_CONFIGMAP_NAME, namespace }, data: { [FLAGS_CONFIGMAP_KEY]: args.flagsJson } },
      { parent: this },
    );

    const secretEntries = Object.entries(config.secrets);
    if (secretEntries.length > 0) {
      this.secret = new k8s.core.v1.Secret(
        `${name}-secrets`,
        {
          metadata: { name: SECRETS_NAME, namespace },
          type: "Opaque",
          stringData: Object.fromEntries(secretEntries.map(([key, value]) => [key, value.toOutput()])),
        },
        { parent: this },
      );
    }
    const secretName = this.secret?.metadata.name;
    const envFrom = secretName ? [{ secretRef: { name: secretName } }] : undefined;

    const job = (migration: MigrationConfig, dependsOn: pulumi.Resource[]): k8s.batch.v1.Job => {
      const labels = { [MIGRATION_PHASE_LABEL]: migration.phase, [MIGRATION_NAME_LABEL]: migration.name };
      return new k8s.batch.v1.Job(
        `${name}-migration-${migration.name}`,
        {
          metadata: { name: `migrate-${migration.name}`, namespace, labels },
          spec: {
            // A failed migration stops the release for a human to look at; it is not retried blindly.
            backoffLimit: 0,
            template: {
              metadata: { labels },
              spec: {
                restartPolicy: "Never",
                containers: [
                  { name: "migrate", image: imageOf(migration.app, `migration '${migration.name}'`), command: migration.command, envFrom },
                ],
              },
            },
          },
        },
        {
          parent: this,
          dependsOn,
          // A migration runs once: a new release image alone does not re-run an applied one.
          // Changing its command re-runs it, under the same name, so the old Job goes first.
          ignoreChanges: ["spec.template.spec.containers[0].image"],
          deleteBeforeReplace: true,
          customTimeouts: { create: MIGRATION_TIMEOUT, update: MIGRATION_TIMEOUT },
        },
      );
    };
    const before: pulumi.Resource[] = [this.namespace, ...(this.secret ? [this.secret] : [])];
    this.expandJobs = config.migrations.filter((m) => m.phase === "expand").map((m) => job(m, before));

    this.deployments = config.services.map((service) =>
      this.deployment(name, service, {
        namespace,
        image: imageOf(service.name, `service '${service.name}'`),
        configMapName: this.flagsConfigMap.metadata.name,
        envFrom,
        dependsOn: this.expandJobs,
      }),
    );

    this.services = config.services
      .filter((service): service is KubernetesServiceConfig & { port: number } => service.port !== undefined)
      .map(
        (service) =>
          new k8s.core.v1.Service(
            `${name}-${service.name}`,
            {
              metadata: { name: service.name, namespace, labels: { app: service.name } },
              spec: { selector: { app: service.name }, ports: [{ name: "http", port: service.port, targetPort: service.port }] },
            },
            { parent: this },
          ),
      );

    // Voluntary disruptions (node drains) keep all but one replica, never fewer than one.
    this.disruptionBudgets = isProduction
      ? config.services.map(
          (service) =>
            new k8s.policy.v1.PodDisruptionBudget(
              `${name}-${service.name}`,
              {
                metadata: { name: service.name, namespace, labels: { app: service.name } },
                spec: { minAvailable: Math.max(1, service.replicas - 1), selector: { matchLabels: { app: service.name } } },
              },
              { parent: this },
            ),
        )
      : [];

    this.contractJobs = config.migrations.filter((m) => m.phase === "contract").map((m) => job(m, this.deployments));

    this.registerOutputs({ namespace, deployments: this.deployments.map((d) => d.metadata.name) });
  }

  /** One service's Deployment. */
  private deployment(
    name: string,
    service: KubernetesServiceConfig,
    shared: {
      namespace: pulumi.Input<string>;
      image: string;
      configMapName: pulumi.Input<string>;
      envFrom: { secretRef: { name: pulumi.Input<string> } }[] | undefined;
      dependsOn: pulumi.Resource[];
    },
  ): k8s.apps.v1.Deployment {
    const labels = { app: service.name };
    const resources = { cpu: service.cpu, memory: service.memory };
    const port = service.port;
    return new k8s.apps.v1.Deployment(
      `${name}-${service.name}`,
      {
        // Pulumi waits for the rollout this long, not the provider's 10 minutes.
        metadata: {
          name: service.name,
          namespace: shared.namespace,
          labels,
          annotations: { [PULUMI_TIMEOUT_ANNOTATION]: String(ROLLOUT_TIMEOUT_SECONDS) },
        },
        spec: {
          replicas: service.replicas,
          // The controller marks a rollout that stalls (pods never ready) as failed after 5 minutes.
          progressDeadlineSeconds: ROLLOUT_TIMEOUT_SECONDS,
          selector: { matchLabels: labels },
          // A new pod must be ready before an old one goes: capacity never drops (002 §3).
          strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
          template: {
            // No hash of the flag document here: a flag change must not restart the pods.
            metadata: { labels },
            spec: {
              containers: [
                {
                  name: service.name,
                  image: shared.image,
                  command: service.command,
                  ports: port !== undefined ? [{ name: "http", containerPort: port }] : undefined,
                  env: [...Object.entries(service.env).map(([envName, value]) => ({ name: envName, value })), ...FLAGD_PROVIDER_ENV],
                  envFrom: shared.envFrom,
                  readinessProbe:
                    port !== undefined ? { httpGet: { path: service.healthPath, port }, periodSeconds: 5, failureThreshold: 3 } : undefined,
                  // Liveness only asks whether the process still accepts connections: a health
                  // endpoint that checks dependencies would restart every pod during a database blip.
                  livenessProbe:
                    port !== undefined
                      ? { tcpSocket: { port }, initialDelaySeconds: 15, periodSeconds: 10, failureThreshold: 6 }
                      : undefined,
                  // Requests equal limits: the pod gets what it is scheduled for (Guaranteed QoS).
                  resources: { requests: resources, limits: resources },
                  volumeMounts: [{ name: "slipway-flags", mountPath: FLAGS_MOUNT_PATH, readOnly: true }],
                },
              ],
              volumes: [{ name: "slipway-flags", configMap: { name: shared.configMapName } }],
            },
          },
        },
      },
      { parent: this, dependsOn: shared.dependsOn },
    );
  }
}
