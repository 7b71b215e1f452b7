/**
 * fnmatch as GitHub applies it to branch protection patterns and ruleset ref conditions
 * (File::FNM_PATHNAME semantics), by picomatch: `*` and `?` stop at `/`, `**` crosses it, `[...]`
 * is a class (`[!...]` its complement, which never matches `/`). GitHub has no braces, extglobs or
 * negated patterns, so picomatch's are off: `{`, `(`, `!` are ordinary characters.
 */
import picomatch from "picomatch";

const GITHUB_FNMATCH: picomatch.PicomatchOptions = {
  posix: true,
  dot: true,
  nobrace: true,
  noextglob: true,
  nonegate: true,
  windows: false,
};

function slashes(text: string): number {
  return text.split("/").length - 1;
}

/** Whether `name` matches the fnmatch `pattern`. */
export function fnmatch(pattern: string, name: string): boolean {
  // picomatch lets a trailing `/**` match nothing (`release/**` matches `release`). For GitHub
  // each `/` of the pattern is a `/` of the name, except in `**/`, which may stand for no directory.
  const required = slashes(pattern) - (pattern.match(/\*\*\//g) ?? []).length;
  return slashes(name) >= required && picomatch.isMatch(name, pattern, GITHUB_FNMATCH);
}

/** Whether a pattern has wildcards (otherwise it names exactly one ref). */
export function isLiteralPattern(pattern: string): boolean {
  return !/[*?[]/.test(pattern);
}

/**
 * A concrete name the pattern matches, used to ask "does this other pattern cover that one":
 * `v*` -> `v1.2.3`, `mvp-*` -> `mvp-1.2.3`, `release/**` -> `release/1.2.3`.
 */
export function sampleOf(pattern: string): string {
  return pattern
    .replace(/\*\*|\*/g, "1.2.3")
    .replace(/\?/g, "1")
    .replace(/\[!?([^\]])[^\]]*\]/g, "$1");
}
