import { isLowerBetter } from '../automl/metrics';
import type { BenchmarkFigures } from './types';

export interface RuleInput {
  metric: string;
  challengerScore: number;
  /** Absent when there is no champion yet. */
  champion?: { model: string; version: number; testScore: number };
  tolerance: number;
  benchmark: Pick<BenchmarkFigures, 'errors' | 'non2xx' | 'p95Ms'>;
  maxP95Ms: number;
}

/**
 * The promotion rule: the challenger must be at least as good as the champion on the same held-out
 * rows, give or take the tolerance (lower-is-better metrics such as log_loss or NRMSE the other way),
 * and its benchmark must meet the SLO (no errors, no non-2xx, p95 within the limit).
 */
export function promotionRule(r: RuleInput): { promoted: boolean; reason: string } {
  const { metric, challengerScore: score, champion, tolerance: tol, benchmark: b } = r;
  const lower = isLowerBetter(metric);
  const beats = !champion || (lower ? score <= champion.testScore + tol : score >= champion.testScore - tol);
  const slo = b.errors === 0 && b.non2xx === 0 && b.p95Ms <= r.maxP95Ms;
  const f = (x: number) => x.toFixed(4);
  let reason: string;
  if (!slo) reason = `benchmark misses the SLO (p95 ${b.p95Ms.toFixed(1)} ms vs ${r.maxP95Ms} ms, ${b.errors} errors, ${b.non2xx} non-2xx)`;
  else if (!champion) reason = `no champion yet; ${metric} on held-out rows ${f(score)}`;
  else if (beats) reason = `${metric} ${f(score)} vs champion ${champion.model} v${champion.version} ${f(champion.testScore)} (tolerance ${tol})`;
  else reason = `${metric} ${f(score)} does not beat champion ${champion.model} v${champion.version} ${f(champion.testScore)} (tolerance ${tol})`;
  return { promoted: beats && slo, reason };
}
