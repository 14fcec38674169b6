/**
 * The post-commit work of an episode: send its outbox (ordered, see orderedSends.ts) and write the
 * status row, then hand the messages to this process's own dispatchers, then clear the sentinel's
 * pending marker. Redone after a crash (the marker is still set), so every step is idempotent: a
 * message sent twice is recognised by its id.
 */
import type { EngineHooks } from '../hooks';
import type { ControlMessage, WorkItemMessage } from '../messages';
import type { DurableStore, EpisodeRecord, Sentinel } from '../store';
import { sendOrdered } from './orderedSends';

export interface OutboxDeps {
  store: DurableStore;
  hooks?: EngineHooks;
  /** A slot to run a work item here as soon as it is queued (see ActivityDispatcher.reserveLocal). */
  reserveLocal(w: WorkItemMessage): ((sent: boolean) => void) | undefined;
  handOver(message: ControlMessage): void;
  handOverAt(message: ControlMessage, at: Date): void;
  wakeWorkItems(): void;
}

export class Outbox {
  constructor(private readonly deps: OutboxDeps) {}

  /** Sends an episode's outbox, writes the status row, then clears the pending marker. */
  async flush(instanceId: string, sentinel: Sentinel, rec: EpisodeRecord): Promise<Sentinel> {
    const { store } = this.deps;
    const send = async (o: EpisodeRecord['outbound'][number]) => {
      const start = o.queue === 'workitems' ? this.deps.reserveLocal(o.message) : undefined;
      try {
        await store.send(o);
        start?.(true);
      } catch (err) {
        start?.(false);
        throw err;
      }
    };
    await Promise.all([sendOrdered(rec.outbound, send), store.upsertInstance(rec.instance)]);
    this.deps.hooks?.reached?.('afterOutbox');
    let hasWork = false;
    for (const o of rec.outbound) {
      if (o.queue === 'workitems') hasWork = true;
      else if (o.visibleAt) this.deps.handOverAt(o.message, new Date(o.visibleAt));
      else this.deps.handOver(o.message);
    }
    if (hasWork) this.deps.wakeWorkItems();
    const cleared: Sentinel = { ...sentinel, pendingEpisode: -1 };
    cleared.etag = await store.updateSentinel(instanceId, cleared);
    return cleared;
  }
}
