/**
 * Malformed uploads keep the host up: a catalogue of broken files (and bad names) dropped at once into
 * the real dataset functions are each recorded as rejected with their stable code, a valid file among
 * them registers, and /api/health stays healthy. And a blob scan that fails says so, in the log and in
 * /api/health (503, the trigger's state and error), instead of uploads silently waiting.
 * Needs the compiled app (npx tsc -p tsconfig.json).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { DEV_ACCOUNT } from '../../src/host/azurite';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

const APP = 'test/fixtures/reliability/app';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const rowsOf = (n: number, cls: (i: number) => string = (i) => (i % 2 ? 'yes' : 'no')) =>
  'a,b,y\n' + Array.from({ length: n }, (_, i) => `${i},${(i * 3) % 7},${cls(i)}`).join('\n') + '\n';

const CATALOGUE: { blob: string; content: string | Buffer; code: string; dataset?: string }[] = [
  { blob: 'empty.csv', content: '', code: 'DATASET_EMPTY' },
  { blob: 'blank.csv', content: ' \n\t \n   \n', code: 'DATASET_EMPTY' },
  { blob: 'utf16.csv', content: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(rowsOf(20), 'utf16le')]), code: 'CSV_UNSUPPORTED_ENCODING' },
  { blob: 'binary.csv', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]), code: 'CSV_BINARY' },
  { blob: 'bad-utf8.csv', content: Buffer.concat([Buffer.from('a,b,y\n1,'), Buffer.from([0xff, 0xfe]), Buffer.from(',yes\n')]), code: 'CSV_INVALID_UTF8' },
  { blob: 'ragged.csv', content: rowsOf(20) + '1,2\n', code: 'CSV_RAGGED_ROW' },
  { blob: 'quote.csv', content: rowsOf(20) + '1,"open,yes\n', code: 'CSV_UNCLOSED_QUOTE' },
  { blob: 'no-header.csv', content: '1,2,3\n4,5,6\n', code: 'HEADER_MISSING' },
  { blob: 'duplicate.csv', content: rowsOf(20).replace('a,b,y', 'a,a,y'), code: 'HEADER_DUPLICATE_NAME' },
  { blob: 'no-target.csv', content: rowsOf(20).replace('a,b,y', 'a,b,c'), code: 'TARGET_MISSING' },
  { blob: 'header-only.csv', content: 'a,b,y\n', code: 'NO_DATA_ROWS' },
  { blob: 'few.csv', content: rowsOf(3), code: 'TOO_FEW_ROWS' },
  { blob: 'one-class.csv', content: rowsOf(20, () => 'yes'), code: 'TARGET_SINGLE_CLASS' },
  { blob: 'tiny-class.csv', content: rowsOf(20, (i) => (i === 0 ? 'rare' : i % 2 ? 'yes' : 'no')), code: 'CLASS_TOO_SMALL' },
  { blob: 'many-classes.csv', content: rowsOf(300, (i) => `c${i % 150}`), code: 'TOO_MANY_CLASSES' },
  { blob: 'long-line.csv', content: 'a,b,y\n' + 'x'.repeat(1_100_000) + ',1,yes\n', code: 'CSV_LINE_TOO_LONG' },
  { blob: 'up\\..\\..\\registry\\planted.csv', content: rowsOf(20), code: 'UNSAFE_NAME', dataset: '_invalid' },
  { blob: 'folder/nested.csv', content: rowsOf(20), code: 'INVALID_NAME', dataset: '_invalid' },
];

describe('malformed uploads', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets').createIfNotExists();
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString, env: { MLOPS_BLOB_SCAN_INTERVAL_MS: '250', TRAIN_ON_UPLOAD: 'false' } });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  test('each broken file is recorded with its code, the valid one registers, the host stays healthy', async () => {
    const drop = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
    const all = [...CATALOGUE, { blob: 'valid.csv', content: rowsOf(40), code: '' }];
    await Promise.all(all.map((c) => drop.getBlockBlobClient(c.blob).uploadData(typeof c.content === 'string' ? Buffer.from(c.content) : c.content)));
    const key = host.functionKey('getDataset');
    const versions = async (name: string) => {
      const res = await fetch(`${host.baseUrl}/api/datasets/${name}?code=${key}`);
      return res.status === 200 ? ((await res.json()).versions as any[]) : [];
    };
    const deadline = Date.now() + 60_000;
    let seen: Record<string, any> = {};
    for (;;) {
      seen = {};
      for (const c of all) {
        const name = c.dataset ?? c.blob.replace(/\.csv$/, '');
        const v = (await versions(name)).find((x) => x.blobName === c.blob.replace(/\\/g, '/') && x.status !== 'registering');
        if (v) seen[c.blob] = v;
      }
      if (Object.keys(seen).length === all.length || Date.now() > deadline) break;
      await sleep(300);
    }
    const got = Object.fromEntries(all.map((c) => [c.blob, seen[c.blob]?.reason?.code ?? seen[c.blob]?.status ?? 'missing']));
    const want = Object.fromEntries(all.map((c) => [c.blob, c.code || 'registered']));
    expect(got).toEqual(want);
    const health = await fetch(`${host.baseUrl}/api/health`);
    expect(health.status).toBe(200);
    expect((await health.json()).triggers).toEqual([expect.objectContaining({ function: 'registerDataset', state: 'ok' })]);
  }, 90_000);
});

describe('a failing blob scan', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  beforeAll(async () => {
    az = await startTestAzurite();
    // The drop zone's connection has a wrong key: every listing is refused (403) at once.
    const wrongKey = az.connectionString.replace(/AccountKey=[^;]+/, `AccountKey=${Buffer.from('not the key of ' + DEV_ACCOUNT).toString('base64')}`);
    host = await startTestHost({
      appDir: APP,
      connectionString: az.connectionString,
      env: { MLOPS_BLOB_SCAN_INTERVAL_MS: '250', TRAIN_ON_UPLOAD: 'false', DATASETS_STORAGE_CONNECTION: 'DropZone', DropZone: wrongKey },
    });
  }, 90_000);
  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  test('is logged and makes /api/health answer 503 with the trigger state and error', async () => {
    await host.waitForLog(/Scan of container "datasets" for registerDataset failed \(will retry\): [A-Za-z_0-9]+:/, 30_000);
    const res = await fetch(`${host.baseUrl}/api/health`);
    const body = await res.json();
    expect(res.status).toBe(503);
    expect(body.status).toBe('Unhealthy');
    expect(body.storage.reachable).toBe(true);
    expect(body.triggers).toEqual([
      expect.objectContaining({
        function: 'registerDataset',
        container: 'datasets',
        state: 'failing',
        lastError: expect.objectContaining({ code: expect.any(String), message: expect.any(String) }),
      }),
    ]);
    expect(JSON.stringify(body)).not.toContain('AccountKey');
  }, 60_000);
});
