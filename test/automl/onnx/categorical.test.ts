/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// Native categorical splits (GBDT): a label decided by a set of categories is learnt with set splits,
// which ordinal thresholds need many more splits for; the TS scorer and the exported ONNX model (chains
// of BRANCH_EQ nodes) agree on every row, unseen and missing categories included.
import { buildContext } from '../../../src/automl/context';
import { detectTarget, inputColumns, planColumns } from '../../../src/automl/featurize';
import { gbdtFit, rowsLoss } from '../../../src/automl/learners/gbdt';
import { allRows } from '../../../src/automl/learners/types';
import { exportOnnx } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import type { FittedPipeline, Tree } from '../../../src/automl/pipeline';
import { Rng } from '../../../src/automl/random';
import { Row, scorePipeline, validatePipeline } from '../../../src/automl/score';
import { tableFromRecords } from '../../../src/automl/table';

const CATS = Array.from({ length: 14 }, (_, k) => `c${k}`);
const POSITIVE = new Set(['c1', 'c4', 'c5', 'c9', 'c12']);

function records(n: number, seed: number): Record<string, string | number>[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => {
    const cat = CATS[rng.int(CATS.length)];
    const x = rng.normal();
    const logit = (POSITIVE.has(cat) ? 2 : -2) + 0.8 * x + 0.4 * rng.normal();
    return { shop: rng.next() < 0.05 ? '' : cat, x: Number(x.toFixed(3)), y: logit > 0 ? 'yes' : 'no' };
  });
}

async function trained(catSplits: boolean, nEstimators = 12) {
  const table = await tableFromRecords(records(1500, 3));
  const target = detectTarget(table, 'y');
  const plans = planColumns(table, target, 'y', []);
  const { ctx, steps } = buildContext(table, plans, target, { linear: false });
  const { booster, model } = gbdtFit(ctx, { nEstimators, numLeaves: 4, learningRate: 0.3, minChildSamples: 10, catSplits }, nEstimators, 1);
  const loss = rowsLoss('binary', booster.raw, ctx.y, allRows(ctx.n), 1);
  const pipeline: FittedPipeline = {
    formatVersion: 1,
    task: 'binary',
    target: 'y',
    classes: target.classes,
    inputs: inputColumns(plans),
    body: { kind: 'single', learner: 'gbdt', features: steps.tree, model, post: 'logistic' },
  };
  return { ctx, pipeline, loss };
}

const trees = (p: FittedPipeline): Tree[] => (p.body.kind === 'single' && p.body.model.type === 'trees' ? p.body.model.trees : []);

test('the shop column gets categorical splits, and they fit the set rule better than thresholds on codes', async () => {
  const cat = await trained(true);
  const ord = await trained(false);
  expect(cat.ctx.tree.ds.catValues?.[cat.ctx.tree.names.indexOf('shop:ordinal')]).toBeTruthy();
  const catNodes = trees(cat.pipeline).flatMap((t) => (t.categories ?? []).filter((c) => c && c.length > 0));
  expect(catNodes.length).toBeGreaterThan(0);
  expect(trees(ord.pipeline).some((t) => t.categories)).toBe(false);
  expect(cat.loss).toBeLessThan(ord.loss * 0.9);
  // The first tree's root separates (most of) the positive shops from the rest.
  const root = trees(cat.pipeline)[0].categories?.[0];
  expect(root).toBeTruthy();
  validatePipeline(cat.pipeline);
});

test('TS scorer and ONNX agree on categorical splits, unseen and missing categories included', async () => {
  const { pipeline } = await trained(true, 30);
  const rows: Row[] = records(300, 11).map((r, i) => ({
    shop: i % 13 === 0 ? 'never-seen' : i % 17 === 0 ? '' : (r.shop as string),
    x: i % 19 === 0 ? '' : r.x,
  }));
  const ts = scorePipeline(pipeline, rows);
  const scorer = await createOnnxScorer(exportOnnx(pipeline));
  const ort = await scorer.scoreRows(rows);
  await scorer.release();
  ts.probabilities!.forEach((p, r) => p.forEach((v, k) => expect(Math.abs(v - ort.probabilities![r][k])).toBeLessThanOrEqual(1e-5)));
  // The rule is learnt: positive shops score higher than the others on average.
  const mean = (pred: (r: Row) => boolean) => {
    const idx = rows.map((r, i) => (pred(r) ? i : -1)).filter((i) => i >= 0);
    return idx.reduce((a, i) => a + ts.probabilities![i][1], 0) / idx.length;
  };
  expect(mean((r) => POSITIVE.has(r.shop as string))).toBeGreaterThan(mean((r) => CATS.includes(r.shop as string) && !POSITIVE.has(r.shop as string)) + 0.5);
});

test('a pipeline with an empty category list is rejected with PIPELINE_INVALID', async () => {
  const { pipeline } = await trained(true);
  const t = trees(pipeline).find((x) => x.categories)!;
  const i = t.categories!.findIndex((c) => c && c.length);
  t.categories![i] = [];
  expect(() => validatePipeline(pipeline)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
});
