// The run-split store against Azurite: both files stream into the registry container, and a failing
// producer or upload ends write() with its error at once (the old code waited for uploads whose input
// streams were only ended afterwards: the activity hung until the function timeout).
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobSplitStore } from '../../src/pipeline/splits';
import { startTestAzurite } from '../support/azurite';

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let store: BlobSplitStore;

beforeAll(async () => {
  az = await startTestAzurite();
  store = new BlobSplitStore(BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry'));
});
afterAll(async () => az?.stop());

async function text(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

test('streams train and test files and hands back the producer result', async () => {
  const r = await store.write('run-a', async (sinks) => {
    await sinks.train('h\n');
    await sinks.test('h\n');
    for (let i = 0; i < 50000; i++) await (i % 5 ? sinks.train(`${i}\n`) : sinks.test(`${i}\n`));
    return 42;
  });
  expect(r).toBe(42);
  const test = await text(await store.openTest('run-a'));
  expect(test.split('\n').filter(Boolean)).toHaveLength(10001);
  expect(store.trainBlob('run-a')).toBe('runs/run-a/train.csv');
});

test('a producer that throws mid-way ends write() promptly with its error', async () => {
  const started = Date.now();
  await expect(
    store.write('run-b', async (sinks) => {
      for (let i = 0; i < 1000; i++) await sinks.train(`${'x'.repeat(1000)}\n`);
      throw new Error('bad row 1000');
    }),
  ).rejects.toThrow('bad row 1000');
  expect(Date.now() - started).toBeLessThan(10000);
});

test('a failing upload stops the producer: write() rejects instead of waiting for drain', async () => {
  const broken = new BlobSplitStore(BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('Invalid_Container_Name'));
  await expect(
    broken.write('run-c', async (sinks) => {
      for (;;) await sinks.train(`${'y'.repeat(10000)}\n`);
    }),
  ).rejects.toThrow();
});
