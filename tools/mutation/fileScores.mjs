/**
 * After `stryker run`: the mutation score of every mutated file, from Stryker's JSON report, and a
 * non-zero exit when one is below the floor. Stryker's own `thresholds.break` judges the total
 * only, and a strong file must not hide a weak one.
 *
 *   node tools/mutation/fileScores.mjs [report.json] [--floor 85]
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
 * computes it. Ignored mutants (catalogue text: tools/mutation/ignoreMetadata.mjs) are counted
 * apart and do not enter the score.
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const floorAt = args.indexOf("--floor");
const floor = floorAt === -1 ? 85 : Number(args[floorAt + 1]);
// The report is the first argument that is neither an option nor --floor's value.
const reportPath =
  args.find((arg, index) => !arg.startsWith("--") && (floorAt === -1 || index !== floorAt + 1)) ?? "reports/mutation/mutation.json";

if (!Number.isFinite(floor) || floor < 0 || floor > 100) {
  console.error(`fileScores: --floor must be a percentage (0-100), got '${args[floorAt + 1]}'`);
  process.exit(2);
}
let report;
try {
  report = JSON.parse(readFileSync(reportPath, "utf8"));
} catch (error) {
  console.error(`fileScores: cannot read Stryker's JSON report ${reportPath}: ${error instanceof Error ? error.message : error}`);
  process.exit(2);
}
const files = Object.entries(report.files ?? {});
if (files.length === 0) {
  console.error(`fileScores: ${reportPath} lists no mutated file`);
  process.exit(2);
}

const rows = files
  .map(([file, { mutants }]) => {
    const count = (...statuses) => mutants.filter((mutant) => statuses.includes(mutant.status)).length;
    const detected = count("Killed", "Timeout");
    const undetected = count("Survived", "NoCoverage");
    const valid = detected + undetected;
    return {
      file,
      score: valid === 0 ? 100 : (100 * detected) / valid,
      killed: detected,
      survived: count("Survived"),
      noCoverage: count("NoCoverage"),
      ignored: count("Ignored"),
      errors: count("CompileError", "RuntimeError"),
    };
  })
  .sort((a, b) => a.score - b.score || a.file.localeCompare(b.file));

const width = Math.max(...rows.map((row) => row.file.length));
console.log(`${"file".padEnd(width)}  score   killed  survived  no-cov  ignored  errors`);
for (const row of rows) {
  const mark = row.score < floor ? "  < floor" : "";
  console.log(
    `${row.file.padEnd(width)}  ${row.score.toFixed(2).padStart(6)}  ${String(row.killed).padStart(6)}  ${String(row.survived).padStart(8)}  ${String(row.noCoverage).padStart(6)}  ${String(row.ignored).padStart(7)}  ${String(row.errors).padStart(6)}${mark}`,
  );
}
const below = rows.filter((row) => row.score < floor);
if (below.length > 0) {
  console.error(
    `mutation score below ${floor}% in ${below.length} file(s): ${below.map((row) => `${row.file} (${row.score.toFixed(2)}%)`).join(", ")}`,
  );
  process.exit(1);
}
console.log(`every mutated file scores at least ${floor}%`);
