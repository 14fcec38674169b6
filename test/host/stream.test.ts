import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

describe('embedded host: HTTP streaming (app.setup({ enableHttpStream: true }))', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({
      appDir: 'test/fixtures/host/stream-app',
      connectionString: az.connectionString,
      env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(1024 * 1024) },
    });
  });
  afterAll(async () => {
    await host?.kill();
    await az?.stop();
  });

  test('a streamed request body reaches the handler with params, headers, query and auth enforced', async () => {
    const url = `${host.baseUrl}/api/stream/in/t1?q=v`;
    const body = Buffer.alloc(300 * 1024, 7);
    expect((await fetch(url, { method: 'POST', body })).status).toBe(401);
    const r = await fetch(url, { method: 'POST', body, headers: { 'x-functions-key': host.functionKey('streamIn'), 'x-custom': 'c' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ bytes: body.length, chunks: true, tag: 't1', header: 'c', query: 'v' });
  });

  test('a body over the limit is a 413 in streaming mode too', async () => {
    const r = await fetch(`${host.baseUrl}/api/stream/in/t2`, {
      method: 'POST',
      body: Buffer.alloc(2 * 1024 * 1024, 1),
      headers: { 'x-functions-key': host.functionKey('streamIn') },
    });
    expect(r.status).toBe(413);
  });

  test('a streamed response arrives whole, with its headers', async () => {
    const r = await fetch(`${host.baseUrl}/api/stream/out`);
    expect(r.status).toBe(200);
    expect(r.headers.get('x-streamed')).toBe('yes');
    expect(await r.text()).toBe([0, 1, 2, 3, 4].map((i) => `chunk-${i}\n`).join(''));
  });

  test('a throwing handler answers 500', async () => {
    expect((await fetch(`${host.baseUrl}/api/stream/throws`)).status).toBe(500);
  });
});
