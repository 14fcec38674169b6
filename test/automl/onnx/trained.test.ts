/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// Pipelines trained by the AutoML engine (runAutoML) on a slice of the bank marketing sample, exported
// and run in onnxruntime: ORT agrees with the TS scorer on held-out rows sent as raw CSV strings, with
// blanked cells and categories never seen in training.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runAutoML } from '../../../src/automl';
import { exportOnnx, loadOnnxMetadata } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import type { FittedPipeline } from '../../../src/automl/pipeline';
import { Row, scorePipeline } from '../../../src/automl/score';
import { rng } from '../../support/pipelines';

const lines = fs
  .readFileSync(path.join(__dirname, '..', '..', '..', 'samples', 'bankmarketing_train.csv'), 'utf8')
  .split(/\r?\n/)
  .filter(Boolean);
const header = lines[0].split(',');
const cells = lines.slice(1).map((l) => l.split(','));
const train = cells.slice(0, 2500);

/** Held-out rows as a client sends them: strings, some blanked, some categories unseen. */
function heldOut(n: number, drop: string[] = []): Row[] {
  const rand = rng(9);
  return cells.slice(20000, 20000 + n).map((c) => {
    const row: Row = {};
    header.forEach((h, i) => {
      if (drop.includes(h)) return;
      const u = rand();
      row[h] = u < 0.05 ? '' : u < 0.07 && !/^[-\d.]+$/.test(c[i]) ? 'never-seen' : c[i];
    });
    return row;
  });
}

async function expectParity(p: FittedPipeline, rows: Row[]): Promise<void> {
  const bytes = exportOnnx(p);
  expect(loadOnnxMetadata(bytes).inputs).toEqual(p.inputs);
  const scorer = await createOnnxScorer(bytes);
  const o = await scorer.scoreRows(rows);
  await scorer.release();
  const ts = scorePipeline(p, rows);
  if (p.task === 'regression') {
    ts.labels.forEach((y, r) => expect(Math.abs((o.labels[r] as number) - (y as number))).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(y as number))));
    return;
  }
  ts.probabilities!.forEach((pr, r) => {
    pr.forEach((v, k) => expect(Math.abs(v - o.probabilities![r][k])).toBeLessThanOrEqual(1e-5));
    const s = [...pr].sort((a, b) => b - a);
    if (s[0] - s[1] > 1e-5) expect(o.labels[r]).toBe(ts.labels[r]);
  });
}

const opts = { budgetSeconds: 120, maxTrials: 6, workers: 0, batchSize: 2, cvFolds: 3, seed: 5 };

test('binary (y): the chosen pipeline (GBDT, linear or ensemble) and a linear-only pipeline', async () => {
  const best = await runAutoML({ rows: [header, ...train] }, { target: 'y', ...opts });
  await expectParity(best.pipeline, heldOut(400, ['y']));
  const linear = await runAutoML({ rows: [header, ...train] }, { target: 'y', ...opts, maxTrials: 2, allowedLearners: ['logistic_regression'] });
  expect(linear.pipeline.body.kind === 'single' && linear.pipeline.body.model.type).toBe('linear');
  await expectParity(linear.pipeline, heldOut(400, ['y']));
});

test('multiclass (education) and regression (cons.conf.idx)', async () => {
  const small = [header, ...train.slice(0, 1500)];
  const mc = await runAutoML({ rows: small }, { target: 'education', ...opts, maxTrials: 2 });
  expect(mc.pipeline.task).toBe('multiclass');
  await expectParity(mc.pipeline, heldOut(300, ['education']));
  const reg = await runAutoML({ rows: small }, { target: 'cons.conf.idx', ...opts, maxTrials: 2 });
  expect(reg.pipeline.task).toBe('regression');
  await expectParity(reg.pipeline, heldOut(300, ['cons.conf.idx']));
});
