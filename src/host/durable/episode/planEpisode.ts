/**
 * First half of an episode: takes the messages and decides whether anything changes and what the
 * episode needs before it can be finished: the orchestrator's answer (with the binding to run it on)
 * or, when the orchestrator does not run, the custom status the status row keeps.
 */
import { event, EventType, HistoryEvent } from '../history';
import { parseJson } from '../json';
import type { ControlMessage } from '../messages';
import type { EpisodeContext, EpisodeNote } from './episodeContext';
import type { InstanceState, Intake } from './intake';
import { takeMessages } from './takeMessages';

export interface NoEpisode {
  kind: 'none';
  dropped: number;
  deferred: Set<ControlMessage>;
  notes: EpisodeNote[];
}

export interface EpisodePlan {
  kind: 'plan';
  intake: Intake;
  /** The execution's ExecutionStarted. */
  started: HistoryEvent;
  /** Canonical orchestrator name. */
  name: string;
  /** The OrchestratorStarted that opens this episode. */
  opening: HistoryEvent;
  /** Set when the orchestrator runs: the history it replays and its trigger binding. */
  run?: { history: HistoryEvent[]; binding: Record<string, unknown> };
  /** The status row of a running instance keeps its custom status when the orchestrator does not run. */
  needsPreviousStatus: boolean;
  /** ETag of the sentinel the episode read (the commit is conditional on it). */
  etag?: string;
}

/** Events that change what the orchestrator sees (suspend and resume alone do not). */
function wakesOrchestrator(e: HistoryEvent): boolean {
  return e.EventType !== EventType.ExecutionSuspended && e.EventType !== EventType.ExecutionResumed;
}

export function planEpisode(state: InstanceState, messages: readonly ControlMessage[], ctx: EpisodeContext): NoEpisode | EpisodePlan {
  const intake = takeMessages(state, messages, ctx);
  const { sentinel } = state;
  const { terminated, newEvents, rewound, dropped, deferred, notes } = intake;
  const needsRun = !terminated && ((intake.status !== 'Suspended' && newEvents.some(wakesOrchestrator)) || rewound);
  const changed = !!terminated || newEvents.length > 0 || rewound || intake.buffered.length !== (sentinel?.buffered.length ?? 0);
  if (!changed || intake.executionId === undefined) return { kind: 'none', dropped, deferred, notes };

  const started = [...intake.history, ...newEvents].find((e) => e.EventType === EventType.ExecutionStarted);
  if (!started) return { kind: 'none', dropped: dropped + messages.length, deferred, notes };
  const name = ctx.canonicalName(started.Name ?? '');
  const opening = event(EventType.OrchestratorStarted, {}, ctx.now);
  const plan: EpisodePlan = {
    kind: 'plan',
    intake,
    started,
    name,
    opening,
    needsPreviousStatus: !!sentinel && !intake.startedNew && !needsRun,
    etag: sentinel?.etag,
  };
  if (needsRun) {
    const history = [...intake.history.map((e) => (e.IsPlayed ? e : { ...e, IsPlayed: true })), opening, ...newEvents];
    plan.run = {
      history,
      binding: {
        history,
        input: parseJson(started.Input),
        instanceId: ctx.instanceId,
        isReplaying: intake.history.length > 0,
        parentInstanceId: started.ParentInstance?.InstanceId,
        upperSchemaVersion: 1,
        upperSchemaVersionNew: 3,
        longRunningTimerIntervalDuration: ctx.longRunningTimerIntervalDuration,
        maximumShortTimerDuration: ctx.maximumShortTimerDuration,
        defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
      },
    };
  }
  return plan;
}
