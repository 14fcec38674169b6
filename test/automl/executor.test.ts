import { binDataset } from '../../src/automl/binning';
import { stratifiedFolds } from '../../src/automl/cv';
import { findWorkerScript, InThreadExecutor, WorkerPoolExecutor } from '../../src/automl/executor';
import type { TrainContext } from '../../src/automl/learners/types';
import { Rng } from '../../src/automl/random';

function ctxOf(n: number): TrainContext {
  const rng = new Rng(1);
  const X = new Float32Array(new SharedArrayBuffer(2 * n * 4));
  for (let i = 0; i < X.length; i++) X[i] = Math.fround(rng.normal());
  const y = new Float64Array(new SharedArrayBuffer(n * 8));
  for (let i = 0; i < n; i++) y[i] = X[i] > 0 ? 1 : 0;
  return { task: 'binary', n, C: 2, y, tree: { ds: binDataset(X, n, 2, 255, true), names: ['a', 'b'] }, linear: { X, nFeat: 2, names: ['a', 'b'] } };
}

const req = (id: number) => ({
  id,
  learner: 'gbdt',
  params: { n_estimators: 10, num_leaves: 4, min_child_samples: 5, learning_rate: 0.3, reg_lambda: 1, colsample_bytree: 1, subsample: 1 },
  seed: id,
});

const maybe = findWorkerScript() ? test : test.skip; // the worker is compiled JS (npm test builds first)

describe('trial executors', () => {
  maybe('worker threads return the same out-of-fold predictions as this thread, in request order', async () => {
    const ctx = ctxOf(300);
    const folds = stratifiedFolds('binary', ctx.y, 3, 1);
    const pool = WorkerPoolExecutor.create(2, ctx, folds)!;
    try {
      const [a, b, c] = await pool.runTrials([req(1), req(2), req(3)]);
      expect([a.id, b.id, c.id]).toEqual([1, 2, 3]);
      const here = await new InThreadExecutor(ctx, folds).runTrials([req(2)]);
      expect(Array.from(b.oof!)).toEqual(Array.from(here[0].oof!));
    } finally {
      await pool.close();
    }
  });

  maybe('dead workers turn queued work into errors, never a hang', async () => {
    const ctx = ctxOf(100);
    const folds = stratifiedFolds('binary', ctx.y, 2, 1);
    const pool = WorkerPoolExecutor.create(1, ctx, folds)!;
    await Promise.all((pool as unknown as { pool: { terminate(): Promise<number> }[] }).pool.map((w) => w.terminate()));
    const out = await pool.runTrials([req(1)]);
    expect(out[0].error).toMatch(/worker/);
    await expect(pool.fit([{ learner: 'gbdt', params: req(1).params, extra: {}, seed: 1 }])).rejects.toThrow(/worker/);
    await pool.close();
  });

  test('a failing trial is reported as an error, not thrown', async () => {
    const ctx = ctxOf(50);
    const out = await new InThreadExecutor(ctx, stratifiedFolds('binary', ctx.y, 2, 1)).runTrials([{ ...req(1), learner: 'nope' }]);
    expect(out[0].error).toContain('unknown learner');
  });
});
