// The Apache Bench cross-check: parsing ab's report, and (where ab is installed, as .ci/run does) a real
// ab run against a local server agreeing with the runner on counts.
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import { findAb, parseAbOutput, runAb } from '../../src/benchmark/ab';
import { abReport } from '../../src/benchmark/report';
import { runBenchmark } from '../../src/benchmark/runner';

// Output of `ab -n 50 -c 5 -p body.json -T application/json ...` (ApacheBench 2.3) against a server answering 500.
const AB_OUTPUT = `Concurrency Level:      5
Time taken for tests:   0.040 seconds
Complete requests:      50
Failed requests:        0
Non-2xx responses:      50
Total transferred:      6700 bytes
Requests per second:    1254.80 [#/sec] (mean)
Time per request:       3.985 [ms] (mean)
Time per request:       0.797 [ms] (mean, across all concurrent requests)

Percentage of the requests served within a certain time (ms)
  50%      2
  66%      3
  95%      4
 100%     20 (longest request)
`;

test('ab output parses into counts, throughput and the percentage table', () => {
  const r = parseAbOutput(AB_OUTPUT);
  expect(r).toMatchObject({ completed: 50, failed: 0, non2xx: 50, requestsPerSec: 1254.8, timePerRequestMs: 3.985 });
  expect(r.percentiles).toEqual([
    { percent: 50, ms: 2 },
    { percent: 66, ms: 3 },
    { percent: 95, ms: 4 },
    { percent: 100, ms: 20 },
  ]);
  expect(parseAbOutput(AB_OUTPUT.replace(/^Non-2xx.*\n/m, '')).non2xx).toBe(0);
  expect(() => parseAbOutput('garbage')).toThrow(/Complete requests/);
});

test('our ab-style report parses with the same parser', async () => {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
    const ours = await runBenchmark({ url, body: '{}', requests: 40, concurrency: 4 });
    const parsed = parseAbOutput(abReport(ours));
    expect(parsed).toMatchObject({ completed: 40, failed: 0, non2xx: 0 });
    expect(parsed.requestsPerSec).toBeCloseTo(ours.requestsPerSec, 1);
    expect(parsed.percentiles.map((p) => p.percent)).toEqual([50, 66, 75, 80, 90, 95, 98, 99, 100]);
  } finally {
    server.close();
  }
});

(findAb() ? test : test.skip)('real ab and the runner agree on what they sent and got', async () => {
  let received = 0;
  const auth = new Set<string>();
  const server = http.createServer((req, res) => {
    auth.add(String(req.headers.authorization));
    req.resume();
    req.on('end', () => {
      received++;
      res.writeHead(received % 5 === 0 ? 503 : 200, { 'content-type': 'application/json' });
      res.end('{"result":["no"]}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/score`;
    const ab = await runAb({ url, headers: { Authorization: 'Bearer k' }, body: { data: [1] }, requests: 100, concurrency: 5 });
    expect(received).toBe(100);
    expect(ab).toMatchObject({ completed: 100, non2xx: 20 });
    expect([...auth]).toEqual(['Bearer k']);
    received = 0;
    const ours = await runBenchmark({ url, headers: { Authorization: 'Bearer k' }, body: { data: [1] }, requests: 100, concurrency: 5 });
    expect(ours).toMatchObject({ completed: 100, non2xx: 20 });
  } finally {
    server.close();
  }
});
