/** The local AutoML engine's public API (the orchestration and the `mlops automl` CLI use this). */
export { runAutoML, loadTable } from './automl';
export type { AutoMLOptions, AutoMLResult, AutoMLProgress, AutoMLPhase, AutoMLInput, LeaderboardEntry, FeatureImportance } from './automl';
export { evaluateCells, evaluatePipeline, evaluatePipelineOn, toColumnTable } from './evaluate';
export type { HeldOutCells, HeldOutEvaluation } from './evaluate';
export { AutoMLError } from './errors';
export type { AutoMLErrorCode } from './errors';
export { tableFromRows, tableFromRecords, selectRows } from './table';
export type { Table, RawColumn } from './table';
export type { Guardrail } from './featurize';
export { CLASSIFICATION_METRICS, REGRESSION_METRICS, classificationMetrics, regressionMetrics } from './metrics';
export type { ClassificationMetrics, RegressionMetrics } from './metrics';
export { LEARNERS } from './learners';
export type { FittedPipeline, Task } from './pipeline';
