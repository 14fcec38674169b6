/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// The exported ONNX model and the TS reference scorer agree within 1e-5 for every model kind, on random
// pipelines and rows with missing values, unseen categories and values sitting exactly on thresholds.
import { exportOnnx } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import type { Task } from '../../../src/automl/pipeline';
import type { FittedPipeline } from '../../../src/automl/pipeline';
import { featurize, Row, RowScores, scoreColumns, scorePipeline, rowsToColumns } from '../../../src/automl/score';
import { ModelKind, randomPipeline, randomRows } from '../../support/pipelines';

const TOL = 1e-5;

function expectParity(ts: RowScores, ort: RowScores, task: Task): void {
  expect(ort.labels).toHaveLength(ts.labels.length);
  if (task === 'regression') {
    expect(ort.probabilities).toBeUndefined();
    ts.labels.forEach((y, r) => {
      const o = ort.labels[r] as number;
      expect(typeof o).toBe('number');
      expect(Math.abs(o - (y as number))).toBeLessThanOrEqual(TOL * Math.max(1, Math.abs(y as number)));
    });
    return;
  }
  const P = ts.probabilities!;
  const Q = ort.probabilities!;
  let worst = 0;
  P.forEach((p, r) => {
    expect(Q[r]).toHaveLength(p.length);
    p.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - Q[r][k]))));
    // Labels must agree unless the two best classes are within the tolerance (argmax of a near-tie).
    const sorted = [...p].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] > TOL) expect(ort.labels[r]).toBe(ts.labels[r]);
  });
  expect(worst).toBeLessThanOrEqual(TOL);
}

/** How many (row, split node) pairs have the row's feature value exactly equal to the split threshold. */
function exactThresholdHits(p: FittedPipeline, rows: Row[]): number {
  const members = p.body.kind === 'single' ? [p.body] : p.body.members.map((m) => m.pipeline);
  const cols = rowsToColumns(p.inputs, rows);
  let hits = 0;
  for (const m of members) {
    if (m.model.type !== 'trees') continue;
    const X = featurize(m, cols, rows.length);
    const F = X.length / rows.length;
    for (const t of m.model.trees) {
      t.left.forEach((l, i) => {
        if (l === -1) return;
        for (let r = 0; r < rows.length; r++) if (X[r * F + t.feature[i]] === Math.fround(t.threshold[i])) hits++;
      });
    }
  }
  return hits;
}

const KINDS: (ModelKind | 'ensemble')[] = ['linear', 'gbdt', 'forest', 'ensemble'];
const TASKS: Task[] = ['binary', 'multiclass', 'regression'];

describe.each(KINDS)('%s', (model) => {
  test.each(TASKS)('%s: ORT matches the TS scorer at batch 1000 and batch 1', async (task) => {
    for (const seed of [11, 12]) {
      const { pipeline, schema } = randomPipeline({ model, task, seed, classes: seed === 12 ? 4 : 3 });
      const rows = randomRows(schema, 1000, seed + 100, { missing: 0.15, unseen: 0.1 });
      const scorer = await createOnnxScorer(exportOnnx(pipeline));
      try {
        if (model !== 'linear') expect(exactThresholdHits(pipeline, rows)).toBeGreaterThan(100); // the float32 edge is exercised
        const ts = scorePipeline(pipeline, rows);
        expectParity(ts, await scorer.scoreRows(rows), task);
        for (const row of rows.slice(0, 25)) expectParity(scorePipeline(pipeline, [row]), await scorer.scoreRows([row]), task);
        // The columnar path of both scorers gives the same numbers as the row path.
        const cols = rowsToColumns(pipeline.inputs, rows);
        const tc = scoreColumns(pipeline, cols);
        expect(Array.from(tc.labels as ArrayLike<string | number>)).toEqual(ts.labels);
        if (ts.probabilities) expect(Array.from(tc.probabilities!)).toEqual(ts.probabilities.flat());
        const oc = await scorer.scoreColumns(cols);
        expect(oc.n).toBe(rows.length);
      } finally {
        await scorer.release();
      }
    }
  });
});

test('a large GBDT (300 trees x 31 leaves, 5 classes) stays within 1e-5 with 1 and 2 ORT threads', async () => {
  const { pipeline, schema } = randomPipeline({ model: 'gbdt', task: 'multiclass', classes: 5, seed: 77, trees: 300, maxLeaves: 31 });
  const rows = randomRows(schema, 300, 78);
  const ts = scorePipeline(pipeline, rows);
  // With 2 threads ORT sums the trees of a small batch in parallel chunks (another summation order).
  for (const intraOpNumThreads of [1, 2]) {
    const scorer = await createOnnxScorer(exportOnnx(pipeline), { intraOpNumThreads });
    expectParity(ts, await scorer.scoreRows(rows), 'multiclass');
    for (const row of rows.slice(0, 10)) expectParity(scorePipeline(pipeline, [row]), await scorer.scoreRows([row]), 'multiclass');
    await scorer.release();
  }
});
