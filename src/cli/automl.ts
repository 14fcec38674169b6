/**
 * `mlops automl --input FILE.csv --target y [--task] [--primary-metric] [--budget-seconds 60] [--seed] [--out DIR]`:
 * trains locally, shows a progress bar on stderr, prints the leaderboard, writes DIR/model.onnx,
 * pipeline.json, leaderboard.json, metrics.json and model-card.md. Exit code 2 for bad input.
 */
import { settingDef } from '../app/settings';
import * as path from 'node:path';
import { AutoMLError, AutoMLProgress, runAutoML } from '../automl';
import type { Task } from '../automl';
import { leaderboardTable, writeArtifacts } from '../automl/report';
import { CLASSIFICATION_METRICS, REGRESSION_METRICS } from '../automl/metrics';
import { LEARNERS } from '../automl/learners';
import { defineCommand, EXIT, OptionSpec } from './_command';
import { summaryOf } from './_catalog';

const DEFAULT_SEED = Number(settingDef('AUTOML_SEED').default);

const LEARNER_NAMES = LEARNERS.map((l) => l.name);

// The same flag names as `mlops train` (the run API's fields in kebab-case); older names still work.
const SPECS: OptionSpec[] = [
  { name: 'input', kind: 'string', short: 'i', value: 'FILE', help: 'CSV file (header row; delimiter sniffed)', required: true },
  { name: 'target', kind: 'string', short: 't', value: 'COLUMN', help: 'column to predict', required: true },
  { name: 'task', kind: 'string', choices: ['binary', 'multiclass', 'regression'], help: 'default: detected from the target' },
  {
    name: 'primary-metric',
    kind: 'string',
    aliases: ['metric'],
    choices: [...CLASSIFICATION_METRICS, ...REGRESSION_METRICS],
    help: 'metric to optimize (default AUC_weighted / normalized_root_mean_squared_error)',
  },
  { name: 'budget-seconds', kind: 'number', aliases: ['budget'], min: 0.001, help: 'time budget in seconds (default 60)' },
  { name: 'max-trials', kind: 'integer', min: 1, help: 'stop after this many trials' },
  { name: 'score-threshold', kind: 'number', help: 'stop once the primary metric reaches this value' },
  { name: 'seed', kind: 'integer', min: 0, help: `random seed (default ${DEFAULT_SEED}, as AUTOML_SEED)` },
  {
    name: 'reproducible',
    kind: 'boolean',
    help: 'each trial from exactly the results of the trials before it: with --max-trials, same seed, same leaderboard on any machine (default off: a free worker goes on with the results in)',
  },
  { name: 'cv-folds', kind: 'integer', aliases: ['folds'], min: 2, max: 20, help: 'cross-validation folds (default 5)' },
  { name: 'validation-fraction', kind: 'number', min: 0, max: 0.9, help: 'use one holdout split of this size instead of CV' },
  { name: 'allowed-learners', kind: 'list', aliases: ['learners'], choices: LEARNER_NAMES, help: 'only these learners, comma-separated' },
  { name: 'blocked-learners', kind: 'list', aliases: ['block'], choices: LEARNER_NAMES, help: 'never these learners, comma-separated' },
  { name: 'workers', kind: 'integer', min: 0, help: 'worker threads (default: cores; 0: in this thread)' },
  { name: 'ensemble', kind: 'boolean', help: 'try a voting ensemble (default on; --no-ensemble)' },
  { name: 'out', kind: 'string', short: 'o', value: 'DIR', help: 'output folder (default ./automl-output)' },
  { name: 'quiet', kind: 'boolean', short: 'q', help: 'no progress bar' },
];

function progressLine(p: AutoMLProgress, width = 24): string {
  const frac = Math.min(1, p.elapsedSeconds / p.budgetSeconds);
  const filled = Math.round(frac * width);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(frac * 100)).padStart(3)}% ${p.elapsedSeconds.toFixed(0)}/${p.budgetSeconds}s`;
  if (p.trial) {
    const t = p.trial;
    const score = t.status === 'ok' ? t.score.toFixed(5) : 'failed';
    return `${bar}  trial ${t.trial} ${t.learner} ${score}  best ${t.best.toFixed(5)} (${t.bestLearner})`;
  }
  return `${bar}  ${p.phase}${p.message ? `: ${p.message}` : ''}`;
}

export const main = defineCommand(
  {
    name: 'automl',
    summary: summaryOf('automl'),
    options: SPECS,
    json: true,
    details: 'Writes DIR/model.onnx, pipeline.json, leaderboard.json, metrics.json and model-card.md. Exit 2 for bad input.',
  },
  async ({ opts, json }) => {
    const out = path.resolve((opts.out as string | undefined) ?? 'automl-output');
    const tty = process.stderr.isTTY === true && !opts.quiet;
    const say = (t: string) => {
      if (!json) process.stdout.write(t);
    };
    let lastLine = 0;
    const onProgress = (p: AutoMLProgress) => {
      if (opts.quiet) return;
      const line = progressLine(p);
      if (tty) process.stderr.write(`\r\x1b[K${line}`);
      else if (p.phase !== 'search' || p.trial === undefined || Date.now() - lastLine > 5000) {
        process.stderr.write(`${line}\n`);
        lastLine = Date.now();
      }
    };
    try {
      const result = await runAutoML(
        { csvPath: opts.input as string },
        {
          target: opts.target as string,
          task: opts.task as Task | undefined,
          primaryMetric: opts['primary-metric'] as string | undefined,
          budgetSeconds: opts['budget-seconds'] as number | undefined,
          maxTrials: opts['max-trials'] as number | undefined,
          scoreThreshold: opts['score-threshold'] as number | undefined,
          seed: (opts.seed as number | undefined) ?? DEFAULT_SEED,
          cvFolds: opts['cv-folds'] as number | undefined,
          validationFraction: opts['validation-fraction'] as number | undefined,
          allowedLearners: opts['allowed-learners'] as string[] | undefined,
          blockedLearners: opts['blocked-learners'] as string[] | undefined,
          workers: opts.workers as number | undefined,
          reproducible: opts.reproducible as boolean | undefined,
          ensemble: opts.ensemble as boolean | undefined,
        },
        onProgress,
      );
      if (tty) process.stderr.write('\n');
      const paths = writeArtifacts(result, out, { source: path.basename(opts.input as string) });
      say(`\n${leaderboardTable(result)}\n\n`);
      say(
        `best: ${result.best.learner} ${result.primaryMetric}=${result.best.score.toFixed(5)} ` +
          `(${result.validation.kind === 'cv' ? `${result.validation.folds}-fold CV` : 'holdout'}), ${result.trials} trials in ${result.seconds.toFixed(1)} s\n`,
      );
      const alerted = result.guardrails.filter((x) => x.status === 'alerted');
      for (const g of alerted) say(`guardrail ${g.check}: ${g.items.map((i) => `${i.column ? `${i.column}: ` : ''}${i.detail}`).join('; ')}\n`);
      say(
        `wrote ${Object.values(paths)
          .map((p) => path.relative(process.cwd(), p) || p)
          .join(', ')}\n`,
      );
      if (json) {
        const summary = {
          task: result.task,
          primaryMetric: result.primaryMetric,
          best: { learner: result.best.learner, score: result.best.score },
          trials: result.trials,
          seconds: result.seconds,
          guardrails: alerted,
          files: paths,
        };
        process.stdout.write(JSON.stringify(summary, null, 2) + '\n');
      }
      return EXIT.OK;
    } catch (e) {
      if (tty) process.stderr.write('\n');
      if (e instanceof AutoMLError) {
        process.stderr.write(`mlops automl: ${e.message} [${e.code}]\n`);
        if (json) process.stdout.write(JSON.stringify({ error: { code: e.code, message: e.message } }) + '\n');
        return EXIT.USAGE;
      }
      throw e;
    }
  },
);
