/**
 * A fuzz of the scoring route: at least 5,000 generated request bodies (deterministic seed) against the
 * embedded host serving a real ONNX champion (the fixture of test/scoring: functions/score.ts compiled)
 * through a local deployment endpoint. Not one answer may be >= 500, and the host must still serve a
 * valid request afterwards. The bodies mix valid requests of the three shapes, mutated fields (types,
 * missing, extra, non-finite numbers, long strings), arbitrary JSON, truncated and invalid JSON, invalid
 * UTF-8, and odd content types.
 * Needs the compiled app and endpoint server (npx tsc -p tsconfig.json).
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { LocalDeploymentTarget } from '../../src/deploy/local';
import { exportOnnx } from '../../src/automl/onnx';
import { startTestAzurite } from '../support/azurite';
import { startTestHost, TestHost } from '../support/host';
import { BANK_COLUMNS, BANK_CATEGORIES, bankLikeBinaryPipeline, bankLikeRows } from '../support/pipelines';
import { requireBuiltServer } from '../deploy/support';

jest.setTimeout(180_000);

const COUNT = 5000;
const CONCURRENCY = 12;

/** mulberry32: a small deterministic PRNG, so that a failure can be replayed from its index. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rows = bankLikeRows(50, 11).map((r) =>
  Object.fromEntries(BANK_COLUMNS.map((c) => [c, r[c] === undefined || (typeof r[c] === 'number' && Number.isNaN(r[c] as number)) ? null : r[c]])),
);

interface Case {
  body: string | Buffer;
  contentType: string;
}

function generator(seed: number): (i: number) => Case {
  const r = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
  const int = (n: number) => Math.floor(r() * n);
  const weird: unknown[] = [
    null,
    true,
    false,
    0,
    -0,
    1e308,
    -1e308,
    5e-324,
    'NaN',
    'Infinity',
    '-Infinity',
    '',
    ' ',
    '\u0000',
    '\ud800',
    '😀',
    'x'.repeat(2000),
    [],
    {},
    [[]],
    { a: { b: { c: [1] } } },
    '1e999',
    42,
    -1,
    3.5,
    'yes',
    '__proto__',
    { __proto__: { polluted: 1 } },
    ['technician'],
    '<script>alert(1)</script>',
  ];
  const value = (depth = 0): unknown => {
    const k = int(depth > 3 ? 4 : 8);
    if (k === 0) return pick(weird);
    if (k === 1) return r() * 1e6 - 5e5;
    if (k === 2) return pick(Object.values(BANK_CATEGORIES).flat());
    if (k === 3) return String.fromCharCode(...Array.from({ length: int(20) }, () => int(0xffff)));
    if (k === 4 || k === 5) return Array.from({ length: int(4) }, () => value(depth + 1));
    return Object.fromEntries(Array.from({ length: int(4) }, () => [pick([...BANK_COLUMNS, 'data', 'Inputs', 'input_data', 'x', '']), value(depth + 1)]));
  };
  const mutateRow = (row: Record<string, unknown>) => {
    const out: Record<string, unknown> = { ...row };
    for (let n = int(4); n >= 0; n--) {
      const c = pick(BANK_COLUMNS);
      const op = int(4);
      if (op === 0) delete out[c];
      else if (op === 1) out[c] = value();
      else if (op === 2) out[`extra_${int(5)}`] = value();
      else out[c] = pick(weird);
    }
    return out;
  };
  const someRows = (mutate: boolean) => Array.from({ length: 1 + int(5) }, () => (mutate ? mutateRow(pick(rows)) : pick(rows)));
  const shapes = [
    (m: boolean) => ({ data: someRows(m) }),
    (m: boolean) => ({ Inputs: { data: someRows(m) }, GlobalParameters: { method: pick(['predict', 'predict_proba', 'nope', 1, null]) } }),
    (m: boolean) => {
      const rs = someRows(m);
      return { input_data: { columns: r() < 0.8 ? BANK_COLUMNS : BANK_COLUMNS.slice(0, int(20)), data: rs.map((x) => BANK_COLUMNS.map((c) => x[c])) } };
    },
  ];
  return (i: number): Case => {
    const kind = i % 10;
    const json = 'application/json';
    if (kind <= 1) return { body: JSON.stringify(pick(shapes)(false)), contentType: json };
    if (kind <= 4) return { body: JSON.stringify(pick(shapes)(true)), contentType: json };
    if (kind === 5) return { body: JSON.stringify(value()), contentType: json };
    if (kind === 6) {
      const text = JSON.stringify(pick(shapes)(r() < 0.5));
      return { body: text.slice(0, int(text.length)), contentType: json }; // truncated
    }
    if (kind === 7) {
      // Text tricks JSON.stringify never makes: 1e999, NaN, comments, trailing commas, BOM, duplicates.
      const row = JSON.stringify(pick(rows));
      const variants = [
        row.replace(/"age":\s*[\d.]+/, '"age":1e999'),
        row.replace(/"age":\s*[\d.]+/, '"age":NaN'),
        `{"data":[${row}],}`,
        `\ufeff{"data":[${row}]}`,
        `{"data":[${row}]} // c`,
        `{"data":[${row}],"data":null}`,
        `{"data":[${row.replace('{', '{"age":"41",')}]}`,
      ];
      return { body: `${pick(variants)}`.replace(/^/, pick(['', '', ' ', '\n'])), contentType: json };
    }
    if (kind === 8)
      return { body: Buffer.from(Array.from({ length: int(300) }, () => int(256))), contentType: pick([json, 'application/octet-stream', 'text/plain']) };
    return {
      body: JSON.stringify(pick(shapes)(r() < 0.5)),
      contentType: pick(['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '', 'multipart/form-data; boundary=x']),
    };
  };
}

describe('scoring fuzz', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let host: TestHost;
  let target: LocalDeploymentTarget;
  let key: string;

  beforeAll(async () => {
    requireBuiltServer();
    az = await startTestAzurite();
    host = await startTestHost({ appDir: 'test/scoring/app', connectionString: az.connectionString, env: { SCORE_MAX_BODY_BYTES: '65536' } });
    key = host.functionKey('score');
    target = new LocalDeploymentTarget({ connectionString: az.connectionString, drainMs: 0 });
    const container = BlobServiceClient.fromConnectionString(az.connectionString).getContainerClient('registry');
    await container.createIfNotExists();
    await container.getBlockBlobClient('models/bank/v1/model.onnx').uploadData(Buffer.from(exportOnnx(bankLikeBinaryPipeline({ trees: 20, seed: 5 }))));
    await target.deploy({ name: 'bank-v1', modelName: 'bank', modelVersion: 1, hints: { target: 'y', fields: {} } });
    await target.store.promote('bank-v1');
    const deadline = Date.now() + 20_000;
    for (;;) {
      const res = await fetch(`${host.baseUrl}/api/score`, {
        method: 'POST',
        headers: { 'x-functions-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ data: [rows[0]] }),
      });
      if (res.status === 200) break;
      if (Date.now() > deadline) throw new Error(`champion not served: ${res.status} ${await res.text()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  });

  afterAll(async () => {
    await target?.close();
    await host?.stop();
    await az?.stop();
  });

  test(`${COUNT} generated bodies: no answer >= 500, the host keeps serving`, async () => {
    const gen = generator(20261201);
    const cases = Array.from({ length: COUNT }, (_, i) => gen(i));
    const statuses = new Map<number, number>();
    const failures: string[] = [];
    let next = 0;
    const worker = async () => {
      while (next < cases.length) {
        const i = next++;
        const c = cases[i];
        const headers: Record<string, string> = { 'x-functions-key': key };
        if (c.contentType) headers['content-type'] = c.contentType;
        let status: number;
        try {
          const res = await fetch(`${host.baseUrl}/api/score`, { method: 'POST', headers, body: c.body });
          status = res.status;
          const text = await res.text();
          if (status >= 500 && failures.length < 10) failures.push(`#${i} ${status} ${text.slice(0, 200)} <- ${String(c.body).slice(0, 200)}`);
        } catch (err) {
          status = -1;
          if (failures.length < 10) failures.push(`#${i} no answer (${(err as Error).message}) <- ${String(c.body).slice(0, 200)}`);
        }
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    console.log(
      `scoring fuzz, ${COUNT} bodies: ${[...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}: ${n}`)
        .join(', ')}`,
    );
    expect(failures).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500 || s < 0)).toEqual([]);
    // The generator reaches both sides: valid requests scored, bad ones refused with 4xx.
    expect(statuses.get(200) ?? 0).toBeGreaterThan(COUNT / 10);
    expect([...statuses.entries()].filter(([s]) => s >= 400 && s < 500).reduce((a, [, n]) => a + n, 0)).toBeGreaterThan(COUNT / 4);
    const after = await fetch(`${host.baseUrl}/api/score`, {
      method: 'POST',
      headers: { 'x-functions-key': key, 'content-type': 'application/json' },
      body: JSON.stringify({ data: rows.slice(0, 3) }),
    });
    expect(after.status).toBe(200);
    expect((await after.json()).result).toHaveLength(3);
  });
});
