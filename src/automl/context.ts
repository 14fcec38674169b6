/**
 * Builds the training context (binned tree features, standardised linear features, labels) once per
 * run, in SharedArrayBuffers, and moves it to worker threads without copying the data.
 */
import { binDataset, BinnedDataset } from './binning';
import { computeFeatures, featureSteps, ColumnPlan, TargetInfo } from './featurize';
import type { FeatureStep, Task } from './pipeline';
import type { Table } from './table';
import type { TrainContext } from './learners/types';

export interface BuiltContext {
  ctx: TrainContext;
  steps: { tree: FeatureStep[]; linear: FeatureStep[] };
}

export function buildContext(table: Table, plans: ColumnPlan[], target: TargetInfo, opts: { maxBins?: number; linear?: boolean } = {}): BuiltContext {
  const n = target.rows.length;
  const treeSteps = featureSteps(plans, 'tree');
  const linearSteps = featureSteps(plans, 'linear');
  const treeFeatures = computeFeatures(table, treeSteps, target.rows);
  // Ordinal category codes get native categorical splits (GBDT); other features are numeric.
  const categorical: boolean[] = [];
  for (const st of treeSteps) {
    const w = st.kind === 'onehot' ? st.categories.length : 1;
    for (let k = 0; k < w; k++) categorical.push(st.kind === 'lookup' && st.encoding === 'ordinal');
  }
  // Bins hold at least ~8 rows each on small data (32 to 255 bins): split scans and histogram
  // subtraction cost per bin, which dominates trials on a few hundred rows (and wide tables), while
  // thresholds finer than a few rows change little when leaves need 20 rows.
  const maxBins = opts.maxBins ?? Math.min(255, Math.max(32, Math.round(n / 8)));
  const ds = binDataset(treeFeatures.X, n, treeFeatures.nFeat, maxBins, true, categorical);
  // The float tree features are not needed once binned (thresholds live in ds).
  const linear = opts.linear === false ? { X: new Float32Array(0), nFeat: 0, names: [] as string[] } : computeFeatures(table, linearSteps, target.rows, true);
  const y = new Float64Array(new SharedArrayBuffer(n * 8));
  y.set(target.y);
  return {
    ctx: {
      task: target.task,
      n,
      C: target.classes.length,
      y,
      tree: { ds, names: treeFeatures.names },
      linear: { X: linear.X, nFeat: linear.nFeat ?? 0, names: linear.names },
    },
    steps: { tree: treeSteps, linear: linearSteps },
  };
}

/** Structured-clone friendly form (typed arrays on SharedArrayBuffers are shared, not copied). */
export interface ContextMessage {
  task: Task;
  n: number;
  C: number;
  y: Float64Array;
  tree: { bins: Uint8Array; nBins: Int32Array; thresholds: Float32Array[]; catValues?: (Float32Array | null)[]; nFeat: number; names: string[] };
  linear: { X: Float32Array; nFeat: number; names: string[] };
  trainSets?: Int32Array[];
}

export function contextToMessage(ctx: TrainContext): ContextMessage {
  const ds = ctx.tree.ds;
  return {
    task: ctx.task,
    n: ctx.n,
    C: ctx.C,
    y: ctx.y,
    tree: { bins: ds.bins, nBins: ds.nBins, thresholds: ds.thresholds, catValues: ds.catValues, nFeat: ds.nFeat, names: ctx.tree.names },
    linear: ctx.linear,
    trainSets: ctx.trainSets,
  };
}

export function contextFromMessage(m: ContextMessage): TrainContext {
  const ds: BinnedDataset = {
    n: m.n,
    nFeat: m.tree.nFeat,
    bins: m.tree.bins,
    nBins: m.tree.nBins,
    thresholds: m.tree.thresholds,
    ...(m.tree.catValues ? { catValues: m.tree.catValues } : {}),
  };
  return { task: m.task, n: m.n, C: m.C, y: m.y, tree: { ds, names: m.tree.names }, linear: m.linear, trainSets: m.trainSets };
}
