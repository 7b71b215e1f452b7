/**
 * After `stryker run`: the mutation score of every mutated file, from Stryker's JSON report, and a
 * non-zero exit when one is below its floor. Stryker's own `thresholds.break` judges the total
 * only, and a strong file must not hide a weak one.
 *
 *   node tools/mutation/fileScores.mjs [report.json] [--floor N]
 *
 * The report defaults to the scope's (MUTATION_SCOPE, as stryker.config.mjs). The floor is 85% for
 * the policy pack's files and 80% for the others (the ledger and the config contract: issue #17);
 * --floor sets one floor for every file.
 *
 * Score = (killed + timed out) / (killed + timed out + survived + no coverage), as Stryker
 * computes it. Ignored mutants (catalogue text: tools/mutation/ignoreMetadata.mjs) are counted
 * apart and do not enter the score.
 */
import { readFileSync } from "node:fs";

const PACK_FLOOR = 85;
const OTHER_FLOOR = 80;

const args = process.argv.slice(2);
const floorAt = args.indexOf("--floor");
const fixedFloor = floorAt === -1 ? undefined : Number(args[floorAt + 1]);
// The report is the first argument that is neither an option nor --floor's value.
const reportPath =
  args.find((arg, index) => !arg.startsWith("--") && (floorAt === -1 || index !== floorAt + 1)) ??
  `reports/mutation/${process.env.MUTATION_SCOPE ?? "pack"}/mutation.json`;

if (fixedFloor !== undefined && (!Number.isFinite(fixedFloor) || fixedFloor < 0 || fixedFloor > 100)) {
  console.error(`fileScores: --floor must be a percentage (0-100), got '${args[floorAt + 1]}'`);
  process.exit(2);
}
/** The floor a file is held to. */
const floorOf = (file) => fixedFloor ?? (file.replaceAll("\\", "/").startsWith("policy-pack/") ? PACK_FLOOR : OTHER_FLOOR);

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
      floor: floorOf(file),
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
  const mark = row.score < row.floor ? "  < floor" : "";
  console.log(
    `${row.file.padEnd(width)}  ${row.score.toFixed(2).padStart(6)}  ${String(row.killed).padStart(6)}  ${String(row.survived).padStart(8)}  ${String(row.noCoverage).padStart(6)}  ${String(row.ignored).padStart(7)}  ${String(row.errors).padStart(6)}${mark}`,
  );
}
const below = rows.filter((row) => row.score < row.floor);
if (below.length > 0) {
  console.error(
    `mutation score below the floor in ${below.length} file(s): ${below.map((row) => `${row.file} (${row.score.toFixed(2)}% < ${row.floor}%)`).join(", ")}`,
  );
  process.exit(1);
}
console.log(`every mutated file scores at least its floor (${[...new Set(rows.map((row) => `${row.floor}%`))].join(", ")})`);
