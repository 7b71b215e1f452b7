/**
 * Progress of a slow command (the gate takes seconds; minutes on a big topology), on stderr and
 * only when stderr is a terminal: piped or captured output (CI logs, `2>file`) stays exactly the
 * command's own lines. What runs at once (the stacks' programs while the pack starts) is shown
 * together, on one line that keeps its clock ticking and is cleared before the result.
 */
import type { Progress } from "../gate/progress";

/** How often the line is redrawn, so its clock moves. */
const TICK_MS = 250;

/** Progress on `stream` when it is a terminal; silent otherwise. */
export function progressOn(stream: NodeJS.WriteStream = process.stderr, now: () => number = Date.now): Progress {
  if (!stream.isTTY) return { start: () => undefined, finish: () => undefined, done: () => undefined };
  const started = now();
  const activities: string[] = [];
  let shown = false;
  let ticker: NodeJS.Timeout | undefined;
  const draw = (): void => {
    if (activities.length === 0) return;
    // Carriage return and erase-line: one line that changes, nothing left behind.
    stream.write(`\r\x1b[K${((now() - started) / 1000).toFixed(1)}s ${activities.join(" · ")}`);
    shown = true;
  };
  const clear = (): void => {
    if (shown) stream.write("\r\x1b[K");
    shown = false;
  };
  return {
    start(activity) {
      activities.push(activity);
      ticker ??= setInterval(draw, TICK_MS).unref();
      draw();
    },
    finish(activity) {
      const index = activities.indexOf(activity);
      if (index >= 0) activities.splice(index, 1);
      if (activities.length === 0) clear();
      else draw();
    },
    done() {
      activities.length = 0;
      if (ticker !== undefined) clearInterval(ticker);
      ticker = undefined;
      clear();
    },
  };
}
