/**
 * Scoring an exported model in onnxruntime-node with the same inputs and outputs as score.ts:
 * rows or columns in, labels (+ probabilities) out. Used by the parity tests and by serving.
 */
import * as ort from 'onnxruntime-node';
import type { InputColumn } from '../pipeline';
import { ColumnScores, ColumnTable, FittedPipelineError, Row, RowScores, rowsToColumns } from '../score';
import { OUTPUT_LABEL, OUTPUT_PROBABILITIES } from './export';
import { loadOnnxMetadata, OnnxModelInfo } from './metadata';

export interface OnnxScorer {
  readonly info: OnnxModelInfo;
  readonly session: ort.InferenceSession;
  scoreColumns(table: ColumnTable): Promise<ColumnScores>;
  scoreRows(rows: Row[], opts?: { strict?: boolean }): Promise<RowScores>;
  release(): Promise<void>;
}

export interface OnnxScorerOptions {
  /** Threads per call (default 1: a server scores many requests at once). */
  intraOpNumThreads?: number;
}

/** Input tensors [n,1] for a columnar table (numeric: Float32Array with NaN; categorical: string[] with ''). */
export function toOrtFeeds(inputs: InputColumn[], table: ColumnTable): { feeds: Record<string, ort.Tensor>; n: number } {
  const feeds: Record<string, ort.Tensor> = {};
  let n = -1;
  for (const c of inputs) {
    const col = table[c.name];
    if (col === undefined || col === null) throw new FittedPipelineError('INPUT_MISSING_COLUMN', `column ${c.name} is missing`);
    if (n === -1) n = col.length;
    else if (col.length !== n) throw new FittedPipelineError('INPUT_BAD_COLUMN', `column ${c.name} has ${col.length} values, expected ${n}`);
    if (c.kind === 'numeric') {
      const data = col instanceof Float32Array ? col : Float32Array.from(col as ArrayLike<number>);
      feeds[c.name] = new ort.Tensor('float32', data, [n, 1]);
    } else {
      const data = Array.from(col as ArrayLike<string>, (v) => (v == null ? '' : String(v)));
      feeds[c.name] = new ort.Tensor('string', data, [n, 1]);
    }
  }
  return { feeds, n: Math.max(n, 0) };
}

export async function createOnnxScorer(bytes: Uint8Array, opts: OnnxScorerOptions = {}): Promise<OnnxScorer> {
  const info = loadOnnxMetadata(bytes);
  const session = await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: opts.intraOpNumThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const C = info.task === 'regression' ? 0 : info.classes.length;

  const scoreColumns = async (table: ColumnTable): Promise<ColumnScores> => {
    const { feeds, n } = toOrtFeeds(info.inputs, table);
    if (n === 0) return C ? { n, labels: [], probabilities: new Float64Array(0) } : { n, labels: new Float64Array(0) };
    const res = await session.run(feeds);
    const label = res[OUTPUT_LABEL];
    if (!C) return { n, labels: Float64Array.from(label.data as Float32Array) };
    return {
      n,
      labels: Array.from(label.data as string[]),
      probabilities: Float64Array.from(res[OUTPUT_PROBABILITIES].data as Float32Array),
    };
  };

  return {
    info,
    session,
    scoreColumns,
    async scoreRows(rows, o = {}) {
      const res = await scoreColumns(rowsToColumns(info.inputs, rows, o));
      if (!res.probabilities) return { labels: Array.from(res.labels as Float64Array) };
      const probabilities: number[][] = [];
      for (let r = 0; r < res.n; r++) probabilities.push(Array.from(res.probabilities.subarray(r * C, (r + 1) * C)));
      return { labels: res.labels as string[], probabilities };
    },
    release: () => session.release(),
  };
}
