import type { AutoMLJobSpec } from '../provider';
import { algorithmsFor, azureMetric, defaultMetric, isoSeconds } from './mapping';
import type { AzureMLSettings } from './settings';
import type { UploadedData } from './upload';

/**
 * The AutoML job body at the GA api-version, with every setting the run carries: task, target,
 * primary metric, the budget as limitSettings (timeout, trial timeout, max trials, max concurrent
 * trials), CV folds, ONNX-compatible models, vote/stack ensembles, allowed/blocked learners as Azure
 * algorithm names, compute (or serverless resources), and tags tying the job to the run.
 */
export function autoMLJobBody(
  spec: AutoMLJobSpec,
  data: UploadedData,
  settings: AzureMLSettings,
  workspacePath: string,
): { properties: Record<string, unknown> } {
  const task = data.task;
  const o = spec.options;
  const budget = o.budgetSeconds ?? 60;
  const limitSettings: Record<string, unknown> = {
    timeout: isoSeconds(budget),
    trialTimeout: isoSeconds(Math.min(settings.trialTimeoutSeconds ?? budget, budget)),
    maxConcurrentTrials: settings.maxConcurrentTrials,
    enableEarlyTermination: true,
  };
  if (o.maxTrials !== undefined) limitSettings.maxTrials = o.maxTrials;
  const trainingSettings: Record<string, unknown> = {
    enableOnnxCompatibleModels: true,
    enableVoteEnsemble: settings.enableVoteEnsemble,
    enableStackEnsemble: settings.enableStackEnsemble,
    enableModelExplainability: false,
  };
  const allowed = algorithmsFor(o.allowedLearners, task, 'allowedLearners');
  const blocked = algorithmsFor(o.blockedLearners, task, 'blockedLearners');
  if (allowed) trainingSettings.allowedTrainingAlgorithms = allowed;
  if (blocked?.length) trainingSettings.blockedTrainingAlgorithms = blocked;
  const taskDetails: Record<string, unknown> = {
    taskType: task === 'classification' ? 'Classification' : 'Regression',
    targetColumnName: spec.target,
    trainingData: { jobInputType: 'mltable', uri: data.assetRef },
    primaryMetric: azureMetric(o.primaryMetric ?? defaultMetric(task), task),
    limitSettings,
    nCrossValidations: o.cvFolds ? { mode: 'Custom', value: o.cvFolds } : { mode: 'Auto' },
    featurizationSettings: { mode: 'Auto' },
    trainingSettings,
    logVerbosity: 'Info',
  };
  const properties: Record<string, unknown> = {
    jobType: 'AutoML',
    experimentName: settings.experimentName,
    displayName: `mlops ${spec.runId} attempt ${spec.attempt}`,
    description: `AutoML for run ${spec.runId}${spec.dataset ? ` (dataset ${spec.dataset.name} v${spec.dataset.version})` : ''}`,
    tags: {
      'mlops.runId': spec.runId,
      'mlops.attempt': String(spec.attempt),
      'mlops.dataAsset': data.assetRef,
      ...(o.seed !== undefined ? { 'mlops.seed': String(o.seed) } : {}),
    },
    properties: {},
    taskDetails,
  };
  if (settings.compute) properties.computeId = `${workspacePath}/computes/${settings.compute}`;
  else properties.resources = { instanceType: settings.instanceType, instanceCount: 1 };
  return { properties };
}
