import {
  predictedVsActual,
  binaryAuc,
  binaryAveragePrecision,
  classificationMetrics,
  CLASSIFICATION_METRICS,
  logLoss,
  metricValue,
  regressionMetrics,
} from '../../src/automl/metrics';
import { Rng } from '../../src/automl/random';

describe('metrics', () => {
  test('binary AUC counts ties as half (hand-computed)', () => {
    // Positives at scores 0.8, 0.5; negatives at 0.5, 0.2. Pairs: (0.8>0.5)=1, (0.8>0.2)=1, (0.5=0.5)=0.5, (0.5>0.2)=1 -> 3.5/4.
    expect(binaryAuc([0.8, 0.5, 0.5, 0.2], [1, 1, 0, 0])).toBeCloseTo(0.875, 12);
    expect(binaryAuc([0.1, 0.2], [1, 0])).toBe(0);
    expect(binaryAuc([0.1, 0.2], [1, 1])).toBeNaN();
  });

  test('average precision follows sklearn (steps at each threshold)', () => {
    // Sorted desc: 0.9(+) 0.8(-) 0.7(+): AP = 0.5*1 + 0.5*(2/3)
    expect(binaryAveragePrecision([0.9, 0.8, 0.7], [1, 0, 1])).toBeCloseTo(0.5 + 1 / 3, 12);
  });

  test('classification metrics: weighted averages, confusion matrix, log loss', () => {
    // 3 classes; proba rows; labels.
    const classes = ['a', 'b', 'c'];
    const y = [0, 0, 1, 2];
    const proba = [0.7, 0.2, 0.1, 0.3, 0.6, 0.1, 0.2, 0.5, 0.3, 0.1, 0.1, 0.8];
    const m = classificationMetrics(proba, y, classes);
    // predictions: a, b, b, c
    expect(m.confusion_matrix.matrix).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(m.accuracy).toBeCloseTo(0.75, 12);
    // recall: a 1/2, b 1, c 1 -> weighted (2*0.5 + 1 + 1)/4 = 0.75; precision: a 1, b 1/2, c 1 -> (2*1 + 0.5 + 1)/4
    expect(m.recall_score_weighted).toBeCloseTo(0.75, 12);
    expect(m.precision_score_weighted).toBeCloseTo(3.5 / 4, 12);
    // f1: a 2/3, b 2/3, c 1 -> (2*2/3 + 2/3 + 1)/4
    expect(m.f1_score_weighted).toBeCloseTo((4 / 3 + 2 / 3 + 1) / 4, 12);
    // macro recall 5/6 -> norm (5/6 - 1/3)/(2/3) = 0.75
    expect(m.norm_macro_recall).toBeCloseTo(0.75, 12);
    expect(m.log_loss).toBeCloseTo(-(Math.log(0.7) + Math.log(0.3) + Math.log(0.5) + Math.log(0.8)) / 4, 12);
    // AUC per class, one-vs-rest, weighted by support 2,1,1.
    const aucA = binaryAuc([0.7, 0.3, 0.2, 0.1], [1, 1, 0, 0]);
    const aucB = binaryAuc([0.2, 0.6, 0.5, 0.1], [0, 0, 1, 0]);
    const aucC = binaryAuc([0.1, 0.1, 0.3, 0.8], [0, 0, 0, 1]);
    expect(m.AUC_weighted).toBeCloseTo((2 * aucA + aucB + aucC) / 4, 12);
    expect(aucB).toBeCloseTo(2 / 3, 12);
  });

  test('binary metrics report ROC and PR curves ending at (1, 1) recall', () => {
    const y = [0, 1, 0, 1, 1, 0];
    const p1 = [0.1, 0.9, 0.4, 0.6, 0.35, 0.5];
    const proba = p1.flatMap((p) => [1 - p, p]);
    const m = classificationMetrics(proba, y, ['no', 'yes'], { curves: true });
    expect(m.AUC_weighted).toBeCloseTo(binaryAuc(p1, y), 12);
    expect(m.roc_curve!.fpr[m.roc_curve!.fpr.length - 1]).toBe(1);
    expect(m.roc_curve!.tpr[m.roc_curve!.tpr.length - 1]).toBe(1);
    expect(m.pr_curve!.recall[m.pr_curve!.recall.length - 1]).toBe(1);
  });

  test('log loss clips probabilities of 0', () => {
    expect(logLoss([1, 0], [1], 2)).toBeCloseTo(-Math.log(1e-15), 6);
  });

  test('regression metrics (hand-computed)', () => {
    const m = regressionMetrics([1, 2, 4], [1, 3, 5]);
    // errors 0, -1, -1: rmse sqrt(2/3), range 4
    expect(m.root_mean_squared_error).toBeCloseTo(Math.sqrt(2 / 3), 12);
    expect(m.normalized_root_mean_squared_error).toBeCloseTo(Math.sqrt(2 / 3) / 4, 12);
    // mean 3, sst 4+0+4 = 8, sse 2 -> r2 0.75
    expect(m.r2_score).toBeCloseTo(0.75, 12);
    expect(m.spearman_correlation).toBeCloseTo(1, 12);
  });

  test('single-metric fast paths agree with the full report (binary and multiclass, with ties)', () => {
    const rng = new Rng(9);
    for (const C of [2, 4]) {
      const n = 300;
      const classes = Array.from({ length: C }, (_, k) => `c${k}`);
      const y = Array.from({ length: n }, () => rng.int(C));
      const proba: number[] = [];
      for (let i = 0; i < n; i++) {
        // Coarse probabilities (many ties), informative for the true class.
        const raw = classes.map((_, k) => Math.round((rng.next() + (k === y[i] ? 0.6 : 0)) * 4) / 4 + 0.01);
        const z = raw.reduce((a, b) => a + b, 0);
        proba.push(...raw.map((v) => v / z));
      }
      const full = classificationMetrics(proba, y, classes) as unknown as Record<string, number>;
      for (const m of CLASSIFICATION_METRICS) expect(metricValue(C === 2 ? 'binary' : 'multiclass', m, proba, y, classes)).toBeCloseTo(full[m], 12);
    }
  });

  test('average precision with tied scores groups them (sklearn example)', () => {
    // sklearn: average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.8333...
    expect(binaryAveragePrecision([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.8333333333, 9);
    // All tied: AP = share of positives.
    expect(binaryAveragePrecision([0.5, 0.5, 0.5, 0.5], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
  });
});

describe('predictedVsActual', () => {
  test('at most max pairs, spread evenly over the rows, non-finite pairs left out, deterministic', () => {
    const y = Array.from({ length: 1000 }, (_, i) => i);
    const pred = y.map((v) => v * 2 + 0.1234567891);
    const s = predictedVsActual(pred, y, 100);
    expect(s.actual).toHaveLength(100);
    expect(s.actual[0]).toBe(0);
    expect(s.actual[1]).toBe(10);
    expect(s.actual[99]).toBe(990);
    expect(s.predicted[1]).toBe(20.1235); // 6 significant digits
    expect(predictedVsActual(pred, y, 100)).toEqual(s);
    const small = predictedVsActual([1, NaN, 3], [1, 2, 3]);
    expect(small).toEqual({ actual: [1, 3], predicted: [1, 3] });
  });
});
