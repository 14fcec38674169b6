/**
 * Hand-built histories and messages for the pure episode tests: a fixed clock, counting ids, and
 * instances in the states an episode meets (new, running with work scheduled, suspended, failed).
 */
import type { EpisodeContext } from '../../../../src/host/durable/episode/episodeContext';
import type { InstanceState } from '../../../../src/host/durable/episode/intake';
import { event, EventType, FailureDetails, HistoryEvent, RuntimeStatus } from '../../../../src/host/durable/history';
import type { ControlMessage } from '../../../../src/host/durable/messages';
import type { OrchestratorAction } from '../../../../src/host/durable/replayer';
import type { OrchestratorOutcome } from '../../../../src/host/durable/runner';
import type { Sentinel } from '../../../../src/host/durable/store';

export const T0 = new Date('2026-01-01T00:00:00.000Z');
export const T1 = new Date('2026-01-01T00:01:00.000Z');
export const INSTANCE = 'inst-1';
export const EXECUTION = 'exec1';

export function context(now = T1, instanceId = INSTANCE): EpisodeContext {
  let n = 0;
  return {
    instanceId,
    now,
    newId: () => `id-${++n}`,
    canonicalName: (name) => (name.toLowerCase() === 'hello' ? 'hello' : name),
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
  };
}

export function startEvent(fields: Partial<HistoryEvent> = {}, executionId = EXECUTION): HistoryEvent {
  return event(
    EventType.ExecutionStarted,
    { Name: 'hello', Input: '"world"', OrchestrationInstance: { InstanceId: INSTANCE, ExecutionId: executionId }, ...fields },
    T0,
  );
}

export function startMessage(fields: Partial<ControlMessage> = {}, executionId = EXECUTION): ControlMessage {
  return { id: `start-${executionId}`, instanceId: INSTANCE, event: startEvent({}, executionId), ...fields };
}

/** One committed episode: OrchestratorStarted, the events, OrchestratorCompleted. */
export function episode(at: Date, ...events: HistoryEvent[]): HistoryEvent[] {
  return [event(EventType.OrchestratorStarted, {}, at), ...events.map((e) => ({ ...e, IsPlayed: true })), event(EventType.OrchestratorCompleted, {}, at)];
}

export function sentinel(fields: Partial<Sentinel> = {}): Sentinel {
  return {
    executionId: EXECUTION,
    historyKey: 'key0',
    episodes: 1,
    name: 'hello',
    runtimeStatus: 'Running',
    pendingEpisode: -1,
    buffered: [],
    etag: 'etag-0',
    ...fields,
  };
}

/** A running instance that scheduled activity `greet` as task 0 (and, optionally, more events). */
export function running(extra: HistoryEvent[] = [], status: RuntimeStatus = 'Running', buffered: HistoryEvent[] = []): InstanceState {
  return {
    sentinel: sentinel({ runtimeStatus: status, buffered }),
    history: [
      ...episode(T0, { ...startEvent(), MessageId: 'start-exec1' }, event(EventType.TaskScheduled, { EventId: 0, Name: 'greet', Input: '"Tokyo"' }, T0)),
      ...extra,
    ],
  };
}

export function message(id: string, type: EventType, fields: Partial<HistoryEvent> = {}, extra: Partial<ControlMessage> = {}): ControlMessage {
  return { id, instanceId: INSTANCE, event: event(type, fields, T1), ...extra };
}

export const completed = (id: string, taskId: number, result: unknown) =>
  message(id, EventType.TaskCompleted, { TaskScheduledId: taskId, Result: JSON.stringify(result) });

export const failed = (id: string, taskId: number, failure: FailureDetails) =>
  message(id, EventType.TaskFailed, { TaskScheduledId: taskId, Reason: failure.ErrorMessage, FailureDetails: failure });

export function answer(actions: OrchestratorAction[], fields: { isDone?: boolean; output?: unknown; customStatus?: unknown } = {}): OrchestratorOutcome {
  return {
    ok: true,
    state: { isDone: fields.isDone ?? false, actions: [actions], output: fields.output, customStatus: fields.customStatus, schemaVersion: 3 },
  };
}

export const callGreet = (input: string): OrchestratorAction => ({ actionType: 0, functionName: 'greet', input });
