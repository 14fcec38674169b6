/**
 * Queues activity results with group commit: results for one instance that complete while a send for
 * it is in flight go out together in one queue message (a ControlBatch, up to 64), so that a fan-out
 * costs the orchestration a few episodes rather than one per activity. Each send resolves once its
 * result is durably queued.
 */
import { randomUUID } from 'node:crypto';
import type { ControlEnvelope, ControlMessage } from '../messages';

interface Waiting {
  msg: ControlMessage;
  done: (err?: unknown) => void;
}

interface InstanceQueue {
  waiting: Waiting[];
  sending: boolean;
}

const MAX_BATCH = 64;

export class ResultSender {
  private readonly queues = new Map<string, InstanceQueue>();

  constructor(private readonly sendControl: (message: ControlEnvelope) => Promise<void>) {}

  send(msg: ControlMessage): Promise<void> {
    let q = this.queues.get(msg.instanceId);
    if (!q) {
      q = { waiting: [], sending: false };
      this.queues.set(msg.instanceId, q);
    }
    const queue = q;
    const sent = new Promise<void>((resolve, reject) => queue.waiting.push({ msg, done: (err) => (err ? reject(err) : resolve()) }));
    if (!queue.sending) void this.drain(msg.instanceId, queue);
    return sent;
  }

  private async drain(instanceId: string, q: InstanceQueue): Promise<void> {
    q.sending = true;
    while (q.waiting.length > 0) {
      const group = q.waiting.splice(0, MAX_BATCH);
      try {
        if (group.length === 1) await this.sendControl(group[0].msg);
        else await this.sendControl({ id: randomUUID(), instanceId, batch: group.map((g) => g.msg) });
        group.forEach((g) => g.done());
      } catch (err) {
        group.forEach((g) => g.done(err));
      }
    }
    q.sending = false;
    this.queues.delete(instanceId);
  }
}
