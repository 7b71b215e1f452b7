/**
 * Credentials, the way the real providers look for them, and the errors they fail with when
 * there are none.
 *
 * Check, Diff and preview never need credentials (the real providers do not call their APIs for
 * them). A real Create, Update or Delete, and every data-source invoke (which runs during preview
 * too), does: without credentials the stand-in fails the way the real provider does, with the
 * message the user would see.
 */
import { reveal, type WireMap } from "../../providers/wire";

/** What a stand-in knows about its configuration and environment. */
export interface ProviderSettings {
  /** Provider configuration (Configure's args), secrets revealed. */
  config: WireMap;
  /** The plugin's environment. */
  env: NodeJS.ProcessEnv;
}

/** A non-empty string setting from the provider config, else from the first environment variable set. */
function setting(settings: ProviderSettings, key: string, ...envVars: string[]): string | undefined {
  const value = reveal(settings.config[key]);
  if (typeof value === "string" && value !== "") return value;
  for (const name of envVars) {
    const fromEnv = settings.env[name];
    if (fromEnv) return fromEnv;
  }
  return undefined;
}

/** The GitHub owner (organisation) the provider acts for. */
export function githubOwner(settings: ProviderSettings): string {
  return setting(settings, "owner", "GITHUB_OWNER") ?? setting(settings, "organization", "GITHUB_ORGANIZATION") ?? "";
}

/** Whether the provider of `pkg` has the credentials its real counterpart needs to call its API. */
export function hasCredentials(pkg: string, settings: ProviderSettings): boolean {
  switch (pkg) {
    case "github":
      return setting(settings, "token", "GITHUB_TOKEN") !== undefined || reveal(settings.config.appAuth) !== undefined;
    case "heroku":
      return setting(settings, "apiKey", "HEROKU_API_KEY") !== undefined;
    case "vercel":
      return setting(settings, "apiToken", "VERCEL_API_TOKEN") !== undefined;
    case "postgresql":
      return setting(settings, "password", "PGPASSWORD") !== undefined;
    case "kubernetes":
      return setting(settings, "kubeconfig", "KUBECONFIG") !== undefined || setting(settings, "context") !== undefined;
    default:
      return true; // random needs none
  }
}

/** An operation that needs credentials. */
export interface Operation {
  /** What the engine asked for. */
  kind: "create" | "read" | "update" | "delete" | "invoke";
  /** Resource type or function token. */
  token: string;
  /** The resource's inputs or the function's arguments, secrets revealed. */
  properties: WireMap;
}

/** The GitHub REST path an operation would call, for the error message. */
function githubRequest(op: Operation, owner: string): string {
  const p = op.properties;
  const repo = String(p.repository ?? p.name ?? "");
  const method = { create: "POST", read: "GET", update: "PATCH", delete: "DELETE", invoke: "GET" }[op.kind];
  switch (op.token) {
    case "github:index/getTeam:getTeam":
      return `GET https://api.github.com/orgs/${owner}/teams/${p.slug ?? ""}`;
    case "github:index/getUser:getUser":
      return `GET https://api.github.com/users/${p.username ?? ""}`;
    case "github:index/getRepository:getRepository":
      return `GET https://api.github.com/repos/${p.fullName ?? `${owner}/${p.name ?? ""}`}`;
    case "github:index/repository:Repository":
      return op.kind === "create"
        ? `POST https://api.github.com/orgs/${owner}/repos`
        : `${method} https://api.github.com/repos/${owner}/${repo}`;
    case "github:index/repositoryRuleset:RepositoryRuleset":
      return `${method} https://api.github.com/repos/${owner}/${repo}/rulesets`;
    case "github:index/repositoryEnvironment:RepositoryEnvironment":
      return `PUT https://api.github.com/repos/${owner}/${repo}/environments/${p.environment ?? ""}`;
    case "github:index/issueLabel:IssueLabel":
      return `${method} https://api.github.com/repos/${owner}/${repo}/labels`;
    case "github:index/repositoryFile:RepositoryFile":
      return `GET https://api.github.com/repos/${owner}/${repo}/contents/${p.file ?? ""}`;
    default:
      return `${op.kind === "invoke" ? "GET" : method} https://api.github.com/${repo ? `repos/${owner}/${repo}` : `orgs/${owner}`}`;
  }
}

/** The error the real provider of `pkg` reports for `op` without credentials. */
export function missingCredentialsError(pkg: string, op: Operation, settings: ProviderSettings): string {
  switch (pkg) {
    case "github":
      return `${githubRequest(op, githubOwner(settings))}: 401 Requires authentication []`;
    case "heroku":
      return "Unauthorized: Invalid credentials provided. (set the heroku:apiKey config or HEROKU_API_KEY)";
    case "vercel":
      return (
        "Missing api_token: The provider cannot create the Vercel API client as there is a missing or empty value for the Vercel API token. " +
        "Set the api_token value in the configuration or use the VERCEL_API_TOKEN environment variable. If either is already set, ensure the value is not empty."
      );
    case "postgresql": {
      const host = String(reveal(settings.config.host) ?? settings.env.PGHOST ?? "localhost");
      const user = String(reveal(settings.config.username) ?? settings.env.PGUSER ?? "postgres");
      return `Error connecting to PostgreSQL server ${host} (scheme: postgres): pq: password authentication failed for user "${user}"`;
    }
    case "kubernetes":
      return (
        "configured Kubernetes cluster is unreachable: unable to load Kubernetes client configuration from kubeconfig file. Make sure you have: \n\n" +
        " \t • set up the provider as per https://www.pulumi.com/registry/packages/kubernetes/installation-configuration/\n\n" +
        " invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable"
      );
    default:
      return `${pkg}: missing credentials`;
  }
}
