import { evaluateCells } from '../automl/evaluate';
import type { FittedPipeline } from '../automl/pipeline';
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
 * The pipeline's primary metric on the held-out rows (as reported: AUC, accuracy, NRMSE...), by the
 * project's one held-out evaluator (automl/evaluate.ts: its rule for missing targets and unseen classes).
 */
export function evaluateOnHeldOut(p: FittedPipeline, data: HeldOut, metric: string): number {
  return evaluateCells(p, data, metric).primary!;
}
