/** `mlops runs [--watch] [--limit N]`: recent training runs; --watch redraws them live. */
import { ApiError } from '../client/api';
import { fmt, progressLine, table } from '../client/format';
import { OptionSpec, parseArgs, usage, UsageError } from './_args';
import { client, REMOTE_SPECS } from './_remote';

const SPECS: OptionSpec[] = [
  { name: 'watch', kind: 'boolean', help: 'refresh every 2 s until Ctrl-C' },
  { name: 'limit', kind: 'number', help: 'how many runs (default 20)' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
  ...REMOTE_SPECS,
];

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

export async function main(argv: string[]): Promise<number> {
  let opts;
  try {
    opts = parseArgs(argv, SPECS);
  } catch (err) {
    if (err instanceof UsageError) return usageError(err.message);
    throw err;
  }
  if (opts.help) {
    process.stdout.write(usage('runs', 'Recent training runs with their progress and decision.', SPECS) + '\n');
    return 0;
  }
  const api = await client(opts);
  const limit = (opts.limit as number) ?? 20;
  try {
    for (;;) {
      const body = await api.get(`/api/runs?limit=${limit}`);
      const text = runsTable(body.runs);
      if (opts.watch && process.stdout.isTTY) process.stdout.write('\x1b[2J\x1b[H');
      process.stdout.write(text + '\n');
      if (!opts.watch) return 0;
      await new Promise((r) => setTimeout(r, 2000));
    }
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(`mlops runs: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

function usageError(message: string): number {
  process.stderr.write(`mlops runs: ${message}\n${usage('runs', 'Recent training runs with their progress and decision.', SPECS)}\n`);
  return 2;
}
