import { evaluateCells, evaluatePipeline, runAutoML, tableFromRecords } from '../../src/automl';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { classificationMetrics, logLoss, metricValue, UNSEEN_CLASS } from '../../src/automl/metrics';
import { evaluateOnHeldOut, readHeldOut } from '../../src/pipeline/evaluate';
import { synthBinary } from './helpers';

function csvOf(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]);
  return [cols.join(','), ...rows.map((r) => cols.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))).join(','))].join('\n');
}

describe('held-out evaluation: one evaluator, one rule for targets', () => {
  let p: FittedPipeline;
  beforeAll(async () => {
    const r = await runAutoML(await tableFromRecords(synthBinary(400, 1)), { target: 'y', maxTrials: 2, workers: 0, seed: 3, budgetSeconds: 600 });
    p = r.pipeline;
  }, 60_000);

  test('a class the model never saw counts against it; a row with no target is skipped', async () => {
    const rows = synthBinary(200, 2) as Record<string, unknown>[];
    const base = evaluatePipeline(p, await tableFromRecords(rows), 'accuracy');
    expect(base).toMatchObject({ rows: 200, skipped: 0, unseen: 0 });

    // 20 rows relabelled to a class unseen in training, 10 with an empty target.
    const changed = rows.map((r, i) => (i < 20 ? { ...r, y: 'maybe' } : i < 30 ? { ...r, y: '' } : r));
    const table = await tableFromRecords(changed);
    const held = evaluatePipeline(p, table, 'accuracy');
    expect(held).toMatchObject({ rows: 190, skipped: 10, unseen: 20 });
    // Accuracy over the 190 counted rows: the unseen ones can never be right.
    const kept = await tableFromRecords(rows.slice(30));
    const correctOfKept = evaluatePipeline(p, kept, 'accuracy').primary! * 170;
    expect(held.primary).toBeCloseTo(correctOfKept / 190, 10);
    expect((held.metrics as { accuracy: number }).accuracy).toBeCloseTo(held.primary!, 10);

    // The orchestration's path (raw CSV cells) follows the same rule and gives the same figures.
    const cells = await readHeldOut([Buffer.from(csvOf(changed))]);
    for (const metric of ['accuracy', 'AUC_weighted', 'log_loss', 'f1_score_weighted']) {
      expect(evaluateOnHeldOut(p, cells, metric)).toBeCloseTo(evaluatePipeline(p, table, metric).primary!, 10);
    }
    expect(evaluateCells(p, cells)).toMatchObject({ rows: 190, skipped: 10, unseen: 20 });
  });

  test('metrics treat UNSEEN_CLASS rows as in n, never correct, negative for every class', () => {
    const proba = [0.9, 0.1, 0.2, 0.8, 0.6, 0.4];
    const y = [0, 1, UNSEEN_CLASS];
    const m = classificationMetrics(proba, y, ['a', 'b']);
    expect(m.accuracy).toBeCloseTo(2 / 3, 10);
    expect(m.confusion_matrix.matrix).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(metricValue('binary', 'accuracy', proba, y, ['a', 'b'])).toBeCloseTo(2 / 3, 10);
    // The unseen row's true class has probability 0: log loss adds -log(1e-15)/n.
    expect(logLoss(proba, y, 2)).toBeCloseTo((-Math.log(0.9) - Math.log(0.8) - Math.log(1e-15)) / 3, 10);
    expect(metricValue('binary', 'log_loss', proba, y, ['a', 'b'])).toBeCloseTo(m.log_loss, 10);
  });

  test('a held-out split without the target column is refused with a code', () => {
    expect(() => evaluateCells(p, { cells: { x1: ['1'] }, n: 1 })).toThrow(expect.objectContaining({ code: 'TARGET_MISSING' }));
  });
});
