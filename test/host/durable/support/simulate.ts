/**
 * A harness that drives the durable-functions SDK's real orchestrator executor episode by episode, on a
 * history built from the replayer's decisions (src/host/durable/replayer.ts), with activities, timers,
 * external events, sub-orchestrations and entity calls answered by the test. Used by the replayer's
 * tests and by the pipeline orchestrator's.
 */
import { EventType, HistoryEvent } from '../../../../src/host/durable/history';
import { NewWork, replayActions } from '../../../../src/host/durable/replayer';

const df = require('durable-functions');
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils');

export type Activity = (input: any, attempt: number) => unknown;

export interface SimOptions {
  input?: unknown;
  activities: Record<string, Activity>;
  /** Order in which pending work completes each round: 'fifo' | 'lifo'. */
  order?: 'fifo' | 'lifo';
  /** How many pending items complete per episode. */
  perEpisode?: number;
  /** External events to raise: [afterEpisode, name, value]. */
  events?: [number, string, unknown][];
  subOrchestrators?: Record<string, (input: any, attempt: number) => unknown>;
  /** Answers entity calls: (operation, input) => value or Error. */
  entity?: (op: string, input: unknown) => unknown;
  /** Collects one-way entity signals. */
  entitySignals?: { entity: string; op: string; input: string | null }[];
}

export interface SimResult {
  output: unknown;
  failed?: string;
  history: HistoryEvent[];
  episodes: number;
}

export const ev = (type: EventType, at: Date, fields: Partial<HistoryEvent> = {}): HistoryEvent => ({
  EventType: type,
  EventId: -1,
  Timestamp: at.toISOString(),
  IsPlayed: false,
  ...fields,
});

export async function simulate(orchestrator: (ctx: any) => Generator<any, any, any>, opts: SimOptions): Promise<SimResult> {
  const handler = createOrchestrator(orchestrator);
  let now = new Date('2026-01-01T00:00:00Z');
  const history: HistoryEvent[] = [];
  let incoming: HistoryEvent[] = [ev(EventType.ExecutionStarted, now, { Name: 'sim', Input: opts.input === undefined ? null : JSON.stringify(opts.input) })];
  const pending: NewWork[] = [];
  const attempts = new Map<string, number>();
  for (let episode = 1; episode <= 200; episode++) {
    const episodeEvents = [ev(EventType.OrchestratorStarted, now), ...incoming];
    const full = [...history.map((e) => ({ ...e, IsPlayed: true })), ...episodeEvents];
    const binding = {
      history: JSON.parse(JSON.stringify(full)),
      input: opts.input,
      instanceId: 'sim',
      isReplaying: history.length > 0,
      upperSchemaVersion: 1,
      upperSchemaVersionNew: 3,
      longRunningTimerIntervalDuration: '3.00:00:00',
      maximumShortTimerDuration: '6.00:00:00',
      defaultHttpAsyncRequestSleepTimeMillseconds: 30000,
    };
    let state: any;
    try {
      state = await handler(binding, new df.DummyOrchestrationContext('sim', 'inv', () => undefined));
    } catch (err) {
      const m = (err as Error).message;
      const at = m.indexOf('$OutOfProcData$:');
      if (at < 0) throw err;
      const failedState = JSON.parse(m.slice(at + 16));
      return { output: undefined, failed: failedState.error, history: full, episodes: episode };
    }
    const replay = replayActions(state.actions[0] ?? [], full);
    expect(replay.nonDeterminism).toBeUndefined();
    history.push(...episodeEvents);
    if (state.isDone) return { output: state.output, history, episodes: episode };
    for (const w of replay.newWork) {
      if (w.kind === 'activity') history.push(ev(EventType.TaskScheduled, now, { EventId: w.id, Name: w.name, Input: w.input }));
      if (w.kind === 'timer') history.push(ev(EventType.TimerCreated, now, { EventId: w.id, FireAt: w.fireAt }));
      if (w.kind === 'subOrchestration') history.push(ev(EventType.SubOrchestrationInstanceCreated, now, { EventId: w.id, Name: w.name }));
      if (w.kind === 'entityOperation') {
        const request = { id: `req-${w.id}`, op: w.operation, signal: w.signal, input: w.input ?? undefined };
        history.push(ev(EventType.EventSent, now, { EventId: w.id, InstanceId: w.entityId, Name: 'op', Input: JSON.stringify(request) }));
        if (w.signal) {
          opts.entitySignals?.push({ entity: w.entityId, op: w.operation, input: w.input });
          continue;
        }
      }
      pending.push(w);
    }
    history.push(ev(EventType.OrchestratorCompleted, now));
    now = new Date(now.getTime() + 1000);
    incoming = [];
    for (const [after, name, value] of opts.events ?? []) {
      if (after === episode) incoming.push(ev(EventType.EventRaised, now, { Name: name, Input: JSON.stringify(value) }));
    }
    // Timers fire once due; here time jumps to the earliest pending timer when nothing else is left.
    const ready = pending.filter((w) => w.kind !== 'timer' || new Date(w.fireAt).getTime() <= now.getTime());
    if (ready.length === 0 && pending.length > 0) {
      now = new Date(Math.min(...pending.map((w) => (w.kind === 'timer' ? new Date(w.fireAt).getTime() : Infinity))));
      ready.push(...pending.filter((w) => w.kind === 'timer' && new Date(w.fireAt).getTime() <= now.getTime()));
    }
    if (opts.order === 'lifo') ready.reverse();
    for (const w of ready.slice(0, opts.perEpisode ?? ready.length)) {
      pending.splice(pending.indexOf(w), 1);
      if (w.kind === 'timer') {
        incoming.push(ev(EventType.TimerFired, now, { TimerId: w.id, FireAt: w.fireAt }));
        continue;
      }
      if (w.kind === 'entityOperation') {
        const value = opts.entity!(w.operation, w.input === null ? undefined : JSON.parse(w.input));
        const response = value instanceof Error ? { exceptionType: 'Error', result: JSON.stringify(value.message) } : { result: JSON.stringify(value) };
        incoming.push(ev(EventType.EventRaised, now, { Name: `req-${w.id}`, Input: JSON.stringify(response) }));
        continue;
      }
      const fn = w.kind === 'activity' ? opts.activities[w.name] : opts.subOrchestrators?.[w.name];
      const input = w.input === null ? null : JSON.parse(w.input);
      const key = `${w.name}:${JSON.stringify(input)}`;
      const attempt = (attempts.get(key) ?? 0) + 1;
      attempts.set(key, attempt);
      const ok = w.kind === 'activity' ? EventType.TaskCompleted : EventType.SubOrchestrationInstanceCompleted;
      const bad = w.kind === 'activity' ? EventType.TaskFailed : EventType.SubOrchestrationInstanceFailed;
      try {
        if (w.failWith) throw new Error(w.failWith.FailureDetails?.ErrorMessage ?? 'expired');
        const result = fn(input, attempt);
        incoming.push(ev(ok, now, { TaskScheduledId: w.id, Result: result === undefined ? null : JSON.stringify(result) }));
      } catch (err) {
        incoming.push(ev(bad, now, { TaskScheduledId: w.id, FailureDetails: { ErrorType: 'Error', ErrorMessage: (err as Error).message } }));
      }
    }
    if (incoming.length === 0) throw new Error(`stuck after episode ${episode}: nothing pending, orchestration not done`);
  }
  throw new Error('too many episodes');
}
