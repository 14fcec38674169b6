/**
 * Converters between a validated batch and onnxruntime tensors: batch -> feeds (one [N,1] tensor per
 * input, the whole batch in one session run) and outputs -> the response body of the request's shape.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { ScoreBatch, RequestShape } from './request';
import { InputSchema } from './schema';

export function batchToFeeds(batch: ScoreBatch, schema: InputSchema): InferenceSession.FeedsType {
  const feeds: Record<string, OrtTensor> = {};
  const dims = [batch.rowCount, 1];
  for (const f of schema.fields) {
    const col = batch.columns[f.name];
    if (f.tensorType === 'string') feeds[f.name] = new Tensor('string', col as string[], dims);
    else if (f.tensorType === 'double') feeds[f.name] = new Tensor('float64', Float64Array.from(col as Float64Array), dims);
    else feeds[f.name] = new Tensor('float32', Float32Array.from(col as Float64Array), dims);
  }
  return feeds;
}

/** Float32 outputs printed with the precision they carry (no 0.8999999761581421). */
function clean(v: number): number {
  return Number.isFinite(v) ? Number(v.toPrecision(7)) : v;
}

function labelsOf(t: OrtTensor, rows: number): (string | number)[] {
  const data = t.data as ArrayLike<unknown>;
  const out: (string | number)[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const v = data[i];
    out[i] = typeof v === 'string' ? v : typeof v === 'bigint' ? Number(v) : clean(Number(v));
  }
  return out;
}

function probabilitiesOf(t: OrtTensor, rows: number): number[][] {
  const data = t.data as ArrayLike<number>;
  const c = t.dims.length === 2 ? Number(t.dims[1]) : data.length / rows;
  const out: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const row = new Array<number>(c);
    for (let k = 0; k < c; k++) row[k] = clean(data[i * c + k]);
    out[i] = row;
  }
  return out;
}

/** The session outputs needed for a method: predict -> label, predict_proba -> probabilities. */
export function outputNamesFor(batch: ScoreBatch): string[] {
  return batch.method === 'predict_proba' ? ['probabilities'] : ['label'];
}

export function predictionsFromOutputs(outputs: InferenceSession.OnnxValueMapType, batch: ScoreBatch): (string | number)[] | number[][] {
  if (batch.method === 'predict_proba') return probabilitiesOf(outputs.probabilities as OrtTensor, batch.rowCount);
  return labelsOf(outputs.label as OrtTensor, batch.rowCount);
}

/** Wraps predictions in the response envelope of the request's shape. */
export function responseBody(shape: RequestShape, predictions: unknown[]): Record<string, unknown[]> {
  if (shape === 'inputs') return { Results: predictions };
  if (shape === 'input_data') return { predictions };
  return { result: predictions };
}
