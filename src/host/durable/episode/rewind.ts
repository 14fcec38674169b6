/**
 * Rewind of a failed execution: history without its failure, that is without ExecutionCompleted and
 * without the TaskFailed events of activities that were not retried afterwards (with the retry timer
 * that followed such a failure in the same episode, and that timer's firing). The failed activities
 * are scheduled again under their original task ids, so the orchestrator replays as if they were
 * still running. Failed sub-orchestrations are not rewound.
 */
import { EventType, HistoryEvent } from '../history';
import type { Outbound } from '../messages';
import type { EpisodeContext } from './episodeContext';

export interface Rewound {
  history: HistoryEvent[];
  /** Work items for the re-opened activities. */
  outbound: Outbound[];
  /** Task ids of the re-opened activities. */
  reopened: number[];
}

/** Episode number of every event (episodes start at OrchestratorStarted). */
function episodesOf(history: readonly HistoryEvent[]): Map<HistoryEvent, number> {
  const episodeOf = new Map<HistoryEvent, number>();
  let n = 0;
  for (const e of history) {
    if (e.EventType === EventType.OrchestratorStarted) n++;
    episodeOf.set(e, n);
  }
  return episodeOf;
}

export function rewindHistory(history: readonly HistoryEvent[], instanceId: string, executionId: string, ctx: Pick<EpisodeContext, 'newId'>): Rewound {
  const episodeOf = episodesOf(history);
  const scheduledById = new Map<number, HistoryEvent>();
  for (const e of history) if (e.EventType === EventType.TaskScheduled) scheduledById.set(e.EventId, e);
  const drop = new Set<HistoryEvent>();
  const reopened: number[] = [];
  const outbound: Outbound[] = [];
  for (const e of history) {
    if (e.EventType === EventType.ExecutionCompleted) drop.add(e);
    if (e.EventType !== EventType.TaskFailed) continue;
    const id = e.TaskScheduledId!;
    // A retry (timer id + 1, next attempt id + 2, same function) means the failure was handled.
    if (scheduledById.has(id + 2) && scheduledById.get(id + 2)!.Name === scheduledById.get(id)?.Name) continue;
    drop.add(e);
    reopened.push(id);
    for (const t of history) {
      const retryTimer = t.EventType === EventType.TimerCreated && t.EventId === id + 1 && episodeOf.get(t) === episodeOf.get(e);
      const itsFiring = t.EventType === EventType.TimerFired && t.TimerId === id + 1;
      if (!retryTimer && !itsFiring) continue;
      if (itsFiring && ![...drop].some((d) => d.EventType === EventType.TimerCreated && d.EventId === id + 1)) continue;
      drop.add(t);
    }
    const s = scheduledById.get(id);
    if (s) {
      outbound.push({
        queue: 'workitems',
        message: { id: ctx.newId(), instanceId, executionId, taskScheduledId: id, name: s.Name ?? '', input: s.Input ?? null },
      });
    }
  }
  return { history: history.filter((e) => !drop.has(e)), outbound, reopened };
}
