import { ArmError, armErrors } from '../core/errors';
import { ALGORITHM_TO_LEARNER, CLASSIFICATION_ALGORITHMS, PRIMARY_METRICS, REGRESSION_ALGORITHMS } from './algorithms';
import { durationSeconds } from './duration';

/**
 * What the emulator's trainer runs for one AutoML job: the body's taskDetails mapped onto the project
 * engine's options. `ignored` lists the settings that were accepted but have no effect here (so tests
 * and users can see exactly what the emulator did not honour).
 */
export interface TrainingPlan {
  taskType: 'Classification' | 'Regression';
  target: string;
  trainingDataUri: string;
  primaryMetric: string;
  azurePrimaryMetric: string;
  budgetSeconds: number;
  trialTimeoutSeconds?: number;
  maxTrials?: number;
  maxConcurrentTrials?: number;
  exitScore?: number;
  cvFolds?: number;
  validationFraction?: number;
  allowedLearners?: string[];
  blockedLearners?: string[];
  ensemble: boolean;
  onnx: boolean;
  positiveLabel?: string;
  ignored: string[];
}

const bad = (message: string, target: string): ArmError => armErrors.validation(message, target);

function intIn(v: unknown, field: string, min: number, max: number): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw bad(`${field} must be an integer in [${min}, ${max}]`, field);
  return v as number;
}

function bool(v: unknown, field: string, dflt: boolean): boolean {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'boolean') throw bad(`${field} must be a boolean`, field);
  return v;
}

function algorithms(v: unknown, field: string, allowed: readonly string[]): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || v.some((a) => typeof a !== 'string' || !allowed.includes(a)))
    throw bad(`${field} must list algorithms among ${allowed.join(', ')}`, field);
  return v as string[];
}

/** Validates an AutoML job's properties (2022-10-01 and 2025-12-01 shapes agree here) into a plan. */
export function planFromJob(props: Record<string, unknown>): TrainingPlan {
  const td = props.taskDetails as Record<string, unknown> | undefined;
  if (!td || typeof td !== 'object') throw bad('taskDetails is required for an AutoML job', 'properties.taskDetails');
  const taskType = td.taskType;
  if (taskType !== 'Classification' && taskType !== 'Regression') {
    throw bad(`taskType '${String(taskType)}' is not supported by this emulator (Classification, Regression)`, 'properties.taskDetails.taskType');
  }
  const training = td.trainingData as Record<string, unknown> | undefined;
  if (!training || training.jobInputType !== 'mltable' || typeof training.uri !== 'string' || !training.uri) {
    throw bad("trainingData must be {jobInputType: 'mltable', uri}", 'properties.taskDetails.trainingData');
  }
  if (typeof td.targetColumnName !== 'string' || !td.targetColumnName) throw bad('targetColumnName is required', 'properties.taskDetails.targetColumnName');
  const ignored: string[] = [];
  const metrics = PRIMARY_METRICS[taskType];
  const azureMetric = (td.primaryMetric as string | undefined) ?? (taskType === 'Classification' ? 'AUCWeighted' : 'NormalizedRootMeanSquaredError');
  if (!(azureMetric in metrics))
    throw bad(`primaryMetric '${azureMetric}' is not a ${taskType} metric (${Object.keys(metrics).join(', ')})`, 'properties.taskDetails.primaryMetric');
  const primaryMetric = metrics[azureMetric];
  if (!primaryMetric) throw bad(`primaryMetric '${azureMetric}' is valid but not computed by this emulator`, 'properties.taskDetails.primaryMetric');

  const limits = (td.limitSettings ?? {}) as Record<string, unknown>;
  const timeout = limits.timeout === undefined ? 6 * 3600 : durationSeconds(limits.timeout);
  if (timeout === undefined || timeout <= 0) throw bad('limitSettings.timeout must be an ISO 8601 duration', 'limitSettings.timeout');
  const trialTimeout = limits.trialTimeout === undefined ? undefined : durationSeconds(limits.trialTimeout);
  if (limits.trialTimeout !== undefined && !trialTimeout) throw bad('limitSettings.trialTimeout must be an ISO 8601 duration', 'limitSettings.trialTimeout');
  if (limits.enableEarlyTermination !== undefined) ignored.push('limitSettings.enableEarlyTermination');
  if (limits.maxCoresPerTrial !== undefined) ignored.push('limitSettings.maxCoresPerTrial');
  if (trialTimeout !== undefined) ignored.push('limitSettings.trialTimeout');

  const cv = td.nCrossValidations as { mode?: string; value?: unknown } | undefined;
  let cvFolds: number | undefined;
  if (cv && cv.mode === 'Custom') cvFolds = intIn(cv.value, 'nCrossValidations.value', 2, 50);
  else if (cv && cv.mode !== 'Auto') throw bad("nCrossValidations.mode must be 'Auto' or 'Custom'", 'nCrossValidations.mode');
  const validationDataSize = td.validationDataSize as number | undefined;
  if (validationDataSize !== undefined && validationDataSize !== null && !(validationDataSize > 0 && validationDataSize < 1))
    throw bad('validationDataSize must be in (0, 1)', 'validationDataSize');
  if (td.validationData) ignored.push('validationData');
  if (td.testData || td.testDataSize) ignored.push('testData');

  const ts = (td.trainingSettings ?? {}) as Record<string, unknown>;
  const names = taskType === 'Classification' ? CLASSIFICATION_ALGORITHMS : REGRESSION_ALGORITHMS;
  const allowedAz = algorithms(ts.allowedTrainingAlgorithms, 'trainingSettings.allowedTrainingAlgorithms', names);
  const blockedAz = algorithms(ts.blockedTrainingAlgorithms, 'trainingSettings.blockedTrainingAlgorithms', names);
  const toLearners = (xs?: string[]) => xs?.map((a) => ALGORITHM_TO_LEARNER[a]).filter((l): l is string => !!l);
  const allowedLearners = toLearners(allowedAz);
  if (allowedAz && allowedLearners!.length === 0) {
    throw bad(
      `none of the allowed algorithms (${allowedAz.join(', ')}) is available in this emulator (${Object.keys(ALGORITHM_TO_LEARNER).join(', ')})`,
      'trainingSettings.allowedTrainingAlgorithms',
    );
  }
  if (bool(ts.enableStackEnsemble, 'enableStackEnsemble', true)) ignored.push('trainingSettings.enableStackEnsemble');
  if (ts.enableDnnTraining) ignored.push('trainingSettings.enableDnnTraining');
  const feat = td.featurizationSettings as { mode?: string } | undefined;
  if (feat?.mode && feat.mode !== 'Auto') ignored.push('featurizationSettings.mode');

  return {
    taskType,
    target: td.targetColumnName,
    trainingDataUri: training.uri,
    primaryMetric,
    azurePrimaryMetric: azureMetric,
    budgetSeconds: timeout,
    trialTimeoutSeconds: trialTimeout,
    maxTrials: intIn(limits.maxTrials, 'limitSettings.maxTrials', 1, 1000),
    maxConcurrentTrials: intIn(limits.maxConcurrentTrials, 'limitSettings.maxConcurrentTrials', 1, 256),
    exitScore: typeof limits.exitScore === 'number' ? limits.exitScore : undefined,
    cvFolds,
    validationFraction: validationDataSize ?? undefined,
    allowedLearners,
    blockedLearners: toLearners(blockedAz),
    ensemble: bool(ts.enableVoteEnsemble, 'enableVoteEnsemble', true),
    onnx: bool(ts.enableOnnxCompatibleModels, 'enableOnnxCompatibleModels', false),
    positiveLabel: typeof td.positiveLabel === 'string' ? td.positiveLabel : undefined,
    ignored,
  };
}
