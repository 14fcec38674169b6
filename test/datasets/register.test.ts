/**
 * Registration against a private Azurite: the bank file, idempotency, versions with drift, the
 * malformed-file catalogue, concurrency, and that rejections never disturb registered versions.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { startTestAzurite } from '../support/azurite';
import { registerDataset, RegistrationResult } from '../../src/datasets/register';
import { DatasetRegistry } from '../../src/datasets/registry';
import { DEFAULT_DATASET_SETTINGS, DatasetSettings } from '../../src/datasets/settings';

const BANK = path.join(__dirname, '..', '..', 'samples', 'bankmarketing_train.csv');

let az: Awaited<ReturnType<typeof startTestAzurite>>;
let drop: ContainerClient;
let registry: DatasetRegistry;

const settings = (over: Partial<DatasetSettings> = {}): DatasetSettings => ({ ...DEFAULT_DATASET_SETTINGS, ...over });

async function upload(name: string, content: string | Buffer, metadata?: Record<string, string>): Promise<void> {
  const buf = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  await drop.getBlockBlobClient(name).uploadData(buf, { metadata });
}

function register(blobName: string, over: Partial<DatasetSettings> = {}): Promise<RegistrationResult> {
  return registerDataset({ blobName }, { connectionString: az.connectionString, settings: settings(over) });
}

function sha256(b: Buffer): string {
  return createHash('sha256').update(b).digest('hex');
}

/** n rows of a small valid table with columns a (int), b (float), c (category), y (yes/no). */
function table(n: number, opts: { header?: string; cls?: (i: number) => string } = {}): string {
  const lines = [opts.header ?? 'a,b,c,y'];
  for (let i = 0; i < n; i++)
    lines.push(`${i},${(i * 0.5).toFixed(1)},${['red', 'green', 'blue'][i % 3]},${(opts.cls ?? ((k) => (k % 4 === 0 ? 'yes' : 'no')))(i)}`);
  return lines.join('\n') + '\n';
}

beforeAll(async () => {
  az = await startTestAzurite();
  drop = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('datasets');
  await drop.createIfNotExists();
  registry = new DatasetRegistry(az.connectionString);
});

afterAll(async () => {
  await az?.stop();
});

describe('the bank marketing file', () => {
  let result: RegistrationResult;
  let etagBefore: string;
  const bytes = fs.readFileSync(BANK);

  beforeAll(async () => {
    await upload('bank.csv', bytes);
    etagBefore = (await drop.getBlobClient('bank.csv').getProperties()).etag!;
    result = await register('bank.csv');
  });

  it('registers as v1 with 32,950 rows, 21 columns, 11.2% yes', () => {
    expect(result.outcome).toBe('registered');
    const d = result.dataset;
    expect([d.name, d.version, d.status]).toEqual(['bank', 1, 'registered']);
    expect(d.rows).toBe(32950);
    expect(d.columns).toBe(21);
    expect(d.target).toBe('y');
    expect(d.task).toBe('classification');
    const yes = d.classBalance!.find((c) => c.value === 'yes')!;
    expect(Math.round(yes.fraction * 1000) / 10).toBe(11.2);
    expect(d.sha256).toBe(sha256(bytes));
    expect(d.runId).toBeNull();
  });

  it('writes an immutable snapshot byte-identical to the upload, with profile and schema beside it', async () => {
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    const data = await blobs.getBlobClient('datasets/bank/v1/data.csv').downloadToBuffer();
    expect(sha256(data)).toBe(sha256(bytes));
    const profile = JSON.parse((await blobs.getBlobClient('datasets/bank/v1/profile.json').downloadToBuffer()).toString());
    expect(profile.rows).toBe(32950);
    const age = profile.columnProfiles.find((c: { name: string }) => c.name === 'age');
    expect(age.type).toBe('integer');
    // Reference values computed independently from the raw file.
    const ages = bytes
      .toString()
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => Number(l.split(',')[0]));
    const mean = ages.reduce((s, x) => s + x, 0) / ages.length;
    const std = Math.sqrt(ages.reduce((s, x) => s + (x - mean) ** 2, 0) / (ages.length - 1));
    expect(age.mean).toBeCloseTo(mean, 9);
    expect(age.std).toBeCloseTo(std, 9);
    expect([age.min, age.max]).toEqual([Math.min(...ages), Math.max(...ages)]);
    const job = profile.columnProfiles.find((c: { name: string }) => c.name === 'job');
    expect(job.kind).toBe('categorical');
    expect(job.top[0].value).toBe('admin.');
    const schema = JSON.parse((await blobs.getBlobClient('datasets/bank/v1/schema.json').downloadToBuffer()).toString());
    expect(schema.columns).toHaveLength(21);
    expect(schema.classes.sort()).toEqual(['no', 'yes']);
    // Immutable: a second write of the same path is refused by the service.
    await expect(blobs.getBlockBlobClient('datasets/bank/v1/data.csv').upload('x', 1, { conditions: { ifNoneMatch: '*' } })).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('leaves no staging blobs behind and never modifies the drop blob', async () => {
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    const staged: string[] = [];
    for await (const b of blobs.listBlobsFlat({ prefix: 'staging/' })) staged.push(b.name);
    expect(staged).toEqual([]);
    expect(sha256(await drop.getBlobClient('bank.csv').downloadToBuffer())).toBe(sha256(bytes));
    const after = await drop.getBlobClient('bank.csv').getProperties();
    expect(after.etag).toBe(etagBefore);
    expect(after.metadata).toEqual({});
  });
});

describe('versions', () => {
  it('same content again (same blob, or re-uploaded) is the same version, no new one', async () => {
    await upload('iris.csv', table(40));
    const first = await register('iris.csv');
    const again = await register('iris.csv');
    await upload('iris.csv', table(40)); // new ETag, same bytes
    const reuploaded = await register('iris.csv');
    expect(first.outcome).toBe('registered');
    expect([again.outcome, again.dataset.version]).toEqual(['duplicate', 1]);
    expect([reuploaded.outcome, reuploaded.dataset.version]).toEqual(['duplicate', 1]);
    expect((await registry.versions('iris')).map((v) => v.version)).toEqual([1]);
  });

  it('new content is v2 with the schema drift recorded (warn policy)', async () => {
    await upload('drifty.csv', table(30));
    expect((await register('drifty.csv')).dataset.version).toBe(1);
    // c removed, d added, a retyped integer -> string
    const v2 = ['a,b,d,y', ...Array.from({ length: 30 }, (_, i) => `id${i},${i}.5,${i % 2},${i % 3 ? 'no' : 'yes'}`)].join('\n');
    await upload('drifty.csv', v2);
    const r = await register('drifty.csv');
    expect([r.outcome, r.dataset.version, r.dataset.status]).toEqual(['registered', 2, 'registered']);
    const drift = r.dataset.drift!;
    expect(drift.hasDrift).toBe(true);
    expect(drift.againstVersion).toBe(1);
    expect(drift.added).toEqual(['d']);
    expect(drift.removed).toEqual(['c']);
    expect(drift.retyped).toEqual([{ column: 'a', from: 'integer', to: 'string' }]);
    // The stored entity says the same.
    expect((await registry.get('drifty', 2))!.version.drift).toEqual(drift);
  });

  it('with DATASET_DRIFT_POLICY=reject a drifted upload is rejected as SCHEMA_DRIFT and v1 stays the latest registered', async () => {
    await upload('strict.csv', table(30));
    await register('strict.csv', { driftPolicy: 'reject' });
    await upload('strict.csv', table(30, { header: 'a,b,colour,y' }));
    const r = await register('strict.csv', { driftPolicy: 'reject' });
    expect([r.outcome, r.dataset.status, r.dataset.reason?.code]).toEqual(['rejected', 'rejected', 'SCHEMA_DRIFT']);
    expect(r.dataset.reason!.message).toMatch(/added \[colour\], removed \[c\]/);
    const list = (await registry.latest()).find((l) => l.latest.name === 'strict')!;
    expect(list.latestRegistered).toBe(1);
  });

  it('a rejected upload leaves the previous good version untouched', async () => {
    const good = table(25);
    await upload('keep.csv', good);
    const v1 = await register('keep.csv');
    const before = await registry.get('keep', 1);
    await upload('keep.csv', 'a,b,c,y\n1,2,"unclosed,yes\n');
    const bad = await register('keep.csv');
    expect([bad.outcome, bad.dataset.version, bad.dataset.reason?.code]).toEqual(['rejected', 2, 'CSV_UNCLOSED_QUOTE']);
    const after = await registry.get('keep', 1);
    expect(after!.version).toEqual(before!.version);
    expect(after!.etag).toBe(before!.etag);
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    expect(sha256(await blobs.getBlobClient(v1.dataset.snapshot!.data).downloadToBuffer())).toBe(sha256(Buffer.from(good)));
    expect(await blobs.getBlobClient('datasets/keep/v2/data.csv').exists()).toBe(false);
    // The same bad bytes again: the same rejection, no new version.
    const again = await register('keep.csv');
    expect([again.outcome, again.dataset.version]).toEqual(['duplicate', 2]);
  });

  it('two registrations of the same blob at once create one version (conditional insert)', async () => {
    await upload('race.csv', table(200));
    const results = await Promise.all([register('race.csv'), register('race.csv'), register('race.csv')]);
    expect(results.map((r) => r.outcome).sort()).toEqual(['duplicate', 'duplicate', 'registered']);
    expect(new Set(results.map((r) => r.dataset.version))).toEqual(new Set([1]));
    expect((await registry.versions('race')).length).toBe(1);
  });

  it('an overwrite during a registration never mixes contents: one version per distinct content', async () => {
    await upload('race3.csv', table(50));
    const r1 = register('race3.csv');
    await upload('race3.csv', table(70)); // overwritten while the first registration may be reading
    const r2 = register('race3.csv');
    const out = await Promise.allSettled([r1, r2]);
    // The first either registered v1 or lost its ETag-conditional read (412): never a mixed snapshot.
    const ok = out.filter((o) => o.status === 'fulfilled').map((o) => (o as PromiseFulfilledResult<RegistrationResult>).value);
    const versions = await registry.versions('race3');
    expect(versions.length).toBe(ok.filter((r) => r.outcome === 'registered').length);
    expect(new Set(versions.map((v) => v.sha256)).size).toBe(versions.length);
  });

  it('a claim abandoned half-way (crashed worker) is completed by the next registration of the same bytes', async () => {
    const content = table(30);
    await upload('crash.csv', content);
    const props = await drop.getBlobClient('crash.csv').getProperties();
    // What a worker that died right after claiming leaves behind: a 'registering' row, no snapshot.
    const claim = await registry.claim('crash', () => ({
      name: 'crash',
      status: 'registering',
      sha256: sha256(Buffer.from(content)),
      bytes: content.length,
      rows: 30,
      columns: 4,
      target: 'y',
      task: 'classification',
      delimiter: ',',
      classBalance: null,
      schema: null,
      drift: null,
      reason: null,
      source: { container: 'datasets', blobName: 'crash.csv', etag: props.etag! },
      snapshot: null,
      runId: null,
      eventPublished: false,
    }));
    expect(claim.claimed).toBe(true);
    // Fresh claim: another registration treats it as in progress and does not touch it.
    const meanwhile = await register('crash.csv');
    expect([meanwhile.outcome, meanwhile.dataset.status]).toEqual(['duplicate', 'registering']);
    await registry.table.updateEntity({ partitionKey: 'crash', rowKey: 'v000001', updatedAt: new Date(Date.now() - 10 * 60 * 1000).toISOString() }, 'Merge');
    const r = await register('crash.csv');
    expect([r.outcome, r.dataset.version, r.dataset.status]).toEqual(['registered', 1, 'registered']);
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    expect(sha256(await blobs.getBlobClient('datasets/crash/v1/data.csv').downloadToBuffer())).toBe(sha256(Buffer.from(content)));
    expect((await registry.versions('crash')).map((v) => [v.version, v.status, v.schema?.columns.length])).toEqual([[1, 'registered', 4]]);
  });

  it('drift is detected for schemas too wide for the table entity (read from schema.json)', async () => {
    const wide = (cols: number) => {
      const header = [...Array.from({ length: cols }, (_, i) => `feature_${String(i).padStart(4, '0')}_with_a_long_name`), 'y'];
      const rows = Array.from({ length: 12 }, (_, r) => [...Array.from({ length: cols }, (_, i) => String(r * i)), r % 2 ? 'yes' : 'no'].join(','));
      return [header.join(','), ...rows].join('\n');
    };
    await upload('wide.csv', wide(900));
    const v1 = await register('wide.csv');
    expect(v1.outcome).toBe('registered');
    expect((await registry.get('wide', 1))!.version.schema).toBeNull(); // not in the entity: too big
    await upload('wide.csv', wide(899));
    const v2 = await register('wide.csv');
    expect(v2.dataset.drift).toMatchObject({ againstVersion: 1, removed: ['feature_0899_with_a_long_name'], hasDrift: true });
  });

  it('takes the target from blob metadata, else the setting', async () => {
    await upload('meta.csv', table(20, { header: 'a,b,c,label' }), { target: 'label' });
    const r = await register('meta.csv');
    expect([r.outcome, r.dataset.target]).toEqual(['registered', 'label']);
    await upload('setting.csv', table(20, { header: 'a,b,c,outcome' }));
    const s = await register('setting.csv', { defaultTarget: 'outcome' });
    expect([s.outcome, s.dataset.target]).toEqual(['registered', 'outcome']);
  });

  it('two-pass snapshot mode gives the same snapshot as stage-copy', async () => {
    const content = table(500);
    await upload('twopass.csv', content);
    const r = await register('twopass.csv', { snapshotMode: 'two-pass' });
    expect(r.outcome).toBe('registered');
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    expect(sha256(await blobs.getBlobClient(r.dataset.snapshot!.data).downloadToBuffer())).toBe(sha256(Buffer.from(content)));
  });
});

describe('the malformed-file catalogue: each rejected with its own code and position', () => {
  const rows = (n: number, line: (i: number) => string): string => Array.from({ length: n }, (_, i) => line(i)).join('\n');
  const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52, 0, 0, 1, 0]);
  const cases: { blob: string; content: () => string | Buffer; code: string; line?: number; column?: number; over?: Partial<DatasetSettings> }[] = [
    { blob: 'empty.csv', content: () => '', code: 'DATASET_EMPTY' },
    { blob: 'header-only.csv', content: () => 'a,b,y\n', code: 'NO_DATA_ROWS', line: 2 },
    { blob: 'binary.csv', content: () => png, code: 'CSV_BINARY', line: 3 },
    { blob: 'delimiter-mix.csv', content: () => table(12) + '5;6;red;no\n', code: 'CSV_DELIMITER_MISMATCH', line: 14 },
    { blob: 'ragged.csv', content: () => table(5) + '1,2,no\n' + table(5).split('\n').slice(1).join('\n'), code: 'CSV_RAGGED_ROW', line: 7, column: 4 },
    { blob: 'duplicate-header.csv', content: () => table(12, { header: 'a,b,a,y' }), code: 'HEADER_DUPLICATE_NAME', line: 1, column: 3 },
    { blob: 'empty-header.csv', content: () => table(12, { header: 'a,,c,y' }), code: 'HEADER_EMPTY_NAME', line: 1, column: 2 },
    { blob: 'no-header.csv', content: () => table(12).split('\n').slice(1).join('\n'), code: 'HEADER_MISSING', line: 1 },
    { blob: 'no-target.csv', content: () => table(12, { header: 'a,b,c,label' }), code: 'TARGET_MISSING', line: 1 },
    { blob: 'target-only.csv', content: () => 'y\n' + rows(12, (i) => (i % 2 ? 'yes' : 'no')), code: 'NO_FEATURES', line: 1 },
    { blob: 'one-class.csv', content: () => table(12, { cls: () => 'no' }), code: 'TARGET_SINGLE_CLASS', column: 4 },
    { blob: 'target-empty.csv', content: () => table(12, { cls: () => '' }), code: 'TARGET_EMPTY', column: 4 },
    {
      blob: 'invalid-utf8.csv',
      content: () => Buffer.concat([Buffer.from(table(6)), Buffer.from('7,3.5,'), Buffer.from([0xc3, 0x28]), Buffer.from(',no\n')]),
      code: 'CSV_INVALID_UTF8',
      line: 8,
      column: 3,
    },
    { blob: 'unclosed-quote.csv', content: () => table(3) + '4,"2.0,red,no\n5,1,blue,yes\n', code: 'CSV_UNCLOSED_QUOTE', line: 5, column: 2 },
    { blob: 'bad-quote.csv', content: () => table(3) + '4,"2.0"x,red,no\n', code: 'CSV_INVALID_QUOTE', line: 5, column: 2 },
    { blob: 'stray-quote.csv', content: () => table(3) + '4,2.0,re"d,no\n', code: 'CSV_STRAY_QUOTE', line: 5, column: 3 },
    { blob: 'long-line.csv', content: () => 'a,b,c,y\n1,2,' + 'x'.repeat(10 * 1024 * 1024) + ',no\n', code: 'CSV_LINE_TOO_LONG', line: 2 },
    { blob: 'too-few-rows.csv', content: () => table(5), code: 'TOO_FEW_ROWS' },
    { blob: 'too-many-rows.csv', content: () => table(200), code: 'TOO_MANY_ROWS', over: { maxRows: 100 } },
    {
      blob: 'too-many-columns.csv',
      content: () => Array.from({ length: 60 }, (_, i) => `c${i}`).join(',') + ',y\n',
      code: 'TOO_MANY_COLUMNS',
      line: 1,
      column: 51,
      over: { maxColumns: 50 },
    },
    { blob: 'too-large.csv', content: () => table(200), code: 'TOO_LARGE', over: { maxBytes: 1000 } },
    { blob: 'bad name!.csv', content: () => table(12), code: 'INVALID_NAME' },
  ];
  const results = new Map<string, RegistrationResult>();

  beforeAll(async () => {
    for (const c of cases) {
      await upload(c.blob, c.content());
      results.set(c.blob, await register(c.blob, c.over));
    }
  });

  it('covers at least 15 distinct codes', () => {
    expect(new Set(cases.map((c) => c.code)).size).toBeGreaterThanOrEqual(15);
    expect(new Set(cases.map((c) => c.code)).size).toBe(cases.length);
  });

  it.each(cases.map((c) => [c.blob, c.code, c] as const))('%s is rejected as %s', async (blob, code, c) => {
    const r = results.get(blob)!;
    expect(r.outcome).toBe('rejected');
    expect(r.dataset.status).toBe('rejected');
    expect(r.dataset.reason?.code).toBe(code);
    if (c.line !== undefined) {
      expect(r.dataset.reason?.line).toBe(c.line);
      expect(r.dataset.reason?.message).toMatch(new RegExp(`line ${c.line}\\b`));
    }
    if (c.column !== undefined) {
      expect(r.dataset.reason?.column).toBe(c.column);
      expect(r.dataset.reason?.message).toMatch(new RegExp(`column ${c.column}\\b`));
    }
    // Recorded as a final outcome in the table, with no snapshot.
    const stored = (await registry.versions(r.dataset.name)).find((v) => v.version === r.dataset.version)!;
    expect(stored.status).toBe('rejected');
    expect(stored.reason?.code).toBe(code);
    expect(stored.snapshot).toBeNull();
  });

  it('invalid names are recorded under the _invalid partition with the blob name', async () => {
    const r = results.get('bad name!.csv')!;
    expect(r.dataset.name).toBe('_invalid');
    expect(r.dataset.source.blobName).toBe('bad name!.csv');
  });

  it('rejections mid-file still know the content hash (re-upload is recognised)', () => {
    const r = results.get('unclosed-quote.csv')!;
    expect(r.dataset.sha256).toBe(sha256(Buffer.from(cases.find((c) => c.blob === 'unclosed-quote.csv')!.content() as string)));
  });
});
