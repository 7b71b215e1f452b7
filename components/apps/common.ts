/** What every app component shares. */
import type { StackConfig } from "../../config/config";

/** The environment a stack deploys (`staging`, `production`). */
export type DeployEnvironment = StackConfig["environment"];
