/**
 * One batch of operations for an entity: the SDK's entity function runs them against the stored
 * state; the new state, the ids of the applied requests and the outbox are written in one row, then
 * the outbox is sent and cleared. A crash after the write sends the outbox when the entity next runs;
 * a redelivered request is recognised by its id (entityBatch.ts).
 */
import { randomUUID } from 'node:crypto';
import type { HostLogger } from '../../provider';
import type { Held } from '../lease';
import type { ControlMessage } from '../messages';
import type { Semaphore } from '../primitives/semaphore';
import type { FunctionRunner } from '../runner';
import type { DurableStore, EntityRecord } from '../store';
import { EntityAnswer, entityBinding, nextEntityRecord, takeRequests } from './entityBatch';
import { parseEntityId } from './entityId';

export interface EntityProcessorDeps {
  store: DurableStore;
  runner: FunctionRunner;
  /** Entity batches count against the orchestrator concurrency limit, as in the extension. */
  slots: Semaphore;
  logger: HostLogger;
  stats: { episodes: number; droppedDuplicates: number };
  /** In-process handover of a control message already queued. */
  handOver(message: ControlMessage): void;
}

export class EntityProcessor {
  constructor(private readonly deps: EntityProcessorDeps) {}

  async process(entityId: string, batch: Held<ControlMessage>[]): Promise<void> {
    const { store, stats } = this.deps;
    let rec = await store.readEntity(entityId);
    if (rec.outbox.length > 0) rec = await this.flush(entityId, rec);
    if (batch.length === 0) return;
    const { ops, duplicates } = takeRequests(
      batch.map((l) => l.body),
      rec.processed,
    );
    stats.droppedDuplicates += duplicates;
    if (ops.length > 0) {
      const target = parseEntityId(entityId)!;
      const answer = await this.run(entityId, target, rec, ops);
      if (answer.error) this.deps.logger.log('error', `Entity ${entityId} failed: ${answer.error}`, { instanceId: entityId });
      const next = nextEntityRecord(rec, ops, answer, { now: new Date(), newId: randomUUID });
      next.etag = await store.writeEntity(entityId, next);
      stats.episodes++;
      await this.flush(entityId, next);
    }
    await Promise.all(batch.map((l) => l.complete()));
  }

  private async run(
    entityId: string,
    target: { name: string; key: string },
    rec: EntityRecord,
    ops: Parameters<typeof entityBinding>[2],
  ): Promise<EntityAnswer> {
    const { runner, slots } = this.deps;
    const name = runner.isEntity?.(target.name) ? runner.canonicalName(target.name) : undefined;
    if (!name || !runner.runEntity) {
      return { error: `The function '${target.name}' doesn't exist, is disabled, or is not an entity function.` };
    }
    await slots.acquire();
    try {
      const r = await runner.runEntity(name, entityBinding(target, rec, ops), entityId);
      return r.ok ? { result: r.result } : { error: r.error };
    } finally {
      slots.release();
    }
  }

  /** Sends the outbox (in order: an entity applies operations in the order they were sent), then clears it. */
  private async flush(entityId: string, rec: EntityRecord): Promise<EntityRecord> {
    const { store } = this.deps;
    for (const o of rec.outbox) await store.send(o);
    for (const o of rec.outbox) if (o.queue === 'control') this.deps.handOver(o.message);
    const cleared = { ...rec, outbox: [] };
    cleared.etag = await store.writeEntity(entityId, cleared);
    return cleared;
  }
}
