/**
 * Whole orchestrations through the pure episode function alone, with the durable-functions SDK's
 * real orchestrator executor and no storage: each episode's outbox is carried out in memory (work
 * items run, timers fire) and fed back as the next episode's messages, delivered out of order and
 * with redeliveries. If the episode function built a history the SDK does not accept, or applied a
 * result twice, the orchestrator would fail, give the wrong output or get stuck.
 */
import type { EpisodeContext } from '../../../../src/host/durable/episode/episodeContext';
import type { InstanceState } from '../../../../src/host/durable/episode/intake';
import { runEpisode } from '../../../../src/host/durable/episode/runEpisode';
import { event, EventType, HistoryEvent, isTerminal } from '../../../../src/host/durable/history';
import type { ControlMessage, InstanceStatus } from '../../../../src/host/durable/messages';
import { parseOrchestratorFailure } from '../../../../src/host/durable/provider';
import type { OrchestratorOutcome } from '../../../../src/host/durable/runner';

const df = require('durable-functions');
const { createOrchestrator } = require('durable-functions/lib/src/util/testingUtils');

type Activities = Record<string, (input: any, attempt: number) => unknown>;

interface Run {
  instance: InstanceStatus;
  history: HistoryEvent[];
  episodes: number;
  ran: string[];
}

async function runInMemory(orchestrator: (ctx: any) => Generator<any, any, any>, input: unknown, activities: Activities): Promise<Run> {
  const handler = createOrchestrator(orchestrator);
  let now = new Date('2026-01-01T00:00:00Z');
  let n = 0;
  const ctx = (): EpisodeContext => ({
    instanceId: 'mem',
    now,
    newId: () => `id-${++n}`,
    canonicalName: (s) => s,
    longRunningTimerIntervalDuration: '3.00:00:00',
    maximumShortTimerDuration: '6.00:00:00',
  });
  const runOrchestrator = async (_name: string, binding: Record<string, unknown>): Promise<OrchestratorOutcome> => {
    try {
      const state = await handler(JSON.parse(JSON.stringify(binding)), new df.DummyOrchestrationContext('mem', 'inv', () => undefined));
      return { ok: true, state };
    } catch (err) {
      const f = parseOrchestratorFailure(err);
      return { ok: false, error: f.error, state: f.state, failure: f.failureDetails ?? { ErrorType: 'Error', ErrorMessage: f.error } };
    }
  };
  const start: ControlMessage = {
    id: 'start',
    instanceId: 'mem',
    event: event(
      EventType.ExecutionStarted,
      { Name: 'orch', Input: JSON.stringify(input), OrchestrationInstance: { InstanceId: 'mem', ExecutionId: 'x1' } },
      now,
    ),
  };
  let state: InstanceState = { history: [] };
  let inbox: ControlMessage[] = [start];
  let last: InstanceStatus | undefined;
  const attempts = new Map<string, number>();
  const ran: string[] = [];
  for (let episodes = 1; episodes <= 100; episodes++) {
    const result = await runEpisode(state, inbox, ctx(), { runOrchestrator, previousCustomStatus: async () => last?.customStatus });
    if (result.kind === 'none') throw new Error(`stuck: the messages changed nothing (${inbox.map((m) => EventType[m.event.EventType]).join(', ')})`);
    // Commit: the sentinel as the store would return it, the outbox sent.
    state = { sentinel: { ...result.sentinel, etag: `etag-${episodes}`, pendingEpisode: -1 }, history: result.history };
    last = result.record.instance;
    if (isTerminal(last.runtimeStatus)) return { instance: last, history: result.history, episodes, ran };
    now = new Date(now.getTime() + 60000);
    const next: ControlMessage[] = [];
    for (const o of result.record.outbound) {
      if (o.queue === 'control') {
        next.push(o.message); // timers fire at once here: time is not what these tests are about
        continue;
      }
      const w = o.message;
      const attempt = (attempts.get(`${w.name}:${w.input}`) ?? 0) + 1;
      attempts.set(`${w.name}:${w.input}`, attempt);
      ran.push(`${w.name}(${w.input})#${attempt}`);
      let ev: HistoryEvent;
      try {
        const value = activities[w.name](w.input === null ? null : JSON.parse(w.input), attempt);
        ev = event(EventType.TaskCompleted, { TaskScheduledId: w.taskScheduledId, Result: JSON.stringify(value) }, now);
      } catch (err) {
        const message = (err as Error).message;
        ev = event(
          EventType.TaskFailed,
          { TaskScheduledId: w.taskScheduledId, Reason: message, Details: '', FailureDetails: { ErrorType: 'Error', ErrorMessage: message } },
          now,
        );
      }
      next.push({ id: `result-${w.id}`, instanceId: 'mem', executionId: w.executionId, event: ev });
    }
    // Results arrive in reverse order, and every result is delivered twice (a redelivery).
    inbox = [...next.reverse(), ...next];
  }
  throw new Error('too many episodes');
}

const completions = (history: HistoryEvent[]) => history.filter((e) => e.EventType === EventType.TaskCompleted || e.EventType === EventType.TaskFailed);

test('a sequence then a fan-out: the SDK replays the episodes built here to the right output, each result applied once', async () => {
  const run = await runInMemory(
    function* (context: any) {
      const greeting = yield context.df.callActivity('greet', context.df.getInput());
      const doubled = yield context.df.Task.all([1, 2, 3, 4].map((x) => context.df.callActivity('double', x)));
      context.df.setCustomStatus({ phase: 'done' });
      return { greeting, sum: doubled.reduce((a: number, b: number) => a + b, 0) };
    },
    'Tokyo',
    { greet: (name) => `Hello ${name}`, double: (x) => 2 * x },
  );
  expect(run.instance).toMatchObject({
    runtimeStatus: 'Completed',
    output: JSON.stringify({ greeting: 'Hello Tokyo', sum: 20 }),
    customStatus: '{"phase":"done"}',
  });
  expect(run.episodes).toBe(3);
  const ids = completions(run.history).map((e) => e.TaskScheduledId);
  expect(ids.sort()).toEqual([0, 1, 2, 3, 4]);
});

test('a retried activity: the retry timer and the new attempt get the ids the SDK expects, and the retry succeeds', async () => {
  const run = await runInMemory(
    function* (context: any) {
      return yield context.df.callActivityWithRetry('flaky', new df.RetryOptions(1000, 3), 'x');
    },
    null,
    {
      flaky: (input, attempt) => {
        if (attempt < 3) throw new Error(`attempt ${attempt} failed`);
        return `${input} after ${attempt}`;
      },
    },
  );
  expect(run.instance).toMatchObject({ runtimeStatus: 'Completed', output: '"x after 3"' });
  expect(run.ran).toEqual(['flaky("x")#1', 'flaky("x")#2', 'flaky("x")#3']);
  expect(run.history.filter((e) => e.EventType === EventType.TimerCreated).map((e) => e.EventId)).toEqual([1, 3]);
});

test('an uncaught activity failure fails the orchestration with the activity error', async () => {
  const run = await runInMemory(
    function* (context: any) {
      return yield context.df.callActivity('broken', 1);
    },
    null,
    {
      broken: () => {
        throw new Error('disk on fire');
      },
    },
  );
  expect(run.instance.runtimeStatus).toBe('Failed');
  expect(run.instance.output).toContain('disk on fire');
});
