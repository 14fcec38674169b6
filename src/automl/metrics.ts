/**
 * Metrics named as in Azure AutoML. Predictions are flat typed arrays: classification probabilities are
 * row-major [n x C] in class order; regression predictions are [n]. Labels are class indices.
 */
import type { Task } from './pipeline';

export const CLASSIFICATION_METRICS = [
  'AUC_weighted',
  'accuracy',
  'average_precision_score_weighted',
  'f1_score_weighted',
  'norm_macro_recall',
  'log_loss',
] as const;
export const REGRESSION_METRICS = ['normalized_root_mean_squared_error', 'r2_score', 'spearman_correlation'] as const;
export type PrimaryMetric = (typeof CLASSIFICATION_METRICS)[number] | (typeof REGRESSION_METRICS)[number];

export function isLowerBetter(metric: string): boolean {
  return metric === 'log_loss' || metric.includes('error');
}

export function isMetricFor(task: Task, metric: string): boolean {
  return task === 'regression' ? (REGRESSION_METRICS as readonly string[]).includes(metric) : (CLASSIFICATION_METRICS as readonly string[]).includes(metric);
}

/**
 * Binary AUC of scores against 0/1 labels, ties counted half (Mann-Whitney). NaN when one class is
 * absent. Positive and negative scores are sorted separately with the native typed-array sort and
 * merged, which is several times faster than an index sort with a comparator.
 */
export function binaryAuc(score: ArrayLike<number>, positive: ArrayLike<boolean | number>, rows?: ArrayLike<number>): number {
  const n = rows ? rows.length : score.length;
  let nPos = 0;
  for (let k = 0; k < n; k++) if (positive[rows ? rows[k] : k]) nPos++;
  const nNeg = n - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(nNeg);
  let a = 0;
  let b = 0;
  for (let k = 0; k < n; k++) {
    const i = rows ? rows[k] : k;
    if (positive[i]) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  pos.sort();
  neg.sort();
  // For each positive: negatives strictly below count 1, equal count 1/2.
  let below = 0;
  let upto = 0;
  let sum = 0;
  for (let k = 0; k < nPos; k++) {
    const s = pos[k];
    while (below < nNeg && neg[below] < s) below++;
    if (upto < below) upto = below;
    while (upto < nNeg && neg[upto] === s) upto++;
    sum += below + (upto - below) / 2;
  }
  return sum / (nPos * nNeg);
}

/**
 * Average precision (sklearn's definition: sum over thresholds of (R_k - R_{k-1}) * P_k, ties grouped).
 * Positive and negative scores are sorted separately (native typed sort) and merged from the top.
 */
export function binaryAveragePrecision(score: ArrayLike<number>, positive: ArrayLike<boolean | number>): number {
  const n = score.length;
  let nPos = 0;
  for (let i = 0; i < n; i++) if (positive[i]) nPos++;
  if (nPos === 0) return NaN;
  const pos = new Float64Array(nPos);
  const neg = new Float64Array(n - nPos);
  let a = 0;
  let b = 0;
  for (let i = 0; i < n; i++) {
    if (positive[i]) pos[a++] = score[i];
    else neg[b++] = score[i];
  }
  pos.sort();
  neg.sort();
  let p = nPos - 1;
  let q = neg.length - 1;
  let tp = 0;
  let fp = 0;
  let ap = 0;
  let prevRecall = 0;
  while (p >= 0 || q >= 0) {
    // The next threshold: the largest score not yet consumed; take every row at it.
    const t = p < 0 ? neg[q] : q < 0 ? pos[p] : Math.max(pos[p], neg[q]);
    while (p >= 0 && pos[p] === t) (tp++, p--);
    while (q >= 0 && neg[q] === t) (fp++, q--);
    const recall = tp / nPos;
    ap += (recall - prevRecall) * (tp / (tp + fp));
    prevRecall = recall;
  }
  return ap;
}

export interface ConfusionMatrix {
  classes: string[];
  /** matrix[true][predicted] */
  matrix: number[][];
}

export interface ClassificationMetrics {
  AUC_weighted: number;
  AUC_macro: number;
  accuracy: number;
  balanced_accuracy: number;
  average_precision_score_weighted: number;
  precision_score_weighted: number;
  recall_score_weighted: number;
  f1_score_weighted: number;
  f1_score_macro: number;
  norm_macro_recall: number;
  log_loss: number;
  confusion_matrix: ConfusionMatrix;
  /** Binary only: ROC and precision-recall curves of the positive (last) class, at most ~100 points. */
  roc_curve?: { fpr: number[]; tpr: number[]; threshold: number[] };
  pr_curve?: { precision: number[]; recall: number[]; threshold: number[] };
}

export interface RegressionMetrics {
  normalized_root_mean_squared_error: number;
  root_mean_squared_error: number;
  mean_absolute_error: number;
  normalized_mean_absolute_error: number;
  r2_score: number;
  spearman_correlation: number;
  /** A sample of (actual, predicted) pairs for predicted-vs-actual and residual plots (chosen model only). */
  predicted_vs_actual?: { actual: number[]; predicted: number[] };
}

/**
 * Up to `max` (actual, predicted) pairs, evenly spread over the rows in their order (deterministic), to
 * 6 significant digits: what a predicted-vs-actual or residual plot needs, a few KB in metrics.json.
 */
export function predictedVsActual(pred: ArrayLike<number>, y: ArrayLike<number>, max = 400): { actual: number[]; predicted: number[] } {
  const n = y.length;
  const take = Math.min(n, max);
  const actual: number[] = [];
  const predicted: number[] = [];
  const round = (v: number) => Number(v.toPrecision(6));
  for (let k = 0; k < take; k++) {
    const i = Math.floor((k * n) / take);
    if (!Number.isFinite(y[i]) || !Number.isFinite(pred[i])) continue;
    actual.push(round(y[i]));
    predicted.push(round(pred[i]));
  }
  return { actual, predicted };
}

/** Predicted class = argmax probability (ties to the first class). */
export function argmaxRows(proba: ArrayLike<number>, n: number, C: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < C; c++) if (proba[i * C + c] > proba[i * C + best]) best = c;
    out[i] = best;
  }
  return out;
}

/**
 * The target of a held-out row whose class the model never saw (evaluate.ts). Every classification metric
 * counts such a row against the model: it is in n, never correct, a negative for every class, and its
 * true class has probability 0 (clipped) in the log loss.
 */
export const UNSEEN_CLASS = -1;

export function logLoss(proba: ArrayLike<number>, y: ArrayLike<number>, C: number): number {
  const n = y.length;
  let s = 0;
  for (let i = 0; i < n; i++) {
    if (y[i] < 0) {
      s -= Math.log(1e-15);
      continue;
    }
    // Renormalise like sklearn, then clip.
    let z = 0;
    for (let c = 0; c < C; c++) z += proba[i * C + c];
    const p = Math.min(Math.max(proba[i * C + y[i]] / (z || 1), 1e-15), 1 - 1e-15);
    s -= Math.log(p);
  }
  return s / n;
}

export function classificationMetrics(
  proba: ArrayLike<number>,
  y: ArrayLike<number>,
  classes: string[],
  opts: { curves?: boolean } = {},
): ClassificationMetrics {
  const n = y.length;
  const C = classes.length;
  const pred = argmaxRows(proba, n, C);
  const support = new Float64Array(C);
  const cm = classes.map(() => new Array<number>(C).fill(0));
  for (let i = 0; i < n; i++) {
    if (y[i] < 0) continue; // UNSEEN_CLASS: in n, in no class's row of the matrix, never correct
    support[y[i]]++;
    cm[y[i]][pred[i]]++;
  }
  let correct = 0;
  for (let c = 0; c < C; c++) correct += cm[c][c];
  const precision = new Float64Array(C);
  const recall = new Float64Array(C);
  const f1 = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    let predC = 0;
    for (let t = 0; t < C; t++) predC += cm[t][c];
    precision[c] = predC > 0 ? cm[c][c] / predC : 0;
    recall[c] = support[c] > 0 ? cm[c][c] / support[c] : 0;
    f1[c] = precision[c] + recall[c] > 0 ? (2 * precision[c] * recall[c]) / (precision[c] + recall[c]) : 0;
  }
  const w = (arr: Float64Array) => {
    let s = 0;
    for (let c = 0; c < C; c++) s += arr[c] * support[c];
    return s / n;
  };
  const present = Array.from(support).filter((s) => s > 0).length || 1;
  let macroRecall = 0;
  let macroF1 = 0;
  for (let c = 0; c < C; c++) if (support[c] > 0) ((macroRecall += recall[c]), (macroF1 += f1[c]));
  macroRecall /= present;
  macroF1 /= present;

  // One-vs-rest AUC and average precision per class.
  const aucs = new Float64Array(C);
  const aps = new Float64Array(C);
  const col = new Float64Array(n);
  const isC = new Uint8Array(n);
  for (let c = 0; c < C; c++) {
    if (C === 2 && c === 0) continue;
    for (let i = 0; i < n; i++) {
      col[i] = proba[i * C + c];
      isC[i] = y[i] === c ? 1 : 0;
    }
    aucs[c] = binaryAuc(col, isC);
    aps[c] = binaryAveragePrecision(col, isC);
    if (C === 2) {
      aucs[0] = aucs[1];
      // AP of class 0 uses its own scores (1 - p1), as sklearn does.
      for (let i = 0; i < n; i++) ((col[i] = proba[i * C]), (isC[i] = y[i] === 0 ? 1 : 0));
      aps[0] = binaryAveragePrecision(col, isC);
    }
  }
  let aucW = 0;
  let aucM = 0;
  let apW = 0;
  for (let c = 0; c < C; c++) {
    if (support[c] === 0) continue;
    aucW += (aucs[c] * support[c]) / n;
    aucM += aucs[c] / present;
    apW += (aps[c] * support[c]) / n;
  }
  const m: ClassificationMetrics = {
    AUC_weighted: aucW,
    AUC_macro: aucM,
    accuracy: correct / n,
    balanced_accuracy: macroRecall,
    average_precision_score_weighted: apW,
    precision_score_weighted: w(precision),
    recall_score_weighted: w(recall),
    f1_score_weighted: w(f1),
    f1_score_macro: macroF1,
    norm_macro_recall: C > 1 ? Math.max(0, (macroRecall - 1 / C) / (1 - 1 / C)) : 0,
    log_loss: logLoss(proba, y, C),
    confusion_matrix: { classes, matrix: cm },
  };
  if (opts.curves && C === 2) Object.assign(m, binaryCurves(proba, y));
  return m;
}

function binaryCurves(proba: ArrayLike<number>, y: ArrayLike<number>) {
  const n = y.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => proba[b * 2 + 1] - proba[a * 2 + 1]);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) nPos++;
  const nNeg = n - nPos;
  const roc = { fpr: [0] as number[], tpr: [0] as number[], threshold: [1] as number[] };
  const pr = { precision: [] as number[], recall: [] as number[], threshold: [] as number[] };
  const step = Math.max(1, Math.floor(n / 100));
  let tp = 0;
  let fp = 0;
  let k = 0;
  let lastEmit = 0;
  while (k < n) {
    const t = proba[order[k] * 2 + 1];
    while (k < n && proba[order[k] * 2 + 1] === t) {
      if (y[order[k]] === 1) tp++;
      else fp++;
      k++;
    }
    if (k - lastEmit >= step || k === n) {
      lastEmit = k;
      roc.fpr.push(r6(nNeg ? fp / nNeg : 0));
      roc.tpr.push(r6(nPos ? tp / nPos : 0));
      roc.threshold.push(r6(t));
      pr.precision.push(r6(tp / (tp + fp)));
      pr.recall.push(r6(nPos ? tp / nPos : 0));
      pr.threshold.push(r6(t));
    }
  }
  return { roc_curve: roc, pr_curve: pr };
}

const r6 = (x: number) => Math.round(x * 1e6) / 1e6;

function ranks(a: ArrayLike<number>): Float64Array {
  const n = a.length;
  // An index sort on a typed array (several times faster than Array#sort with a comparator).
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((x, y) => a[x] - a[y] || x - y);
  const r = new Float64Array(n);
  let k = 0;
  while (k < n) {
    let e = k + 1;
    while (e < n && a[order[e]] === a[order[k]]) e++;
    for (let t = k; t < e; t++) r[order[t]] = (k + e + 1) / 2;
    k = e;
  }
  return r;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) ((ma += a[i]), (mb += b[i]));
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i] - ma;
    const db = b[i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : 0;
}

export function regressionMetrics(pred: ArrayLike<number>, y: ArrayLike<number>, spearman = true): RegressionMetrics {
  const n = y.length;
  let min = Infinity;
  let max = -Infinity;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, y[i]);
    max = Math.max(max, y[i]);
    mean += y[i];
  }
  mean /= n;
  let sse = 0;
  let sae = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    const e = pred[i] - y[i];
    sse += e * e;
    sae += Math.abs(e);
    sst += (y[i] - mean) ** 2;
  }
  const range = max - min || 1;
  const rmse = Math.sqrt(sse / n);
  return {
    normalized_root_mean_squared_error: rmse / range,
    root_mean_squared_error: rmse,
    mean_absolute_error: sae / n,
    normalized_mean_absolute_error: sae / n / range,
    r2_score: sst > 0 ? 1 - sse / sst : 0,
    spearman_correlation: spearman ? pearson(ranks(pred), ranks(y)) : NaN,
  };
}

/** The primary metric as a number to maximise (losses negated): what the search compares. */
export function primaryScore(task: Task, metric: string, pred: ArrayLike<number>, y: ArrayLike<number>, classes: string[]): number {
  const v = metricValue(task, metric, pred, y, classes);
  return isLowerBetter(metric) ? -v : v;
}

/**
 * One metric, computed without the others (the search and ensemble selection call this many times):
 * confusion-matrix metrics need no sorting, AUC / average precision sort once per class.
 */
export function metricValue(task: Task, metric: string, pred: ArrayLike<number>, y: ArrayLike<number>, classes: string[]): number {
  if (task === 'regression') {
    // Spearman needs two sorts; the other regression metrics one pass (no sorting for them).
    if (metric === 'spearman_correlation') return pearson(ranks(pred), ranks(y));
    return (regressionMetrics(pred, y, false) as unknown as Record<string, number>)[metric];
  }
  const C = classes.length;
  const n = y.length;
  if (metric === 'log_loss') return logLoss(pred, y, C);
  if (metric === 'AUC_weighted' || metric === 'average_precision_score_weighted') {
    const col = new Float64Array(n);
    const isC = new Uint8Array(n);
    const support = new Float64Array(C);
    for (let i = 0; i < n; i++) if (y[i] >= 0) support[y[i]]++;
    let total = 0;
    for (let c = C === 2 ? 1 : 0; c < C; c++) {
      if (support[c] === 0) continue;
      for (let i = 0; i < n; i++) ((col[i] = pred[i * C + c]), (isC[i] = y[i] === c ? 1 : 0));
      if (metric === 'AUC_weighted') {
        // Binary: both classes have the same AUC, so the weighted mean is the positive class's.
        const auc = binaryAuc(col, isC);
        total += C === 2 ? auc * n : auc * support[c];
      } else {
        total += binaryAveragePrecision(col, isC) * support[c];
        if (C === 2 && support[0] > 0) {
          for (let i = 0; i < n; i++) ((col[i] = pred[i * C]), (isC[i] = y[i] === 0 ? 1 : 0));
          total += binaryAveragePrecision(col, isC) * support[0];
        }
      }
    }
    return total / n;
  }
  if (metric === 'accuracy' || metric === 'f1_score_weighted' || metric === 'norm_macro_recall') {
    const predicted = argmaxRows(pred, n, C);
    const cm = new Float64Array(C * C);
    const support = new Float64Array(C);
    for (let i = 0; i < n; i++) if (y[i] >= 0) (cm[y[i] * C + predicted[i]]++, support[y[i]]++);
    if (metric === 'accuracy') {
      let ok = 0;
      for (let c = 0; c < C; c++) ok += cm[c * C + c];
      return ok / n;
    }
    let f1w = 0;
    let recallSum = 0;
    let present = 0;
    for (let c = 0; c < C; c++) {
      let predC = 0;
      for (let t = 0; t < C; t++) predC += cm[t * C + c];
      const precision = predC > 0 ? cm[c * C + c] / predC : 0;
      const recall = support[c] > 0 ? cm[c * C + c] / support[c] : 0;
      f1w += (precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0) * support[c];
      if (support[c] > 0) ((recallSum += recall), present++);
    }
    if (metric === 'f1_score_weighted') return f1w / n;
    const macro = recallSum / (present || 1);
    return C > 1 ? Math.max(0, (macro - 1 / C) / (1 - 1 / C)) : 0;
  }
  return (classificationMetrics(pred, y, classes) as unknown as Record<string, number>)[metric];
}
