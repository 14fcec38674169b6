/**
 * Load runner on autocannon's programmatic API, with the defaults of the classic `ab -n 1000 -c 10`.
 * autocannon reports no p95 and only keeps histograms, so every request's latency is recorded here
 * and the statistics are exact (stats.ts).
 */
import { EventEmitter } from 'node:events';
import autocannon from 'autocannon';
import { latencyHistogram, LatencyHistogram } from './histogram';
import { latencyStats, LatencyStats, percentile } from './stats';

export interface BenchmarkOptions {
  url: string;
  method?: 'GET' | 'POST' | 'PUT';
  headers?: Record<string, string>;
  /** A string/Buffer is sent as is; an object as JSON (content-type set when absent). */
  body?: string | Buffer | object;
  /** Total requests (ab -n). Default 1000. */
  requests?: number;
  /** Concurrent connections (ab -c). Default 10. */
  concurrency?: number;
  /** Per-request timeout in seconds. Default 10. */
  timeoutSec?: number;
  /** Requests sent (and not measured) before the run, to warm connections and the model. Default 0. */
  warmupRequests?: number;
}

export interface BenchmarkResult {
  /** The URL without its query string (a `code=` key must never reach a report). */
  url: string;
  method: string;
  concurrency: number;
  requested: number;
  /** Requests that got an HTTP response (any status). */
  completed: number;
  /**
   * Requests that got no response: connection errors, timeouts, connections dropped by the server
   * (autocannon silently re-sends on a dropped connection, so this is counted as requested - completed).
   */
  errors: number;
  timeouts: number;
  /** Responses with a status outside 2xx. */
  non2xx: number;
  statusCodes: Record<string, number>;
  durationMs: number;
  /** Completed requests per second over the whole run. */
  requestsPerSec: number;
  /** Latency of every response (ms), exact. */
  latencyMs: LatencyStats;
  /** ab's percentage table: 50, 66, 75, 80, 90, 95, 98, 99, 100 -> ms. */
  percentiles: { percent: number; ms: number }[];
  /** Latency distribution in equal-width bins (what the dashboard draws). */
  histogram: LatencyHistogram;
  bytesReceived: number;
  startedAt: string;
}

const AB_PERCENTS = [50, 66, 75, 80, 90, 95, 98, 99, 100];

/** A URL fit for a report: no query string, no credentials. */
export function redactUrl(url: string): string {
  const u = new URL(url);
  u.search = '';
  u.username = '';
  u.password = '';
  return u.toString();
}

function prepareBody(opts: BenchmarkOptions): { body?: string | Buffer; headers: Record<string, string> } {
  const headers = { ...(opts.headers ?? {}) };
  const has = (h: string) => Object.keys(headers).some((k) => k.toLowerCase() === h);
  if (opts.body === undefined) return { headers };
  if (typeof opts.body === 'string' || Buffer.isBuffer(opts.body)) return { body: opts.body, headers };
  if (!has('content-type')) headers['content-type'] = 'application/json';
  return { body: JSON.stringify(opts.body), headers };
}

async function runOnce(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | Buffer | undefined,
  amount: number,
  connections: number,
  timeoutSec: number,
  onResponse?: (status: number, bytes: number, ms: number) => void,
): Promise<autocannon.Result> {
  // Without a callback autocannon returns its event emitter made thenable (the typings only say Promise).
  const instance = autocannon({
    url,
    method: method as autocannon.Request['method'],
    headers,
    body,
    amount,
    connections: Math.min(connections, amount),
    timeout: timeoutSec,
  }) as unknown as Promise<autocannon.Result> & EventEmitter;
  if (onResponse) {
    instance.on('response', (_client: unknown, statusCode: number, resBytes: number, responseTime: number) => onResponse(statusCode, resBytes, responseTime));
  }
  return instance;
}

export async function runBenchmark(opts: BenchmarkOptions): Promise<BenchmarkResult> {
  const requested = opts.requests ?? 1000;
  const concurrency = opts.concurrency ?? 10;
  const timeoutSec = opts.timeoutSec ?? 10;
  const method = opts.method ?? (opts.body === undefined ? 'GET' : 'POST');
  if (!Number.isInteger(requested) || requested < 1) throw new Error('requests must be a positive integer');
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('concurrency must be a positive integer');
  const { body, headers } = prepareBody(opts);

  if (opts.warmupRequests) await runOnce(opts.url, method, headers, body, opts.warmupRequests, concurrency, timeoutSec);

  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let bytesReceived = 0;
  const startedAt = new Date().toISOString();
  const t0 = performance.now();
  let lastResponseAt = t0;
  const result = await runOnce(opts.url, method, headers, body, requested, concurrency, timeoutSec, (status, bytes, ms) => {
    lastResponseAt = performance.now();
    latencies.push(ms);
    statusCodes[status] = (statusCodes[status] ?? 0) + 1;
    bytesReceived += bytes;
  });
  // autocannon reports completion on its 1 s tick: time the run up to the last response instead (or
  // to the end when requests failed without any response).
  const durationMs = (result.errors > 0 || !latencies.length ? performance.now() : lastResponseAt) - t0;
  const completed = latencies.length;
  const non2xx = Object.entries(statusCodes).reduce((n, [code, c]) => (code.startsWith('2') ? n : n + c), 0);
  const sorted = Float64Array.from(latencies).sort();
  return {
    url: redactUrl(opts.url),
    method,
    concurrency,
    requested,
    completed,
    errors: Math.max(result.errors, requested - completed),
    timeouts: result.timeouts,
    non2xx,
    statusCodes,
    durationMs,
    requestsPerSec: completed / (durationMs / 1000),
    latencyMs: latencyStats(sorted),
    percentiles: AB_PERCENTS.map((p) => ({ percent: p, ms: percentile(sorted, p) })),
    histogram: latencyHistogram(sorted),
    bytesReceived,
    startedAt,
  };
}
