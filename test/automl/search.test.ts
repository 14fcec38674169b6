import { selectEnsemble } from '../../src/automl/ensemble';
import { Executor, InThreadExecutor } from '../../src/automl/executor';
import { gbdtLearner } from '../../src/automl/learners/gbdt';
import { logisticLearner } from '../../src/automl/learners/linear';
import type { Learner, TrainContext } from '../../src/automl/learners/types';
import { extraTreesLearner, randomForestLearner } from '../../src/automl/learners/forest';
import { compareScores, compareTrials, runSearch, Trial } from '../../src/automl/search';
import { binDataset } from '../../src/automl/binning';
import { stratifiedFolds } from '../../src/automl/cv';
import { Rng } from '../../src/automl/random';

function ctxOf(n: number, seed: number): TrainContext {
  const rng = new Rng(seed);
  const X = new Float32Array(3 * n);
  for (let i = 0; i < X.length; i++) X[i] = Math.fround(rng.normal());
  const y = Float64Array.from({ length: n }, (_, i) => (X[i] + 0.5 * X[n + i] * X[2 * n + i] + 0.3 * rng.normal() > 0 ? 1 : 0));
  return { task: 'binary', n, C: 2, y, tree: { ds: binDataset(X, n, 3), names: ['a', 'b', 'c'] }, linear: { X, nFeat: 3, names: ['a', 'b', 'c'] } };
}

function searchOpts(ctx: TrainContext, learners: Learner[], extra: Partial<Parameters<typeof runSearch>[0]> = {}) {
  const folds = stratifiedFolds('binary', ctx.y, 3, 1);
  return {
    task: 'binary' as const,
    metric: 'AUC_weighted',
    classes: ['0', '1'],
    y: ctx.y,
    folds,
    learners,
    n: ctx.n,
    nFeat: { tree: 3, linear: 3 },
    seed: 1,
    deadline: () => Date.now() + 600_000,
    maxTrials: 6,
    batchSize: 2,
    reproducible: true,
    keepOof: 4,
    executor: new InThreadExecutor(ctx, folds),
    startedAt: Date.now(),
    ...extra,
  };
}

describe('cost-frugal search', () => {
  test('starts tree learners cheap, then a linear learner cheaper than their seeds, then the seeds, and reports progress per trial', async () => {
    const ctx = ctxOf(400, 1);
    const progress: { trial: number; learner: string; best: number }[] = [];
    const trials = await runSearch(searchOpts(ctx, [gbdtLearner, logisticLearner], { onTrial: (_t, p) => progress.push(p) }));
    expect(trials.map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6]);
    const init = Object.fromEntries(Object.entries(gbdtLearner.space).map(([k, d]) => [k, d.init]));
    expect(trials[0]).toMatchObject({ learner: 'gbdt', params: init });
    expect(trials[1]).toMatchObject({ learner: 'logistic_regression', params: { C: 1 } });
    expect(trials[2]).toMatchObject({ learner: 'gbdt', params: { ...init, ...gbdtLearner.seeds![0] } });
    expect(progress.map((p) => p.trial)).toEqual([1, 2, 3, 4, 5, 6]);
    // "best so far" never gets worse.
    for (let k = 1; k < progress.length; k++) expect(progress[k].best).toBeGreaterThanOrEqual(progress[k - 1].best);
    // Out-of-fold predictions are kept for the best `keepOof` trials and the best of each learner only.
    const kept = trials.filter((t) => t.oof);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    expect(kept.length).toBeLessThanOrEqual(5);
    for (const l of ['gbdt', 'logistic_regression']) {
      const best = trials.filter((t) => t.learner === l).sort(compareTrials)[0];
      expect(best.oof).toBeDefined();
    }
  });

  test("every learner's first seed runs before any learner's second", async () => {
    const ctx = ctxOf(300, 4);
    const trials = await runSearch(searchOpts(ctx, [gbdtLearner, randomForestLearner], { batchSize: 1 }));
    const init = (l: Learner) => Object.fromEntries(Object.entries(l.space).map(([p, d]) => [p, d.init]));
    const seed = (l: Learner, k: number) => ({ ...init(l), ...l.seeds![k] });
    expect(trials.map((t) => [t.learner, t.params])).toEqual([
      ['gbdt', init(gbdtLearner)],
      ['random_forest', init(randomForestLearner)],
      ['gbdt', seed(gbdtLearner, 0)],
      ['random_forest', seed(randomForestLearner, 0)],
      ['gbdt', seed(gbdtLearner, 1)],
      ['random_forest', seed(randomForestLearner, 1)],
    ]);
  });

  test('a slow trial holds up the other worker only when the search is reproducible', async () => {
    const ctx = ctxOf(300, 5);
    const folds = stratifiedFolds('binary', ctx.y, 3, 1);
    const here = new InThreadExecutor(ctx, folds);
    // The first trial's result is held back (a long trial on one of two workers): until the last trial
    // has been requested, or (reproducible, where that cannot happen first) a moment after the second.
    const executor = (reproducible: boolean): Executor => {
      let release = () => {};
      const gate = new Promise<void>((r) => (release = r));
      return {
        workers: 2,
        runTrials: async (reqs) => {
          const out = await here.runTrials(reqs);
          if (reqs[0].id === (reproducible ? 2 : 6)) setTimeout(release, 10);
          if (reqs[0].id === 1) await gate;
          return out;
        },
        fit: (reqs) => here.fit(reqs),
        close: () => here.close(),
      };
    };
    const run = (reproducible: boolean) =>
      runSearch(searchOpts(ctx, [gbdtLearner, logisticLearner], { folds, executor: executor(reproducible), reproducible }));
    // Reproducible: trial 3 waits for trial 1, so results are applied in trial order.
    expect((await run(true)).map((t) => t.id)).toEqual([1, 2, 3, 4, 5, 6]);
    // Otherwise the free worker runs trials 3 to 6 from the results it has; trial 1 is applied last.
    expect((await run(false)).map((t) => t.id)).toEqual([2, 3, 4, 5, 6, 1]);
  });

  test('extra trees start grown out only where feature rows repeat', async () => {
    const ctx = ctxOf(300, 6);
    const secondTrial = async (facts: { rows: number; distinctRows: number }) =>
      (await runSearch(searchOpts(ctx, [extraTreesLearner], { batchSize: 1, maxTrials: 3, facts })))[1].params;
    const init = Object.fromEntries(Object.entries(extraTreesLearner.space).map(([p, d]) => [p, d.init]));
    expect(await secondTrial({ rows: 300, distinctRows: 60 })).toEqual({
      ...init,
      n_estimators: 64,
      max_leaves: 32768,
      min_samples_leaf: 1,
      max_features: 0.5,
    });
    expect(await secondTrial({ rows: 300, distinctRows: 300 })).toEqual({ ...init, ...extraTreesLearner.seeds![0] });
    expect(extraTreesLearner.seeds).toEqual([{ n_estimators: 64, max_leaves: 512, min_samples_leaf: 2, max_features: 0.5 }]);
  });

  test('stops at the score threshold', async () => {
    const ctx = ctxOf(300, 2);
    const trials = await runSearch(searchOpts(ctx, [gbdtLearner], { scoreThreshold: 0.5, maxTrials: 10 }));
    expect(trials.length).toBe(1);
  });

  test('a deadline already passed runs nothing', async () => {
    const ctx = ctxOf(200, 3);
    expect(await runSearch(searchOpts(ctx, [gbdtLearner], { deadline: () => Date.now() - 1 }))).toEqual([]);
  });
});

describe('greedy ensemble selection', () => {
  const fold = (n: number) => [Int32Array.from({ length: n }, (_, i) => i)];
  const trial = (id: number, p1: number[], utility: number): Trial => ({
    id,
    learner: 'x',
    params: {},
    score: utility,
    foldScores: [utility],
    utility,
    pooled: utility,
    seconds: 0,
    extra: {},
    status: 'ok',
    oof: Float64Array.from(p1.flatMap((p) => [1 - p, p])),
  });

  test('combines two models that are right on different rows, weighted by selection counts', () => {
    // y = 1 0 1 0. A misorders rows 2 and 1, B misorders rows 0 and 3; their average orders all four.
    const y = Float64Array.from([1, 0, 1, 0]);
    const a = trial(1, [0.9, 0.8, 0.6, 0.1], 0.75);
    const b = trial(2, [0.6, 0.1, 0.9, 0.8], 0.75);
    const c = trial(3, [0.5, 0.5, 0.5, 0.5], 0.5);
    const sel = selectEnsemble([a, b, c], { task: 'binary', metric: 'AUC_weighted', y, classes: ['0', '1'], folds: fold(4) })!;
    expect(sel).not.toBeNull();
    expect(sel.score).toBe(1);
    expect(sel.members.map((m) => m.trial.id)).toEqual([1, 2]);
    expect(sel.members.reduce((s, m) => s + m.weight, 0)).toBeCloseTo(1, 12);
  });

  test('where every fold scores 1 (small folds), the pooled score decides: an ensemble that orders rows across folds is kept', () => {
    // Two folds, each ranked perfectly by A and by B; pooled, A and B each misorder one cross-fold
    // pair (AUC 0.75) and their average orders all four rows (AUC 1).
    const y = Float64Array.from([1, 0, 1, 0]);
    const folds = [Int32Array.from([0, 1]), Int32Array.from([2, 3])];
    const a = { ...trial(1, [0.9, 0.8, 0.3, 0.2], 1), pooled: 0.75 };
    const b = { ...trial(2, [0.3, 0.2, 0.9, 0.8], 1), pooled: 0.75 };
    const sel = selectEnsemble([a, b], { task: 'binary', metric: 'AUC_weighted', y, classes: ['0', '1'], folds })!;
    expect(sel).not.toBeNull();
    expect(sel.score).toBe(1);
    expect(sel.pooled).toBe(1);
    expect(sel.members.map((m) => m.trial.id)).toEqual([1, 2]);
  });

  test('is dropped when it does not beat the best single model', () => {
    const y = Float64Array.from([1, 0, 1, 0]);
    const best = trial(1, [0.9, 0.1, 0.8, 0.2], 1);
    const worse = trial(2, [0.1, 0.9, 0.2, 0.8], 0);
    expect(selectEnsemble([best, worse], { task: 'binary', metric: 'AUC_weighted', y, classes: ['0', '1'], folds: fold(4) })).toBeNull();
  });
});

describe('ranking of scored trials', () => {
  test('the fold mean decides, then the pooled score, then the earlier trial', () => {
    expect(compareScores(0.9, 0.1, 0.8, 0.99)).toBe(1);
    expect(compareScores(0.8, 0.99, 0.9, 0.1)).toBe(-1);
    expect(compareScores(1, 0.97, 1, 0.95)).toBe(1);
    expect(compareScores(1, 0.95, 1 - 1e-12, 0.97)).toBe(-1); // rounding of a fold sum is a tie
    expect(compareScores(1, 0.95, 1, 0.95)).toBe(0);
    expect(compareScores(-Infinity, -Infinity, 0.5, 0.5)).toBe(-1);
    expect(compareScores(NaN, 1, -Infinity, 0)).toBe(1);
    const t = (id: number, utility: number, pooled: number) => ({ id, utility, pooled });
    const sorted = [t(1, 1, 0.95), t(2, 0.99, 0.99), t(3, 1, 0.97), t(4, 1, 0.97), t(5, -Infinity, -Infinity)].sort(compareTrials);
    expect(sorted.map((x) => x.id)).toEqual([3, 4, 1, 2, 5]);
  });
});
