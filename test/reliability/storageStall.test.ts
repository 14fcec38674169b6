// Scoring rides out a storage stall: with Azurite paused (SIGSTOP), a healthy champion endpoint keeps
// answering through the proxy from the last known route (bounded staleness, said in a header), instead
// of every request waiting for storage; after the pause, fresh routes again.
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalDeploymentTarget } from '../../src/deploy/local';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';
import { BINARY_SPEC, buildTestModel, SAMPLE_ROWS } from '../deploy/fixtures/model';
import { requireBuiltServer } from '../deploy/support';

jest.setTimeout(180000);

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let host: TestHost;
let target: LocalDeploymentTarget;
let paused = false;

beforeAll(async () => {
  requireBuiltServer();
  az = await startTestAzurite();
  host = await startTestHost({
    appDir: 'test/scoring/app',
    connectionString: az.connectionString,
    env: { CHAMPION_CACHE_MS: '200', CHAMPION_MAX_STALE_MS: '60000' },
  });
  target = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0 });
  const registry = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
  await registry.createIfNotExists();
  await registry.getBlockBlobClient('models/fixture/v1/model.onnx').uploadData(Buffer.from(buildTestModel(BINARY_SPEC)));
  await target.deploy({ name: 'fixture-v1', modelName: 'fixture', modelVersion: 1 });
  await target.store.promote('fixture-v1');
});

afterAll(async () => {
  if (paused) process.kill(az.pid, 'SIGCONT');
  await target?.close();
  await host?.stop();
  await az?.stop();
});

async function score(timeoutMs = 10000) {
  const started = Date.now();
  const res = await fetch(`${host.baseUrl}/api/score`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': host.functionKey('score') },
    body: JSON.stringify({ data: [SAMPLE_ROWS[0]] }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.text();
  return { status: res.status, ms: Date.now() - started, stale: res.headers.get('x-champion-stale') };
}

test('requests keep answering 200 from the last known champion while storage is paused', async () => {
  for (let i = 0; i < 5; i++) expect((await score()).status).toBe(200);
  process.kill(az.pid, 'SIGSTOP');
  paused = true;
  try {
    await new Promise((r) => setTimeout(r, 400)); // past the route cache's time-to-live
    const during = [];
    for (let i = 0; i < 10; i++) during.push(await score());
    expect(during.map((r) => r.status)).toEqual(new Array(10).fill(200));
    // Each answered within the lookup wait (250 ms) plus the endpoint call, not after a storage timeout.
    expect(Math.max(...during.map((r) => r.ms))).toBeLessThan(5000);
    expect(during.every((r) => r.stale && /^\d+s$/.test(r.stale))).toBe(true);
  } finally {
    process.kill(az.pid, 'SIGCONT');
    paused = false;
  }
  // Storage back: fresh routes, no staleness header (after the pending reads complete).
  let after = await score();
  for (let i = 0; i < 20 && after.stale; i++) {
    await new Promise((r) => setTimeout(r, 250));
    after = await score();
  }
  expect(after.status).toBe(200);
  expect(after.stale).toBeNull();
});
