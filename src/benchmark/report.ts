/** Reports of a benchmark run: an Apache Bench-style text report and a one-line summary table. */
import { BenchmarkResult } from './runner';

const ms = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '-');
const pad = (label: string) => label.padEnd(24);

/** The layout of `ab`'s output (same headings and definitions), from a runBenchmark result. */
export function abReport(r: BenchmarkResult, title = 'autocannon (ab-style report)'): string {
  const u = new URL(r.url);
  const seconds = r.durationMs / 1000;
  const failed = r.errors + r.non2xx;
  const lines = [
    `This is an ab-style report of a load run by ${title}.`,
    '',
    `${pad('Server Hostname:')}${u.hostname}`,
    `${pad('Server Port:')}${u.port || (u.protocol === 'https:' ? '443' : '80')}`,
    '',
    `${pad('Document Path:')}${u.pathname}`,
    `${pad('Request Method:')}${r.method}`,
    '',
    `${pad('Concurrency Level:')}${r.concurrency}`,
    `${pad('Time taken for tests:')}${seconds.toFixed(3)} seconds`,
    `${pad('Complete requests:')}${r.completed}`,
    `${pad('Failed requests:')}${failed}`,
    `   (Connect/timeout errors: ${r.errors}, Non-2xx responses: ${r.non2xx})`,
    `${pad('Non-2xx responses:')}${r.non2xx}`,
    `${pad('Total transferred:')}${r.bytesReceived} bytes`,
    `${pad('Requests per second:')}${r.requestsPerSec.toFixed(2)} [#/sec] (mean)`,
    // ab: concurrency * time / requests, and time / requests.
    `${pad('Time per request:')}${ms(r.completed ? (r.concurrency * r.durationMs) / r.completed : NaN, 3)} [ms] (mean)`,
    `${pad('Time per request:')}${ms(r.completed ? r.durationMs / r.completed : NaN, 3)} [ms] (mean, across all concurrent requests)`,
    `${pad('Transfer rate:')}${(seconds > 0 ? r.bytesReceived / 1024 / seconds : 0).toFixed(2)} [Kbytes/sec] received`,
    '',
    'Latency (ms)     min    mean[+/-sd]      p50     p90     p95     p99     max',
    `Total:      ${[r.latencyMs.min].map((v) => ms(v).padStart(7)).join('')} ${ms(r.latencyMs.mean).padStart(7)} ${ms(r.latencyMs.stddev).padStart(6)} ${[
      r.latencyMs.p50,
      r.latencyMs.p90,
      r.latencyMs.p95,
      r.latencyMs.p99,
      r.latencyMs.max,
    ]
      .map((v) => ms(v).padStart(7))
      .join(' ')}`,
    '',
    'Percentage of the requests served within a certain time (ms)',
    ...r.percentiles.map(({ percent, ms: v }) => `  ${`${percent}%`.padStart(4)} ${ms(v).padStart(8)}${percent === 100 ? ' (longest request)' : ''}`),
    '',
  ];
  return lines.join('\n');
}

/** Rows for a compact table: one line per run (name, req/s, mean, p50, p90, p95, p99, errors, non-2xx). */
export function summaryTable(rows: { name: string; result: BenchmarkResult }[]): string {
  const head = ['run', 'requests', 'req/s', 'mean ms', 'p50', 'p90', 'p95', 'p99', 'errors', 'non-2xx'];
  const body = rows.map(({ name, result: r }) => [
    name,
    String(r.completed),
    r.requestsPerSec.toFixed(1),
    ms(r.latencyMs.mean),
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p90),
    ms(r.latencyMs.p95),
    ms(r.latencyMs.p99),
    String(r.errors),
    String(r.non2xx),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...body.map(fmt)].join('\n');
}
