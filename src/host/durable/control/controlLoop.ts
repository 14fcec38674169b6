/**
 * Polls the control queue and hands each message to its instance's session under a renewed lease.
 * A queue message may carry several control messages (a ControlBatch of activity results): each part
 * is held separately and the queue message is deleted once every part is done. Malformed messages
 * are deleted; a timer message that surfaced early (queue visibility is capped at 7 days) is sent on.
 */
import type { HostLogger } from '../../provider';
import type { EngineOptions } from '../engineOptions';
import { EventType } from '../history';
import { Lease, LeasePart } from '../lease';
import { ControlEnvelope, ControlMessage, isBatch } from '../messages';
import type { Signal } from '../primitives/signal';
import type { DurableStore, ReceivedMessage } from '../store';
import type { Sessions } from './sessions';

/** Above this many held messages the loop stops receiving until sessions catch up. */
const MAX_HELD = 512;
/** A timer this early or less is processed now (the orchestrator sees it fire on time). */
const EARLY_TIMER_TOLERANCE_MS = 250;

export interface ControlLoopDeps {
  store: DurableStore;
  options: EngineOptions;
  sessions: Sessions;
  signal: Signal;
  logger: HostLogger;
  isRunning(): boolean;
}

function isControlMessage(m: ControlMessage | undefined): m is ControlMessage {
  return !!m && typeof m.instanceId === 'string' && !!m.event;
}

export class ControlLoop {
  constructor(private readonly deps: ControlLoopDeps) {}

  async run(): Promise<void> {
    const { store, options, sessions, signal, logger } = this.deps;
    let backoff = 10;
    while (this.deps.isRunning()) {
      let got = 0;
      try {
        if (sessions.heldCount < MAX_HELD) {
          const msgs = await store.receive<ControlEnvelope>(store.control, 32, options.controlVisibilitySec);
          got = msgs.length;
          for (const m of msgs) await this.dispatch(m);
        }
      } catch (err) {
        if (this.deps.isRunning()) logger.log('warning', `Durable control queue poll failed: ${(err as Error).message}`);
      }
      if (got === 0) {
        await signal.wait(backoff);
        backoff = Math.min(backoff * 2, options.maxPollingIntervalMs);
      } else backoff = 10;
    }
  }

  private async dispatch(m: ReceivedMessage<ControlEnvelope>): Promise<void> {
    const { store, options, sessions } = this.deps;
    const envelope = m.body;
    if (envelope && isBatch(envelope) && typeof envelope.instanceId === 'string') {
      const parts = envelope.batch.filter(isControlMessage);
      if (parts.length === 0) {
        await store.deleteMessage(store.control, m);
        return;
      }
      const lease = new Lease(store, store.control, m, options.controlVisibilitySec);
      const group = { lease, remaining: parts.length };
      sessions.enqueue(
        envelope.instanceId,
        parts.map((p) => new LeasePart(p, group)),
      );
      return;
    }
    const msg = envelope as ControlMessage;
    if (!isControlMessage(msg)) {
      await store.deleteMessage(store.control, m);
      return;
    }
    if (msg.event.EventType === EventType.TimerFired && msg.event.FireAt) {
      const fireAt = new Date(msg.event.FireAt);
      if (fireAt.getTime() > Date.now() + EARLY_TIMER_TOLERANCE_MS) {
        await store.sendControl({ ...msg }, fireAt);
        await store.deleteMessage(store.control, m);
        return;
      }
    }
    const lease = new Lease(store, store.control, { ...m, body: msg }, options.controlVisibilitySec);
    sessions.enqueue(msg.instanceId, [lease]);
  }
}
