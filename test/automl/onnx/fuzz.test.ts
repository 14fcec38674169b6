/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// Many small random pipelines of every shape (1 to 6 classes, 1 to 40 leaves, with or without numeric or
// categorical columns, single trees, wide ensembles): ORT and the TS scorer agree within 1e-5.
import { exportOnnx } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import type { Task } from '../../../src/automl/pipeline';
import { scorePipeline } from '../../../src/automl/score';
import { randomPipeline, randomRows, rng } from '../../support/pipelines';

test('120 random pipelines and 150 rows each: probabilities within 1e-5, labels equal away from ties', async () => {
  const rand = rng(2024);
  const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
  for (let i = 0; i < 120; i++) {
    const task = pick<Task>(['binary', 'multiclass', 'regression']);
    const model = pick(['linear', 'gbdt', 'forest', 'ensemble'] as const);
    const numeric = Math.floor(rand() * 5);
    const opts = {
      model,
      task,
      seed: 1000 + i,
      classes: 3 + Math.floor(rand() * 4),
      trees: 1 + Math.floor(rand() * 30),
      maxLeaves: 1 + Math.floor(rand() * 40),
      numeric,
      categorical: (numeric === 0 ? 1 : 0) + Math.floor(rand() * 4),
    };
    const { pipeline, schema } = randomPipeline(opts);
    const rows = randomRows(schema, 150, 2000 + i, { missing: rand() * 0.5, unseen: rand() * 0.3 });
    const scorer = await createOnnxScorer(exportOnnx(pipeline));
    const ts = scorePipeline(pipeline, rows);
    const o = await scorer.scoreRows(rows);
    await scorer.release();
    const where = JSON.stringify(opts);
    if (task === 'regression') {
      ts.labels.forEach((y, r) => {
        const d = Math.abs((o.labels[r] as number) - (y as number)) / Math.max(1, Math.abs(y as number));
        if (!(d <= 1e-5)) throw new Error(`${where}: row ${r}: ${o.labels[r]} vs ${y}`);
      });
      continue;
    }
    ts.probabilities!.forEach((p, r) => {
      p.forEach((v, k) => {
        if (!(Math.abs(v - o.probabilities![r][k]) <= 1e-5)) throw new Error(`${where}: row ${r} class ${k}: ${o.probabilities![r][k]} vs ${v}`);
      });
      const s = [...p].sort((a, b) => b - a);
      if (s[0] - s[1] > 1e-5 && o.labels[r] !== ts.labels[r]) throw new Error(`${where}: row ${r}: label ${o.labels[r]} vs ${ts.labels[r]}`);
    });
  }
});

test('an empty batch gives empty results from both scorers', async () => {
  const { pipeline } = randomPipeline({ model: 'gbdt', task: 'multiclass', seed: 3 });
  const scorer = await createOnnxScorer(exportOnnx(pipeline));
  expect(await scorer.scoreRows([])).toEqual({ labels: [], probabilities: [] });
  await scorer.release();
  expect(scorePipeline(pipeline, [])).toEqual({ labels: [], probabilities: [] });
});
