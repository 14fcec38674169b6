/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// The two held-out paths agree: a model trained by the engine, evaluated by its FittedPipeline
// (evaluateCells) and by its ONNX model in onnxruntime (evaluateOnnxCells), as exported and after a
// round trip through Azure AutoML's conventions (the emulator's converter, then adaptToContract).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { evaluateCells, runAutoML, tableFromRows } from '../../../src/automl';
import { exportOnnx } from '../../../src/automl/onnx';
import { evaluateOnnxCells } from '../../../src/automl/onnx/evaluate';
import type { FittedPipeline } from '../../../src/automl/pipeline';
import { adaptToContract } from '../../../src/contract/adapt';
import { toAzureConventions } from '../../../emulators/azureml/automl/azureOnnx';
import type { HeldOut } from '../../../src/pipeline/evaluate';

const lines = fs
  .readFileSync(path.join(__dirname, '..', '..', '..', 'samples', 'bankmarketing_train.csv'), 'utf8')
  .split(/\r?\n/)
  .filter(Boolean);
const header = lines[0].split(',');
const cells = lines.slice(1).map((l) => l.split(','));

/**
 * Held-out cells as the orchestration reads them, with blanked cells (none in `keep`), empty targets and
 * an unseen class.
 */
function heldOut(rows: string[][], target: string, unseen: string, keep: string[] = []): HeldOut {
  const out: Record<string, string[]> = Object.fromEntries(header.map((h) => [h, [] as string[]]));
  rows.forEach((r, i) =>
    header.forEach((h, j) => {
      let v = r[j] ?? '';
      if (h === target && i % 37 === 0) v = '';
      else if (h === target && i % 41 === 0) v = unseen;
      else if (h !== target && !keep.includes(h) && (i + j) % 23 === 0) v = '';
      out[h].push(v);
    }),
  );
  return { header, cells: out, n: rows.length };
}

describe('held-out evaluation: FittedPipeline and ONNX paths agree', () => {
  let clf: FittedPipeline;
  let reg: FittedPipeline;
  beforeAll(async () => {
    const train = cells.slice(0, 1500);
    clf = (await runAutoML(await tableFromRows([header, ...train]), { target: 'y', maxTrials: 3, workers: 0, seed: 7, budgetSeconds: 600 })).pipeline;
    reg = (
      await runAutoML(await tableFromRows([header, ...train]), { target: 'age', task: 'regression', maxTrials: 2, workers: 0, seed: 7, budgetSeconds: 600 })
    ).pipeline;
  }, 180_000);

  test('classification: every metric within 1e-6, the same rows, skips and unseen classes', async () => {
    // An int64 input (Azure's type for integer columns) has no missing value: the Azure-style model is
    // compared on rows whose integer cells are all present (see docs/azure.md).
    const ints = ['age', 'duration', 'campaign', 'pdays', 'previous'];
    const data = heldOut(cells.slice(20000, 21000), 'y', 'maybe');
    const dataInts = heldOut(cells.slice(20000, 21000), 'y', 'maybe', ints);
    const onnxModel = exportOnnx(clf);
    const azureRoundTrip = adaptToContract(toAzureConventions(onnxModel, { intColumns: ints })).bytes;
    for (const metric of ['AUC_weighted', 'accuracy', 'log_loss', 'f1_score_weighted', 'average_precision_score_weighted']) {
      for (const [bytes, d] of [
        [onnxModel, data],
        [azureRoundTrip, dataInts],
      ] as const) {
        const a = evaluateCells(clf, d, metric);
        expect(a.unseen).toBeGreaterThan(0);
        expect(a.skipped).toBeGreaterThan(0);
        const b = await evaluateOnnxCells(bytes, d, metric, 'y');
        expect({ rows: b.rows, skipped: b.skipped, unseen: b.unseen }).toEqual({ rows: a.rows, skipped: a.skipped, unseen: a.unseen });
        expect(Math.abs(b.primary! - a.primary!)).toBeLessThan(1e-6);
      }
    }
  });

  test('regression: the same figures within 1e-6', async () => {
    const data = heldOut(cells.slice(21000, 21800), 'age', 'not a number', ['duration', 'campaign']);
    const azure = adaptToContract(toAzureConventions(exportOnnx(reg), { intColumns: ['duration', 'campaign'] }), { target: 'age' }).bytes;
    for (const metric of ['normalized_root_mean_squared_error', 'r2_score', 'spearman_correlation']) {
      const a = evaluateCells(reg, data, metric);
      for (const bytes of [exportOnnx(reg), azure]) {
        const b = await evaluateOnnxCells(bytes, data, metric);
        expect(b.rows).toBe(a.rows);
        expect(Math.abs(b.primary! - a.primary!)).toBeLessThan(1e-6);
      }
    }
  });

  test('a split without the target column is refused with a code', async () => {
    const data = heldOut(cells.slice(20000, 20050), 'y', 'maybe');
    const { y: _y, ...noTarget } = data.cells;
    await expect(evaluateOnnxCells(exportOnnx(clf), { ...data, cells: noTarget }, 'accuracy')).rejects.toMatchObject({ code: 'TARGET_MISSING' });
  });
});
