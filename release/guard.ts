/**
 * The production apply guard of the Heroku playbook (004 §3, §9): production deploys only when
 * `ALLOW_PROD=1` is set on purpose. `pulumi preview` always runs; `pulumi up` on a production
 * stack refuses without it. The program calls this first, with `pulumi.runtime.isDryRun()`.
 */
import { isProductionName } from "../contract/production";
import { UserError } from "../config/errors";

/** What the guard needs to decide. */
export interface ProductionApplyContext {
  /** The stack being deployed. */
  stack: string;
  /** True for `pulumi preview` (pulumi.runtime.isDryRun()). */
  dryRun: boolean;
  /** Environment to read ALLOW_PROD from; default process.env. */
  env?: Record<string, string | undefined>;
  /** Stack names that are production besides those whose name says so. */
  productionStacks?: readonly string[];
}

/** Throw unless this is a preview, a non-production stack, or ALLOW_PROD=1 is set. */
export function assertProductionApplyAllowed(context: ProductionApplyContext): void {
  if (context.dryRun || !isProductionName(context.stack, context.productionStacks)) return;
  const allow = (context.env ?? process.env).ALLOW_PROD;
  if (allow === "1") return;
  const seen = allow === undefined ? "is not set" : `is '${allow}'`;
  throw new UserError(
    `refusing to apply to production stack '${context.stack}': ALLOW_PROD ${seen}; ` +
      `set ALLOW_PROD=1 to deploy production deliberately (004 §3), previews need nothing`,
    { key: "ALLOW_PROD" },
  );
}
