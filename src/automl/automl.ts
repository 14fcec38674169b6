/**
 * runAutoML: table -> guardrails + featurization -> budgeted search (worker threads) -> ensemble
 * selection -> refit on all rows -> FittedPipeline with CV metrics, leaderboard and feature importance.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { distinctBinnedRows } from './binning';
import { buildContext } from './context';
import { stratifiedFolds, holdoutSplit, sampleRows } from './cv';
import { selectEnsemble } from './ensemble';
import { AutoMLError } from './errors';
import { Executor, InThreadExecutor, WorkerPoolExecutor } from './executor';
import { classImbalanceGuardrail, ColumnPlan, featureColumns, featureSteps, detectTarget, Guardrail, inputColumns, planColumns } from './featurize';
import { LEARNERS, learnerByName, learnersFor } from './learners';
import { suitsLogTarget } from './learners/gbdtLog';
import { complement, type FullOutput } from './learners/types';
import { classificationMetrics, ClassificationMetrics, isLowerBetter, isMetricFor, predictedVsActual, regressionMetrics, RegressionMetrics } from './metrics';
import type { FittedPipeline, SinglePipeline, Task } from './pipeline';
import { deriveSeed } from './random';
import { compareTrials, runSearch, SearchProgress, Trial } from './search';
import { selectRows, Table, tableFromRows } from './table';
import { readCsvRows, CsvError } from '../datasets/csv';

export interface AutoMLOptions {
  target: string;
  task?: Task;
  /** Default AUC_weighted (classification) / normalized_root_mean_squared_error (regression). */
  primaryMetric?: string;
  /** Wall-clock budget for the whole run, seconds (default 60). */
  budgetSeconds?: number;
  maxTrials?: number;
  /** Stop the search once the primary metric reaches this value. */
  scoreThreshold?: number;
  allowedLearners?: string[];
  blockedLearners?: string[];
  /** k of stratified k-fold CV (default 5, 10 up to 1,000 rows; small classes lower it). */
  cvFolds?: number;
  /** Use one stratified holdout split of this fraction instead of CV (default: CV up to 100k rows, else 0.1). */
  validationFraction?: number;
  seed?: number;
  /** Worker threads (default: available cores; 0 = in this thread). With `reproducible`, results do not depend on it. */
  workers?: number;
  /** Trials run at once (default: available cores). With `reproducible`, results depend on it, not on `workers`. */
  batchSize?: number;
  /**
   * Each trial proposed from exactly the results of the trials batchSize before it (default false: a
   * free worker goes on with the results that have come in). With a trial count that ends the search
   * before the budget does, the same seed then gives the same leaderboard on any machine; the price is
   * idle workers while a long trial runs.
   */
  reproducible?: boolean;
  /** Try greedy ensemble selection (default true). */
  ensemble?: boolean;
  /**
   * Search trials train on a stratified sample of at most this many rows per fold (default 200,000);
   * validation rows and the final model use every row.
   */
  searchSampleRows?: number;
}

export type AutoMLPhase = 'load' | 'featurize' | 'search' | 'ensemble' | 'refit' | 'done';

export interface AutoMLProgress {
  phase: AutoMLPhase;
  elapsedSeconds: number;
  budgetSeconds: number;
  message?: string;
  /** Set on each finished trial during 'search'. */
  trial?: SearchProgress;
}

export interface LeaderboardEntry {
  rank: number;
  trial: number;
  learner: string;
  params: Record<string, number>;
  /** Primary metric, mean over CV folds. */
  score: number;
  foldScores: number[];
  /** Other metrics on the pooled out-of-fold predictions (when kept). */
  metrics?: Record<string, number>;
  fitSeconds: number;
  status: 'ok' | 'failed';
  error?: string;
  /** What the trial learnt besides its score, e.g. best_iteration (GBDT), stopped_at_deadline. */
  details?: Record<string, number>;
  /** Ensemble only: member trials and weights. */
  members?: { trial: number; weight: number }[];
}

export interface FeatureImportance {
  /** Original column. */
  column: string;
  /** Share of total importance (sums to 1). */
  importance: number;
}

export interface AutoMLResult {
  task: Task;
  target: string;
  classes: string[];
  primaryMetric: string;
  /** Best first (ensemble included when kept). */
  leaderboard: LeaderboardEntry[];
  best: LeaderboardEntry;
  pipeline: FittedPipeline;
  /** Full CV metrics of the chosen model (out-of-fold predictions). */
  cvMetrics: ClassificationMetrics | RegressionMetrics;
  featureImportance: FeatureImportance[];
  guardrails: Guardrail[];
  validation: ({ kind: 'cv'; folds: number } | { kind: 'holdout'; fraction: number }) & {
    /** Set when search trials trained on a sample of this many rows. */
    searchSampleRows?: number;
    /** Set when the final model also trained on the sample (a refit on all rows would overrun the budget). */
    finalModelRows?: number;
  };
  data: { rows: number; columns: number; features: { tree: number; linear: number }; columnKinds: Record<string, string> };
  seed: number;
  budgetSeconds: number;
  seconds: number;
  trials: number;
}

export type AutoMLInput =
  | Table
  | { csvPath: string }
  /** CSV bytes or text, streamed (e.g. a blob download). */
  | { csv: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array> }
  /** Parsed rows; the first is the header. */
  | { rows: AsyncIterable<string[]> | Iterable<string[]> };

export async function loadTable(input: AutoMLInput): Promise<Table> {
  if ('columns' in input && 'nRows' in input) return input;
  try {
    if ('csvPath' in input) {
      if (!fs.existsSync(input.csvPath)) throw new AutoMLError('INPUT_NOT_FOUND', `input file not found: ${input.csvPath}`);
      return await tableFromRows(readCsvRows(fs.createReadStream(input.csvPath, { highWaterMark: 1 << 20 })));
    }
    if ('csv' in input) return await tableFromRows(readCsvRows(input.csv));
    return await tableFromRows(input.rows);
  } catch (e) {
    if (e instanceof CsvError) throw new AutoMLError('CSV_ERROR', `${e.message} (${e.code}, line ${e.line})`);
    throw e;
  }
}

function validateOptions(o: AutoMLOptions, task: Task): string {
  const metric = o.primaryMetric ?? (task === 'regression' ? 'normalized_root_mean_squared_error' : 'AUC_weighted');
  if (!isMetricFor(task, metric)) throw new AutoMLError('BAD_OPTION', `metric ${metric} does not apply to ${task}`);
  if (o.budgetSeconds !== undefined && !(o.budgetSeconds > 0)) throw new AutoMLError('BAD_OPTION', 'budgetSeconds must be > 0');
  if (o.cvFolds !== undefined && !(Number.isInteger(o.cvFolds) && o.cvFolds >= 2)) throw new AutoMLError('BAD_OPTION', 'cvFolds must be an integer >= 2');
  if (o.validationFraction !== undefined && !(o.validationFraction > 0 && o.validationFraction < 0.5)) {
    throw new AutoMLError('BAD_OPTION', 'validationFraction must be in (0, 0.5)');
  }
  return metric;
}

export async function runAutoML(input: AutoMLInput, options: AutoMLOptions, onProgress?: (p: AutoMLProgress) => void): Promise<AutoMLResult> {
  const t0 = Date.now();
  const budgetSeconds = options.budgetSeconds ?? 60;
  const seed = options.seed ?? 1;
  const emit = (phase: AutoMLPhase, message?: string, trial?: SearchProgress) =>
    onProgress?.({ phase, elapsedSeconds: (Date.now() - t0) / 1000, budgetSeconds, message, trial });
  if (!options.target) throw new AutoMLError('BAD_OPTION', 'the target column is required');

  emit('load');
  let table = await loadTable(input);
  if (table.nRows === 0) throw new AutoMLError('EMPTY_INPUT', 'the input has a header but no data rows');

  emit('featurize');
  const guardrails: Guardrail[] = [];
  const target = detectTarget(table, options.target, options.task);
  const metric = validateOptions(options, target.task);
  const dropped = table.nRows - target.rows.length;
  guardrails.push({
    check: 'missing_target_values',
    status: dropped ? 'done' : 'passed',
    description: 'Rows without a target value cannot be learnt from.',
    items: dropped ? [{ column: options.target, detail: `${dropped} rows have no target`, action: 'rows dropped' }] : [],
  });
  if (dropped) {
    table = selectRows(table, target.rows);
    target.rows = Int32Array.from({ length: table.nRows }, (_, i) => i);
  }
  const n = target.rows.length;
  guardrails.push(classImbalanceGuardrail(target));

  // Validation scheme.
  let minClass = Infinity;
  if (target.task !== 'regression') {
    const counts = new Array(target.classes.length).fill(0);
    for (let i = 0; i < n; i++) counts[target.y[i]]++;
    minClass = Math.min(...counts);
  }
  if (n < 10) throw new AutoMLError('TOO_FEW_ROWS', `${n} rows with a target value; at least 10 are needed`);
  if (minClass < 2) throw new AutoMLError('TOO_FEW_ROWS', 'every class needs at least 2 rows for cross-validation');
  const useHoldout = options.validationFraction !== undefined || (options.cvFolds === undefined && n > 100_000);
  let folds: Int32Array[];
  let validation: AutoMLResult['validation'];
  if (useHoldout) {
    const fraction = options.validationFraction ?? 0.1;
    folds = holdoutSplit(target.task, target.y, fraction, deriveSeed(seed, 7));
    validation = { kind: 'holdout', fraction };
  } else {
    // Small data: 10 folds (each model trains on 90% of the rows, closer to the final model, and the
    // score averages more folds), which selects models that do better on new rows.
    const k = Math.max(2, Math.min(options.cvFolds ?? (n <= SMALL_DATA_ROWS ? 10 : 5), minClass, Math.floor(n / 2)));
    folds = stratifiedFolds(target.task, target.y, k, deriveSeed(seed, 7));
    validation = { kind: 'cv', folds: k };
  }

  const plans = planColumns(table, target, options.target, guardrails);
  for (const name of [...(options.allowedLearners ?? []), ...(options.blockedLearners ?? [])]) {
    if (!LEARNERS.some((l) => l.name === name)) {
      throw new AutoMLError('BAD_OPTION', `unknown learner "${name}" (learners: ${LEARNERS.map((l) => l.name).join(', ')})`);
    }
  }
  let learners = learnersFor(target.task, options.allowedLearners, options.blockedLearners);
  // The log-target GBDT needs y >= 0; unless asked for, it is tried on long-tailed targets only.
  if (target.task === 'regression' && !(options.allowedLearners?.includes('gbdt_log') ? target.y.every((v) => v >= 0) : suitsLogTarget(target.y))) {
    learners = learners.filter((l) => l.name !== 'gbdt_log');
  }
  if (learners.length === 0) throw new AutoMLError('BAD_OPTION', `no learner left for ${target.task} after allowed/blocked lists`);
  const skipped: string[] = [];
  if (!options.allowedLearners) {
    // A linear trial costs ~0.6 us per feature cell and fold on this class of machine; one that would
    // eat more than a third of the budget is skipped (and its feature matrix never built).
    const linearCells = featureSteps(plans, 'linear').reduce((a, s) => a + (s.kind === 'onehot' ? s.categories.length : 1), 0) * n;
    const nFolds = validation.kind === 'cv' ? validation.folds : 1;
    const linearSeconds = linearCells * 0.6e-6 * Math.max(1, nFolds - 1) * (validation.kind === 'cv' ? 1 : 1 - validation.fraction);
    if (linearSeconds > budgetSeconds / 3 && learners.some((l) => l.flavor === 'tree')) {
      skipped.push(...learners.filter((l) => l.flavor === 'linear').map((l) => l.name));
      learners = learners.filter((l) => l.flavor !== 'linear');
    }
  }
  const needLinear = learners.some((l) => l.flavor === 'linear');
  const { ctx, steps } = buildContext(table, plans, target, { linear: needLinear });
  // Big tables: trials train on a sample (cost-frugal: more trials in the budget), the final model on all rows.
  const sampleCap = options.searchSampleRows ?? 200_000;
  const trainSize = n - Math.min(...folds.map((f) => f.length));
  if (trainSize > sampleCap) {
    ctx.trainSets = folds.map((fold, k) => sampleRows(target.task, target.y, complement(n, fold), sampleCap, deriveSeed(seed, 11, k)));
    validation.searchSampleRows = sampleCap;
  }
  const columnKinds = Object.fromEntries(plans.map((p) => [p.name, p.kind]));
  // The raw table is no longer needed: let it be collected.
  // eslint-disable-next-line no-useless-assignment
  table = undefined as unknown as Table;

  const cores = Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  const batchSize = Math.max(1, options.batchSize ?? cores);
  const nWorkers = options.workers ?? cores;
  const executor: Executor = (nWorkers > 0 && WorkerPoolExecutor.create(Math.min(nWorkers, batchSize), ctx, folds)) || new InThreadExecutor(ctx, folds);
  try {
    const skippedText =
      (skipped.length ? ` (skipped as too slow for the budget: ${skipped.join(', ')})` : '') +
      (validation.searchSampleRows ? `; trials train on ${validation.searchSampleRows} sampled rows, the final model on all` : '');
    emit(
      'search',
      `${learners.map((l) => l.name).join(', ')}${skippedText}; ${validation.kind === 'cv' ? `${validation.folds}-fold CV` : 'holdout'}; ${executor.workers} worker thread(s)`,
    );
    const budgetMs = budgetSeconds * 1000;
    const evalRows = concatFolds(folds);
    const summarize = (oof: Float64Array) => summaryMetrics(target.task, oof, target.y, target.classes, evalRows);
    const trialMetrics = new Map<number, Record<string, number>>();
    const trials = await runSearch({
      task: target.task,
      metric,
      classes: target.classes,
      y: target.y,
      folds,
      learners,
      n: Math.min(n, validation.searchSampleRows ?? n),
      nFeat: { tree: ctx.tree.ds.nFeat, linear: ctx.linear.nFeat },
      facts: distinctBinnedRows(ctx.tree.ds),
      seed,
      // Leave time for ensemble selection and the final refit: a refit on all rows costs about one
      // fold's share of the best trial's CV time (x2 for more rows and for ensemble members that share
      // the workers), plus the artifacts.
      // With a search sample the refit falls back to the sample when all rows would not fit (below),
      // so the sample-sized estimate is the one to reserve.
      // Until a first trial has finished the search may run past the budget (by 2x or at least 60 s,
      // within the pipeline's own AutoML deadline of 1.5x + 120 s): on a slow or loaded machine a short
      // budget then still yields a model instead of failing.
      deadline: (best) => {
        if (!best) return t0 + budgetMs + Math.min(Math.max(2 * budgetMs, 60_000), 0.4 * budgetMs + 100_000);
        const refit = (2 * best.seconds) / folds.length;
        return t0 + budgetMs - Math.max(budgetMs * 0.1, 1000 * (refit + 2));
      },
      // A trial starting now must end early enough to refit its own model: a refit costs about
      // k x the trial's time (one fit instead of one per fold, on more rows), so end <= (D + k*now)/(1+k).
      trialDeadline: (searchDeadline, now) => {
        const rowsRatio = validation.searchSampleRows ? 1 : n / Math.max(1, n - folds[0].length);
        const k = (1.25 * rowsRatio) / folds.length;
        const end = Math.max(t0 + budgetMs - 2000, searchDeadline);
        return Math.min(searchDeadline, (end + k * now) / (1 + k));
      },
      maxTrials: options.maxTrials ?? 10_000,
      scoreThreshold: options.scoreThreshold,
      batchSize,
      reproducible: options.reproducible ?? false,
      keepOof: 12,
      executor,
      startedAt: t0,
      onTrial: (t, p) => {
        if (t.oof) trialMetrics.set(t.id, summarize(t.oof));
        emit('search', undefined, p);
      },
    });
    const ok = trials.filter((t) => t.status === 'ok');
    if (ok.length === 0) {
      const why = trials.find((t) => t.error)?.error ?? 'the time budget ended before the first trial finished';
      throw new AutoMLError('BAD_OPTION', `no trial finished: ${why}`);
    }
    const sorted = [...ok].sort(compareTrials);
    const bestTrial = sorted[0];

    let ensemble = null;
    if (options.ensemble !== false) {
      emit('ensemble');
      ensemble = selectEnsemble(trials, { task: target.task, metric, y: target.y, classes: target.classes, folds });
    }

    emit('refit');
    const chosen = ensemble ? ensemble.members.map((m) => m.trial) : [bestTrial];
    // The final model trains on every row, unless the search used a sample and a refit on all rows is
    // expected to overrun the budget (trial time per fold, scaled by rows, members sharing the workers).
    let onSample = false;
    if (validation.searchSampleRows) {
      const perFold = chosen.reduce((a, t) => a + t.seconds / folds.length, 0) / Math.max(1, Math.min(chosen.length, executor.workers || 1));
      const fullSeconds = perFold * (n / validation.searchSampleRows) * 1.2;
      onSample = Date.now() + fullSeconds * 1000 > t0 + budgetMs;
      if (onSample) validation.finalModelRows = validation.searchSampleRows;
    }
    const fitReqs = chosen.map((t) => ({ learner: t.learner, params: t.params, extra: t.extra, seed: deriveSeed(seed, 1_000_000 + t.id), onSample }));
    // Refit on the workers; if they are gone (a crashed thread), in this thread: same seeds, same models.
    const fits = await executor.fit(fitReqs).catch(() => new InThreadExecutor(ctx, folds).fit(fitReqs));
    const singles = chosen.map((t, k) => toSingle(t, fits[k], steps));
    const body: FittedPipeline['body'] = ensemble
      ? { kind: 'ensemble', members: ensemble.members.map((m, k) => ({ weight: m.weight, pipeline: singles[k] })) }
      : singles[0];
    const pipeline: FittedPipeline = {
      formatVersion: 1,
      task: target.task,
      target: options.target,
      classes: target.classes,
      inputs: inputColumns(plans),
      body,
    };

    // Leaderboard.
    const entries: LeaderboardEntry[] = trials.map((t) => ({
      rank: 0,
      trial: t.id,
      learner: t.learner,
      params: t.params,
      score: t.score,
      foldScores: t.foldScores,
      ...(trialMetrics.has(t.id) ? { metrics: trialMetrics.get(t.id) } : {}),
      fitSeconds: round3(t.seconds),
      status: t.status,
      ...(Object.keys(t.extra).length ? { details: t.extra } : {}),
      ...(t.error ? { error: t.error } : {}),
    }));
    let bestEntry: LeaderboardEntry;
    if (ensemble) {
      bestEntry = {
        rank: 0,
        trial: trials.length + 1,
        learner: 'VotingEnsemble',
        params: {},
        score: ensemble.score,
        foldScores: ensemble.foldScores,
        metrics: summarize(ensemble.oof),
        fitSeconds: 0,
        status: 'ok',
        members: ensemble.members.map((m) => ({ trial: m.trial.id, weight: round3(m.weight) })),
      };
      entries.push(bestEntry);
    } else bestEntry = entries.find((e) => e.trial === bestTrial.id)!;
    // Ranked as the search ranks: fold mean, then the pooled score (ties of saturated folds), then trial.
    const keyOf = new Map<number, { utility: number; pooled: number; id: number }>(trials.map((t) => [t.id, t]));
    if (ensemble)
      keyOf.set(bestEntry.trial, { utility: isLowerBetter(metric) ? -ensemble.score : ensemble.score, pooled: ensemble.pooled, id: bestEntry.trial });
    entries.sort((a, b) => {
      if (a.status !== b.status) return a.status === 'ok' ? -1 : 1;
      return compareTrials(keyOf.get(a.trial)!, keyOf.get(b.trial)!);
    });
    entries.forEach((e, i) => (e.rank = i + 1));

    const oof = ensemble ? ensemble.oof : bestTrial.oof!;
    const cvMetrics = fullMetrics(target.task, oof, target.y, target.classes, evalRows);
    const featureImportance = importanceByColumn(
      chosen.map((t, k) => ({ weight: ensemble ? ensemble.members[k].weight : 1, fit: fits[k], learner: t.learner })),
      steps,
    );

    emit('done');
    return {
      task: target.task,
      target: options.target,
      classes: target.classes,
      primaryMetric: metric,
      leaderboard: entries,
      best: bestEntry,
      pipeline,
      cvMetrics,
      featureImportance,
      guardrails,
      validation,
      data: { rows: n, columns: plans.length + 1, features: { tree: ctx.tree.ds.nFeat, linear: ctx.linear.nFeat }, columnKinds },
      seed,
      budgetSeconds,
      seconds: round3((Date.now() - t0) / 1000),
      trials: trials.length,
    };
  } finally {
    await executor.close();
  }
}

/** At most this many rows: 10-fold CV by default instead of 5. */
const SMALL_DATA_ROWS = 1000;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

function concatFolds(folds: Int32Array[]): Int32Array {
  const out = new Int32Array(folds.reduce((a, f) => a + f.length, 0));
  let o = 0;
  for (const f of folds) (out.set(f, o), (o += f.length));
  return out.sort();
}

function gather(oof: Float64Array, y: Float64Array, rows: Int32Array, P: number): { pred: Float64Array; yy: Float64Array } {
  const pred = new Float64Array(rows.length * P);
  const yy = new Float64Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    yy[j] = y[rows[j]];
    for (let c = 0; c < P; c++) pred[j * P + c] = oof[rows[j] * P + c];
  }
  return { pred, yy };
}

function fullMetrics(
  task: Task,
  oof: Float64Array,
  y: Float64Array,
  classes: string[],
  rows: Int32Array,
  curves = true,
): ClassificationMetrics | RegressionMetrics {
  const P = task === 'regression' ? 1 : classes.length;
  const { pred, yy } = gather(oof, y, rows, P);
  if (task === 'regression') return curves ? { ...regressionMetrics(pred, yy), predicted_vs_actual: predictedVsActual(pred, yy) } : regressionMetrics(pred, yy);
  return classificationMetrics(pred, yy, classes, { curves });
}

/** The numeric metrics of a trial (curves and the confusion matrix are for the chosen model only). */
function summaryMetrics(task: Task, oof: Float64Array, y: Float64Array, classes: string[], rows: Int32Array): Record<string, number> {
  const m = fullMetrics(task, oof, y, classes, rows, false) as unknown as Record<string, unknown>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(m)) if (typeof v === 'number') out[k] = Math.round(v * 1e6) / 1e6;
  return out;
}

function toSingle(t: Trial, fit: FullOutput, steps: { tree: SinglePipeline['features']; linear: SinglePipeline['features'] }): SinglePipeline {
  const learner = learnerByName(t.learner);
  return { kind: 'single', learner: t.learner, features: steps[learner.flavor], model: fit.model, post: fit.post };
}

/** Importance per original column (features of one column summed), each model normalised, weighted. */
function importanceByColumn(
  models: { weight: number; fit: FullOutput; learner: string }[],
  steps: { tree: SinglePipeline['features']; linear: SinglePipeline['features'] },
): FeatureImportance[] {
  const total = new Map<string, number>();
  for (const { weight, fit, learner } of models) {
    const columns = featureColumns(steps[learnerByName(learner).flavor]);
    let sum = 0;
    for (let f = 0; f < fit.importance.length; f++) sum += fit.importance[f];
    if (!(sum > 0)) continue;
    for (let f = 0; f < fit.importance.length; f++) {
      total.set(columns[f], (total.get(columns[f]) ?? 0) + (weight * fit.importance[f]) / sum);
    }
  }
  const s = [...total.values()].reduce((a, b) => a + b, 0) || 1;
  return [...total.entries()]
    .map(([column, v]) => ({ column, importance: Math.round((v / s) * 1e6) / 1e6 }))
    .sort((a, b) => b.importance - a.importance || a.column.localeCompare(b.column));
}

export type { ColumnPlan };
