/**
 * Gate variants of database roles, flags and the change freeze: each breaks one invariant, often under a name Slipway would never
 * choose, and names the verdict the policies must give.
 */
import type { Document } from "yaml";
import { appendTo, editStackFile, indexWhere, slipwayKey } from "../../support/project";
import type { VariantSpec } from "./spec";

/** Resource types the variants touch. */
const TYPE = {
  deployment: "kubernetes:apps/v1:Deployment",
  herokuConfig: "heroku:app/configAssociation:ConfigAssociation",
} as const;

/** A JavaScript string literal. */
const js = (value: unknown): string => JSON.stringify(value);

/** Set fields of production's `auto-publish` flag (L3, in the kill-switch set, off in production in the example). */
function autoPublish(document: Document, fields: Record<string, unknown>): void {
  const index = indexWhere(document, slipwayKey("flags"), "name", "auto-publish");
  for (const [field, value] of Object.entries(fields)) document.setIn(slipwayKey("flags", index, ...field.split(".")), value);
}

/** A flagd document as another tool writes it: its own key, its own flag names, Slipway's metadata vocabulary. */
const FOREIGN_FLAG_DOCUMENT = JSON.stringify({
  flags: {
    "send-dms": {
      state: "ENABLED",
      variants: { yes: true, no: false },
      defaultVariant: "yes",
      metadata: {
        level: "L3",
        killSwitch: true,
        scopes: "global,client,platform-account,lane",
        productionApproval: "ok'd by ops in standup",
      },
    },
  },
});

/** The variants of this area. */
export const DATA_VARIANTS: VariantSpec[] = [
  // least-privilege-db-roles: the app's role by how the app connects, not by a `_runtime` suffix.
  {
    title: "a superuser login role under a name Slipway never gives is refused: any login role but the migrator may be the app's",
    name: "superuser-login-role-other-name",
    stack: "production",
    policyConfig: "team",
    addition: `new postgresql.Role("reporting-login", { name: "shop_reader", login: true, superuser: true }, { provider: providers.postgresql });`,
    expect: {
      refusedBy: ["least-privilege-db-roles"],
      messages: [
        [
          "least-privilege-db-roles",
          "Postgres Role 'reporting-login' (runtime role 'shop_reader') has superuser: true (the app's role: a login role other than the migrator: it owns no database or schema).",
        ],
      ],
    },
  },
  {
    title: "an app whose config connects as the role that owns the database is refused (PGUSER names the migrator)",
    name: "app-connects-as-owner",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.herokuConfig, name: "api-config", statement: 'props.vars.PGUSER = "storefront_migrator"' },
    expect: {
      refusedBy: ["least-privilege-db-roles"],
      messages: [
        [
          "least-privilege-db-roles",
          "Postgres Database 'storefront' is owned by the runtime role 'storefront_migrator' (owner; the app's role: Heroku ConfigAssociation 'api-config' vars.PGUSER connects as it), which can then change the schema",
        ],
        ["least-privilege-db-roles", "Postgres Schema 'storefront-schema' is owned by the runtime role 'storefront_migrator'"],
      ],
    },
  },
  {
    title: "a connection URL built from a role that owns its database is refused (the engine's property dependencies show it)",
    name: "connection-built-from-owner-role",
    stack: "production",
    policyConfig: "team",
    addition: [
      `const ledgerApp = new postgresql.Role("ledger-app", { name: "ledger_app", login: true, password: pulumi.secret("Zq8vLk2pRt5wXy9nB4mC") }, { provider: providers.postgresql });`,
      `new postgresql.Database("ledger-db", { name: "ledger", owner: ledgerApp.name }, { provider: providers.postgresql, protect: true });`,
      `new k8s.core.v1.Secret("ledger-connection", { metadata: { name: "ledger-connection", namespace: "production" }, stringData: { DATABASE_URL: pulumi.interpolate\`postgres://\${ledgerApp.name}:\${ledgerApp.password}@pg-prod.acme.internal:5432/ledger\` } }, { provider: providers.kubernetes });`,
    ].join("\n"),
    expect: {
      refusedBy: ["least-privilege-db-roles"],
      messages: [
        [
          "least-privilege-db-roles",
          "Postgres Database 'ledger-db' is owned by the runtime role 'ledger_app' (owner; the app's role: Secret 'ledger-connection' stringData is built from it), which can then change the schema",
        ],
      ],
    },
  },

  // l3-flags-off-in-production / side-effect-flags-scoped: side effects by effect, approvals the ledger checks, flags wherever delivered.
  {
    title: "a kill-switch flag labelled L2 and on in production is refused: a side-effect flag by its effect, not its label",
    name: "side-effect-flag-labelled-l2",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) =>
        appendTo(doc, slipwayKey("flags"), {
          name: "mass-dm",
          level: "L2",
          scopes: ["global", "client", "platform-account", "lane"],
          killSwitch: true,
          defaults: { preview: false, staging: false, production: true },
        }),
      ),
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          "turns side-effect flag 'mass-dm' (labelled L2, but metadata.killSwitch: true) on by default in production (defaultVariant: 'on') without an approving change request",
        ],
      ],
    },
  },
  {
    title: "a free-form productionApproval is a config error naming the file and the key",
    name: "flag-approval-free-form",
    stack: "production",
    policyConfig: "team",
    edit: (dir) => editStackFile(dir, "production", (doc) => autoPublish(doc, { "defaults.production": true, productionApproval: "x" })),
    expect: { configError: /Pulumi\.production\.yaml[\s\S]*slipway:flags\[0\]\.productionApproval: expected a change request id/ },
  },
  {
    title: "an L3 flag on in production on a change request the ledger never linked to a validated release is refused",
    name: "flag-approval-not-in-ledger",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => autoPublish(doc, { "defaults.production": true, productionApproval: "CR-9001" })),
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          "turns L3 flag 'auto-publish' on by default in production (defaultVariant: 'on') on approval 'CR-9001', which is not a change request the release ledger links",
        ],
      ],
    },
  },
  {
    title: "an L3 flag on in production on the change request of a release staging validated passes",
    name: "flag-approval-in-ledger",
    stack: "production",
    policyConfig: "team",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => autoPublish(doc, { "defaults.production": true, productionApproval: "CR-2041" })),
    expect: { passes: true },
  },
  {
    title: "a flag document under another key of a hand-made ConfigMap, approved by a note, is refused",
    name: "flag-document-foreign-configmap",
    stack: "production",
    policyConfig: "team",
    addition: `new k8s.core.v1.ConfigMap("feature-config", { metadata: { name: "feature-config", namespace: "production" }, data: { "features.json": ${js(FOREIGN_FLAG_DOCUMENT)} } }, { provider: providers.kubernetes });`,
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          "ConfigMap 'feature-config' data.features.json turns L3 flag 'send-dms' on by default in production (defaultVariant: 'yes') on approval 'ok'd by ops in standup', which is not a change request the release ledger links",
        ],
      ],
    },
  },
  {
    title: "a Heroku config var that turns the L3 flag on is refused",
    name: "flag-on-by-config-var",
    stack: "production",
    policyConfig: "team",
    transform: { type: TYPE.herokuConfig, name: "api-config", statement: 'props.vars.AUTO_PUBLISH = "true"' },
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          "Heroku ConfigAssociation 'api-config' vars.AUTO_PUBLISH turns L3 flag 'auto-publish' on in production (AUTO_PUBLISH=true) without an approving change request (no definition of the flag carries metadata.productionApproval).",
        ],
      ],
    },
  },
  {
    title: "a container env var that turns the L3 flag on is refused",
    name: "flag-on-by-container-env",
    stack: "production",
    policyConfig: "team",
    transform: {
      type: TYPE.deployment,
      name: "workloads-worker",
      statement: 'props.spec.template.spec.containers[0].env.push({ name: "FF_AUTO_PUBLISH", value: "on" })',
    },
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          /^Deployment 'workloads-worker' containers\[0\]\.env\[FF_AUTO_PUBLISH\] turns L3 flag 'auto-publish' on in production \(FF_AUTO_PUBLISH=on\)/,
        ],
      ],
    },
  },
  {
    title: "a Vercel env var listing the L3 flag among enabled features is refused",
    name: "flag-on-by-vercel-list",
    stack: "production",
    policyConfig: "team",
    addition: `new vercel.ProjectEnvironmentVariable("web-features", { projectId: "prj_web", key: "ENABLED_FEATURES", value: "dark-mode,auto-publish", targets: ["production"], sensitive: false });`,
    expect: {
      refusedBy: ["l3-flags-off-in-production"],
      messages: [
        [
          "l3-flags-off-in-production",
          "Vercel ProjectEnvironmentVariable 'web-features' env var ENABLED_FEATURES turns L3 flag 'auto-publish' on in production (ENABLED_FEATURES lists 'auto-publish')",
        ],
      ],
    },
  },

  // change-freeze: a hotfix references an incident, and the ledger links its change request to the release.
  {
    title: "hotfix: true alone does not open the freeze",
    name: "hotfix-without-incident",
    stack: "production",
    policyConfig: "strict",
    edit: (dir) => editStackFile(dir, "production", (doc) => doc.setIn(slipwayKey("release", "hotfix"), true)),
    expect: {
      // A hotfix answers an incident in a freeze or not (000 §6.6): release-metadata refuses it too.
      refusedBy: ["release-metadata", "change-freeze"],
      messages: [
        [
          "change-freeze",
          "release 1.4.0 is marked hotfix but names no incident (incident is empty): a hotfix answers a production incident (001) and must reference it.",
        ],
        [
          "release-metadata",
          "Release 1.4.0 is marked hotfix but names no incident (release.incident): a hotfix answers an open production incident (001, 000 §6.6).",
        ],
      ],
    },
  },
  {
    title: "a hotfix whose change request the ledger never linked to the release is refused in the freeze, and by release-metadata",
    name: "hotfix-unlinked-change-request",
    stack: "production",
    policyConfig: "strict",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => {
        doc.setIn(slipwayKey("release", "hotfix"), true);
        doc.setIn(slipwayKey("release", "incident"), "INC-311");
        doc.setIn(slipwayKey("release", "changeRequest"), "CHG0042");
      }),
    expect: {
      refusedBy: ["release-metadata", "change-freeze"],
      messages: [
        [
          "change-freeze",
          "release 1.4.0 is marked hotfix but its change request 'CHG0042' is not linked to it by the release ledger (the ledger records 1.4.0 under 'CR-2017').",
        ],
        [
          "release-metadata",
          "Release 1.4.0 change request 'CHG0042' is not linked to this release by the release ledger (the ledger records 1.4.0 under 'CR-2017')",
        ],
      ],
    },
  },
  {
    title: "an incident that is not an id is a config error naming the file and the key",
    name: "hotfix-incident-free-form",
    stack: "production",
    policyConfig: "strict",
    edit: (dir) =>
      editStackFile(dir, "production", (doc) => {
        doc.setIn(slipwayKey("release", "hotfix"), true);
        doc.setIn(slipwayKey("release", "incident"), "checkout was slow");
      }),
    expect: { configError: /Pulumi\.production\.yaml[\s\S]*slipway:release\.incident: expected an incident id/ },
  },
];
