import * as path from 'node:path';
import { startTestAzurite } from '../support/azurite';
import { REPO_ROOT, startTestHost, TestHost } from '../support/host';

/** The provider seam (src/host/provider.ts) as the Durable engine uses it, through a test provider. */
describe('embedded host: provider seam', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({
      appDir: 'test/fixtures/host/provider-app',
      connectionString: az.connectionString,
      args: ['--provider', path.join(REPO_ROOT, 'test/fixtures/host/provider-app/testProvider.js')],
    });
  });
  afterAll(async () => {
    await host?.kill();
    await az?.stop();
  });

  const hook = (q = '') => `${host.baseUrl}/runtime/webhooks/testext${q}`;

  test('runtime routes need the extension system key ({ext}_extension) or the master key', async () => {
    expect((await fetch(hook(), { method: 'POST', body: '{}' })).status).toBe(401);
    expect((await fetch(hook(`?code=${host.hostKey}`), { method: 'POST', body: '{}' })).status).toBe(401);
    await host.refreshKeys();
    expect((await fetch(hook(`?code=${host.systemKey('testext_extension')}`), { method: 'POST', body: '{}' })).status).toBe(200);
    expect((await fetch(hook(), { method: 'POST', body: '{}', headers: { 'x-functions-key': host.masterKey } })).status).toBe(200);
  });

  test('a provider-driven trigger is invoked with its data and provider input bindings; its return value comes back as RPC data', async () => {
    await host.refreshKeys();
    const r = await fetch(hook(`?code=${host.systemKey('testext_extension')}`), { method: 'POST', body: JSON.stringify({ hello: 'world' }) });
    const body = await r.json();
    expect(body.hostJsonCustom).toEqual({ answer: 42 });
    expect(body.baseUrl).toBe(host.baseUrl);
    expect(body.hostId).toBe(host.hostId);
    const ret = JSON.parse(body.returnValue.json);
    expect(ret).toMatchObject({
      echo: { hello: 'world' },
      fn: 'viaProvider',
      client: { bindingName: 'client', type: 'testClient', forFunction: 'viaProvider' },
    });
    expect(host.logs()).toMatch(new RegExp(`Executed 'Functions.viaProvider' \\(Succeeded, Id=${body.invocationId}`));
  });

  test('HTTP functions get provider input bindings too, fresh for each invocation', async () => {
    const a = await (await fetch(`${host.baseUrl}/api/with-client`)).json();
    const b = await (await fetch(`${host.baseUrl}/api/with-client`)).json();
    expect(a).toMatchObject({ bindingName: 'client', type: 'testClient', forFunction: 'withClient' });
    expect(b.bound).toBeGreaterThan(a.bound);
  });

  test('unsupported bindings are reported at start; provider-driven triggers are not', () => {
    expect(host.logs()).toMatch(/Function "withQueueOutput": out binding "\S+" of type "queue" is not supported/);
    expect(host.logs()).not.toMatch(/viaProvider.*not supported/);
    expect(host.logs()).toMatch(/test provider started with a \d+-char system key/);
  });

  test('keys: the system key created by the provider is persisted in host.json systemKeys', async () => {
    await host.refreshKeys();
    expect(host.systemKey('testext_extension')).toMatch(/^[\w-]{40,}$/);
  });
});
