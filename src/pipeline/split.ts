import { Rng } from '../automl/random';
import { readCsvRows } from '../datasets/csv';

/** One CSV field, quoted only when it must be (RFC 4180). */
export function csvField(v: string, delimiter = ','): string {
  return /["\r\n]/.test(v) || v.includes(delimiter) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function csvLine(fields: string[], delimiter = ','): string {
  return fields.map((f) => csvField(f, delimiter)).join(delimiter) + '\n';
}

export interface SplitResult {
  header: string[];
  train: number;
  test: number;
  /** Rows per class in the test part. */
  testByClass: Record<string, number>;
}

/**
 * Stratified hold-out split in one streaming pass with bounded memory. The per-class row counts are
 * known beforehand (from the dataset's profile), so each class draws exactly round(n_c * fraction)
 * test rows by selection sampling (Knuth's algorithm S): row i of class c goes to test with probability
 * (still needed) / (still to come). Deterministic for a seed; every class with >= 2 rows keeps at least
 * one row on each side.
 */
export async function stratifiedSplit(
  source: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array>,
  /** classCounts: rows per target value; absent (regression) = one stratum holding `rows` rows. */
  opts: { target: string; fraction: number; seed: number; classCounts?: Record<string, number>; rows?: number },
  write: { train(line: string): void | Promise<void>; test(line: string): void | Promise<void> },
): Promise<SplitResult> {
  const need: Record<string, number> = {};
  const left: Record<string, number> = {};
  const stratified = opts.classCounts !== undefined;
  const counts = opts.classCounts ?? { '*': opts.rows ?? 0 };
  for (const [cls, n] of Object.entries(counts)) {
    let k = Math.round(n * opts.fraction);
    if (n >= 2) k = Math.min(Math.max(k, 1), n - 1);
    else k = 0;
    need[cls] = k;
    left[cls] = n;
  }
  const rng = new Rng(opts.seed);
  let header: string[] | undefined;
  let targetIdx = -1;
  let train = 0;
  let test = 0;
  const testByClass: Record<string, number> = {};
  for await (const row of readCsvRows(source)) {
    if (!header) {
      header = row;
      targetIdx = header.indexOf(opts.target);
      if (targetIdx < 0) throw new Error(`target column '${opts.target}' is not in the header`);
      const line = csvLine(header);
      await write.train(line);
      await write.test(line);
      continue;
    }
    const cls = stratified ? row[targetIdx] : '*';
    const remaining = left[cls] ?? 0;
    const wanted = need[cls] ?? 0;
    const toTest = remaining > 0 && wanted > 0 && rng.next() * remaining < wanted;
    if (remaining > 0) left[cls] = remaining - 1;
    if (toTest) {
      need[cls] = wanted - 1;
      testByClass[cls] = (testByClass[cls] ?? 0) + 1;
      test++;
      await write.test(csvLine(row));
    } else {
      train++;
      await write.train(csvLine(row));
    }
  }
  if (!header) throw new Error('empty dataset');
  return { header, train, test, testByClass };
}
