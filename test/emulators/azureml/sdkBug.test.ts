import { EmulatorStack, startEmulatorStack } from './support';

/**
 * Why the provider sends its job body raw: @azure/arm-machinelearning 2.1.1 serializes an AutoML job's
 * taskDetails with the base mapper (Azure/azure-sdk-for-js#29328). This canary fails when a fixed SDK
 * version stops dropping the settings, so the workaround can be reconsidered.
 */
describe('@azure/arm-machinelearning AutoML serialization (canary)', () => {
  let stack: EmulatorStack;
  beforeAll(async () => {
    stack = await startEmulatorStack();
  });
  afterAll(async () => stack?.stop());

  it('jobs.createOrUpdate drops primaryMetric, limitSettings and trainingSettings', async () => {
    const s = stack.emulator.settings;
    const c = stack.client();
    await c.dataVersions.createOrUpdate(s.resourceGroup, s.workspace, 'd', '1', {
      properties: { dataType: 'mltable', dataUri: 'azureml://datastores/workspaceblobstore/paths/d/' },
    });
    await c.jobs.createOrUpdate(s.resourceGroup, s.workspace, 'sdk-serialized', {
      properties: {
        jobType: 'AutoML',
        taskDetails: {
          taskType: 'Classification',
          targetColumnName: 'y',
          trainingData: { jobInputType: 'mltable', uri: 'azureml:d:1' },
          primaryMetric: 'Accuracy',
          limitSettings: { timeout: 'PT10M', maxTrials: 3 },
          trainingSettings: { enableOnnxCompatibleModels: true },
        },
      } as never,
    });
    const put = stack.emulator.received.find((r) => r.method === 'PUT' && r.path.endsWith('/jobs/sdk-serialized'))!;
    expect(put.query['api-version']).toBe('2022-10-01');
    const td = (put.body as { properties: { taskDetails: Record<string, unknown> } }).properties.taskDetails;
    expect(Object.keys(td).sort()).toEqual(['targetColumnName', 'taskType', 'trainingData']);
  });
});
