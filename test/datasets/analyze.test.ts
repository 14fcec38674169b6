import { createHash } from 'node:crypto';
import { analyzeDataset } from '../../src/datasets/analyze';
import { DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';

async function* chunks(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}

const table = (n: number) => Buffer.from('a,b,y\n' + Array.from({ length: n }, (_, i) => `${i},${i % 7}.5,${i % 3 ? 'no' : 'yes'}`).join('\n') + '\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('analyzeDataset (one pass: hash, sink, parse, validate, profile)', () => {
  it('the sink receives exactly the bytes that were hashed and profiled', async () => {
    const data = table(5000);
    const seen: Buffer[] = [];
    const r = await analyzeDataset(chunks(data, 777), { target: 'y', limits: DEFAULT_DATASET_SETTINGS, sink: (c) => void seen.push(Buffer.from(c)) });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(Buffer.concat(seen).equals(data)).toBe(true);
    expect(r.profile).toMatchObject({ rows: 5000, columns: 3, bytes: data.length, sha256: sha(data), delimiter: ',' });
    expect(r.profile.columnProfiles.map((c) => c.type)).toEqual(['integer', 'number', 'string']);
    expect(r.schema.classes).toEqual(['no', 'yes']);
  });

  it('a file growing past DATASET_MAX_BYTES while read is TOO_LARGE, and reading stops there', async () => {
    const data = table(5000);
    let pulled = 0;
    async function* counted(): AsyncGenerator<Buffer> {
      for await (const c of chunks(data, 1000)) {
        pulled += c.length;
        yield c;
      }
    }
    const r = await analyzeDataset(counted(), { target: 'y', limits: { ...DEFAULT_DATASET_SETTINGS, maxBytes: 10_000 } });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejection.code).toBe('TOO_LARGE');
    expect(r.sha256).toBeUndefined();
    expect(pulled).toBeLessThanOrEqual(11_000);
  });

  it('after a rejection the sink gets nothing more but the whole file is still hashed', async () => {
    const data = Buffer.concat([Buffer.from('a,b,y\n1,2,yes\n3,"x"z,no\n'), table(30000)]);
    let sunk = 0;
    const r = await analyzeDataset(chunks(data, 1024), { target: 'y', limits: DEFAULT_DATASET_SETTINGS, sink: (c) => void (sunk += c.length) });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.rejection).toMatchObject({ code: 'CSV_INVALID_QUOTE', line: 3, column: 2, columnName: 'b' });
    expect(r.rejection.message).toMatch(/line 3, column 2.*\[column "b"\]/);
    // Parsing starts once the delimiter is sniffed from the first 64 KiB: the sink got no more than that.
    expect(sunk).toBeLessThanOrEqual(64 * 1024 + 1024);
    expect(data.length).toBeGreaterThan(5 * 64 * 1024);
    expect(r.sha256).toBe(sha(data));
  });

  it('a TSV with a BOM and CRLF line endings is profiled like the CSV', async () => {
    const csv = table(50);
    const tsv = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(csv.toString().replace(/,/g, '\t').replace(/\n/g, '\r\n'))]);
    const a = await analyzeDataset(chunks(csv, 64), { target: 'y', limits: DEFAULT_DATASET_SETTINGS });
    const b = await analyzeDataset(chunks(tsv, 64), { target: 'y', limits: DEFAULT_DATASET_SETTINGS });
    expect(a.ok && b.ok).toBe(true);
    if (!a.ok || !b.ok) return;
    expect(b.profile.delimiter).toBe('\t');
    expect(b.profile.columnProfiles).toEqual(a.profile.columnProfiles);
    expect(b.profile.target).toEqual(a.profile.target);
  });
});
