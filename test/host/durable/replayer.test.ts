/**
 * Sequence numbers: the replayer must hand out the ids the durable-functions SDK expects. Each test
 * drives the SDK's real orchestrator executor episode by episode on a history built by the replayer's
 * decisions, completing work out of order; if an id disagreed, the SDK would apply a result to the
 * wrong task, throw, or wait forever (the harness then reports "stuck").
 */
import { EventType } from '../../../src/host/durable/history';
import { Activity, simulate } from './support/simulate';

const df = require('durable-functions');

const flaky =
  (failures: Record<string, number>): Activity =>
  (input, attempt) => {
    if (attempt <= (failures[String(input)] ?? 0)) throw new Error(`fail ${input} #${attempt}`);
    return `ok ${input} after ${attempt}`;
  };

test('WhenAll of retried activities completing in reverse order: every retry lands on its own task', async () => {
  const r = await simulate(
    function* (ctx) {
      const opts = new df.RetryOptions(1000, 4);
      const tasks = ['a', 'b', 'c'].map((k) => ctx.df.callActivityWithRetry('flaky', opts, k));
      const all = yield ctx.df.Task.all(tasks);
      const after = yield ctx.df.callActivity('flaky', 'd');
      return [...all, after];
    },
    { activities: { flaky: flaky({ a: 2, c: 1 }) }, order: 'lifo', perEpisode: 1 },
  );
  expect(r.output).toEqual(['ok a after 3', 'ok b after 1', 'ok c after 2', 'ok d after 1']);
  // 3 first attempts (0-2), then a's timer and attempt, c's, ... and d last: ids are dense.
  const ids = r.history.filter((e) => e.EventType === EventType.TaskScheduled || e.EventType === EventType.TimerCreated).map((e) => e.EventId);
  expect([...ids].sort((x, y) => x - y)).toEqual(ids.map((_, i) => i));
});

test('retry exhausted: the SDK fails after the timer that follows the last attempt', async () => {
  const r = await simulate(
    function* (ctx) {
      return yield ctx.df.callActivityWithRetry('flaky', new df.RetryOptions(500, 3), 'x');
    },
    { activities: { flaky: flaky({ x: 99 }) } },
  );
  expect(r.failed).toContain('fail x #3');
  const timers = r.history.filter((e) => e.EventType === EventType.TimerCreated);
  expect(timers.map((t) => t.EventId)).toEqual([1, 3, 5]);
  // Backoff 1: each retry timer fires firstRetryInterval after the failure.
  const failedAt = r.history.filter((e) => e.EventType === EventType.OrchestratorStarted).map((e) => e.Timestamp);
  expect(new Date(timers[0].FireAt!).getTime() - new Date(failedAt[1]).getTime()).toBe(500);
});

test('backoff and max retry interval shape the retry timers', async () => {
  const r = await simulate(
    function* (ctx) {
      const o = new df.RetryOptions(1000, 5);
      o.backoffCoefficient = 3;
      o.maxRetryIntervalInMilliseconds = 5000;
      return yield ctx.df.callActivityWithRetry('flaky', o, 'y');
    },
    { activities: { flaky: flaky({ y: 4 }) } },
  );
  expect(r.output).toBe('ok y after 5');
  const delays = r.history.filter((e) => e.EventType === EventType.TimerCreated).map((t) => new Date(t.FireAt!).getTime() - new Date(t.Timestamp).getTime());
  expect(delays).toEqual([1000, 3000, 5000, 5000]);
});

test('an event raised before the orchestrator waits for it is delivered when it does', async () => {
  const r = await simulate(
    function* (ctx) {
      const first = yield ctx.df.callActivity('echo', 1);
      const approval = yield ctx.df.waitForExternalEvent('approval');
      const second = yield ctx.df.callActivity('echo', 2);
      return { first, approval, second };
    },
    { activities: { echo: (i) => i * 10 }, events: [[1, 'approval', 'yes']] },
  );
  expect(r.output).toEqual({ first: 10, approval: 'yes', second: 20 });
});

test('Task.any of a timer and an activity, then more work: ids continue after the cancelled timer', async () => {
  const r = await simulate(
    function* (ctx) {
      const timer = ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 60000));
      const work = ctx.df.callActivity('echo', 5);
      const winner = yield ctx.df.Task.any([timer, work]);
      if (winner === work) timer.cancel();
      const next = yield ctx.df.callActivity('echo', 6);
      return [winner === work ? work.result : 'timer', next];
    },
    { activities: { echo: (i) => i } },
  );
  expect(r.output).toEqual([5, 6]);
  const scheduled = r.history.filter((e) => e.EventType === EventType.TaskScheduled).map((e) => e.EventId);
  expect(scheduled).toEqual([1, 2]);
});

test('a timer beyond the 6-day maximum is split into 3-day timers', async () => {
  const r = await simulate(
    function* (ctx) {
      yield ctx.df.createTimer(new Date(ctx.df.currentUtcDateTime.getTime() + 10 * 24 * 3600 * 1000));
      return 'done';
    },
    { activities: {} },
  );
  expect(r.output).toBe('done');
  const timers = r.history.filter((e) => e.EventType === EventType.TimerCreated);
  expect(timers.length).toBe(3);
  expect(timers.map((t) => t.EventId)).toEqual([0, 1, 2]);
});

test('sub-orchestration with retry: the failed attempt is retried under a new id', async () => {
  const r = await simulate(
    function* (ctx) {
      return yield ctx.df.callSubOrchestratorWithRetry('child', new df.RetryOptions(100, 2), 'in');
    },
    {
      activities: {},
      subOrchestrators: {
        child: (i, attempt) => {
          if (attempt === 1) throw new Error('child failed');
          return `${i}-${attempt}`;
        },
      },
    },
  );
  expect(r.output).toBe('in-2');
  expect(r.history.filter((e) => e.EventType === EventType.SubOrchestrationInstanceCreated).map((e) => e.EventId)).toEqual([0, 2]);
});

test('a fan-out of 50 completing in reverse, a few per episode, sums correctly', async () => {
  const r = await simulate(
    function* (ctx) {
      const tasks = [];
      for (let i = 1; i <= 50; i++) tasks.push(ctx.df.callActivity('double', i));
      const results: number[] = yield ctx.df.Task.all(tasks);
      return results.reduce((a, b) => a + b, 0);
    },
    { activities: { double: (n) => n * 2 }, order: 'lifo', perEpisode: 7 },
  );
  expect(r.output).toBe(2550);
});

test('retry timeout: once it has expired the remaining attempts fail without running', async () => {
  let runs = 0;
  const r = await simulate(
    function* (ctx) {
      const o = new df.RetryOptions(1000, 5);
      o.retryTimeoutInMilliseconds = 1500;
      return yield ctx.df.callActivityWithRetry('always', o, 'z');
    },
    {
      activities: {
        always: () => {
          runs++;
          throw new Error('still failing');
        },
      },
    },
  );
  expect(r.failed).toContain('still failing');
  // Attempt 1 fails at +1 s (retry after 1 s), attempt 2 fails at +3 s: past the 1.5 s timeout.
  expect(runs).toBe(2);
});

test('entity signals take a sequence number, calls wait for the answer named after their request id', async () => {
  let total = 0;
  const signals: { entity: string; op: string; input: string | null }[] = [];
  const r = await simulate(
    function* (ctx) {
      const id = new df.EntityId('Counter', 'a');
      ctx.df.signalEntity(id, 'add', 2);
      const before = yield ctx.df.callActivity('echo', 1);
      const value = yield ctx.df.callEntity(id, 'get');
      let failed = false;
      try {
        yield ctx.df.callEntity(id, 'boom');
      } catch {
        failed = true;
      }
      const [x, y] = yield ctx.df.Task.all([ctx.df.callEntity(id, 'get'), ctx.df.callActivity('echo', 2)]);
      return { before, value, failed, x, y };
    },
    {
      activities: { echo: (i) => i },
      entity: (op, input) => (op === 'boom' ? new Error('no') : op === 'add' ? (total += input as number) : 42),
      entitySignals: signals,
    },
  );
  expect(r.output).toEqual({ before: 1, value: 42, failed: true, x: 42, y: 2 });
  expect(signals).toEqual([{ entity: '@counter@a', op: 'add', input: '2' }]);
  const sent = r.history.filter((e) => e.EventType === EventType.EventSent).map((e) => e.EventId);
  expect(sent).toEqual([0, 2, 3, 4]);
});
