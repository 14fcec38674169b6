import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';

const APP = 'test/fixtures/host/blob-app';
const SCAN_MS = 250;

interface Result {
  kind: string;
  functionName: string;
  invocationId: string;
  content: string;
  isBuffer: boolean;
  triggerMetadata: Record<string, any>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('embedded host: blob triggers (fixture blob-app)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let blobs: BlobServiceClient;
  const start = () => startTestHost({ appDir: APP, connectionString: az.connectionString, env: { MLOPS_BLOB_SCAN_INTERVAL_MS: String(SCAN_MS) } });

  beforeAll(async () => {
    az = await startTestAzurite();
    blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    for (const c of ['uploads', 'patterned', 'failing', 'eg-uploads', 'results']) await blobs.getContainerClient(c).createIfNotExists();
    host = await start();
  });
  afterAll(async () => {
    await host?.kill();
    await az?.stop();
  });

  async function upload(container: string, name: string, content: string, metadata?: Record<string, string>) {
    const r = await blobs.getContainerClient(container).getBlockBlobClient(name).upload(content, Buffer.byteLength(content), { metadata });
    return r.etag!;
  }

  async function results(kind: string): Promise<Result[]> {
    const out: Result[] = [];
    const c = blobs.getContainerClient('results');
    for await (const b of c.listBlobsFlat({ prefix: `${kind}/` })) {
      out.push(JSON.parse((await c.getBlobClient(b.name).downloadToBuffer()).toString('utf8')));
    }
    return out;
  }

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 20000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${host.logs().slice(-3000)}`);
      await sleep(100);
    }
  }

  /** Long enough for several scans and queue polls to have happened. */
  const settle = () => sleep(SCAN_MS * 8);

  test('a new blob triggers once, with bytes, {name} binding data and the extension metadata', async () => {
    const etag = await upload('uploads', 'first.txt', 'hello blob', { origin: 'test' });
    const [r] = await waitFor('first.txt result', async () => {
      const rs = (await results('upload')).filter((x) => x.triggerMetadata.name === 'first.txt');
      return rs.length ? rs : undefined;
    });
    expect(r).toMatchObject({ functionName: 'onUpload', content: 'hello blob', isBuffer: true });
    expect(r.triggerMetadata).toMatchObject({
      blobTrigger: 'uploads/first.txt',
      name: 'first.txt',
      uri: expect.stringMatching(/\/uploads\/first\.txt$/),
      metadata: { origin: 'test' },
      properties: { contentLength: 10, eTag: etag, blobType: 'BlockBlob' },
    });
    await settle();
    expect((await results('upload')).filter((x) => x.triggerMetadata.name === 'first.txt')).toHaveLength(1);
  });

  test('the receipt is kept in azure-webjobs-hosts under the function id and ETag', async () => {
    const props = await blobs.getContainerClient('uploads').getBlobClient('first.txt').getProperties();
    const receipt = blobs
      .getContainerClient('azure-webjobs-hosts')
      .getBlobClient(`blobreceipts/${host.hostId}/Host.Functions.onUpload/${props.etag!.replace(/"/g, '')}/uploads/first.txt`);
    const rp = await receipt.getProperties();
    expect(Object.entries(rp.metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v])).toContainEqual(['iscompleted', 'true']);
  });

  test('new content (new ETag) triggers again; unchanged content does not', async () => {
    await upload('uploads', 'changing.txt', 'v1');
    await waitFor('v1', async () => (await results('upload')).some((x) => x.content === 'v1'));
    await upload('uploads', 'changing.txt', 'v2');
    await waitFor('v2', async () => (await results('upload')).some((x) => x.content === 'v2'));
    await settle();
    const rs = (await results('upload')).filter((x) => x.triggerMetadata.name === 'changing.txt');
    expect(rs.map((x) => x.content).sort()).toEqual(['v1', 'v2']);
  });

  test('path patterns: only matching blobs trigger, and each parameter is binding data', async () => {
    await upload('patterned', 'north/sales.csv', 'a,b');
    await upload('patterned', 'north/readme.txt', 'not csv');
    const [r] = await waitFor('csv', async () => {
      const rs = await results('csv');
      return rs.length ? rs : undefined;
    });
    expect(r.triggerMetadata).toMatchObject({ folder: 'north', file: 'sales', blobTrigger: 'patterned/north/sales.csv' });
    await settle();
    expect(await results('csv')).toHaveLength(1);
  });

  test('a failing function is tried maxDequeueCount (5) times, then the message goes to webjobs-blobtrigger-poison', async () => {
    const etag = await upload('failing', 'bad.txt', 'poison me');
    const poison = QueueServiceClient.fromConnectionString(az.connectionString).getQueueClient('webjobs-blobtrigger-poison');
    const peeked = await waitFor(
      'poison message',
      async () => {
        const p = await poison.peekMessages({ numberOfMessages: 32 });
        return p.peekedMessageItems.length ? p.peekedMessageItems : undefined;
      },
      30000,
    );
    const msg = JSON.parse(Buffer.from(peeked[0].messageText, 'base64').toString('utf8'));
    expect(msg).toMatchObject({ Type: 'BlobTrigger', FunctionId: 'Host.Functions.alwaysFails', ContainerName: 'failing', BlobName: 'bad.txt', ETag: etag });
    await settle();
    expect(await results('attempt')).toHaveLength(5);
    const q = QueueServiceClient.fromConnectionString(az.connectionString).getQueueClient(`azure-webjobs-blobtrigger-${host.hostId}`);
    expect((await q.peekMessages()).peekedMessageItems).toHaveLength(0);
  });

  test('a function whose connection setting is missing is reported and does not run', async () => {
    expect(host.logs()).toMatch(/Function "badConnection" will not run: Storage account connection string 'NoSuchSetting' does not exist/);
  });

  describe('Event Grid source', () => {
    const hook = (q = 'functionName=Host.Functions.viaEventGrid') => `${host.baseUrl}/runtime/webhooks/blobs?${q}`;
    const post = (body: unknown, headers: Record<string, string> = {}, q?: string) =>
      fetch(hook(q), {
        method: 'POST',
        body: JSON.stringify(body),
        headers: { 'content-type': 'application/json', 'x-functions-key': host.systemKey('blobs_extension'), ...headers },
      });

    test('the webhook needs the blobs_extension system key (or the master key)', async () => {
      const body = [{ eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', data: { validationCode: 'x' } }];
      expect((await fetch(hook(), { method: 'POST', body: JSON.stringify(body) })).status).toBe(401);
      expect((await fetch(hook(`functionName=Host.Functions.viaEventGrid&code=${host.hostKey}`), { method: 'POST', body: JSON.stringify(body) })).status).toBe(
        401,
      );
      expect(
        (await fetch(hook(`functionName=Host.Functions.viaEventGrid&code=${host.masterKey}`), { method: 'POST', body: JSON.stringify(body) })).status,
      ).toBe(200);
    });

    test('subscription validation handshake echoes the validation code', async () => {
      const r = await post([{ id: '1', eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent', subject: '', data: { validationCode: 'abc-123' } }], {
        'aeg-event-type': 'SubscriptionValidation',
      });
      expect(r.status).toBe(200);
      expect(await r.json()).toEqual({ validationResponse: 'abc-123' });
    });

    test('blobs in an EventGrid-source container are not scanned', async () => {
      await upload('eg-uploads', 'quiet.txt', 'not announced');
      await settle();
      expect(await results('eventgrid')).toHaveLength(0);
    });

    test('a BlobCreated event triggers the function with the blob', async () => {
      await upload('eg-uploads', 'announced.txt', 'via event grid');
      const url = blobs.getContainerClient('eg-uploads').getBlobClient('announced.txt').url;
      const r = await post(
        [
          {
            id: '2',
            eventType: 'Microsoft.Storage.BlobCreated',
            subject: '/blobServices/default/containers/eg-uploads/blobs/announced.txt',
            data: { url, api: 'PutBlob' },
            dataVersion: '',
            eventTime: new Date().toISOString(),
          },
        ],
        { 'aeg-event-type': 'Notification' },
      );
      expect(r.status).toBe(202);
      const [res] = await waitFor('eventgrid result', async () => {
        const rs = await results('eventgrid');
        return rs.length ? rs : undefined;
      });
      expect(res).toMatchObject({ functionName: 'viaEventGrid', content: 'via event grid' });
      expect(res.triggerMetadata).toMatchObject({ name: 'announced.txt', blobTrigger: 'eg-uploads/announced.txt' });
    });

    test('a BlobCreated event for a traversal name runs the function with the name only, never reading what it points at', async () => {
      const name = 'z/../../results/upload/planted.json';
      // The URL carries the same name; a URL parser would collapse it onto results/upload/planted.json.
      const url = `${blobs.url.replace(/\/$/, '')}/eg-uploads/${name}`;
      const r = await post(
        [
          {
            id: '3',
            eventType: 'Microsoft.Storage.BlobCreated',
            subject: `/blobServices/default/containers/eg-uploads/blobs/${name}`,
            data: { url, eTag: '0x1', contentLength: 7 },
            eventTime: new Date().toISOString(),
          },
          { id: '4', eventType: 'Microsoft.Storage.BlobCreated', subject: '', data: { url: `${url}.2` }, eventTime: new Date().toISOString() },
        ],
        { 'aeg-event-type': 'Notification' },
      );
      expect(r.status).toBe(202);
      expect(await r.json()).toEqual({ queued: 2 });
      const got = await waitFor('two by-reference invocations', async () => {
        const rs = (await results('eventgrid')).filter((x) => String(x.triggerMetadata.name).startsWith('z/../'));
        return rs.length >= 2 ? rs : undefined;
      });
      for (const x of got) {
        expect(x).toMatchObject({ content: 'undefined', isBuffer: false });
        expect(x.triggerMetadata.blobNameProblem).toMatchObject({ code: 'BLOB_NAME_DOT_SEGMENT' });
        expect(x.triggerMetadata.uri).toBeUndefined();
      }
      expect(got.map((x) => x.triggerMetadata.name).sort()).toEqual([name, `${name}.2`]);
      expect(got.find((x) => x.triggerMetadata.name === name)!.triggerMetadata.properties).toMatchObject({ eTag: '"0x1"', contentLength: 7 });
    });

    test('unknown function names and malformed bodies are client errors, not crashes', async () => {
      expect((await post([], {}, 'functionName=Host.Functions.nope')).status).toBe(404);
      expect((await post([], {}, 'functionName=Host.Functions.onUpload')).status).toBe(404); // not an EventGrid source
      const bad = await fetch(hook(), { method: 'POST', body: '{not json', headers: { 'x-functions-key': host.systemKey('blobs_extension') } });
      expect(bad.status).toBe(400);
      expect((await bad.json()).error.code).toBe('HOST_BAD_EVENT');
    });
  });

  test('a blob whose name cannot be addressed does not stop the scan: it runs by name only, and the blobs after it trigger', async () => {
    // Azurite stores `\` as `/`: the listed name is 0/../../../../../../../results/upload/x.json, which
    // once made the receipt land in another container (here: a fake result).
    const planted = `0\\${'..\\'.repeat(7)}results\\upload\\planted.json`;
    await upload('uploads', planted, 'planted');
    await upload('uploads', 'after-bad.txt', 'after the bad one');
    const rs = await waitFor('both', async () => {
      const all = await results('upload');
      const bad = all.filter((x) => String(x.triggerMetadata.name).startsWith('0/../'));
      const good = all.filter((x) => x.triggerMetadata.name === 'after-bad.txt');
      return bad.length && good.length ? { bad, good } : undefined;
    });
    expect(rs.good[0]).toMatchObject({ content: 'after the bad one', isBuffer: true });
    expect(rs.bad[0]).toMatchObject({ content: 'undefined', isBuffer: false });
    expect(rs.bad[0].triggerMetadata.blobNameProblem.code).toBe('BLOB_NAME_DOT_SEGMENT');
    const c = blobs.getContainerClient('results');
    expect(await c.getBlobClient('upload/planted.json').exists()).toBe(false);
    await settle();
    expect((await results('upload')).filter((x) => String(x.triggerMetadata.name).startsWith('0/../'))).toHaveLength(1);
  });

  test('after a restart (even a kill -9) blobs already triggered do not trigger again; blobs added meanwhile do, once', async () => {
    const before = (await results('upload')).length;
    await host.kill('SIGKILL');
    await upload('uploads', 'while-down.txt', 'added while the host was down');
    host = await start();
    await waitFor('while-down', async () => (await results('upload')).some((x) => x.triggerMetadata.name === 'while-down.txt'));
    await settle();
    const after = await results('upload');
    expect(after).toHaveLength(before + 1);
    expect(after.filter((x) => x.triggerMetadata.name === 'while-down.txt')).toHaveLength(1);
  });
});
