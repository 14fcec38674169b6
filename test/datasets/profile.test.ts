import { ColumnProfiler, HyperLogLog, TableProfiler, isMissing, parseNumber } from '../../src/datasets/profile';
import { compareSchemas, describeDrift, DatasetSchema } from '../../src/datasets/schema';
import { readDatasetSettings, DEFAULT_DATASET_SETTINGS } from '../../src/datasets/settings';
import { datasetNameFromBlob } from '../../src/datasets/names';
import { validateHeader } from '../../src/datasets/analyze';
import { DatasetRejection } from '../../src/datasets/errors';

describe('parseNumber', () => {
  it.each([
    ['1', 1],
    ['-2.5', -2.5],
    ['+3', 3],
    ['.5', 0.5],
    ['5.', 5],
    ['1e3', 1000],
    ['1.5E-2', 0.015],
    [' 7 ', 7],
  ])('%j is %p', (s, x) => expect(parseNumber(s)).toBe(x));

  it.each(['', ' ', 'abc', '0x1A', 'Infinity', '-Infinity', '1e', '1.2.3', '--1', '1,5', 'NaN', '.', '+', '1e999'])('%j is not a number', (s) => {
    expect(parseNumber(s)).toBeNaN();
  });
});

describe('ColumnProfiler', () => {
  it('computes mean and sample std like a two-pass computation, stable on large offsets', () => {
    const xs = Array.from({ length: 1000 }, (_, i) => 1e9 + Math.sin(i) * 3);
    const p = new ColumnProfiler('x', 0, 100);
    for (const x of xs) p.add(String(x));
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1));
    const prof = p.profile();
    expect(prof.type).toBe('number');
    expect(prof.mean!).toBeCloseTo(mean, 5);
    expect(prof.std! / std).toBeCloseTo(1, 7);
  });

  it('infers integer, number, boolean, string and empty; missing tokens are not values', () => {
    const feed = (vals: string[]) => {
      const p = new ColumnProfiler('c', 0, 100);
      vals.forEach((v) => p.add(v));
      return p.profile();
    };
    expect(feed(['1', '2', 'NA', ''])).toMatchObject({ type: 'integer', kind: 'numeric', count: 2, missing: 2, min: 1, max: 2 });
    expect(feed(['1', '2.5'])).toMatchObject({ type: 'number' });
    expect(feed(['true', 'False', 'TRUE'])).toMatchObject({ type: 'boolean', kind: 'categorical' });
    expect(feed(['1', 'two'])).toMatchObject({ type: 'string', kind: 'categorical', distinct: 2 });
    expect(feed(['', 'null', 'None'])).toMatchObject({ type: 'empty', count: 0, missing: 3 });
    expect(isMissing('unknown')).toBe(false);
  });

  it('top values are exact and ordered under the cap; past it distinct is estimated and flagged', () => {
    const p = new ColumnProfiler('c', 0, 50);
    for (let i = 0; i < 20000; i++) p.add(i % 10 === 0 ? 'common' : `v${i}`);
    const prof = p.profile();
    expect(prof.distinctExact).toBe(false);
    expect(prof.topExact).toBe(false);
    expect(prof.top![0]).toEqual({ value: 'common', count: 2000 });
    // 18,001 distinct values; HyperLogLog with 4096 registers: ~1.6% standard error.
    expect(Math.abs(prof.distinct - 18001) / 18001).toBeLessThan(0.06);
  });

  it('HyperLogLog counts small and large cardinalities closely', () => {
    for (const n of [10, 1000, 200000]) {
      const h = new HyperLogLog();
      for (let i = 0; i < n; i++) h.add(`key-${i}`);
      for (let i = 0; i < n; i++) h.add(`key-${i}`); // duplicates change nothing
      expect(Math.abs(h.estimate() - n) / n).toBeLessThan(0.06);
    }
  });
});

describe('TableProfiler target', () => {
  const table = (values: string[]) => {
    const t = new TableProfiler(['x', 'y'], 1000);
    values.forEach((v, i) => t.addRow([String(i), v]));
    return t.target(1);
  };

  it('class balance with fractions of the non-missing rows, largest first', () => {
    const t = table(['a', 'b', 'a', '', 'a']);
    expect(t.task).toBe('classification');
    expect(t.missing).toBe(1);
    expect(t.classes).toEqual([
      { value: 'a', count: 3, fraction: 0.75 },
      { value: 'b', count: 1, fraction: 0.25 },
    ]);
  });

  it('integer targets with few values are classification, continuous ones regression', () => {
    expect(table(['0', '1', '1', '0']).task).toBe('classification');
    expect(table(Array.from({ length: 100 }, (_, i) => String(i * 1.5))).task).toBe('regression');
    expect(table(Array.from({ length: 100 }, (_, i) => String(i))).task).toBe('regression');
  });
});

describe('schema drift', () => {
  const schema = (cols: [string, string][], target = 'y'): DatasetSchema => ({
    delimiter: ',',
    target,
    task: 'classification',
    columns: cols.map(([name, type]) => ({ name, type: type as never, kind: type === 'string' ? 'categorical' : 'numeric' })),
    classes: ['no', 'yes'],
  });

  it('reports added, removed and retyped columns, ignoring column order and all-missing columns', () => {
    const a = schema([
      ['a', 'integer'],
      ['b', 'string'],
      ['e', 'empty'],
      ['y', 'string'],
    ]);
    const b = schema([
      ['y', 'string'],
      ['c', 'number'],
      ['a', 'number'],
      ['e', 'integer'],
    ]);
    const d = compareSchemas(a, b, 3);
    expect(d).toMatchObject({ againstVersion: 3, added: ['c'], removed: ['b'], retyped: [{ column: 'a', from: 'integer', to: 'number' }], hasDrift: true });
    expect(describeDrift(d)).toBe('added [c], removed [b], retyped [a: integer -> number]');
  });

  it('same columns in another order is no drift', () => {
    const d = compareSchemas(
      schema([
        ['a', 'integer'],
        ['y', 'string'],
      ]),
      schema([
        ['y', 'string'],
        ['a', 'integer'],
      ]),
      1,
    );
    expect(d.hasDrift).toBe(false);
    expect(describeDrift(d)).toBe('no schema change');
  });
});

describe('settings, names and header checks', () => {
  it('defaults, overrides, and loud errors for invalid values', () => {
    expect(readDatasetSettings({})).toEqual(DEFAULT_DATASET_SETTINGS);
    expect(readDatasetSettings({ DATASET_MIN_ROWS: '5', DATASET_DRIFT_POLICY: 'REJECT', DEFAULT_TARGET_COLUMN: 'label' })).toMatchObject({
      minRows: 5,
      driftPolicy: 'reject',
      defaultTarget: 'label',
    });
    expect(() => readDatasetSettings({ DATASET_MAX_ROWS: 'lots' })).toThrow(/DATASET_MAX_ROWS must be an integer/);
    expect(() => readDatasetSettings({ DATASET_DRIFT_POLICY: 'maybe' })).toThrow(/warn\|reject/);
    expect(() => readDatasetSettings({ DATASET_MIN_ROWS: '100', DATASET_MAX_ROWS: '10' })).toThrow(/exceeds/);
  });

  it('dataset names from blob names', () => {
    expect(datasetNameFromBlob('bank.csv')).toBe('bank');
    expect(datasetNameFromBlob('bank.v2.csv')).toBe('bank.v2');
    expect(datasetNameFromBlob('bank')).toBe('bank');
    expect(datasetNameFromBlob('folder/bank.csv')).toBeUndefined();
    expect(datasetNameFromBlob('.csv')).toBeUndefined();
    expect(datasetNameFromBlob('é.csv')).toBeUndefined();
    expect(datasetNameFromBlob('x'.repeat(64) + '.csv')).toBeUndefined();
  });

  it('header checks name the column at fault', () => {
    const code = (h: string[], target = 'y', max = 100) => {
      try {
        validateHeader(h, target, max);
        return 'ok';
      } catch (e) {
        return (e as DatasetRejection).code;
      }
    };
    expect(code(['a', 'y'])).toBe('ok');
    expect(code([' a ', ' y '])).toBe('ok');
    expect(code(['a', 'a ', 'y'])).toBe('HEADER_DUPLICATE_NAME');
    expect(code(['1', '2', '3'])).toBe('HEADER_MISSING');
    expect(code(['2019', 'y'])).toBe('ok'); // a numeric name is fine when the header has the target
    expect(code(['a', 'y', 'c'], 'y', 2)).toBe('TOO_MANY_COLUMNS');
  });
});
