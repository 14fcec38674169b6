// The two Azure ML halves fit: a model version the AutoML provider registered (MLflow model in the
// job's outputs) is deployed by the target from its ARM id and serves real predictions.
import { ContainerClient } from '@azure/storage-blob';
import type { AzureMLDeploymentTarget } from '../../src/deploy/azureml';
import { pollUntilDone, providerFor, putTrainSplit, spec, syntheticCsv } from '../training/azureml.support';
import { requireBuiltServer } from './support';
import { startTargetStack, TargetStack } from './azuremlSupport';

jest.setTimeout(180_000);

let ts: TargetStack;
let target: AzureMLDeploymentTarget;

beforeAll(async () => {
  requireBuiltServer();
  ts = await startTargetStack({ plugins: { jobs: { phaseMs: 100 } } });
  target = ts.newTarget();
});
afterAll(async () => ts?.stop());

test('a model registered by the AutoML provider is deployed from its ARM id and scores', async () => {
  const { provider, registry } = await providerFor(ts.stack);
  const blob = await putTrainSplit(registry, 'run-deploy', syntheticCsv(150));
  const { jobId } = await provider.submit(spec('run-deploy', blob, { options: { budgetSeconds: 4, maxTrials: 2 } }));
  const last = (await pollUntilDone(provider, jobId)).at(-1)!;
  expect(last.state).toBe('completed');

  const s = ts.settings;
  const versions: { id?: string; properties: { modelUri?: string } }[] = [];
  for await (const v of ts.stack.client().modelVersions.list(s.resourceGroup, s.workspace, 'mlops-synthetic')) versions.push(v);
  expect(versions).toHaveLength(1);
  expect(versions[0].properties.modelUri).toMatch(/^azureml:\/\/jobs\/[^/]+\/outputs\/artifacts\/outputs\/mlflow-model\/$/);

  const prefix = provider.outputPrefix(jobId);
  const onnxBlob = await findOnnx(registry, prefix);
  const d = await target.deploy({
    name: 'synthetic-v1',
    modelName: 'synthetic',
    modelVersion: 1,
    model: { blob: onnxBlob, container: 'registry' },
    azureModelId: versions[0].id,
  } as never);
  expect(d.status).toBe('running');
  // No model version was registered by the target: it used the provider's.
  expect(ts.stack.emulator.received.filter((r) => r.method === 'PUT' && /\/models\/synthetic\//.test(r.path))).toHaveLength(0);
  const put = ts.stack.emulator.received.find((r) => r.method === 'PUT' && /\/deployments\/synthetic-v1$/.test(r.path))!;
  expect((put.body as { properties: { model: string } }).properties.model).toBe(versions[0].id);

  const rows = [
    { x1: 9.5, x2: 1, color: 'red' },
    { x1: 0.5, x2: 3, color: 'blue' },
  ];
  const a = await target.score('synthetic', JSON.stringify({ data: rows }), 'synthetic-v1');
  expect(a.status).toBe(200);
  const body = JSON.parse(a.body) as { result: unknown[] };
  expect(body.result).toHaveLength(2);
  expect(JSON.stringify(body.result)).toMatch(/yes|no/);
});

async function findOnnx(registry: ContainerClient, prefix: string): Promise<string> {
  for await (const b of registry.listBlobsFlat({ prefix })) if (b.name.endsWith('.onnx')) return b.name;
  throw new Error(`no ONNX file under ${prefix}`);
}
