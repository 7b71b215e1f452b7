/**
 * fnmatch as GitHub applies it to branch protection patterns and ruleset ref conditions
 * (File::FNM_PATHNAME semantics): `*` and `?` stop at `/`, `**` crosses it, `[...]` is a class.
 */

/** Translate an fnmatch pattern into an anchored regular expression. */
export function globToRegExp(pattern: string): RegExp {
    let source = "";
    for (let index = 0; index < pattern.length; index++) {
        const char = pattern[index];
        if (char === "*") {
            if (pattern[index + 1] === "*") {
                source += ".*";
                index++;
            } else {
                source += "[^/]*";
            }
        } else if (char === "?") {
            source += "[^/]";
        } else if (char === "[") {
            const close = pattern.indexOf("]", index + 2);
            if (close === -1) {
                source += "\\[";
            } else {
                const body = pattern.slice(index + 1, close).replace(/^!/, "^").replace(/\\/g, "\\\\");
                source += `[${body}]`;
                index = close;
            }
        } else {
            source += char.replace(/[.+^${}()|\\\]]/g, "\\$&");
        }
    }
    return new RegExp(`^${source}$`);
}

/** Whether `name` matches the fnmatch `pattern`. */
export function fnmatch(pattern: string, name: string): boolean {
    return globToRegExp(pattern).test(name);
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
    return pattern.replace(/\*\*|\*/g, "1.2.3").replace(/\?/g, "1").replace(/\[!?([^\]])[^\]]*\]/g, "$1");
}
