/**
 * Memory bounded by design, HTTP side: four concurrent 95 MB bodies sent to the anonymous GET
 * /api/health once took the host from 220 to 676 MB. With per-route limits (src/host/bodyLimit.ts)
 * they are refused with 413 before being buffered. The host's peak RSS during them is printed beside
 * a reference measured in the same run: one 64 MB POST to a keyed route that does read its body
 * (proof that the measurement sees buffering).
 * Needs the compiled app (npx tsc -p tsconfig.json).
 */
import { sendBody } from './support/bodies';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';
import { peakDuring } from './support/rss';

const MB = 1024 * 1024;

describe('request bodies cannot grow the host', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    host = await startTestHost({ appDir: 'test/fixtures/reliability/app', connectionString: az.connectionString, env: { TRAIN_ON_UPLOAD: 'false' } });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  test('four concurrent 95 MB GET bodies to /api/health are 413s and leave host memory flat', async () => {
    const attack = await peakDuring(host.pid, () =>
      Promise.all(
        Array.from({ length: 4 }, () =>
          sendBody(`${host.baseUrl}/api/health`, { method: 'GET', bytes: 95 * MB }).catch((e: Error) => ({ status: -1, body: e.message, written: 0 })),
        ),
      ),
    );
    const reference = await peakDuring(host.pid, () =>
      sendBody(`${host.baseUrl}/api/sink?code=${host.functionKey('sink')}`, { method: 'POST', bytes: 64 * MB }),
    );
    const growth = attack.peakMb - attack.baselineMb;
    const refGrowth = reference.peakMb - reference.baselineMb;
    console.log(
      `host peak RSS growth: 4 x 95 MB GET /api/health ${growth.toFixed(1)} MB (baseline ${attack.baselineMb.toFixed(0)} MB); ` +
        `reference 1 x 64 MB keyed POST read by its function ${refGrowth.toFixed(1)} MB`,
    );
    for (const r of attack.result) {
      expect(r.status).toBe(413);
      expect(JSON.parse(r.body).error.code).toBe('HOST_BODY_TOO_LARGE');
    }
    expect(reference.result.status).toBe(200);
    expect(refGrowth).toBeGreaterThan(64);
    expect(growth).toBeLessThan(refGrowth / 4);
    expect(growth).toBeLessThan(40);
    // ... and the host still answers.
    expect((await fetch(`${host.baseUrl}/api/health`)).status).toBe(200);
  }, 120_000);
});
