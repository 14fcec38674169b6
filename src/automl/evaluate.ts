/**
 * Held-out evaluation of a FittedPipeline: the one evaluator of the project. The orchestration scores
 * champion and challenger on a run's test split with it, the AutoML benches score their unseen rows with
 * it. Scores with the reference scorer (score.ts), so what is measured is what is served. A model with
 * no FittedPipeline (trained by Azure's own AutoML, ONNX only) is scored in onnxruntime by
 * onnx/evaluate.ts, which hands its scores to evaluateScores here: the same rule, the same metrics.
 *
 * One rule for the target column:
 * - a row with no target value (empty, or not a number for regression) is skipped: there is nothing to
 *   compare with;
 * - a row whose class the model never saw in training counts against the model: it stays in every count,
 *   it is never a correct prediction, it is a negative in every class's one-vs-rest curve and its true
 *   class has probability 0 in the log loss (see metrics.ts, UNSEEN_CLASS). Dropping such rows would
 *   reward a model for not knowing a class, and two models compared on the same split see the same rows.
 */
import { loadTable, type AutoMLInput } from './automl';
import { AutoMLError } from './errors';
import { classificationMetrics, ClassificationMetrics, metricValue, regressionMetrics, RegressionMetrics, UNSEEN_CLASS } from './metrics';
import type { FittedPipeline, InputColumn, Task } from './pipeline';
import { ColumnScores, ColumnTable, scoreColumns } from './score';
import { cellString, getColumn, parseNumber, Table } from './table';

export interface HeldOutEvaluation {
  /** Rows scored (rows with a target value). */
  rows: number;
  /** Rows skipped: no target value. */
  skipped: number;
  /** Scored rows whose class the model never saw (counted as wrong). */
  unseen: number;
  metrics: ClassificationMetrics | RegressionMetrics;
  /** The value of the metric asked for (the run's primary metric), computed as cross-validation does. */
  primary?: number;
}

/** Raw held-out columns: the cells of each column as read from the CSV, and the row count. */
export interface HeldOutCells {
  cells: Record<string, ArrayLike<string>>;
  n: number;
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

/**
 * The scorer's columnar input for raw cells: numeric cells parsed as the engine parses a CSV
 * (parseNumber; NaN = missing), categorical cells as they are. Columns the model needs but the split
 * lacks are passed as missing, as the scoring endpoint would. Shared by the ONNX path (onnx/evaluate.ts).
 */
export function cellsToColumns(inputs: readonly InputColumn[], data: HeldOutCells): ColumnTable {
  const out: ColumnTable = {};
  for (const input of inputs) {
    const col = data.cells[input.name];
    if (input.kind === 'numeric') {
      const a = new Float32Array(data.n).fill(NaN);
      if (col) for (let i = 0; i < data.n; i++) a[i] = parseNumber(col[i]);
      out[input.name] = a;
    } else {
      out[input.name] = col ?? new Array<string>(data.n).fill('');
    }
  }
  return out;
}

/** What the rule needs to know of a model: its task, class order (classification) and target column. */
export interface EvaluatedModel {
  task: Task;
  /** Class order of the probabilities ([] for regression). */
  classes: readonly string[];
  target: string;
}

/**
 * The one rule: which rows count, and each counted row's target (a class index, UNSEEN_CLASS, or a
 * number). Exported so every way of scoring a held-out split (pipeline, ONNX) applies the same rule.
 */
export function encodeTarget(m: Pick<EvaluatedModel, 'task' | 'classes'>, target: ArrayLike<string>): { keep: number[]; y: Float64Array; unseen: number } {
  const keep: number[] = [];
  const y: number[] = [];
  let unseen = 0;
  const classIndex = new Map(m.classes.map((c, k) => [c, k]));
  for (let i = 0; i < target.length; i++) {
    const s = target[i];
    if (m.task === 'regression') {
      const v = parseNumber(s);
      if (!Number.isNaN(v)) (keep.push(i), y.push(v));
      continue;
    }
    if (s.trim() === '') continue;
    const k = classIndex.get(s);
    if (k === undefined) unseen++;
    keep.push(i);
    y.push(k ?? UNSEEN_CLASS);
  }
  return { keep, y: Float64Array.from(y), unseen };
}

/**
 * The held-out figures from a model's scores of every row (labels, probabilities in class order):
 * the rule above, then the metrics and the primary metric as cross-validation computes them.
 */
export function evaluateScores(m: EvaluatedModel, scores: ColumnScores, target: ArrayLike<string>, metric?: string): HeldOutEvaluation {
  const { keep, y, unseen } = encodeTarget(m, target);
  if (keep.length === 0) throw new AutoMLError('TARGET_EMPTY', `no row of the held-out table has a usable "${m.target}" value`);
  const classes = [...m.classes];
  const n = target.length;
  let pred: Float64Array;
  if (m.task === 'regression') {
    const labels = scores.labels as ArrayLike<number>;
    pred = Float64Array.from(keep, (i) => labels[i]);
  } else {
    const C = classes.length;
    const proba = scores.probabilities;
    if (!proba) throw new AutoMLError('MODEL_NOT_EVALUABLE', 'the classifier gave no class probabilities to evaluate');
    pred = new Float64Array(keep.length * C);
    keep.forEach((i, r) => {
      for (let c = 0; c < C; c++) pred[r * C + c] = proba[i * C + c];
    });
  }
  const metrics = m.task === 'regression' ? regressionMetrics(pred, y) : classificationMetrics(pred, y, classes, { curves: true });
  const primary = metric === undefined ? undefined : metricValue(m.task, metric, pred, y, classes);
  return { rows: keep.length, skipped: n - keep.length, unseen, metrics, primary };
}

function evaluateColumns(p: FittedPipeline, inputs: ColumnTable, target: ArrayLike<string>, metric?: string): HeldOutEvaluation {
  // The rule first: a split with no usable target fails before any scoring.
  if (encodeTarget(p, target).keep.length === 0) throw new AutoMLError('TARGET_EMPTY', `no row of the held-out table has a usable "${p.target}" value`);
  return evaluateScores(p, scoreColumns(p, inputs), target, metric);
}

/** Held-out metrics of a pipeline on a parsed table (bench and tests). */
export function evaluatePipeline(p: FittedPipeline, table: Table, metric?: string): HeldOutEvaluation {
  const all = Int32Array.from({ length: table.nRows }, (_, i) => i);
  const tcol = getColumn(table, p.target);
  const target = Array.from(all, (i) => cellString(tcol, i));
  return evaluateColumns(p, toColumnTable(p, table, all), target, metric);
}

/** Held-out metrics of a pipeline on raw CSV cells (the orchestration's test split). */
export function evaluateCells(p: FittedPipeline, data: HeldOutCells, metric?: string): HeldOutEvaluation {
  const target = data.cells[p.target];
  if (!target) throw new AutoMLError('TARGET_MISSING', `the held-out split has no target column "${p.target}"`);
  return evaluateColumns(p, cellsToColumns(p.inputs, data), target, metric);
}

/** Same as evaluatePipeline, for a CSV file, stream or parsed rows (see AutoMLInput). */
export async function evaluatePipelineOn(p: FittedPipeline, input: AutoMLInput, metric?: string): Promise<HeldOutEvaluation> {
  return evaluatePipeline(p, await loadTable(input), metric);
}
