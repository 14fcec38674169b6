/**
 * A dequeued message held invisible while we work on it: its visibility is renewed every third of the
 * timeout so that a long activity (minutes of AutoML) is never redelivered while it still runs, and a
 * crash lets it reappear within one timeout.
 */
import type { QueueClient } from '@azure/storage-queue';
import type { DurableStore, ReceivedMessage } from './store';

/** A message being worked on: from the queue (a Lease) or handed over in memory (InMemoryCopy). */
export interface Held<T> {
  readonly body: T;
  complete(): Promise<void>;
  abandon(delaySec?: number): Promise<void>;
  release(): void;
}

/**
 * A message this process just wrote to its queue, handed to the dispatcher directly so that it need
 * not wait for the queue round trip. The queue copy stays the durable one: it arrives later, is
 * recognised by its id and deleted.
 */
export class InMemoryCopy<T> implements Held<T> {
  constructor(readonly body: T) {}
  async complete(): Promise<void> {}
  async abandon(): Promise<void> {}
  release(): void {}
}

export class Lease<T> implements Held<T> {
  private popReceipt: string;
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<unknown> = Promise.resolve();
  private done = false;

  constructor(
    private readonly store: DurableStore,
    private readonly queue: QueueClient,
    readonly message: ReceivedMessage<T>,
    private readonly visibilitySec: number,
    private readonly onLost?: (err: unknown) => void,
  ) {
    this.popReceipt = message.popReceipt;
    const every = Math.max(200, (visibilitySec * 1000) / 3);
    this.timer = setInterval(() => this.renew(), every);
    this.timer.unref();
  }

  get body(): T {
    return this.message.body;
  }

  private renew(): void {
    this.chain = this.chain.then(async () => {
      if (this.done) return;
      try {
        this.popReceipt = await this.store.renew(this.queue, { messageId: this.message.messageId, popReceipt: this.popReceipt }, this.visibilitySec);
      } catch (err) {
        this.onLost?.(err);
      }
    });
  }

  private stop(): void {
    this.done = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Work done: remove the message. */
  async complete(): Promise<void> {
    this.stop();
    await this.chain;
    await this.store.deleteMessage(this.queue, { messageId: this.message.messageId, popReceipt: this.popReceipt });
  }

  /** Give the message back (visible again after `delaySec`). */
  async abandon(delaySec = 0): Promise<void> {
    this.stop();
    await this.chain;
    await this.store.renew(this.queue, { messageId: this.message.messageId, popReceipt: this.popReceipt }, delaySec).catch(() => undefined);
  }

  /** Stop renewing without touching the message (it reappears when its visibility ends). */
  release(): void {
    this.stop();
  }
}

/**
 * One part of a queue message that carries several control messages: the queue message is deleted
 * when every part completed, and given back if any part was abandoned (parts already applied are then
 * recognised as duplicates when it returns).
 */
export class LeasePart<T> implements Held<T> {
  private settled = false;
  constructor(
    readonly body: T,
    private readonly group: { lease: Held<unknown>; remaining: number; abandonDelay?: number },
  ) {}

  private async settle(abandonDelay?: number): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    if (abandonDelay !== undefined) {
      this.group.abandonDelay = Math.min(this.group.abandonDelay ?? abandonDelay, abandonDelay);
    }
    this.group.remaining--;
    if (this.group.remaining > 0) return;
    if (this.group.abandonDelay !== undefined) await this.group.lease.abandon(this.group.abandonDelay);
    else await this.group.lease.complete();
  }

  complete(): Promise<void> {
    return this.settle();
  }
  abandon(delaySec = 0): Promise<void> {
    return this.settle(delaySec);
  }
  release(): void {
    if (this.settled) return;
    this.settled = true;
    this.group.remaining--;
    if (this.group.remaining === 0) this.group.lease.release();
  }
}
