/**
 * Metrics of a FittedPipeline on a held-out table (the orchestration scores champion vs challenger on a
 * test split). Scores with the reference scorer (score.ts), so what is measured is what is served.
 */
import { loadTable, type AutoMLInput } from './automl';
import { AutoMLError } from './errors';
import { classificationMetrics, ClassificationMetrics, regressionMetrics, RegressionMetrics } from './metrics';
import type { FittedPipeline } from './pipeline';
import { ColumnTable, scoreColumns } from './score';
import { cellString, getColumn, Table } from './table';

export interface HeldOutEvaluation {
  /** Rows scored (rows with a target value of a known class). */
  rows: number;
  /** Rows skipped: no target value, or a class the model never saw. */
  skipped: number;
  metrics: ClassificationMetrics | RegressionMetrics;
}

/** The scorer's columnar input for a table: numeric columns as numbers (NaN missing), others as strings. */
export function toColumnTable(p: FittedPipeline, table: Table, rows: Int32Array): ColumnTable {
  const out: ColumnTable = {};
  for (const input of p.inputs) {
    const col = getColumn(table, input.name);
    if (input.kind === 'numeric') out[input.name] = Float64Array.from(rows, (i) => col.numeric[i]);
    else out[input.name] = Array.from(rows, (i) => cellString(col, i));
  }
  return out;
}

export function evaluatePipeline(p: FittedPipeline, table: Table): HeldOutEvaluation {
  const tcol = getColumn(table, p.target);
  const keep: number[] = [];
  const y: number[] = [];
  const classIndex = new Map(p.classes.map((c, k) => [c, k]));
  for (let i = 0; i < table.nRows; i++) {
    if (p.task === 'regression') {
      const v = tcol.numeric[i];
      if (!Number.isNaN(v)) (keep.push(i), y.push(v));
    } else {
      const k = classIndex.get(cellString(tcol, i));
      if (k !== undefined) (keep.push(i), y.push(k));
    }
  }
  if (keep.length === 0) throw new AutoMLError('TARGET_EMPTY', `no row of the held-out table has a usable "${p.target}" value`);
  const rows = Int32Array.from(keep);
  const scores = scoreColumns(p, toColumnTable(p, table, rows));
  const yy = Float64Array.from(y);
  const metrics =
    p.task === 'regression'
      ? regressionMetrics(scores.labels as Float64Array, yy)
      : classificationMetrics(scores.probabilities!, yy, p.classes, { curves: true });
  return { rows: keep.length, skipped: table.nRows - keep.length, metrics };
}

/** Same as evaluatePipeline, for a CSV file, stream or parsed rows (see AutoMLInput). */
export async function evaluatePipelineOn(p: FittedPipeline, input: AutoMLInput): Promise<HeldOutEvaluation> {
  return evaluatePipeline(p, await loadTable(input));
}
