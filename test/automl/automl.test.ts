import { Readable } from 'node:stream';
import { evaluatePipeline, evaluatePipelineOn, runAutoML, tableFromRecords, AutoMLResult } from '../../src/automl';
import { findWorkerScript } from '../../src/automl/executor';
import { scoreColumns } from '../../src/automl/score';
import { toColumnTable } from '../../src/automl/evaluate';
import { Rng } from '../../src/automl/random';
import { synthBinary } from './helpers';

const stable = (r: AutoMLResult) => r.leaderboard.map((e) => ({ trial: e.trial, learner: e.learner, params: e.params, score: e.score, members: e.members }));

describe('runAutoML', () => {
  test('binary: finds a good model, the fitted pipeline scores held-out rows, outputs are complete', async () => {
    const train = await tableFromRecords(synthBinary(800, 1));
    const test = await tableFromRecords(synthBinary(400, 2));
    const events: string[] = [];
    const r = await runAutoML(train, { target: 'y', maxTrials: 6, workers: 0, batchSize: 2, seed: 3, budgetSeconds: 600 }, (p) => events.push(p.phase));
    expect(r.task).toBe('binary');
    expect(r.classes).toEqual(['no', 'yes']);
    expect(r.primaryMetric).toBe('AUC_weighted');
    expect(r.leaderboard.filter((e) => e.learner !== 'VotingEnsemble').length).toBe(6);
    expect(new Set(r.leaderboard.map((e) => e.learner))).toEqual(expect.objectContaining(new Set(['gbdt', 'logistic_regression'])));
    expect(r.leaderboard[0]).toBe(r.best);
    expect(r.best.score).toBeGreaterThan(0.85);
    expect(events).toEqual(expect.arrayContaining(['load', 'featurize', 'search', 'refit', 'done']));
    expect(r.cvMetrics).toHaveProperty('confusion_matrix');
    expect(r.featureImportance[0].column).toMatch(/x1|x2|color/);
    expect(r.featureImportance.reduce((a, f) => a + f.importance, 0)).toBeCloseTo(1, 4);
    expect(r.pipeline.inputs.map((i) => i.name).sort()).toEqual(['color', 'noise', 'x1', 'x2']);
    const held = evaluatePipeline(r.pipeline, test);
    expect(held.rows).toBe(400);
    const cols = Object.keys(synthBinary(1, 2)[0]);
    const heldRows = [cols, ...synthBinary(400, 2).map((row) => cols.map((c) => (row[c] === null ? '' : String(row[c]))))];
    expect((await evaluatePipelineOn(r.pipeline, { rows: heldRows })).metrics).toEqual(held.metrics);
    expect((held.metrics as { AUC_weighted: number }).AUC_weighted).toBeGreaterThan(0.85);
    // The pipeline is plain JSON (it crosses threads and is stored beside the model).
    expect(JSON.parse(JSON.stringify(r.pipeline))).toEqual(r.pipeline);
    // Every finished trial carries its CV metrics and fit time.
    for (const e of r.leaderboard) {
      expect(e.metrics).toEqual(expect.objectContaining({ accuracy: expect.any(Number), log_loss: expect.any(Number) }));
      expect(e.fitSeconds).toBeGreaterThanOrEqual(0);
    }
  });

  test('reads CSV from a stream (a blob download) with the datasets CSV reader', async () => {
    const rows = synthBinary(120, 3);
    const cols = Object.keys(rows[0]);
    const text = [cols.join(';'), ...rows.map((r) => cols.map((c) => (r[c] === null ? '' : String(r[c]))).join(';'))].join('\r\n');
    const r = await runAutoML({ csv: Readable.from([Buffer.from('\ufeff' + text)]) }, { target: 'y', maxTrials: 2, workers: 0, budgetSeconds: 600 });
    expect(r.data.rows).toBe(120);
    expect(r.pipeline.inputs.map((i) => i.name).sort()).toEqual(['color', 'noise', 'x1', 'x2']);
  });

  test('reproducible: same seed, same leaderboard (in this thread and on worker threads)', async () => {
    const train = await tableFromRecords(synthBinary(500, 4));
    const opts = { target: 'y', maxTrials: 5, batchSize: 2, seed: 11, budgetSeconds: 600, reproducible: true };
    const a = await runAutoML(train, { ...opts, workers: 0 });
    const b = await runAutoML(train, { ...opts, workers: 0 });
    expect(stable(a)).toEqual(stable(b));
    expect(JSON.stringify(a.pipeline)).toBe(JSON.stringify(b.pipeline));
    if (findWorkerScript()) {
      const c = await runAutoML(train, { ...opts, workers: 2 });
      expect(stable(c)).toEqual(stable(a));
      expect(JSON.stringify(c.pipeline)).toBe(JSON.stringify(a.pipeline));
    }
    const d = await runAutoML(train, { ...opts, workers: 0, seed: 12 });
    expect(stable(d)).not.toEqual(stable(a));
  });

  test('big tables: trials train on a sample, the final model on every row; still deterministic', async () => {
    const train = await tableFromRecords(synthBinary(600, 6));
    const opts = { target: 'y', maxTrials: 4, workers: 0, batchSize: 2, budgetSeconds: 600, searchSampleRows: 200, seed: 2, reproducible: true };
    const a = await runAutoML(train, opts);
    expect(a.validation.searchSampleRows).toBe(200);
    expect(a.validation.finalModelRows).toBeUndefined();
    expect(a.best.score).toBeGreaterThan(0.8);
    const b = await runAutoML(train, opts);
    expect(stable(b)).toEqual(stable(a));
    const full = await runAutoML(train, { ...opts, searchSampleRows: undefined });
    expect(stable(full)).not.toEqual(stable(a));
  });

  test('regression and multiclass tasks are detected and learnt', async () => {
    const rng = new Rng(5);
    const recs = Array.from({ length: 400 }, () => {
      const a = rng.normal();
      const b = rng.normal();
      return { a, b, cat: rng.next() < 0.5 ? 'u' : 'v', target: 3 * a - b + 0.1 * rng.normal(), cls: a > 0.5 ? 'hi' : a < -0.5 ? 'lo' : 'mid' };
    });
    const t = await tableFromRecords(recs.map(({ cls, ...r }) => r));
    const reg = await runAutoML(t, { target: 'target', maxTrials: 4, workers: 0, batchSize: 2, budgetSeconds: 600 });
    expect(reg.task).toBe('regression');
    expect(reg.primaryMetric).toBe('normalized_root_mean_squared_error');
    expect((reg.cvMetrics as { r2_score: number }).r2_score).toBeGreaterThan(0.95);
    const m = await tableFromRecords(recs.map(({ target, ...r }) => r));
    const mc = await runAutoML(m, { target: 'cls', maxTrials: 4, workers: 0, batchSize: 2, budgetSeconds: 600, primaryMetric: 'accuracy' });
    expect(mc.task).toBe('multiclass');
    expect(mc.classes).toEqual(['hi', 'lo', 'mid']);
    expect(mc.best.score).toBeGreaterThan(0.9);
    const scored = scoreColumns(
      mc.pipeline,
      toColumnTable(
        mc.pipeline,
        m,
        Int32Array.from({ length: 400 }, (_, i) => i),
      ),
    );
    expect(scored.probabilities!.length).toBe(1200);
  });

  describe('bad input gives a clear error with a code', () => {
    const opts = { maxTrials: 2, workers: 0, budgetSeconds: 600 };
    test('target missing', async () => {
      const t = await tableFromRecords(synthBinary(50));
      await expect(runAutoML(t, { ...opts, target: 'nope' })).rejects.toMatchObject({ code: 'MISSING_COLUMN', message: expect.stringContaining('nope') });
    });
    test('one class', async () => {
      const t = await tableFromRecords(synthBinary(50).map((r) => ({ ...r, y: 'same' })));
      await expect(runAutoML(t, { ...opts, target: 'y' })).rejects.toMatchObject({ code: 'ONE_CLASS' });
    });
    test('an all-empty column is dropped; when it is the only feature there is nothing to learn', async () => {
      const t = await tableFromRecords(synthBinary(60).map((r) => ({ ...r, blank: null })));
      const r = await runAutoML(t, { ...opts, target: 'y' });
      const unusable = r.guardrails.find((g) => g.check === 'unusable_columns')!;
      expect(unusable.items).toEqual([expect.objectContaining({ column: 'blank', action: 'dropped' })]);
      const only = await tableFromRecords(synthBinary(60).map((r) => ({ blank: null, y: r.y })));
      await expect(runAutoML(only, { ...opts, target: 'y' })).rejects.toMatchObject({ code: 'NO_FEATURES' });
    });
    test('text in a numeric target for regression', async () => {
      const t = await tableFromRecords(Array.from({ length: 40 }, (_, i) => ({ x: i, y: i === 7 ? 'seven' : i * 2.5 })));
      await expect(runAutoML(t, { ...opts, target: 'y', task: 'regression' })).rejects.toMatchObject({
        code: 'TARGET_NOT_NUMERIC',
        message: expect.stringContaining('seven'),
      });
    });
    test('a single row, or no rows', async () => {
      const t = await tableFromRecords([{ x: 1, y: 'a' }]);
      await expect(runAutoML(t, { ...opts, target: 'y', task: 'binary' })).rejects.toMatchObject({ code: expect.stringMatching(/ONE_CLASS|TOO_FEW_ROWS/) });
      const two = await tableFromRecords([
        { x: 1, y: 'a' },
        { x: 2, y: 'b' },
      ]);
      await expect(runAutoML(two, { ...opts, target: 'y' })).rejects.toMatchObject({ code: 'TOO_FEW_ROWS' });
      await expect(runAutoML({ rows: [['x', 'y']] }, { ...opts, target: 'y' })).rejects.toMatchObject({ code: 'EMPTY_INPUT' });
    });
    test('an unknown learner name, or no learner left for the task', async () => {
      const t = await tableFromRecords(synthBinary(50));
      await expect(runAutoML(t, { ...opts, target: 'y', allowedLearners: ['xgboost'] })).rejects.toMatchObject({
        code: 'BAD_OPTION',
        message: expect.stringContaining('gbdt'),
      });
      await expect(runAutoML(t, { ...opts, target: 'y', allowedLearners: ['ridge'] })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    });
    test('a metric that does not fit the task', async () => {
      const t = await tableFromRecords(synthBinary(50));
      await expect(runAutoML(t, { ...opts, target: 'y', primaryMetric: 'r2_score' })).rejects.toMatchObject({ code: 'BAD_OPTION' });
    });
  });
});
