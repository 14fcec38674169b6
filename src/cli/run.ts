/** `mlops run ID [--watch]`: one run's phases, leaderboard, benchmark and decision; --watch follows it live. */
import { ApiError } from '../client/api';
import { benchmarkTable, decisionText, fmt, leaderboard, progressLine } from '../client/format';
import { OptionSpec, parseArgs, usage, UsageError } from './_args';
import { client, REMOTE_SPECS } from './_remote';

const SPECS: OptionSpec[] = [
  { name: 'watch', kind: 'boolean', help: 'show live progress until the run ends' },
  { name: 'json', kind: 'boolean', help: 'print the run as JSON' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
  ...REMOTE_SPECS,
];
const SUMMARY = "One run's phases, leaderboard, benchmark and decision.";

export function describe(run: any): string {
  const out: string[] = [];
  out.push(`run ${run.runId}: ${run.runtimeStatus ?? '?'} (dataset ${run.dataset} v${run.datasetVersion}, trigger ${run.trigger ?? '-'})`);
  for (const p of run.phases ?? []) out.push(`  ${p.at}  ${p.phase}${p.note ? ` (${p.note})` : ''}`);
  if (run.split) out.push(`split: ${run.split.train} training rows, ${run.split.test} held out`);
  if (run.automl?.leaderboardTop?.length) out.push('', 'leaderboard:', leaderboard(run));
  const cv = run.metrics?.cv as Record<string, unknown> | undefined;
  if (cv) {
    const keys = ['AUC_weighted', 'accuracy', 'precision_score_weighted', 'recall_score_weighted', 'f1_score_weighted', 'log_loss', 'normalized_root_mean_squared_error', 'r2_score'];
    const shown = keys.filter((k) => typeof cv[k] === 'number').map((k) => `${k} ${fmt(cv[k])}`);
    if (shown.length) out.push('', `CV metrics: ${shown.join(', ')}`);
  }
  if (run.benchmark) out.push('', 'benchmark:', benchmarkTable(run));
  out.push('', `decision: ${decisionText(run)}`);
  return out.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const id = argv[0] && !argv[0].startsWith('--') ? argv[0] : undefined;
  let opts;
  try {
    opts = parseArgs(id ? argv.slice(1) : argv, SPECS);
    if (!id && !opts.help) throw new UsageError('a run id is required (see `mlops runs`)');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`mlops run: ${err.message}\n${usage('run ID', SUMMARY, SPECS)}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(usage('run ID', SUMMARY, SPECS) + '\n');
    return 0;
  }
  const api = await client(opts);
  try {
    let run = await api.get(`/api/runs/${encodeURIComponent(id!)}`);
    if (opts.watch) {
      let last = '';
      while (!['Completed', 'Failed', 'Terminated'].includes(run.runtimeStatus)) {
        const line = progressLine(run);
        if (line !== last) process.stdout.write((process.stdout.isTTY ? '\r\x1b[2K' : '') + line + (process.stdout.isTTY ? '' : '\n'));
        last = line;
        await new Promise((r) => setTimeout(r, 1000));
        run = await api.get(`/api/runs/${encodeURIComponent(id!)}`);
      }
      process.stdout.write('\n');
    }
    process.stdout.write((opts.json ? JSON.stringify(run, null, 2) : describe(run)) + '\n');
    return run.runtimeStatus === 'Failed' ? 1 : 0;
  } catch (err) {
    if (err instanceof ApiError) {
      process.stderr.write(`mlops run: ${err.code}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}
