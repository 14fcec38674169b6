/**
 * Snapshot integrity against a private Azurite: a snapshot path that exists already and was not written
 * by this registration (size or sha256 differ) fails the registration with SNAPSHOT_CONFLICT, in both
 * snapshot modes; an identical one (an earlier attempt of the same claim) is kept; a conflicted
 * version matches no content, so the same bytes register as the next version.
 */
import { createHash } from 'node:crypto';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { registerDataset } from '../../src/datasets/register';
import { DEFAULT_DATASET_SETTINGS, DatasetSettings } from '../../src/datasets/settings';
import { SnapshotConflictError, verifyBlob } from '../../src/datasets/snapshot';

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let drop: ContainerClient;
let reg: ContainerClient;

const table = (n: number, seed = 0) =>
  ['a,b,y', ...Array.from({ length: n }, (_, i) => `${i + seed},${(i * 3) % 7},${i % 2 ? 'yes' : 'no'}`)].join('\n') + '\n';
const register = (blobName: string, over: Partial<DatasetSettings> = {}) =>
  registerDataset({ blobName }, { connectionString: az.connectionString, settings: { ...DEFAULT_DATASET_SETTINGS, ...over } });
const put = async (c: ContainerClient, name: string, text: string) => c.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
const read = async (c: ContainerClient, name: string) => (await c.getBlobClient(name).downloadToBuffer()).toString('utf8');

beforeAll(async () => {
  az = await startTestAzurite();
  const svc = BlobServiceClient.fromConnectionString(az.connectionString);
  drop = svc.getContainerClient('datasets');
  reg = svc.getContainerClient('registry');
  await drop.createIfNotExists();
  await reg.createIfNotExists();
});
afterAll(async () => {
  await az?.stop();
});

describe.each(['stage-copy', 'two-pass'] as const)('snapshot integrity (%s)', (snapshotMode) => {
  const name = `x-${snapshotMode}`;

  test('an empty blob planted at the snapshot path fails the registration with SNAPSHOT_CONFLICT', async () => {
    await put(reg, `datasets/${name}/v1/data.csv`, '');
    const body = table(30);
    await put(drop, `${name}.csv`, body);
    const r = await register(`${name}.csv`, { snapshotMode });
    expect(r.outcome).toBe('rejected');
    expect(r.dataset).toMatchObject({ name, version: 1, status: 'rejected', reason: { code: 'SNAPSHOT_CONFLICT' } });
    expect(r.dataset.reason!.message).toMatch(/0 bytes, not the \d+ registered/);
    // The foreign blob is left as it was (for an operator); no staging copy is left behind.
    expect(await read(reg, `datasets/${name}/v1/data.csv`)).toBe('');
    const staging: string[] = [];
    for await (const b of reg.listBlobsFlat({ prefix: `staging/datasets/${name}/` })) staging.push(b.name);
    expect(staging).toEqual([]);

    // The same bytes again (a redelivery or a re-upload) register as v2, with the real bytes.
    const again = await register(`${name}.csv`, { snapshotMode });
    expect(again).toMatchObject({ outcome: 'registered', dataset: { version: 2, status: 'registered' } });
    expect(await read(reg, `datasets/${name}/v2/data.csv`)).toBe(body);
  });

  test('a same-size blob with other bytes is caught by its sha256', async () => {
    const body = table(30, 1000);
    await put(reg, `datasets/${name}-b/v1/data.csv`, body.replace(/yes/g, 'yeS'));
    await put(drop, `${name}-b.csv`, body);
    const r = await register(`${name}-b.csv`, { snapshotMode });
    expect(r.dataset.reason).toMatchObject({ code: 'SNAPSHOT_CONFLICT', message: expect.stringMatching(/sha256/) });
  });

  test('a byte-identical data.csv (an earlier attempt of the same claim) is kept and the version registers', async () => {
    const body = table(25, 500);
    await put(reg, `datasets/${name}-c/v1/data.csv`, body);
    await put(drop, `${name}-c.csv`, body);
    const r = await register(`${name}-c.csv`, { snapshotMode });
    expect(r).toMatchObject({ outcome: 'registered', dataset: { version: 1, sha256: createHash('sha256').update(body).digest('hex') } });
  });

  test('a planted profile.json that differs fails the registration too', async () => {
    await put(reg, `datasets/${name}-d/v1/profile.json`, '{"rows": 1}');
    await put(drop, `${name}-d.csv`, table(20, 7));
    const r = await register(`${name}-d.csv`, { snapshotMode });
    expect(r.dataset.reason?.code).toBe('SNAPSHOT_CONFLICT');
  });
});

test('verifyBlob checks size first, then content', async () => {
  await put(reg, 'check/a.txt', 'hello');
  const blob = reg.getBlockBlobClient('check/a.txt');
  const sha = (s: string) => createHash('sha256').update(s).digest('hex');
  await expect(verifyBlob(blob, 'check/a.txt', { bytes: 5, sha256: sha('hello') }, 'snapshot')).resolves.toBeUndefined();
  await expect(verifyBlob(blob, 'check/a.txt', { bytes: 5, sha256: sha('world') }, 'snapshot')).rejects.toBeInstanceOf(SnapshotConflictError);
  await expect(verifyBlob(blob, 'check/a.txt', { bytes: 6, sha256: sha('hello') }, 'snapshot')).rejects.toMatchObject({ code: 'SNAPSHOT_CONFLICT' });
});
