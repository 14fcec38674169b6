/**
 * Azure ML AutoML's algorithm names (ClassificationModels / RegressionModels in the REST spec) and the
 * project engine's learners that stand in for them in the emulator. Algorithms without a stand-in
 * are accepted in a job body and simply never tried (AutoML also skips what a task cannot use).
 */
export const ALGORITHM_TO_LEARNER: Record<string, string> = {
  LightGBM: 'gbdt',
  LogisticRegression: 'logistic_regression',
  ElasticNet: 'ridge',
  RandomForest: 'random_forest',
  ExtremeRandomTrees: 'extra_trees',
};

export const LEARNER_TO_ALGORITHM: Record<string, string> = {
  ...Object.fromEntries(Object.entries(ALGORITHM_TO_LEARNER).map(([a, l]) => [l, a])),
  VotingEnsemble: 'VotingEnsemble',
};

export const CLASSIFICATION_ALGORITHMS = [
  'LogisticRegression',
  'SGD',
  'MultinomialNaiveBayes',
  'BernoulliNaiveBayes',
  'SVM',
  'LinearSVM',
  'KNN',
  'DecisionTree',
  'RandomForest',
  'ExtremeRandomTrees',
  'LightGBM',
  'GradientBoosting',
  'XGBoostClassifier',
] as const;
export const REGRESSION_ALGORITHMS = [
  'ElasticNet',
  'GradientBoosting',
  'DecisionTree',
  'KNN',
  'LassoLars',
  'SGD',
  'RandomForest',
  'ExtremeRandomTrees',
  'LightGBM',
  'XGBoostRegressor',
] as const;

/** Azure primary metric names -> the engine's (which are AutoML's run metric names). */
export const PRIMARY_METRICS: Record<'Classification' | 'Regression', Record<string, string | undefined>> = {
  Classification: {
    AUCWeighted: 'AUC_weighted',
    Accuracy: 'accuracy',
    NormMacroRecall: 'norm_macro_recall',
    AveragePrecisionScoreWeighted: 'average_precision_score_weighted',
    PrecisionScoreWeighted: undefined,
  },
  Regression: {
    SpearmanCorrelation: 'spearman_correlation',
    NormalizedRootMeanSquaredError: 'normalized_root_mean_squared_error',
    R2Score: 'r2_score',
    NormalizedMeanAbsoluteError: undefined,
  },
};
