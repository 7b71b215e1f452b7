/**
 * Branch and tag patterns match the way GitHub matches them: fnmatch with File::FNM_PATHNAME, as
 * GitHub's documentation of branch protection rules describes it (picomatch underneath).
 */
import { fnmatch, isLiteralPattern, sampleOf } from "../../policy-pack/policies/shared/glob";

describe("fnmatch with GitHub's path semantics", () => {
  test("`*` matches within one path segment: qa/* matches qa/foo, not qa/foo/bar", () => {
    expect(fnmatch("qa/*", "qa/foo")).toBe(true);
    expect(fnmatch("qa/*", "qa/foo/bar")).toBe(false);
    expect(fnmatch("*", "main")).toBe(true);
    expect(fnmatch("*", "feature/x")).toBe(false);
    expect(fnmatch("*release*", "pre-release-2")).toBe(true);
    expect(fnmatch("v*", "v1.2.3")).toBe(true);
    expect(fnmatch("v*", "w1.2.3")).toBe(false);
  });

  test("`**` crosses `/`; `**/` may stand for no directory; a trailing `/**` needs something after the `/`", () => {
    expect(fnmatch("qa/**/*", "qa/foo/bar/foobar/hello-world")).toBe(true);
    expect(fnmatch("qa/**/*", "qa/foo")).toBe(true);
    expect(fnmatch("qa/**/*", "qa")).toBe(false);
    expect(fnmatch("qa**/**/*", "qa-x/y/z")).toBe(true);
    expect(fnmatch("release/**", "release/1.2/hotfix")).toBe(true);
    expect(fnmatch("release/**", "release")).toBe(false);
    expect(fnmatch("main/**", "main")).toBe(false);
    expect(fnmatch("**/release", "release")).toBe(true);
    expect(fnmatch("**", "refs/heads/a/b")).toBe(true);
    expect(fnmatch("refs/heads/*", "refs/heads/main")).toBe(true);
    expect(fnmatch("refs/heads/*", "refs/heads/a/b")).toBe(false);
    expect(fnmatch("refs/heads/**", "refs/heads/a/b")).toBe(true);
  });

  test("`?` is one character but not `/`; `[...]` is a class and `[!...]` its complement, never `/`", () => {
    expect(fnmatch("v?", "v1")).toBe(true);
    expect(fnmatch("v?", "v12")).toBe(false);
    expect(fnmatch("a?b", "a/b")).toBe(false);
    expect(fnmatch("v[0-9]*", "v1.2.3")).toBe(true);
    expect(fnmatch("v[0-9]*", "vx")).toBe(false);
    expect(fnmatch("v[!0-9]*", "vx")).toBe(true);
    expect(fnmatch("v[!0-9]*", "v1.2.3")).toBe(false);
    expect(fnmatch("a[!x]b", "a/b")).toBe(false);
  });

  test("no braces, extglobs or negated patterns: those characters are literal, as on GitHub", () => {
    expect(fnmatch("{main,dev}", "main")).toBe(false);
    expect(fnmatch("{main,dev}", "{main,dev}")).toBe(true);
    expect(fnmatch("!main", "dev")).toBe(false);
    expect(fnmatch("!main", "!main")).toBe(true);
    expect(fnmatch("+(a)", "a")).toBe(false);
    expect(fnmatch("release.1", "releasex1")).toBe(false);
  });

  test("a literal pattern names one ref, and a pattern's sample is a name it matches", () => {
    expect(isLiteralPattern("main")).toBe(true);
    expect(isLiteralPattern("release/*")).toBe(false);
    for (const pattern of ["v*", "mvp-*", "release/**", "v[0-9]*", "hotfix/?"]) {
      expect(fnmatch(pattern, sampleOf(pattern))).toBe(true);
    }
  });
});
