// A budget shorter than the first trial (a slow or loaded machine, a tiny budget) still yields a model:
// the search waits for its first trial instead of failing with "no trial finished".
import { runAutoML, tableFromRecords } from '../../src/automl';
import { synthBinary } from './helpers';

test('a budget that ends before the first trial finishes still returns the first trial as the model', async () => {
  const train = await tableFromRecords(synthBinary(3000, 4));
  const r = await runAutoML(train, { target: 'y', workers: 0, seed: 1, budgetSeconds: 0.01 });
  expect(r.leaderboard.length).toBeGreaterThanOrEqual(1);
  expect(r.best.score).toBeGreaterThan(0.5);
  expect(r.pipeline.task).toBe('binary');
});
