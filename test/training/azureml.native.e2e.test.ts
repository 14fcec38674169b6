/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
/**
 * AUTOML_PROVIDER=azureml end to end with the emulator imitating Azure's own AutoML (`--job-outputs
 * azure`): the best child leaves only an ONNX model in Azure's conventions (int64 inputs, ZipMap,
 * output_label/output_probability) and its MLmodel, no outputs/engine/pipeline.json. The run adapts the
 * model to the endpoint contract, registers it without pipeline.json, deploys it on the local target,
 * scores the held-out split through ONNX, records that score in the decision, promotes it, and the
 * model answers on /api/models/{name}/score.
 */
import { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import { onnx } from 'onnx-proto';
import { evaluateOnnxCells } from '../../src/automl/onnx/evaluate';
import { inputSchemaFromOnnx } from '../../src/contract/schema';
import { readHeldOut } from '../../src/pipeline/evaluate';
import { appApi } from '../support/appApi';
import { startTestAzurite } from '../support/azurite';
import { bankCsv, bankRow } from '../support/bank';
import { startTestHost, TestHost } from '../support/host';
import { EmulatorProcess, startEmulatorProcess } from '../emulators/azureml/process';

jest.setTimeout(600_000);

const csv = (from: number, count: number) => bankCsv(from, count);
const row = bankRow;
const TOKEN = 'e2e-emulator-token';

describe('pipeline end to end with a model from Azure AutoML (emulator --job-outputs azure)', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let emu: EmulatorProcess;
  let host: TestHost;
  let datasets: ContainerClient;
  let registry: ContainerClient;
  let artifacts: ContainerClient;

  const { api, waitForRun } = appApi(() => host);
  const exists = (c: ContainerClient, blob: string) => c.getBlobClient(blob).exists();

  beforeAll(async () => {
    az = await startTestAzurite();
    emu = await startEmulatorProcess(az.connectionString, ['--job-phase-ms', '200', '--lro-delay-ms', '100', '--job-outputs', 'azure']);
    const env = {
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
    artifacts = blobs.getContainerClient('azureml');
    await datasets.createIfNotExists();
  });

  afterAll(async () => {
    await host?.stop();
    await emu?.stop();
    await az?.stop();
  });

  it('upload -> job -> adapted model registered without pipeline.json -> deployed -> held-out score through ONNX -> promoted -> served', async () => {
    const text = csv(0, 1500);
    await datasets.getBlockBlobClient('bank.csv').upload(text, Buffer.byteLength(text));
    const run = await waitForRun('train-bank-v1');
    expect({ status: run.runtimeStatus, error: run.error }).toEqual({ status: 'Completed', error: undefined });
    expect(run.phases.map((p: any) => p.phase)).toEqual(['queued', 'prepare', 'automl', 'register', 'deploy', 'benchmark', 'decide', 'completed']);

    // What the best child left: Azure's layout only (ZipMap, int64 inputs), no engine files.
    const lineage = JSON.parse((await registry.getBlobClient('models/bank/v1/lineage.json').downloadToBuffer()).toString('utf8'));
    const child = lineage.azureml.bestChildRunId as string;
    const outputs = `ExperimentRun/dcid.${child}/outputs/`;
    expect(await exists(artifacts, `${outputs}engine/pipeline.json`)).toBe(false);
    const azureModel = onnx.ModelProto.decode(await artifacts.getBlobClient(`${outputs}model.onnx`).downloadToBuffer());
    expect(azureModel.graph!.output.map((o) => o.name)).toEqual(['output_label', 'output_probability']);
    expect(azureModel.graph!.node.some((n) => n.opType === 'ZipMap')).toBe(true);
    expect(azureModel.graph!.input.filter((v) => v.type!.tensorType!.elemType === onnx.TensorProto.DataType.INT64).map((v) => v.name)).toContain('age');

    // Registered without pipeline.json; model.onnx is in the endpoint contract; the lineage says it was adapted.
    expect(await exists(registry, 'models/bank/v1/pipeline.json')).toBe(false);
    const model = await registry.getBlobClient('models/bank/v1/model.onnx').downloadToBuffer();
    const schema = inputSchemaFromOnnx(model);
    expect(schema).toMatchObject({ task: 'classification', classes: ['no', 'yes'], hasProbabilities: true, target: 'y' });
    expect(schema.fields.every((f) => f.tensorType === 'float' || f.tensorType === 'string')).toBe(true);
    expect(lineage.azureml.model).toMatchObject({ source: 'azure-automl', adapted: true });
    expect(lineage.azureml.model.changes.join('\n')).toMatch(/ZipMap dropped/);
    expect(lineage.azureml.model.changes.join('\n')).toMatch(/input 'age': int64 -> float/);
    const result = JSON.parse((await registry.getBlobClient(`automl/azureml/${lineage.automlJob}/result.json`).downloadToBuffer()).toString('utf8'));
    expect(result).toMatchObject({ task: 'binary', classes: ['no', 'yes'] });

    // The decision's held-out score came through ONNX and is the registered model's score on the run's test split.
    expect(run.decision).toMatchObject({ promoted: true, challenger: { model: 'bank', version: 1, evaluatedBy: 'onnx' } });
    const held = await readHeldOut((await registry.getBlobClient('runs/train-bank-v1/test.csv').download()).readableStreamBody!);
    const again = await evaluateOnnxCells(model, held, run.decision.metric);
    expect(run.decision.challenger.testScore).toBeCloseTo(again.primary!, 10);
    expect(run.decision.challenger.testScore).toBeGreaterThan(0.6);
    const versions = (await api('/api/models/bank')).body;
    expect(JSON.stringify(versions)).toContain(String(run.decision.challenger.testScore));

    const deployments = (await api('/api/deployments')).body.deployments;
    expect(deployments).toEqual([expect.objectContaining({ name: 'bank-v1', champion: true, status: 'running' })]);
    const scored = await api('/api/models/bank/score', { method: 'POST', body: JSON.stringify({ data: [row(1), row(2), row(3)] }) });
    expect(scored.status).toBe(200);
    expect(scored.body.result).toHaveLength(3);
    for (const label of scored.body.result) expect(['no', 'yes']).toContain(label);
  });
});
