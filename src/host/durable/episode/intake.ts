/**
 * The working state while an episode takes its messages one by one: where the instance stands
 * (execution, status, history key), the events the episode adds, and what it dropped or deferred.
 * Message handlers (handlers/) update it; planEpisode reads it.
 */
import { completedIds, HistoryEvent, isTerminal, RuntimeStatus, scheduledIds } from '../history';
import type { ControlMessage, Outbound } from '../messages';
import type { Sentinel } from '../store';
import { compactId, EpisodeContext, EpisodeNote } from './episodeContext';

/** An instance as the episode finds it: its sentinel (absent for a new instance) and its history. */
export interface InstanceState {
  sentinel?: Sentinel;
  history: HistoryEvent[];
}

export interface Intake {
  executionId: string | undefined;
  status: RuntimeStatus | undefined;
  historyKey: string;
  /** Episodes committed under historyKey. */
  episodes: number;
  /** History before this episode (replaced on a new execution or a rewind). */
  history: HistoryEvent[];
  /** Events that arrived while suspended, applied on resume. */
  buffered: HistoryEvent[];
  /** Events this episode adds to history. */
  newEvents: HistoryEvent[];
  /** Messages decided while taking messages (a rewind's re-scheduled work items). */
  outbound: Outbound[];
  startedNew: boolean;
  /** The terminate request taken, if any (applied when the episode is built). */
  terminated?: HistoryEvent;
  rewound: boolean;
  dropped: number;
  /** Messages for the next execution of an instance that is between two (ContinueAsNew). */
  deferred: Set<ControlMessage>;
  /** Ids of the messages history already holds (a redelivery is dropped). */
  seen: Set<string>;
  /** Task ids scheduled / finished in history (a result for an unknown or finished task is dropped). */
  scheduled: Set<number>;
  done: Set<number>;
  notes: EpisodeNote[];
}

export function openIntake(state: InstanceState, ctx: EpisodeContext): Intake {
  const { sentinel, history } = state;
  const buffered = [...(sentinel?.buffered ?? [])];
  const seen = new Set<string>();
  for (const e of [...history, ...buffered]) if (e.MessageId) seen.add(e.MessageId);
  return {
    executionId: sentinel?.executionId,
    status: sentinel?.runtimeStatus,
    historyKey: sentinel?.historyKey ?? compactId(ctx),
    episodes: sentinel?.episodes ?? 0,
    history,
    buffered,
    newEvents: [],
    outbound: [],
    startedNew: false,
    rewound: false,
    dropped: 0,
    deferred: new Set(),
    seen,
    scheduled: scheduledIds(history),
    done: completedIds(history),
    notes: [],
  };
}

/** The event of `msg` as history records it (the message id kept for dedupe). */
export function stamp(msg: ControlMessage): HistoryEvent {
  return { ...msg.event, MessageId: msg.id, IsPlayed: false };
}

/** Adds an event to the episode, or keeps it for later while the instance is suspended. */
export function record(intake: Intake, e: HistoryEvent): void {
  if (intake.status === 'Suspended') intake.buffered.push(e);
  else intake.newEvents.push(e);
}

/**
 * The checks a message passes before its handler sees it:
 * - 'execution': addressed to the current execution, not seen before, and not arriving between two
 *   executions (then it waits for the next one, unless it names the old one);
 * - 'active': also, the execution has not finished or been terminated in this episode. The message
 *   counts as seen from here on.
 */
export type Admission = 'execution' | 'active';

export function admit(intake: Intake, msg: ControlMessage, admission: Admission): boolean {
  if (intake.executionId === undefined || (msg.executionId && msg.executionId !== intake.executionId)) {
    intake.dropped++;
    return false;
  }
  if (intake.seen.has(msg.id)) {
    intake.dropped++;
    return false;
  }
  if (intake.status === 'ContinuedAsNew') {
    if (msg.executionId) intake.dropped++;
    else intake.deferred.add(msg);
    return false;
  }
  if (admission === 'execution') return true;
  if (isTerminal(intake.status) || intake.terminated) {
    intake.dropped++;
    return false;
  }
  intake.seen.add(msg.id);
  return true;
}
