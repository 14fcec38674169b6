/**
 * Wakes a sleeping poll loop early: a message this process just queued need not wait for the loop's
 * backoff. A notify with nobody waiting is remembered, so the next wait returns at once.
 */
export class Signal {
  private waiter: (() => void) | undefined;
  private pending = false;

  notify(): void {
    if (this.waiter) {
      const wake = this.waiter;
      this.waiter = undefined;
      wake();
    } else this.pending = true;
  }

  /** Resolves after `ms`, or earlier on notify(). */
  wait(ms: number): Promise<void> {
    if (this.pending) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiter = undefined;
        resolve();
      }, ms);
      this.waiter = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
