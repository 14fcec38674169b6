/**
 * A counting semaphore: bounds how many orchestrator, entity or activity invocations run at once
 * (maxConcurrentOrchestratorFunctions / maxConcurrentActivityFunctions). Waiters are served in order.
 */
export class Semaphore {
  private readonly waiters: (() => void)[] = [];

  constructor(private free: number) {}

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /** Takes a slot only if one is free now (never waits). */
  tryAcquire(): boolean {
    if (this.free <= 0) return false;
    this.free--;
    return true;
  }

  /** Hands the slot to the first waiter, or frees it. */
  release(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.free++;
  }

  get available(): number {
    return this.free;
  }
}
