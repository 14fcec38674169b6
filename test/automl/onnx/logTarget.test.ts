/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// Skewed regression: the log-target GBDT (post transform expm1) predicts on the original scale, the
// exported ONNX model agrees with the TS scorer, and the learner is left out where y has negatives.
import { runAutoML } from '../../../src/automl';
import { exportOnnx } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import { suitsLogTarget } from '../../../src/automl/learners/gbdtLog';
import { Rng } from '../../../src/automl/random';
import { Row, scorePipeline } from '../../../src/automl/score';
import { tableFromRecords } from '../../../src/automl/table';

function prices(n: number, seed: number, shift = 0): Record<string, string | number>[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const kind = ['a', 'b', 'c', 'd'][rng.int(4)];
    const age = rng.next() * 10;
    const lp = 3 + (kind === 'b' ? 1 : kind === 'd' ? -0.5 : 0) - 0.15 * age + 0.3 * rng.normal();
    return { kind, age: Number(age.toFixed(2)), price: Number((Math.exp(lp) + shift).toFixed(2)) };
  });
}

const opts = { target: 'price', budgetSeconds: 60, maxTrials: 4, workers: 0, batchSize: 1, seed: 3 };

test('gbdt_log fits log(1 + y), predicts prices, and ONNX agrees with the TS scorer', async () => {
  const train = prices(800, 1);
  expect(suitsLogTarget(Float64Array.from(train, (r) => r.price as number))).toBe(true);
  const r = await runAutoML(await tableFromRecords(train), { ...opts, allowedLearners: ['gbdt_log'], ensemble: false });
  const body = r.pipeline.body;
  expect(body.kind === 'single' && body.post).toBe('expm1');
  const rows: Row[] = prices(200, 2).map((x, i) => ({ kind: i % 11 === 0 ? 'zzz' : x.kind, age: i % 13 === 0 ? '' : x.age }));
  const ts = scorePipeline(r.pipeline, rows);
  const mean = (ts.labels as number[]).reduce((a, b) => a + b, 0) / rows.length;
  const truth = prices(200, 2).reduce((a, x) => a + (x.price as number), 0) / rows.length;
  expect(Math.abs(mean - truth) / truth).toBeLessThan(0.2);
  const scorer = await createOnnxScorer(exportOnnx(r.pipeline));
  const ort = await scorer.scoreRows(rows);
  await scorer.release();
  ts.labels.forEach((y, i) => expect(Math.abs((ort.labels[i] as number) - (y as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(y as number))));
});

test('a target with negative values: gbdt_log is not tried (alone it is a BAD_OPTION)', async () => {
  const table = await tableFromRecords(prices(300, 4, -5));
  const r = await runAutoML(table, { ...opts, maxTrials: 3 });
  expect(r.leaderboard.some((e) => e.learner === 'gbdt_log')).toBe(false);
  await expect(runAutoML(table, { ...opts, allowedLearners: ['gbdt_log'] })).rejects.toMatchObject({ code: 'BAD_OPTION' });
});
