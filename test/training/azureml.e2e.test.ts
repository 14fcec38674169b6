/**
 * AUTOML_PROVIDER=azureml end to end: the real app in the embedded host, Azurite, and the Azure ML
 * emulator as its own process (HTTPS, trusted through NODE_EXTRA_CA_CERTS). A CSV dropped in
 * `datasets` is trained by an Azure ML AutoML job, registered with its Azure ML lineage, deployed on
 * the local target and promoted. Then the host is SIGKILLed while the next job runs: the restarted
 * host polls the same job to completion and submits no second one.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { appApi } from '../support/appApi';
import { startTestAzurite } from '../support/azurite';
import { bankCsv } from '../support/bank';
import { startTestHost, TestHost } from '../support/host';
import { EmulatorProcess, startEmulatorProcess } from '../emulators/azureml/process';

jest.setTimeout(600_000);

const csv = (from: number, count: number) => bankCsv(from, count);
const TOKEN = 'e2e-emulator-token';

describe('pipeline end to end with AUTOML_PROVIDER=azureml (Azure ML emulator)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let emu: EmulatorProcess;
  let host: TestHost;
  let env: Record<string, string>;
  let datasets: ContainerClient;
  let registry: ContainerClient;

  const { api, waitForRun } = appApi(() => host);
  const jobPuts = async (prefix: string) =>
    (await emu.request('GET', `/_emulator/requests?method=PUT&path=${encodeURIComponent(`/jobs/${prefix}`)}`)).body.value as { path: string; body: any }[];
  const jobs = async () =>
    (
      await emu.request(
        'GET',
        `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/jobs?api-version=2025-12-01`,
        undefined,
        TOKEN,
      )
    ).body.value as any[];

  beforeAll(async () => {
    az = await startTestAzurite();
    emu = await startEmulatorProcess(az.connectionString, ['--job-phase-ms', '200', '--lro-delay-ms', '100']);
    // The settings main.js prints for a host beside it (what `npm start` would merge in).
    expect(emu.hostEnv).toMatchObject({ AUTOML_PROVIDER: 'azureml', AZUREML_ARM_ENDPOINT: emu.url, NODE_EXTRA_CA_CERTS: emu.caFile });
    env = {
      ...emu.hostEnv,
      AZUREML_EMULATOR_TOKEN: TOKEN,
      AUTOML_BUDGET_SECONDS: '5',
      AUTOML_POLL_SECONDS: '0.5',
      BENCHMARK_REQUESTS: '50',
      BENCHMARK_CONCURRENCY: '2',
      BENCHMARK_MAX_P95_MS: '10000',
      MLOPS_BLOB_SCAN_INTERVAL_MS: '500',
    };
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env });
    const blobs = BlobServiceClient.fromConnectionString(az.connectionString);
    datasets = blobs.getContainerClient('datasets');
    registry = blobs.getContainerClient('registry');
    await datasets.createIfNotExists();
  });

  afterAll(async () => {
    await host?.stop();
    await emu?.stop();
    await az?.stop();
  });

  it('upload -> Azure ML AutoML job -> model registered with Azure ML lineage -> deployed -> promoted', async () => {
    const text = csv(0, 1500);
    await datasets.getBlockBlobClient('bank.csv').upload(text, Buffer.byteLength(text));
    const run = await waitForRun('train-bank-v1');
    expect(run.runtimeStatus).toBe('Completed');
    expect(run.phases.map((p: any) => p.phase)).toEqual(['queued', 'prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide', 'completed']);
    expect(JSON.stringify(run.phases)).toContain('provider azureml');
    expect(run.automl.trials).toBeGreaterThan(0);
    expect(run.decision).toMatchObject({ promoted: true, challenger: { model: 'bank', version: 1 } });

    // One job for the run, with the whole body, through the real SDK pipeline.
    const puts = await jobPuts('mlops-train-bank-v1-');
    expect(puts).toHaveLength(1);
    expect(puts[0].body.properties.taskDetails).toMatchObject({
      taskType: 'Classification',
      targetColumnName: 'y',
      primaryMetric: 'AUCWeighted',
      limitSettings: { timeout: 'PT5S' },
    });
    const jobName = puts[0].path.split('/').pop()!;
    expect((await jobs()).find((j) => j.name === jobName).properties.status).toBe('Completed');

    // The registered model carries the Azure ML lineage: job, best child, data asset, model version.
    const lineage = JSON.parse((await registry.getBlobClient('models/bank/v1/lineage.json').downloadToBuffer()).toString('utf8'));
    expect(lineage).toMatchObject({
      dataset: 'bank',
      datasetVersion: 1,
      provider: 'azureml',
      automlJob: jobName,
      azureml: {
        jobName,
        job: expect.stringMatching(new RegExp(`/workspaces/${emu.workspace}/jobs/${jobName}$`)),
        bestChildRunId: expect.stringMatching(new RegExp(`^${jobName}_\\d+$`)),
        dataAsset: expect.stringMatching(/^azureml:mlops-train-bank:train-bank-v1-/),
        modelVersion: expect.stringMatching(/\/models\/mlops-bank\/versions\/train-bank-v1-/),
      },
    });
    const dataAsset = await emu.request(
      'GET',
      `/subscriptions/${emu.subscriptionId}/resourceGroups/${emu.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${emu.workspace}/data/mlops-train-bank/versions/${lineage.azureml.dataAsset.split(':').pop()}?api-version=2025-12-01`,
      undefined,
      TOKEN,
    );
    expect(dataAsset.body.properties.tags).toMatchObject({
      'mlops.dataset': 'bank',
      'mlops.datasetVersion': '1',
      'mlops.datasetSha256': expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    const deployments = (await api('/api/deployments')).body.deployments;
    expect(deployments).toEqual([expect.objectContaining({ name: 'bank-v1', champion: true, status: 'running' })]);
  });

  it('a host SIGKILLed while the job runs restarts and polls the same job; no second job', async () => {
    // Keep the v2 job Running long enough to kill the host in the middle of it.
    expect((await emu.request('POST', '/_emulator/jobs/outcomes', { job: '^mlops-train-bank-v2-', holdRunningMs: 12_000 })).status).toBe(201);
    const text = csv(0, 1600);
    await datasets.getBlockBlobClient('bank.csv').upload(text, Buffer.byteLength(text));
    const deadline = Date.now() + 120_000;
    let job: any;
    while (Date.now() < deadline) {
      job = (await jobs()).find((j) => j.name.startsWith('mlops-train-bank-v2-'));
      if (job?.properties.status === 'Running') break;
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(job?.properties.status).toBe('Running');
    await host.kill('SIGKILL');
    host = await startTestHost({ appDir: '.', connectionString: az.connectionString, env });
    const run = await waitForRun('train-bank-v2');
    expect(run.runtimeStatus).toBe('Completed');
    const puts = await jobPuts('mlops-train-bank-v2-');
    expect(puts).toHaveLength(1);
    expect(puts[0].path.endsWith(`/jobs/${job.name}`)).toBe(true);
    expect((await jobs()).filter((j) => j.name.startsWith('mlops-train-bank-v2-'))).toHaveLength(1);
    expect((await jobs()).find((j) => j.name === job.name).properties.status).toBe('Completed');
    expect(run.decision).toMatchObject({ challenger: { model: 'bank', version: 2 } });
  });
});
