import { binDataset } from '../../src/automl/binning';
import { stratifiedFolds } from '../../src/automl/cv';
import { computeFeatures, featureSteps } from '../../src/automl/featurize';
import { gbdtCV, gbdtFit, histGroups, rawToPred, setHistPaths } from '../../src/automl/learners/gbdt';
import type { TrainContext } from '../../src/automl/learners/types';
import { binaryAuc, regressionMetrics } from '../../src/automl/metrics';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { Rng } from '../../src/automl/random';
import { scoreColumns } from '../../src/automl/score';

function ctxFrom(X: Float32Array, n: number, nFeat: number, y: Float64Array, task: TrainContext['task'], C: number): TrainContext {
  return {
    task,
    n,
    C,
    y,
    tree: { ds: binDataset(X, n, nFeat), names: Array.from({ length: nFeat }, (_, f) => `x${f}`) },
    linear: { X, nFeat, names: [] },
  };
}

function data(n: number, nFeat: number, seed: number) {
  const rng = new Rng(seed);
  const X = new Float32Array(n * nFeat);
  for (let i = 0; i < X.length; i++) X[i] = Math.fround(rng.normal());
  return { X, rng };
}

describe('histogram GBDT', () => {
  test('binary: learns an interaction (XOR of signs) that no single split can', () => {
    const n = 2000;
    const { X, rng } = data(n, 3, 1);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i] > 0 !== X[n + i] > 0 ? (rng.next() < 0.95 ? 1 : 0) : rng.next() < 0.05 ? 1 : 0));
    const ctx = ctxFrom(X, n, 3, y, 'binary', 2);
    const folds = stratifiedFolds('binary', y, 3, 1);
    const cv = gbdtCV(ctx, { nEstimators: 200, numLeaves: 8, learningRate: 0.1 }, folds, 1);
    const p1 = Array.from({ length: n }, (_, i) => cv.oof[i * 2 + 1]);
    expect(binaryAuc(p1, y)).toBeGreaterThan(0.9);
    expect(cv.extra.best_iteration).toBeGreaterThan(5);
  });

  test('regression: fits y = x0^2 + x1 closely', () => {
    const n = 3000;
    const { X } = data(n, 2, 2);
    const y = Float64Array.from({ length: n }, (_, i) => X[i] * X[i] + X[n + i]);
    const ctx = ctxFrom(X, n, 2, y, 'regression', 0);
    const { booster } = gbdtFit(ctx, { nEstimators: 300, numLeaves: 16, learningRate: 0.1, minChildSamples: 5 }, 300, 1);
    expect(regressionMetrics(booster.raw, y).r2_score).toBeGreaterThan(0.98);
  });

  test('multiclass (softmax): separates three classes by x0 bands', () => {
    const n = 1500;
    const { X } = data(n, 2, 3);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i] < -0.5 ? 0 : X[i] < 0.5 ? 1 : 2));
    const ctx = ctxFrom(X, n, 2, y, 'multiclass', 3);
    const { booster, model } = gbdtFit(ctx, { nEstimators: 30, numLeaves: 4 }, 30, 1);
    const pred = new Float64Array(n * 3);
    rawToPred(
      'multiclass',
      booster.raw,
      Int32Array.from({ length: n }, (_, i) => i),
      3,
      pred,
      3,
    );
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const row = [pred[i * 3], pred[i * 3 + 1], pred[i * 3 + 2]];
      if (row.indexOf(Math.max(...row)) === y[i]) correct++;
    }
    expect(correct / n).toBeGreaterThan(0.97);
    expect(model.type === 'trees' && model.treeClass!.length).toBe(90);
  });

  test('the exported trees reproduce training predictions in the reference scorer (thresholds are exact)', () => {
    const n = 1200;
    const rng = new Rng(4);
    // Values with many exact ties and a coarse grid, so rows sit exactly on split thresholds.
    const a = Float64Array.from({ length: n }, () => Math.round(rng.normal() * 4) / 4);
    const b = Float64Array.from({ length: n }, () => rng.next() * 100);
    const y = Float64Array.from({ length: n }, (_, i) => (a[i] + b[i] / 50 + rng.normal() * 0.5 > 1 ? 1 : 0));
    const steps = featureSteps(
      [
        { name: 'a', kind: 'numeric', median: 0, missing: 0 },
        { name: 'b', kind: 'numeric', median: 50, missing: 0 },
      ],
      'tree',
    );
    const table = {
      nRows: n,
      columns: [
        { name: 'a', numeric: a, missing: 0, nonNumeric: 0, nonNumericExamples: [], codes: null, dict: [] },
        { name: 'b', numeric: b, missing: 0, nonNumeric: 0, nonNumericExamples: [], codes: null, dict: [] },
      ],
    };
    const fs = computeFeatures(table, steps, null);
    const ctx = ctxFrom(fs.X, n, 2, y, 'binary', 2);
    const { booster, model } = gbdtFit(
      ctx,
      { nEstimators: 40, numLeaves: 16, minChildSamples: 3, baggingFraction: 0.7, baggingFreq: 1, featureFraction: 0.5 },
      40,
      9,
    );
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'binary',
      target: 'y',
      classes: ['0', '1'],
      inputs: [
        { name: 'a', kind: 'numeric' },
        { name: 'b', kind: 'numeric' },
      ],
      body: { kind: 'single', learner: 'gbdt', features: steps, model, post: 'logistic' },
    };
    const scored = scoreColumns(p, { a, b });
    for (let i = 0; i < n; i++) {
      const p1 = 1 / (1 + Math.exp(-booster.raw[i]));
      expect(Math.abs(scored.probabilities![i * 2 + 1] - p1)).toBeLessThan(1e-5);
    }
  });

  test('same seed gives identical trees; another seed with subsampling differs', () => {
    const n = 800;
    const { X } = data(n, 4, 5);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i] + X[n + i] > 0 ? 1 : 0));
    const ctx = ctxFrom(X, n, 4, y, 'binary', 2);
    const params = { nEstimators: 20, numLeaves: 8, baggingFraction: 0.6, baggingFreq: 1, featureFraction: 0.5 };
    const a = gbdtFit(ctx, params, 20, 7).model;
    const b = gbdtFit(ctx, params, 20, 7).model;
    const c = gbdtFit(ctx, params, 20, 8).model;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
  });

  test('at the deadline CV boosting stops with what it has; with no tree yet the trial is given up', () => {
    const n = 600;
    const { X } = data(n, 3, 6);
    const y = Float64Array.from({ length: n }, (_, i) => (X[i] > 0 ? 1 : 0));
    const ctx = ctxFrom(X, n, 3, y, 'binary', 2);
    const folds = stratifiedFolds('binary', y, 2, 1);
    const cv = gbdtCV(ctx, { nEstimators: 1e9, numLeaves: 4, learningRate: 1e-4 }, folds, 1, Date.now() + 1000, 1e9);
    expect(cv.extra.stopped_at_deadline).toBe(1);
    expect(cv.extra.best_iteration).toBeGreaterThan(0);
    expect(cv.oof.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(() => gbdtCV(ctx, { nEstimators: 10 }, folds, 1, Date.now() - 1)).toThrow('deadline');
  });

  test('a row subsample that happens to be empty adds a zero tree, never NaN', () => {
    const n = 20;
    const { X } = data(n, 2, 7);
    const y = Float64Array.from({ length: n }, (_, i) => i % 2);
    const ctx = ctxFrom(X, n, 2, y, 'binary', 2);
    const { booster } = gbdtFit(ctx, { nEstimators: 30, baggingFraction: 0.01, baggingFreq: 1, minChildSamples: 1 }, 30, 3);
    expect(Array.from(booster.raw).every(Number.isFinite)).toBe(true);
  });

  describe('histogram paths: WebAssembly kernel, joint-code groups, the TypeScript loop', () => {
    afterEach(() => setHistPaths({ wasm: true, groups: true }));

    /** Yes/no, small categoricals and coarse numerics (what groups pack) beside fine numerics. */
    function mixed(n: number, seed: number) {
      const rng = new Rng(seed);
      const nFeat = 7;
      const X = new Float32Array(n * nFeat);
      const cards = [2, 3, 5, 12, 40, 0, 0]; // 0: continuous
      for (let i = 0; i < n; i++) for (let f = 0; f < nFeat; f++) X[f * n + i] = Math.fround(cards[f] ? rng.int(cards[f]) : rng.normal());
      const logit = (i: number) =>
        (X[i] === 1 ? 1 : -0.5) + 0.4 * X[n + i] - 0.8 * (X[2 * n + i] === 3 ? 1 : 0) + X[5 * n + i] * X[6 * n + i] + 0.1 * X[3 * n + i];
      return { X, n, nFeat, logit, rng };
    }

    function fitWith(paths: { wasm: boolean; groups: boolean }, task: TrainContext['task'], params: Record<string, number>) {
      setHistPaths(paths);
      const { X, n, nFeat, logit, rng } = mixed(3000, 11);
      const y = Float64Array.from({ length: n }, (_, i) => {
        const z = logit(i) + 0.5 * rng.normal();
        return task === 'regression' ? z : task === 'binary' ? (z > 0 ? 1 : 0) : z < -0.5 ? 0 : z < 0.7 ? 1 : 2;
      });
      const C = task === 'multiclass' ? 3 : task === 'binary' ? 2 : 0;
      const ds = binDataset(X, n, nFeat, 255, false, [false, true, true, false, false, false, false]);
      const ctx: TrainContext = { task, n, C, y, tree: { ds, names: [] }, linear: { X, nFeat, names: [] } };
      const { booster, model } = gbdtFit(ctx, params, 25, 5);
      const folds = stratifiedFolds(task, y, 3, 2);
      const cv = gbdtCV(ctx, { ...params, nEstimators: 25 }, folds, 5);
      return { trees: JSON.stringify(model), raw: Array.from(booster.raw), oof: Array.from(cv.oof), groups: histGroups(ds) };
    }

    test('groups pack features whose bin counts multiply to at most 256, and their codes decode to each member bin', () => {
      const { X, n, nFeat } = mixed(500, 3);
      const ds = binDataset(X, n, nFeat);
      const { groups, groupOf } = histGroups(ds);
      expect(groups.length).toBeGreaterThan(0);
      for (const g of groups) {
        expect(g.members.length).toBeGreaterThanOrEqual(2);
        expect(g.P).toBe(Array.from(g.members).reduce((p, f) => p * ds.nBins[f], 1));
        expect(g.P).toBeLessThanOrEqual(256);
        for (let i = 0; i < n; i += 7) g.members.forEach((f, t) => expect(g.decode[g.codes[i] * g.members.length + t]).toBe(ds.bins[f * n + i]));
      }
      // The fine numerics (255 bins) stay alone.
      expect(groupOf[5]).toBe(-1);
      expect(groupOf[6]).toBe(-1);
      expect(histGroups(ds)).toBe(histGroups(ds)); // computed once per dataset
    });

    const settings: [TrainContext['task'], Record<string, number>][] = [
      ['binary', { numLeaves: 15, learningRate: 0.2, minChildSamples: 5 }],
      ['multiclass', { numLeaves: 8, learningRate: 0.2, featureFraction: 0.6 }],
      ['regression', { numLeaves: 31, minChildSamples: 3, baggingFraction: 0.7, baggingFreq: 1, lambdaL2: 1 }],
    ];
    test.each(settings)('%s: every path grows the same trees and scores (fit and lockstep CV)', (task, params) => {
      const fast = fitWith({ wasm: true, groups: true }, task, params);
      expect(fast.groups.groups.length).toBeGreaterThan(0);
      for (const other of [
        { wasm: false, groups: true },
        { wasm: true, groups: false },
        { wasm: false, groups: false },
      ]) {
        const r = fitWith(other, task, params);
        expect(r.trees).toBe(fast.trees);
        expect(r.raw).toEqual(fast.raw);
        expect(r.oof).toEqual(fast.oof);
      }
    });
  });
});
