/** Deploy targets: Vercel projects, Heroku apps and Kubernetes workloads. */
export type { DeployEnvironment } from "./common";
export { VercelApp, type VercelAppArgs } from "./vercelApp";
export { HerokuApp, type HerokuAppArgs } from "./herokuApp";
export { KubernetesWorkloads, type KubernetesWorkloadsArgs } from "./kubernetesWorkloads";
