/**
 * Reading an exported model back without onnxruntime: what a server needs to validate requests and
 * shape responses (input names and kinds, task, class order) and what a registry shows.
 */
import { onnx } from 'onnx-proto';
import type { InputColumn, Task } from '../pipeline';
import { OnnxError } from './export';

export interface OnnxModelInfo {
  irVersion: number;
  /** domain ('' = ai.onnx) -> version */
  opsets: Record<string, number>;
  producerName: string;
  producerVersion: string;
  modelVersion: number;
  graphName: string;
  docString: string;
  /** Graph inputs in order: float -> numeric, string -> categorical. */
  inputs: InputColumn[];
  outputs: { name: string; elemType: 'float' | 'string' | 'int64' | 'other' }[];
  /** From metadata_props; null when the model was not written by exportOnnx. */
  task: Task | null;
  target: string | null;
  /** Class order of the `probabilities` columns ([] for regression). */
  classes: string[];
  metadata: Record<string, string>;
}

const num = (v: unknown): number => (typeof v === 'number' ? v : v ? Number(v.toString()) : 0);

export function loadOnnxMetadata(bytes: Uint8Array): OnnxModelInfo {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxError('ONNX_BAD_MODEL', `not an ONNX model: ${(e as Error).message}`);
  }
  if (!model.graph) throw new OnnxError('ONNX_BAD_MODEL', 'ONNX model has no graph');
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain ?? ''] = num(o.version);

  const initializers = new Set((model.graph.initializer ?? []).map((t) => t.name));
  const inputs: InputColumn[] = [];
  for (const vi of model.graph.input ?? []) {
    if (!vi.name || initializers.has(vi.name)) continue;
    const t = vi.type?.tensorType?.elemType;
    if (t === onnx.TensorProto.DataType.FLOAT) inputs.push({ name: vi.name, kind: 'numeric' });
    else if (t === onnx.TensorProto.DataType.STRING) inputs.push({ name: vi.name, kind: 'categorical' });
    else throw new OnnxError('ONNX_BAD_MODEL', `input ${vi.name} is neither a float nor a string tensor`);
  }
  const elem = (t: number | null | undefined): OnnxModelInfo['outputs'][number]['elemType'] =>
    t === onnx.TensorProto.DataType.FLOAT
      ? 'float'
      : t === onnx.TensorProto.DataType.STRING
        ? 'string'
        : t === onnx.TensorProto.DataType.INT64
          ? 'int64'
          : 'other';
  const outputs = (model.graph.output ?? []).map((vi) => ({ name: vi.name ?? '', elemType: elem(vi.type?.tensorType?.elemType) }));

  let classes: string[] = [];
  if (metadata.classes) {
    try {
      const parsed: unknown = JSON.parse(metadata.classes);
      if (Array.isArray(parsed)) classes = parsed.map(String);
    } catch {
      throw new OnnxError('ONNX_BAD_MODEL', 'metadata_props classes is not a JSON array');
    }
  }
  const task = metadata.task === 'binary' || metadata.task === 'multiclass' || metadata.task === 'regression' ? metadata.task : null;
  return {
    irVersion: num(model.irVersion),
    opsets,
    producerName: model.producerName ?? '',
    producerVersion: model.producerVersion ?? '',
    modelVersion: num(model.modelVersion),
    graphName: model.graph.name ?? '',
    docString: model.docString ?? '',
    inputs,
    outputs,
    task,
    target: metadata.target ?? null,
    classes,
    metadata,
  };
}
