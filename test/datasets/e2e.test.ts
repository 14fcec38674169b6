/**
 * End to end through the embedded Functions host (child process) on a private Azurite: uploads to the
 * `datasets` container are registered or rejected by the blob trigger and shown by the HTTP routes.
 * Needs the compiled app (npx tsc -p tsconfig.json; `npm test` builds first).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { startHttpsReceiver } from '../support/httpsReceiver';
import { startTestHost, TestHost } from '../support/host';

// Only the dataset functions (no orchestrations): TRAIN_ON_UPLOAD=false keeps training out of these tests.
const APP = 'test/fixtures/datasets/app';
const BANK = path.join(__dirname, '..', '..', 'samples', 'bankmarketing_train.csv');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('dataset drop zone through the embedded host', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let drop: ContainerClient;

  beforeAll(async () => {
    az = await startTestAzurite();
    drop = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    await drop.createIfNotExists();
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString, env: { MLOPS_BLOB_SCAN_INTERVAL_MS: '300', TRAIN_ON_UPLOAD: 'false' } });
  });

  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  async function get(route: string, key: string | null = host.functionKey('listDatasets')): Promise<{ status: number; body: any }> {
    const url = `${host.baseUrl}/api/${route}`;
    const res = await fetch(key === null ? url : `${url}${url.includes('?') ? '&' : '?'}code=${encodeURIComponent(key)}`);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function waitForDataset(name: string, pred: (d: any) => boolean, timeoutMs = 30000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await get('datasets');
      const d = r.status === 200 ? r.body.datasets.find((x: any) => x.name === name) : undefined;
      if (d && pred(d)) return d;
      if (Date.now() > deadline) throw new Error(`timed out waiting for dataset ${name}: ${JSON.stringify(d)}\n${host.logs().slice(-3000)}`);
      await sleep(200);
    }
  }

  it('registers the bank file uploaded to the datasets container, shown at GET /api/datasets', async () => {
    await drop.getBlockBlobClient('bank.csv').uploadFile(BANK);
    const d = await waitForDataset('bank', (x) => x.status === 'registered');
    expect(d).toMatchObject({ version: 1, rows: 32950, columns: 21, target: 'y', latestRegistered: 1, runId: null });
    const yes = d.classBalance.find((c: any) => c.value === 'yes');
    expect(Math.round(yes.fraction * 1000) / 10).toBe(11.2);
  });

  it('GET /api/datasets/{name} lists versions and /versions/{v} returns profile, schema and drift', async () => {
    const list = await get('datasets/bank', host.functionKey('getDataset'));
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ name: 'bank', latestVersion: 1, latestRegistered: 1 });
    expect(list.body.versions).toHaveLength(1);
    const v = await get('datasets/bank/versions/1', host.functionKey('getDatasetVersion'));
    expect(v.status).toBe(200);
    expect(v.body.profile.rows).toBe(32950);
    expect(v.body.profile.columnProfiles).toHaveLength(21);
    expect(v.body.schema.columns.map((c: any) => c.name)).toContain('euribor3m');
    expect(v.body.drift).toBeNull();
    expect(v.body.snapshot.data).toBe('datasets/bank/v1/data.csv');
  });

  it('a malformed upload shows as rejected with its code and the line at fault', async () => {
    const bad = 'a,b,y\n1,2,yes\n3,4,no\n5,6\n';
    await drop.getBlockBlobClient('broken.csv').upload(bad, bad.length);
    const d = await waitForDataset('broken', (x) => x.status === 'rejected');
    expect(d.reason.code).toBe('CSV_RAGGED_ROW');
    expect(d.reason.line).toBe(4);
    expect(d.reason.message).toMatch(/line 4/);
    expect(d.latestRegistered).toBeNull();
  });

  it('re-uploading the same bytes creates no new version; new content becomes v2 with drift', async () => {
    await drop.getBlockBlobClient('bank.csv').uploadFile(BANK);
    await host.waitForLog(/registerDataset bank\.csv: duplicate bank v1/, 30000);
    const text = fs.readFileSync(BANK, 'utf8');
    // Drop the last feature column before the target: a schema change.
    const changed = text
      .trimEnd()
      .split('\n')
      .map((l) => {
        const f = l.split(',');
        f.splice(19, 1);
        return f.join(',');
      })
      .join('\n');
    await drop.getBlockBlobClient('bank.csv').upload(changed, Buffer.byteLength(changed));
    const d = await waitForDataset('bank', (x) => x.version === 2 && x.status !== 'registering');
    expect(d).toMatchObject({ status: 'registered', columns: 20, hasDrift: true, latestRegistered: 2, versions: 2 });
    const v2 = await get('datasets/bank/versions/2', host.functionKey('getDatasetVersion'));
    expect(v2.body.drift).toMatchObject({ againstVersion: 1, removed: ['nr.employed'], added: [] });
  });

  it('answers 401 without a function key, 404/400 with codes for unknown names and bad versions', async () => {
    for (const route of ['datasets', 'datasets/bank', 'datasets/bank/versions/1']) {
      expect((await get(route, null)).status).toBe(401);
      expect((await get(route, 'wrong-key')).status).toBe(401);
    }
    const key = host.functionKey('getDatasetVersion');
    expect(await get('datasets/nope', host.functionKey('getDataset'))).toMatchObject({ status: 404, body: { error: { code: 'DATASET_NOT_FOUND' } } });
    expect(await get('datasets/bank/versions/99', key)).toMatchObject({ status: 404, body: { error: { code: 'VERSION_NOT_FOUND' } } });
    expect(await get('datasets/bank/versions/abc', key)).toMatchObject({ status: 400, body: { error: { code: 'INVALID_VERSION' } } });
  });
});

describe('Flex Consumption shape: Event Grid blob source and an Event Grid topic, through the host', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let topic: Awaited<ReturnType<typeof startHttpsReceiver>>;
  let drop: ContainerClient;

  beforeAll(async () => {
    az = await startTestAzurite();
    topic = await startHttpsReceiver();
    drop = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    await drop.createIfNotExists();
    host = await startTestHost({
      appDir: APP,
      connectionString: az.connectionString,
      env: {
        MLOPS_BLOB_SCAN_INTERVAL_MS: '300',
        TRAIN_ON_UPLOAD: 'false',
        DATASETS_BLOB_SOURCE: 'EventGrid',
        EVENTGRID_TOPIC_ENDPOINT: `${topic.url}api/events`,
        EVENTGRID_TOPIC_KEY: 'e2e-topic-key',
        NODE_EXTRA_CA_CERTS: topic.caFile,
      },
    });
  });

  afterAll(async () => {
    await host?.stop();
    await az?.stop();
    await topic?.stop();
  });

  const cloudEvents = () => topic.received.flatMap((r) => JSON.parse(r.body) as any[]);

  it('registers on a BlobCreated event (no scanning) and publishes Mlops.DatasetRegistered / Mlops.DatasetRejected', async () => {
    const good = 'x,y\n' + Array.from({ length: 30 }, (_, i) => `${i},${i % 3 ? 'no' : 'yes'}`).join('\n');
    await drop.getBlockBlobClient('flex.csv').upload(good, good.length);
    const bad = 'x,y\n1,"oops\n';
    await drop.getBlockBlobClient('flexbad.csv').upload(bad, bad.length);
    await sleep(1500);
    expect(host.logs()).not.toMatch(/Executing 'Functions.registerDataset'/); // EventGrid source: not scanned
    const events = ['flex.csv', 'flexbad.csv'].map((b, i) => ({
      id: String(i),
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: `/blobServices/default/containers/datasets/blobs/${b}`,
      data: { url: drop.getBlobClient(b).url, api: 'PutBlob' },
      dataVersion: '',
      eventTime: new Date().toISOString(),
    }));
    const r = await fetch(`${host.baseUrl}/runtime/webhooks/blobs?functionName=Host.Functions.registerDataset`, {
      method: 'POST',
      body: JSON.stringify(events),
      headers: { 'content-type': 'application/json', 'aeg-event-type': 'Notification', 'x-functions-key': host.systemKey('blobs_extension') },
    });
    expect(r.status).toBe(202);
    const deadline = Date.now() + 30000;
    while (cloudEvents().length < 2 && Date.now() < deadline) await sleep(200);
    const types = cloudEvents()
      .map((e) => `${e.type} ${e.data.name} v${e.data.version}`)
      .sort();
    expect(types).toEqual(['Mlops.DatasetRegistered flex v1', 'Mlops.DatasetRejected flexbad v1']);
    expect(topic.received[0].headers['aeg-sas-key']).toBe('e2e-topic-key');
    expect(cloudEvents().find((e) => e.type === 'Mlops.DatasetRejected').data.reason.code).toBe('CSV_UNCLOSED_QUOTE');
    // Secrets never in the logs.
    expect(host.logs()).not.toContain('e2e-topic-key');
  });
});
