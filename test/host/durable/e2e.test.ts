/**
 * The Durable engine inside the real embedded host (child process, compiled dist/): an HTTP starter
 * returning createCheckStatusResponse, whose statusQueryGetUri answers through the host port with the
 * system key; df.getClient operations over rpcBaseUrl; a durable timer that fires after a restart.
 */
import * as path from 'node:path';
import { freePort } from '../../../src/host/azurite';
import { startTestAzurite } from '../../support/azurite';
import { startTestHost, TestHost } from '../../support/host';

const appDir = path.join('test', 'fixtures', 'durable', 'app');
let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let host: TestHost;
let port: number;

function hostEnv(): Record<string, string | undefined> {
  return { DURABLE_RPC_PORT: '0', WEBSITE_HOSTNAME: undefined, DURABLE_TEST_CRASH_AT: undefined };
}

async function post(name: string, input?: unknown, query = ''): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${host.baseUrl}/api/orchestrators/${name}${query}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: input === undefined ? '' : JSON.stringify(input),
  });
  return { status: res.status, body: await res.json(), headers: res.headers };
}

async function client(op: string, body: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${host.baseUrl}/api/client/${op}`, { method: 'POST', body: JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function pollUntilDone(statusUrl: string, timeoutMs = 30000): Promise<{ status: number; body: any }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await fetch(statusUrl);
    const body = await res.json();
    if (res.status === 200) return { status: res.status, body };
    if (res.status !== 202) throw new Error(`status query answered ${res.status}: ${JSON.stringify(body)}`);
    if (Date.now() > deadline) throw new Error(`still ${body.runtimeStatus} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  azurite = await startTestAzurite();
  port = await freePort();
  host = await startTestHost({ appDir, connectionString: azurite.connectionString, port, env: hostEnv() });
});

afterAll(async () => {
  await host?.stop();
  await azurite?.stop();
});

test('the HTTP starter returns 202 with check-status links whose statusQueryGetUri works through the host port', async () => {
  const started = await post('sequence');
  expect(started.status).toBe(202);
  const links = started.body;
  expect(Object.keys(links).sort()).toEqual(
    [
      'id',
      'purgeHistoryDeleteUri',
      'restartPostUri',
      'resumePostUri',
      'rewindPostUri',
      'sendEventPostUri',
      'statusQueryGetUri',
      'suspendPostUri',
      'terminatePostUri',
    ].sort(),
  );
  expect(started.headers.get('location')).toBe(links.statusQueryGetUri);
  const statusUrl = new URL(links.statusQueryGetUri);
  expect(statusUrl.origin).toBe(host.baseUrl);
  expect(statusUrl.pathname).toBe(`/runtime/webhooks/durabletask/instances/${links.id}`);
  expect(statusUrl.searchParams.get('taskHub')).toBe('FixtureHub');
  await host.refreshKeys();
  expect(statusUrl.searchParams.get('code')).toBe(host.systemKey('durabletask_extension'));

  const done = await pollUntilDone(links.statusQueryGetUri);
  expect(done.body).toMatchObject({
    name: 'sequence',
    instanceId: links.id,
    runtimeStatus: 'Completed',
    output: ['Hello Tokyo', 'Hello Seattle', 'Hello London'],
  });
  // Without the key the management API is closed.
  const anonymous = await fetch(`${host.baseUrl}/runtime/webhooks/durabletask/instances/${links.id}`);
  expect(anonymous.status).toBe(401);
});

test('df.getClient talks to the RPC listener: status with history, raise event, custom status, terminate, purge', async () => {
  const started = await post('approval');
  const id = started.body.id;
  let s: any;
  for (let i = 0; i < 300; i++) {
    s = (await client('status', { instanceId: id })).body;
    if (s.customStatus?.stage === 'waiting for approval') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(s).toMatchObject({ runtimeStatus: 'Running', customStatus: { stage: 'waiting for approval' } });
  expect((await client('raise', { instanceId: id, eventName: 'approval', data: { ok: true } })).status).toBe(202);
  const done = await pollUntilDone(started.body.statusQueryGetUri);
  expect(done.body.output).toEqual({ ok: true });
  const withHistory = (await client('status', { instanceId: id, showHistory: true })).body;
  expect(withHistory.history.map((e: any) => e.EventType)).toEqual(['ExecutionStarted', 'EventRaised', 'ExecutionCompleted']);

  const t = (await post('approval')).body;
  expect((await client('terminate', { instanceId: t.id, reason: 'no longer needed' })).status).toBe(202);
  const terminated = await pollUntilDone(t.statusQueryGetUri);
  expect(terminated.body).toMatchObject({ runtimeStatus: 'Terminated', output: 'no longer needed' });
  expect((await client('purge', { instanceId: t.id })).body).toEqual({ instancesDeleted: 1 });
  expect((await fetch(t.statusQueryGetUri)).status).toBe(404);

  const payload = (await client('payload', { instanceId: 'abc' })).body;
  expect(payload.statusQueryGetUri.startsWith(`${host.baseUrl}/runtime/webhooks/durabletask/instances/abc?`)).toBe(true);
});

test('df.getClient signals an entity and reads its state', async () => {
  expect((await client('signalEntity', { name: 'tally', key: 'e2e', op: 'add', input: 4 })).status).toBe(202);
  let read: any;
  for (let i = 0; i < 300; i++) {
    read = (await client('readEntity', { name: 'tally', key: 'e2e' })).body;
    if (read.exists) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(read).toEqual({ exists: true, state: 4 });
  expect((await client('readEntity', { name: 'tally', key: 'nobody' })).body).toEqual({ exists: false });
});

test('fan-out of 100 activities and a retried activity run through the host', async () => {
  const fan = (await post('fanOut', 100)).body;
  const retry = (await post('retry', { key: 'e2e', failTimes: 1, maxAttempts: 3, firstRetryMs: 200 })).body;
  expect((await pollUntilDone(fan.statusQueryGetUri, 60000)).body.output).toBe(10100);
  expect((await pollUntilDone(retry.statusQueryGetUri)).body.output).toBe('ok after 2');
});

test('a durable timer created before a restart fires after it', async () => {
  const started = (await post('timer', 4000)).body;
  // Wait until the timer is committed (the instance is Running), then stop the host.
  for (let i = 0; i < 300; i++) {
    const res = await fetch(started.statusQueryGetUri);
    if ((await res.json()).runtimeStatus === 'Running') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await host.kill('SIGKILL');
  host = await startTestHost({ appDir, connectionString: azurite.connectionString, port, env: hostEnv() });
  const done = await pollUntilDone(started.statusQueryGetUri, 30000);
  expect(done.body).toMatchObject({ runtimeStatus: 'Completed', output: { fired: true, after: 'Hello timer' } });
});
