/**
 * production-data-protected beyond the types of Slipway's own components: Vercel production
 * deployments (rollback targets), StatefulSets that keep data in volume claims, and Kubernetes
 * resources in a production namespace or cluster of a stack not named production.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { productionDataProtected } from "../../policy-pack/policies/data";
import { TYPES } from "../../policy-pack/policies/shared/resources";
import { analyzerProps, messages, NotApplicable, runResourcePolicy, urnOf, type Fixture } from "./harness";

const IMAGE = `ghcr.io/acme/ledger@sha256:${"d".repeat(64)}`;

/** A Vercel deployment of the team's own. */
const vercelDeployment = (props: Record<string, unknown> = {}, name = "shop-release"): Fixture => ({
  type: TYPES.vercelDeployment,
  name,
  props: { projectId: "prj_shop", ref: "0123456789abcdef0123456789abcdef01234567", production: true, ...props },
});

/** A StatefulSet with a volume claim template (or without, given `claims: []`). */
const statefulSet = (options: { protect?: boolean; namespace?: string; claims?: unknown[] } = {}): Fixture => ({
  type: TYPES.k8sStatefulSet,
  name: "ledger-db",
  protect: options.protect ?? false,
  props: {
    metadata: { name: "ledger-db", namespace: options.namespace ?? "payments" },
    spec: {
      serviceName: "ledger-db",
      replicas: 3,
      selector: { matchLabels: { app: "ledger-db" } },
      template: { metadata: { labels: { app: "ledger-db" } }, spec: { containers: [{ name: "db", image: IMAGE }] } },
      volumeClaimTemplates: options.claims ?? [
        { metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "50Gi" } } } },
      ],
    },
  },
});

/** A PersistentVolumeClaim. */
const claim = (namespace: string, protect = false): Fixture => ({
  type: TYPES.k8sPvc,
  name: "uploads",
  protect,
  props: {
    metadata: { name: "uploads", namespace },
    spec: { accessModes: ["ReadWriteMany"], resources: { requests: { storage: "100Gi" } } },
  },
});

describe("production-data-protected: Vercel production deployments are rollback targets", () => {
  test("a production deployment that Vercel deletes when it is replaced is refused", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, vercelDeployment({ deleteOnDestroy: true })))).toEqual([
      "Vercel Deployment 'shop-release' in production stack 'production' sets deleteOnDestroy: true; replacing it would delete the previous production deployment from Vercel, a rollback target.",
    ]);
  });

  test("a production deployment kept on Vercel passes; it need not be protected (every release replaces it)", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, vercelDeployment({ deleteOnDestroy: false })))).toEqual([]);
    expect(messages(await runResourcePolicy(productionDataProtected, vercelDeployment()))).toEqual([]);
  });

  test("a preview deployment, or staging, is not judged", async () => {
    expect(
      (await runResourcePolicy(productionDataProtected, vercelDeployment({ production: false, deleteOnDestroy: true }))).notApplicable,
    ).toBe("not a stateful resource type");
    expect(
      (await runResourcePolicy(productionDataProtected, vercelDeployment({ deleteOnDestroy: true }), { stack: "staging" })).notApplicable,
    ).toBe("stack 'staging' is not production");
  });
});

describe("production-data-protected: volumes", () => {
  test("an unprotected production StatefulSet with volume claim templates is refused", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, statefulSet()))).toEqual([
      "StatefulSet 'ledger-db' in production stack 'production' keeps its data in volumeClaimTemplates 'data' but is not protected (protect: false); a delete or replace would destroy production data.",
    ]);
    expect(messages(await runResourcePolicy(productionDataProtected, statefulSet({ protect: true })))).toEqual([]);
  });

  test("a StatefulSet without volumes is not stateful", async () => {
    expect((await runResourcePolicy(productionDataProtected, statefulSet({ claims: [] }))).notApplicable).toBe(
      "not a stateful resource type",
    );
  });

  test("in a stack not named production, a production namespace is production", async () => {
    expect(messages(await runResourcePolicy(productionDataProtected, claim("prod-eu"), { stack: "acme" }))).toEqual([
      "PersistentVolumeClaim 'uploads' in production namespace 'prod-eu' (stack 'acme') is not protected (protect: false); a delete or replace would destroy production data.",
    ]);
    expect(messages(await runResourcePolicy(productionDataProtected, statefulSet({ namespace: "production" }), { stack: "acme" }))).toEqual(
      [
        "StatefulSet 'ledger-db' in production namespace 'production' (stack 'acme') keeps its data in volumeClaimTemplates 'data' but is not protected (protect: false); a delete or replace would destroy production data.",
      ],
    );
    expect(messages(await runResourcePolicy(productionDataProtected, claim("prod-eu", true), { stack: "acme" }))).toEqual([]);
    expect((await runResourcePolicy(productionDataProtected, claim("preprod"), { stack: "acme" })).notApplicable).toBe(
      "stack 'acme' is not production",
    );
  });

  test("in a stack not named production, a production cluster is production", async () => {
    // The harness gives no provider; the analyzer does (args.provider), as the engine sends it.
    const fixture = claim("uploads");
    const violations: string[] = [];
    const args: ResourceValidationArgs = {
      type: fixture.type,
      name: fixture.name,
      urn: urnOf("acme", fixture.type, fixture.name),
      props: analyzerProps(fixture.props),
      opts: {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
      },
      provider: {
        type: "pulumi:providers:kubernetes",
        name: "cluster",
        urn: "urn:pulumi:acme::slipway::pulumi:providers:kubernetes::cluster",
        props: analyzerProps({ context: "gke_acme_europe-west1_live" }),
      },
      stackTags: new Map(),
      isType: () => false,
      asType: () => undefined,
      getConfig: <T extends object>() => ({}) as T,
      notApplicable: (reason?: string): never => {
        throw new NotApplicable(reason);
      },
    };
    const validate = productionDataProtected.validateResource as (args: ResourceValidationArgs, report: (message: string) => void) => void;
    validate(args, (message) => violations.push(message));
    expect(violations).toEqual([
      "PersistentVolumeClaim 'uploads' in production cluster context 'gke_acme_europe-west1_live' (stack 'acme') is not protected (protect: false); a delete or replace would destroy production data.",
    ]);
  });
});
