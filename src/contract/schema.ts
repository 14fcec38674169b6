/**
 * The input schema of a scoring endpoint: what a request row must contain. Derived from the ONNX model
 * (one input per original column: string [N,1] = categorical, float [N,1] = numeric; class order in
 * metadata_props `classes`) plus optional hints from the dataset profile (examples, categories, ranges),
 * which only document and never restrict what the model accepts.
 */
import { onnx } from 'onnx-proto';
import { ScoringError } from './errors';

export type FieldKind = 'numeric' | 'categorical';

export interface InputField {
  name: string;
  kind: FieldKind;
  /** Element type of the ONNX input: 'float' | 'double' for numerics, 'string' for categoricals. */
  tensorType: 'float' | 'double' | 'string';
  example?: number | string;
  /** Known categories (from the profile), for documentation. Unseen values are still accepted. */
  values?: string[];
  min?: number;
  max?: number;
  description?: string;
}

export interface InputSchema {
  fields: InputField[];
  task: 'classification' | 'regression';
  /** Classification: class labels in the order of the `probabilities` columns (sorted). */
  classes: string[];
  /** The training target column; ignored when a client sends it along with a row. */
  target?: string;
  /** Whether the model has a `probabilities` output (predict_proba). */
  hasProbabilities: boolean;
}

/** Per-field documentation from a dataset profile. */
export interface FieldHint {
  example?: number | string;
  values?: string[];
  min?: number;
  max?: number;
  description?: string;
}

export interface SchemaHints {
  target?: string;
  fields?: Record<string, FieldHint>;
}

export interface OnnxModelInfo {
  inputs: { name: string; elemType: number; shape: (number | string)[] }[];
  outputs: { name: string; elemType: number }[];
  metadata: Record<string, string>;
  irVersion: number;
  opsets: Record<string, number>;
}

const ELEM = onnx.TensorProto.DataType;

function toNum(v: unknown): number {
  if (typeof v === 'number') return v;
  if (v && typeof (v as { toNumber?: () => number }).toNumber === 'function') return (v as { toNumber(): number }).toNumber();
  return Number(v);
}

/** Reads the parts of an ONNX ModelProto a scoring endpoint needs. Throws ScoringError invalid_model. */
export function readOnnxModelInfo(bytes: Uint8Array): OnnxModelInfo {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw new ScoringError(422, 'INVALID_MODEL', `the model is not a readable ONNX file: ${(err as Error).message}`);
  }
  const graph = model.graph;
  if (!graph) throw new ScoringError(422, 'INVALID_MODEL', 'the ONNX model has no graph');
  const initializers = new Set((graph.initializer ?? []).map((t) => t.name));
  const tensorOf = (v: onnx.IValueInfoProto) => {
    const tt = v.type?.tensorType;
    const shape = (tt?.shape?.dim ?? []).map((d) => (d.dimParam ? d.dimParam : toNum(d.dimValue)));
    return { name: v.name ?? '', elemType: tt?.elemType ?? 0, shape };
  };
  const metadata: Record<string, string> = {};
  for (const p of model.metadataProps ?? []) if (p.key) metadata[p.key] = p.value ?? '';
  const opsets: Record<string, number> = {};
  for (const o of model.opsetImport ?? []) opsets[o.domain || 'ai.onnx'] = toNum(o.version);
  return {
    inputs: (graph.input ?? []).filter((v) => !initializers.has(v.name ?? '')).map(tensorOf),
    outputs: (graph.output ?? []).map((v) => ({ name: v.name ?? '', elemType: v.type?.tensorType?.elemType ?? 0 })),
    metadata,
    irVersion: toNum(model.irVersion),
    opsets,
  };
}

/** Builds the input schema from the model's inputs/outputs/metadata and the profile hints. */
export function inputSchemaFromModel(info: OnnxModelInfo, hints: SchemaHints = {}): InputSchema {
  if (!info.inputs.length) throw new ScoringError(422, 'INVALID_MODEL', 'the ONNX model has no inputs');
  const fields: InputField[] = info.inputs.map((input) => {
    let kind: FieldKind;
    let tensorType: InputField['tensorType'];
    if (input.elemType === ELEM.STRING) [kind, tensorType] = ['categorical', 'string'];
    else if (input.elemType === ELEM.FLOAT) [kind, tensorType] = ['numeric', 'float'];
    else if (input.elemType === ELEM.DOUBLE) [kind, tensorType] = ['numeric', 'double'];
    else
      throw new ScoringError(
        422,
        'UNSUPPORTED_MODEL_INPUT',
        `input '${input.name}' has ONNX element type ${input.elemType}; only string, float and double inputs are served`,
      );
    const field: InputField = { name: input.name, kind, tensorType };
    const hint = hints.fields?.[input.name];
    if (hint) {
      if (hint.example !== undefined && hint.example !== null) field.example = hint.example;
      if (hint.values?.length) field.values = [...hint.values].map(String).sort();
      if (typeof hint.min === 'number' && Number.isFinite(hint.min)) field.min = hint.min;
      if (typeof hint.max === 'number' && Number.isFinite(hint.max)) field.max = hint.max;
      if (hint.description) field.description = hint.description;
    }
    return field;
  });
  const outputNames = new Set(info.outputs.map((o) => o.name));
  if (!outputNames.has('label')) throw new ScoringError(422, 'INVALID_MODEL', "the ONNX model has no 'label' output");
  let classes: string[] = [];
  if (info.metadata.classes) {
    try {
      const parsed = JSON.parse(info.metadata.classes);
      if (Array.isArray(parsed)) classes = parsed.map(String);
    } catch {
      throw new ScoringError(422, 'INVALID_MODEL', "metadata_props 'classes' is not a JSON array");
    }
  }
  const hasProbabilities = outputNames.has('probabilities');
  return {
    fields,
    task: hasProbabilities || classes.length ? 'classification' : 'regression',
    classes,
    target: hints.target ?? (info.metadata.target || undefined),
    hasProbabilities,
  };
}

export function inputSchemaFromOnnx(bytes: Uint8Array, hints?: SchemaHints): InputSchema {
  return inputSchemaFromModel(readOnnxModelInfo(bytes), hints);
}

/** An example row: profile examples where known, else a plausible value per kind. */
export function exampleRow(schema: InputSchema): Record<string, number | string> {
  const row: Record<string, number | string> = {};
  for (const f of schema.fields) {
    if (f.example !== undefined) row[f.name] = f.kind === 'numeric' ? Number(f.example) : String(f.example);
    else if (f.kind === 'categorical') row[f.name] = f.values?.[0] ?? 'value';
    else if (f.min !== undefined && f.max !== undefined) row[f.name] = (f.min + f.max) / 2;
    else row[f.name] = f.min ?? 0;
  }
  return row;
}

/** Reads back a schema stored as JSON (e.g. in a deployment record), checking its shape. */
export function parseInputSchema(json: unknown): InputSchema {
  const bad = (why: string) => new ScoringError(500, 'INVALID_SCHEMA', `stored input schema is invalid: ${why}`);
  const s = typeof json === 'string' ? JSON.parse(json) : json;
  if (!s || typeof s !== 'object' || !Array.isArray(s.fields)) throw bad('no fields');
  for (const f of s.fields) {
    if (!f || typeof f.name !== 'string' || (f.kind !== 'numeric' && f.kind !== 'categorical')) throw bad('bad field');
  }
  if (!Array.isArray(s.classes)) throw bad('no classes');
  return s as InputSchema;
}
