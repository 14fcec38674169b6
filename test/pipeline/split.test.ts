import { Readable } from 'node:stream';
import { parseCsvString } from '../../src/datasets/csv';
import { csvLine, stratifiedSplit } from '../../src/pipeline/split';

function makeCsv(n: number, positives: number): string {
  let s = 'id,note,y\n';
  for (let i = 0; i < n; i++) s += `${i},"a, ""quoted"" note ${i}",${i < positives ? 'yes' : 'no'}\n`;
  return s;
}

async function split(csv: string, seed: number, fraction = 0.1) {
  const train: string[] = [];
  const test: string[] = [];
  const counts: Record<string, number> = {};
  for (const r of parseCsvString(csv).slice(1)) counts[r[2]] = (counts[r[2]] ?? 0) + 1;
  const res = await stratifiedSplit(
    Readable.from([csv]),
    { target: 'y', fraction, seed, classCounts: counts },
    {
      train: (l) => void train.push(l),
      test: (l) => void test.push(l),
    },
  );
  return { res, train: parseCsvString(train.join('')), test: parseCsvString(test.join('')) };
}

describe('stratifiedSplit', () => {
  it('holds out exactly round(n_c * fraction) rows of each class and loses none', async () => {
    const { res, train, test } = await split(makeCsv(1000, 113), 7);
    expect(res.testByClass).toEqual({ yes: 11, no: 89 });
    expect(res.test).toBe(100);
    expect(res.train).toBe(900);
    const ids = [...train.slice(1), ...test.slice(1)].map((r) => Number(r[0])).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(train[0]).toEqual(['id', 'note', 'y']);
    expect(test[0]).toEqual(['id', 'note', 'y']);
  });

  it('round-trips fields with delimiters and quotes', async () => {
    const { test } = await split(makeCsv(50, 10), 1);
    const row = test[1];
    expect(row[1]).toBe(`a, "quoted" note ${row[0]}`);
    expect(csvLine(['a,b', 'c"d', 'e'])).toBe('"a,b","c""d",e\n');
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await split(makeCsv(500, 60), 42);
    const b = await split(makeCsv(500, 60), 42);
    const c = await split(makeCsv(500, 60), 43);
    const ids = (t: string[][]) =>
      t
        .slice(1)
        .map((r) => r[0])
        .join(',');
    expect(ids(a.test)).toBe(ids(b.test));
    expect(ids(a.test)).not.toBe(ids(c.test));
  });

  it('keeps a row of a tiny class on each side', async () => {
    const { res } = await split(makeCsv(100, 2), 3, 0.1);
    expect(res.testByClass.yes).toBe(1);
  });
});
