/**
 * `mlops bench [--model NAME] [--requests 1000] [--concurrency 10] [--row JSON]`: load-tests the scoring route like the
 * classic `ab -n 1000 -c 10`, printing an ab-style report with exact latency percentiles.
 */
import { abReport } from '../benchmark/report';
import { runBenchmark } from '../benchmark/runner';
import { defineCommand, UsageError } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export const main = defineCommand(
  {
    name: 'bench',
    summary: summaryOf('bench'),
    options: [
      { name: 'model', kind: 'string', short: 'm', value: 'NAME', help: "benchmark this model's route /api/models/NAME/score (default /api/score)" },
      { name: 'requests', kind: 'integer', min: 1, max: 1000000, help: 'total requests, like ab -n (default 1000)' },
      { name: 'concurrency', kind: 'integer', min: 1, max: 1000, help: 'concurrent connections, like ab -c (default 10)' },
      { name: 'row', kind: 'string', value: 'JSON', help: "the row to score (default: the example row of the model's swagger.json)" },
      { name: 'deployment', kind: 'string', value: 'NAME', help: 'benchmark this deployment through the proxy instead of the champion' },
    ],
    remote: true,
    json: true,
    details: 'Exit 1 when any request failed or answered non-2xx.',
  },
  async ({ opts }) => {
    const model = opts.model as string | undefined;
    const api = await client(opts, { kind: 'function', name: model ? 'scoreModel' : 'score' });
    const route = model ? `/api/models/${encodeURIComponent(model)}` : '/api';
    let row: unknown;
    if (opts.row) {
      try {
        row = JSON.parse(opts.row as string);
      } catch {
        throw new UsageError('--row is not valid JSON');
      }
    } else {
      const spec = await api.get(`${route}/swagger.json`);
      row = findExampleRow(spec);
      if (!row) throw new UsageError('the swagger has no example row; pass --row');
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const key = api.key;
    if (key) headers['x-functions-key'] = key;
    if (opts.deployment) headers['azureml-model-deployment'] = String(opts.deployment);
    const result = await runBenchmark({
      url: `${api.baseUrl}${route}/score`,
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
