/**
 * Timers that wake the engine later (a due durable timer, a delayed control message). Unref'd, so
 * they never keep the process alive, and cleared together when the engine stops.
 */
export class Wakeups {
  private readonly timers = new Set<NodeJS.Timeout>();

  /** Runs `fn` after `delayMs` (capped at the longest delay a Node timer takes). */
  after(delayMs: number, fn: () => void): void {
    const t = setTimeout(
      () => {
        this.timers.delete(t);
        fn();
      },
      Math.min(Math.max(0, delayMs), 2 ** 31 - 1),
    );
    t.unref();
    this.timers.add(t);
  }

  clear(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }
}
