// The proxy core: validation before forwarding, the champion's key, pooled keep-alive connections, and
// the status of every failure (400/413/502/503/504) — against a real endpoint process and local stand-ins.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { generateKeys } from '../../src/deploy/keys';
import { freePort } from '../../src/host/azurite';
import { Champion, forwardScore, UpstreamCall } from '../../src/scoring/proxy';
import { inputSchemaFromOnnx } from '../../src/contract/schema';
import { BINARY_SPEC, buildTestModel, referenceLabel, SAMPLE_ROWS } from '../deploy/fixtures/model';
import { spawnEndpoint, TestEndpoint } from '../deploy/support';

const schema = inputSchemaFromOnnx(buildTestModel(BINARY_SPEC));
const keys = generateKeys();
let endpoint: TestEndpoint;
let champion: Champion;

beforeAll(async () => {
  endpoint = await spawnEndpoint({
    name: 'proxy-target',
    modelName: 'fixture',
    modelVersion: '4',
    model: { base64: Buffer.from(buildTestModel(BINARY_SPEC)).toString('base64') },
    keys,
  });
  champion = { name: 'proxy-target', modelName: 'fixture', modelVersion: '4', url: endpoint.url, key: keys.primary, schema };
});

afterAll(async () => {
  await endpoint?.stop();
});

/** A stand-in upstream that counts requests and TCP connections and answers with `handler`. */
async function standIn(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const stats = { requests: 0, connections: 0 };
  const server = http.createServer((req, res) => {
    stats.requests++;
    handler(req, res);
  });
  server.on('connection', () => stats.connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    stats,
    url,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

describe('forwardScore', () => {
  test('forwards the three shapes to the champion and adds the model headers', async () => {
    const calls: UpstreamCall[] = [];
    const labels = SAMPLE_ROWS.map((r) => referenceLabel(BINARY_SPEC, r));
    const v1 = await forwardScore(champion, JSON.stringify({ data: SAMPLE_ROWS }), { onUpstream: (c) => calls.push(c) });
    expect(v1.status).toBe(200);
    expect(JSON.parse(v1.body)).toEqual({ result: labels });
    expect(v1.headers).toMatchObject({ 'x-model-name': 'fixture', 'x-model-version': '4', 'x-model-deployment': 'proxy-target' });
    const v2 = await forwardScore(champion, JSON.stringify({ Inputs: { data: SAMPLE_ROWS }, GlobalParameters: { method: 'predict_proba' } }));
    expect(JSON.parse(v2.body).Results).toHaveLength(SAMPLE_ROWS.length);
    const cols = ['age', 'job', 'duration'];
    const mlflow = await forwardScore(
      champion,
      Buffer.from(JSON.stringify({ input_data: { columns: cols, data: SAMPLE_ROWS.map((r) => [r.age, r.job, r.duration]) } })),
    );
    expect(JSON.parse(mlflow.body)).toEqual({ predictions: labels });
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ deployment: 'proxy-target', status: 200, success: true });
    expect(calls[0].durationMs).toBeGreaterThan(0);
  });

  test('a bad body is answered 400 with the fields at fault, without calling the deployment', async () => {
    const calls: UpstreamCall[] = [];
    const r = await forwardScore(champion, JSON.stringify({ data: [{ age: 'x', job: 'admin' }] }), { onUpstream: (c) => calls.push(c) });
    expect(r.status).toBe(400);
    const body = JSON.parse(r.body);
    expect(body.error.code).toBe('INVALID_FIELDS');
    expect(body.error.fields.sort()).toEqual(['age', 'duration']);
    expect(calls).toHaveLength(0);
    for (const [raw, code] of [
      ['nope', 'INVALID_JSON'],
      [undefined, 'EMPTY_BODY'],
      ['{"x":1}', 'UNKNOWN_SHAPE'],
    ] as const) {
      const res = await forwardScore(champion, raw);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.code).toBe(code);
    }
  });

  test('no champion -> 503 NO_MODEL', async () => {
    const r = await forwardScore(undefined, JSON.stringify({ data: SAMPLE_ROWS }));
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).error.code).toBe('NO_MODEL');
  });

  test('a body over the limit -> 413 before any parsing', async () => {
    const r = await forwardScore(champion, 'x'.repeat(2048), { maxBodyBytes: 1024 });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body).error.code).toBe('BODY_TOO_LARGE');
  });

  test('an upstream that does not answer in time -> 504 upstream_timeout', async () => {
    const slow = await standIn(() => undefined); // never answers
    const calls: UpstreamCall[] = [];
    try {
      const r = await forwardScore({ ...champion, url: slow.url }, JSON.stringify({ data: SAMPLE_ROWS }), {
        timeoutMs: 200,
        agent: new http.Agent({ keepAlive: true }),
        onUpstream: (c) => calls.push(c),
      });
      expect(r.status).toBe(504);
      expect(JSON.parse(r.body).error.code).toBe('UPSTREAM_TIMEOUT');
      expect(calls[0]).toMatchObject({ success: false, status: 504 });
    } finally {
      await slow.close();
    }
  });

  test('an unreachable deployment -> 502 upstream_unavailable', async () => {
    const port = await freePort();
    const r = await forwardScore({ ...champion, url: `http://127.0.0.1:${port}` }, JSON.stringify({ data: SAMPLE_ROWS }));
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).error.code).toBe('UPSTREAM_UNAVAILABLE');
  });

  test('a key the deployment refuses -> 502 upstream_auth, and no key in the answer', async () => {
    const r = await forwardScore({ ...champion, key: 'wrong-key-wrong-key-wrong' }, JSON.stringify({ data: SAMPLE_ROWS }));
    expect(r.status).toBe(502);
    expect(JSON.parse(r.body).error.code).toBe('UPSTREAM_AUTH');
    expect(r.body).not.toContain('wrong-key');
    expect(r.body).not.toContain(keys.primary);
  });

  test('upstream 5xx -> 502 upstream_error; sends the champion key as a Bearer header', async () => {
    const seen: string[] = [];
    const failing = await standIn((req, res) => {
      seen.push(String(req.headers.authorization));
      req.resume();
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"SCORING_FAILED","message":"internal"}}');
    });
    try {
      const r = await forwardScore({ ...champion, url: failing.url }, JSON.stringify({ data: SAMPLE_ROWS }), { agent: new http.Agent() });
      expect(r.status).toBe(502);
      expect(JSON.parse(r.body).error.code).toBe('UPSTREAM_ERROR');
      expect(seen).toEqual([`Bearer ${keys.primary}`]);
    } finally {
      await failing.close();
    }
  });

  test('requests reuse pooled keep-alive connections', async () => {
    const ok = await standIn((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"result":["no"]}');
      });
    });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
    try {
      const body = JSON.stringify({ data: [SAMPLE_ROWS[0]] });
      for (let i = 0; i < 10; i++) expect((await forwardScore({ ...champion, url: ok.url }, body, { agent })).status).toBe(200);
      await Promise.all(Array.from({ length: 12 }, () => forwardScore({ ...champion, url: ok.url }, body, { agent })));
      expect(ok.stats.requests).toBe(22);
      expect(ok.stats.connections).toBeLessThanOrEqual(4);
    } finally {
      agent.destroy();
      await ok.close();
    }
  });
});
