/**
 * A calibration curve (reliability diagram) derived from what metrics.json stores: the ROC curve's
 * cumulative points at descending thresholds and the class counts of the confusion matrix.
 *
 * Between two consecutive ROC points lie the rows whose positive-class probability falls in that
 * threshold band: tp and fp differences give how many of them are positive. Bands are grouped into
 * equal-width probability bins by their midpoint, so the mean predicted probability of a bin is
 * approximate (within one band, about 1% of the rows) while the observed frequency is exact for the
 * rows it counts.
 */

export interface CalibrationBin {
  /** Mean predicted probability of the positive class (band midpoints weighted by rows). */
  predicted: number;
  /** Observed share of positives. */
  observed: number;
  rows: number;
}

export function calibrationFromRoc(
  roc: { fpr: number[]; tpr: number[]; threshold: number[] },
  negatives: number,
  positives: number,
  bins = 10,
): CalibrationBin[] {
  const n = Math.min(roc.fpr.length, roc.tpr.length, roc.threshold.length);
  if (n < 2 || negatives + positives === 0) return [];
  const acc = Array.from({ length: bins }, () => ({ weighted: 0, pos: 0, rows: 0 }));
  for (let k = 1; k < n; k++) {
    const dPos = Math.round((roc.tpr[k] - roc.tpr[k - 1]) * positives);
    const dNeg = Math.round((roc.fpr[k] - roc.fpr[k - 1]) * negatives);
    const rows = dPos + dNeg;
    if (rows <= 0) continue;
    const mid = (roc.threshold[k] + Math.min(1, roc.threshold[k - 1])) / 2;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(mid * bins)));
    acc[b].weighted += mid * rows;
    acc[b].pos += dPos;
    acc[b].rows += rows;
  }
  return acc.filter((a) => a.rows > 0).map((a) => ({ predicted: a.weighted / a.rows, observed: a.pos / a.rows, rows: a.rows }));
}
