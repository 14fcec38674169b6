/** `mlops runs [--watch] [--limit N]`: recent training runs; --watch redraws them live. */
import { fmt, progressLine, table } from '../client/format';
import { defineCommand, EXIT } from './_command';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export function runsTable(runs: any[]): string {
  return table(
    ['run', 'dataset', 'status', 'progress', 'model', 'decision'],
    runs.map((r) => [
      r.runId,
      `${r.dataset} v${r.datasetVersion}`,
      r.runtimeStatus ?? '-',
      progressLine(r).replace(/^\[[^\]]*\] \S+ /, ''),
      r.model ? `${r.model.name} v${r.model.version}` : '-',
      r.decision ? (r.decision.promoted ? `promoted (${fmt(r.decision.challenger.testScore)})` : 'kept champion') : r.error ? r.error.code : '-',
    ]),
  );
}

export const main = defineCommand(
  {
    name: 'runs',
    summary: summaryOf('runs'),
    options: [
      { name: 'watch', kind: 'boolean', short: 'w', help: 'refresh every 2 s until Ctrl-C' },
      { name: 'limit', kind: 'integer', min: 1, max: 500, help: 'how many runs (default 20)' },
    ],
    remote: true,
    json: true,
  },
  async ({ opts, json, print }) => {
    const api = await client(opts);
    const limit = (opts.limit as number | undefined) ?? 20;
    for (;;) {
      const body = await api.get(`/api/runs?limit=${limit}`);
      if (opts.watch && process.stdout.isTTY && !json) process.stdout.write('\x1b[2J\x1b[H');
      print(body, () => runsTable(body.runs));
      if (!opts.watch) return EXIT.OK;
      await new Promise((r) => setTimeout(r, 2000));
    }
  },
);
