import { metricValue } from '../automl/metrics';
import type { FittedPipeline } from '../automl/pipeline';
import { scoreColumns } from '../automl/score';
import { parseNumber } from '../automl/table';
import { readCsvRows } from '../datasets/csv';

/** A held-out split in the columnar form the scorer takes, read once and shared by both models. */
export interface HeldOut {
  header: string[];
  /** Raw string cells per column name. */
  cells: Record<string, string[]>;
  n: number;
}

export async function readHeldOut(source: NodeJS.ReadableStream | AsyncIterable<Buffer | string | Uint8Array>): Promise<HeldOut> {
  let header: string[] | undefined;
  const cells: Record<string, string[]> = {};
  let n = 0;
  for await (const row of readCsvRows(source)) {
    if (!header) {
      header = row;
      for (const h of header) cells[h] = [];
      continue;
    }
    for (let j = 0; j < header.length; j++) cells[header[j]].push(row[j] ?? '');
    n++;
  }
  if (!header) throw new Error('empty held-out split');
  return { header, cells, n };
}

/**
 * The pipeline's primary metric on the held-out rows (as reported: AUC, accuracy, NRMSE...). Columns the
 * model needs but the split lacks are passed as missing, as the scoring endpoint would.
 */
export function evaluateOnHeldOut(p: FittedPipeline, data: HeldOut, metric: string): number {
  const table: Record<string, Float32Array | string[]> = {};
  for (const input of p.inputs) {
    const col = data.cells[input.name];
    if (input.kind === 'numeric') {
      const a = new Float32Array(data.n).fill(NaN);
      if (col) for (let i = 0; i < data.n; i++) a[i] = parseNumber(col[i]);
      table[input.name] = a;
    } else {
      table[input.name] = col ?? new Array<string>(data.n).fill('');
    }
  }
  const scores = scoreColumns(p, table);
  const target = data.cells[p.target];
  if (!target) throw new Error(`held-out split has no target column '${p.target}'`);
  if (p.task === 'regression') {
    const y = Float64Array.from(target, (s) => parseNumber(s));
    return metricValue(p.task, metric, scores.labels as Float64Array, y, []);
  }
  const index = new Map(p.classes.map((c, i) => [c, i]));
  const y = new Float64Array(data.n);
  // Classes the model never saw cannot be predicted: they count as a wrong class (-1 never matches).
  for (let i = 0; i < data.n; i++) y[i] = index.get(target[i]) ?? -1;
  return metricValue(p.task, metric, scores.probabilities!, y, p.classes);
}
