import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

const APP = 'test/fixtures/host/http-app';

describe('embedded host: HTTP triggers (fixture http-app)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  const hookFile = path.join(os.tmpdir(), `mlops-hooks-${process.pid}.json`);

  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({
      appDir: APP,
      connectionString: az.connectionString,
      env: { FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '2048', FIXTURE_OVERRIDDEN: 'from-env', HOOK_FILE: hookFile },
    });
  });
  afterAll(async () => {
    await host?.kill();
    await az?.stop();
    fs.rmSync(hookFile, { force: true });
  });

  const get = (p: string, init?: RequestInit) => fetch(`${host.baseUrl}${p}`, init);
  const json = async (p: string) => {
    const r = await get(p);
    expect(r.status).toBe(200);
    return r.json();
  };

  describe('routing', () => {
    test('int constraint picks the int route and passes the parameter', async () => {
      expect(await json('/api/items/42')).toMatchObject({ tag: 'int', params: { id: '42' }, functionName: 'itemById' });
    });
    test('alpha constraint picks the alpha route', async () => {
      expect(await json('/api/items/abc')).toMatchObject({ tag: 'alpha', params: { name: 'abc' } });
    });
    test('a literal segment wins over parameters', async () => {
      expect(await json('/api/items/new')).toMatchObject({ tag: 'literal' });
    });
    test('a value no constraint accepts is a 404', async () => {
      expect((await get('/api/items/a1')).status).toBe(404);
    });
    test('catch-all takes the rest of the path, decoded', async () => {
      expect(await json('/api/files/a/b%20c/d.txt')).toMatchObject({ tag: 'catchall', params: { path: 'a/b c/d.txt' } });
    });
    test('optional parameter may be absent or present', async () => {
      expect(await json('/api/opt')).toMatchObject({ tag: 'optional', params: {} });
      expect(await json('/api/opt/x')).toMatchObject({ params: { a: 'x' } });
    });
    test('default value applies when the segment is absent', async () => {
      expect(await json('/api/def')).toMatchObject({ params: { v: 'abc' } });
      expect(await json('/api/def/zz')).toMatchObject({ params: { v: 'zz' } });
    });
    test('range and regex constraints', async () => {
      expect(await json('/api/ranged/15')).toMatchObject({ params: { n: '15' } });
      expect((await get('/api/ranged/25')).status).toBe(404);
      expect(await json('/api/codes/AB12')).toMatchObject({ tag: 'regex' });
      expect((await get('/api/codes/ABC12')).status).toBe(404);
    });
    test('literal segments match case-insensitively; no route means the function name', async () => {
      expect(await json('/API/defaultroute')).toMatchObject({ tag: 'name' });
    });
    test('query string reaches the function', async () => {
      expect(await json('/api/items/7?a=1&b=two')).toMatchObject({ query: { a: '1', b: 'two' } });
    });
    test('outside the route prefix is a 404 with a JSON error code', async () => {
      const r = await get('/elsewhere/items/42');
      expect(r.status).toBe(404);
      expect(await r.json()).toEqual({ error: { code: 'HOST_NOT_FOUND', message: expect.any(String) } });
    });
  });

  describe('methods and bodies', () => {
    test('a method the route does not allow is a 405 with Allow', async () => {
      const r = await get('/api/multi', { method: 'GET' });
      expect(r.status).toBe(405);
      expect(r.headers.get('allow')).toBe('PUT, DELETE');
      expect((await get('/api/multi', { method: 'DELETE' })).status).toBe(200);
    });
    test('request body and content type round-trip; status and headers from the function', async () => {
      const body = JSON.stringify({ hello: 'wörld' });
      const r = await get('/api/echo', { method: 'POST', body, headers: { 'content-type': 'application/json' } });
      expect(r.status).toBe(201);
      expect(r.headers.get('content-type')).toBe('application/json');
      expect(r.headers.get('x-echo-length')).toBe(String(Buffer.byteLength(body)));
      expect(await r.text()).toBe(body);
    });
    test('a body over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT is a 413', async () => {
      const r = await get('/api/echo', { method: 'POST', body: 'x'.repeat(4096) });
      expect(r.status).toBe(413);
      expect((await r.json()).error.code).toBe('HOST_BODY_TOO_LARGE');
      const ok = await get('/api/echo', { method: 'POST', body: 'x'.repeat(2048) });
      expect(ok.status).toBe(201);
    });
    test('binary response bodies are byte-exact', async () => {
      const r = await get('/api/binary');
      expect(r.headers.get('content-type')).toBe('application/octet-stream');
      expect([...new Uint8Array(await r.arrayBuffer())]).toEqual([0, 1, 2, 255]);
    });
    test('request headers and cookies reach the function; response cookies become Set-Cookie', async () => {
      const r = await get('/api/cookies', { headers: { 'x-custom': 'v1', cookie: 'a=b' } });
      expect(r.status).toBe(202);
      expect(r.headers.get('x-seen-custom')).toBe('v1');
      expect(r.headers.get('x-cookie-in')).toBe('a=b');
      const cookies = r.headers.getSetCookie();
      expect(cookies).toEqual(['session=abc; Path=/; Max-Age=60; HttpOnly; SameSite=Strict', 'theme=dark']);
    });
    test('a function that returns nothing answers 204', async () => {
      expect((await get('/api/nothing')).status).toBe(204);
    });
    test('a function that throws answers a bare 500 and the error stays in the logs', async () => {
      const r = await get('/api/throws');
      expect(r.status).toBe(500);
      expect(await r.text()).toBe('');
      await host.waitForLog(/boom: secret-detail/);
    });
    test('host.json functionTimeout is honoured (500 with code, logged)', async () => {
      const r = await get('/api/slow');
      expect(r.status).toBe(500);
      expect((await r.json()).error.code).toBe('HOST_FUNCTION_TIMEOUT');
      await host.waitForLog(/Timeout value of 00:00:03 exceeded by function 'Functions.slow'/);
    });
  });

  describe('auth keys', () => {
    test('anonymous needs no key', async () => {
      expect((await get('/api/auth/anon')).status).toBe(200);
    });
    test('function level: 401 without or with a wrong key, 200 with the function key as header or code', async () => {
      expect((await get('/api/auth/function')).status).toBe(401);
      expect((await get('/api/auth/function?code=wrong')).status).toBe(401);
      expect((await get(`/api/auth/function?code=${host.functionKey('anon')}`)).status).toBe(401); // another function's key
      expect((await get('/api/auth/function', { headers: { 'x-functions-key': host.functionKey('fnLevel') } })).status).toBe(200);
      expect((await get(`/api/auth/function?code=${encodeURIComponent(host.functionKey('fnLevel'))}`)).status).toBe(200);
    });
    test('function level accepts the host key and the master key', async () => {
      expect((await get(`/api/auth/function?code=${host.hostKey}`)).status).toBe(200);
      expect((await get('/api/auth/function', { headers: { 'x-functions-key': host.masterKey } })).status).toBe(200);
    });
    test('authLevel omitted is anonymous, as @azure/functions registers it', async () => {
      expect((await get('/api/auth/default')).status).toBe(200);
    });
    test('admin level accepts only the master key', async () => {
      expect((await get(`/api/auth/admin?code=${host.hostKey}`)).status).toBe(401);
      expect((await get(`/api/auth/admin?code=${host.functionKey('adminLevel')}`)).status).toBe(401);
      expect((await get(`/api/auth/admin?code=${host.masterKey}`)).status).toBe(200);
    });
    test('401 has an empty body', async () => {
      const r = await get('/api/auth/function');
      expect(await r.text()).toBe('');
    });
  });

  describe('settings and logging', () => {
    test('local.settings.json Values reach process.env, and the environment wins over them', async () => {
      expect((await json('/api/env/FIXTURE_FROM_LOCAL_SETTINGS')).value).toBe('from-local-settings');
      expect((await json('/api/env/FIXTURE_OVERRIDDEN')).value).toBe('from-env');
    });
    test('WEBSITE_HOSTNAME is the host address; the working directory is the app folder', async () => {
      const r = await json('/api/env/WEBSITE_HOSTNAME');
      expect(r.value).toBe(`127.0.0.1:${host.port}`);
      expect(fs.realpathSync(r.cwd)).toBe(fs.realpathSync(path.resolve(__dirname, '..', '..', APP)));
    });
    test('context.log levels print with function name and invocation id, filtered by host.json', async () => {
      const id = await (await get('/api/logs')).text();
      await host.waitForLog(new RegExp(`Error Function\\.logs\\.User \\(Id=${id}\\): lvl-error`));
      const logs = host.logs();
      expect(logs).toMatch(new RegExp(`Information Function\\.logs\\.User \\(Id=${id}\\): lvl-info`));
      expect(logs).toMatch(new RegExp(`Warning Function\\.logs\\.User \\(Id=${id}\\): lvl-warn`));
      expect(logs).not.toMatch(/lvl-debug|lvl-trace/); // default level Information
      await get('/api/quiet');
      await host.waitForLog(/quiet-warn/);
      expect(host.logs()).not.toMatch(/quiet-info/); // "Function.quiet": "Warning"
    });
  });

  describe('hooks', () => {
    test('appStart runs once before invocations; pre/post wrap each invocation and share hookData', async () => {
      await get('/api/items/1');
      const events: string[] = await json('/api/hooks/events');
      expect(events[0]).toBe('appStart:object');
      expect(events.filter((e) => e.startsWith('appStart'))).toHaveLength(1);
      const i = events.indexOf('pre:itemById');
      expect(events[i + 1]).toBe('post:itemById:true:ok');
      expect(events[events.length - 1]).toBe('pre:hookEvents'); // its post hook runs after the handler returned
    });
    test('preInvocation can replace the handler (after appStart ran)', async () => {
      expect(await (await get('/api/hooks/replaced')).text()).toBe('replaced-handler saw set-in-appStart');
    });
    test('postInvocation can replace the result', async () => {
      expect(await (await get('/api/hooks/result')).text()).toBe('result-from-postInvocation');
    });
    test('postInvocation sees the error of a failing function', async () => {
      await get('/api/throws');
      const events: string[] = await json('/api/hooks/events');
      expect(events).toContain('post:throws:true:error');
    });
  });

  test('keys live in azure-webjobs-secrets in the real host format', async () => {
    const { BlobServiceClient } = await import('@azure/storage-blob');
    const c = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('azure-webjobs-secrets');
    const hostDoc = JSON.parse((await c.getBlobClient(`${host.hostId}/host.json`).downloadToBuffer()).toString());
    expect(hostDoc).toMatchObject({
      masterKey: { name: 'master', value: host.masterKey, encrypted: false },
      functionKeys: [{ name: 'default', value: host.hostKey, encrypted: false }],
      systemKeys: expect.any(Array),
      source: 'runtime',
    });
    const fnDoc = JSON.parse((await c.getBlobClient(`${host.hostId}/fnlevel.json`).downloadToBuffer()).toString());
    expect(fnDoc.keys).toEqual([{ name: 'default', value: host.functionKey('fnLevel'), encrypted: false }]);
    expect(host.hostId).toBe('fixture-http-app');
  });

  test('the key API (GET /admin/...keys) answers only with the master key', async () => {
    expect((await get(`/admin/host/keys?code=${host.hostKey}`)).status).toBe(401);
    const hostKeys = await (await get('/admin/host/keys', { headers: { 'x-functions-key': host.masterKey } })).json();
    expect(hostKeys).toEqual({ keys: [{ name: 'default', value: host.hostKey }] });
    const fnKeys = await (await get(`/admin/functions/fnLevel/keys?code=${host.masterKey}`)).json();
    expect(fnKeys).toEqual({ keys: [{ name: 'default', value: host.functionKey('fnLevel') }] });
    expect((await get(`/admin/functions/nope/keys?code=${host.masterKey}`)).status).toBe(404);
    expect((await get(`/admin/host/status?code=${host.masterKey}`)).status).toBe(200);
  });

  test('keys are never printed unless --print-keys is given', () => {
    expect(host.logs()).not.toContain(host.masterKey);
    expect(host.logs()).not.toContain(host.hostKey);
  });

  test('graceful stop runs appTerminate hooks; a restart keeps the same keys', async () => {
    const master = host.masterKey;
    const fnKey = host.functionKey('fnLevel');
    const exit = await host.stop();
    expect(exit.code).toBe(0);
    const events: string[] = JSON.parse(fs.readFileSync(hookFile, 'utf8'));
    expect(events[0]).toBe('appStart:object');
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString });
    expect(host.masterKey).toBe(master);
    expect(host.functionKey('fnLevel')).toBe(fnKey);
    expect((await get(`/api/auth/function?code=${fnKey}`)).status).toBe(200);
  });

  test('MLOPS_HOST_AUTH=off (or --no-auth) disables key checks, and says so at start', async () => {
    await host.stop();
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString, env: { MLOPS_HOST_AUTH: 'off' } });
    expect((await get('/api/auth/function')).status).toBe(200);
    expect((await get('/api/auth/admin')).status).toBe(200);
    expect(host.logs()).toMatch(/Auth keys are NOT enforced/);
    await host.stop();
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString, auth: false });
    expect((await get('/api/auth/admin')).status).toBe(200);
  });
});
