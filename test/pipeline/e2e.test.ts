/**
 * The product end to end, on Azurite through the embedded host running the real app: a CSV dropped in
 * `datasets` becomes a registered version, which starts trainDeployBenchmark; the run trains, registers,
 * deploys, benchmarks and decides; /api/score then serves the champion. Small data and a short AutoML
 * budget keep it to a few minutes.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { execFile } from 'node:child_process';
import { chromium } from 'playwright-core';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appApi } from '../support/appApi';
import { startTestAzurite } from '../support/azurite';
import { bankCsvOf, bankRow, bankRows, shuffledLabels } from '../support/bank';
import { startTestHost, TestHost } from '../support/host';
import { startHttpsReceiver } from '../support/httpsReceiver';

jest.setTimeout(900000);

const slice = bankRows;
const csv = bankCsvOf;
const shuffle = (rows: string[]) => shuffledLabels(rows, 12345);

const ENV = {
  AUTOML_BUDGET_SECONDS: '6',
  AUTOML_POLL_SECONDS: '0.5',
  BENCHMARK_REQUESTS: '100',
  BENCHMARK_CONCURRENCY: '4',
  // The SLO decision is exercised below with an impossible SLO; here the machine's noise must not decide.
  BENCHMARK_MAX_P95_MS: '10000',
  MLOPS_BLOB_SCAN_INTERVAL_MS: '500',
};

describe('pipeline end to end', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let datasets: ContainerClient;
  let appInsights: Awaited<ReturnType<typeof startHttpsReceiver>>;
  let eventGrid: Awaited<ReturnType<typeof startHttpsReceiver>>;
  let hostEnv: Record<string, string>;

  const { api, waitForRun } = appApi(() => host, { contentType: null, logFilter: /registerDataset|Error|Warning|Host\.Blobs|Durable/ });

  async function upload(rows: string[]): Promise<void> {
    const text = csv(rows);
    await datasets.getBlockBlobClient('bank.csv').upload(text, Buffer.byteLength(text));
  }

  const row = bankRow;

  beforeAll(async () => {
    az = await startTestAzurite();
    // Telemetry and CloudEvents go to local HTTPS receivers (the App Insights exporter forces https).
    appInsights = await startHttpsReceiver(() => ({ status: 200, body: { itemsReceived: 1, itemsAccepted: 1, errors: [] } }));
    eventGrid = await startHttpsReceiver(() => ({ status: 200, body: {} }));
    const ca = path.join(path.dirname(appInsights.caFile), 'both.pem');
    fs.writeFileSync(ca, fs.readFileSync(appInsights.caFile, 'utf8') + fs.readFileSync(eventGrid.caFile, 'utf8'));
    hostEnv = {
      ...ENV,
      NODE_EXTRA_CA_CERTS: ca,
      APPLICATIONINSIGHTS_CONNECTION_STRING: `InstrumentationKey=00000000-1111-2222-3333-444444444444;IngestionEndpoint=${appInsights.url}`,
      EVENTGRID_TOPIC_ENDPOINT: `${eventGrid.url}api/events`,
      EVENTGRID_TOPIC_KEY: 'test-topic-key',
      // Two models end up served side by side: /api/score serves bank's.
      SCORING_DEFAULT_MODEL: 'bank',
    };
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env: hostEnv });
    datasets = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    await datasets.createIfNotExists();
  });

  afterAll(async () => {
    await host?.stop();
    await az?.stop();
    await appInsights?.stop();
    await eventGrid?.stop();
  });

  it('answers 503 on /api/score before any model is deployed, and 401 without a key', async () => {
    const none = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [row(0)] }) });
    expect(none.status).toBe(503);
    const noKey = await api('/api/score', { method: 'POST', body: '{}', key: null });
    expect(noKey.status).toBe(401);
  });

  it('trains, deploys and promotes the first version dropped in the datasets container', async () => {
    await upload(shuffle(slice(0, 2000)));
    const run = await waitForRun('train-bank-v1');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.trigger).toBe('blob');
    expect(run.phases.map((p: any) => p.phase)).toEqual(['queued', 'prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide', 'completed']);
    expect(run.split).toMatchObject({ train: 1800, test: 200 });
    expect(run.automl.trials).toBeGreaterThan(0);
    expect(run.metrics.primaryMetric).toBe('AUC_weighted');
    expect(run.metrics.cv.confusion_matrix.classes).toEqual(['no', 'yes']);
    expect(typeof run.metrics.cv.f1_score_weighted).toBe('number');
    expect(run.benchmark.direct).toMatchObject({ requests: 100, errors: 0, non2xx: 0 });
    expect(run.benchmark.direct.p95Ms).toBeGreaterThan(0);
    expect(run.decision).toMatchObject({ promoted: true, challenger: { model: 'bank', version: 1 } });
    expect(run.decision.reason).toMatch(/no champion/);

    const ds = await api('/api/datasets/bank');
    expect(JSON.stringify(ds.body)).toContain('train-bank-v1');
    const deps = await api('/api/deployments');
    expect(deps.body.deployments).toEqual([expect.objectContaining({ name: 'bank-v1', champion: true, status: 'running' })]);
  });

  it('promotes a better second version and serves it through /api/score in all three request shapes', async () => {
    await upload(slice(0, 2000));
    const run = await waitForRun('train-bank-v2');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.decision.promoted).toBe(true);
    expect(run.decision.challenger.testScore).toBeGreaterThan(run.decision.champion.testScore + 0.1);
    expect(run.benchmark.proxy).toMatchObject({ requests: 100, errors: 0, non2xx: 0 });

    const deps = (await api('/api/deployments')).body.deployments;
    expect(deps.find((d: any) => d.champion)).toMatchObject({ name: 'bank-v2' });
    expect(deps.find((d: any) => d.name === 'bank-v1').status).toBe('retired');
    const models = (await api('/api/models')).body.models;
    expect(models.map((m: any) => [m.version, m.status])).toEqual([
      [1, 'retired'],
      [2, 'champion'],
    ]);

    const v1 = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [row(0), row(1)] }) });
    expect(v1.status).toBe(200);
    expect(v1.headers.get('x-model-version')).toBe('2');
    expect(v1.body.result).toHaveLength(2);
    expect(['yes', 'no']).toContain(v1.body.result[0]);

    const v2 = await api('/api/score', {
      method: 'POST',
      body: JSON.stringify({ Inputs: { data: [row(2)] }, GlobalParameters: { method: 'predict_proba' } }),
    });
    expect(v2.status).toBe(200);
    expect(v2.body.Results[0]).toHaveLength(2);
    expect(v2.body.Results[0][0] + v2.body.Results[0][1]).toBeCloseTo(1, 5);

    const r3 = row(3);
    const columns = Object.keys(r3);
    const v3 = await api('/api/score', {
      method: 'POST',
      body: JSON.stringify({ input_data: { columns, index: [0], data: [columns.map((c) => r3[c])] } }),
    });
    expect(v3.status).toBe(200);
    expect(v3.body.predictions).toHaveLength(1);

    const bad = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [{ ...row(0), age: 'old' }] }) });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('age');

    const spec = await api('/api/swagger.json', { key: null });
    expect(spec.status).toBe(200);
    expect(spec.body.openapi).toMatch(/^3\./);
    expect(JSON.stringify(spec.body)).toContain('emp.var.rate');
    // Anonymous documents keep what clients need (types, allowed categories), not training statistics.
    expect(JSON.stringify(spec.body)).not.toMatch(/Seen in training: min/);
    expect(spec.body.components.schemas.InputRow.properties.job.enum ?? spec.body.components.schemas.InputRow.properties.job['x-known-values']).toContain(
      'admin.',
    );
    expect(spec.body.servers).toEqual([{ url: '/api' }]);
  });

  it('brings the champion back after a host restart and keeps it when a challenger misses the SLO', async () => {
    await host.stop();
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env: { ...hostEnv, BENCHMARK_MAX_P95_MS: '0.001' } });
    const after = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [row(5)] }) });
    expect(after.status).toBe(200);
    expect(after.headers.get('x-model-version')).toBe('2');

    await upload(slice(2000, 2000));
    const run = await waitForRun('train-bank-v3');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.decision.promoted).toBe(false);
    expect(run.decision.reason).toMatch(/SLO/);
    const deps = (await api('/api/deployments')).body.deployments;
    expect(deps.find((d: any) => d.champion)).toMatchObject({ name: 'bank-v2' });
    expect(deps.find((d: any) => d.name === 'bank-v3').status).toBe('retired');
    const still = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [row(6)] }) });
    expect(still.headers.get('x-model-version')).toBe('2');
  });

  it('serves a second dataset (its name not a valid deployment name) beside the first, its own champion', async () => {
    await host.stop();
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env: hostEnv });
    const text = csv(slice(4000, 1500));
    await datasets.getBlockBlobClient('bank_marketing.csv').upload(text, Buffer.byteLength(text));
    const run = await waitForRun('train-bank_marketing-v1');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.deployment.name).toBe('bank-marketing-v1');
    expect(run.decision.promoted).toBe(true);
    expect(run.decision.reason).toMatch(/no champion/);
    const deps = (await api('/api/deployments')).body.deployments;
    expect(
      deps
        .filter((d: any) => d.champion)
        .map((d: any) => d.name)
        .sort(),
    ).toEqual(['bank-marketing-v1', 'bank-v2']);
    const models = (await api('/api/models')).body;
    expect(models.champions.map((c: any) => [c.model, c.version])).toEqual([
      ['bank', 2],
      ['bank_marketing', 1],
    ]);
    const own = await api('/api/models/bank_marketing/score', { method: 'POST', body: JSON.stringify({ data: [row(8)] }) });
    expect(own.status).toBe(200);
    expect(own.headers.get('x-model-name')).toBe('bank_marketing');
    const byDefault = await api('/api/score', { method: 'POST', body: JSON.stringify({ data: [row(8)] }) });
    expect(byDefault.headers.get('x-model-name')).toBe('bank');
  });

  it('rejects a bad POST /api/runs body with the fields at fault, and an unknown dataset with 404', async () => {
    const bad = await api('/api/runs', { method: 'POST', body: JSON.stringify({ dataset: 'bank', automl: { budgetSeconds: -1, colour: 'red' } }) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
    const fields = bad.body.error.details.fields.map((f: any) => f.field).join(' ');
    expect(fields).toContain('/automl/budgetSeconds');
    expect(fields).toContain('colour');
    const missing = await api('/api/runs', { method: 'POST', body: JSON.stringify({ dataset: 'nope' }) });
    expect(missing.status).toBe(404);
    const notJson = await api('/api/runs', { method: 'POST', body: '{' });
    expect(notJson.body.error.code).toBe('INVALID_JSON');
    const learner = await api('/api/runs', { method: 'POST', body: JSON.stringify({ dataset: 'bank', automl: { allowedLearners: ['magic'] } }) });
    expect(learner.status).toBe(400);
    expect(JSON.stringify(learner.body)).toContain('/automl/allowedLearners/0');
  });

  it('ends a run that cannot train as Failed with its reason, the champion untouched', async () => {
    // A regression task on the yes/no target: accepted by the API, refused by AutoML.
    const started = await api('/api/runs', {
      method: 'POST',
      body: JSON.stringify({ dataset: 'bank', version: 2, runId: 'bad-task', automl: { task: 'regression' } }),
    });
    expect(started.status).toBe(202);
    expect(started.body.statusQueryGetUri).toContain('/runtime/webhooks/durabletask/instances/bad-task');
    const run = await waitForRun('bad-task');
    expect(run.runtimeStatus).toBe('Failed');
    expect(run.phase).toBe('failed');
    expect(run.error.code).toMatch(/^[A-Z_]+$/);
    expect(run.error.message.length).toBeGreaterThan(10);
    const deps = (await api('/api/deployments')).body.deployments;
    expect(
      deps
        .filter((d: any) => d.champion)
        .map((d: any) => d.name)
        .sort(),
    ).toEqual(['bank-marketing-v1', 'bank-v2']);
    expect(deps.length).toBe(4);
    // The check-status URL works through the host port with the system key it carries.
    const status = await fetch(started.body.statusQueryGetUri);
    expect(status.status).toBe(200);
    expect((await status.json()).runtimeStatus).toBe('Failed');
  });

  it('shows runs, one run, models and a scoring call through the mlops CLI', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((resolve) => {
        execFile(
          process.execPath,
          [path.resolve(__dirname, '../../bin/mlops.js'), ...args, '--url', host.baseUrl, '--key', host.hostKey],
          { timeout: 60000 },
          (error, stdout, stderr) => resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, out: stdout, err: stderr }),
        );
      });
    const runs = await cli('runs');
    expect(runs.code).toBe(0);
    expect(runs.out).toMatch(/train-bank-v3\s+bank v3\s+Completed/);
    expect(runs.out).toMatch(/train-bank-v2 .*promoted/);
    const one = await cli('run', 'train-bank-v2');
    expect(one.code).toBe(0);
    expect(one.out).toContain('decision: PROMOTED bank v2');
    expect(one.out).toContain('endpoint (direct)');
    expect(one.out).toMatch(/CV metrics: AUC_weighted 0\.\d{4}/);
    const models = await cli('models');
    expect(models.out).toMatch(/bank\s+2\s+champion/);
    const scored = await cli('score', '--row', JSON.stringify(row(7)), '--proba');
    expect(scored.code).toBe(0);
    expect(JSON.parse(scored.out.split(' (model')[0]).Results[0]).toHaveLength(2);
    const badRow = await cli('score', '--row', '{not json');
    expect(badRow.code).toBe(2);
    const invalid = await api('/api/runs/..%2Finstances');
    expect(invalid.status).toBe(404);
    const missing = await cli('run', 'train-nope-v1');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('RUN_NOT_FOUND');
  });

  it('shows the runs, the champion and the datasets on the dashboard in headless Chromium', async () => {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      // Without a key the page says so instead of showing data.
      await page.goto(`${host.baseUrl}/api/dashboard`);
      await page.waitForFunction(() => (document.getElementById('error')?.textContent ?? '').includes('401'), undefined, { timeout: 30000 });
      // The key is typed into the page (kept in sessionStorage), never put in the URL.
      await page.fill('#key', host.hostKey);
      await page.press('#key', 'Enter');
      await page.waitForSelector('#runs tr[data-run="train-bank-v2"]', { timeout: 30000 });
      const runs = await page.textContent('#runs');
      expect(runs).toContain('train-bank-v3');
      expect(await page.textContent('#runs tr[data-run="train-bank-v2"]')).toContain('promoted');
      expect(await page.textContent('#runs tr[data-run="train-bank-v3"]')).toContain('kept champion');
      const deployments = await page.textContent('#deployments');
      expect(deployments).toMatch(/bank-v2.*champion/s);
      expect(await page.textContent('#datasets')).toContain('bank');
      expect(await page.textContent('#error')).toBe('');
    } finally {
      await browser.close();
    }
  });

  it('sent the milestones to App Insights and as CloudEvents to Event Grid', async () => {
    const envelopes = appInsights.received.filter((r) => r.url.startsWith('/v2.1/track')).flatMap((r) => JSON.parse(r.body));
    const events = envelopes.filter((e: any) => e.data?.baseType === 'EventData').map((e: any) => e.data.baseData.name);
    for (const name of ['DatasetRegistered', 'AutoMLCompleted', 'ModelDeployed', 'BenchmarkCompleted', 'ModelPromoted', 'ModelRejected']) {
      expect(events).toContain(name);
    }
    const metrics = envelopes.filter((e: any) => e.data?.baseType === 'MetricData').map((e: any) => e.data.baseData.metrics[0].name);
    expect(metrics).toEqual(expect.arrayContaining(['AutoMLBestScore', 'BenchmarkP95Ms']));
    const deps = envelopes.filter((e: any) => e.data?.baseType === 'RemoteDependencyData');
    expect(deps.length).toBeGreaterThan(0);

    const cloudEvents = eventGrid.received.flatMap((r) => JSON.parse(r.body));
    const types = cloudEvents.map((e: any) => e.type);
    expect(types).toEqual(
      expect.arrayContaining(['Mlops.DatasetRegistered', 'Mlops.ModelRegistered', 'Mlops.ModelDeployed', 'Mlops.ModelPromoted', 'Mlops.ModelRejected']),
    );
    expect(eventGrid.received[0].headers['aeg-sas-key']).toBe('test-topic-key');
    const promoted = cloudEvents.find((e: any) => e.type === 'Mlops.ModelPromoted' && e.data.challenger.version === 2);
    expect(promoted).toMatchObject({ specversion: '1.0', subject: 'models/bank/versions/2' });
  });
});
