import { evaluateCells } from '../automl/evaluate';
import { evaluateOnnxCells } from '../automl/onnx/evaluate';
import type { FittedPipeline } from '../automl/pipeline';
import { readCsvRows } from '../datasets/csv';
import type { ModelStore } from './ports';

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

/**
 * The primary metric on the held-out rows of a registered model version: by its FittedPipeline when it
 * has a pipeline.json, else by its ONNX model in onnxruntime (a model trained by Azure's own AutoML,
 * adapted to the endpoint contract). Both paths apply the same rule and give the same figures on a
 * model that has both. `target` is the run's target column (for an ONNX model whose metadata names none).
 */
export async function evaluateVersionOnHeldOut(
  models: Pick<ModelStore, 'readPipeline' | 'readOnnx'>,
  model: { name: string; version: number },
  data: HeldOut,
  metric: string,
  target?: string,
): Promise<{ score: number; via: 'pipeline' | 'onnx' }> {
  const p = await models.readPipeline<FittedPipeline>(model.name, model.version);
  if (p) return { score: evaluateOnHeldOut(p, data, metric), via: 'pipeline' };
  const bytes = await models.readOnnx(model.name, model.version);
  return { score: (await evaluateOnnxCells(bytes, data, metric, target)).primary!, via: 'onnx' };
}
