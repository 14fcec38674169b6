// The endpoint process (dist/src/deploy/endpointServer.js) serving real ONNX models in onnxruntime-node:
// Azure ML's contract (three request shapes, predict_proba, health, swagger), keys, errors and limits.
import * as fs from 'node:fs';
import { exportOnnx } from '../../src/automl/onnx';
import { scorePipeline } from '../../src/automl/score';
import { generateKeys } from '../../src/deploy/keys';
import { bankLikeBinaryPipeline, bankLikeRows, BANK_COLUMNS, BANK_CATEGORIES, randomPipeline, randomRows } from '../support/pipelines';
import { BINARY_SPEC, MULTICLASS_SPEC, referenceLabel, referenceProbabilities, SAMPLE_ROWS, writeTestModel } from './fixtures/model';
import { spawnEndpoint, TestEndpoint } from './support';

const keys = generateKeys();
let binary: TestEndpoint;
let multi: TestEndpoint;
let bank: TestEndpoint;
let regression: TestEndpoint;
const regPipeline = randomPipeline({ task: 'regression', model: 'gbdt', seed: 5, trees: 10 });
const dirs: string[] = [];
const bankPipeline = bankLikeBinaryPipeline({ trees: 30, seed: 7 });

async function post(ep: TestEndpoint, body: unknown, key: string | null = keys.primary, raw = false) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${ep.url}/score`, { method: 'POST', headers, body: raw ? (body as string) : JSON.stringify(body) });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

beforeAll(async () => {
  const b = writeTestModel(BINARY_SPEC);
  const m = writeTestModel(MULTICLASS_SPEC);
  dirs.push(b.dir, m.dir);
  [binary, multi, bank, regression] = await Promise.all([
    spawnEndpoint({ name: 'bin', modelName: 'fixture', modelVersion: '3', model: { path: b.file }, keys, maxBodyBytes: 64 * 1024, maxRows: 500 }),
    spawnEndpoint({ name: 'multi', modelName: 'modèle-mc', modelVersion: '1', model: { path: m.file }, keys }),
    spawnEndpoint({
      name: 'bank',
      modelName: 'bank',
      modelVersion: '2',
      model: { base64: Buffer.from(exportOnnx(bankPipeline)).toString('base64') },
      keys,
      hints: { target: 'y', fields: { age: { example: 41, min: 17, max: 98 }, job: { example: 'admin.', values: BANK_CATEGORIES.job } } },
    }),
    spawnEndpoint({
      name: 'reg',
      modelName: 'reg',
      modelVersion: '1',
      model: { base64: Buffer.from(exportOnnx(regPipeline.pipeline)).toString('base64') },
      keys,
    }),
  ]);
});

afterAll(async () => {
  await Promise.all([binary, multi, bank, regression].filter(Boolean).map((e) => e.stop()));
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

describe('health and docs', () => {
  test('GET / answers Healthy without a key', async () => {
    const res = await fetch(`${binary.url}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('Healthy');
  });

  test('GET /swagger.json documents the model inputs, classes and the bearer key', async () => {
    const res = await fetch(`${binary.url}/swagger.json`);
    expect(res.status).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toMatch(/^3\.0\./);
    expect(Object.keys(doc.components.schemas.InputRow.properties)).toEqual(['age', 'job', 'duration']);
    expect(doc.components.schemas.InputRow.properties.age.type).toBe('number');
    expect(doc.components.schemas.InputRow.properties.job.type).toBe('string');
    expect(doc.components.schemas.Probabilities['x-classes']).toEqual(['no', 'yes']);
    expect(doc.components.securitySchemes.bearerKey).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.servers[0].url).toBe(binary.url);
  });

  test('unknown routes are 404 and GET /score is 405, both JSON with a code', async () => {
    const a = await fetch(`${binary.url}/nope`);
    expect(a.status).toBe(404);
    expect((await a.json()).error.code).toBe('NOT_FOUND');
    const b = await fetch(`${binary.url}/score`);
    expect(b.status).toBe(405);
    expect((await b.json()).error.code).toBe('METHOD_NOT_ALLOWED');
  });
});

describe('the three request shapes', () => {
  test('v1 {"data": rows} -> {"result": labels}, a batch in one request, with model headers', async () => {
    const r = await post(binary, { data: SAMPLE_ROWS });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ result: SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)) });
    expect(new Set(r.json.result).size).toBe(2); // the sample covers both classes
    expect(r.headers.get('x-model-name')).toBe('fixture');
    expect(r.headers.get('x-model-version')).toBe('3');
  });

  test('v2 predict -> {"Results": labels}', async () => {
    const r = await post(binary, { Inputs: { data: SAMPLE_ROWS }, GlobalParameters: { method: 'predict' } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ Results: SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)) });
  });

  test('v2 predict_proba -> one array of class probabilities per row, in class order', async () => {
    const r = await post(binary, { Inputs: { data: SAMPLE_ROWS }, GlobalParameters: { method: 'predict_proba' } });
    expect(r.status).toBe(200);
    expect(r.json.Results).toHaveLength(SAMPLE_ROWS.length);
    r.json.Results.forEach((p: number[], i: number) => {
      const ref = referenceProbabilities(BINARY_SPEC, SAMPLE_ROWS[i]);
      expect(p).toHaveLength(2);
      p.forEach((x, k) => expect(Math.abs(x - ref[k])).toBeLessThan(1e-5));
    });
  });

  test('MLflow {"input_data": {columns, index, data}} -> {"predictions"}, columns in any order', async () => {
    const columns = ['duration', 'age', 'job'];
    const data = SAMPLE_ROWS.map((row) => [row.duration, row.age, row.job]);
    const r = await post(binary, { input_data: { columns, index: data.map((_, i) => i), data } });
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ predictions: SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)) });
  });

  test('numbers sent as CSV strings and the ignored target column are accepted', async () => {
    const rows = SAMPLE_ROWS.map((row) => ({ ...row, age: row.age === null ? '' : String(row.age), y: 'no' }));
    const r = await post(binary, { data: rows });
    expect(r.status).toBe(200);
    expect(r.json.result).toEqual(SAMPLE_ROWS.map((row) => referenceLabel(BINARY_SPEC, row)));
  });

  test('a multiclass model answers three probabilities per row', async () => {
    const r = await post(multi, { Inputs: { data: SAMPLE_ROWS }, GlobalParameters: { method: 'predict_proba' } });
    expect(r.status).toBe(200);
    r.json.Results.forEach((p: number[], i: number) => {
      const ref = referenceProbabilities(MULTICLASS_SPEC, SAMPLE_ROWS[i]);
      expect(p).toHaveLength(3);
      p.forEach((x, k) => expect(Math.abs(x - ref[k])).toBeLessThan(1e-5));
    });
    const labels = await post(multi, { data: SAMPLE_ROWS });
    expect(labels.json.result).toEqual(SAMPLE_ROWS.map((row) => referenceLabel(MULTICLASS_SPEC, row)));
    // A model name that is not plain ASCII still makes a valid header (percent-encoded).
    expect(labels.headers.get('x-model-name')).toBe(encodeURIComponent('modèle-mc'));
  });

  test('an exported bank-like GBDT (20 inputs) agrees with the TS reference scorer on a 400-row batch', async () => {
    const rows = bankLikeRows(400, 11).map((row) => Object.fromEntries(BANK_COLUMNS.map((c) => [c, row[c] === undefined ? null : row[c]])));
    const ref = scorePipeline(bankPipeline, rows);
    const r = await post(bank, { Inputs: { data: rows }, GlobalParameters: { method: 'predict_proba' } });
    expect(r.status).toBe(200);
    expect(r.json.Results).toHaveLength(400);
    let worst = 0;
    r.json.Results.forEach((p: number[], i: number) => p.forEach((x, k) => (worst = Math.max(worst, Math.abs(x - ref.probabilities![i][k])))));
    expect(worst).toBeLessThan(1e-5);
    const swagger = await (await fetch(`${bank.url}/swagger.json`)).json();
    expect(Object.keys(swagger.components.schemas.InputRow.properties)).toEqual(BANK_COLUMNS);
    expect(swagger.components.schemas.InputRow.properties.age.example).toBe(41);
    expect(swagger.components.schemas.InputRow.properties.job['x-known-values']).toEqual([...BANK_CATEGORIES.job].sort());
  });
});

describe('regression models', () => {
  test('predict answers numbers that agree with the TS reference scorer; predict_proba is 400 method_unsupported', async () => {
    const cols = regPipeline.pipeline.inputs.map((c) => c.name);
    const rows = randomRows(regPipeline.schema, 30, 8).map((r) =>
      Object.fromEntries(cols.map((c) => [c, r[c] === undefined || (typeof r[c] === 'number' && Number.isNaN(r[c])) ? null : r[c]])),
    );
    const ref = scorePipeline(regPipeline.pipeline, rows).labels as number[];
    const r = await post(regression, { data: rows });
    expect(r.status).toBe(200);
    r.json.result.forEach((y: number, i: number) => {
      expect(typeof y).toBe('number');
      expect(Math.abs(y - ref[i])).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(ref[i])));
    });
    const p = await post(regression, { Inputs: { data: rows }, GlobalParameters: { method: 'predict_proba' } });
    expect(p.status).toBe(400);
    expect(p.json.error.code).toBe('METHOD_UNSUPPORTED');
    const doc = await (await fetch(`${regression.url}/swagger.json`)).json();
    expect(doc.components.schemas.Label.type).toBe('number');
  });
});

describe('keys', () => {
  test.each([
    ['no Authorization header', null],
    ['a wrong key', 'x'.repeat(43)],
    ['an empty bearer', ''],
  ])('%s -> 401 with WWW-Authenticate', async (_why, key) => {
    const r = await post(binary, { data: SAMPLE_ROWS }, key);
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('unauthorized');
    expect(r.headers.get('www-authenticate')).toBe('Bearer');
    expect(r.text).not.toContain(keys.primary);
  });

  test('the secondary key works too; a Basic scheme does not', async () => {
    expect((await post(binary, { data: SAMPLE_ROWS }, keys.secondary)).status).toBe(200);
    const res = await fetch(`${binary.url}/score`, {
      method: 'POST',
      headers: { authorization: `Basic ${keys.primary}` },
      body: JSON.stringify({ data: SAMPLE_ROWS }),
    });
    expect(res.status).toBe(401);
  });
});

describe('bad requests are 400 with a stable code and the fields at fault, never 500', () => {
  test('missing, mistyped and unknown fields are all listed with their rows', async () => {
    const r = await post(binary, {
      data: [{ age: 30, job: 'admin', duration: 100 }, { age: 'old', job: { x: 1 }, duration: 5, colour: 'red' }, { job: 'admin' }],
    });
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe('INVALID_FIELDS');
    expect(r.json.error.fields.sort()).toEqual(['age', 'colour', 'duration', 'job']);
    expect(r.json.error.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ row: 1, field: 'age', problem: 'mistyped' }),
        expect.objectContaining({ row: 1, field: 'job', problem: 'mistyped' }),
        expect.objectContaining({ row: 1, field: 'colour', problem: 'unknown' }),
        expect.objectContaining({ row: 2, field: 'age', problem: 'missing' }),
        expect.objectContaining({ row: 2, field: 'duration', problem: 'missing' }),
      ]),
    );
  });

  test.each([
    ['not JSON', '{"data": [', 'INVALID_JSON'],
    ['empty body', '', 'EMPTY_BODY'],
    ['a JSON array', '[1,2]', 'INVALID_BODY'],
    ['no known shape', '{"rows": []}', 'UNKNOWN_SHAPE'],
    ['empty batch', '{"data": []}', 'EMPTY_BATCH'],
    ['data not an array', '{"data": {"age": 1}}', 'INVALID_BODY'],
    ['a row that is not an object', '{"data": [42]}', 'INVALID_ROW'],
    ['a bad method', '{"Inputs": {"data": [{"age":1,"job":"a","duration":2}]}, "GlobalParameters": {"method": "explain"}}', 'INVALID_METHOD'],
    ['MLflow row of the wrong width', '{"input_data": {"columns": ["age","job","duration"], "data": [[1, "a"]]}}', 'INVALID_ROW'],
    ['MLflow without columns', '{"input_data": {"data": [[1, "a", 2]]}}', 'INVALID_BODY'],
  ])('%s -> 400 %s', async (_why, body, code) => {
    const r = await post(binary, body, keys.primary, true);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe(code);
  });

  test('an MLflow request missing a column names it', async () => {
    const r = await post(binary, { input_data: { columns: ['age', 'job'], data: [[1, 'a']] } });
    expect(r.status).toBe(400);
    expect(r.json.error.fields).toEqual(['duration']);
  });
});

describe('limits', () => {
  test('a body over the byte limit -> 413 body_too_large', async () => {
    const rows = Array.from({ length: 400 }, () => ({ age: 30, job: 'x'.repeat(200), duration: 1 }));
    const r = await post(binary, { data: rows });
    expect(r.status).toBe(413);
    expect(r.json.error.code).toBe('BODY_TOO_LARGE');
  });

  test('more rows than allowed -> 413 too_many_rows; the limit itself is fine', async () => {
    const row = { age: 30, job: 'admin', duration: 1 };
    const over = await post(binary, { data: Array(501).fill(row) });
    expect(over.status).toBe(413);
    expect(over.json.error.code).toBe('TOO_MANY_ROWS');
    const at = await post(binary, { data: Array(500).fill(row) });
    expect(at.status).toBe(200);
    expect(at.json.result).toHaveLength(500);
  });

  test('the server stays healthy after all of the above', async () => {
    expect((await fetch(`${binary.url}/`)).status).toBe(200);
    expect(binary.stderr()).not.toMatch(/scoring failed/);
  });
});
