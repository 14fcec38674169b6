/**
 * Greedy ensemble selection (Caruana et al. 2004; Azure AutoML's VotingEnsemble): starting from the best
 * trial, repeatedly add (with replacement) the trial whose inclusion most improves the CV primary metric
 * of the averaged out-of-fold predictions (fold mean, ties broken by the pooled score as for trials).
 * Weights are the selection counts. The ensemble is kept only if it beats the best single trial.
 */
import { compareScores, compareTrials, foldScores, pooledRows, pooledUtility, Trial } from './search';
import { isLowerBetter } from './metrics';
import type { Task } from './pipeline';

export interface EnsembleSelection {
  members: { trial: Trial; weight: number }[];
  score: number;
  foldScores: number[];
  /** Pooled score of the averaged predictions, higher is better (see Trial.pooled). */
  pooled: number;
  /** Averaged out-of-fold predictions of the ensemble. */
  oof: Float64Array;
}

export function selectEnsemble(
  trials: Trial[],
  o: { task: Task; metric: string; y: Float64Array; classes: string[]; folds: Int32Array[]; rounds?: number; top?: number },
): EnsembleSelection | null {
  // Candidates: the best trial of each learner (diversity) and the few best overall. Many near-copies
  // of one learner add little but room to fit the folds' noise, which on small data costs new rows.
  const ranked = trials.filter((t) => t.status === 'ok' && t.oof).sort(compareTrials);
  const seen = new Set<string>();
  const cands = ranked.filter((t, k) => {
    const first = !seen.has(t.learner);
    seen.add(t.learner);
    return first || k < (o.top ?? 5);
  });
  if (cands.length < 2) return null;
  const lower = isLowerBetter(o.metric);
  const util = (s: number) => (Number.isFinite(s) ? (lower ? -s : s) : -Infinity);
  const len = cands[0].oof!.length;
  const sum = new Float64Array(len);
  const trialOof = new Float64Array(len);
  const counts = new Map<Trial, number>();
  const add = (t: Trial) => {
    const p = t.oof!;
    for (let i = 0; i < len; i++) sum[i] += p[i];
    counts.set(t, (counts.get(t) ?? 0) + 1);
  };
  const mean = (k: number, extra?: Trial) => {
    const p = extra?.oof;
    for (let i = 0; i < len; i++) trialOof[i] = (sum[i] + (p ? p[i] : 0)) / k;
    return trialOof;
  };
  const all = pooledRows(o.folds);
  const scoreOf = (pred: Float64Array) => {
    const fs = foldScores(o.task, o.metric, pred, o.y, o.classes, o.folds);
    const score = fs.reduce((a, b) => a + b, 0) / fs.length;
    const u = util(score);
    return { fs, score, u, pooled: o.folds.length === 1 ? u : pooledUtility(o.task, o.metric, pred, o.y, o.classes, o.folds, all) };
  };
  add(cands[0]);
  let k = 1;
  let best = { ...scoreOf(mean(1)), counts: new Map(counts), k };
  const rounds = o.rounds ?? 20;
  for (let r = 1; r < rounds; r++) {
    let pick: Trial | null = null;
    let pickScore = { u: -Infinity, pooled: -Infinity };
    for (const t of cands) {
      const sc = scoreOf(mean(k + 1, t));
      if (!pick || compareScores(sc.u, sc.pooled, pickScore.u, pickScore.pooled) > 0) ((pickScore = sc), (pick = t));
    }
    if (!pick) break;
    add(pick);
    k++;
    const s = scoreOf(mean(k));
    if (compareScores(s.u, s.pooled, best.u, best.pooled) > 0) best = { ...s, counts: new Map(counts), k };
  }
  if (best.counts.size < 2 || !(compareScores(best.u, best.pooled, cands[0].utility, cands[0].pooled) > 0)) return null;
  // Recompute the chosen ensemble's predictions from its counts.
  const oof = new Float64Array(len);
  for (const [t, c] of best.counts) for (let i = 0; i < len; i++) oof[i] += (c / best.k) * t.oof![i];
  const members = [...best.counts].sort((a, b) => a[0].id - b[0].id).map(([trial, c]) => ({ trial, weight: c / best.k }));
  return { members, score: best.score, foldScores: best.fs, pooled: best.pooled, oof };
}
