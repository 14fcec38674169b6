/**
 * `mlops bench [--requests 1000] [--concurrency 10] [--row JSON]`: load-tests POST /api/score like the
 * classic `ab -n 1000 -c 10`, printing an ab-style report with exact latency percentiles.
 */
import { abReport } from '../benchmark/report';
import { runBenchmark } from '../benchmark/runner';
import { UsageError } from './_args';
import { remoteCommand } from './_simple';

export const main = remoteCommand(
  'bench',
  'Load-test the scoring route (ab-style report).',
  [
    { name: 'requests', kind: 'number', help: 'total requests (default 1000)' },
    { name: 'concurrency', kind: 'number', help: 'concurrent connections (default 10)' },
    { name: 'row', kind: 'string', help: 'the row to score, as JSON (default: the example row of the swagger)' },
    { name: 'deployment', kind: 'string', help: 'benchmark this deployment through the proxy instead of the champion' },
  ],
  async (api, opts) => {
    let row: unknown;
    if (opts.row) {
      try {
        row = JSON.parse(opts.row as string);
      } catch {
        throw new UsageError('--row is not valid JSON');
      }
    } else {
      const spec = await api.get('/api/swagger.json');
      row = findExampleRow(spec);
      if (!row) throw new UsageError('the swagger has no example row; pass --row');
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = api.key;
    if (key) headers['x-functions-key'] = key;
    if (opts.deployment) headers['azureml-model-deployment'] = String(opts.deployment);
    const result = await runBenchmark({
      url: `${api.baseUrl.replace(/\/$/, '')}/api/score`,
      method: 'POST',
      headers,
      body: JSON.stringify({ data: [row] }),
      requests: (opts.requests as number) ?? 1000,
      concurrency: (opts.concurrency as number) ?? 10,
      warmupRequests: 20,
    });
    process.stdout.write(opts.json ? JSON.stringify(result, null, 2) + '\n' : abReport(result) + '\n');
    return result.errors === 0 && result.non2xx === 0 ? 0 : 1;
  },
);

/** The first example row found in an OpenAPI document ({"data": [row]} request example). */
function findExampleRow(spec: any): unknown {
  const seen = new Set<unknown>();
  const walk = (o: any): unknown => {
    if (!o || typeof o !== 'object' || seen.has(o)) return undefined;
    seen.add(o);
    if (Array.isArray(o.data) && o.data.length && typeof o.data[0] === 'object' && !Array.isArray(o.data[0])) return o.data[0];
    for (const v of Object.values(o)) {
      const r = walk(v);
      if (r) return r;
    }
    return undefined;
  };
  return walk(spec);
}
