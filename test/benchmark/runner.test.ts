// The load runner: exact latency percentiles, counts of responses, errors and non-2xx against a local
// server that records what it received, and the ab-style report.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { startBaselineServer } from '../../src/benchmark/baseline';
import { abReport, summaryTable } from '../../src/benchmark/report';
import { runBenchmark } from '../../src/benchmark/runner';
import { latencyStats, percentile } from '../../src/benchmark/stats';

describe('exact statistics', () => {
  test('nearest-rank percentiles of 1..100 are the ranks themselves', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i); // unsorted on purpose
    const s = latencyStats(xs);
    expect([s.p50, s.p90, s.p95, s.p99, s.min, s.max]).toEqual([50, 90, 95, 99, 1, 100]);
    expect(s.mean).toBeCloseTo(50.5, 10);
    expect(s.count).toBe(100);
  });

  test('small samples: p95 of 10 values is the largest, p50 of [1,3,5] is 3', () => {
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)).toBe(10);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(latencyStats([5, 1, 3]).p50).toBe(3);
    expect(latencyStats([2, 4, 4, 4, 5, 5, 7, 9]).stddev).toBeCloseTo(2, 10);
    expect(Number.isNaN(latencyStats([]).p95)).toBe(true);
  });
});

describe('runBenchmark against a local server', () => {
  let server: http.Server;
  let url: string;
  let received = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const bodies = new Set<string>();
  const auth = new Set<string>();

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received++;
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        bodies.add(body);
        auth.add(String(req.headers.authorization));
        const n = received;
        setTimeout(() => {
          inFlight--;
          if (req.url?.startsWith('/flaky') && n % 10 === 0) {
            res.writeHead(500, { 'content-type': 'application/json' });
            return res.end('{"error":{"code":"boom"}}');
          }
          if (req.url?.startsWith('/drop') && n % 25 === 0) return req.socket.destroy();
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"result":["no"]}');
        }, 3);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  beforeEach(() => {
    received = 0;
    maxInFlight = 0;
    bodies.clear();
    auth.clear();
  });

  test('sends exactly `requests` requests with the body and headers, at most `concurrency` at a time', async () => {
    const r = await runBenchmark({
      url: `${url}/score`,
      headers: { authorization: 'Bearer k' },
      body: { data: [{ a: 1 }] },
      requests: 200,
      concurrency: 5,
    });
    expect(received).toBe(200);
    expect(r.completed).toBe(200);
    expect(r.latencyMs.count).toBe(200);
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(maxInFlight).toBeGreaterThan(1);
    expect([...bodies]).toEqual(['{"data":[{"a":1}]}']);
    expect([...auth]).toEqual(['Bearer k']);
    expect(r).toMatchObject({ method: 'POST', concurrency: 5, requested: 200, errors: 0, non2xx: 0, statusCodes: { 200: 200 } });
    // The server holds every request 3 ms (timers may fire up to 1 ms early against hrtime).
    expect(r.latencyMs.min).toBeGreaterThanOrEqual(2);
    expect(r.latencyMs.p50).toBeLessThanOrEqual(r.latencyMs.p95);
    expect(r.latencyMs.p95).toBeLessThanOrEqual(r.latencyMs.p99);
    expect(r.latencyMs.p99).toBeLessThanOrEqual(r.latencyMs.max);
    expect(r.requestsPerSec).toBeCloseTo(200 / (r.durationMs / 1000), 6);
  });

  test('non-2xx responses are counted by status', async () => {
    const r = await runBenchmark({ url: `${url}/flaky`, body: '{}', requests: 100, concurrency: 4 });
    expect(r.completed).toBe(100);
    expect(r.non2xx).toBe(10);
    expect(r.statusCodes).toEqual({ 200: 90, 500: 10 });
  });

  test('dropped connections are counted as errors', async () => {
    const r = await runBenchmark({ url: `${url}/drop`, body: '{}', requests: 100, concurrency: 2 });
    expect(r.errors).toBeGreaterThan(0);
    expect(r.completed + r.errors).toBe(100);
    expect(r.statusCodes['200']).toBe(r.completed);
  });

  test('the ab-style report shows the run and never the query string of the URL', async () => {
    const r = await runBenchmark({ url: `${url}/score?code=secret-function-key`, body: '{}', requests: 50, concurrency: 10 });
    expect(r.url).not.toContain('secret');
    const text = abReport(r);
    expect(text).not.toContain('secret');
    expect(text).toContain('Concurrency Level:      10');
    expect(text).toContain('Complete requests:      50');
    expect(text).toContain('Failed requests:        0');
    expect(text).toMatch(/Requests per second:\s+[\d.]+ \[#\/sec\] \(mean\)/);
    expect(text).toMatch(/Time per request:\s+[\d.]+ \[ms\] \(mean\)/);
    expect(text).toContain(`  95% ${r.latencyMs.p95.toFixed(2).padStart(8)}`);
    expect(text).toMatch(/100%\s+[\d.]+ \(longest request\)/);
    const table = summaryTable([{ name: 'direct', result: r }]);
    expect(table.split('\n')).toHaveLength(3);
    expect(table).toContain(r.latencyMs.p95.toFixed(2));
  });

  test('bad settings are refused before any request', async () => {
    await expect(runBenchmark({ url, requests: 0 })).rejects.toThrow(/requests/);
    await expect(runBenchmark({ url, concurrency: 0 })).rejects.toThrow(/concurrency/);
    expect(received).toBe(0);
  });
});

describe('baseline server', () => {
  test('answers every request with the fixed JSON, body read, and is measurable', async () => {
    const base = await startBaselineServer({ result: ['yes'] });
    try {
      const res = await fetch(`${base.url}/score`, { method: 'POST', body: '{"data":[{}]}' });
      expect(await res.json()).toEqual({ result: ['yes'] });
      const r = await runBenchmark({ url: `${base.url}/score`, body: '{}', requests: 100, concurrency: 10 });
      expect(r).toMatchObject({ completed: 100, errors: 0, non2xx: 0 });
    } finally {
      await base.close();
    }
  });
});
