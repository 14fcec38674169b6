import { createHash } from 'node:crypto';
import { BlobServiceClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { storageFromConnectionString, storageFromEnv } from '../../src/datasets/storage';
import { registerDataset } from '../../src/datasets/register';
import { DatasetRegistry } from '../../src/datasets/registry';
import { DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';
import { DatasetSettingsError } from '../../src/datasets/errors';

describe('storage connections (connection string or identity-based, as Functions defines them)', () => {
  it('identity-based settings give account endpoints and a token credential (no key)', () => {
    const s = storageFromEnv({
      AzureWebJobsStorage__accountName: 'acct',
      AzureWebJobsStorage__credential: 'managedidentity',
      AzureWebJobsStorage__clientId: '00000000-0000-0000-0000-000000000001',
    });
    expect(s.blobService.url).toBe('https://acct.blob.core.windows.net/');
    expect(s.table('datasets').url).toBe('https://acct.table.core.windows.net');
    expect(s.sharedKey).toBe(false);
    const uris = storageFromEnv({ Data__blobServiceUri: 'https://b.example.net', Data__tableServiceUri: 'https://t.example.net' }, 'Data');
    expect(uris.blobService.url).toBe('https://b.example.net/');
  });

  it('a missing connection is a settings error naming what to set', () => {
    expect(() => storageFromEnv({}, 'Nope')).toThrow(DatasetSettingsError);
    expect(() => storageFromEnv({}, 'Nope')).toThrow(/Nope__accountName/);
  });

  it('a connection string signs with the account key', () => {
    expect(storageFromEnv({ AzureWebJobsStorage: 'UseDevelopmentStorage=true' }).sharedKey).toBe(true);
  });

  describe('against Azurite', () => {
    let az: Awaited<ReturnType<typeof startTestAzurite>>;
    beforeAll(async () => {
      az = await startTestAzurite();
      await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets').createIfNotExists();
    });
    afterAll(async () => {
      await az?.stop();
    });

    it('with token-style storage (no key) registration writes the snapshot by a second read, not a copy', async () => {
      const content = 'a,y\n' + Array.from({ length: 40 }, (_, i) => `${i},${i % 2 ? 'yes' : 'no'}`).join('\n');
      const keyed = storageFromConnectionString(az.connectionString);
      await keyed.blobService.getContainerClient('datasets').getBlockBlobClient('tok.csv').upload(content, content.length);
      const r = await registerDataset({ blobName: 'tok.csv' }, { storage: { ...keyed, sharedKey: false }, settings: DEFAULT_DATASET_SETTINGS });
      expect(r.outcome).toBe('registered');
      expect(r.timings.stage).toBeUndefined(); // nothing staged
      const data = await keyed.blobService.getContainerClient('registry').getBlobClient(r.dataset.snapshot!.data).downloadToBuffer();
      expect(createHash('sha256').update(data).digest('hex')).toBe(r.dataset.sha256);
      expect((await new DatasetRegistry(keyed).versions('tok')).map((v) => v.status)).toEqual(['registered']);
    });
  });
});

describe('registry entity sizes', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  beforeAll(async () => {
    az = await startTestAzurite();
  });
  afterAll(async () => {
    await az?.stop();
  });

  it('byte and row counts past 2^31 round-trip (stored as Int64)', async () => {
    const registry = new DatasetRegistry(az.connectionString);
    const claim = await registry.claim('huge', () => ({
      name: 'huge',
      status: 'rejected',
      sha256: null,
      bytes: 5_000_000_000,
      rows: 3_000_000_000,
      columns: null,
      target: 'y',
      task: null,
      delimiter: null,
      classBalance: null,
      schema: null,
      drift: null,
      reason: { code: 'TOO_LARGE', message: 'too large' },
      source: { container: 'datasets', blobName: 'huge.csv', etag: '"x"' },
      snapshot: null,
      runId: null,
      eventPublished: false,
    }));
    expect(claim.claimed).toBe(true);
    const [v] = await registry.versions('huge');
    expect([v.bytes, v.rows]).toEqual([5_000_000_000, 3_000_000_000]);
  });
});
