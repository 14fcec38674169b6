// The Azure ML deployment target against the emulator, through the real SDK: endpoint per lineage,
// deployments at 0 %, traffic switches and key rotation under load (0 non-2xx), the Updating conflict,
// failed deployments with their logs, the canary (live and mirrored) and restore after a crash.
import * as fs from 'node:fs';
import * as https from 'node:https';
import { BlobServiceClient } from '@azure/storage-blob';
import { AzureMLDeploymentTarget } from '../../src/deploy/azureml';
import { azureDeploymentName, endpointNameFor } from '../../src/deploy/azureml/names';
import { DeployError } from '../../src/deploy/target';
import { BINARY_SPEC, buildTestModel, TestModelSpec } from './fixtures/model';
import { requireBuiltServer } from './support';
import { specErrors } from '../emulators/azureml/onlineSpec';
import { loadLoop, renameInput, SCORE_BODY, startTargetStack, TargetStack } from './azuremlSupport';

jest.setTimeout(180_000);

const LINEAGE = 'bank_marketing';
const V2_SPEC: TestModelSpec = { ...BINARY_SPEC, bias: [0, -3.5] };

let ts: TargetStack;
let target: AzureMLDeploymentTarget;

const received = (method: string, path: RegExp) => ts.stack.emulator.received.filter((r) => r.method === method && path.test(r.path));
const endpointPath = () => new RegExp(`/onlineEndpoints/${endpointNameFor(LINEAGE, ts.settings)}$`, 'i');

async function emulatorDeployment(name: string) {
  const client = ts.stack.client();
  const s = ts.settings;
  return client.onlineDeployments.get(s.resourceGroup, s.workspace, endpointNameFor(LINEAGE, s), azureDeploymentName(name)).then(
    (d) => d,
    (e) => {
      if (e.statusCode === 404) return undefined;
      throw e;
    },
  );
}

function getJson(url: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca: fs.readFileSync(ts.stack.emulator.caFile) }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve(JSON.parse(text)));
      })
      .on('error', reject);
  });
}

async function deployVersion(version: number, bytes: Uint8Array, name = `bank-marketing-v${version}`) {
  await ts.putModel('bank_marketing', version, bytes);
  return target.deploy({ name, modelName: 'bank_marketing', modelVersion: version });
}

beforeAll(async () => {
  requireBuiltServer();
  ts = await startTargetStack();
  target = ts.newTarget();
});

afterAll(async () => {
  await ts?.stop();
});

describe('AzureMLDeploymentTarget against the emulator', () => {
  test('deploy creates the lineage endpoint (key auth) and a deployment at 0 % from a model it registers from the registry files', async () => {
    const d = await deployVersion(1, buildTestModel(BINARY_SPEC));
    const ep = await target.endpointFor(LINEAGE);
    expect(ep.endpoint).toMatch(/^[a-z][a-z0-9-]{1,30}[a-z0-9]$/);
    expect(d).toMatchObject({ name: 'bank-marketing-v1', status: 'running', target: 'azureml', port: 0, pid: 0, champion: false, url: ep.scoringUri });
    expect(ep.traffic).toEqual({});

    // What the service received: an endpoint with key auth, a model version from the datastore, then the deployment.
    const epPut = received('PUT', endpointPath())[0].body as { location: string; properties: Record<string, unknown> };
    expect(specErrors('OnlineEndpointRequest', epPut)).toEqual([]);
    expect(epPut.properties).toMatchObject({ authMode: 'Key', traffic: {} });
    expect(epPut.location).toBe(ts.stack.emulator.settings.region);
    const modelPut = received('PUT', /\/models\/bank_marketing\/versions\/1$/)[0].body as { properties: Record<string, string> };
    expect(modelPut.properties).toMatchObject({
      modelType: 'mlflow_model',
      modelUri: 'azureml://datastores/workspaceblobstore/paths/mlops-models/bank_marketing/1/',
    });
    const blobs = BlobServiceClient.fromConnectionString(ts.stack.azurite.connectionString).getContainerClient(ts.stack.emulator.settings.storage.container);
    expect(received('POST', /\/datastores\/workspaceblobstore\/listSecrets$/)).toHaveLength(1);
    const mlmodel = (await blobs.getBlobClient('mlops-models/bank_marketing/1/MLmodel').downloadToBuffer()).toString();
    expect(mlmodel).toMatch(/onnx:[\s\S]*data: model\.onnx/);
    const depPut = received('PUT', /\/deployments\/bank-marketing-v1$/)[0];
    expect(specErrors('OnlineDeploymentRequest', depPut.body)).toEqual([]);
    expect(depPut.query['api-version']).toBe('2025-12-01');
    expect(depPut.body).toMatchObject({
      sku: { name: 'Default', capacity: 2 },
      properties: { endpointComputeType: 'Managed', instanceType: 'Standard_DS3_v2', scaleSettings: { scaleType: 'Default' } },
    });
    expect((depPut.body as { properties: { model: string } }).properties.model).toMatch(/\/workspaces\/[^/]+\/models\/bank_marketing\/versions\/1$/);

    // Progress of the long-running operations reached the callback.
    expect(ts.progress.some((p) => p.deployment === 'bank-marketing-v1' && /create deployment/.test(p.operation))).toBe(true);

    // At 0 % it answers only when named; the lineage route has no live deployment yet.
    const named = await target.score(LINEAGE, SCORE_BODY, 'bank-marketing-v1');
    expect(named.status).toBe(200);
    expect(named.servedBy).toBe('bank-marketing-v1');
    expect((await target.score(LINEAGE, SCORE_BODY)).status).toBe(424);
  });

  test('setTraffic is one full PUT of the endpoint (never a PATCH) and makes the champion', async () => {
    const putsBefore = received('PUT', endpointPath()).length;
    const ep = await target.setTraffic(LINEAGE, { 'bank-marketing-v1': 100 });
    expect(ep.champion).toBe('bank-marketing-v1');
    expect(ep.traffic).toEqual({ 'bank-marketing-v1': 100 });
    const puts = received('PUT', endpointPath());
    expect(puts.length).toBe(putsBefore + 1);
    expect(specErrors('OnlineEndpointRequest', puts[puts.length - 1].body)).toEqual([]);
    expect(puts[puts.length - 1].body).toMatchObject({
      location: expect.any(String),
      properties: { authMode: 'Key', traffic: { 'bank-marketing-v1': 100 }, mirrorTraffic: {} },
    });
    expect(received('PATCH', endpointPath())).toHaveLength(0);
    expect((await target.get('bank-marketing-v1'))!.champion).toBe(true);
    expect((await target.score(LINEAGE, SCORE_BODY)).status).toBe(200);
  });

  test('bad traffic maps are refused before any request', async () => {
    const before = ts.stack.emulator.received.length;
    await expect(target.setTraffic(LINEAGE, { 'bank-marketing-v1': 90 })).rejects.toMatchObject({ code: 'INVALID_TRAFFIC', status: 400 });
    await expect(target.setMirror(LINEAGE, { 'bank-marketing-v1': 60 })).rejects.toMatchObject({ code: 'INVALID_TRAFFIC' });
    expect(ts.stack.emulator.received.length).toBe(before);
    await expect(target.setMirror(LINEAGE, { 'bank-marketing-v1': 10 })).rejects.toMatchObject({ code: 'INVALID_TRAFFIC', status: 409 });
  });

  test('a traffic switch in one update under load: 0 non-2xx, both versions served, then the old one drains and is deleted', async () => {
    await deployVersion(2, buildTestModel(V2_SPEC));
    expect((await target.get('bank-marketing-v2'))!.champion).toBe(false);
    const load = loadLoop(() => target.score(LINEAGE, SCORE_BODY));
    await new Promise((r) => setTimeout(r, 400));
    const ep = await target.setTraffic(LINEAGE, { 'bank-marketing-v2': 100 });
    await new Promise((r) => setTimeout(r, 400));
    const r = await load.stop();
    expect(r.failures).toEqual([]);
    expect(Object.keys(r.byStatus)).toEqual(['200']);
    expect(r.servedBy['bank-marketing-v1']).toBeGreaterThan(0);
    expect(r.servedBy['bank-marketing-v2']).toBeGreaterThan(0);
    expect(ep.champion).toBe('bank-marketing-v2');

    await expect(target.retire('bank-marketing-v2')).rejects.toMatchObject({ code: 'IS_CHAMPION' });
    await target.retire('bank-marketing-v1', { drainMs: 50 });
    expect(await emulatorDeployment('bank-marketing-v1')).toBeUndefined();
    expect((await target.get('bank-marketing-v1'))!.status).toBe('retired');
    expect(received('DELETE', /\/deployments\/bank-marketing-v1$/)).toHaveLength(1);
  });

  test('key rotation while serving: regenerating both keys under load gives 0 non-2xx', async () => {
    const before = await target.keys('bank-marketing-v2');
    const listsBefore = received('POST', /\/listKeys$/).length;
    const load = loadLoop(() => target.score(LINEAGE, SCORE_BODY));
    await new Promise((r) => setTimeout(r, 300));
    // A second target (another host instance) rotates: this one learns of it only through 401s.
    const other = ts.newTarget();
    const afterPrimary = await other.regenerateKey('bank-marketing-v2', 'primary');
    await new Promise((r) => setTimeout(r, 300));
    const afterSecondary = await other.regenerateKey('bank-marketing-v2', 'secondary');
    await new Promise((r) => setTimeout(r, 300));
    const r = await load.stop();
    expect(r.failures).toEqual([]);
    expect(Object.keys(r.byStatus)).toEqual(['200']);
    expect(r.total).toBeGreaterThan(20);
    expect(afterPrimary.primary).not.toBe(before.primary);
    expect(afterPrimary.secondary).toBe(before.secondary);
    expect(afterSecondary.secondary).not.toBe(before.secondary);
    // The refused key was refreshed a few times at most, not once per request.
    const refreshes = received('POST', /\/listKeys$/).length - listsBefore;
    expect(refreshes).toBeGreaterThanOrEqual(2);
    expect(refreshes).toBeLessThan(12);
    expect(received('POST', /\/regenerateKeys$/).map((q) => (q.body as { keyType: string }).keyType)).toEqual(['Primary', 'Secondary']);
  });

  test('a deployment created while the endpoint is Updating waits out the conflict and is created', async () => {
    await ts.putModel('bank_marketing', 3, buildTestModel(V2_SPEC));
    await ts.putModel('bank_marketing', 4, buildTestModel(BINARY_SPEC));
    // v4 is asked for while v3 is provisioning (the endpoint reads Updating then).
    const first = target.deploy({ name: 'bank-marketing-v3', modelName: 'bank_marketing', modelVersion: 3 });
    while (!received('PUT', /\/deployments\/bank-marketing-v3$/).length) await new Promise((r) => setTimeout(r, 5));
    const [a, b] = await Promise.all([first, target.deploy({ name: 'bank-marketing-v4', modelName: 'bank_marketing', modelVersion: 4 })]);
    expect(a.status).toBe('running');
    expect(b.status).toBe('running');
    const busy = ts.progress.filter((p) => p.deployment === 'bank-marketing-v4' && /busy/.test(p.status));
    expect(busy.length).toBeGreaterThan(0);
    expect(received('PUT', /\/deployments\/bank-marketing-v[34]$/).length).toBeGreaterThan(2);
    await target.retire('bank-marketing-v3');
    await target.retire('bank-marketing-v4');
  });

  test('a deployment that fails to provision: its logs are in the error and the record, and it is deleted', async () => {
    // A model registered in Azure ML whose files are not a model (the AutoML path hands over ARM ids).
    const blobs = BlobServiceClient.fromConnectionString(ts.stack.azurite.connectionString).getContainerClient(ts.stack.emulator.settings.storage.container);
    await blobs.getBlockBlobClient('broken/model.onnx').uploadData(Buffer.from('this is not an onnx model'));
    const s = ts.settings;
    const mv = await ts.stack.client().modelVersions.createOrUpdate(s.resourceGroup, s.workspace, 'broken', '1', {
      properties: { modelType: 'mlflow_model', modelUri: 'azureml://datastores/workspaceblobstore/paths/broken/' },
    });
    await ts.putModel('bank_marketing', 5, buildTestModel(BINARY_SPEC));
    const err = await target.deploy({ name: 'bank-marketing-v5', modelName: 'bank_marketing', modelVersion: 5, azureModelId: mv.id } as never).then(
      () => undefined,
      (e) => e,
    );
    expect(err).toBeInstanceOf(DeployError);
    expect(err.code).toBe('DEPLOYMENT_FAILED');
    expect(err.message).toMatch(/ResourceNotReady/);
    expect(err.message).toMatch(/deployment logs/);
    expect(err.message).toMatch(/endpoint failed to start/);
    const rec = await target.get('bank-marketing-v5');
    expect(rec).toMatchObject({ status: 'failed' });
    expect(rec!.error).toMatch(/endpoint failed to start/);
    expect(await emulatorDeployment('bank-marketing-v5')).toBeUndefined();
    expect(received('POST', /\/deployments\/bank-marketing-v5\/getLogs$/).length).toBe(1);
  });

  test("canary: a challenger that fails the champion's requests is rejected, traffic goes back, and it is deleted", async () => {
    await deployVersion(6, renameInput(buildTestModel(V2_SPEC), 'duration', 'call_seconds'));
    const report = await target.canary(LINEAGE, 'bank-marketing-v6', 20, 1200, { probeBody: SCORE_BODY, probeRate: 15, minRequests: 5 });
    expect(report.verdict).toBe('fail');
    expect(report.champion).toBe('bank-marketing-v2');
    expect(report.figures.challenger.errorRate).toBe(1);
    expect(report.figures.champion.errorRate).toBe(0);
    expect(report.reasons.join(' ')).toMatch(/error rate/);
    expect(report.traffic).toEqual({ 'bank-marketing-v2': 100 });
    const puts = received('PUT', endpointPath())
      .slice(-2)
      .map((p) => (p.body as { properties: { traffic: Record<string, number> } }).properties.traffic);
    expect(puts).toEqual([{ 'bank-marketing-v2': 80, 'bank-marketing-v6': 20 }, { 'bank-marketing-v2': 100 }]);
    await target.retire('bank-marketing-v6');
    expect(await emulatorDeployment('bank-marketing-v6')).toBeUndefined();
    expect((await target.get('bank-marketing-v6'))!.status).toBe('retired');
  });

  test('canary: a good challenger passes with live traffic observed by the proxy and by the probe; promotion is one update', async () => {
    await deployVersion(7, buildTestModel(BINARY_SPEC));
    // The proxy's view: answers it got while the canary split is on.
    const proxy = loadLoop(async () => {
      const a = await target.score(LINEAGE, SCORE_BODY);
      if (a.servedBy) target.observe(LINEAGE, { deployment: a.servedBy, status: a.status, latencyMs: a.latencyMs });
      return a;
    }, 2);
    const report = await target.canary(LINEAGE, 'bank-marketing-v7', 30, 1500, {
      probeBody: SCORE_BODY,
      probeRate: 10,
      minRequests: 10,
      latencyFactor: 3,
      latencySlackMs: 200,
    });
    const live = await proxy.stop();
    expect(Object.keys(live.byStatus)).toEqual(['200']);
    expect(report.verdict).toBe('pass');
    expect(report.figures.challenger.requests).toBeGreaterThan(15);
    expect(report.traffic).toEqual({ 'bank-marketing-v2': 70, 'bank-marketing-v7': 30 });
    const ep = await target.setTraffic(LINEAGE, { 'bank-marketing-v7': 100 });
    expect(ep.champion).toBe('bank-marketing-v7');
    await target.retire('bank-marketing-v2');
  });

  test('canary with mirrored traffic: copies reach the challenger, clients only see the champion', async () => {
    await deployVersion(8, buildTestModel(V2_SPEC));
    const proxy = loadLoop(() => target.score(LINEAGE, SCORE_BODY), 2);
    const report = await target.canary(LINEAGE, 'bank-marketing-v8', 50, 1200, {
      mirror: true,
      probeBody: SCORE_BODY,
      probeRate: 10,
      minRequests: 5,
      latencyFactor: 3,
      latencySlackMs: 200,
    });
    const live = await proxy.stop();
    expect(report.mode).toBe('mirror');
    expect(report.verdict).toBe('pass');
    expect(live.servedBy).toEqual({ 'bank-marketing-v7': live.total });
    const stats = (await getJson(`${ts.stack.emulator.url}/_emulator/online/${endpointNameFor(LINEAGE, ts.settings)}/stats`)) as Record<
      string,
      { mirrored: number }
    >;
    expect(stats['bank-marketing-v8'].mirrored).toBeGreaterThan(0);
    const ep = await target.endpointFor(LINEAGE);
    expect(ep.mirror).toEqual({ 'bank-marketing-v8': 50 });
    // Promotion clears the mirror in the same update.
    const promoted = await target.setTraffic(LINEAGE, { 'bank-marketing-v8': 100 });
    expect(promoted.mirror).toEqual({});
    expect(promoted.champion).toBe('bank-marketing-v8');
    await target.retire('bank-marketing-v7');
  });

  test('a canary stopped early (host shutdown) is aborted and gives the traffic back', async () => {
    await deployVersion(11, buildTestModel(BINARY_SPEC));
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 500);
    const started = Date.now();
    const report = await target.canary(LINEAGE, 'bank-marketing-v11', 10, 60_000, { probeBody: SCORE_BODY, signal: stop.signal });
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(report.verdict).toBe('aborted');
    expect(report.traffic).toEqual({ 'bank-marketing-v8': 100 });
    await target.retire('bank-marketing-v11');
  });

  test('restore after a crash: a draining deployment is deleted, a create that never reached Azure is recorded failed', async () => {
    await deployVersion(9, buildTestModel(BINARY_SPEC));
    await ts.store.update('bank-marketing-v9', { status: 'draining' });
    await ts.putModel('bank_marketing', 10, buildTestModel(BINARY_SPEC));
    const rec = (await ts.store.get('bank-marketing-v9'))!;
    await ts.store.create({
      ...rec,
      name: 'bank-marketing-v10',
      modelVersion: '10',
      status: 'starting',
      instanceId: rec.instanceId.replace('bank-marketing-v9', 'bank-marketing-v10'),
    });
    const fresh = ts.newTarget();
    const running = await fresh.restore();
    expect(running.map((d) => d.name)).toEqual(['bank-marketing-v8']);
    expect(await emulatorDeployment('bank-marketing-v9')).toBeUndefined();
    expect((await fresh.get('bank-marketing-v9'))!.status).toBe('retired');
    expect((await fresh.get('bank-marketing-v10'))!.status).toBe('failed');
  });

  test('logs(deployment) reads getLogs; unknown names are a clear 404', async () => {
    expect(await target.logs('bank-marketing-v8')).toMatch(/Listening at/);
    await expect(target.logs('nope')).rejects.toMatchObject({ code: 'DEPLOYMENT_NOT_FOUND', status: 404 });
    await expect(target.keys('nope')).rejects.toMatchObject({ code: 'DEPLOYMENT_NOT_FOUND' });
    await expect(target.deploy({ name: 'bad name!', modelName: 'x', modelVersion: 1 })).rejects.toMatchObject({ code: 'INVALID_NAME', status: 400 });
  });
});
