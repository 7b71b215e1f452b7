/**
 * The paper trail of a production deploy (000 §5, §6.6, §8; 003 §9):
 *
 * - before the deploy, a hotfix must answer an open incident: `slipway release incident` prints
 *   the incident production's hotfix release names (none for other releases; a hotfix without one
 *   is refused), and when it is an issue of this repository it must be open;
 * - after the deploy (and its ledger line), the promotion is published as the GitHub Release of
 *   its tag, whose notes are the version's CHANGELOG.md entry rendered in the 003 §9.2 template
 *   (`slipway release notes`). A release that already has a GitHub Release (a rollback, a rerun)
 *   is left as it is.
 */
import { SLIPWAY_BIN } from "../../contract/commands";
import { ACTIONS } from "./actions";
import { type GeneratorSettings, type Job, LEDGER_ENV, ledgerCheckoutStep, READ_ONLY } from "./jobs";

/** The tag of a release version: `v1.4.0` for SemVer, `mvp-0.3.1` as it is (000 §2). */
export const RELEASE_TAG_SCRIPT = 'case "$VERSION" in v*|mvp-*) tag="$VERSION" ;; *) tag="v$VERSION" ;; esac';

/** The check that a hotfix's incident is open (an issue of this repository), or says why it cannot tell. */
export const HOTFIX_INCIDENT_SCRIPT = [
  `incident="$(${SLIPWAY_BIN} release incident)"`,
  'if [ -z "$incident" ]; then echo "not a hotfix: no incident to check"; exit 0; fi',
  'case "$incident" in',
  '  "#"*) number="${incident#"#"}" ;;',
  '  "${GITHUB_SERVER_URL}/${GITHUB_REPOSITORY}/issues/"*) number="${incident##*/}" ;;',
  '  *) echo "::warning title=hotfix incident::${incident} is not an issue of this repository: confirm by hand that it is open (000 §6.6)"; exit 0 ;;',
  "esac",
  'state="$(gh issue view "$number" --repo "$GITHUB_REPOSITORY" --json state --jq .state)"',
  'if [ "$state" != "OPEN" ]; then',
  '  echo "::error title=hotfix incident::the hotfix answers incident #${number}, which is ${state:-not found}: a hotfix ships for an open production incident (001, 000 §6.6)"',
  "  exit 1",
  "fi",
  'echo "the hotfix answers open incident #${number}"',
].join("\n");

/** Publishes the GitHub Release of the deployed version (env VERSION, GH_TOKEN), unless it has one. */
export const PUBLISH_RELEASE_SCRIPT = [
  RELEASE_TAG_SCRIPT,
  'if gh release view "$tag" --repo "$GITHUB_REPOSITORY" >/dev/null 2>&1; then',
  '  echo "::notice title=GitHub Release::${tag} already has a GitHub Release (a rollback or a rerun): left as it is"',
  "  exit 0",
  "fi",
  `${SLIPWAY_BIN} release notes --version "$VERSION" > "$RUNNER_TEMP/release-notes.md"`,
  // The template's first line is its title: `**Title:** v1.4.0 — <summary>`.
  'title="$(head -n 1 "$RUNNER_TEMP/release-notes.md" | sed -e "s/^\\*\\*Title:\\*\\* //")"',
  // The tag exists (production deploys release tags): never create one here.
  'gh release create "$tag" --repo "$GITHUB_REPOSITORY" --verify-tag --title "$title" --notes-file "$RUNNER_TEMP/release-notes.md"',
  'cat "$RUNNER_TEMP/release-notes.md" >> "$GITHUB_STEP_SUMMARY"',
].join("\n");

/** The job the production deploy needs when its release may be a hotfix: the incident it answers is open. */
export function hotfixIncidentJob(settings: GeneratorSettings): Job {
  return {
    name: "hotfix incident is open",
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 5,
    permissions: { ...READ_ONLY, issues: "read" },
    steps: [
      { uses: ACTIONS.checkout, with: { "persist-credentials": false } },
      { uses: ACTIONS.setupNode, with: { "node-version": settings.nodeVersion, cache: "npm" } },
      { name: "install", run: "npm ci --ignore-scripts" },
      {
        name: "the incident a hotfix answers is open (000 §6.6)",
        env: { GH_TOKEN: "${{ github.token }}" },
        shell: "bash",
        run: HOTFIX_INCIDENT_SCRIPT,
      },
    ],
  };
}

/**
 * The GitHub Release of a production promotion, once the ledger recorded it. Its token may write
 * releases and nothing else; it installs without install scripts and sees no deploy secret.
 */
export function publishReleaseJob(settings: GeneratorSettings): Job {
  return {
    name: "GitHub Release",
    needs: ["deploy", "ledger"],
    "runs-on": "ubuntu-latest",
    "timeout-minutes": 10,
    permissions: { contents: "write" },
    steps: [
      { uses: ACTIONS.checkout, with: { "persist-credentials": false } },
      { uses: ACTIONS.setupNode, with: { "node-version": settings.nodeVersion, cache: "npm" } },
      { name: "install", run: "npm ci --ignore-scripts" },
      // The ledger as the ledger job left it: the notes say what staging validated and what production ran.
      ledgerCheckoutStep(settings),
      {
        name: "publish the release notes (003 §9.2)",
        env: { ...LEDGER_ENV, VERSION: "${{ needs.deploy.outputs.version }}", GH_TOKEN: "${{ github.token }}" },
        shell: "bash",
        run: PUBLISH_RELEASE_SCRIPT,
      },
    ],
  };
}
