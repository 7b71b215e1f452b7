/**
 * Where a command's report goes: stdout, or the file `--output` names (nothing then reaches
 * stdout, so `--json --output report.json` works behind npm's banner too).
 */
import * as fs from "node:fs";
import { UserError } from "./errors";

/** Write `text` (newline-terminated) to `file`, or to stdout when no file is given. */
export function emit(text: string, file: string | undefined): void {
  const whole = text.endsWith("\n") ? text : `${text}\n`;
  if (file === undefined) {
    process.stdout.write(whole);
    return;
  }
  try {
    fs.writeFileSync(file, whole);
  } catch (err) {
    throw new UserError(`cannot write the report: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file });
  }
}
