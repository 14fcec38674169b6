// The emulator's online endpoints and deployments, through raw HTTPS (to see statuses and headers) and
// the real SDK, every resource body checked against the 2025-12-01 spec schemas; the data plane really
// scores with the project's endpoint process.
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { buildTestModel, BINARY_SPEC, SAMPLE_ROWS } from '../../deploy/fixtures/model';
import { requireBuiltServer } from '../../deploy/support';
import { startAzureMLEmulator } from '../../../emulators/azureml';
import { EmulatorStack, FAKE_TOKEN, startEmulatorStack } from './support';
import { specErrors } from './onlineSpec';

jest.setTimeout(120_000);

const V = '2025-12-01';
let stack: EmulatorStack;
let ca: Buffer;
let ws: string;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

function call(
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${FAKE_TOKEN}` },
  trust: Buffer = ca,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = https.request(
      url,
      { method, ca: trust, headers: { 'content-type': 'application/json', ...(data ? { 'content-length': data.length } : {}), ...headers } },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : undefined;
          } catch {
            /* text */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
        });
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const arm = (method: string, path: string, body?: unknown) => call(method, `${stack.emulator.url}${ws}${path}?api-version=${V}`, body);

async function untilDone(a: Answer): Promise<Answer> {
  const url = (a.headers['azure-asyncoperation'] ?? a.headers.location) as string;
  for (;;) {
    const p = await call('GET', url);
    if (a.headers['azure-asyncoperation'] ? p.body.status !== 'InProgress' : p.status !== 202) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const endpointBody = (traffic: Record<string, number> = {}, mirror: Record<string, number> = {}, authMode = 'Key') => ({
  location: 'westeurope',
  tags: { purpose: 'test' },
  identity: { type: 'SystemAssigned' },
  kind: 'Managed',
  properties: { authMode, traffic, mirrorTraffic: mirror },
});

const deploymentBody = (model: string) => ({
  location: 'westeurope',
  sku: { name: 'Default', capacity: 1 },
  properties: { endpointComputeType: 'Managed', model, instanceType: 'Standard_DS3_v2', scaleSettings: { scaleType: 'Default' } },
});

const SCORE = JSON.stringify({ data: SAMPLE_ROWS });
const score = (endpoint: string, headers: Record<string, string>) => call('POST', `${stack.emulator.url}/online/${endpoint}/score`, SCORE, headers);

let modelId: string;
let brokenId: string;

beforeAll(async () => {
  requireBuiltServer();
  stack = await startEmulatorStack({ lroDelayMs: 300, retryAfterSeconds: 1 });
  ca = fs.readFileSync(stack.emulator.caFile);
  const s = stack.emulator.settings;
  ws = `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}`;
  const container = BlobServiceClient.fromConnectionString(stack.azurite.connectionString).getContainerClient(s.storage.container);
  await container.getBlockBlobClient('models/m/1/model.onnx').uploadData(Buffer.from(buildTestModel(BINARY_SPEC)));
  await container.getBlockBlobClient('models/broken/1/model.onnx').uploadData(Buffer.from('not a model'));
  const client = stack.client();
  modelId = (
    await client.modelVersions.createOrUpdate(s.resourceGroup, s.workspace, 'm', '1', {
      properties: { modelType: 'mlflow_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/models/m/1/' },
    })
  ).id!;
  brokenId = (
    await client.modelVersions.createOrUpdate(s.resourceGroup, s.workspace, 'broken', '1', {
      properties: { modelType: 'custom_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/models/broken/1/' },
    })
  ).id!;
});

afterAll(async () => stack?.stop());

describe('online endpoints', () => {
  test('PUT creates with 201 + Azure-AsyncOperation and Retry-After; Creating, then Succeeded; bodies match the spec', async () => {
    const put = await arm('PUT', '/onlineEndpoints/ep-one', endpointBody());
    expect(put.status).toBe(201);
    expect(put.headers['azure-asyncoperation']).toMatch(/\/locations\/westeurope\/mfeOperationsStatus\//);
    expect(put.headers['retry-after']).toBe('1');
    expect(specErrors('OnlineEndpoint', put.body)).toEqual([]);
    expect(put.body.properties.provisioningState).toBe('Creating');
    expect(put.body.properties.scoringUri).toBe(`${stack.emulator.url}/online/ep-one/score`);
    expect((await untilDone(put)).body.status).toBe('Succeeded');
    const got = await arm('GET', '/onlineEndpoints/ep-one');
    expect(specErrors('OnlineEndpoint', got.body)).toEqual([]);
    expect(got.body.properties).toMatchObject({ provisioningState: 'Succeeded', authMode: 'Key', traffic: {}, mirrorTraffic: {} });
    expect(specErrors('OnlineEndpointList', (await arm('GET', '/onlineEndpoints')).body)).toEqual([]);
    expect(specErrors('EndpointAuthKeys', (await arm('POST', '/onlineEndpoints/ep-one/listKeys')).body)).toEqual([]);
    // The schemas have teeth: a field the spec lacks, or a value outside an enum, fails.
    expect(specErrors('OnlineEndpoint', { ...got.body, properties: { ...got.body.properties, trafficSplit: {} } }).length).toBeGreaterThan(0);
    expect(specErrors('OnlineEndpoint', { ...got.body, properties: { ...got.body.properties, authMode: 'Password' } }).length).toBeGreaterThan(0);
  });

  test('the SDK waits the Retry-After between polls', async () => {
    const s = stack.emulator.settings;
    const before = stack.emulator.received.length;
    const done = await stack.client().onlineEndpoints.beginCreateOrUpdateAndWait(s.resourceGroup, s.workspace, 'ep-token', {
      location: 'westeurope',
      properties: { authMode: 'AMLToken' },
    });
    expect(done.properties.provisioningState).toBe('Succeeded');
    const polls = stack.emulator.received.slice(before).filter((r) => /mfeOperationsStatus/.test(r.path));
    // The SDK's first polls come at once; once it has read Retry-After (1 s) it waits that long,
    // although the operation was done after 300 ms.
    expect(polls.length).toBeGreaterThanOrEqual(2);
    const gaps = polls.slice(1).map((p, i) => Date.parse(p.at) - Date.parse(polls[i].at));
    expect(Math.max(...gaps)).toBeGreaterThanOrEqual(900);
  });

  test('bad bodies are ARM validation errors', async () => {
    for (const [path, body, target] of [
      ['/onlineEndpoints/1bad', endpointBody(), 'name'],
      ['/onlineEndpoints/ep-x', { properties: { authMode: 'Key' } }, 'location'],
      ['/onlineEndpoints/ep-x', { location: 'westeurope', properties: { authMode: 'Password' } }, 'properties.authMode'],
      ['/onlineEndpoints/ep-one', endpointBody({ nope: 100 }), 'properties.traffic'],
    ] as const) {
      const r = await arm('PUT', path, body);
      expect(r.status).toBe(400);
      expect(specErrors('ErrorResponse', r.body)).toEqual([]);
      expect(r.body.error).toMatchObject({ code: 'UserError', target });
    }
    const patch = await arm('PATCH', '/onlineEndpoints/ep-one', { properties: { traffic: {} } });
    expect(patch.status).toBe(400);
  });
});

describe('online deployments and the data plane', () => {
  test('PUT creates with 201; meanwhile the endpoint reads Updating and refuses another deployment and a traffic change', async () => {
    const put = await arm('PUT', '/onlineEndpoints/ep-one/deployments/blue', deploymentBody(modelId));
    expect(put.status).toBe(201);
    expect(specErrors('OnlineDeployment', put.body)).toEqual([]);
    expect(put.body.properties.provisioningState).toBe('Creating');
    expect((await arm('GET', '/onlineEndpoints/ep-one')).body.properties.provisioningState).toBe('Updating');
    const second = await arm('PUT', '/onlineEndpoints/ep-one/deployments/green', deploymentBody(modelId));
    expect(second.status).toBe(409);
    expect(second.body.error.message).toBe('Cannot create a deployment in endpoint ep-one because it is in Updating provisioning state.');
    expect((await arm('PUT', '/onlineEndpoints/ep-one', endpointBody())).status).toBe(409);
    expect((await untilDone(put)).body.status).toBe('Succeeded');
    const got = await arm('GET', '/onlineEndpoints/ep-one/deployments/blue');
    expect(specErrors('OnlineDeployment', got.body)).toEqual([]);
    expect(got.body).toMatchObject({ sku: { capacity: 1 }, properties: { provisioningState: 'Succeeded', model: modelId } });
    expect((await arm('GET', '/onlineEndpoints/ep-one')).body.properties.provisioningState).toBe('Succeeded');
    expect(specErrors('OnlineDeploymentList', (await arm('GET', '/onlineEndpoints/ep-one/deployments')).body)).toEqual([]);
  });

  test('scoring checks the key, routes by header at 0 % and answers with the model and azureml-model-deployment', async () => {
    const keys = (await arm('POST', '/onlineEndpoints/ep-one/listKeys')).body;
    expect((await score('ep-one', {})).status).toBe(401);
    expect((await score('ep-one', { authorization: 'Bearer wrong-key-wrong-key' })).status).toBe(401);
    expect((await score('ep-one', { authorization: `Bearer ${keys.primaryKey}` })).status).toBe(424);
    const r = await score('ep-one', { authorization: `Bearer ${keys.secondaryKey}`, 'azureml-model-deployment': 'blue' });
    expect(r.status).toBe(200);
    expect(r.headers['azureml-model-deployment']).toBe('blue');
    expect(r.body.result).toHaveLength(SAMPLE_ROWS.length);
    expect((await score('ep-one', { authorization: `Bearer ${keys.primaryKey}`, 'azureml-model-deployment': 'nope' })).status).toBe(404);
  });

  test('traffic weights and mirrored copies, set by full PUTs of the endpoint', async () => {
    const keys = (await arm('POST', '/onlineEndpoints/ep-one/listKeys')).body;
    const auth = { authorization: `Bearer ${keys.primaryKey}` };
    await untilDone(await arm('PUT', '/onlineEndpoints/ep-one/deployments/green', deploymentBody(modelId)));
    expect((await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 60, green: 30 }))).status).toBe(400);
    expect((await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 100 }, { green: 60 }))).status).toBe(400);
    expect((await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 50, green: 50 }, { green: 10 }))).status).toBe(400);

    const principal = (await arm('GET', '/onlineEndpoints/ep-one')).body.identity.principalId;
    const split = await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 50, green: 50 }));
    expect(split.status).toBe(200);
    await untilDone(split);
    const updated = (await arm('GET', '/onlineEndpoints/ep-one')).body;
    expect(specErrors('OnlineEndpoint', updated)).toEqual([]);
    expect(updated.identity.principalId).toBe(principal);
    expect(updated.properties.traffic).toEqual({ blue: 50, green: 50 });
    const served: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const r = await score('ep-one', auth);
      expect(r.status).toBe(200);
      served[r.headers['azureml-model-deployment'] as string] = (served[r.headers['azureml-model-deployment'] as string] ?? 0) + 1;
    }
    expect(served.blue).toBeGreaterThan(0);
    expect(served.green).toBeGreaterThan(0);

    await untilDone(await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 100 }, { green: 50 })));
    for (let i = 0; i < 30; i++) expect((await score('ep-one', auth)).headers['azureml-model-deployment']).toBe('blue');
    await new Promise((r) => setTimeout(r, 200));
    const stats = (await call('GET', `${stack.emulator.url}/_emulator/online/ep-one/stats`, undefined, {})).body;
    expect(stats.green.mirrored).toBeGreaterThan(3);
    expect(stats.green.mirrored).toBeLessThan(30);
  });

  test('regenerateKeys is a 202 + Location operation; the old primary stops working when it completes', async () => {
    const before = (await arm('POST', '/onlineEndpoints/ep-one/listKeys')).body;
    const op = await arm('POST', '/onlineEndpoints/ep-one/regenerateKeys', { keyType: 'Primary' });
    expect(op.status).toBe(202);
    expect(op.headers.location).toMatch(/mfeOperationResults/);
    expect((await arm('POST', '/onlineEndpoints/ep-one/regenerateKeys', { keyType: 'Tertiary' })).status).toBe(400);
    expect((await untilDone(op)).status).toBe(200);
    const after = (await arm('POST', '/onlineEndpoints/ep-one/listKeys')).body;
    expect(after.primaryKey).not.toBe(before.primaryKey);
    expect(after.secondaryKey).toBe(before.secondaryKey);
    expect((await score('ep-one', { authorization: `Bearer ${before.primaryKey}` })).status).toBe(401);
    expect((await score('ep-one', { authorization: `Bearer ${after.primaryKey}` })).status).toBe(200);
  });

  test('token is for AMLToken endpoints, and the data plane accepts it', async () => {
    expect((await arm('POST', '/onlineEndpoints/ep-one/token')).status).toBe(400);
    const t = await arm('POST', '/onlineEndpoints/ep-token/token');
    expect(t.status).toBe(200);
    expect(specErrors('EndpointAuthToken', t.body)).toEqual([]);
    expect((await score('ep-token', { authorization: 'Bearer not-the-token' })).status).toBe(401);
    // Authenticated, but nothing deployed there yet.
    expect((await score('ep-token', { authorization: `Bearer ${t.body.accessToken}` })).status).toBe(424);
    expect((await arm('POST', '/onlineEndpoints/ep-token/listKeys')).status).toBe(400);
  });

  test('getLogs returns the inference server and storage initializer logs', async () => {
    const logs = await arm('POST', '/onlineEndpoints/ep-one/deployments/blue/getLogs', { containerType: 'InferenceServer', tail: 50 });
    expect(specErrors('DeploymentLogs', logs.body)).toEqual([]);
    expect(logs.body.content).toMatch(/Listening at http:\/\/127\.0\.0\.1:\d+/);
    const storage = await arm('POST', '/onlineEndpoints/ep-one/deployments/blue/getLogs', { containerType: 'StorageInitializer' });
    expect(storage.body.content).toMatch(/Downloaded \d+ bytes/);
  });

  test('a deployment whose model does not load fails with ResourceNotReady, and its logs say why', async () => {
    const put = await arm('PUT', '/onlineEndpoints/ep-one/deployments/broken', deploymentBody(brokenId));
    expect(put.status).toBe(201);
    const done = await untilDone(put);
    expect(done.body.status).toBe('Failed');
    expect(done.body.error.code).toBe('ResourceNotReady');
    expect((await arm('GET', '/onlineEndpoints/ep-one/deployments/broken')).body.properties.provisioningState).toBe('Failed');
    const logs = await arm('POST', '/onlineEndpoints/ep-one/deployments/broken/getLogs', {});
    expect(logs.body.content).toMatch(/endpoint failed to start/);
    expect((await arm('PUT', '/onlineEndpoints/ep-one/deployments/nomodel', deploymentBody(`${ws}/models/absent/versions/1`))).status).toBe(400);
  });

  test('PATCH changes sku only; DELETE refuses a deployment with traffic, then deletes (202 + Location)', async () => {
    expect((await arm('PATCH', '/onlineEndpoints/ep-one/deployments/green', { properties: { model: modelId } })).status).toBe(400);
    const patch = await arm('PATCH', '/onlineEndpoints/ep-one/deployments/green', { sku: { capacity: 3 } });
    expect(patch.status).toBe(202);
    await untilDone(patch);
    expect((await arm('GET', '/onlineEndpoints/ep-one/deployments/green')).body.sku.capacity).toBe(3);

    const refused = await arm('DELETE', '/onlineEndpoints/ep-one/deployments/blue');
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/100 % of the live traffic/);
    await untilDone(await arm('PUT', '/onlineEndpoints/ep-one', endpointBody({ blue: 100 })));
    const del = await arm('DELETE', '/onlineEndpoints/ep-one/deployments/green');
    expect(del.status).toBe(202);
    expect((await untilDone(del)).status).toBe(200);
    expect((await arm('GET', '/onlineEndpoints/ep-one/deployments/green')).status).toBe(404);
    expect((await arm('DELETE', '/onlineEndpoints/ep-one/deployments/green')).status).toBe(204);

    const epDel = await arm('DELETE', '/onlineEndpoints/ep-one');
    expect(epDel.status).toBe(202);
    await untilDone(epDel);
    expect((await arm('GET', '/onlineEndpoints/ep-one')).status).toBe(404);
    expect((await score('ep-one', {})).status).toBe(404);
  });
});

describe('an emulator restarted on its state folder', () => {
  test('serves the deployments that were serving, with the same keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'azureml-online-state-'));
    const storage = { connectionString: stack.azurite.connectionString, container: stack.emulator.settings.storage.container };
    let emu = await startAzureMLEmulator({ storage, stateDir: dir, lroDelayMs: 50, retryAfterSeconds: 0 });
    try {
      const s = emu.settings;
      const base = `${emu.url}/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s.workspace}`;
      const caHere = fs.readFileSync(emu.caFile);
      const req = (method: string, url: string, body?: unknown, headers?: Record<string, string>) => call(method, url, body, headers, caHere);
      const v = `?api-version=${V}`;
      await req('PUT', `${base}/models/m/versions/1${v}`, {
        properties: { modelType: 'mlflow_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/models/m/1/' },
      });
      const ep = await req('PUT', `${base}/onlineEndpoints/ep-keep${v}`, endpointBody());
      const wait = async (a: Answer) => {
        for (;;) {
          const p = await req('GET', a.headers['azure-asyncoperation'] as string);
          if (p.body.status !== 'InProgress') return p;
          await new Promise((r) => setTimeout(r, 50));
        }
      };
      await wait(ep);
      expect(
        (
          await wait(
            await req('PUT', `${base}/onlineEndpoints/ep-keep/deployments/blue${v}`, deploymentBody(`${base.slice(emu.url.length)}/models/m/versions/1`)),
          )
        ).body.status,
      ).toBe('Succeeded');
      await wait(await req('PUT', `${base}/onlineEndpoints/ep-keep${v}`, endpointBody({ blue: 100 })));
      const keys = (await req('POST', `${base}/onlineEndpoints/ep-keep/listKeys${v}`)).body;
      const scoreHere = () => req('POST', `${emu.url}/online/ep-keep/score`, SCORE, { authorization: `Bearer ${keys.primaryKey}` });
      const before = (await req('GET', `${base}/onlineEndpoints/ep-keep${v}`)).body;
      expect((await scoreHere()).status).toBe(200);

      await emu.stop();
      emu = await startAzureMLEmulator({ storage, stateDir: dir, lroDelayMs: 50, retryAfterSeconds: 0 });
      // Same endpoint, same keys; the scoring URI follows the new port.
      const after = (await req('GET', `${emu.url}${base.slice(base.indexOf('/subscriptions'))}/onlineEndpoints/ep-keep${v}`)).body;
      expect(after.properties.traffic).toEqual(before.properties.traffic);
      expect(after.properties.scoringUri).toBe(`${emu.url}/online/ep-keep/score`);
      let r: Answer | undefined;
      for (let i = 0; i < 100 && r?.status !== 200; i++) {
        r = await scoreHere().catch(() => undefined);
        if (r?.status !== 200) await new Promise((res) => setTimeout(res, 100));
      }
      expect(r?.status).toBe(200);
      expect(r?.headers['azureml-model-deployment']).toBe('blue');
    } finally {
      await emu.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
