/**
 * One session per instance: its messages are processed one batch at a time, in arrival order, and
 * messages that arrive meanwhile join the next batch. A failed batch is given back to the queue (at
 * once after a write conflict, since another writer moved on; after 2 s otherwise) and retried.
 */
import type { HostLogger } from '../../provider';
import type { Held } from '../lease';
import type { ControlMessage } from '../messages';
import { isConflict } from '../store';

export interface SessionsDeps {
  isRunning(): boolean;
  process(instanceId: string, batch: Held<ControlMessage>[]): Promise<void>;
  /** A batch failed: what is cached of the instance can no longer be trusted. */
  forget(instanceId: string): void;
  logger: HostLogger;
}

export class Sessions {
  private readonly pending = new Map<string, Held<ControlMessage>[]>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: SessionsDeps) {}

  /** Messages being held, not yet processed (the control loop stops receiving above a limit). */
  get heldCount(): number {
    let n = 0;
    for (const p of this.pending.values()) n += p.length;
    return n;
  }

  /** Promises of the sessions now running. */
  active(): Promise<void>[] {
    return [...this.running.values()];
  }

  /** Adds messages to an instance's session, starting it if needed (an empty list just runs it once). */
  enqueue(instanceId: string, held: Held<ControlMessage>[]): void {
    const existing = this.pending.get(instanceId);
    if (existing) {
      existing.push(...held);
      return;
    }
    const queue = [...held];
    this.pending.set(instanceId, queue);
    const done = this.run(instanceId, queue).finally(() => {
      this.pending.delete(instanceId);
      this.running.delete(instanceId);
    });
    this.running.set(instanceId, done);
  }

  private async run(instanceId: string, queue: Held<ControlMessage>[]): Promise<void> {
    let first = true;
    while (first || queue.length > 0) {
      first = false;
      const batch = queue.splice(0);
      if (!this.deps.isRunning()) {
        batch.forEach((l) => l.release());
        continue;
      }
      try {
        await this.deps.process(instanceId, batch);
      } catch (err) {
        this.deps.forget(instanceId);
        const conflict = isConflict(err);
        this.deps.logger.log(conflict ? 'warning' : 'error', `Durable episode for instance '${instanceId}' failed: ${(err as Error).message}`, {
          instanceId,
        });
        await Promise.all(batch.map((l) => l.abandon(conflict ? 0 : 2)));
      }
    }
  }
}
