/**
 * Two datasets with different targets and columns served side by side (a champion per model lineage),
 * end to end through the real app: each model scored through its own route with its own schema; a
 * better v2 of one replaces only its own champion while both routes are under load (0 non-2xx); a
 * restart brings both back; one lineage rolled back, the other retired with its history kept.
 * Separate storage for the drop zone (DATASETS_STORAGE_CONNECTION) and a non-default registry container
 * (DATASETS_REGISTRY_CONTAINER): registration and the pipeline read the same snapshot.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { appApi } from '../support/appApi';
import { startTestAzurite } from '../support/azurite';
import { bankCsv, bankRow } from '../support/bank';
import { startTestHost, TestHost } from '../support/host';

jest.setTimeout(900000);

/** Slices of the sample; `shuffle` permutes their labels (seeded). */
const csv = (from: number, count: number, shuffle = false) => bankCsv(from, count, shuffle ? 777 : undefined);

/** A churn-like table: other columns, target `Churn` (given as blob metadata), a learnable rule. */
function churnCsv(n: number, seed: number): string {
  let s = seed;
  const rand = () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
  const contracts = ['month-to-month', 'one-year', 'two-year'];
  const out = ['tenure,monthly_charges,contract,support_calls,Churn'];
  for (let i = 0; i < n; i++) {
    const tenure = Math.floor(rand() * 72);
    const charges = Math.round((20 + rand() * 100) * 100) / 100;
    const contract = contracts[Math.floor(rand() * 3)];
    const calls = Math.floor(rand() * 8);
    const risk = (contract === 'month-to-month' ? 1.2 : -0.8) - tenure / 30 + calls / 3 + (charges - 70) / 60 + (rand() - 0.5);
    out.push(`${tenure},${charges},${contract},${calls},${risk > 0 ? 'yes' : 'no'}`);
  }
  return out.join('\n') + '\n';
}

const churnRow = { tenure: 3, monthly_charges: 99.5, contract: 'month-to-month', support_calls: 5 };

const ENV = {
  // Two runs train at once here: a roomier budget than the single-run e2e, so a loaded machine still finishes trials.
  AUTOML_BUDGET_SECONDS: '12',
  AUTOML_POLL_SECONDS: '0.5',
  BENCHMARK_REQUESTS: '100',
  BENCHMARK_CONCURRENCY: '4',
  BENCHMARK_MAX_P95_MS: '10000',
  MLOPS_BLOB_SCAN_INTERVAL_MS: '500',
  DATASETS_STORAGE_CONNECTION: 'DropZoneStorage',
  DATASETS_REGISTRY_CONTAINER: 'mlregistry',
};

describe('a champion per model lineage', () => {
  let app: Awaited<ReturnType<typeof startTestAzurite>>;
  let drop: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let datasets: ContainerClient;
  let hostEnv: Record<string, string>;

  const { api, waitForRun } = appApi(() => host, { logLines: 30 });
  const score = (model: string, row: object) => api(`/api/models/${model}/score`, { method: 'POST', body: JSON.stringify({ data: [row] }) });

  async function upload(name: string, text: string, metadata?: Record<string, string>): Promise<void> {
    await datasets.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), { metadata });
  }

  beforeAll(async () => {
    app = await startTestAzurite();
    drop = await startTestAzurite();
    hostEnv = { ...ENV, DropZoneStorage: drop.connectionString };
    host = await startTestHost({ appDir: '.', connectionString: app.connectionString, env: hostEnv });
    datasets = BlobServiceClient.fromConnectionString(drop.connectionString).getContainerClient('datasets');
    await datasets.createIfNotExists();
  });

  afterAll(async () => {
    await host?.stop();
    await app?.stop();
    await drop?.stop();
  });

  it('trains and serves two datasets with different targets and columns, each on its own route', async () => {
    await upload('bank.csv', csv(0, 1500, true));
    await upload('churn.csv', churnCsv(1200, 5), { target: 'Churn' });
    const [bank, churn] = await Promise.all([waitForRun('train-bank-v1'), waitForRun('train-churn-v1')]);
    for (const run of [bank, churn]) {
      expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
      expect(run.decision).toMatchObject({ promoted: true });
    }
    // The snapshots live in the drop zone's storage, in the configured registry container; models in the app's.
    const snapshots = BlobServiceClient.fromConnectionString(drop.connectionString).getContainerClient('mlregistry');
    expect(await snapshots.getBlobClient('datasets/churn/v1/data.csv').exists()).toBe(true);
    const appRegistry = BlobServiceClient.fromConnectionString(app.connectionString).getContainerClient('mlregistry');
    expect(await appRegistry.getBlobClient('models/churn/v1/model.onnx').exists()).toBe(true);
    expect(await BlobServiceClient.fromConnectionString(app.connectionString).getContainerClient('registry').exists()).toBe(false);

    const models = (await api('/api/models')).body;
    expect(models.champions.map((c: any) => [c.model, c.version])).toEqual([
      ['bank', 1],
      ['churn', 1],
    ]);
    const b = await score('bank', bankRow(1));
    expect(b.status).toBe(200);
    expect(['yes', 'no']).toContain(b.body.result[0]);
    const c = await score('churn', churnRow);
    expect(c.status).toBe(200);
    expect(c.headers.get('x-model-name')).toBe('churn');
    // Each route validates against its own model's inputs.
    const wrong = await score('churn', bankRow(1));
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(wrong.body)).toContain('tenure');
    // Two models, no default: /api/score says which exist.
    const ambiguous = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [churnRow] }) });
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.body.error).toMatchObject({ code: 'MODEL_REQUIRED', models: ['bank', 'churn'] });
    const spec = (await api('/api/models/churn/swagger.json')).body;
    expect(Object.keys(spec.components.schemas.InputRow.properties).sort()).toEqual(['contract', 'monthly_charges', 'support_calls', 'tenure']);
  });

  it('a better v2 of one dataset replaces only its own champion, with both routes under load throughout', async () => {
    let stop = false;
    const statuses: Record<string, number[]> = { bank: [], churn: [] };
    const loop = async (model: string, row: object) => {
      while (!stop) statuses[model].push((await score(model, row)).status);
    };
    const loads = [loop('bank', bankRow(2)), loop('bank', bankRow(3)), loop('churn', churnRow), loop('churn', churnRow)];
    try {
      await upload('bank.csv', csv(0, 1500));
      const run = await waitForRun('train-bank-v2');
      expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
      expect(run.decision).toMatchObject({ promoted: true, champion: { model: 'bank', version: 1 } });
      // Keep the load on through the old champion's drain.
      await new Promise((r) => setTimeout(r, 3000));
    } finally {
      stop = true;
      await Promise.all(loads);
    }
    for (const model of ['bank', 'churn']) {
      expect(statuses[model].length).toBeGreaterThan(20);
      expect(statuses[model].filter((s) => s !== 200)).toEqual([]);
    }
    const champions = (await api('/api/models')).body.champions;
    expect(champions.map((c: any) => [c.model, c.version])).toEqual([
      ['bank', 2],
      ['churn', 1],
    ]);
    expect((await score('bank', bankRow(4))).headers.get('x-model-version')).toBe('2');
  });

  it('a restart brings both models back', async () => {
    await host.stop();
    host = await startTestHost({ appDir: '.', connectionString: app.connectionString, env: hostEnv });
    expect((await score('bank', bankRow(5))).headers.get('x-model-version')).toBe('2');
    expect((await score('churn', churnRow)).status).toBe(200);
  });

  it('one lineage rolls back to v1 and the other is retired, its history kept; each leaves the other alone', async () => {
    const rolled = await api('/api/models/bank/rollback', { method: 'POST', body: JSON.stringify({ version: 1 }) });
    expect(rolled.status).toBe(200);
    expect(rolled.body).toMatchObject({ deployment: 'bank-v1', previous: 'bank-v2' });
    expect((await score('bank', bankRow(6))).headers.get('x-model-version')).toBe('1');
    expect((await score('churn', churnRow)).status).toBe(200);
    const bankModels = (await api('/api/models/bank')).body;
    expect(bankModels.versions.map((m: any) => [m.version, m.status])).toEqual([
      [1, 'champion'],
      [2, 'retired'],
    ]);

    expect((await api('/api/models/churn/rollback', { method: 'POST', body: JSON.stringify({ version: 9 }) })).status).toBe(404);
    expect((await api('/api/models/bank/rollback', { method: 'POST', body: '{' })).status).toBe(400);

    const retired = await api('/api/models/churn/retire', { method: 'POST' });
    expect(retired.status).toBe(200);
    expect(retired.body).toEqual({ retired: 'churn-v1' });
    const gone = await score('churn', churnRow);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('MODEL_NOT_FOUND');
    expect((await api('/api/models/churn/retire', { method: 'POST' })).status).toBe(404);
    // History stays: the model and its runs are still there.
    expect((await api('/api/models/churn')).body.versions.map((m: any) => m.status)).toEqual(['retired']);
    expect((await api('/api/runs/train-churn-v1')).body.decision.promoted).toBe(true);
    // Only bank is served now: /api/score serves it without a default setting.
    const only = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [bankRow(7)] }) });
    expect(only.status).toBe(200);
    expect(only.headers.get('x-model-name')).toBe('bank');
  });
});
