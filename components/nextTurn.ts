/**
 * The next turn of the event loop. A component that builds many children awaits it between
 * batches: what was created so far registers (and the engine, or the offline gate, starts on it)
 * before the next batch is built.
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
