import { binDataset } from '../../src/automl/binning';
import { stratifiedFolds } from '../../src/automl/cv';
import { extraTreesLearner, randomForestLearner } from '../../src/automl/learners/forest';
import { setHistPaths } from '../../src/automl/learners/gbdt';
import { DeadlineError, type TrainContext } from '../../src/automl/learners/types';
import { binaryAuc, regressionMetrics } from '../../src/automl/metrics';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { Rng } from '../../src/automl/random';
import { scoreColumns } from '../../src/automl/score';

function make(n: number, task: TrainContext['task'], seed: number) {
  const rng = new Rng(seed);
  const a = Float32Array.from({ length: n }, () => Math.fround(rng.normal()));
  const b = Float32Array.from({ length: n }, () => Math.fround(Math.round(rng.normal() * 3) / 3));
  const X = new Float32Array(2 * n);
  X.set(a);
  X.set(b, n);
  const y = Float64Array.from({ length: n }, (_, i) =>
    task === 'regression' ? a[i] * 2 + (b[i] > 0 ? 1 : -1) : task === 'binary' ? Number(a[i] > 0 !== b[i] > 0) : a[i] < -0.4 ? 0 : a[i] < 0.4 ? 1 : 2,
  );
  const C = task === 'binary' ? 2 : task === 'multiclass' ? 3 : 0;
  const ctx: TrainContext = { task, n, C, y, tree: { ds: binDataset(X, n, 2), names: ['a', 'b'] }, linear: { X, nFeat: 2, names: [] } };
  return { ctx, a, b, y };
}

function pipelineOf(task: TrainContext['task'], model: any, post: any, classes: string[]): FittedPipeline {
  return {
    formatVersion: 1,
    task,
    target: 'y',
    classes,
    inputs: [
      { name: 'a', kind: 'numeric' },
      { name: 'b', kind: 'numeric' },
    ],
    body: {
      kind: 'single',
      learner: 'forest',
      model,
      post,
      features: [
        { kind: 'numeric', column: 'a', impute: 0 },
        { kind: 'numeric', column: 'b', impute: 0 },
      ],
    },
  };
}

const params = { n_estimators: 30, max_leaves: 64, min_samples_leaf: 2, max_features: 1 };

describe('random forest and extra trees', () => {
  for (const learner of [randomForestLearner, extraTreesLearner]) {
    test(`${learner.name}: learns XOR out of fold and its pipeline scores like its CV trees`, () => {
      const { ctx, a, b, y } = make(1500, 'binary', 1);
      const folds = stratifiedFolds('binary', y, 3, 1);
      const cv = learner.cv(ctx, params, folds, 5);
      const p1 = Array.from({ length: ctx.n }, (_, i) => cv.oof[i * 2 + 1]);
      expect(binaryAuc(p1, y)).toBeGreaterThan(0.95);
      const fit = learner.fit(ctx, params, {}, 5);
      expect(fit.post).toBe('none');
      const scored = scoreColumns(pipelineOf('binary', fit.model, fit.post, ['0', '1']), { a, b });
      let correct = 0;
      for (let i = 0; i < ctx.n; i++) if (Number(scored.labels[i]) === y[i]) correct++;
      expect(correct / ctx.n).toBeGreaterThan(0.97);
      for (let i = 0; i < 20; i++) expect(scored.probabilities![i * 2] + scored.probabilities![i * 2 + 1]).toBeCloseTo(1, 6);
    });
  }

  test('multiclass leaves hold class probabilities; regression leaves hold means', () => {
    const mc = make(900, 'multiclass', 2);
    const fit = randomForestLearner.fit(mc.ctx, params, {}, 1);
    const scored = scoreColumns(pipelineOf('multiclass', fit.model, fit.post, ['0', '1', '2']), { a: mc.a, b: mc.b });
    let correct = 0;
    for (let i = 0; i < mc.ctx.n; i++) if (Number(scored.labels[i]) === mc.y[i]) correct++;
    expect(correct / mc.ctx.n).toBeGreaterThan(0.97);
    const rg = make(900, 'regression', 3);
    const cv = extraTreesLearner.cv(rg.ctx, { ...params, n_estimators: 40 }, stratifiedFolds('regression', rg.y, 3, 1), 1);
    expect(regressionMetrics(cv.oof, rg.y).r2_score).toBeGreaterThan(0.9);
  });

  test('deterministic for a seed', () => {
    const { ctx } = make(400, 'binary', 4);
    const a = randomForestLearner.fit(ctx, params, {}, 3);
    const b = randomForestLearner.fit(ctx, params, {}, 3);
    const c = randomForestLearner.fit(ctx, params, {}, 4);
    expect(JSON.stringify(a.model)).toBe(JSON.stringify(b.model));
    expect(JSON.stringify(a.model)).not.toBe(JSON.stringify(c.model));
  });

  test.each([
    ['binary', 'random_forest'],
    ['regression', 'extra_trees'],
    ['regression', 'random_forest'],
  ] as const)('%s %s: the WebAssembly histogram kernel grows the same trees as the TypeScript loop (fit and CV)', (task, name) => {
    const learner = name === 'extra_trees' ? extraTreesLearner : randomForestLearner;
    const run = (wasm: boolean) => {
      setHistPaths({ wasm });
      try {
        const { ctx, y } = make(1200, task, 9); // a fresh dataset: kernels are cached per dataset
        const fit = learner.fit(ctx, { ...params, n_estimators: 6 }, {}, 2);
        const cv = learner.cv(ctx, { ...params, n_estimators: 4 }, stratifiedFolds(task, y, 3, 1), 2);
        return { model: JSON.stringify(fit.model), oof: Array.from(cv.oof), importance: Array.from(fit.importance ?? []) };
      } finally {
        setHistPaths({ wasm: true });
      }
    };
    const fast = run(true);
    const slow = run(false);
    expect(fast.model).toBe(slow.model);
    expect(fast.oof).toEqual(slow.oof);
    expect(fast.importance).toEqual(slow.importance);
  });

  test.each([
    ['binary', 'random_forest'],
    ['binary', 'extra_trees'],
    ['multiclass', 'extra_trees'],
    ['multiclass', 'random_forest'],
  ] as const)('%s %s: nodes split from their rows, from sampled-feature histograms and from full histograms alike', (task, name) => {
    const learner = name === 'extra_trees' ? extraTreesLearner : randomForestLearner;
    const run = (paths: { forestRows: boolean; forestSampled: boolean }) => {
      setHistPaths(paths);
      try {
        const { ctx, y } = make(1500, task, 12);
        const p = { ...params, n_estimators: 5, max_leaves: 300, min_samples_leaf: 2 };
        const fit = learner.fit(ctx, p, {}, 3);
        const cv = learner.cv(ctx, p, stratifiedFolds(task, y, 3, 1), 3);
        return { model: JSON.stringify(fit.model), oof: Array.from(cv.oof), leaves: fit.model.type === 'trees' ? fit.model.trees.length : 0 };
      } finally {
        setHistPaths({ forestRows: true, forestSampled: true });
      }
    };
    // 0/1 and one-hot targets sum exactly in any order, so the trees are bit-identical.
    const rowsMode = run({ forestRows: true, forestSampled: true });
    const sampledMode = run({ forestRows: false, forestSampled: true });
    const fullMode = run({ forestRows: false, forestSampled: false });
    expect(rowsMode.leaves).toBe(5);
    expect(rowsMode.model).toBe(fullMode.model);
    expect(rowsMode.oof).toEqual(fullMode.oof);
    expect(sampledMode.model).toBe(fullMode.model);
    expect(sampledMode.oof).toEqual(fullMode.oof);
  });

  test("a CV stopped at the deadline keeps each fold's trees so far, and the refit grows as many", () => {
    const { ctx, y } = make(600, 'binary', 21);
    const folds = stratifiedFolds('binary', y, 3, 1);
    const p = { ...params, n_estimators: 10 };
    // The deadline passes after the 7th tree (trees go round the folds): fold 0 has 3 trees, folds 1 and 2 have 2.
    let checks = 0;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => (++checks > 7 ? 2000 : 1000));
    let cut: ReturnType<typeof randomForestLearner.cv>;
    try {
      cut = randomForestLearner.cv(ctx, p, folds, 4, 1500);
    } finally {
      clock.mockRestore();
    }
    expect(cut.extra).toEqual({ n_estimators_grown: 2, stopped_at_deadline: 1 });
    // Each fold's forest is the one a smaller forest would be.
    const three = randomForestLearner.cv(ctx, { ...p, n_estimators: 3 }, folds, 4).oof;
    const two = randomForestLearner.cv(ctx, { ...p, n_estimators: 2 }, folds, 4).oof;
    const at = (oof: Float64Array, fold: Int32Array) => Array.from(fold, (i) => oof[2 * i + 1]);
    expect(at(cut.oof, folds[0])).toEqual(at(three, folds[0]));
    expect(at(cut.oof, folds[1])).toEqual(at(two, folds[1]));
    expect(at(cut.oof, folds[2])).toEqual(at(two, folds[2]));
    const fit = randomForestLearner.fit(ctx, p, cut.extra, 4);
    expect(fit.model.type === 'trees' && fit.model.trees.length).toBe(2);
    expect(randomForestLearner.fit(ctx, p, {}, 4).model).toMatchObject({ trees: { length: 10 } });
    // No tree yet in some fold: the trial is given up.
    expect(() => randomForestLearner.cv(ctx, p, folds, 4, Date.now() - 1)).toThrow(DeadlineError);
  });

  test('regression forests from rows and from histograms agree to rounding', () => {
    const run = (forestRows: boolean) => {
      setHistPaths({ forestRows });
      try {
        const { ctx, y } = make(1500, 'regression', 13);
        return randomForestLearner.cv(ctx, { ...params, n_estimators: 5, max_leaves: 300 }, stratifiedFolds('regression', y, 3, 1), 3).oof;
      } finally {
        setHistPaths({ forestRows: true });
      }
    };
    const a = run(true);
    const b = run(false);
    expect(regressionMetrics(a, b).r2_score).toBeGreaterThan(0.999);
  });
});
