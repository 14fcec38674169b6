/**
 * Crash safety: the host process is killed with SIGKILL at precise points or in the middle of an
 * activity, then restarted. The crash points are engine hooks installed by a test-only preload
 * (test/fixtures/durable/crashPoints.js, through NODE_OPTIONS=--require) that reads
 * DURABLE_TEST_CRASH_AT=point[@n]; the engine itself has no crash logic. Each instance must complete
 * exactly once with the right output, with every task result applied once (one completion event per
 * task id in history), even where an activity had to run again.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort } from '../../../src/host/azurite';
import { startTestAzurite } from '../../support/azurite';
import { startTestHost, TestHost } from '../../support/host';

const appDir = path.join('test', 'fixtures', 'durable', 'app');
const crashPoints = path.resolve(__dirname, '..', '..', 'fixtures', 'durable', 'crashPoints.js');
let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let port: number;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-crash-'));
let host: TestHost | undefined;

/** A host; with `crashAt`, the crash-point preload kills it there (`preload: false` leaves the preload out). */
function start(logFile: string, crashAt?: string, { preload = crashAt !== undefined } = {}): Promise<TestHost> {
  const nodeOptions = [process.env.NODE_OPTIONS, preload ? `--require ${JSON.stringify(crashPoints)}` : undefined].filter(Boolean).join(' ');
  return startTestHost({
    appDir,
    connectionString: azurite.connectionString,
    port,
    env: {
      DURABLE_RPC_PORT: '0',
      WEBSITE_HOSTNAME: undefined,
      DURABLE_FIXTURE_LOG: logFile,
      DURABLE_TEST_CRASH_AT: crashAt,
      NODE_OPTIONS: nodeOptions || undefined,
    },
  });
}

function executions(logFile: string, name: string): any[] {
  if (!fs.existsSync(logFile)) return [];
  return fs
    .readFileSync(logFile, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l))
    .filter((r) => r.name === name);
}

async function startInstance(h: TestHost, name: string, input?: unknown, instanceId?: string): Promise<{ id: string; statusQueryGetUri: string }> {
  const query = instanceId ? `?instanceId=${encodeURIComponent(instanceId)}` : '';
  const res = await fetch(`${h.baseUrl}/api/orchestrators/${name}${query}`, {
    method: 'POST',
    body: input === undefined ? '' : JSON.stringify(input),
  });
  expect(res.status).toBe(202);
  return res.json() as Promise<{ id: string; statusQueryGetUri: string }>;
}

/**
 * Starts an instance on a host that a crash point is about to kill. The point can be reached before
 * the 202 reaches the test (the first activity may run before the starter's response is written), so
 * the instance id is chosen here, and when the reply is lost the status URI is built on the restarted
 * host (`statusOn`). An instance that was never started is caught by waitDone, which then times out.
 */
async function startBeforeCrash(h: TestHost, name: string, id: string, input?: unknown): Promise<{ id: string; statusOn(h: TestHost): string }> {
  const reply = await startInstance(h, name, input, id).catch((e: unknown) => e);
  if (!(reply instanceof Error)) return { id, statusOn: () => reply.statusQueryGetUri };
  expect(String((reply as { cause?: unknown }).cause ?? reply)).toMatch(/other side closed|ECONNRESET|socket|terminated/i);
  return { id, statusOn: (next) => `${next.baseUrl}/runtime/webhooks/durabletask/instances/${encodeURIComponent(id)}?code=${next.masterKey}` };
}

async function waitDone(statusUri: string, timeoutMs = 60000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(`${statusUri}&showHistory=true&showHistoryOutput=true`).catch(() => undefined);
    if (res && res.status === 200) return res.json();
    if (Date.now() > deadline) {
      throw new Error(`not done after ${timeoutMs} ms: ${res ? res.status : 'no answer'}\n${host?.logs().slice(-6000)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Every task id has exactly one completion event in history. */
function completionsPerTask(history: any[]): Map<number, number> {
  const counts = new Map<number, number>();
  for (const e of history) {
    if (e.EventType === 'TaskCompleted' || e.EventType === 'TaskFailed') counts.set(e.TaskScheduledId, (counts.get(e.TaskScheduledId) ?? 0) + 1);
  }
  return counts;
}

/** The host died by SIGKILL at crash point `point` (the preload says which point it reached). */
async function crashed(h: TestHost, point: string): Promise<void> {
  const exit = await Promise.race([h.exited, new Promise<null>((r) => setTimeout(() => r(null), 30000))]);
  expect(exit).not.toBeNull();
  expect(exit!.signal).toBe('SIGKILL');
  expect(h.logs()).toContain(`DURABLE_TEST_CRASH '${point}' reached`);
}

beforeAll(async () => {
  azurite = await startTestAzurite();
  port = await freePort();
});

afterEach(async () => {
  await host?.stop();
  host = undefined;
});

afterAll(async () => {
  await azurite?.stop();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const SEQUENCE = ['Hello Tokyo', 'Hello Seattle', 'Hello London'];
// Tokyo's work item may not have been deleted yet when the process dies (its deletion races the next
// episode): then it runs again after the restart. -1 = "at least once"; other counts are exact.

test.each([
  // Killed after the episode that handled Tokyo's result was committed, before its outbox was sent.
  ['afterCommit@2', { Tokyo: -1, Seattle: 1, London: 1 }],
  // Killed before that episode's commit: the result message comes back and the episode is redone.
  ['beforeCommit@2', { Tokyo: -1, Seattle: 1, London: 1 }],
  // Killed after the outbox was sent but before it was marked sent: Seattle's work item is sent again.
  ['afterOutbox@2', { Tokyo: -1, Seattle: -1, London: 1 }],
  // Killed after Tokyo's result was queued but before its work item was deleted: the work item comes
  // back (Tokyo runs again unless the instance already finished), its second result is not applied.
  ['afterActivity:hello@1', { Tokyo: -1, Seattle: 1, London: 1 }],
])('SIGKILL at %s: the instance completes once with the right output, each result applied once', async (crashAt, expected) => {
  const log = path.join(tmp, `${crashAt.replace(/[^a-z0-9]/gi, '_')}.log`);
  const first = await start(log, crashAt);
  const started = await startBeforeCrash(first, 'sequence', `crash-${crashAt.replace(/[^a-z0-9]/gi, '-')}`);
  await crashed(first, crashAt.split('@')[0]);
  host = await start(log);
  const done = await waitDone(started.statusOn(host));
  expect(done.runtimeStatus).toBe('Completed');
  expect(done.output).toEqual(SEQUENCE);
  expect([...completionsPerTask(done.historyEvents).values()]).toEqual([1, 1, 1]);
  expect(done.historyEvents.filter((e: any) => e.EventType === 'ExecutionCompleted')).toHaveLength(1);
  const ran = executions(log, 'hello').map((r) => r.input);
  for (const [city, times] of Object.entries(expected)) {
    const n = ran.filter((c) => c === city).length;
    if (times < 0) expect(n).toBeGreaterThanOrEqual(1);
    else expect(n).toBe(times);
  }
});

test('SIGKILL in the middle of a long activity: it runs again after the restart, its result is applied once', async () => {
  const log = path.join(tmp, 'mid-activity.log');
  const first = await start(log);
  const started = await startInstance(first, 'slowPipeline', { ms: 2000 });
  for (let i = 0; i < 600 && executions(log, 'slow-start').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  expect(executions(log, 'slow-start')).toHaveLength(1);
  // The orchestrator's custom status is visible while the activity runs.
  const running = await (await fetch(started.statusQueryGetUri)).json();
  expect(running).toMatchObject({ runtimeStatus: 'Running', customStatus: { phase: 'training' } });
  await first.kill('SIGKILL');
  expect(executions(log, 'slow')).toHaveLength(0);
  host = await start(log);
  const done = await waitDone(started.statusQueryGetUri);
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { trained: 'slept 2000', greeting: 'Hello after slow' }, customStatus: { phase: 'done' } });
  expect(executions(log, 'slow-start')).toHaveLength(2);
  expect(executions(log, 'slow')).toHaveLength(1);
  expect([...completionsPerTask(done.historyEvents).values()]).toEqual([1, 1]);
});

test('SIGKILL during a fan-out: every activity result is applied once and the sum is right', async () => {
  const log = path.join(tmp, 'fanout.log');
  const first = await start(log, 'activity:double@15');
  const started = await startBeforeCrash(first, 'fanOut', 'crash-fanout', 30);
  await crashed(first, 'activity:double');
  host = await start(log);
  const done = await waitDone(started.statusOn(host));
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: 30 * 31 });
  const counts = completionsPerTask(done.historyEvents);
  expect(counts.size).toBe(30);
  expect([...counts.values()].every((n) => n === 1)).toBe(true);
  const ran = new Set(executions(log, 'double').map((r) => r.input));
  expect(ran.size).toBe(30);
});

test('without the test preload, the crash-point setting does nothing: the host runs the instance to the end', async () => {
  const log = path.join(tmp, 'no-preload.log');
  host = await start(log, 'afterCommit@1', { preload: false });
  const started = await startInstance(host, 'sequence');
  const done = await waitDone(started.statusQueryGetUri);
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: SEQUENCE });
  expect(host.logs()).not.toContain('DURABLE_TEST_CRASH');
});

test('a long activity is not redelivered while it runs past its queue visibility timeout', async () => {
  // host.json gives work items a 5 s visibility timeout; the lease is renewed while the activity runs.
  const log = path.join(tmp, 'long.log');
  host = await start(log);
  const started = await startInstance(host, 'slowPipeline', { ms: 12000 });
  const done = await waitDone(started.statusQueryGetUri, 60000);
  expect(done.runtimeStatus).toBe('Completed');
  expect(executions(log, 'slow-start')).toHaveLength(1);
  expect(executions(log, 'slow')).toHaveLength(1);
});

test('graceful stop (SIGTERM) lets a running activity finish; the instance completes after a restart', async () => {
  const log = path.join(tmp, 'graceful.log');
  const first = await start(log);
  const started = await startInstance(first, 'slowPipeline', { ms: 1500 });
  for (let i = 0; i < 600 && executions(log, 'slow-start').length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  const exit = await first.stop();
  expect(exit.signal).toBeNull();
  expect(executions(log, 'slow')).toHaveLength(1);
  host = await start(log);
  const done = await waitDone(started.statusQueryGetUri);
  expect(done).toMatchObject({ runtimeStatus: 'Completed', output: { trained: 'slept 1500', greeting: 'Hello after slow' } });
  expect(executions(log, 'slow-start')).toHaveLength(1);
});
