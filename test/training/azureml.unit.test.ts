import { autoMLJobBody } from '../../src/training/azureml/body';
import { classify } from '../../src/training/azureml/errors';
import { AML_NAME, jobNameFor } from '../../src/training/azureml/names';
import { readAzureMLSettings } from '../../src/training/azureml/settings';
import { mltableFor } from '../../src/training/azureml/upload';
import { parseMLTable } from '../../emulators/azureml/automl/mltable';

const env = { AZUREML_SUBSCRIPTION_ID: 's', AZUREML_RESOURCE_GROUP: 'rg', AZUREML_WORKSPACE: 'w' };

describe('Azure ML provider pieces', () => {
  it('job names: valid for Azure, stable per run and attempt, distinct for ids that differ only in refused characters', () => {
    for (const id of ['train-bank-v1', 'a.b', 'a-b', 'x'.repeat(100), '9_lives']) expect(jobNameFor(id, 0)).toMatch(AML_NAME);
    expect(jobNameFor('train-bank-v1', 2)).toBe(jobNameFor('train-bank-v1', 2));
    expect(jobNameFor('a.b', 0)).not.toBe(jobNameFor('a-b', 0));
    expect(jobNameFor('r', 0)).not.toBe(jobNameFor('r', 1));
  });

  it('settings: required names, https only, the emulator token only for loopback', () => {
    expect(() => readAzureMLSettings({})).toThrow(/AZUREML_SUBSCRIPTION_ID is required/);
    expect(() => readAzureMLSettings({ ...env, AZUREML_ARM_ENDPOINT: 'http://127.0.0.1:1' })).toThrow(/https/);
    expect(() => readAzureMLSettings({ ...env, AZUREML_EMULATOR_TOKEN: 't' })).toThrow(/loopback/);
    expect(readAzureMLSettings({ ...env, AZUREML_ARM_ENDPOINT: 'https://127.0.0.1:9/', AZUREML_EMULATOR_TOKEN: 't' })).toMatchObject({
      armEndpoint: 'https://127.0.0.1:9',
      credential: { kind: 'emulator' },
    });
    expect(readAzureMLSettings(env)).toMatchObject({
      armEndpoint: 'https://management.azure.com',
      datastoreAuth: 'identity',
      credential: { kind: 'default' },
      compute: undefined,
    });
    expect(() => readAzureMLSettings({ ...env, AZUREML_MAX_CONCURRENT_TRIALS: '0' })).toThrow(/MAX_CONCURRENT/);
  });

  it('regression bodies: metric, learners as Azure regression algorithms, serverless resources without a compute', () => {
    const s = readAzureMLSettings(env);
    const body = autoMLJobBody(
      {
        runId: 'r',
        attempt: 1,
        trainBlob: 'b',
        target: 'price',
        options: { task: 'regression', primaryMetric: 'r2_score', budgetSeconds: 120, allowedLearners: ['ridge', 'gbdt', 'logistic_regression'] },
      },
      { assetId: 'id', assetRef: 'azureml:d:1', name: 'd', version: '1', dataUri: 'u', sha256: 'h', task: 'regression' },
      s,
      '/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/w',
    );
    expect(body.properties.computeId).toBeUndefined();
    expect(body.properties.resources).toEqual({ instanceType: 'Standard_DS3_v2', instanceCount: 1 });
    expect(body.properties.taskDetails).toMatchObject({
      taskType: 'Regression',
      primaryMetric: 'R2Score',
      nCrossValidations: { mode: 'Auto' },
      limitSettings: { timeout: 'PT120S', trialTimeout: 'PT120S', maxConcurrentTrials: 4 },
      // logistic_regression has no regression algorithm: dropped, not sent as a classifier.
      trainingSettings: { allowedTrainingAlgorithms: ['ElasticNet', 'LightGBM'] },
    });
    expect((body.properties.taskDetails as any).limitSettings.maxTrials).toBeUndefined();
  });

  it('failure classification from ARM errors and run errors', () => {
    expect(classify({ statusCode: 403, code: 'AuthorizationFailed' }).code).toBe('AUTH_FAILED');
    expect(classify({ code: 'UserError', message: 'Not enough quota for the cluster', innerError: { code: 'QuotaExceeded' } }).code).toBe('QUOTA_EXCEEDED');
    expect(classify({ statusCode: 400, code: 'UserError', message: "Compute 'c' was not found in workspace 'w'." }).code).toBe('COMPUTE_NOT_FOUND');
    expect(classify({ code: 'UserError', innerError: { code: 'MISSING_COLUMN' }, message: 'column "y" is not in the data' }).code).toBe('INVALID_DATA');
    expect(classify({ code: 'SystemError', message: 'The experiment timed out.' }).code).toBe('TIMEOUT');
    expect(classify({ code: 'SystemError', message: 'Internal failure' })).toEqual({ code: 'AZUREML_JOB_FAILED', retryable: true });
  });

  it('the MLTable the provider writes is the one the emulator reads', () => {
    expect(parseMLTable(mltableFor('train.csv'))).toEqual({ files: ['train.csv'], delimiter: ',', header: 'all_files_same_headers' });
  });
});
