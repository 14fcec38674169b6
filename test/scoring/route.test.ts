// The scoring route of the app through the embedded Functions host (fixture app = functions/score.ts and
// functions/swagger.ts compiled): function key, 503 before any model, forwarding to the champion after
// promotion, the three shapes, 400/413, swagger.json, Swagger UI (rendered in headless Chromium), and a
// short load run through the proxy.
import * as fs from 'node:fs';
import Ajv from 'ajv';
import { chromium } from 'playwright-core';
import { runBenchmark } from '../../src/benchmark/runner';
import { LocalDeploymentTarget } from '../../src/deploy/local';
import { exportOnnx } from '../../src/automl/onnx';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';
import { BANK_COLUMNS, BANK_CATEGORIES, bankLikeBinaryPipeline, bankLikeRows } from '../support/pipelines';
import { BINARY_SPEC, buildTestModel, referenceLabel, SAMPLE_ROWS, writeTestModel } from '../deploy/fixtures/model';
import { requireBuiltServer } from '../deploy/support';

jest.setTimeout(180000);

const APP = 'test/scoring/app';
const CHROMIUM = '/usr/bin/chromium';
let az: Awaited<ReturnType<typeof startTestAzurite>>;
let host: TestHost;
let target: LocalDeploymentTarget;
let key: string;
/** The scoreModel function's key: opens every /api/models/{name}/score route. */
let modelKey: string;
let modelDir: string;

const bankRows = bankLikeRows(20, 5).map((r) =>
  Object.fromEntries(BANK_COLUMNS.map((c) => [c, r[c] === undefined || (typeof r[c] === 'number' && Number.isNaN(r[c])) ? null : r[c]])),
);

async function score(body: unknown, headers: Record<string, string> = { 'x-functions-key': key }, path = '/api/score') {
  if (path !== '/api/score' && headers['x-functions-key'] === key) headers = { ...headers, 'x-functions-key': modelKey };
  const res = await fetch(`${host.baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, json, text };
}

/** The host caches the champion for up to a second: wait until it answers from `version`. */
async function waitForChampion(version: string, row: object, path = '/api/score') {
  const deadline = Date.now() + 15000;
  for (;;) {
    const r = await score({ data: [row] }, { 'x-functions-key': key }, path);
    if (r.status === 200 && r.headers.get('x-model-version') === version) return;
    if (Date.now() > deadline) throw new Error(`champion v${version} not served: ${r.status} ${r.text}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}

beforeAll(async () => {
  requireBuiltServer();
  az = await startTestAzurite();
  host = await startTestHost({ appDir: APP, connectionString: az.connectionString, env: { SCORE_MAX_BODY_BYTES: '65536' } });
  key = host.functionKey('score');
  modelKey = host.functionKey('scoreModel');
  target = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0 });
  ({ dir: modelDir } = writeTestModel(BINARY_SPEC));
});

afterAll(async () => {
  await target?.close();
  await host?.stop();
  await az?.stop();
  if (modelDir) fs.rmSync(modelDir, { recursive: true, force: true });
});

describe('before any model is deployed', () => {
  test('POST /api/score needs the function key (401), then answers 503 NO_MODEL', async () => {
    expect((await score({ data: [] }, {})).status).toBe(401);
    expect((await score({ data: [] }, { 'x-functions-key': 'not-a-key' })).status).toBe(401);
    const r = await score({ data: [bankRows[0]] });
    expect(r.status).toBe(503);
    expect(r.json.error.code).toBe('NO_MODEL');
  });

  test('GET /api/swagger.json is anonymous and answers 503 NO_MODEL', async () => {
    const res = await fetch(`${host.baseUrl}/api/swagger.json`);
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('NO_MODEL');
  });
});

describe('with a champion', () => {
  beforeAll(async () => {
    const container = (await import('@azure/storage-blob')).BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    await container.createIfNotExists();
    await container.getBlockBlobClient('models/bank/v1/model.onnx').uploadData(Buffer.from(exportOnnx(bankLikeBinaryPipeline({ trees: 40, seed: 3 }))));
    await container.getBlockBlobClient('models/fixture/v2/model.onnx').uploadData(Buffer.from(buildTestModel(BINARY_SPEC)));
    await target.deploy({
      name: 'bank-v1',
      modelName: 'bank',
      modelVersion: 1,
      hints: { target: 'y', fields: { age: { example: 41, min: 17, max: 98 }, job: { example: 'technician', values: BANK_CATEGORIES.job } } },
    });
    await target.store.promote('bank-v1');
    await waitForChampion('1', bankRows[0]);
  });

  test('the three request shapes are forwarded to the champion, with the model headers', async () => {
    const v1 = await score({ data: bankRows });
    expect(v1.status).toBe(200);
    expect(v1.json.result).toHaveLength(bankRows.length);
    expect(v1.headers.get('x-model-name')).toBe('bank');
    const v2 = await score({ Inputs: { data: bankRows }, GlobalParameters: { method: 'predict_proba' } });
    expect(v2.status).toBe(200);
    for (const p of v2.json.Results) {
      expect(p).toHaveLength(2);
      expect(p[0] + p[1]).toBeCloseTo(1, 5);
    }
    expect(v2.json.Results.map((p: number[]) => (p[1] > p[0] ? 'yes' : 'no'))).toEqual(v1.json.result);
    const mlflow = await score({ input_data: { columns: BANK_COLUMNS, data: bankRows.map((r) => BANK_COLUMNS.map((c) => r[c])) } });
    expect(mlflow.json.predictions).toEqual(v1.json.result);
  });

  test('bad bodies -> 400 with the fields at fault; too large -> 413; the key never leaks', async () => {
    const { age: _a, ...noAge } = bankRows[0];
    const r = await score({ data: [noAge, { ...bankRows[1], job: ['x'] }] });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_FIELDS');
    expect(r.json.error.fields).toEqual(['age', 'job']);
    expect((await score('{oops')).json.error.code).toBe('INVALID_JSON');
    const big = await score({ data: Array(400).fill({ ...bankRows[0], job: 'x'.repeat(300) }) });
    expect(big.status).toBe(413);
    const deploymentKeys = await target.keys('bank-v1');
    for (const x of [r.text, big.text]) expect(x).not.toContain(deploymentKeys.primary);
  });

  test('swagger.json is a valid OpenAPI 3 document of the champion with its 20 input fields', async () => {
    const res = await fetch(`${host.baseUrl}/api/swagger.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toBe('3.0.3');
    // Relative: the document never copies the request's Host header (a client may send any).
    expect(doc.servers).toEqual([{ url: '/api' }]);
    expect(doc.info.title).toContain('bank v1');
    expect(Object.keys(doc.components.schemas.InputRow.properties)).toEqual(BANK_COLUMNS);
    expect(doc.paths['/score'].post.parameters).toEqual([expect.objectContaining({ name: 'azureml-model-deployment', in: 'header', required: false })]);
    expect(doc.components.securitySchemes.functionKey).toMatchObject({ type: 'apiKey', name: 'x-functions-key' });
    const ajv = new Ajv({ strict: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    const validRequest = ajv.compile({ $ref: 'doc#/components/schemas/ScoreRequest' });
    for (const ex of Object.values<any>(doc.paths['/score'].post.requestBody.content['application/json'].examples)) {
      expect(validRequest(ex.value)).toBe(true);
      // ... and the documented examples really score.
      expect((await score(ex.value)).status).toBe(200);
    }
  });

  test('/api/docs serves Swagger UI from swagger-ui-dist; unknown assets are 404', async () => {
    const html = await fetch(`${host.baseUrl}/api/docs`);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const text = await html.text();
    expect(text).toContain('"url":"/api/swagger.json"');
    const js = await fetch(`${host.baseUrl}/api/docs/swagger-ui-bundle.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${host.baseUrl}/api/docs/package.json`)).status).toBe(404);
  });

  test('/api/docs renders the operation and the fields in headless Chromium', async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      const page = await browser.newPage();
      const external: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith(host.baseUrl)) external.push(req.url());
      });
      await page.goto(`${host.baseUrl}/api/docs`);
      await page.waitForSelector('.swagger-ui .info .title', { timeout: 30000 });
      expect(await page.textContent('.swagger-ui .info .title')).toContain('bank v1');
      await page.waitForSelector('.opblock-summary-path', { timeout: 30000 });
      expect(await page.textContent('.opblock-summary-path')).toContain('/score');
      // The InputRow model lists the fields.
      await page.click('.opblock-summary-path');
      await page.waitForSelector('.opblock-body', { timeout: 30000 });
      const body = await page.textContent('.opblock-body');
      expect(body).toContain('nr.employed');
      expect(external.filter((u) => !u.startsWith('data:'))).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  test('the azureml-model-deployment header targets a named deployment (a challenger) instead of the champion', async () => {
    await target.deploy({ name: 'fixture-v2', modelName: 'fixture', modelVersion: 2 });
    const r = await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key, 'azureml-model-deployment': 'fixture-v2' });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-model-version')).toBe('2');
    expect(r.json.result).toEqual(SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)));
    const champ = await score({ data: [bankRows[0]] });
    expect(champ.headers.get('x-model-name')).toBe('bank');
    const missing = await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key, 'azureml-model-deployment': 'nope' });
    expect(missing.status).toBe(404);
    expect(missing.json.error.code).toBe('DEPLOYMENT_NOT_FOUND');
  });

  test('a second model is served beside the first: its own route, its own schema; /api/score then needs a model', async () => {
    await target.store.promote('fixture-v2');
    await waitForChampion('2', SAMPLE_ROWS[0], '/api/models/fixture/score');
    const fixture = await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key }, '/api/models/fixture/score');
    expect(fixture.json.result).toEqual(SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)));
    const bank = await score({ data: [bankRows[0]] }, { 'x-functions-key': key }, '/api/models/bank/score');
    expect(bank.status).toBe(200);
    expect(bank.headers.get('x-model-name')).toBe('bank');
    // Each route validates against its own model's schema.
    expect((await score({ data: [bankRows[0]] }, { 'x-functions-key': key }, '/api/models/fixture/score')).status).toBe(400);
    // Two models served, no default set: the default route says which ones there are.
    // (another process promoted: the host sees it within its champion cache time)
    let ambiguous = await score({ data: [bankRows[0]] });
    for (let i = 0; i < 50 && ambiguous.status === 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      ambiguous = await score({ data: [bankRows[0]] });
    }
    expect(ambiguous.status).toBe(400);
    expect(ambiguous.json.error.code).toBe('MODEL_REQUIRED');
    expect(ambiguous.json.error.models.sort()).toEqual(['bank', 'fixture']);
    // A deployment of another model cannot be targeted through a model's route; a malformed name is refused at once.
    const wrong = await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key, 'azureml-model-deployment': 'fixture-v2' }, '/api/models/bank/score');
    expect(wrong.status).toBe(404);
    const started = Date.now();
    const bad = await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key, 'azureml-model-deployment': '../x' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('INVALID_DEPLOYMENT_NAME');
    expect(Date.now() - started).toBeLessThan(2000);
    expect((await score({ data: SAMPLE_ROWS }, { 'x-functions-key': key }, '/api/models/nope/score')).status).toBe(404);
    // Per-model documents, and the default one 400s like the route.
    const spec = await (await fetch(`${host.baseUrl}/api/models/fixture/swagger.json`)).json();
    expect(Object.keys(spec.paths)).toContain('/models/fixture/score');
    expect(spec.servers[0].url).toBe('/api');
    // The Swagger UI page offers both documents.
    const page = await (await fetch(`${host.baseUrl}/api/docs`)).text();
    expect(page).toContain('/api/models/bank/swagger.json');
    expect(page).toContain('/api/models/fixture/swagger.json');
  });

  test('retiring one lineage leaves the other served; /api/score serves the only model again', async () => {
    await target.retire('bank-v1', { force: true });
    await waitForChampion('2', SAMPLE_ROWS[0]);
    const r = await score({ data: SAMPLE_ROWS });
    expect(r.status).toBe(200);
    expect(r.json.result).toEqual(SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)));
    // The old schema no longer applies: a bank row is now a bad body.
    expect((await score({ data: [bankRows[0]] })).status).toBe(400);
  });

  test('a short load run through the proxy has no errors and no non-2xx', async () => {
    const r = await runBenchmark({
      url: `${host.baseUrl}/api/score`,
      headers: { 'x-functions-key': key },
      body: { data: [SAMPLE_ROWS[0]] },
      requests: 200,
      concurrency: 10,
    });
    expect(r).toMatchObject({ completed: 200, errors: 0, non2xx: 0 });
    expect(r.latencyMs.count).toBe(200);
  });
});
