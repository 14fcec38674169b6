/**
 * One episode of an orchestration instance, with its storage around the pure episode (episode/):
 *   1. read the sentinel and history (or take them from the cache);
 *   2. finish the previous episode's post-commit work if a crash interrupted it (outbox, status row);
 *   3. run the episode: drop what history already holds, run the orchestrator, decide the new work;
 *   4. commit history + outbox atomically; 5. send the outbox, write the status row, clear the marker;
 *   6. delete the messages.
 * A crash before 4 re-runs the episode; after 4 the messages are redelivered, found in history and
 * dropped, and 5 is redone.
 */
import { randomUUID } from 'node:crypto';
import type { HostLogger } from '../../provider';
import type { EngineOptions } from '../engineOptions';
import type { EpisodeContext } from '../episode/episodeContext';
import { runEpisode } from '../episode/runEpisode';
import { EventType, HistoryEvent, isTerminal } from '../history';
import type { Held } from '../lease';
import type { ControlMessage } from '../messages';
import type { Semaphore } from '../primitives/semaphore';
import type { FunctionRunner, OrchestratorOutcome } from '../runner';
import type { DurableStore, Sentinel } from '../store';
import type { HistoryCache } from './historyCache';
import type { Outbox } from './outbox';

export interface OrchestrationProcessorDeps {
  store: DurableStore;
  runner: FunctionRunner;
  options: EngineOptions;
  cache: HistoryCache;
  outbox: Outbox;
  slots: Semaphore;
  logger: HostLogger;
  stats: { episodes: number; droppedDuplicates: number };
}

export class OrchestrationProcessor {
  constructor(private readonly deps: OrchestrationProcessorDeps) {}

  async process(instanceId: string, batch: Held<ControlMessage>[]): Promise<void> {
    const { store, cache, outbox, options, stats, logger } = this.deps;
    const hooks = options.hooks;
    // The sentinel this process wrote last is current unless another writer intervened, which the
    // commit's ETag check detects (then the session re-reads).
    const cached = cache.get(instanceId);
    let sentinel = cached?.sentinel ? { ...cached.sentinel } : await store.readSentinel(instanceId);
    const history: HistoryEvent[] = sentinel ? await this.loadHistory(instanceId, sentinel) : [];

    if (sentinel && sentinel.pendingEpisode >= 0) {
      const rec = await store.readEpisode(instanceId, sentinel.historyKey, sentinel.pendingEpisode);
      if (rec) sentinel = await outbox.flush(instanceId, sentinel, rec);
      else sentinel = { ...sentinel, pendingEpisode: -1, etag: await store.updateSentinel(instanceId, { ...sentinel, pendingEpisode: -1 }) };
      cache.set(instanceId, sentinel, history);
    }
    if (batch.length === 0) return;

    // Events can overtake the start message of a new instance: hold them until it has been processed.
    if (!sentinel && !batch.some((l) => l.body.event.EventType === EventType.ExecutionStarted)) {
      const row = await store.getInstance(instanceId);
      if (row && row.runtimeStatus === 'Pending') {
        await Promise.all(batch.map((l) => l.abandon(1)));
        return;
      }
    }

    const result = await runEpisode(
      { sentinel, history },
      batch.map((l) => l.body),
      this.context(instanceId),
      {
        runOrchestrator: (name, binding) => this.runOrchestrator(name, binding, instanceId),
        previousCustomStatus: async () => (await store.getInstance(instanceId))?.customStatus,
      },
    );
    for (const n of result.notes) logger.log(n.level, n.message, n.fields);
    if (result.kind === 'none') {
      stats.droppedDuplicates += result.dropped;
    } else {
      hooks?.reached?.('beforeCommit');
      const etag = await store.commitEpisode(instanceId, result.sentinel, result.record);
      stats.episodes++;
      hooks?.reached?.('afterCommit');
      const committed: Sentinel = { ...result.sentinel, etag };
      const cleared = await outbox.flush(instanceId, committed, result.record);
      if (isTerminal(cleared.runtimeStatus)) cache.delete(instanceId);
      else cache.set(instanceId, cleared, result.history);
      cache.trim();
    }
    hooks?.reached?.('beforeDelete');
    await Promise.all(batch.map((l) => (result.deferred.has(l.body) ? l.abandon(1) : l.complete())));
  }

  private context(instanceId: string): EpisodeContext {
    const { runner, options } = this.deps;
    return {
      instanceId,
      now: new Date(),
      newId: randomUUID,
      canonicalName: (name) => runner.canonicalName(name),
      longRunningTimerIntervalDuration: options.longRunningTimerIntervalDuration,
      maximumShortTimerDuration: options.maximumShortTimerDuration,
    };
  }

  private async loadHistory(instanceId: string, sentinel: Sentinel): Promise<HistoryEvent[]> {
    const cached = this.deps.cache.historyFor(instanceId, sentinel);
    if (cached) return cached;
    const episodes = await this.deps.store.readEpisodes(instanceId, sentinel.historyKey);
    return episodes.flatMap((e) => e.events);
  }

  private async runOrchestrator(name: string, binding: Record<string, unknown>, instanceId: string): Promise<OrchestratorOutcome> {
    const { slots, runner } = this.deps;
    await slots.acquire();
    try {
      return await runner.runOrchestrator(name, binding, instanceId);
    } finally {
      slots.release();
    }
  }
}
