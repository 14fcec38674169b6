/**
 * Blob names that are no dataset names, against a private Azurite: a name that would address another
 * blob (dot segments; Azurite stores `\` as `/`) is recorded as UNSAFE_NAME without being read; a
 * nested folder is INVALID_NAME; each such upload gets its own record.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { blobNameRejection, isUnsafeBlobName } from '../../src/datasets/names';
import { registerDataset } from '../../src/datasets/register';
import { DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let blobs: BlobServiceClient;
let drop: ContainerClient;

const register = (blobName: string) => registerDataset({ blobName }, { connectionString: az.connectionString, settings: DEFAULT_DATASET_SETTINGS });
const table = (n: number) => ['a,y', ...Array.from({ length: n }, (_, i) => `${i},${i % 2 ? 'yes' : 'no'}`)].join('\n') + '\n';

beforeAll(async () => {
  az = await startTestAzurite();
  blobs = BlobServiceClient.fromConnectionString(az.connectionString);
  drop = blobs.getContainerClient('datasets');
  await drop.createIfNotExists();
});
afterAll(async () => {
  await az?.stop();
});

describe('dataset names from blob names', () => {
  test.each([
    ['x/../../registry/a.csv', 'UNSAFE_NAME'],
    ['a\\b.csv', 'UNSAFE_NAME'],
    ['%2e%2e/a.csv', 'UNSAFE_NAME'],
    ['a\u0007.csv', 'UNSAFE_NAME'],
    ['folder/bank.csv', 'INVALID_NAME'],
    ['bad name.csv', 'INVALID_NAME'],
  ])('%j is rejected as %s', (name, code) => {
    expect(blobNameRejection(name)?.code).toBe(code);
  });

  test('valid names pass; unsafe is about paths, not the alphabet', () => {
    expect(blobNameRejection('bank.v2.csv')).toBeUndefined();
    expect(isUnsafeBlobName('folder/bank.csv')).toBe(false);
    expect(isUnsafeBlobName('a/./b.csv')).toBe(true);
  });

  test('a traversal name is recorded as UNSAFE_NAME and the blob it would address is never read', async () => {
    // A valid CSV elsewhere in the account that `datasets/x/../../registry/other.csv` collapses onto.
    const reg = blobs.getContainerClient('registry');
    await reg.createIfNotExists();
    const other = table(20);
    const otherEtag = (await reg.getBlockBlobClient('other.csv').upload(other, other.length)).etag!;
    await drop.getBlockBlobClient('x\\..\\..\\registry\\other.csv').upload('junk', 4);
    const r = await register('x/../../registry/other.csv');
    expect(r.outcome).toBe('rejected');
    expect(r.dataset).toMatchObject({ name: '_invalid', status: 'rejected', sha256: null, source: { blobName: 'x/../../registry/other.csv' } });
    expect(r.dataset.reason?.code).toBe('UNSAFE_NAME');
    expect(r.dataset.source.etag).not.toBe(otherEtag);
    // Nothing was written next to the blob it pointed at.
    const names: string[] = [];
    for await (const b of reg.listBlobsFlat()) names.push(b.name);
    expect(names).toEqual(['other.csv']);
  });

  test('two different bad names are two records; the same one again is a duplicate', async () => {
    const a = await register('y/../../a.csv');
    const b = await register('y/../../b.csv');
    const again = await register('y/../../a.csv');
    expect(a.dataset.version).not.toBe(b.dataset.version);
    expect(again.outcome).toBe('duplicate');
    expect(again.dataset.version).toBe(a.dataset.version);
  });

  test('a nested folder is INVALID_NAME, recorded with the blob name', async () => {
    const t = table(12);
    await drop.getBlockBlobClient('folder/bank.csv').upload(t, t.length);
    const r = await register('folder/bank.csv');
    expect(r.dataset).toMatchObject({ name: '_invalid', status: 'rejected', source: { blobName: 'folder/bank.csv' } });
    expect(r.dataset.reason?.code).toBe('INVALID_NAME');
  });
});
