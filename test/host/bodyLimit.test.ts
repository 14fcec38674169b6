/**
 * Per-route request body limits: decided from Content-Length before reading, enforced while streaming
 * chunked bodies, 413 HOST_BODY_TOO_LARGE saying which limit applied.
 */
import { bodyLimitFor, declaredBodyLimit } from '../../src/host/bodyLimit';
import { sendBody } from '../reliability/support/bodies';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

describe('bodyLimitFor', () => {
  const opts = { maxBytes: 100 * 1024 * 1024, smallBytes: 8192 };
  test('body-less methods and anonymous routes get the small limit; keyed routes the host limit', () => {
    expect(bodyLimitFor({ authLevel: 'function' }, 'GET', opts)).toEqual({ bytes: 8192, rule: 'bodyless-method' });
    expect(bodyLimitFor({ authLevel: 'function' }, 'delete', opts)).toEqual({ bytes: 8192, rule: 'bodyless-method' });
    expect(bodyLimitFor({ authLevel: 'anonymous' }, 'POST', opts)).toEqual({ bytes: 8192, rule: 'anonymous' });
    expect(bodyLimitFor({ authLevel: 'function' }, 'POST', opts)).toEqual({ bytes: opts.maxBytes, rule: 'host' });
  });
  test('a declared limit wins, capped by the host limit', () => {
    expect(bodyLimitFor({ authLevel: 'anonymous', declaredBodyBytes: 50_000 }, 'POST', opts)).toEqual({ bytes: 50_000, rule: 'declared' });
    expect(bodyLimitFor({ authLevel: 'function', declaredBodyBytes: 1e12 }, 'POST', opts).bytes).toBe(opts.maxBytes);
    expect(declaredBodyLimit({ maxRequestBodyBytes: '2048' })).toBe(2048);
    expect(declaredBodyLimit({ maxRequestBodyBytes: -1 })).toBeUndefined();
    expect(declaredBodyLimit({})).toBeUndefined();
  });
});

describe('per-route body limits in the embedded host (fixture limits-app)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({
      appDir: 'test/fixtures/host/limits-app',
      connectionString: az.connectionString,
      env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: String(4 * 1024 * 1024) },
    });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });
  const url = (route: string, fn?: string) => `${host.baseUrl}/api/${route}${fn ? `?code=${host.functionKey(fn)}` : ''}`;
  const code = (r: { body: string }) => JSON.parse(r.body).error.code;

  test.each([
    ['GET on an anonymous route, Content-Length', 'anon', undefined, 'GET', false],
    ['POST on an anonymous route, chunked', 'anon', undefined, 'POST', true],
    ['GET on a keyed route, Content-Length', 'keyed', 'keyed', 'GET', false],
  ] as const)('%s: 8 KiB pass, more is a 413 before much is read', async (_label, route, fn, method, chunked) => {
    const ok = await sendBody(url(route, fn), { method, bytes: 8192, chunked });
    if (method === 'GET') {
      // Within the limit the request reaches the function (the library hands GET handlers no body).
      expect(ok.status).toBe(200);
    } else {
      expect(ok.status).toBe(200);
      expect(JSON.parse(ok.body)).toEqual({ bytes: 8192 });
    }
    const big = await sendBody(url(route, fn), { method, bytes: 3 * 1024 * 1024, chunked });
    expect(big.status).toBe(413);
    expect(code(big)).toBe('HOST_BODY_TOO_LARGE');
    expect(JSON.parse(big.body).error.message).toMatch(method === 'GET' ? /GET requests/ : /anonymous routes/);
  });

  test('a chunked GET body never reaches a buffer: refused by the HTTP parser (400) or the limit (413)', async () => {
    for (const [route, fn] of [
      ['anon', undefined],
      ['keyed', 'keyed'],
    ] as const) {
      const r = await sendBody(url(route, fn), { method: 'GET', bytes: 3 * 1024 * 1024, chunked: true }).catch(() => ({ status: 0, body: '', written: 0 }));
      expect([0, 400, 413]).toContain(r.status);
    }
  });

  test('a keyed POST keeps the host limit', async () => {
    const ok = await sendBody(url('keyed', 'keyed'), { method: 'POST', bytes: 3 * 1024 * 1024, chunked: true });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toEqual({ bytes: 3 * 1024 * 1024 });
    const big = await sendBody(url('keyed', 'keyed'), { method: 'POST', bytes: 5 * 1024 * 1024, chunked: true });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error.message).toMatch(/FUNCTIONS_REQUEST_BODY_SIZE_LIMIT/);
  });

  test('a route that declares its limit gets it', async () => {
    expect((await sendBody(url('declared', 'declared'), { method: 'POST', bytes: 1000 })).status).toBe(200);
    const big = await sendBody(url('declared', 'declared'), { method: 'POST', bytes: 1001, chunked: true });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).error.message).toMatch(/1000 bytes, the limit this route declares/);
  });
});
