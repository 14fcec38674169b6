import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { startHttpsReceiver } from '../support/httpsReceiver';

const dist = path.resolve(__dirname, '../../dist/src/telemetry/index.js');

function runChild(script: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, ...env }, stdio: 'ignore' });
    child.on('exit', (code) => resolve(code ?? -1));
  });
}

describe('telemetry', () => {
  it('sends custom events and metrics to the App Insights ingestion endpoint of the connection string', async () => {
    const rx = await startHttpsReceiver(() => ({ status: 200, body: { itemsReceived: 1, itemsAccepted: 1, errors: [] } }));
    try {
      const script = `
        const t = require(${JSON.stringify(dist)}).telemetry();
        if (!t.enabled) process.exit(3);
        t.event('ModelPromoted', { model: 'bank', version: 2 }, { testScore: 0.93 });
        t.metric('BenchmarkP95Ms', 12.5, { deployment: 'bank-v2' });
        t.flush().then(() => setTimeout(() => process.exit(0), 500));`;
      const code = await runChild(script, {
        NODE_EXTRA_CA_CERTS: rx.caFile,
        APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=11111111-2222-3333-4444-555555555555;IngestionEndpoint=${rx.url}`,
      });
      expect(code).toBe(0);
      const envelopes = rx.received.filter((r) => r.url.startsWith('/v2.1/track')).flatMap((r) => JSON.parse(r.body));
      const event = envelopes.find((e: any) => e.data?.baseType === 'EventData');
      expect(event.data.baseData.name).toBe('ModelPromoted');
      expect(event.data.baseData.properties).toMatchObject({ model: 'bank', version: '2', testScore: '0.93' });
      expect(event.iKey).toBe('11111111-2222-3333-4444-555555555555');
      const metric = envelopes.find((e: any) => e.data?.baseType === 'MetricData');
      expect(metric.data.baseData.metrics[0]).toMatchObject({ name: 'BenchmarkP95Ms', value: 12.5 });
    } finally {
      await rx.stop();
    }
  });

  it('is a no-op without a connection string', async () => {
    const code = await runChild(`const t = require(${JSON.stringify(dist)}).telemetry(); t.event('X'); process.exit(t.enabled ? 1 : 0);`, {
      APPLICATIONINSIGHTS_CONNECTION_STRING: '',
    });
    expect(code).toBe(0);
  });
});
