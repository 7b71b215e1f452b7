/**
 * What a command does, judged by the program it runs and its arguments: deploys (and where to),
 * migrations (and whether they destroy), no-ops. The deploy-job policies recognise production
 * deploy jobs and migrations with these, whatever a team calls its files, jobs and steps.
 */
import { isProductionName } from "../../../contract/production";
import { commandName, expandValue, hasFlag, nameTokens, optionValues, positionals, type Expansion, type ShellCommand } from "./shell";

// ---------------------------------------------------------------------------------------------
// Targets

/** Where a deploy goes. */
export type TargetKind = "production" | "other" | "unknown";

/** Name tokens that say a target is not production. */
const NON_PRODUCTION_TOKENS = new Set([
  "staging",
  "stage",
  "stg",
  "dev",
  "develop",
  "development",
  "test",
  "testing",
  "qa",
  "uat",
  "preview",
  "review",
  "sandbox",
  "demo",
  "ci",
  "nonprod",
  "preprod",
  "local",
  "e2e",
  "int",
  "integration",
  "tmp",
  "temp",
  "ephemeral",
  "pr",
]);

/** Whether a name says it is not production (`acme-api-staging`, `pre-prod`, `review-123`). */
export function isNonProductionName(name: string): boolean {
  const tokens = nameTokens(name);
  if (tokens.some((token) => NON_PRODUCTION_TOKENS.has(token))) return true;
  // `pre-prod`, `non-production`: a production token the name negates.
  return tokens.some((token, index) => /^(prod|production|prd|live)$/.test(token) && /^(pre|non|not)$/.test(tokens[index - 1] ?? ""));
}

/** How a deploy's targets classify: production when any may be, other when all say they are not. */
export function classifyTargets(
  targets: string[],
  context: Expansion,
  alsoProduction: readonly string[],
): { kind: TargetKind; names: string[] } {
  const names = [...new Set(targets.flatMap((target) => expandValue(target, context)))].filter((name) => name.trim() !== "");
  if (names.some((name) => isProductionName(name, alsoProduction) || isProductionName(name.replace(/^.*\//, ""), alsoProduction))) {
    return { kind: "production", names };
  }
  if (names.length > 0 && names.every(isNonProductionName)) return { kind: "other", names };
  return { kind: "unknown", names };
}

// ---------------------------------------------------------------------------------------------
// Deploy commands

/** A deploy a command runs. */
export interface DeployUse {
  /** The platform or tool (`pulumi`, `vercel`, `heroku`, `kubernetes`, ...). */
  tool: string;
  /** Values that name the target (stacks, apps, namespaces, contexts, files, stages). */
  targets: string[];
  /** Set when the command says itself where it deploys (`vercel --prod`: production, `vercel` alone: a preview). */
  intrinsic?: TargetKind;
  /** An app-platform release (Heroku): a target nothing says is not production is taken as production when the job declares no environment. */
  unnamedMeansProduction?: boolean;
}

/** State a job's earlier commands leave for later ones: the selected stack, the kube context, ... */
export interface ShellState {
  /** `pulumi stack select <stack>`. */
  pulumiStack?: string;
  /** `kubectl config use-context`, `aws eks update-kubeconfig`, `gcloud container clusters get-credentials`, `az aks get-credentials`, KUBECONFIG. */
  kubeContexts: string[];
  /** `terraform workspace select|new`. */
  terraformWorkspace?: string;
}

/** The index of the first word running one of the programs, or -1. */
function programAt(words: string[], names: readonly string[]): number {
  return words.findIndex((word) => names.includes(commandName(word)));
}

/** The first word after `from` that is not an option, with its index (option values that follow `valued` flags are skipped). */
function subcommand(words: string[], from: number, valued: string[] = []): { word: string; index: number } | undefined {
  for (let i = from; i < words.length; i++) {
    const word = words[i];
    if (word.startsWith("-")) {
      if (valued.includes(word)) i++;
      continue;
    }
    return { word: word.toLowerCase(), index: i };
  }
  return undefined;
}

/** Commands that only show text: a deploy command quoted in them is not run. */
const DISPLAY_COMMANDS = new Set([
  "echo",
  "printf",
  "cat",
  "grep",
  "egrep",
  "test",
  "[",
  "[[",
  "jq",
  "yq",
  "sed",
  "awk",
  "curl",
  "wget",
  "tee",
  "read",
  "true",
  ":",
]);

/** Track what a command leaves for the commands after it (selected stack, kube context). */
export function updateShellState(command: ShellCommand, state: ShellState): void {
  const words = command.words;
  const pulumi = programAt(words, ["pulumi"]);
  if (pulumi >= 0) {
    const sub = subcommand(words, pulumi + 1, ["-C", "--cwd"]);
    if (sub?.word === "stack") {
      const verb = subcommand(words, sub.index + 1);
      if (verb?.word === "select" || verb?.word === "init") {
        const stack =
          optionValues(words, ["--stack", "-s"], verb.index + 1)[0] ??
          positionals(words, verb.index + 1, ["--secrets-provider", "--copy-config-from"])[0];
        if (stack !== undefined) state.pulumiStack = stack;
      }
    }
  }
  const kubectl = programAt(words, ["kubectl"]);
  if (kubectl >= 0 && words[kubectl + 1] === "config" && /^(use-context|use|set-context)$/.test(words[kubectl + 2] ?? "")) {
    const context = positionals(words, kubectl + 3)[0];
    if (context !== undefined) state.kubeContexts.push(context);
  }
  const aws = programAt(words, ["aws"]);
  if (aws >= 0 && words[aws + 1] === "eks" && words[aws + 2] === "update-kubeconfig")
    state.kubeContexts.push(...optionValues(words, ["--name", "--alias"]));
  const gcloud = programAt(words, ["gcloud"]);
  if (gcloud >= 0 && words.slice(gcloud).join(" ").includes("clusters get-credentials"))
    state.kubeContexts.push(...positionals(words, words.indexOf("get-credentials") + 1, ["--region", "--zone", "--project"]));
  const az = programAt(words, ["az"]);
  if (az >= 0 && words[az + 1] === "aks" && words[az + 2] === "get-credentials")
    state.kubeContexts.push(...optionValues(words, ["--name", "-n"]));
  const doctl = programAt(words, ["doctl"]);
  if (doctl >= 0 && words.includes("kubeconfig")) state.kubeContexts.push(...positionals(words, words.indexOf("kubeconfig") + 2));
  const terraform = programAt(words, ["terraform", "tofu"]);
  if (terraform >= 0 && words[terraform + 1] === "workspace" && /^(select|new)$/.test(words[terraform + 2] ?? ""))
    state.terraformWorkspace = positionals(words, terraform + 3)[0];
}

/** Kubernetes targets a command names: namespace, context, files and kustomize paths. */
function kubernetesTargets(words: string[], from: number, state: ShellState): string[] {
  return [
    ...optionValues(
      words,
      ["--namespace", "-n", "--context", "--kube-context", "--cluster", "--filename", "-f", "--kustomize", "-k", "--values"],
      from,
    ),
    ...state.kubeContexts,
  ];
}

/** The deploy a command runs, if any. `env` holds the job's variables (HEROKU_APP, KUBECONFIG, ...). */
export function deployOf(command: ShellCommand, state: ShellState, env: Record<string, string[]>): DeployUse | undefined {
  const words = command.words;
  if (words.length === 0 || DISPLAY_COMMANDS.has(commandName(words[0]))) return undefined;
  const envValues = (...names: string[]) =>
    names.flatMap((name) => (command.assignments[name] !== undefined ? [command.assignments[name]] : (env[name] ?? [])));

  // Pulumi: `pulumi up|update [--stack|-s <stack>]`, else the stack selected before.
  const pulumi = programAt(words, ["pulumi"]);
  if (pulumi >= 0) {
    const sub = subcommand(words, pulumi + 1, ["-C", "--cwd", "--color", "-v", "--verbose"]);
    if (sub?.word === "up" || sub?.word === "update") {
      const stacks = optionValues(words, ["--stack", "-s"], sub.index + 1);
      const targets = stacks.length > 0 ? stacks : state.pulumiStack !== undefined ? [state.pulumiStack] : envValues("PULUMI_STACK");
      // `org/project/stack`: the stack is the last part (a project called `prod-infra` deploys staging too).
      return { tool: "pulumi", targets: targets.map((stack) => stack.replace(/^.*\//, "")) };
    }
  }
  // Vercel: `vercel [deploy] --prod` / `--target production` is production; `vercel promote` too; a plain `vercel` is a preview.
  const vercel = programAt(words, ["vercel"]);
  if (vercel >= 0) {
    const sub = subcommand(words, vercel + 1, [
      "--token",
      "-t",
      "--scope",
      "-S",
      "--cwd",
      "--target",
      "--env",
      "-e",
      "--build-env",
      "-b",
      "--meta",
      "-m",
      "--regions",
      "-A",
      "--local-config",
    ]);
    const deploying =
      sub === undefined ||
      sub.word === "deploy" ||
      ![
        "env",
        "pull",
        "link",
        "login",
        "logout",
        "whoami",
        "logs",
        "inspect",
        "ls",
        "list",
        "domains",
        "alias",
        "dns",
        "certs",
        "secrets",
        "teams",
        "projects",
        "build",
        "dev",
        "init",
        "help",
        "remove",
        "rm",
        "bisect",
        "switch",
        "git",
        "rollback",
        "promote",
      ].includes(sub.word);
    if (sub?.word === "promote" || sub?.word === "rollback") return { tool: "vercel", targets: [], intrinsic: "production" };
    if (deploying) {
      const production =
        hasFlag(words, ["--prod", "--production"], vercel + 1) ||
        optionValues(words, ["--target"], vercel + 1).some((target) => target === "production");
      return { tool: "vercel", targets: optionValues(words, ["--target"], vercel + 1), intrinsic: production ? "production" : "other" };
    }
  }
  // Netlify: `netlify deploy --prod`.
  const netlify = programAt(words, ["netlify"]);
  if (netlify >= 0 && subcommand(words, netlify + 1)?.word === "deploy") {
    return { tool: "netlify", targets: [], intrinsic: hasFlag(words, ["--prod", "--production"], netlify + 1) ? "production" : "other" };
  }
  // Heroku: `heroku container:release`, `heroku releases:rollback`, `heroku pipelines:promote` (to the next stage), `git push heroku`.
  const heroku = programAt(words, ["heroku"]);
  if (heroku >= 0) {
    const sub = subcommand(words, heroku + 1, ["-a", "--app", "-r", "--remote"]);
    if (sub?.word === "pipelines:promote") return { tool: "heroku", targets: [], intrinsic: "production" };
    if (sub && /^(container:release|releases:rollback|rollback|deploy:.*|builds:create)$/.test(sub.word)) {
      return {
        tool: "heroku",
        targets: [...optionValues(words, ["--app", "-a", "--remote", "-r"]), ...envValues("HEROKU_APP", "HEROKU_APP_NAME")],
        unnamedMeansProduction: true,
      };
    }
  }
  const git = programAt(words, ["git"]);
  if (git >= 0 && words.slice(git + 1).includes("push")) {
    const rest = positionals(words, words.indexOf("push", git) + 1, ["-o", "--push-option", "--repo"]);
    const remote = rest[0] ?? "";
    const herokuApp = /git\.heroku\.com\/([^/]+?)(\.git)?$/.exec(remote);
    if (herokuApp || /heroku/i.test(remote)) {
      return {
        tool: "heroku",
        targets: herokuApp ? [herokuApp[1]] : [remote, ...envValues("HEROKU_APP", "HEROKU_APP_NAME")],
        unnamedMeansProduction: true,
      };
    }
  }
  // Kubernetes: kubectl apply/create/replace/patch/set image/scale/rollout restart|undo|resume, helm upgrade|install|rollback, helmfile, kustomize, argocd, skaffold.
  const kubectl = programAt(words, ["kubectl", "oc"]);
  if (kubectl >= 0) {
    const sub = subcommand(words, kubectl + 1, ["--context", "--namespace", "-n", "--kubeconfig", "--cluster", "--user"]);
    const verb = sub && subcommand(words, sub.index + 1, ["--namespace", "-n", "--context"]);
    const deploying =
      sub !== undefined &&
      (/^(apply|create|replace|patch|scale|autoscale)$/.test(sub.word) ||
        (sub.word === "set" && verb?.word === "image") ||
        (sub.word === "rollout" && /^(restart|undo|resume)$/.test(verb?.word ?? "")));
    if (deploying)
      return {
        tool: "kubernetes",
        targets: [
          ...kubernetesTargets(words, kubectl + 1, state),
          ...envValues("KUBECONFIG", "KUBE_CONTEXT", "KUBECTL_CONTEXT", "K8S_NAMESPACE"),
        ],
      };
  }
  const helm = programAt(words, ["helm", "helmfile", "skaffold", "argocd", "kapp", "kustomize"]);
  if (helm >= 0) {
    const program = commandName(words[helm]);
    const sub = subcommand(words, helm + 1, [
      "--kube-context",
      "--namespace",
      "-n",
      "-e",
      "--environment",
      "-f",
      "--file",
      "-p",
      "--profile",
    ]);
    const deploying =
      (program === "helm" && /^(upgrade|install|rollback)$/.test(sub?.word ?? "")) ||
      (program === "helmfile" && /^(apply|sync|deploy)$/.test(sub?.word ?? "")) ||
      (program === "skaffold" && /^(run|deploy|apply)$/.test(sub?.word ?? "")) ||
      (program === "kapp" && sub?.word === "deploy") ||
      (program === "argocd" && sub?.word === "app" && /^(sync|set|rollback)$/.test(subcommand(words, sub.index + 1)?.word ?? ""));
    if (deploying) {
      const named = positionals(words, (sub?.index ?? helm) + 1, [
        "--kube-context",
        "--namespace",
        "-n",
        "-f",
        "--values",
        "--set",
        "--version",
        "--timeout",
        "-e",
        "--environment",
        "-p",
        "--profile",
        "--revision",
      ]);
      return {
        tool: program === "helm" || program === "helmfile" ? "helm" : program,
        targets: [
          ...kubernetesTargets(words, helm + 1, state),
          ...optionValues(words, ["-e", "--environment", "-p", "--profile"], helm + 1),
          ...named,
          ...envValues("KUBECONFIG", "KUBE_CONTEXT", "HELM_NAMESPACE"),
        ],
      };
    }
  }
  // Infrastructure as code and serverless platforms.
  const terraform = programAt(words, ["terraform", "tofu", "terragrunt"]);
  if (terraform >= 0 && /^(apply|run-all)$/.test(subcommand(words, terraform + 1, ["-chdir"])?.word ?? "")) {
    return {
      tool: "terraform",
      targets: [
        ...optionValues(words, ["-var-file", "--var-file", "-chdir", "-var"], terraform + 1),
        ...(state.terraformWorkspace ? [state.terraformWorkspace] : []),
        ...envValues("TF_WORKSPACE"),
      ],
    };
  }
  const serverless = programAt(words, [
    "serverless",
    "sls",
    "sst",
    "cdk",
    "sam",
    "wrangler",
    "firebase",
    "fly",
    "flyctl",
    "kamal",
    "cap",
    "copilot",
    "eb",
  ]);
  if (serverless >= 0) {
    const program = commandName(words[serverless]);
    const sub = subcommand(words, serverless + 1, [
      "--stage",
      "-s",
      "--app",
      "-a",
      "--env",
      "-e",
      "--project",
      "-P",
      "-d",
      "--destination",
      "-c",
      "--config",
    ]);
    const deploying =
      sub?.word === "deploy" || sub?.word === "publish" || (program === "cap" && words.slice(serverless).includes("deploy"));
    if (deploying) {
      const targets = [
        ...optionValues(
          words,
          [
            "--stage",
            "-s",
            "--app",
            "-a",
            "--env",
            "-e",
            "--environment",
            "--project",
            "-P",
            "-d",
            "--destination",
            "--config",
            "-c",
            "--config-env",
            "--stack-name",
            "--context",
          ],
          serverless + 1,
        ),
        ...positionals(words, serverless + 1, [
          "--stage",
          "-s",
          "--app",
          "-a",
          "--env",
          "-e",
          "--project",
          "-P",
          "-d",
          "--destination",
          "--config",
          "-c",
          "--config-env",
          "--stack-name",
          "--context",
          "--region",
          "-r",
        ]).filter((word) => word !== "deploy" && word !== "publish"),
      ];
      return { tool: program === "flyctl" ? "fly" : program, targets, unnamedMeansProduction: program === "fly" || program === "flyctl" };
    }
  }
  const cloud = programAt(words, ["gcloud", "aws", "az"]);
  if (cloud >= 0) {
    const line = words.slice(cloud + 1).join(" ");
    if (
      /^(run deploy|app deploy|functions deploy|run services update)\b/.test(line) ||
      /^(ecs update-service|ecs deploy|deploy create-deployment|lambda update-function-code|apprunner start-deployment|elasticbeanstalk update-environment)\b/.test(
        line,
      ) ||
      /^(webapp deploy|webapp up|containerapp update|functionapp deployment)\b/.test(line)
    ) {
      return {
        tool: commandName(words[cloud]),
        targets: [
          ...optionValues(
            words,
            [
              "--project",
              "--cluster",
              "--service",
              "--application-name",
              "--deployment-group-name",
              "--function-name",
              "--environment-name",
              "--name",
              "-n",
              "--resource-group",
              "-g",
              "--slot",
            ],
            cloud + 1,
          ),
          ...positionals(words, cloud + 3),
        ],
      };
    }
  }
  const docker = programAt(words, ["docker"]);
  if (docker >= 0 && words[docker + 1] === "stack" && words[docker + 2] === "deploy") {
    return {
      tool: "docker",
      targets: [...optionValues(words, ["--compose-file", "-c", "--context"]), ...positionals(words, docker + 3, ["--compose-file", "-c"])],
    };
  }
  // A deploy script or task: `./scripts/deploy.sh production`, `make deploy-prod`, `npm run deploy:production`, `cap production deploy`.
  return genericDeployOf(words);
}

/** Task runners whose task names are read like script names. */
const TASK_RUNNERS = new Set([
  "make",
  "just",
  "task",
  "rake",
  "mage",
  "invoke",
  "fab",
  "npm",
  "yarn",
  "pnpm",
  "bun",
  "nx",
  "turbo",
  "ansible-playbook",
  "bash",
  "sh",
  "node",
  "python",
  "python3",
  "ruby",
  "deno",
  "tsx",
  "ts-node",
]);

/** Name tokens that say a script or task deploys. */
const DEPLOY_TOKENS = new Set(["deploy", "deployment", "release", "ship", "promote", "rollout"]);

/** Words a script or task's name is read from: the program when it is a script, or a runner's task. */
function scriptNames(words: string[]): string[] {
  const program = words[0];
  if (/[/.]/.test(program) && !TASK_RUNNERS.has(commandName(program))) return [program];
  if (TASK_RUNNERS.has(commandName(program))) {
    const rest = positionals(words, 1, [
      "-f",
      "--file",
      "-C",
      "--directory",
      "-i",
      "--inventory",
      "-l",
      "--limit",
      "-e",
      "--extra-vars",
      "--prefix",
      "-w",
      "--workspace",
      "--filter",
      "-F",
    ]);
    const names =
      rest[0] === "run" || rest[0] === "run-script" || rest[0] === "exec"
        ? rest.slice(1, 2)
        : rest.slice(0, commandName(program) === "make" || commandName(program) === "just" ? rest.length : 1);
    // An argument with spaces is a script run by the runner (`sh -c "..."`): its commands are read on their own.
    return names.filter((name) => !ASSIGNMENT_WORD.test(name) && !/\s/.test(name));
  }
  return [];
}

const ASSIGNMENT_WORD = /^[A-Za-z_][A-Za-z0-9_]*=/;

function genericDeployOf(words: string[]): DeployUse | undefined {
  const names = scriptNames(words);
  if (!names.some((name) => nameTokens(name).some((token) => DEPLOY_TOKENS.has(token)))) return undefined;
  const runnerWords = new Set(["run", "run-script", "exec", "--"]);
  return {
    tool: "script",
    targets: [...names, ...words.slice(1).filter((word) => !runnerWords.has(word) && !names.includes(word) && !/^-/.test(word))],
  };
}

// ---------------------------------------------------------------------------------------------
// Commands that change nothing deployed

/** Whether a command only shows what a deploy would do (`pulumi preview`, `terraform plan`, `helm diff`, `kubectl diff`). */
export function isPreviewCommand(command: ShellCommand): boolean {
  const words = command.words;
  const line = words.map(commandName).join(" ");
  return (
    /\bpulumi( -\S+)* (preview|stack output|stack ls|config get|whoami|login|about)\b/.test(line) ||
    /\b(terraform|tofu|terragrunt)( -\S+)* (plan|init|validate|fmt|show|output)\b/.test(line) ||
    /\bhelm (diff|template|lint|dependency|repo|list|status|history)\b/.test(line) ||
    /\bkubectl( -\S+)* (diff|get|describe|logs|version|config view|rollout status|rollout history)\b/.test(line) ||
    /\bvercel (pull|build|env pull|ls|inspect)\b/.test(line)
  );
}

/** Whether a command only prepares a job (installs, logs in, prints): it deploys nothing. */
export function isSetupCommand(command: ShellCommand): boolean {
  const line = command.words.map(commandName).join(" ");
  return (
    isNoOp(command) ||
    /^(npm (ci|install|i)|yarn( install)?$|yarn install|pnpm (install|i)|bun install|pip3? install|poetry install|bundle install|go (mod download|build)|apt-get (update|install)|corepack enable|mkdir|chmod|cp|mv|tar|unzip|npm run build|yarn build|pnpm build)\b/.test(
      line,
    )
  );
}

/** Actions that only prepare a job: checkout, toolchains, caches, artifacts, cloud logins. */
export function isSetupAction(uses: string): boolean {
  const name = uses.toLowerCase().replace(/@.*$/, "");
  return /^(actions\/(checkout|setup-[\w-]+|cache|download-artifact|upload-artifact|github-script)|pulumi\/setup-pulumi|aws-actions\/configure-aws-credentials|google-github-actions\/(auth|setup-gcloud)|azure\/(login|setup-kubectl|setup-helm)|docker\/(login-action|setup-[\w-]+)|hashicorp\/setup-terraform)$/.test(
    name,
  );
}

// ---------------------------------------------------------------------------------------------
// Migrations

/** Actions that create, list or inspect migrations rather than apply them. */
const NOT_APPLYING = new Set([
  "make",
  "create",
  "new",
  "generate",
  "gen",
  "status",
  "list",
  "ls",
  "show",
  "diff",
  "info",
  "check",
  "validate",
  "lint",
  "history",
  "current",
  "heads",
  "version",
  "help",
  "init",
  "revision",
  "makemigrations",
  "showmigrations",
  "sqlmigrate",
  "print",
  "dry",
  "plan",
  "hash",
]);

/** SQL that changes the schema. */
const DDL =
  /\b(CREATE|ALTER|DROP)\s+(TABLE|INDEX|SCHEMA|VIEW|TYPE|SEQUENCE|COLUMN|CONSTRAINT|EXTENSION|FUNCTION|TRIGGER|DATABASE|MATERIALIZED\s+VIEW)\b|\bTRUNCATE\s+(TABLE\s+)?["A-Za-z_]|\bRENAME\s+(COLUMN|TO)\b/i;

/** SQL clients: a script or DDL they run is a migration. */
const SQL_CLIENTS = ["psql", "mysql", "mariadb", "sqlite3", "sqlcmd", "cockroach", "clickhouse-client", "pgcli", "mycli", "usql", "duckdb"];

/** The first word after `index` that is not an option, lower-cased. */
function nextWord(words: string[], index: number): string | undefined {
  return subcommand(words, index + 1)?.word;
}

/** Whether any word after `index` is one of `actions` (lower-cased). */
function anyAfter(words: string[], index: number, actions: RegExp): boolean {
  return words.slice(index + 1).some((word) => actions.test(word.toLowerCase()));
}

/** Tools whose subcommand applies migrations: program -> pattern its arguments match. */
const MIGRATION_TOOLS: Record<string, RegExp> = {
  alembic: /^(upgrade|downgrade)$/,
  flyway: /^(migrate|baseline|repair|undo|clean)$/,
  liquibase:
    /^(update|update-count|update-to-tag|updatecount|updatetotag|rollback|rollback-count|rollback-to-date|rollbackcount|dropall|drop-all)$/,
  goose: /^(up|up-by-one|up-to|down|down-to|redo|reset)$/,
  migrate: /^(up|down|goto|force|drop)$/,
  dbmate: /^(up|migrate|rollback|down|drop)$/,
  sqitch: /^(deploy|revert|rebase|checkout)$/,
  "drizzle-kit": /^(migrate|push|push:.*)$/,
  "node-pg-migrate": /^(up|down|redo)$/,
  "db-migrate": /^(up|down|reset)$/,
  "migrate-mongo": /^(up|down)$/,
  pgroll: /^(start|complete|migrate|rollback)$/,
  reshape: /^(migrate|start|complete|migration)$/,
};

/** The migration a command runs, as written (for messages), or undefined. */
export function migrationOf(command: ShellCommand): string | undefined {
  const words = command.words;
  if (words.length === 0 || ["echo", "printf", "git", "gh", "grep", "test", "["].includes(commandName(words[0]))) return undefined;
  const lower = words.map((word) => word.toLowerCase());
  for (let i = 0; i < words.length; i++) {
    const program = commandName(words[i]);
    const next = nextWord(words, i);
    if (
      program === "prisma" &&
      ((next === "migrate" && /^(deploy|dev|reset|resolve)$/.test(nextWord(words, lower.indexOf("migrate", i)) ?? "")) ||
        (next === "db" && nextWord(words, lower.indexOf("db", i)) === "push"))
    )
      return command.text;
    if (
      program === "knex" ||
      program === "sequelize" ||
      program === "sequelize-cli" ||
      program === "typeorm" ||
      program === "mikro-orm" ||
      program === "artisan" ||
      program === "console" ||
      program === "yii" ||
      program === "mix"
    ) {
      if (words.slice(i + 1).some(isMigrationTask)) return command.text;
    }
    if ((program === "rails" || program === "rake" || program === "bundle") && words.slice(i + 1).some(isMigrationTask))
      return command.text;
    if ((program === "manage.py" || program === "django-admin") && next === "migrate") return command.text;
    if (program === "flask" && next === "db" && anyAfter(words, i + 1, /^(upgrade|downgrade)$/)) return command.text;
    if (
      program === "atlas" &&
      ((next === "migrate" && anyAfter(words, i + 1, /^(apply|down)$/)) || (next === "schema" && anyAfter(words, i + 1, /^apply$/)))
    )
      return command.text;
    if (
      (program === "diesel" || program === "sqlx") &&
      (((next === "migration" || next === "migrate") && anyAfter(words, i + 1, /^(run|revert|redo)$/)) ||
        (next === "database" && anyAfter(words, i + 1, /^(setup|reset)$/)))
    )
      return command.text;
    if (
      program === "supabase" &&
      ((next === "db" && anyAfter(words, i + 1, /^(push|reset)$/)) || (next === "migration" && anyAfter(words, i + 1, /^(up|repair)$/)))
    )
      return command.text;
    if (program === "hasura" && next === "migrate" && anyAfter(words, i + 1, /^apply$/)) return command.text;
    if (
      program === "dotnet" &&
      next === "ef" &&
      words
        .slice(i + 1)
        .join(" ")
        .toLowerCase()
        .includes("database update")
    )
      return command.text;
    const tool = MIGRATION_TOOLS[program];
    if (tool && words.slice(i + 1).some((word) => tool.test(word.toLowerCase()))) return command.text;
    if (SQL_CLIENTS.includes(program) && sqlClientMigrates(words, i, command.heredocs)) return command.text;
  }
  // A script or task named for migrations: `./bin/migrate.sh`, `npm run db:migrate`, `make heroku-run-migrate`.
  const names = scriptNames(words).concat(/[/.]/.test(words[0]) ? [] : [words[0]]);
  if (names.some((name) => isMigrationName(name)) && !words.slice(1).some((word) => NOT_APPLYING.has(word.toLowerCase())))
    return command.text;
  if (words.slice(1).some(isMigrationTask)) return command.text;
  return undefined;
}

/** `db:migrate`, `migrate:latest`, `migration:run`, `doctrine:migrations:migrate`, `ecto.migrate`, `schema:update`, `db:push`. */
function isMigrationTask(word: string): boolean {
  const segments = word.toLowerCase().split(/[:.]/);
  if (segments.length < 2) return false;
  if (segments.some((segment) => NOT_APPLYING.has(segment) || segment === "test")) return false;
  if (segments.some((segment) => /^(migrate|migrations?)$/.test(segment))) return true;
  return (
    /^(db|database|schema)$/.test(segments[segments.length - 2]) &&
    /^(push|prepare|setup|load|update|deploy|reset)$/.test(segments[segments.length - 1])
  );
}

/** A script or task name that applies migrations: its name tokens include migrate/migration(s), none says it only creates or checks them. */
function isMigrationName(name: string): boolean {
  const tokens = nameTokens(name.replace(/^.*\//, ""));
  return (
    tokens.some((token) => /^(migrate|migrations?)$/.test(token)) &&
    !tokens.some((token) => NOT_APPLYING.has(token) || token === "test" || token === "lint" || token === "check")
  );
}

/** A SQL client running a file (`-f x.sql`, `< x.sql`) or schema-changing SQL (`-c`, a here-document). */
function sqlClientMigrates(words: string[], index: number, heredocs: string[]): boolean {
  const rest = words.slice(index + 1);
  if (optionValues(rest, ["-f", "--file", "--source"]).some((file) => file !== "-")) return true;
  const input = rest.indexOf("<");
  if (input >= 0 && /\.sql$/i.test(rest[input + 1] ?? "")) return true;
  return rest.some((word) => DDL.test(word)) || heredocs.some((body) => DDL.test(body));
}

/** The migration a workflow `uses:` step runs (flyway, liquibase, atlas, ... actions), or undefined. */
export function migrationActionOf(uses: string): string | undefined {
  const name = uses.replace(/@.*$/, "");
  return nameTokens(name).some((token) => /^(migrate|migrations?|migration|flyway|liquibase|atlas|sqitch|dbmate)$/.test(token))
    ? uses
    : undefined;
}

// ---------------------------------------------------------------------------------------------
// Destructive (contract) migrations

/** SQL that destroys schema or data: DROP, ALTER ... DROP/RENAME, RENAME, TRUNCATE. */
const DESTRUCTIVE_SQL =
  /\bDROP\s+(TABLE|COLUMN|INDEX|SCHEMA|VIEW|TYPE|CONSTRAINT|SEQUENCE|DATABASE|MATERIALIZED\s+VIEW|DEFAULT|NOT\s+NULL)\b|\bALTER\s+TABLE\b[^;]*?\b(DROP|RENAME)\b|\bRENAME\s+(COLUMN|TO)\b|\bTRUNCATE\b/i;

/** Name tokens that say a migration contracts the schema. */
const CONTRACT_TOKENS = new Set(["drop", "remove", "rename", "contract", "truncate", "cleanup", "dropall"]);

/** Tool commands that are the contract phase: `pgroll complete`, `reshape migration complete`, `flyway clean`, `liquibase dropAll`. */
const CONTRACT_COMMANDS = /\b(pgroll\s+complete|reshape\s+(migration\s+)?complete|flyway\s+(.*\s)?clean|liquibase\s+(.*\s)?(drop-?all))\b/i;

/** What says a migration is destructive (a contract), quoted as found; undefined when nothing does. */
export function destructiveEvidence(values: string[]): string | undefined {
  for (const value of values) {
    const sql = DESTRUCTIVE_SQL.exec(value);
    if (sql) return sql[0].replace(/\s+/g, " ");
  }
  for (const value of values) {
    const tool = CONTRACT_COMMANDS.exec(value);
    if (tool) return tool[0].replace(/\s+/g, " ");
  }
  for (const value of values) {
    for (const word of value.split(/\s+/)) {
      if (word.startsWith("-")) continue;
      if (nameTokens(word).some((token) => CONTRACT_TOKENS.has(token))) return word;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Checks that cannot fail

/** Commands that check nothing: they succeed whatever the deploy did. */
const NO_OP_COMMANDS = new Set([
  "true",
  ":",
  "echo",
  "printf",
  "sleep",
  "set",
  "export",
  "cd",
  "pwd",
  "date",
  "env",
  "printenv",
  "ls",
  "whoami",
  "hostname",
  "uname",
  "cat",
  "exit",
  "return",
  "shift",
  "unset",
  "declare",
  "local",
  "readonly",
  "wait",
  "tee",
  "nproc",
  "id",
]);

/** Whether a command checks nothing (`true`, `:`, `echo ok`, `exit 0`, a bare assignment). */
export function isNoOp(command: ShellCommand): boolean {
  if (command.words.length === 0) return !Object.values(command.assignments).some((value) => /\$\(|`/.test(value));
  const program = commandName(command.words[0]);
  if (program === "exit" || program === "return") return !/^([1-9]\d*|\$.+)$/.test(command.words[1] ?? "0");
  return NO_OP_COMMANDS.has(program);
}

/** Whether a command makes its script fail (`exit 1`, `exit "$status"`, `false`). */
function failsScript(command: ShellCommand): boolean {
  const program = commandName(command.words[0] ?? "");
  return program === "false" || ((program === "exit" || program === "return") && /^([1-9]\d*|\$.+|"\$.+")$/.test(command.words[1] ?? ""));
}

/** A curl that succeeds on an HTTP error: no --fail, its output checked by nothing. */
function isBlindCurl(command: ShellCommand): boolean {
  if (commandName(command.words[0] ?? "") !== "curl" || command.substituted || command.after === "|") return false;
  return !command.words.some((word) => word === "--fail" || word === "--fail-with-body" || /^-[A-Za-z]*f[A-Za-z]*$/.test(word));
}

/** What a step's script checks: a real check, only no-ops, or checks whose failure is ignored (each said why, quoted). */
export type ScriptCheck = { kind: "checks" } | { kind: "no-op"; shown: string } | { kind: "ignored"; shown: string };

/**
 * Whether a script can fail on a failed check (as GitHub runs `run:` steps: bash -e, pipefail).
 * A script that runs only no-ops, or whose every check is neutralised (`|| true`, `|| exit 0`,
 * `set +e` with no failing exit, an `if` with no failing branch, a curl without --fail), checks nothing.
 * `focus` narrows the checks judged to some of the script's commands (the rest still neutralise or fail).
 * `show` renders a command's text for a message.
 */
export function scriptCheck(
  commands: ShellCommand[],
  focus: ShellCommand[] = commands,
  show: (text: string) => string = (text) => text,
): ScriptCheck {
  const checks = focus.filter((command) => !isNoOp(command) && !failsScript(command));
  if (checks.length === 0) {
    const texts = focus.map((command) => command.text).filter((text) => text !== "");
    return { kind: "no-op", shown: texts.length === 0 ? "" : `'${show(texts.join("; "))}'` };
  }
  const exitsOnFailure = commands.some(failsScript);
  const errexitOff = commands.findIndex(
    (command) => commandName(command.words[0] ?? "") === "set" && command.words.slice(1).some((word) => /^\+[a-z]*e/.test(word)),
  );
  const ignored: string[] = [];
  for (const check of checks) {
    const index = commands.indexOf(check);
    const next = commands[index + 1];
    if (check.after === "||" && next !== undefined && isNoOp(next)) ignored.push(`'${show(`${check.text} || ${next.text}`)}'`);
    else if (check.after === "&" && !exitsOnFailure) ignored.push(`'${show(check.text)} &' runs in the background`);
    else if (check.condition && !exitsOnFailure) ignored.push(`'${show(check.text)}' is a condition with no failing branch`);
    else if (errexitOff >= 0 && errexitOff < index && !exitsOnFailure) ignored.push(`'${show(check.text)}' runs after set +e`);
    else if (isBlindCurl(check)) ignored.push(`'${show(check.text)}' has no --fail`);
  }
  return ignored.length === checks.length ? { kind: "ignored", shown: ignored.join("; ") } : { kind: "checks" };
}
