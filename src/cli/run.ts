/** `mlops run RUN [--watch]`: one run's phases, leaderboard, benchmark and decision; --watch follows it live. */
import { benchmarkTable, decisionText, fmt, leaderboard, progressLine } from '../client/format';
import { defineCommand, EXIT } from './_command';
import { ENDED } from './logs';
import { client } from './_remote';
import { summaryOf } from './_catalog';

export function describe(run: any): string {
  const out: string[] = [];
  out.push(`run ${run.runId}: ${run.runtimeStatus ?? '?'} (dataset ${run.dataset} v${run.datasetVersion}, trigger ${run.trigger ?? '-'})`);
  for (const p of run.phases ?? []) out.push(`  ${p.at}  ${p.phase}${p.note ? ` (${p.note})` : ''}`);
  if (run.split) out.push(`split: ${run.split.train} training rows, ${run.split.test} held out`);
  if (run.automl?.leaderboardTop?.length) out.push('', 'leaderboard:', leaderboard(run));
  const cv = run.metrics?.cv as Record<string, unknown> | undefined;
  if (cv) {
    const keys = [
      'AUC_weighted',
      'accuracy',
      'precision_score_weighted',
      'recall_score_weighted',
      'f1_score_weighted',
      'log_loss',
      'normalized_root_mean_squared_error',
      'r2_score',
    ];
    const shown = keys.filter((k) => typeof cv[k] === 'number').map((k) => `${k} ${fmt(cv[k])}`);
    if (shown.length) out.push('', `CV metrics: ${shown.join(', ')}`);
  }
  if (run.benchmark) out.push('', 'benchmark:', benchmarkTable(run));
  out.push('', `decision: ${decisionText(run)}`);
  return out.join('\n');
}

export const main = defineCommand(
  {
    name: 'run',
    summary: summaryOf('run'),
    positionals: [{ name: 'RUN', help: 'the run id (see mlops runs)', required: true }],
    options: [{ name: 'watch', kind: 'boolean', short: 'w', help: 'show live progress until the run ends' }],
    remote: true,
    json: true,
  },
  async ({ opts, args, json, print }) => {
    const api = await client(opts);
    const path = `/api/runs/${encodeURIComponent(args.RUN!)}`;
    let run = await api.get(path);
    if (opts.watch) {
      let last = '';
      while (!ENDED.includes(run.runtimeStatus)) {
        const line = progressLine(run);
        if (line !== last && !json) process.stderr.write((process.stderr.isTTY ? '\r\x1b[2K' : '') + line + (process.stderr.isTTY ? '' : '\n'));
        last = line;
        await new Promise((r) => setTimeout(r, 1000));
        run = await api.get(path);
      }
      if (!json && process.stderr.isTTY) process.stderr.write('\n');
    }
    print(run, () => describe(run));
    return ['Failed', 'Terminated', 'Canceled'].includes(run.runtimeStatus) ? EXIT.FAILED : EXIT.OK;
  },
);
