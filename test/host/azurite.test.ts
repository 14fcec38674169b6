import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { QueueServiceClient } from '@azure/storage-queue';
import { startTestAzurite } from '../support/azurite';

describe('Azurite launcher', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  beforeAll(async () => {
    az = await startTestAzurite();
  });
  afterAll(async () => {
    await az.stop();
  });

  it('serves blob, queue and table storage through the real SDKs', async () => {
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    const c = blobs.getContainerClient('probe');
    await c.create();
    await c.getBlockBlobClient('a.txt').upload('hello', 5);
    const buf = await c.getBlobClient('a.txt').downloadToBuffer();
    expect(buf.toString()).toBe('hello');

    const q = QueueServiceClient.fromConnectionString(az.connectionString).getQueueClient('probe');
    await q.create();
    await q.sendMessage('m1');
    const got = await q.receiveMessages();
    expect(got.receivedMessageItems[0].messageText).toBe('m1');

    const t = TableClient.fromConnectionString(az.connectionString, 'probe', { allowInsecureConnection: true });
    await t.createTable();
    await t.createEntity({ partitionKey: 'p', rowKey: 'r', v: 1 });
    expect((await t.getEntity('p', 'r')).v).toBe(1);
  });

  it('stops the process it started', async () => {
    const { startAzurite } = await import('../../src/host/azurite');
    const os = await import('node:os');
    const fs = await import('node:fs');
    const path = await import('node:path');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-az2-'));
    const other = await startAzurite({ location: dir });
    expect(() => process.kill(other.pid, 0)).not.toThrow();
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
