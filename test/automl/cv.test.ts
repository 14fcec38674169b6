import { holdoutSplit, sampleRows, stratifiedFolds } from '../../src/automl/cv';

describe('folds', () => {
  test('stratified k-fold partitions the rows and keeps class shares', () => {
    const y = Float64Array.from({ length: 1000 }, (_, i) => (i % 10 === 0 ? 1 : 0));
    const folds = stratifiedFolds('binary', y, 5, 42);
    const all = folds.flatMap((f) => Array.from(f)).sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    for (const f of folds) {
      expect(f.length).toBe(200);
      expect(Array.from(f).filter((i) => y[i] === 1).length).toBe(20);
    }
  });

  test('same seed, same folds; another seed, other folds', () => {
    const y = Float64Array.from({ length: 100 }, (_, i) => i % 2);
    expect(stratifiedFolds('binary', y, 3, 1)).toEqual(stratifiedFolds('binary', y, 3, 1));
    expect(stratifiedFolds('binary', y, 3, 1)).not.toEqual(stratifiedFolds('binary', y, 3, 2));
  });

  test('regression folds span the target range; holdout size', () => {
    const y = Float64Array.from({ length: 100 }, (_, i) => i);
    for (const f of stratifiedFolds('regression', y, 4, 1)) {
      expect(Math.min(...Array.from(f, (i) => y[i]))).toBeLessThan(4);
      expect(Math.max(...Array.from(f, (i) => y[i]))).toBeGreaterThan(95);
    }
    expect(holdoutSplit('regression', y, 0.1, 1)[0].length).toBe(10);
  });

  test('row samples keep class shares, come sorted and are deterministic', () => {
    const y = Float64Array.from({ length: 2000 }, (_, i) => (i % 4 === 0 ? 1 : 0));
    const rows = Int32Array.from({ length: 2000 }, (_, i) => i);
    const s = sampleRows('binary', y, rows, 400, 5);
    expect(s.length).toBe(400);
    expect(Array.from(s).filter((i) => y[i] === 1).length).toBe(100);
    expect(Array.from(s)).toEqual(Array.from(s).sort((a, b) => a - b));
    expect(new Set(s).size).toBe(400);
    expect(sampleRows('binary', y, rows, 400, 5)).toEqual(s);
    expect(sampleRows('binary', y, rows, 5000, 5)).toBe(rows);
  });
});
