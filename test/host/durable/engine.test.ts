/**
 * The engine driving the durable-functions SDK's own orchestrator code, in process, against Azurite:
 * every action type, retries, timers, events, sub-orchestrations, continueAsNew, management operations.
 */
jest.mock('@azure/functions-core', () => require('./support/inProcessHost').core, { virtual: true });

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestAzurite } from '../../support/azurite';
import { InProcessHost, startInProcessHost, waitFor } from './support/inProcessHost';
import type { StatusPayload } from '../../../src/host/durable/management';

const appDir = path.join(__dirname, '../../fixtures/durable/app');
let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let host: InProcessHost;
const logFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'durable-log-')), 'activities.log');

function records(): { name: string; input: any; at: number }[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

function executions(name: string): unknown[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.name === name)
    .map((r) => r.input);
}

async function rpc(method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(new URL(pathAndQuery, host.provider.rpcBaseUrl), {
    method,
    headers: body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function start(name: string, input?: unknown, instanceId?: string): Promise<string> {
  const res = await rpc('POST', `orchestrators/${name}${instanceId ? `/${instanceId}` : ''}`, input);
  expect(res.status).toBe(202);
  return res.body.id as string;
}

async function status(id: string, query = ''): Promise<StatusPayload> {
  const res = await rpc('GET', `instances/${id}${query}`);
  return res.body as StatusPayload;
}

async function until(id: string, statuses: string[], timeoutMs = 30000): Promise<StatusPayload> {
  return waitFor(
    async () => {
      const s = await status(id);
      return s && statuses.includes(s.runtimeStatus) ? s : undefined;
    },
    timeoutMs,
    `${id} to reach ${statuses.join('/')}`,
  );
}

const savedHostname = process.env.WEBSITE_HOSTNAME;

beforeAll(async () => {
  process.env.DURABLE_FIXTURE_LOG = logFile;
  azurite = await startTestAzurite();
  require(path.join(appDir, 'index.js'));
  const hostJson = JSON.parse(fs.readFileSync(path.join(appDir, 'host.json'), 'utf8'));
  host = await startInProcessHost({ connectionString: azurite.connectionString, hostJson });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
  // The provider sets WEBSITE_HOSTNAME (as Azure does); other suites in this process must not inherit it.
  if (savedHostname === undefined) delete process.env.WEBSITE_HOSTNAME;
  else process.env.WEBSITE_HOSTNAME = savedHostname;
  delete process.env.DURABLE_FIXTURE_LOG;
});

test('a sequence of activities completes with their results, and the status JSON has the client shape', async () => {
  const id = await start('sequence');
  const s = await until(id, ['Completed', 'Failed']);
  expect(s).toMatchObject({
    name: 'sequence',
    instanceId: id,
    runtimeStatus: 'Completed',
    output: ['Hello Tokyo', 'Hello Seattle', 'Hello London'],
    input: null,
    customStatus: null,
  });
  expect(s.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  expect(s.lastUpdatedTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const withHistory = await status(id, '?showHistory=true&showHistoryOutput=true');
  const types = withHistory.historyEvents!.map((e) => e.EventType);
  expect(types).toEqual(['ExecutionStarted', 'TaskCompleted', 'TaskCompleted', 'TaskCompleted', 'ExecutionCompleted']);
  expect(withHistory.historyEvents![1]).toMatchObject({ FunctionName: 'hello', Result: 'Hello Tokyo', TaskScheduledId: 0 });
});

test('20 instances started at once each complete with their own results', async () => {
  const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => start('fanOut', i + 1)));
  const done = await Promise.all(ids.map((id) => until(id, ['Completed', 'Failed'], 60000)));
  expect(done.map((s) => s.output)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) * (i + 2)));
});

test('maxConcurrentActivityFunctions from host.json bounds how many activities run at once', async () => {
  const id = await start('slowFanOut', { n: 20, ms: 300 });
  expect((await until(id, ['Completed', 'Failed'], 60000)).output).toBe(20);
  const mine = records().filter((r) => (r.name === 'slow-start' || r.name === 'slow') && r.input.ms === 300 && r.input.i !== undefined);
  let running = 0;
  let peak = 0;
  for (const r of mine.sort((a, b) => a.at - b.at || (a.name === 'slow' ? -1 : 1))) {
    running += r.name === 'slow-start' ? 1 : -1;
    peak = Math.max(peak, running);
  }
  expect(mine.filter((r) => r.name === 'slow-start')).toHaveLength(20);
  expect(peak).toBeLessThanOrEqual(8);
  expect(peak).toBeGreaterThan(1);
});

test('fan-out/fan-in of 100 activities sums every result once', async () => {
  const id = await start('fanOut', 100);
  const s = await until(id, ['Completed', 'Failed'], 60000);
  expect(s.runtimeStatus).toBe('Completed');
  expect(s.output).toBe(100 * 101);
});

test('an activity failing twice is retried per RetryOptions and then succeeds', async () => {
  const id = await start('retry', { key: 'r1', failTimes: 2, maxAttempts: 3, firstRetryMs: 100 });
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.runtimeStatus).toBe('Completed');
  expect(s.output).toBe('ok after 3');
  expect(executions('flaky').filter((i: any) => i.key === 'r1')).toHaveLength(3);
  const h = (await status(id, '?showHistory=true')).historyEvents!;
  // Sequence numbers as the extension assigns them: attempt 0, timer 1, attempt 2, timer 3, attempt 4.
  expect(h.filter((e) => e.EventType === 'TaskFailed').map((e) => e.TaskScheduledId)).toEqual([0, 2]);
  expect(h.filter((e) => e.EventType === 'TimerFired').map((e) => e.TimerId)).toEqual([1, 3]);
  expect(h.filter((e) => e.EventType === 'TaskCompleted').map((e) => e.TaskScheduledId)).toEqual([4]);
});

test('retries exhausted: the orchestration fails with the activity error', async () => {
  const id = await start('retry', { key: 'r2', failTimes: 5, maxAttempts: 2, firstRetryMs: 100 });
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.runtimeStatus).toBe('Failed');
  expect(String(s.output)).toContain("Orchestrator function 'retry' failed");
  expect(String(s.output)).toContain('flaky failure 2 of r2');
  expect(executions('flaky').filter((i: any) => i.key === 'r2')).toHaveLength(2);
});

test('an activity failure can be caught by the orchestrator, which goes on', async () => {
  const id = await start('catchFailure');
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.runtimeStatus).toBe('Completed');
  expect((s.output as any).caught).toContain('boom: x');
  expect((s.output as any).after).toBe('Hello after');
});

test('an uncaught activity failure fails the orchestration with FailureDetails in history', async () => {
  const id = await start('uncaughtFailure', 'u1');
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.runtimeStatus).toBe('Failed');
  expect(String(s.output)).toContain('boom: u1');
  const h = (await status(id, '?showHistory=true')).historyEvents!;
  const failed = h.find((e) => e.EventType === 'TaskFailed')!;
  expect(failed).toMatchObject({ FunctionName: 'fail', FailureDetails: { ErrorType: 'Error', ErrorMessage: 'boom: u1' } });
});

test('a durable timer fires and the orchestration continues', async () => {
  const t0 = Date.now();
  const id = await start('timer', 1500);
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.output).toEqual({ fired: true, after: 'Hello timer' });
  expect(Date.now() - t0).toBeGreaterThanOrEqual(1500);
});

test('an external event raised through the API completes the wait; custom status is visible', async () => {
  const id = await start('approval');
  const waiting = await waitFor(async () => {
    const s = await status(id);
    return (s.customStatus as any)?.stage === 'waiting for approval' ? s : undefined;
  });
  expect(waiting.runtimeStatus).toBe('Running');
  const raised = await rpc('POST', `instances/${id}/raiseEvent/approval`, { by: 'ops' });
  expect(raised.status).toBe(202);
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.output).toEqual({ by: 'ops' });
  expect(s.customStatus).toEqual({ stage: 'approved' });
});

test('Task.any of an event and a timer: the event wins, or the timer when no event comes', async () => {
  const a = await start('eventOrTimeout', 60000);
  await until(a, ['Running']);
  await rpc('POST', `instances/${a}/raiseEvent/go`, 'now');
  expect((await until(a, ['Completed', 'Failed'])).output).toEqual({ event: 'now' });
  const b = await start('eventOrTimeout', 1000);
  expect((await until(b, ['Completed', 'Failed'])).output).toBe('timeout');
});

test('sub-orchestrations run to completion and report results and caught failures to the parent', async () => {
  const id = await start('parent', undefined, 'parent-1');
  const s = await until(id, ['Completed', 'Failed'], 60000);
  expect(s.runtimeStatus).toBe('Completed');
  expect((s.output as any).child).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
  expect((s.output as any).failed.caught).toContain('boom: x');
  const child2 = await status('parent-1-child2');
  expect(child2.runtimeStatus).toBe('Completed');
  const p = await start('parentOfFailure');
  const ps = await until(p, ['Completed', 'Failed'], 60000);
  expect(ps.runtimeStatus).toBe('Completed');
  expect((ps.output as any).caught).toContain('boom: sub');
});

test('continueAsNew restarts the instance with the new input until it returns', async () => {
  const id = await start('counter', 0);
  const s = await until(id, ['Completed', 'Failed'], 60000);
  expect(s.runtimeStatus).toBe('Completed');
  expect(s.output).toBe(3);
  expect(s.input).toBe(3);
});

test('terminate, suspend/resume and purge follow the extension status codes', async () => {
  const t = await start('approval');
  await until(t, ['Running']);
  expect((await rpc('POST', `instances/${t}/terminate?reason=stop`)).status).toBe(202);
  const ts = await until(t, ['Terminated']);
  expect(ts.output).toBe('stop');
  expect((await rpc('POST', `instances/${t}/terminate?reason=again`)).status).toBe(410);
  expect((await rpc('POST', `instances/missing-id/terminate`)).status).toBe(404);

  const s = await start('approval');
  await until(s, ['Running']);
  expect((await rpc('POST', `instances/${s}/suspend?reason=pause`)).status).toBe(202);
  await until(s, ['Suspended']);
  await rpc('POST', `instances/${s}/raiseEvent/approval`, 'while suspended');
  await new Promise((r) => setTimeout(r, 500));
  expect((await status(s)).runtimeStatus).toBe('Suspended');
  expect((await rpc('POST', `instances/${s}/resume?reason=go`)).status).toBe(202);
  expect((await until(s, ['Completed'])).output).toBe('while suspended');

  expect((await rpc('DELETE', `instances/${s}`)).body).toEqual({ instancesDeleted: 1 });
  expect((await rpc('GET', `instances/${s}`)).status).toBe(404);
  const running = await start('approval');
  await until(running, ['Running']);
  expect((await rpc('DELETE', `instances/${running}`)).status).toBe(412);
  await rpc('POST', `instances/${running}/terminate`);
});

test('starting an instance id that is running is a conflict; a finished one can be restarted', async () => {
  const id = await start('approval', undefined, 'fixed-id');
  await until(id, ['Running']);
  expect((await rpc('POST', 'orchestrators/approval/fixed-id')).status).toBe(409);
  await rpc('POST', `instances/${id}/raiseEvent/approval`, 1);
  await until(id, ['Completed']);
  await start('sequence', undefined, 'fixed-id');
  const s = await until('fixed-id', ['Completed'], 30000);
  expect(s.name).toBe('sequence');
  expect((await rpc('POST', 'orchestrators/noSuchOrchestrator')).status).toBe(400);
  expect((await rpc('POST', 'orchestrators/sequence', undefined, {})).status).toBe(202);
});

test('list with runtimeStatus filter and paging follows continuation tokens', async () => {
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(await start('sequence', undefined, `page-${i}`));
  for (const id of ids) await until(id, ['Completed']);
  let token: string | null = null;
  const seen: string[] = [];
  let pages = 0;
  do {
    const res = await rpc(
      'GET',
      'instances/?runtimeStatus=Completed&instanceIdPrefix=page-&top=2',
      undefined,
      token ? { 'x-ms-continuation-token': token } : {},
    );
    expect(res.status).toBe(200);
    expect(res.body.length).toBeLessThanOrEqual(2);
    seen.push(...res.body.map((s: StatusPayload) => s.instanceId));
    token = res.headers.get('x-ms-continuation-token');
    pages++;
  } while (token);
  expect(seen.sort()).toEqual(ids.sort());
  expect(pages).toBeGreaterThanOrEqual(3);
  const running = await rpc('GET', 'instances/?runtimeStatus=Running&instanceIdPrefix=page-');
  expect(running.body).toEqual([]);
});

test('list by created time, and purge by filter removes only finished instances in the window', async () => {
  const from = new Date().toISOString();
  const a = await start('sequence', undefined, 'window-a');
  const b = await start('approval', undefined, 'window-b');
  await until(a, ['Completed']);
  await until(b, ['Running']);
  const to = new Date(Date.now() + 1000).toISOString();
  const listed = await rpc('GET', `instances/?createdTimeFrom=${from}&createdTimeTo=${to}&instanceIdPrefix=window-`);
  expect(listed.body.map((s: StatusPayload) => s.instanceId).sort()).toEqual(['window-a', 'window-b']);
  const before = await rpc('GET', `instances/?createdTimeTo=${from}&instanceIdPrefix=window-`);
  expect(before.body).toEqual([]);
  expect((await rpc('DELETE', 'instances/?runtimeStatus=Completed')).status).toBe(400);
  const purged = await rpc('DELETE', `instances/?createdTimeFrom=${from}&createdTimeTo=${to}&runtimeStatus=Completed,Running`);
  expect(purged.status).toBe(200);
  expect(purged.body.instancesDeleted).toBeGreaterThanOrEqual(1);
  expect((await rpc('GET', 'instances/window-a')).status).toBe(404);
  expect((await status('window-b')).runtimeStatus).toBe('Running');
  await rpc('POST', 'instances/window-b/terminate');
});

test('bad requests get stable error codes, not 500s', async () => {
  const badJson = await fetch(new URL('orchestrators/sequence', host.provider.rpcBaseUrl), { method: 'POST', body: '{not json' });
  expect(badJson.status).toBe(400);
  expect((await badJson.json()).code).toBe('DURABLE_BAD_INPUT');
  const id = await start('approval');
  await until(id, ['Running']);
  const text = await fetch(new URL(`instances/${id}/raiseEvent/approval`, host.provider.rpcBaseUrl), {
    method: 'POST',
    headers: { 'Content-Type': 'text/plain' },
    body: 'hi',
  });
  expect(text.status).toBe(400);
  expect((await rpc('GET', 'instances/?createdTimeFrom=not-a-date')).status).toBe(400);
  expect((await rpc('POST', `instances/${id}/explode`)).status).toBe(404);
  expect((await rpc('GET', 'nothing-here')).status).toBe(404);
  await rpc('POST', `instances/${id}/terminate`);
});

test('inputs and results larger than a queue message or a table property go through blobs', async () => {
  const id = await start('bigPayload', { size: 300000, blob: 'y'.repeat(200000) });
  const s = await until(id, ['Completed', 'Failed'], 60000);
  expect(s.runtimeStatus).toBe('Completed');
  expect((s.output as any).inputLength).toBe(200000);
  expect((s.output as any).output).toHaveLength(300000);
  expect((s.input as any).blob).toHaveLength(200000);
});

test('calling an activity that does not exist fails the orchestration with a clear error', async () => {
  const id = await start('callsMissing');
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.runtimeStatus).toBe('Failed');
  expect(String(s.output)).toContain("The function 'noSuchActivity' doesn't exist");
});

test('restart starts the orchestrator again with the original input, under a new id or the same one', async () => {
  const id = await start('fanOut', 4, 'restart-me');
  await until(id, ['Completed']);
  const fresh = await rpc('POST', `instances/${id}/restart`);
  expect(fresh.status).toBe(202);
  expect(fresh.body.id).not.toBe(id);
  expect((await until(fresh.body.id, ['Completed'])).output).toBe(20);
  const same = await rpc('POST', `instances/${id}/restart?restartWithNewInstanceId=false`);
  expect(same.body.id).toBe(id);
  expect((await until(id, ['Completed'])).input).toBe(4);
  expect((await rpc('POST', 'instances/never-existed/restart')).status).toBe(400);
});

test('entities: an orchestration signals and calls an entity; operations apply in order; errors reach the caller', async () => {
  const id = await start('entityCounter', 'k1');
  const s = await until(id, ['Completed', 'Failed'], 30000);
  expect(s.runtimeStatus).toBe('Completed');
  expect(s.output).toEqual({ value: 10, error: true, after: 'Hello entity' });
  const state = await rpc('GET', 'entities/tally/k1');
  expect(state).toMatchObject({ status: 200, body: 10 });
});

test('entities: the client signals an entity and reads its state; an entity signals another', async () => {
  expect((await rpc('POST', 'entities/tally/k2?op=add', 3)).status).toBe(202);
  expect((await rpc('POST', 'entities/tally/k2?op=forward', { key: 'k3', amount: 7 })).status).toBe(202);
  const k2 = await waitFor(async () => {
    const r = await rpc('GET', 'entities/tally/k2');
    return r.status === 200 ? r.body : undefined;
  });
  expect(k2).toBe(3);
  const k3 = await waitFor(async () => {
    const r = await rpc('GET', 'entities/tally/k3');
    return r.status === 200 ? r.body : undefined;
  });
  expect(k3).toBe(7);
  expect((await rpc('GET', 'entities/tally/never-used')).status).toBe(404);
});

test('rewind re-runs the failed activity of a failed instance', async () => {
  const id = await start('retry', { key: 'rw', failTimes: 1, maxAttempts: 1, firstRetryMs: 100 });
  expect((await until(id, ['Completed', 'Failed'])).runtimeStatus).toBe('Failed');
  expect((await rpc('POST', `instances/${id}/rewind?reason=fixed`)).status).toBe(202);
  const s = await until(id, ['Completed'], 30000);
  expect(s.output).toBe('ok after 2');
  const done = await rpc('POST', `instances/${id}/rewind`);
  expect(done.status).toBe(412);
});

test('a second result for the same task (a re-run activity) is dropped: the first one is applied once', async () => {
  const id = await start('slowPipeline', { ms: 1500 });
  await waitFor(async () => (executions('slow-start').length > 0 ? true : undefined));
  const row = await host.provider.engine!.store.getInstance(id);
  const droppedBefore = host.provider.engine!.stats.droppedDuplicates;
  // A result for task 0 arrives while the activity still runs (as from an earlier, re-delivered run).
  await host.provider.engine!.store.sendControl({
    id: 'injected-result',
    instanceId: id,
    executionId: row!.executionId,
    event: { EventType: 5, EventId: -1, Timestamp: new Date().toISOString(), IsPlayed: false, TaskScheduledId: 0, Result: '"injected"' },
  });
  await host.provider.engine!.store.sendControl({
    id: 'injected-second',
    instanceId: id,
    executionId: row!.executionId,
    event: { EventType: 5, EventId: -1, Timestamp: new Date().toISOString(), IsPlayed: false, TaskScheduledId: 0, Result: '"second"' },
  });
  host.provider.engine!.wakeControl();
  const s = await until(id, ['Completed', 'Failed']);
  expect(s.output).toEqual({ trained: 'injected', greeting: 'Hello after slow' });
  await waitFor(async () => (executions('slow').length > 0 ? true : undefined));
  await new Promise((r) => setTimeout(r, 300));
  expect(host.provider.engine!.stats.droppedDuplicates).toBeGreaterThan(droppedBefore);
  const h = (await status(id, '?showHistory=true')).historyEvents!;
  expect(h.filter((e) => e.EventType === 'TaskCompleted' && e.TaskScheduledId === 0)).toHaveLength(1);
});

test('the webhook API on the host port requires the system key and serves the same status', async () => {
  const id = await start('sequence');
  await until(id, ['Completed']);
  const url = `${host.baseUrl}/runtime/webhooks/durabletask/instances/${id}`;
  expect((await fetch(url)).status).toBe(401);
  const res = await fetch(`${url}?taskHub=FixtureHub&connection=Storage&code=${host.systemKey}`);
  expect(res.status).toBe(200);
  expect((await res.json()).output).toEqual(['Hello Tokyo', 'Hello Seattle', 'Hello London']);
});

test('invalid instance ids and continuation tokens are 400s', async () => {
  expect((await rpc('GET', 'instances/bad%23id')).status).toBe(400);
  expect((await rpc('POST', 'orchestrators/sequence/bad%3Fid')).status).toBe(400);
  expect((await rpc('GET', 'instances/', undefined, { 'x-ms-continuation-token': 'garbage!!' })).status).toBe(400);
});
