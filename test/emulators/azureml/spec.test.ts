import * as fs from 'node:fs';
import * as https from 'node:https';
import * as path from 'node:path';
import Ajv from 'ajv';
import { pollUntilDone, providerFor, putTrainSplit, spec } from '../../training/azureml.support';
import { syntheticCsv } from '../../training/azureml.support';
import { EmulatorStack, FAKE_TOKEN, startEmulatorStack } from './support';

/**
 * The emulator's responses (and the provider's job body) against the REST spec's schemas for
 * api-version 2025-12-01, transcribed in spec/mfe-2025-12-01.subset.json (source and method noted there).
 */
const doc = JSON.parse(fs.readFileSync(path.join(__dirname, 'spec', 'mfe-2025-12-01.subset.json'), 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true });
ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
ajv.addFormat('duration', /^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/);
ajv.addSchema({ ...doc, $id: 'mfe' });
const check = (def: string, value: unknown) => {
  const validate = ajv.getSchema(`mfe#/definitions/${def}`)!;
  const ok = validate(value);
  return ok ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
};

describe('emulator responses match the Azure ML REST spec (2025-12-01)', () => {
  let stack: EmulatorStack;
  let ws: string;
  let jobName: string;
  let jobBody: unknown;
  beforeAll(async () => {
    stack = await startEmulatorStack({ plugins: { jobs: { phaseMs: 100 } } });
    const s = stack.emulator.settings;
    ws = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}`;
    const { provider, registry } = await providerFor(stack);
    const blob = await putTrainSplit(registry, 'run-spec', syntheticCsv(120));
    jobName = (await provider.submit(spec('run-spec', blob, { options: { budgetSeconds: 4, maxTrials: 2 } }))).jobId;
    jobBody = stack.emulator.received.find((r) => r.method === 'PUT' && r.path.endsWith(`/jobs/${jobName}`))!.body;
    const last = (await pollUntilDone(provider, jobName)).at(-1)!;
    expect([last.state, last.error]).toEqual(['completed', undefined]);
  }, 120_000);
  afterAll(async () => stack?.stop());

  const get = (method: string, p: string) =>
    new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = https.request(
        `${stack.emulator.url}${p}${p.includes('?') ? '&' : '?'}api-version=2025-12-01`,
        { method, ca: fs.readFileSync(stack.emulator.caFile), headers: { authorization: `Bearer ${FAKE_TOKEN}` } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        },
      );
      req.on('error', reject);
      req.end();
    });

  it('the provider sends a job body valid for AutoMLJob', () => {
    expect(check('JobBaseResource', jobBody)).toEqual([]);
  });

  it('jobs get and list', async () => {
    const one = await get('GET', `${ws}/jobs/${jobName}`);
    expect(one.status).toBe(200);
    expect(one.body.properties.status).toBe('Completed');
    expect(check('JobBaseResource', one.body)).toEqual([]);
    expect(check('JobBaseResourceArmPaginatedResult', (await get('GET', `${ws}/jobs`)).body)).toEqual([]);
  });

  it('data and model versions', async () => {
    const tags = (jobBody as { properties: { tags: Record<string, string> } }).properties.tags;
    const [, name, version] = /^azureml:([^:]+):(.+)$/.exec(tags['mlops.dataAsset'])!;
    const data = await get('GET', `${ws}/data/${name}/versions/${version}`);
    expect(data.status).toBe(200);
    expect(check('DataVersionBaseResource', data.body)).toEqual([]);
    const models = await get('GET', `${ws}/models/mlops-synthetic/versions`);
    expect(models.body.value.length).toBe(1);
    expect(check('ModelVersionResource', models.body.value[0])).toEqual([]);
  });

  it('datastores, their list and their secrets', async () => {
    expect(check('DatastoreResource', (await get('GET', `${ws}/datastores/workspaceblobstore`)).body)).toEqual([]);
    expect(check('DatastoreResourceArmPaginatedResult', (await get('GET', `${ws}/datastores`)).body)).toEqual([]);
    expect(check('AccountKeyDatastoreSecrets', (await get('POST', `${ws}/datastores/workspaceblobstore/listSecrets`)).body)).toEqual([]);
  });

  it('errors in the ARM ErrorResponse shape', async () => {
    const missing = await get('GET', `${ws}/jobs/no-such-job`);
    expect(missing.status).toBe(404);
    expect(check('ErrorResponse', missing.body)).toEqual([]);
    const badVersion = await get('GET', `${ws}/jobs/${jobName}?api-version=1999-01-01`);
    expect(check('ErrorResponse', badVersion.body)).toEqual([]);
  });

  it('the schemas have teeth: an unknown property or a wrong enum fails', () => {
    const body = JSON.parse(JSON.stringify(jobBody));
    body.properties.taskDetails.limitSettings.maxTrialz = 3;
    body.properties.taskDetails.primaryMetric = 'R2Score';
    expect(check('JobBaseResource', body).length).toBeGreaterThan(0);
  });
});
