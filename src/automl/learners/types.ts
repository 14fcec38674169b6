/**
 * What every learner provides (FLAML style: the estimator, its search space and its cost side by side),
 * and the training context they share: one binned dataset for tree learners, one standardised float
 * matrix for linear learners, the labels, and the task.
 */
import type { BinnedDataset } from '../binning';
import type { Flavor } from '../featurize';
import type { Model, PostTransform, Task } from '../pipeline';

export interface TrainContext {
  task: Task;
  n: number;
  /** Number of classes (0 for regression). */
  C: number;
  /** Class index (classification) or value (regression) per row. */
  y: Float64Array;
  tree: { ds: BinnedDataset; names: string[] };
  linear: { X: Float32Array; nFeat: number; names: string[] };
  /**
   * Training rows of each validation fold when the search trains on a sample (big tables); absent =
   * every row outside the fold.
   */
  trainSets?: Int32Array[];
}

/** Prediction width: C probabilities per row for classification, one value for regression. */
export function predWidth(ctx: { task: Task; C: number }): number {
  return ctx.task === 'regression' ? 1 : ctx.C;
}

export interface Dim {
  type: 'int' | 'float';
  low: number;
  high: number;
  log?: boolean;
  /** The cheap starting value (cost-frugal search starts here). */
  init: number;
}

export type Params = Record<string, number>;

/** What the search knows of the data before its first trial. */
export interface DataFacts {
  /** Rows (of the binned tree features) looked at, and how many distinct feature rows they hold. */
  rows: number;
  distinctRows: number;
}

export interface CVOutput {
  /** Out-of-fold predictions, n x predWidth, filled on the evaluated rows. */
  oof: Float64Array;
  /** Learner-specific facts learnt during CV that the final fit reuses (e.g. the best iteration). */
  extra: Record<string, number>;
}

export interface FullOutput {
  model: Model;
  post: PostTransform;
  /** Gain (trees) or |standardised coefficient| (linear) per feature of the learner's flavor. */
  importance: Float64Array;
}

export interface Learner {
  name: string;
  flavor: Flavor;
  tasks: Task[];
  space: Record<string, Dim>;
  /** Extra starting points known to be good on tabular data (tried after the cheap one). */
  seeds?: Params[];
  /** The seeds for these data where they depend on them (undefined: `seeds`). */
  seedsFor?(facts: DataFacts): Params[] | undefined;
  /** Relative cost of one CV trial with these params, in arbitrary units comparable across learners. */
  cost(params: Params, n: number, nFeat: number): number;
  /** Out-of-fold predictions; throws TrialTimeout (executor.ts) once Date.now() passes `deadline`. */
  cv(ctx: TrainContext, params: Params, folds: Int32Array[], seed: number, deadline?: number): CVOutput;
  /** The final model, on `rows` (default: every row). */
  fit(ctx: TrainContext, params: Params, extra: Record<string, number>, seed: number, rows?: Int32Array): FullOutput;
}

/** The rows a trial trains on for validation fold k. */
export function trainRowsOf(ctx: TrainContext, k: number, fold: Int32Array): Int32Array {
  return ctx.trainSets?.[k] ?? complement(ctx.n, fold);
}

/** Rows not in `fold` (all rows when fold is empty). */
export function complement(n: number, fold: Int32Array): Int32Array {
  const mark = new Uint8Array(n);
  for (let k = 0; k < fold.length; k++) mark[fold[k]] = 1;
  const out = new Int32Array(n - fold.length);
  let j = 0;
  for (let i = 0; i < n; i++) if (!mark[i]) out[j++] = i;
  return out;
}

export function allRows(n: number): Int32Array {
  const r = new Int32Array(n);
  for (let i = 0; i < n; i++) r[i] = i;
  return r;
}

/** Throws when the trial's deadline has passed (checked between iterations / folds / trees). */
export function checkDeadline(deadline: number | undefined): void {
  if (deadline !== undefined && Date.now() > deadline) throw new DeadlineError();
}

export class DeadlineError extends Error {
  constructor() {
    super('trial stopped at the deadline');
    this.name = 'TrialTimeout';
  }
}
