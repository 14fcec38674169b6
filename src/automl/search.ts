/**
 * Budgeted, cost-frugal hyperparameter search (after FLAML's CFO). Each learner starts from its
 * cheapest configuration; then each tries its known-good seeds, every learner's first before any
 * learner's second (GBDT first: the strongest family on tabular data, which matters when the budget is
 * short); then linear learners start (a linear fit on wide one-hot data is not cheap); after that the next learner is the one with the smallest estimated
 * cost to improve (cost spent so far plus its next trial's cost, inflated by how far it lags behind the
 * best), and it moves by randomized direct search (FLOW2) in a normalised space: x + step*u, then
 * x - step*u, shrinking the step after failures. Costs come from each learner's cost model; measured
 * speed only decides whether a trial still fits in the time left.
 *
 * Order of results: by default a free worker takes the next trial from the state left by the results
 * that have come in, in the order they came (a long trial does not hold up the others). With
 * `reproducible`, trial i is proposed from the state left by the results of trials 1..i-W
 * (W = batchSize), absorbed in trial order; with its seed derived from the run seed and i, the same
 * seed then gives the same leaderboard with or without worker threads, whatever their speed. A time
 * budget decides where the sequence ends (and, near the end, skips trials that would not finish); a
 * trial that reaches the deadline stops early with what it has (GBDT boosting, forests' trees so far)
 * and is dropped, with every one still running, only when it has nothing yet.
 */
import type { Executor, TrialOutcome, TrialRequest } from './executor';
import type { DataFacts, Dim, Learner, Params } from './learners/types';
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
  /**
   * The primary metric on every validation row pooled (higher is better): it breaks ties of the fold
   * mean, which saturates when folds are small (each 15-row fold of an easy set scores an AUC of 1).
   */
  pooled: number;
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
  /** What learners may choose their seeds by (Learner.seedsFor). */
  facts?: DataFacts;
  seed: number;
  /** Wall-clock end of the search (epoch ms); may move earlier as the expected refit time becomes known. */
  deadline: (best: Trial | null) => number;
  /** Deadline handed to a trial starting now (it must also leave time for its own refit); default `deadline`. */
  trialDeadline?: (searchDeadline: number, now: number) => number;
  maxTrials: number;
  /** Stop once the primary metric reaches this value (in the metric's own direction). */
  scoreThreshold?: number;
  batchSize: number;
  /**
   * true: trial k is proposed from exactly the results of trials 1..k-batchSize, whatever their
   * durations (the same seed and trial count give the same trials on any machine and any number of
   * workers; a free worker waits while the oldest trial runs). false: a free worker takes the next
   * trial from the results that have come in, in the order they came.
   */
  reproducible: boolean;
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

/**
 * Measured seconds per cost unit. Warm-up trials (a worker's first, which also starts the thread and
 * warms the JIT: several times slower for cheap trials) are not counted; 0 means "not known yet".
 */
class Speed {
  private s = 0;
  private c = 0;
  add(seconds: number, cost: number, warmUp: boolean): void {
    if (!warmUp) ((this.s += seconds), (this.c += cost));
  }
  rate(): number {
    return this.c > 0 ? this.s / this.c : 0;
  }
}

/** FLOW2 local search for one learner. */
class LocalSearch {
  readonly dims: [string, Dim][];
  private x: number[];
  best = -Infinity;
  private bestPooled = -Infinity;
  bestParams: Params;
  spentCost = 0;
  readonly speed = new Speed();
  trials = 0;
  private step = 0.3;
  private dir: number[] | null = null;
  private usedNeg = true;
  private failures = 0;
  private readonly queue: Params[];

  constructor(
    readonly learner: Learner,
    private readonly rng: Rng,
    facts?: DataFacts,
  ) {
    this.dims = Object.entries(learner.space);
    const init: Params = Object.fromEntries(this.dims.map(([k, d]) => [k, d.init]));
    this.x = this.dims.map(([k, d]) => toUnit(d, init[k]));
    this.bestParams = init;
    const seeds = (facts && learner.seedsFor?.(facts)) ?? learner.seeds ?? [];
    this.queue = [init, ...seeds.map((s) => ({ ...init, ...s }))];
  }

  private paramsAt(u: number[]): Params {
    return Object.fromEntries(this.dims.map(([k, d], i) => [k, fromUnit(d, u[i])]));
  }

  proposals = 0;

  hasQueued(): boolean {
    return this.queue.length > 0;
  }

  propose(): Params {
    this.proposals++;
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

  observe(params: Params, utility: number, pooled: number): void {
    this.trials++;
    if (compareScores(utility, pooled, this.best, this.bestPooled) > 0) {
      const improvedOverOld = this.best > -Infinity;
      this.best = utility;
      this.bestPooled = pooled;
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

/** Fold means closer than this are one score (sums of the same fold values in another order). */
const SAME = 1e-9;

/**
 * Order of two scored results, higher is better: the fold mean decides; where fold means are equal
 * the pooled score does (positive when a is better, 0 when tied on both).
 */
export function compareScores(aUtility: number, aPooled: number, bUtility: number, bPooled: number): number {
  const au = Number.isFinite(aUtility) ? aUtility : -Infinity;
  const bu = Number.isFinite(bUtility) ? bUtility : -Infinity;
  if (au === bu || Math.abs(au - bu) <= SAME) {
    const ap = Number.isFinite(aPooled) ? aPooled : -Infinity;
    const bp = Number.isFinite(bPooled) ? bPooled : -Infinity;
    return ap === bp || Math.abs(ap - bp) <= SAME ? 0 : ap > bp ? 1 : -1;
  }
  return au > bu ? 1 : -1;
}

/** Trials best first: fold mean, then pooled score, then the earlier trial. */
export function compareTrials(a: Pick<Trial, 'utility' | 'pooled' | 'id'>, b: Pick<Trial, 'utility' | 'pooled' | 'id'>): number {
  return compareScores(b.utility, b.pooled, a.utility, a.pooled) || a.id - b.id;
}

/** The validation rows of every fold, as one fold. */
export function pooledRows(folds: Int32Array[]): Int32Array {
  const all = new Int32Array(folds.reduce((a, f) => a + f.length, 0));
  folds.reduce((o, f) => (all.set(f, o), o + f.length), 0);
  return all;
}

/** The primary metric on the validation rows of every fold taken together, higher is better. */
export function pooledUtility(
  task: Task,
  metric: string,
  oof: Float64Array,
  y: Float64Array,
  classes: string[],
  folds: Int32Array[],
  all = pooledRows(folds),
): number {
  const v = foldScores(task, metric, oof, y, classes, [all])[0];
  return Number.isFinite(v) ? (isLowerBetter(metric) ? -v : v) : -Infinity;
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

/**
 * Trials run in a sliding window of `batchSize` (= parallelism): trial i is proposed once the results of
 * trials 1..i-batchSize are in, from the state those results (and only those) produced. So a fast
 * trial frees its worker for the next one without waiting for a slow neighbour, and the sequence of
 * proposals is still a function of the seed alone.
 */
export async function runSearch(o: SearchOptions): Promise<Trial[]> {
  const order = searchOrder(o.learners);
  const searches = order.map((l) => new LocalSearch(l, new Rng(deriveSeed(o.seed, o.learners.indexOf(l) + 1)), o.facts));
  const lower = isLowerBetter(o.metric);
  const trials: Trial[] = [];
  let bestUtility = -Infinity;
  let bestLearner = '';
  let bestTrial: Trial | null = null;
  const speed = new Speed();
  const W = Math.max(1, o.batchSize);

  const costOf = (s: LocalSearch, p: Params) => s.learner.cost(p, o.n, s.learner.flavor === 'tree' ? o.nFeat.tree : o.nFeat.linear);

  // Phases: each tree learner's cheap start; then each learner's known-good seed (registry order: the
  // strongest family on tabular data first, which matters when the budget is short); then the linear
  // learners' start (a linear fit is not cheap on wide one-hot data); then the cost-based choice below.
  const pickLearner = (pending: Map<LocalSearch, number>, fits: (s: LocalSearch) => boolean): LocalSearch | null => {
    const usable = searches.filter(fits);
    const fresh = usable.filter((s) => s.proposals === 0);
    const treeStart = fresh.find((s) => s.learner.flavor === 'tree');
    if (treeStart) return treeStart;
    const seeded = usable
      .filter((s) => s.hasQueued() && s.proposals > 0)
      // Every learner's first seed before any learner's second: each family's strong default is seen
      // before a second variant of one family (the budget may end in between).
      .sort((a, b) => a.proposals - b.proposals || (pending.has(a) ? 1 : 0) - (pending.has(b) ? 1 : 0) || order.indexOf(a.learner) - order.indexOf(b.learner));
    // A linear start that costs no more than the cheapest pending seed goes first (small data, where a
    // regularised linear model is often the one to beat).
    const seedCost = Math.min(...seeded.map((s) => costOf(s, s.nextCostParams())));
    const cheapLinear = fresh.find((s) => costOf(s, s.nextCostParams()) <= seedCost);
    if (cheapLinear) return cheapLinear;
    if (seeded.length) return seeded[0];
    if (fresh.length) return fresh[0];
    let best: LocalSearch | null = null;
    let bestPriority = Infinity;
    for (const s of usable) {
      if (s.trials === 0) continue;
      const gap = Math.max(0, bestUtility - s.best);
      const scale = 0.005 * Math.max(Math.abs(bestUtility), 0.05);
      const penalty = 1 + gap / scale;
      const priority = (s.spentCost + (pending.get(s) ?? 0) + costOf(s, s.nextCostParams())) * penalty;
      if (priority < bestPriority) ((bestPriority = priority), (best = s));
    }
    return best ?? usable[0] ?? null;
  };

  type Running = { s: LocalSearch; req: TrialRequest; cost: number; done: Promise<TrialOutcome> };
  const running: Running[] = [];
  let nextId = 1;
  let stop = false;

  const absorb = async (): Promise<void> => {
    // The oldest trial, or (not reproducible) whichever ends first: a long trial no longer holds up the
    // other workers, which go on with the results that have come in.
    const k = o.reproducible || running.length === 1 ? 0 : await Promise.race(running.map((r, i) => r.done.then(() => i)));
    const r = running.splice(k, 1)[0];
    const out = await r.done;
    if (stop) return;
    const { s, req, cost } = r;
    if (out.timedOut) {
      stop = true; // this trial and every one still running are dropped (reproducible: the leaderboard stays a prefix)
      return;
    }
    s.spentCost += cost;
    // Each worker's first trial also pays for thread start-up, and each learner's first trial for
    // compiling its code on each worker (see Speed): on a busy machine a cheap first trial can take seconds, and
    // counting it would make every later trial look too slow to fit the budget.
    const warmUp = req.id <= W || s.trials < W; // up to one cold start per worker
    s.speed.add(out.seconds, cost, warmUp);
    speed.add(out.seconds, cost, warmUp);
    let trial: Trial;
    if (out.error || !out.oof) {
      trial = {
        id: req.id,
        learner: req.learner,
        params: req.params,
        score: NaN,
        foldScores: [],
        utility: -Infinity,
        pooled: -Infinity,
        seconds: out.seconds,
        extra: {},
        status: 'failed',
        error: out.error,
      };
      s.observe(req.params, -Infinity, -Infinity);
    } else {
      const fs = foldScores(o.task, o.metric, out.oof, o.y, o.classes, o.folds);
      const score = fs.reduce((a, b) => a + b, 0) / fs.length;
      const utility = Number.isFinite(score) ? (lower ? -score : score) : -Infinity;
      // One validation fold (holdout): the pooled score is the fold score.
      const pooled = o.folds.length === 1 ? utility : pooledUtility(o.task, o.metric, out.oof, o.y, o.classes, o.folds);
      trial = {
        id: req.id,
        learner: req.learner,
        params: req.params,
        score,
        foldScores: fs,
        utility,
        pooled,
        seconds: out.seconds,
        extra: out.extra ?? {},
        status: 'ok',
        oof: out.oof,
      };
      s.observe(req.params, utility, pooled);
      if (utility > -Infinity && (!bestTrial || compareTrials(trial, bestTrial) < 0))
        ((bestUtility = utility), (bestLearner = req.learner), (bestTrial = trial));
    }
    trials.push(trial);
    o.onTrial?.(trial, {
      trial: trial.id,
      learner: trial.learner,
      score: trial.score,
      best: lower ? -bestUtility : bestUtility,
      bestLearner,
      elapsedSeconds: (Date.now() - o.startedAt) / 1000,
      status: trial.status,
    });
    // Keep out-of-fold predictions only for the best few and the best of each learner (memory; the
    // ensemble draws on both).
    const withOof = trials.filter((t) => t.oof).sort(compareTrials);
    const bestOf = new Set<string>();
    withOof.forEach((t, k) => {
      const first = !bestOf.has(t.learner);
      bestOf.add(t.learner);
      if (k >= o.keepOof && !first) delete t.oof;
    });
    if (o.scoreThreshold !== undefined && Number.isFinite(trial.score) && (lower ? trial.score <= o.scoreThreshold : trial.score >= o.scoreThreshold)) {
      stop = true;
    }
  };

  while (!stop && nextId <= o.maxTrials) {
    // At most W trials at once; reproducible, trial nextId sees exactly the results of trials 1..nextId-W.
    while (running.length >= W && !stop) await absorb();
    const deadline = o.deadline(bestTrial);
    if (stop || Date.now() >= deadline) break;
    const pending = new Map<LocalSearch, number>();
    for (const r of running) pending.set(r.s, (pending.get(r.s) ?? 0) + r.cost);
    // Only learners whose next trial is expected to end before the deadline (speed measured so far;
    // this is the one time-dependent choice, and it only matters near the end of a time budget).
    const fits = (x: LocalSearch) => {
      const rate = x.speed.rate() || speed.rate();
      return rate === 0 || Date.now() + costOf(x, x.nextCostParams()) * rate * 1000 <= deadline;
    };
    const s = pickLearner(pending, fits);
    if (!s) break;
    const params = s.propose();
    const cost = costOf(s, params);
    const trialDeadline = o.trialDeadline ? o.trialDeadline(deadline, Date.now()) : deadline;
    const req: TrialRequest = { id: nextId++, learner: s.learner.name, params, seed: deriveSeed(o.seed, nextId - 1), deadline: trialDeadline };
    running.push({ s, req, cost, done: o.executor.runTrials([req]).then((r) => r[0]) });
  }
  while (running.length) await absorb();
  return trials;
}

/** Learners in the order their cheap starts run: trees first, then linear models. */
function searchOrder(learners: Learner[]): Learner[] {
  return [...learners].sort((a, b) => (a.flavor === b.flavor ? 0 : a.flavor === 'tree' ? -1 : 1) || learners.indexOf(a) - learners.indexOf(b));
}
