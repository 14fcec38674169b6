/**
 * Everything the model page draws, assembled from the registry: metrics.json (CV metrics, ROC / PR
 * points, confusion matrix, out-of-fold predicted-vs-actual pairs of a regression, feature importance), leaderboard.json (trials), model-card.md,
 * benchmark.json, and the lineage dataset version -> run -> model -> deployment.
 */
import type { ModelVersion } from '../../models/registry';
import { calibrationFromRoc, CalibrationBin } from './calibration';
import { DashboardStores, optionalJson, optionalText } from './stores';
import { trialSeries, TrialSeries } from './trials';

interface Curve {
  [k: string]: number[];
}
interface MetricsDoc {
  task?: string;
  classes?: string[];
  primaryMetric?: string;
  primaryScore?: number;
  validation?: unknown;
  cv?: Record<string, unknown> & {
    confusion_matrix?: { classes: string[]; matrix: number[][] };
    roc_curve?: { fpr: number[]; tpr: number[]; threshold: number[] };
    pr_curve?: Curve;
    predicted_vs_actual?: { actual: number[]; predicted: number[] };
  };
  featureImportance?: { column: string; importance: number }[];
}

export interface ModelView {
  model: Omit<ModelVersion, 'artifactPrefix'>;
  lineage: {
    dataset: string;
    datasetVersion: number;
    datasetSha256: string;
    runId: string;
    deployment?: { name: string; status: string; champion: boolean };
  };
  /** Scalar CV metrics (pooled out-of-fold) beside the held-out figure the decision used. */
  metrics: { primaryMetric: string; cv: Record<string, number>; heldOut: Record<string, number>; validation?: unknown };
  classification?: {
    classes: string[];
    confusion?: { classes: string[]; matrix: number[][] };
    roc?: { fpr: number[]; tpr: number[] };
    pr?: { recall: number[]; precision: number[] };
    calibration: CalibrationBin[];
  };
  /** Out-of-fold predictions of the chosen model on a sample of rows (predicted-vs-actual, residuals). */
  regression?: { actual: number[]; predicted: number[] };
  featureImportance: { column: string; importance: number }[];
  trials: TrialSeries;
  card?: string;
  benchmark?: unknown;
  /** Plots this version cannot show, and why (the data is not stored). */
  notStored: string[];
}

export async function modelView(stores: DashboardStores, name: string, version: number): Promise<ModelView | undefined> {
  const m = await stores.models.get(name, version);
  if (!m || m.status === 'registering') return undefined;
  const read = (file: string) => () => stores.models.readArtifact(m, file);
  const [metrics, leaderboard, card, benchmark, deployments] = await Promise.all([
    optionalJson<MetricsDoc>(read('metrics.json')),
    optionalJson<{ primaryMetric?: string; entries?: [] }>(read('leaderboard.json')),
    optionalText(read('model-card.md')),
    optionalJson<unknown>(read('benchmark.json')),
    stores.deployments.list(),
  ]);
  const { artifactPrefix: _prefix, ...model } = m;
  const dep = deployments.find((d) => d.modelName === name && Number(d.modelVersion) === version);
  const cv: Record<string, number> = {};
  for (const [k, v] of Object.entries(metrics?.cv ?? {})) if (typeof v === 'number' && Number.isFinite(v)) cv[k] = v;
  const heldOut: Record<string, number> = {};
  if (typeof m.testScore === 'number') heldOut[m.primaryMetric] = m.testScore;
  const notStored: string[] = [];
  if (Object.keys(heldOut).length) notStored.push('held-out figures other than the primary metric (the decision scores only the primary metric)');

  let classification: ModelView['classification'];
  if (m.task !== 'regression') {
    const c = metrics?.cv ?? {};
    const confusion = c.confusion_matrix;
    const classes = metrics?.classes ?? confusion?.classes ?? [];
    let calibration: CalibrationBin[] = [];
    if (c.roc_curve && confusion && confusion.matrix.length === 2) {
      // Positive = the last class (the curves are the last class's); row sums are the true class counts.
      const negatives = confusion.matrix[0].reduce((a, b) => a + b, 0);
      const positives = confusion.matrix[1].reduce((a, b) => a + b, 0);
      calibration = calibrationFromRoc(c.roc_curve, negatives, positives);
    }
    if (!c.roc_curve) notStored.push('ROC, precision-recall and calibration curves (metrics.json has them for binary tasks only)');
    classification = {
      classes,
      confusion,
      roc: c.roc_curve ? { fpr: c.roc_curve.fpr, tpr: c.roc_curve.tpr } : undefined,
      pr: c.pr_curve ? { recall: c.pr_curve.recall, precision: c.pr_curve.precision } : undefined,
      calibration,
    };
  }
  let regression: ModelView['regression'];
  if (m.task === 'regression') {
    const pva = metrics?.cv?.predicted_vs_actual;
    if (pva && Array.isArray(pva.actual) && Array.isArray(pva.predicted) && pva.actual.length === pva.predicted.length && pva.actual.length > 0) {
      regression = { actual: pva.actual, predicted: pva.predicted };
    } else {
      notStored.push("predicted-vs-actual and residuals (this version's metrics.json has no out-of-fold predictions)");
    }
  }
  return {
    model,
    lineage: {
      ...m.lineage,
      deployment: dep ? { name: dep.name, status: dep.status, champion: dep.champion } : undefined,
    },
    metrics: { primaryMetric: m.primaryMetric, cv, heldOut, validation: metrics?.validation },
    classification,
    regression,
    featureImportance: (metrics?.featureImportance ?? []).slice(0, 25),
    trials: trialSeries(leaderboard ?? {}),
    card,
    benchmark,
    notStored,
  };
}
