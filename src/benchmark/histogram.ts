/**
 * Latency histogram of a benchmark run, small enough to store with the run (a Table property holds 32K
 * characters) and to draw: equal-width bins from the fastest to the slowest response.
 */

export interface LatencyHistogram {
  /** Bin edges in ms, ascending; bin i holds latencies in [edgesMs[i], edgesMs[i+1]) (the last bin is closed). */
  edgesMs: number[];
  /** Responses per bin; sums to the number of latencies. */
  counts: number[];
}

/** At most this many bins: enough shape for a chart, a few hundred characters stored. */
export const MAX_BINS = 30;

const round3 = (x: number) => Math.round(x * 1000) / 1000;

/**
 * Bins an ascending array of latencies. The bin count follows the square-root rule (capped at
 * MAX_BINS), so a 100-request run gets 10 bins and a 1000-request run 30.
 */
export function latencyHistogram(sorted: ArrayLike<number>, maxBins = MAX_BINS): LatencyHistogram {
  const n = sorted.length;
  if (!n) return { edgesMs: [], counts: [] };
  const min = sorted[0];
  const max = sorted[n - 1];
  const bins = max > min ? Math.max(1, Math.min(maxBins, Math.ceil(Math.sqrt(n)))) : 1;
  const width = max > min ? (max - min) / bins : 1;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < n; i++) {
    const b = Math.min(bins - 1, Math.floor((sorted[i] - min) / width));
    counts[b]++;
  }
  const edgesMs = Array.from({ length: bins + 1 }, (_, i) => round3(i === bins ? (max > min ? max : min + width) : min + i * width));
  return { edgesMs, counts };
}
