/**
 * What a gate variant is: a copy of the example project that breaks one invariant, and the
 * verdict the policies must give (see ./index.ts).
 */

/** Which policy config judges a variant: the team's, or the strict one (production hosts named, a freeze in force). */
export type PolicyConfigName = "team" | "strict";

/** What a variant's gate run must say. */
export type Expectation =
  /** Refused by exactly these policies, all mandatory; each message check must match one of the policy's messages. */
  | { refusedBy: string[]; messages?: [policy: string, expected: string | RegExp][] }
  /** No violation at all. */
  | { passes: true }
  /** The program refuses the config before registering anything. */
  | { configError: RegExp };

/** One variant. */
export interface VariantSpec {
  /** What it breaks, as the test reads. */
  title: string;
  /** Its directory name under the scratch directory. */
  name: string;
  /** The stack it runs. */
  stack: "staging" | "production";
  /** The policy config that judges it. */
  policyConfig: PolicyConfigName;
  /** Edits of the project copy (stack file, changelog). */
  edit?: (projectDir: string) => void;
  /** A stack transformation: the resource it changes and the JavaScript statement that changes `props` or `opts`. */
  transform?: { type: string; name: string; statement: string };
  /**
   * JavaScript statements run after the program, registering resources it does not (a hand edit).
   * In scope: `pulumi`, `github`, `k8s`, `postgresql`, `vercel`, and `providers` (the program's
   * explicit providers by package, for kubernetes and postgresql resources).
   */
  addition?: string;
  /** The verdict. */
  expect: Expectation;
}
