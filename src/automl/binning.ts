/**
 * One shared binned dataset (LightGBM's Dataset): every float32 feature is mapped to at most 255 bins,
 * stored column-major in a Uint8Array. Bin b of feature f holds values v with
 * upper[f][b-1] < v <= upper[f][b]; the upper bounds are float32, so a tree split "bin <= b" is exactly
 * the pipeline's "x <= upper[b]" on the float32 feature, in TS and in ONNX Runtime alike.
 */

export interface BinnedDataset {
  n: number;
  nFeat: number;
  /** bins[f * n + i] */
  bins: Uint8Array;
  /** Number of bins of each feature (1 = constant, never split). */
  nBins: Int32Array;
  /** Float32 upper bound of each bin but the last: thresholds[f][b]. */
  thresholds: Float32Array[];
  /**
   * Categorical features (category codes of an ordinal lookup): the value of each bin, one bin per
   * distinct value (so a set of bins is a set of categories); null for numeric features. Absent = none.
   */
  catValues?: (Float32Array | null)[];
}

/** Most categories a feature may have to get native categorical splits (one bin each). */
export const MAX_CATEGORY_BINS = 255;

const SAMPLE = 200_000;

/** Float32 split point between two adjacent float32 values a < b, with a <= t < b. */
function between(a: number, b: number): number {
  const t = Math.fround(a + (b - a) / 2);
  return t >= b || t < a ? a : t;
}

/** Bin upper bounds for one feature column (values are float32, no NaN). */
export function findBinUpperBounds(values: Float32Array, maxBins: number): Float32Array {
  const n = values.length;
  let sample: Float32Array;
  if (n <= SAMPLE) sample = Float32Array.from(values);
  else {
    sample = new Float32Array(SAMPLE);
    const step = n / SAMPLE;
    for (let k = 0; k < SAMPLE; k++) sample[k] = values[Math.floor(k * step)];
  }
  sample.sort();
  // Distinct values with counts.
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let k = 0; k < sample.length; k++) {
    const v = sample[k];
    if (distinct.length && distinct[distinct.length - 1] === v) counts[counts.length - 1]++;
    else (distinct.push(v), counts.push(1));
  }
  const D = distinct.length;
  if (D <= 1) return new Float32Array(0);
  const uppers: number[] = [];
  if (D <= maxBins) {
    for (let d = 0; d < D - 1; d++) uppers.push(between(distinct[d], distinct[d + 1]));
    return Float32Array.from(uppers);
  }
  // Greedy equal-frequency bins; a distinct value is never split. Values heavier than a bin get their own.
  const total = sample.length;
  let remaining = total;
  let binsLeft = maxBins;
  let acc = 0;
  for (let d = 0; d < D - 1; d++) {
    acc += counts[d];
    const target = remaining / binsLeft;
    // Close the bin when it is full, or when the next value alone would overfill it.
    if (acc >= target || acc + counts[d + 1] > 1.5 * target) {
      uppers.push(between(distinct[d], distinct[d + 1]));
      remaining -= acc;
      acc = 0;
      binsLeft--;
      if (binsLeft <= 1) break;
    }
  }
  return Float32Array.from(uppers);
}

/** Bin index of v: the first b with v <= upper[b], else the last bin. */
export function binOf(upper: Float32Array, v: number): number {
  let lo = 0;
  let hi = upper.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (v <= upper[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Every distinct value of a column (sorted), or null when there are more than `cap`. */
function distinctValues(col: Float32Array, cap: number): Float32Array | null {
  const seen = new Set<number>();
  for (let i = 0; i < col.length; i++) {
    seen.add(col[i]);
    if (seen.size > cap) return null;
  }
  return Float32Array.from(seen).sort();
}

/**
 * Distinct rows among the first `cap` rows of the binned features (two 32-bit hashes per row: a
 * collision of both is negligible at these sizes). Repeated feature rows (panel data, the same people
 * in several years) are where trees grown out to single rows do well: a leaf then averages every row
 * of one key.
 */
export function distinctBinnedRows(ds: BinnedDataset, cap = 200_000): { rows: number; distinctRows: number } {
  const m = Math.min(ds.n, cap);
  const h1 = new Int32Array(m).fill(-2128831035);
  const h2 = new Int32Array(m).fill(5381);
  for (let f = 0; f < ds.nFeat; f++) {
    const off = f * ds.n;
    for (let i = 0; i < m; i++) {
      const b = ds.bins[off + i];
      h1[i] = Math.imul(h1[i] ^ b, 16777619);
      h2[i] = Math.imul(h2[i], 33) + b + 1;
    }
  }
  const seen = new Set<number>();
  for (let i = 0; i < m; i++) seen.add((h1[i] >>> 0) * 2097152 + (h2[i] & 0x1fffff));
  return { rows: m, distinctRows: seen.size };
}

/**
 * Bins a column-major float32 matrix. With `shared`, the bins live in a SharedArrayBuffer (worker
 * threads). Features flagged in `categorical` with at most MAX_CATEGORY_BINS distinct values get one
 * bin per value (every row counted, not a sample) and their values in catValues.
 */
export function binDataset(X: Float32Array, n: number, nFeat: number, maxBins = 255, shared = false, categorical?: boolean[]): BinnedDataset {
  const bins = new Uint8Array(shared ? new SharedArrayBuffer(n * nFeat) : new ArrayBuffer(n * nFeat));
  const nBins = new Int32Array(nFeat);
  const thresholds: Float32Array[] = [];
  const catValues: (Float32Array | null)[] = [];
  for (let f = 0; f < nFeat; f++) {
    const col = X.subarray(f * n, (f + 1) * n);
    const distinct = categorical?.[f] ? distinctValues(col, MAX_CATEGORY_BINS) : null;
    catValues.push(distinct && distinct.length > 1 ? distinct : null);
    const upper = distinct
      ? Float32Array.from({ length: Math.max(0, distinct.length - 1) }, (_, d) => between(distinct[d], distinct[d + 1]))
      : findBinUpperBounds(col, Math.min(maxBins, 255));
    thresholds.push(upper);
    nBins[f] = upper.length + 1;
    const out = bins.subarray(f * n, (f + 1) * n);
    if (upper.length === 0) continue;
    if (upper.length < 16) {
      for (let i = 0; i < n; i++) {
        const v = col[i];
        let b = 0;
        while (b < upper.length && v > upper[b]) b++;
        out[i] = b;
      }
    } else for (let i = 0; i < n; i++) out[i] = binOf(upper, col[i]);
  }
  return { n, nFeat, bins, nBins, thresholds, ...(catValues.some((c) => c) ? { catValues } : {}) };
}
