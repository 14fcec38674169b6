import { binDataset, binOf, distinctBinnedRows, findBinUpperBounds } from '../../src/automl/binning';
import { Rng } from '../../src/automl/random';

describe('binning', () => {
  test('few distinct values: one bin each, thresholds between neighbours', () => {
    const v = Float32Array.from([3, 1, 2, 2, 3, 1]);
    const up = findBinUpperBounds(v, 255);
    expect(up.length).toBe(2);
    expect(up[0]).toBeGreaterThanOrEqual(1);
    expect(up[0]).toBeLessThan(2);
    expect(up[1]).toBeGreaterThanOrEqual(2);
    expect(up[1]).toBeLessThan(3);
  });

  test('bin <= b is exactly x <= threshold[b] in float32, also for adjacent float32 values', () => {
    const rng = new Rng(3);
    const n = 5000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = rng.normal() * 1000;
    // Adjacent float32 values (no float32 strictly between them).
    x[0] = 1;
    x[1] = Math.fround(1 + 2 ** -23);
    const ds = binDataset(x, n, 1, 255);
    expect(ds.nBins[0]).toBeLessThanOrEqual(255);
    const thr = ds.thresholds[0];
    for (let i = 0; i < n; i++) {
      const b = ds.bins[i];
      for (const t of [b - 1, b, Math.min(b + 1, thr.length - 1)]) {
        if (t < 0 || t >= thr.length) continue;
        expect(b <= t).toBe(x[i] <= thr[t]);
      }
      expect(Math.fround(thr[Math.min(b, thr.length - 1)])).toBe(thr[Math.min(b, thr.length - 1)]);
    }
  });

  test('adjacent float32 values (nothing between them) still split: threshold is the lower value', () => {
    const a = 1;
    const b = Math.fround(1 + 2 ** -23);
    const up = findBinUpperBounds(Float32Array.from([a, b, a, b]), 255);
    expect(Array.from(up)).toEqual([a]);
    expect(binOf(up, a)).toBe(0);
    expect(binOf(up, b)).toBe(1);
  });

  test('heavy repeated values get their own bins and quantile bins stay balanced', () => {
    const n = 10000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = i < 5000 ? 0 : i;
    const ds = binDataset(x, n, 1, 32);
    const counts = new Array(ds.nBins[0]).fill(0);
    for (let i = 0; i < n; i++) counts[ds.bins[i]]++;
    expect(counts[0]).toBe(5000);
    expect(Math.max(...counts.slice(1))).toBeLessThan(400);
  });

  test('a constant column has one bin', () => {
    const ds = binDataset(new Float32Array(10).fill(4), 10, 1);
    expect(ds.nBins[0]).toBe(1);
  });

  test('distinct binned rows: repeated feature rows count once, up to the cap', () => {
    // 600 rows of 3 features drawn from 40 distinct rows (panel-like), then 600 distinct rows (few
    // values per feature, so each value keeps its own bin).
    const rng = new Rng(3);
    const keys = Array.from({ length: 40 }, () => [rng.normal(), rng.next() < 0.5 ? 1 : 2, rng.int(7)]);
    const panel = Array.from({ length: 600 }, () => keys[rng.int(40)]);
    const distinct = Array.from({ length: 600 }, (_, i) => [i % 20, Math.floor(i / 20), 100]);
    const rows = [...panel, ...distinct];
    const n = rows.length;
    const X = new Float32Array(3 * n);
    rows.forEach((r, i) => r.forEach((v, f) => (X[f * n + i] = v)));
    const ds = binDataset(X, n, 3);
    const seen = new Set(panel.map((r) => r.join(','))).size;
    expect(distinctBinnedRows(ds, 600)).toEqual({ rows: 600, distinctRows: seen });
    expect(distinctBinnedRows(ds)).toEqual({ rows: n, distinctRows: seen + 600 });
  });
});
