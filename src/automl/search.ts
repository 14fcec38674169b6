/**
 * Budgeted, cost-frugal hyperparameter search (after FLAML's CFO): each learner starts from its cheapest
 * configuration and moves by randomized direct search (FLOW2) in a normalised space, trying x + step*u
 * and then x - step*u, shrinking the step after failures. The next learner is the one with the smallest
 * estimated cost to improve: cost spent so far plus the cost of its next trial, inflated by how far it
 * lags behind the best learner.
 *
 * Determinism: trials are proposed in fixed-size batches from state that depends only on earlier
 * results (applied in trial order), and every trial's seed derives from the run seed and its number. So
 * the same seed gives the same leaderboard with or without worker threads; a time budget only decides
 * how long the (deterministic) sequence runs, and a trial cut by the deadline is dropped with all later ones.
 */
import type { Executor, TrialRequest } from './executor';
import type { Dim, Learner, Params } from './learners/types';
import { isLowerBetter, metricValue } from './metrics';
import type { Task } from './pipeline';
import { Rng, deriveSeed } from './random';

export interface Trial {
  id: number;
  learner: string;
  params: Params;
  /** Primary metric, mean over folds (as reported: losses are positive). */
  score: number;
  /** Per fold primary metric. */
  foldScores: number[];
  /** The same as score but always "higher is better". */
  utility: number;
  seconds: number;
  extra: Record<string, number>;
  status: 'ok' | 'failed';
  error?: string;
  /** Out-of-fold predictions, kept for the best trials only (ensemble selection). */
  oof?: Float64Array;
}

export interface SearchProgress {
  trial: number;
  learner: string;
  score: number;
  best: number;
  bestLearner: string;
  elapsedSeconds: number;
  status: 'ok' | 'failed';
}

export interface SearchOptions {
  task: Task;
  metric: string;
  classes: string[];
  y: Float64Array;
  folds: Int32Array[];
  learners: Learner[];
  n: number;
  nFeat: { tree: number; linear: number };
  seed: number;
  /** Wall-clock end of the search (epoch ms). */
  deadline: number;
  maxTrials: number;
  /** Stop once the primary metric reaches this value (in the metric's own direction). */
  scoreThreshold?: number;
  batchSize: number;
  keepOof: number;
  executor: Executor;
  onTrial?: (t: Trial, p: SearchProgress) => void;
  startedAt: number;
}

// ------------------------------------------------------------------------------------------------
// Normalised search space

function toUnit(d: Dim, v: number): number {
  const u = d.log ? (Math.log(v) - Math.log(d.low)) / (Math.log(d.high) - Math.log(d.low)) : (v - d.low) / (d.high - d.low);
  return Math.min(1, Math.max(0, u));
}

function fromUnit(d: Dim, u: number): number {
  const c = Math.min(1, Math.max(0, u));
  let v = d.log ? Math.exp(Math.log(d.low) + c * (Math.log(d.high) - Math.log(d.low))) : d.low + c * (d.high - d.low);
  if (d.type === 'int') v = Math.round(v);
  else v = Number(v.toPrecision(4));
  return Math.min(d.high, Math.max(d.low, v));
}

/** FLOW2 local search for one learner. */
class LocalSearch {
  readonly dims: [string, Dim][];
  private x: number[];
  best = -Infinity;
  bestParams: Params;
  spentCost = 0;
  trials = 0;
  private step = 0.3;
  private dir: number[] | null = null;
  private usedNeg = true;
  private failures = 0;
  private readonly queue: Params[];

  constructor(readonly learner: Learner, private readonly rng: Rng) {
    this.dims = Object.entries(learner.space);
    const init: Params = Object.fromEntries(this.dims.map(([k, d]) => [k, d.init]));
    this.x = this.dims.map(([k, d]) => toUnit(d, init[k]));
    this.bestParams = init;
    this.queue = [init, ...(learner.seeds ?? []).map((s) => ({ ...init, ...s }))];
  }

  private paramsAt(u: number[]): Params {
    return Object.fromEntries(this.dims.map(([k, d], i) => [k, fromUnit(d, u[i])]));
  }

  propose(): Params {
    const queued = this.queue.shift();
    if (queued) return queued;
    if (this.dims.length === 0) return this.bestParams;
    let sign = 1;
    if (this.dir === null || this.usedNeg) {
      const u = this.dims.map(() => this.rng.normal());
      const norm = Math.sqrt(u.reduce((a, b) => a + b * b, 0)) || 1;
      this.dir = u.map((v) => v / norm);
      this.usedNeg = false;
    } else {
      sign = -1;
      this.usedNeg = true;
    }
    return this.paramsAt(this.x.map((v, i) => v + sign * this.step * this.dir![i]));
  }

  /** The next proposal's cost estimate without consuming randomness: the incumbent's cost. */
  nextCostParams(): Params {
    return this.queue[0] ?? this.bestParams;
  }

  observe(params: Params, utility: number): void {
    this.trials++;
    if (utility > this.best) {
      const improvedOverOld = this.best > -Infinity;
      this.best = utility;
      this.bestParams = params;
      this.x = this.dims.map(([k, d]) => toUnit(d, params[k]));
      if (improvedOverOld) this.dir = null;
      this.failures = 0;
      return;
    }
    if (++this.failures >= 4) {
      this.failures = 0;
      this.step = Math.max(0.02, this.step * 0.6);
    }
  }
}

export function foldScores(task: Task, metric: string, oof: Float64Array, y: Float64Array, classes: string[], folds: Int32Array[]): number[] {
  const P = task === 'regression' ? 1 : classes.length;
  return folds.map((fold) => {
    const pred = new Float64Array(fold.length * P);
    const yy = new Float64Array(fold.length);
    for (let j = 0; j < fold.length; j++) {
      const i = fold[j];
      yy[j] = y[i];
      for (let c = 0; c < P; c++) pred[j * P + c] = oof[i * P + c];
    }
    return metricValue(task, metric, pred, yy, classes);
  });
}

export async function runSearch(o: SearchOptions): Promise<Trial[]> {
  const rng = new Rng(deriveSeed(o.seed, 0x5ea7c4));
  const searches = o.learners.map((l) => new LocalSearch(l, new Rng(deriveSeed(o.seed, o.learners.indexOf(l) + 1))));
  const lower = isLowerBetter(o.metric);
  const trials: Trial[] = [];
  let bestUtility = -Infinity;
  let bestLearner = '';
  let secondsPerCost = 0;
  let costDone = 0;
  let secondsDone = 0;
  void rng;

  const costOf = (s: LocalSearch, p: Params) =>
    s.learner.cost(p, o.n, s.learner.flavor === 'tree' ? o.nFeat.tree : o.nFeat.linear);

  const pickLearner = (pending: Map<LocalSearch, number>): LocalSearch => {
    // Untried learners first (registry order), so every family gets its cheap start.
    for (const s of searches) if (s.trials === 0 && !pending.has(s)) return s;
    let best: LocalSearch | null = null;
    let bestPriority = Infinity;
    for (const s of searches) {
      if (s.trials === 0) continue;
      const gap = Math.max(0, bestUtility - s.best);
      const scale = 0.002 * Math.max(Math.abs(bestUtility), 0.05);
      const penalty = 1 + gap / scale;
      const priority = (s.spentCost + (pending.get(s) ?? 0) + costOf(s, s.nextCostParams())) * penalty;
      if (priority < bestPriority) (bestPriority = priority), (best = s);
    }
    return best ?? searches[0];
  };

  let nextId = 1;
  let stop = false;
  while (!stop && nextId <= o.maxTrials) {
    const batch: { s: LocalSearch; req: TrialRequest; cost: number }[] = [];
    const pending = new Map<LocalSearch, number>();
    const size = Math.min(o.batchSize, o.maxTrials - nextId + 1);
    for (let b = 0; b < size; b++) {
      const s = pickLearner(pending);
      const params = s.propose();
      const cost = costOf(s, params);
      pending.set(s, (pending.get(s) ?? 0) + cost);
      const id = nextId++;
      batch.push({ s, cost, req: { id, learner: s.learner.name, params, seed: deriveSeed(o.seed, id), deadline: o.deadline } });
    }
    // Skip a batch that would clearly not finish in time (estimate from measured speed).
    const maxCost = Math.max(...batch.map((b) => b.cost));
    if (trials.length > 0 && secondsPerCost > 0 && Date.now() + maxCost * secondsPerCost * 1000 > o.deadline) {
      // The cheapest learner might still fit: only stop when even it would not.
      const cheapest = Math.min(...searches.map((s) => costOf(s, s.nextCostParams())));
      if (Date.now() + cheapest * secondsPerCost * 1000 > o.deadline) break;
    }
    if (Date.now() >= o.deadline) break;
    const outcomes = await o.executor.runTrials(batch.map((b) => b.req));
    for (let k = 0; k < batch.length; k++) {
      const { s, req, cost } = batch[k];
      const out = outcomes[k];
      if (out.timedOut) {
        stop = true; // this trial and every later one are dropped: the leaderboard stays a prefix
        break;
      }
      s.spentCost += cost;
      costDone += cost;
      secondsDone += out.seconds;
      secondsPerCost = secondsDone / Math.max(costDone, 1e-9);
      let trial: Trial;
      if (out.error || !out.oof) {
        trial = { id: req.id, learner: req.learner, params: req.params, score: NaN, foldScores: [], utility: -Infinity, seconds: out.seconds, extra: {}, status: 'failed', error: out.error };
        s.observe(req.params, -Infinity);
      } else {
        const fs = foldScores(o.task, o.metric, out.oof, o.y, o.classes, o.folds);
        const score = fs.reduce((a, b) => a + b, 0) / fs.length;
        const utility = Number.isFinite(score) ? (lower ? -score : score) : -Infinity;
        trial = { id: req.id, learner: req.learner, params: req.params, score, foldScores: fs, utility, seconds: out.seconds, extra: out.extra ?? {}, status: 'ok', oof: out.oof };
        s.observe(req.params, utility);
        if (utility > bestUtility) (bestUtility = utility), (bestLearner = req.learner);
      }
      trials.push(trial);
      // Keep out-of-fold predictions only for the best few (memory).
      const withOof = trials.filter((t) => t.oof).sort((a, b) => b.utility - a.utility || a.id - b.id);
      for (const t of withOof.slice(o.keepOof)) delete t.oof;
      o.onTrial?.(trial, {
        trial: trial.id,
        learner: trial.learner,
        score: trial.score,
        best: lower ? -bestUtility : bestUtility,
        bestLearner,
        elapsedSeconds: (Date.now() - o.startedAt) / 1000,
        status: trial.status,
      });
      if (o.scoreThreshold !== undefined && Number.isFinite(trial.score) && (lower ? trial.score <= o.scoreThreshold : trial.score >= o.scoreThreshold)) {
        stop = true;
      }
    }
  }
  return trials;
}
