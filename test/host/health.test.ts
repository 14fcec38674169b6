import { checkStorage } from '../../src/host/health';
import { freePort, connectionStringFor } from '../../src/host/azurite';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

describe('GET /api/health on the real app (repo root, dist/functions)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString });
  });
  afterAll(async () => {
    await host?.kill();
    await az?.stop();
  });

  test('anonymous 200: storage reachable, versions, registered functions', async () => {
    const r = await fetch(`${host.baseUrl}/api/health`);
    expect(r.status).toBe(200);
    const body = await r.json();
    const pkg = require('../../package.json');
    expect(body).toMatchObject({
      status: 'Healthy',
      storage: { reachable: true },
      versions: { node: process.version, azureFunctions: '4.16.5', app: pkg.version, host: expect.stringContaining('embedded') },
    });
    expect(body.functions).toEqual(expect.arrayContaining([{ name: 'health', trigger: 'httpTrigger' }]));
    expect(JSON.stringify(body)).not.toContain('AccountKey');
  });

  test('only GET', async () => {
    expect((await fetch(`${host.baseUrl}/api/health`, { method: 'POST' })).status).toBe(405);
  });
});

describe('storage check', () => {
  test('an unreachable account is reported with a code, without the key', async () => {
    const port = await freePort();
    const r = await checkStorage(connectionStringFor(port, port, port), 3000);
    expect(r.reachable).toBe(false);
    expect(r.error?.code).toMatch(/^STORAGE_/);
    expect(JSON.stringify(r)).not.toContain('Eby8vdM02');
  });
  test('a missing setting is reported, not thrown', async () => {
    const r = await checkStorage(undefined);
    expect(r).toMatchObject({ reachable: false, error: { code: 'STORAGE_HOST_NO_STORAGE' } });
  });
});
