/**
 * Blob-name traversal through the real dataset functions in the embedded host, on a fresh Azurite.
 * Azurite (like the storage service) reads `\` as `/`, and storage clients collapse `..` segments, so a
 * drop-zone client could once make the host write its trigger receipts into other containers: for
 * instance an empty `registry/datasets/X/v1/data.csv` that the later, legitimate X.csv then kept as its
 * snapshot. On a fresh stack (no `registry` container yet) the same name made every scan of the drop
 * zone stop at it, silently.
 *
 * Checked here: both names are recorded as rejected (UNSAFE_NAME) in the dataset registry, nothing is
 * written outside the app's and the host's own containers, the legitimate upload after them is
 * registered with its real bytes, and /api/health reports the scan as working.
 * Needs the compiled app (npx tsc -p tsconfig.json).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

const APP = 'test/fixtures/reliability/app';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// From the drop container, seven `..` reach the account root from inside the receipt path
// azure-webjobs-hosts/blobreceipts/{hostId}/{functionId}/{etag}/datasets/0/...
const UP = '..\\'.repeat(7);
/** Pre-creates the snapshot target of the later X.csv (and, on a fresh stack, names a missing container). */
const INTO_SNAPSHOT = `0\\${UP}registry\\datasets\\X\\v1\\data.csv`;
/** Percent-encoded dots, which a decoding layer turns into `..`. */
const ENCODED = `${'%2E%2E/'.repeat(7)}registry/datasets/X/v1/profile.json`;
// The host's, the Durable engine's and the app's own containers.
const HOST_CONTAINERS = new Set(['azure-webjobs-hosts', 'azure-webjobs-secrets', 'testhubname-largemessages', 'datasets', 'registry']);

function csv(rows: number): string {
  const lines = ['a,b,y'];
  for (let i = 0; i < rows; i++) lines.push(`${i},${(i * 7) % 13},${i % 2 ? 'yes' : 'no'}`);
  return lines.join('\n') + '\n';
}

describe('blob-name traversal on a fresh stack', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let blobs: BlobServiceClient;

  beforeAll(async () => {
    az = await startTestAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    await blobs.getContainerClient('datasets').createIfNotExists();
    host = await startTestHost({ appDir: APP, connectionString: az.connectionString, env: { MLOPS_BLOB_SCAN_INTERVAL_MS: '250', TRAIN_ON_UPLOAD: 'false' } });
  }, 90_000);

  afterAll(async () => {
    await host?.stop();
    await az?.stop();
  });

  async function get(route: string, key: string | null): Promise<{ status: number; body: any }> {
    const url = `${host.baseUrl}/api/${route}${key === null ? '' : `?code=${encodeURIComponent(key)}`}`;
    const res = await fetch(url);
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== undefined) return v;
      if (Date.now() > deadline)
        throw new Error(
          `timed out waiting for ${what}\n${host
            .logs()
            .split('\n')
            .filter((l) => !l.includes('getDataset'))
            .join('\n')
            .slice(-6000)}`,
        );
      await sleep(200);
    }
  }

  test('traversal names are recorded as UNSAFE_NAME, write nothing elsewhere, and do not stop the scan', async () => {
    const drop = blobs.getContainerClient('datasets');
    const junk = 'junk\n';
    for (const name of [INTO_SNAPSHOT, ENCODED]) await drop.getBlockBlobClient(name).upload(junk, junk.length);
    const listed: string[] = [];
    for await (const b of drop.listBlobsFlat()) listed.push(b.name);
    // Azurite keeps the dot segments in the name (so the attack is real): `\` became `/`.
    expect(listed).toEqual(expect.arrayContaining([INTO_SNAPSHOT.replace(/\\/g, '/'), ENCODED]));

    // Both are recorded as rejections (not dropped), under the partition for invalid names.
    const invalid = await waitFor('the two rejections', async () => {
      const r = await get('datasets/_invalid', host.functionKey('getDataset'));
      return r.status === 200 && r.body.versions.length >= 2 ? r.body.versions : undefined;
    });
    expect(invalid.map((v: any) => v.reason.code).sort()).toEqual(['UNSAFE_NAME', 'UNSAFE_NAME']);
    expect(invalid.map((v: any) => v.blobName).sort()).toEqual([ENCODED, INTO_SNAPSHOT.replace(/\\/g, '/')].sort());

    // A legitimate upload afterwards is registered, with its real bytes as the snapshot.
    const good = csv(40);
    await drop.getBlockBlobClient('X.csv').upload(good, good.length);
    const x = await waitFor('X registered', async () => {
      const r = await get('datasets/X', host.functionKey('getDataset'));
      const v = r.status === 200 ? r.body.versions.find((y: any) => y.status !== 'registering') : undefined;
      return v;
    });
    expect(x).toMatchObject({ status: 'registered', version: 1, rows: 40 });
    const snap = await blobs.getContainerClient('registry').getBlobClient('datasets/X/v1/data.csv').downloadToBuffer();
    expect(snap.toString('utf8')).toBe(good);

    // Nothing was written from a name outside the host's and the app's own containers...
    const containers: string[] = [];
    for await (const c of blobs.listContainers()) containers.push(c.name);
    expect(containers.filter((c) => !HOST_CONTAINERS.has(c))).toEqual([]);
    // ... and inside them, nothing empty that a receipt would have left.
    for await (const b of blobs.getContainerClient('registry').listBlobsFlat()) {
      expect(b.name.startsWith('datasets/X/v1/')).toBe(true);
      expect(b.properties.contentLength).toBeGreaterThan(0);
    }
    const receipts: string[] = [];
    for await (const b of blobs.getContainerClient('azure-webjobs-hosts').listBlobsFlat({ prefix: 'blobreceipts/' })) receipts.push(b.name);
    expect(receipts.every((n) => !n.split('/').includes('..'))).toBe(true);
    expect(receipts.filter((n) => n.includes('/$unaddressable/'))).toHaveLength(2);

    // The host said what it did, and health shows the scan working.
    expect(host.logs()).toMatch(/is not addressable \(BLOB_NAME_(DOT_SEGMENT|ENCODED_SEPARATOR)/);
    const health = await get('health', null);
    expect(health.status).toBe(200);
    expect(health.body.triggers).toEqual(expect.arrayContaining([expect.objectContaining({ function: 'registerDataset', state: 'ok', lastError: null })]));
  }, 90_000);
});
