/**
 * Event Grid CloudEvents: the real @azure/eventgrid client posting to a local HTTPS receiver (a test
 * double for the Event Grid topic), standalone and from dataset registration.
 */
import * as fs from 'node:fs';
import { BlobServiceClient } from '@azure/storage-blob';
import { startHttpsReceiver } from '../support/httpsReceiver';
import { startTestAzurite } from '../support/azurite';
import { createEventGridPublisher, eventGridSettingsFromEnv, eventPublisherFromEnv, EventPublishError } from '../../src/events/eventgrid';
import { registerDataset } from '../../src/datasets/register';
import { DatasetRegistry } from '../../src/datasets/registry';
import { DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';

type Receiver = Awaited<ReturnType<typeof startHttpsReceiver>>;

let receiver: Receiver;
let failNext = 0;
const KEY = 'test-topic-key-not-a-secret';

beforeAll(async () => {
  receiver = await startHttpsReceiver(() => {
    if (failNext > 0) {
      failNext--;
      return { status: 500, body: { error: { code: 'InternalError', message: 'boom' } } };
    }
    return { status: 200, body: {} };
  });
});

afterAll(async () => {
  await receiver?.stop();
});

function publisher(maxRetries = 0) {
  return createEventGridPublisher(
    { endpoint: `${receiver.url}api/events`, key: KEY, source: '/mlops/test' },
    { tlsOptions: { ca: fs.readFileSync(receiver.caFile) }, retryOptions: { maxRetries } },
  );
}

describe('Event Grid publisher', () => {
  it('is a no-op without EVENTGRID_TOPIC_ENDPOINT; key auth with EVENTGRID_TOPIC_KEY, Entra ID without it', () => {
    expect(eventPublisherFromEnv({}).enabled).toBe(false);
    expect(eventPublisherFromEnv({ EVENTGRID_TOPIC_KEY: 'k' }).enabled).toBe(false);
    expect(eventGridSettingsFromEnv({ EVENTGRID_TOPIC_ENDPOINT: 'https://x.example/api/events', EVENTGRID_TOPIC_KEY: 'k' })).toMatchObject({
      key: 'k',
      source: '/mlops/local',
    });
    const identity = eventGridSettingsFromEnv({ EVENTGRID_TOPIC_ENDPOINT: 'https://x.example/api/events', WEBSITE_SITE_NAME: 'func-1' });
    expect(identity).toEqual({ endpoint: 'https://x.example/api/events', source: '/mlops/func-1' });
    expect(eventPublisherFromEnv({ EVENTGRID_TOPIC_ENDPOINT: 'https://x.example/api/events' }).enabled).toBe(true);
  });

  it('posts a CloudEvents 1.0 batch with the SAS key header', async () => {
    const before = receiver.received.length;
    await publisher().publish([{ type: 'Mlops.Test', subject: 'things/1', data: { a: 1 }, id: 'fixed-id' }]);
    const got = receiver.received.slice(before);
    expect(got).toHaveLength(1);
    expect(got[0].method).toBe('POST');
    expect(got[0].url).toMatch(/^\/api\/events\?api-version=/);
    expect(got[0].headers['aeg-sas-key']).toBe(KEY);
    expect(String(got[0].headers['content-type'])).toMatch(/application\/cloudevents-batch\+json/);
    const [event] = JSON.parse(got[0].body);
    expect(event).toMatchObject({ specversion: '1.0', type: 'Mlops.Test', source: '/mlops/test', subject: 'things/1', id: 'fixed-id', data: { a: 1 } });
    expect(typeof event.time).toBe('string');
  });

  it('a failing topic is an EventPublishError with the status, without the key in the message', async () => {
    failNext = 1;
    const err = await publisher()
      .publish([{ type: 'Mlops.Test', subject: 's', data: {} }])
      .catch((e) => e);
    expect(err).toBeInstanceOf(EventPublishError);
    expect(err.status).toBe(500);
    expect(err.message).not.toContain(KEY);
  });
});

describe('dataset registration events', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;

  beforeAll(async () => {
    az = await startTestAzurite();
    await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets').createIfNotExists();
  });

  afterAll(async () => {
    await az?.stop();
  });

  async function upload(name: string, text: string): Promise<void> {
    await BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets').getBlockBlobClient(name).uploadData(Buffer.from(text));
  }

  const good = 'a,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i % 2 ? 'yes' : 'no'}`).join('\n');
  const eventsOf = (type: string) =>
    receiver.received.flatMap((r) => JSON.parse(r.body) as { type: string; id: string; data: any }[]).filter((e) => e.type === type);

  it('publishes Mlops.DatasetRegistered and Mlops.DatasetRejected with the outcome', async () => {
    await upload('evt.csv', good);
    await registerDataset({ blobName: 'evt.csv' }, { connectionString: az.connectionString, settings: DEFAULT_DATASET_SETTINGS, events: publisher() });
    await upload('evt-bad.csv', 'a,y\n1,"x\n');
    await registerDataset({ blobName: 'evt-bad.csv' }, { connectionString: az.connectionString, settings: DEFAULT_DATASET_SETTINGS, events: publisher() });
    const reg = eventsOf('Mlops.DatasetRegistered').find((e) => e.data.name === 'evt')!;
    expect(reg.id).toBe('dataset-evt-v1-registered');
    expect(reg.data).toMatchObject({ name: 'evt', version: 1, status: 'registered', rows: 20, target: 'y' });
    const rej = eventsOf('Mlops.DatasetRejected').find((e) => e.data.name === 'evt-bad')!;
    expect(rej.data.reason.code).toBe('CSV_UNCLOSED_QUOTE');
    expect(rej.data.reason.line).toBe(2);
  });

  it('a publish failure is reported without undoing the registration; the retry publishes the same event id', async () => {
    await upload('evt2.csv', good + '\n99,no');
    failNext = 1;
    const deps = { connectionString: az.connectionString, settings: DEFAULT_DATASET_SETTINGS, events: publisher() };
    const first = await registerDataset({ blobName: 'evt2.csv' }, deps);
    expect(first.outcome).toBe('registered');
    expect(first.eventError).toBeInstanceOf(EventPublishError);
    const registry = new DatasetRegistry(az.connectionString);
    expect((await registry.get('evt2', 1))!.version).toMatchObject({ status: 'registered', eventPublished: false });
    const retry = await registerDataset({ blobName: 'evt2.csv' }, deps);
    expect(retry.outcome).toBe('duplicate');
    expect(retry.eventError).toBeUndefined();
    expect((await registry.get('evt2', 1))!.version.eventPublished).toBe(true);
    const published = eventsOf('Mlops.DatasetRegistered').filter((e) => e.data.name === 'evt2');
    // The refused attempt and the retry carry the same id, so a consumer can drop the repeat.
    expect(published.map((e) => e.id)).toEqual(['dataset-evt2-v1-registered', 'dataset-evt2-v1-registered']);
    // Once recorded as published, further duplicates publish nothing.
    await registerDataset({ blobName: 'evt2.csv' }, deps);
    expect(eventsOf('Mlops.DatasetRegistered').filter((e) => e.data.name === 'evt2')).toHaveLength(2);
  });
});
