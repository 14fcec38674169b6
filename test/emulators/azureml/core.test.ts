import { RestError } from '@azure/core-rest-pipeline';
import { EmulatorStack, fakeCredential, FAKE_TOKEN, startEmulatorStack } from './support';

describe('Azure ML emulator core, through @azure/arm-machinelearning', () => {
  let stack: EmulatorStack;
  beforeAll(async () => {
    stack = await startEmulatorStack({ acceptedTokens: [FAKE_TOKEN] });
  });
  afterAll(async () => stack?.stop());
  beforeEach(() => stack.emulator.faults.clear());

  const s = () => stack.emulator.settings;

  it('serves the workspace with its MLflow tracking URI, over HTTPS with the bearer token', async () => {
    const cred = fakeCredential();
    const ws = await stack.client(cred).workspaces.get(s().resourceGroup, s().workspace);
    expect(ws.name).toBe(s().workspace);
    expect(ws.mlFlowTrackingUri).toMatch(/^azureml:\/\/127\.0\.0\.1:\d+\/mlflow\/v1\.0\/subscriptions\//);
    expect(cred.scopes[0]).toEqual(['https://management.azure.com/.default']);
    const last = stack.emulator.received.at(-1)!;
    expect(last.method).toBe('GET');
    expect(last.query['api-version']).toBe('2022-10-01');
  });

  it('answers ARM errors in ARM shape: unknown workspace, bad token', async () => {
    const err = await stack
      .client()
      .workspaces.get(s().resourceGroup, 'nope')
      .catch((e: RestError) => e);
    expect(err).toBeInstanceOf(RestError);
    expect((err as RestError).statusCode).toBe(404);
    expect((err as RestError).code).toBe('ResourceNotFound');
    const denied = await stack
      .client(fakeCredential('someone-else'))
      .workspaces.get(s().resourceGroup, s().workspace)
      .catch((e: RestError) => e);
    expect((denied as RestError).statusCode).toBe(401);
    expect((denied as RestError).code).toBe('InvalidAuthenticationToken');
  });

  it('serves the default datastore on the storage container, and its key through listSecrets', async () => {
    const c = stack.client();
    const ds = await c.datastores.get(s().resourceGroup, s().workspace, 'workspaceblobstore');
    expect(ds.properties).toMatchObject({ datastoreType: 'AzureBlob', containerName: 'azureml-blobstore', accountName: 'devstoreaccount1', isDefault: true });
    const all = [];
    for await (const d of c.datastores.list(s().resourceGroup, s().workspace)) all.push(d.name);
    expect(all).toEqual(['workspaceblobstore', 'workspaceartifactstore']);
    const secrets = await c.datastores.listSecrets(s().resourceGroup, s().workspace, 'workspaceblobstore');
    expect(secrets).toMatchObject({ secretsType: 'AccountKey' });
    expect((secrets as { key?: string }).key).toBeTruthy();
  });

  it('retries an injected 429 with Retry-After, then succeeds', async () => {
    stack.emulator.faults.add({ path: '/workspaces/[^/]+$', status: 429, retryAfterSeconds: 1, times: 1 });
    const before = stack.emulator.received.length;
    const t0 = Date.now();
    const ws = await stack.client().workspaces.get(s().resourceGroup, s().workspace);
    expect(ws.name).toBe(s().workspace);
    expect(stack.emulator.received.length - before).toBe(2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(900);
  });

  it('fails with the injected 5xx after the SDK gives up retrying', async () => {
    stack.emulator.faults.add({ method: 'GET', path: '/computes/', status: 500, times: 10 });
    const err = await stack
      .client()
      .computeOperations.get(s().resourceGroup, s().workspace, 'cpu-cluster')
      .catch((e: RestError) => e);
    expect((err as RestError).statusCode).toBe(500);
    expect((err as RestError).code).toBe('InternalServerError');
  }, 60000);

  it('refuses a missing or unknown api-version the ARM way', async () => {
    const res = await fetchJson(`${stack.emulator.url}${wsPath()}?api-version=1999-01-01`);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'NoRegisteredProviderFound' } });
    const none = await fetchJson(`${stack.emulator.url}${wsPath()}`);
    expect(none.body).toMatchObject({ error: { code: 'MissingApiVersionParameter' } });
  });

  const wsPath = () =>
    `/subscriptions/${s().subscriptionId}/resourceGroups/${s().resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${s().workspace}`;
  async function fetchJson(url: string): Promise<{ status: number; body: unknown }> {
    const https = await import('node:https');
    const fs = await import('node:fs');
    return new Promise((resolve, reject) => {
      https
        .get(url, { ca: fs.readFileSync(stack.emulator.caFile), headers: { authorization: `Bearer ${FAKE_TOKEN}` } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        })
        .on('error', reject);
    });
  }
});
