/**
 * `mlops automl --input FILE.csv --target y [--task] [--metric] [--budget 60] [--seed] [--out DIR]`:
 * trains locally, shows a progress bar on stderr, prints the leaderboard, writes DIR/model.onnx,
 * pipeline.json, leaderboard.json, metrics.json and model-card.md. Exit code 2 for bad input.
 */
import { settingDef } from '../app/settings';
import * as path from 'node:path';
import { AutoMLError, AutoMLProgress, runAutoML } from '../automl';
import type { Task } from '../automl';
import { leaderboardTable, writeArtifacts } from '../automl/report';
import { OptionSpec, parseArgs, usage, UsageError } from './_args';

const DEFAULT_SEED = Number(settingDef('AUTOML_SEED').default);

const SPECS: OptionSpec[] = [
  { name: 'input', kind: 'string', help: 'CSV file (header row; delimiter sniffed)', required: true },
  { name: 'target', kind: 'string', help: 'column to predict', required: true },
  { name: 'task', kind: 'string', help: 'binary | multiclass | regression (default: detected)' },
  { name: 'metric', kind: 'string', help: 'primary metric (default AUC_weighted / normalized_root_mean_squared_error)' },
  { name: 'budget', kind: 'number', help: 'time budget in seconds (default 60)' },
  { name: 'max-trials', kind: 'number', help: 'stop after this many trials' },
  { name: 'score-threshold', kind: 'number', help: 'stop once the primary metric reaches this value' },
  { name: 'seed', kind: 'number', help: `random seed (default ${DEFAULT_SEED}, as AUTOML_SEED); same seed, same leaderboard` },
  { name: 'folds', kind: 'number', help: 'cross-validation folds (default 5)' },
  { name: 'validation-fraction', kind: 'number', help: 'use one holdout split of this size instead of CV' },
  { name: 'learners', kind: 'list', help: 'allowed learners, comma-separated (gbdt, logistic_regression, ridge, random_forest, extra_trees)' },
  { name: 'block', kind: 'list', help: 'blocked learners, comma-separated' },
  { name: 'workers', kind: 'number', help: 'worker threads (default: cores)' },
  { name: 'ensemble', kind: 'boolean', help: 'try a voting ensemble (default on; --no-ensemble)' },
  { name: 'out', kind: 'string', help: 'output folder (default ./automl-output)' },
  { name: 'quiet', kind: 'boolean', help: 'no progress bar' },
  { name: 'help', kind: 'boolean', help: 'show this help' },
];

const TASKS = ['binary', 'multiclass', 'regression'];

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

export async function main(argv: string[]): Promise<number> {
  let opts: ReturnType<typeof parseArgs>;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      process.stdout.write(usage('automl', 'Train a model on a CSV file with the local AutoML engine.', SPECS));
      return 0;
    }
    opts = parseArgs(argv, SPECS);
    if (opts.task !== undefined && !TASKS.includes(opts.task as string)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}`);
    if (opts.budget !== undefined && !((opts.budget as number) > 0)) throw new UsageError('--budget must be > 0');
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mlops automl: ${e.message}\n\n${usage('automl', 'Train a model on a CSV file.', SPECS)}`);
      return 2;
    }
    throw e;
  }
  const out = path.resolve((opts.out as string | undefined) ?? 'automl-output');
  const tty = process.stderr.isTTY === true && !opts.quiet;
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
        primaryMetric: opts.metric as string | undefined,
        budgetSeconds: opts.budget as number | undefined,
        maxTrials: opts['max-trials'] as number | undefined,
        scoreThreshold: opts['score-threshold'] as number | undefined,
        seed: (opts.seed as number | undefined) ?? DEFAULT_SEED,
        cvFolds: opts.folds as number | undefined,
        validationFraction: opts['validation-fraction'] as number | undefined,
        allowedLearners: opts.learners as string[] | undefined,
        blockedLearners: opts.block as string[] | undefined,
        workers: opts.workers as number | undefined,
        ensemble: opts.ensemble as boolean | undefined,
      },
      onProgress,
    );
    if (tty) process.stderr.write('\n');
    const paths = writeArtifacts(result, out, { source: path.basename(opts.input as string) });
    process.stdout.write(`\n${leaderboardTable(result)}\n\n`);
    process.stdout.write(
      `best: ${result.best.learner} ${result.primaryMetric}=${result.best.score.toFixed(5)} ` +
        `(${result.validation.kind === 'cv' ? `${result.validation.folds}-fold CV` : 'holdout'}), ${result.trials} trials in ${result.seconds.toFixed(1)} s\n`,
    );
    for (const g of result.guardrails.filter((x) => x.status === 'alerted')) {
      process.stdout.write(`guardrail ${g.check}: ${g.items.map((i) => `${i.column ? `${i.column}: ` : ''}${i.detail}`).join('; ')}\n`);
    }
    process.stdout.write(`wrote ${Object.values(paths).map((p) => path.relative(process.cwd(), p) || p).join(', ')}\n`);
    return 0;
  } catch (e) {
    if (tty) process.stderr.write('\n');
    if (e instanceof AutoMLError) {
      process.stderr.write(`mlops automl: ${e.message} [${e.code}]\n`);
      return 2;
    }
    throw e;
  }
}
