/** Exact latency statistics over every recorded request (no histogram buckets). */

export interface LatencyStats {
  count: number;
  min: number;
  mean: number;
  stddev: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentile of an ascending array: the smallest value with at least p% of values <= it. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (!n) return NaN;
  if (p <= 0) return sorted[0];
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n, Math.max(1, rank)) - 1];
}

export function latencyStats(values: ArrayLike<number>): LatencyStats {
  const sorted = Float64Array.from(values).sort();
  const n = sorted.length;
  if (!n) return { count: 0, min: NaN, mean: NaN, stddev: NaN, p50: NaN, p90: NaN, p95: NaN, p99: NaN, max: NaN };
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  return {
    count: n,
    min: sorted[0],
    mean,
    stddev: Math.sqrt(sq / n),
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[n - 1],
  };
}
