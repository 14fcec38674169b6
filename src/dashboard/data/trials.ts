/**
 * AutoML trials from a model's leaderboard.json: each trial as a point (by learner) and the best score
 * so far, in the order trials were started (trial numbers are assigned at start).
 */
import { isLowerBetter } from '../../automl/metrics';

export interface TrialPoint {
  trial: number;
  learner: string;
  score: number;
  fitSeconds: number;
}

export interface TrialSeries {
  primaryMetric: string;
  lowerIsBetter: boolean;
  points: TrialPoint[];
  /** Best score after each successful trial, by trial number. */
  bestSoFar: { trial: number; score: number }[];
  failed: number;
}

interface LeaderboardDoc {
  primaryMetric?: string;
  entries?: { trial?: unknown; learner?: unknown; score?: unknown; fitSeconds?: unknown; status?: unknown }[];
}

export function trialSeries(doc: LeaderboardDoc): TrialSeries {
  const metric = String(doc.primaryMetric ?? '');
  const lower = isLowerBetter(metric);
  const entries = Array.isArray(doc.entries) ? doc.entries : [];
  const ok = entries.filter((e) => e.status === 'ok' && typeof e.score === 'number' && Number.isFinite(e.score) && typeof e.trial === 'number');
  const points = ok
    .map((e) => ({
      trial: e.trial as number,
      learner: String(e.learner ?? '?'),
      score: e.score as number,
      fitSeconds: typeof e.fitSeconds === 'number' ? e.fitSeconds : 0,
    }))
    .sort((a, b) => a.trial - b.trial);
  const bestSoFar: TrialSeries['bestSoFar'] = [];
  let best: number | undefined;
  for (const p of points) {
    if (best === undefined || (lower ? p.score < best : p.score > best)) best = p.score;
    bestSoFar.push({ trial: p.trial, score: best });
  }
  return { primaryMetric: metric, lowerIsBetter: lower, points, bestSoFar, failed: entries.length - ok.length };
}
