import { AzureMLError } from './errors';

/** The project's learners -> Azure AutoML algorithm names (ClassificationModels / RegressionModels). */
export const LEARNER_ALGORITHMS: Record<string, { classification?: string; regression?: string }> = {
  gbdt: { classification: 'LightGBM', regression: 'LightGBM' },
  logistic_regression: { classification: 'LogisticRegression' },
  ridge: { regression: 'ElasticNet' },
  random_forest: { classification: 'RandomForest', regression: 'RandomForest' },
  extra_trees: { classification: 'ExtremeRandomTrees', regression: 'ExtremeRandomTrees' },
};

/** Azure algorithm name -> the project's learner name (for leaderboards), or the Azure name itself. */
export function learnerOf(algorithm: string, task: 'classification' | 'regression'): string {
  for (const [learner, a] of Object.entries(LEARNER_ALGORITHMS)) if (a[task] === algorithm) return learner;
  return algorithm;
}

export function algorithmsFor(learners: string[] | undefined, task: 'classification' | 'regression', field: string): string[] | undefined {
  if (!learners) return undefined;
  const out: string[] = [];
  for (const l of learners) {
    const a = LEARNER_ALGORITHMS[l];
    if (!a) throw new AzureMLError('INVALID_SETTINGS', `${field}: learner '${l}' has no Azure ML AutoML equivalent`);
    if (a[task]) out.push(a[task]!);
  }
  return [...new Set(out)];
}

/** The project's metric names (AutoML's run metric names) -> the REST enum values of primaryMetric. */
const METRICS: Record<string, { task: 'classification' | 'regression'; azure: string }> = {
  AUC_weighted: { task: 'classification', azure: 'AUCWeighted' },
  accuracy: { task: 'classification', azure: 'Accuracy' },
  norm_macro_recall: { task: 'classification', azure: 'NormMacroRecall' },
  average_precision_score_weighted: { task: 'classification', azure: 'AveragePrecisionScoreWeighted' },
  normalized_root_mean_squared_error: { task: 'regression', azure: 'NormalizedRootMeanSquaredError' },
  r2_score: { task: 'regression', azure: 'R2Score' },
  spearman_correlation: { task: 'regression', azure: 'SpearmanCorrelation' },
};

export function defaultMetric(task: 'classification' | 'regression'): string {
  return task === 'classification' ? 'AUC_weighted' : 'normalized_root_mean_squared_error';
}

export function azureMetric(metric: string, task: 'classification' | 'regression'): string {
  const m = METRICS[metric];
  if (!m)
    throw new AzureMLError(
      'INVALID_SETTINGS',
      `primary metric '${metric}' is not available as an Azure ML AutoML primary metric (${Object.keys(METRICS).join(', ')})`,
    );
  if (m.task !== task) throw new AzureMLError('INVALID_SETTINGS', `primary metric '${metric}' is a ${m.task} metric, but the task is ${task}`);
  return m.azure;
}

export const lowerIsBetter = (metric: string) => /error|log_loss/.test(metric);

/** ISO 8601 duration of whole seconds. */
export const isoSeconds = (s: number) => `PT${Math.max(1, Math.round(s))}S`;
