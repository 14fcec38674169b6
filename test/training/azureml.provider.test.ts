import { AzureMLError } from '../../src/training/azureml';
import type { EmulatorStack } from '../emulators/azureml/support';
import { startEmulatorStack } from '../emulators/azureml/support';
import { pollUntilDone, providerFor, putTrainSplit, spec, syntheticCsv } from './azureml.support';

/** The AutoML provider for Azure ML, through the real SDK, against the emulator (HTTPS) and Azurite. */
describe('Azure ML AutoML provider against the emulator', () => {
  let stack: EmulatorStack;
  beforeAll(async () => {
    stack = await startEmulatorStack({ acceptedTokens: ['emulator-test-token'], plugins: { jobs: { phaseMs: 150 } } });
  });
  afterAll(async () => stack?.stop());
  afterEach(() => stack.emulator.faults.clear());

  const puts = (path: RegExp) => stack.emulator.received.filter((r) => r.method === 'PUT' && path.test(r.path));
  const outcome = async (rule: unknown) => {
    const https = await import('node:https');
    const fs = await import('node:fs');
    await new Promise<void>((resolve, reject) => {
      const req = https.request(
        `${stack.emulator.url}/_emulator/jobs/outcomes`,
        { method: 'POST', ca: fs.readFileSync(stack.emulator.caFile), headers: { 'content-type': 'application/json' } },
        (res) => {
          res.resume();
          res.on('end', () => (res.statusCode === 201 ? resolve() : reject(new Error(`outcome: ${res.statusCode}`))));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify(rule));
    });
  };

  it('uploads the split with an MLTable, tags the data asset, sends every setting, reports progress and collects the model', async () => {
    const { provider, registry } = await providerFor(stack, { AZUREML_MAX_CONCURRENT_TRIALS: '2', AZUREML_TRIAL_TIMEOUT_SECONDS: '60' });
    const blob = await putTrainSplit(registry, 'run-1', syntheticCsv(240));
    await outcome({ job: 'mlops-run-1-', holdRunningMs: 1500 });
    const { jobId } = await provider.submit(
      spec('run-1', blob, {
        options: {
          primaryMetric: 'accuracy',
          task: 'binary',
          allowedLearners: ['gbdt', 'logistic_regression', 'random_forest'],
          blockedLearners: ['extra_trees'],
        },
      }),
    );
    expect(jobId).toMatch(/^mlops-run-1-[0-9a-f]{8}-a0$/);

    // The job body as the service received it: at the GA api-version, with no setting lost.
    const [put] = puts(new RegExp(`/jobs/${jobId}$`));
    expect(put.query['api-version']).toBe('2025-12-01');
    const props = (put.body as { properties: Record<string, any> }).properties;
    expect(props).toMatchObject({
      jobType: 'AutoML',
      experimentName: 'mlops-automl',
      computeId: expect.stringMatching(/\/workspaces\/mlw-mlops\/computes\/cpu-cluster$/),
      tags: { 'mlops.runId': 'run-1', 'mlops.attempt': '0', 'mlops.dataAsset': expect.stringMatching(/^azureml:mlops-train-synthetic:run-1-[0-9a-f]{8}-a0$/) },
    });
    expect(props.taskDetails).toEqual({
      taskType: 'Classification',
      targetColumnName: 'y',
      trainingData: { jobInputType: 'mltable', uri: props.tags['mlops.dataAsset'] },
      primaryMetric: 'Accuracy',
      limitSettings: { timeout: 'PT4S', trialTimeout: 'PT4S', maxTrials: 4, maxConcurrentTrials: 2, enableEarlyTermination: true },
      nCrossValidations: { mode: 'Custom', value: 3 },
      featurizationSettings: { mode: 'Auto' },
      trainingSettings: {
        enableOnnxCompatibleModels: true,
        enableVoteEnsemble: true,
        enableStackEnsemble: true,
        enableModelExplainability: false,
        allowedTrainingAlgorithms: ['LightGBM', 'LogisticRegression', 'RandomForest'],
        blockedTrainingAlgorithms: ['ExtremeRandomTrees'],
      },
      logVerbosity: 'Info',
    });
    // The data asset: an mltable over the uploaded folder, tagged with the dataset's identity.
    const [dataPut] = puts(/\/data\/mlops-train-synthetic\/versions\//);
    expect((dataPut.body as any).properties).toMatchObject({
      dataType: 'mltable',
      dataUri: expect.stringMatching(/^azureml:\/\/datastores\/workspaceblobstore\/paths\/mlops\/mlops-train-synthetic\/run-1-[0-9a-f]{8}-a0\/$/),
      tags: { 'mlops.dataset': 'synthetic', 'mlops.datasetVersion': '3', 'mlops.datasetSha256': 'ab'.repeat(32), 'mlops.runId': 'run-1' },
    });
    const folder = /paths\/(.*)$/.exec((dataPut.body as any).properties.dataUri)![1];
    const blobstore = (await import('../../src/storage/clients')).containerClient(stack.azurite.connectionString, 'azureml-blobstore');
    expect((await blobstore.getBlobClient(`${folder}MLTable`).downloadToBuffer()).toString()).toContain('- file: ./train.csv');
    expect((await blobstore.getBlobClient(`${folder}train.csv`).downloadToBuffer()).toString()).toBe(syntheticCsv(240));

    const seen = await pollUntilDone(provider, jobId);
    const last = seen.at(-1)!;
    expect(last.state).toBe('completed');
    expect(seen.some((s) => s.state === 'queued')).toBe(true);
    // Live progress while the job runs: trials done and the best metric so far.
    expect(seen.some((s) => s.state === 'running' && s.trials > 0 && typeof s.bestScore === 'number')).toBe(true);
    expect(last).toMatchObject({ primaryMetric: 'accuracy', trials: expect.any(Number), bestScore: expect.any(Number) });
    expect(last.trials).toBeGreaterThan(0);

    // Outputs in the local provider's layout, plus the Azure ML lineage.
    const prefix = provider.outputPrefix(jobId);
    const read = async (f: string) => (await registry.getBlobClient(prefix + f).downloadToBuffer()).toString('utf8');
    const result = JSON.parse(await read('result.json'));
    expect(result).toMatchObject({ task: 'binary', target: 'y', classes: ['no', 'yes'], primaryMetric: 'accuracy', trials: last.trials });
    const onnx = await registry.getBlobClient(prefix + 'model.onnx').downloadToBuffer();
    expect(onnx.length).toBeGreaterThan(100);
    const ort = await import('onnxruntime-node');
    const session = await ort.InferenceSession.create(onnx);
    expect(session.inputNames).toEqual(expect.arrayContaining(['x1', 'x2', 'color']));
    const lineage = JSON.parse(await read('azureml.json'));
    expect(lineage).toMatchObject({
      jobName: jobId,
      bestChildRunId: expect.stringMatching(new RegExp(`^${jobId}_\\d+$`)),
      dataAsset: props.tags['mlops.dataAsset'],
      mlflowModelUri: expect.stringMatching(/^azureml:\/\/jobs\/.+\/outputs\/artifacts\/outputs\/mlflow-model\/$/),
      modelVersion: expect.stringMatching(/\/models\/mlops-synthetic\/versions\/run-1-/),
      mlmodel: expect.stringContaining('loader_module: mlflow.onnx'),
      // The emulator's engine left its pipeline: the model is registered as trained.
      model: { source: 'engine', adapted: false },
    });
    expect(await registry.getBlobClient(prefix + 'pipeline.json').exists()).toBe(true);
    const board = JSON.parse(await read('leaderboard.json'));
    expect(board[0]).toMatchObject({ rank: 1, score: result.cvScore });
    expect(new Set(board.map((e: { learner: string }) => e.learner))).not.toContain('extra_trees');
    expect(await read('model-card.md')).toContain(jobId);
    const [modelPut] = puts(/\/models\/mlops-synthetic\/versions\//);
    expect((modelPut.body as any).properties).toMatchObject({ modelType: 'mlflow_model', jobName: jobId, modelUri: lineage.mlflowModelUri });

    // Idempotent: a replayed submit finds the job; no second PUT, no second job.
    const again = await provider.submit(
      spec('run-1', blob, {
        options: {
          primaryMetric: 'accuracy',
          task: 'binary',
          allowedLearners: ['gbdt', 'logistic_regression', 'random_forest'],
          blockedLearners: ['extra_trees'],
        },
      }),
    );
    expect(again.jobId).toBe(jobId);
    expect(puts(new RegExp(`/jobs/${jobId}$`))).toHaveLength(1);
    // A second status after completion reads the collected result rather than collecting again.
    const modelPuts = puts(/\/models\//).length;
    expect((await provider.status(jobId)).state).toBe('completed');
    expect(puts(/\/models\//).length).toBe(modelPuts);
  }, 120_000);

  it('a job with Azure-native outputs (no engine pipeline) is collected with its ONNX adapted to the endpoint contract', async () => {
    const { provider, registry } = await providerFor(stack);
    const blob = await putTrainSplit(registry, 'run-native', syntheticCsv(240));
    await outcome({ job: 'mlops-run-native-', outputs: 'azure' });
    const { jobId } = await provider.submit(spec('run-native', blob));
    const seen = await pollUntilDone(provider, jobId);
    expect(seen[seen.length - 1]).toMatchObject({ state: 'completed' });
    const out = await provider.result(jobId);
    expect(out.artifacts['pipeline.json']).toBeUndefined();
    expect(out.result).toMatchObject({ task: 'binary', classes: ['no', 'yes'] });
    const { onnx } = await import('onnx-proto');
    const model = onnx.ModelProto.decode(out.artifacts['model.onnx'] as Uint8Array);
    expect(model.graph!.output.map((o) => o.name)).toEqual(['label', 'probabilities']);
    expect(model.graph!.node.some((n) => n.opType === 'ZipMap')).toBe(false);
    const azureml = out.lineage!.azureml as { model: { source: string; adapted: boolean; changes: string[] } };
    expect(azureml.model).toMatchObject({ source: 'azure-automl', adapted: true });
    expect(azureml.model.changes.join('\n')).toMatch(/output 'output_probability': ZipMap dropped/);
    expect(await registry.getBlobClient(provider.outputPrefix(jobId) + 'model-card.md').exists()).toBe(true);
    expect(String(out.artifacts['model-card.md'])).toContain('rewritten into the project');
  }, 120_000);

  it('retries a 429 with Retry-After on the job PUT, then succeeds', async () => {
    const { provider, registry } = await providerFor(stack);
    const blob = await putTrainSplit(registry, 'run-429', syntheticCsv(120));
    stack.emulator.faults.add({ method: 'PUT', path: '/jobs/mlops-run-429-', status: 429, retryAfterSeconds: 1, times: 1 });
    const { jobId } = await provider.submit(spec('run-429', blob));
    expect(puts(new RegExp(`/jobs/${jobId}$`))).toHaveLength(2);
    expect(stack.emulator.faults.hits()[0]).toMatchObject({ hits: 1, remaining: 0 });
    await provider.cancel(jobId);
  });

  it('cancels a running job: the job ends Canceled and the run reads CANCELED', async () => {
    const { provider, registry } = await providerFor(stack);
    const blob = await putTrainSplit(registry, 'run-cancel', syntheticCsv(120));
    await outcome({ job: 'mlops-run-cancel-', holdRunningMs: 60_000 });
    const { jobId } = await provider.submit(spec('run-cancel', blob));
    for (let i = 0; i < 100 && (await provider.status(jobId)).state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    await provider.cancel(jobId);
    const st = await provider.status(jobId);
    expect(st).toMatchObject({ state: 'failed', retryable: false, error: { code: 'CANCELED' } });
    expect(stack.emulator.received.some((r) => r.method === 'POST' && r.path.endsWith(`/jobs/${jobId}/cancel`))).toBe(true);
  }, 60_000);

  describe('failure codes', () => {
    it('COMPUTE_NOT_FOUND when AZUREML_COMPUTE names no cluster', async () => {
      const { provider, registry } = await providerFor(stack, { AZUREML_COMPUTE: 'gpu-nope' });
      const blob = await putTrainSplit(registry, 'run-nocompute', syntheticCsv(60));
      await expect(provider.submit(spec('run-nocompute', blob))).rejects.toMatchObject({
        code: 'COMPUTE_NOT_FOUND',
        message: expect.stringContaining("compute 'gpu-nope'"),
      });
      expect(puts(/\/jobs\/mlops-run-nocompute-/)).toHaveLength(0);
    });

    it('AUTH_FAILED when the token is refused', async () => {
      const { provider, registry } = await providerFor(stack, {}, 'a-token-the-service-refuses');
      const blob = await putTrainSplit(registry, 'run-auth', syntheticCsv(60));
      const err = await provider.submit(spec('run-auth', blob)).catch((e: AzureMLError) => e);
      expect(err).toBeInstanceOf(AzureMLError);
      expect((err as AzureMLError).code).toBe('AUTH_FAILED');
      expect((err as AzureMLError).message).toMatch(/HTTP 401 InvalidAuthenticationToken/);
    });

    it('INVALID_DATA when the training data lacks the target the job names', async () => {
      const { provider, registry } = await providerFor(stack);
      const blob = await putTrainSplit(registry, 'run-baddata', syntheticCsv(60));
      const { jobId } = await provider.submit(spec('run-baddata', blob, { target: 'price', options: { task: 'regression' } }));
      const st = (await pollUntilDone(provider, jobId)).at(-1)!;
      expect(st).toMatchObject({ state: 'failed', retryable: false, error: { code: 'INVALID_DATA', message: expect.stringContaining('price') } });
    }, 60_000);

    it('QUOTA_EXCEEDED when the service fails the job for quota', async () => {
      const { provider, registry } = await providerFor(stack);
      const blob = await putTrainSplit(registry, 'run-quota', syntheticCsv(60));
      await outcome({
        job: 'mlops-run-quota-',
        fail: { at: 'Preparing', code: 'UserError', innerCode: 'QuotaExceeded', message: 'Not enough quota available for Standard_DS3_v2 in westeurope.' },
      });
      const { jobId } = await provider.submit(spec('run-quota', blob));
      const st = (await pollUntilDone(provider, jobId)).at(-1)!;
      expect(st).toMatchObject({ state: 'failed', retryable: false, error: { code: 'QUOTA_EXCEEDED', message: expect.stringContaining('quota') } });
    }, 60_000);

    it('TIMEOUT when the service times the job out', async () => {
      const { provider, registry } = await providerFor(stack);
      const blob = await putTrainSplit(registry, 'run-timeout', syntheticCsv(60));
      await outcome({
        job: 'mlops-run-timeout-',
        fail: { at: 'Running', code: 'SystemError', innerCode: 'ExperimentTimedOut', message: 'The experiment timed out after its limit.' },
      });
      const { jobId } = await provider.submit(spec('run-timeout', blob));
      const st = (await pollUntilDone(provider, jobId)).at(-1)!;
      expect(st).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
    }, 60_000);

    it('TIMEOUT when a job outlives its own limit: the provider cancels it', async () => {
      const { provider, registry } = await providerFor(stack, { AZUREML_TIMEOUT_GRACE_SECONDS: '0' });
      const blob = await putTrainSplit(registry, 'run-stuck', syntheticCsv(60));
      await outcome({ job: 'mlops-run-stuck-', holdRunningMs: 60_000 });
      const { jobId } = await provider.submit(spec('run-stuck', blob, { options: { budgetSeconds: 1, maxTrials: 2 } }));
      const st = (await pollUntilDone(provider, jobId)).at(-1)!;
      expect(st).toMatchObject({ state: 'failed', error: { code: 'TIMEOUT' } });
      expect(stack.emulator.received.some((r) => r.method === 'POST' && r.path.endsWith(`/jobs/${jobId}/cancel`))).toBe(true);
    }, 60_000);

    it('INVALID_SETTINGS for a metric Azure AutoML has no primary-metric value for', async () => {
      const { provider, registry } = await providerFor(stack);
      const blob = await putTrainSplit(registry, 'run-metric', syntheticCsv(60));
      await expect(provider.submit(spec('run-metric', blob, { options: { primaryMetric: 'log_loss' } }))).rejects.toMatchObject({ code: 'INVALID_SETTINGS' });
    });
  });
});
