/**
 * The emulator's imitation of what Azure's own AutoML leaves: a model in the project's endpoint
 * contract (as the engine exports it) rewritten TO Azure AutoML's tabular ONNX conventions, as
 * Microsoft's public doc "Make predictions with an AutoML ONNX model in .NET" describes them (not
 * verified against a real workspace):
 * - integer-valued numeric columns become int64 [N,1] inputs (cast to float inside), other numerics
 *   stay float, categoricals string;
 * - classification: `output_label` (the class as string, the class as int64 when every class is an
 *   integer, or with `labelAsIndex` the int64 index of the class) and `output_probability` from a
 *   ZipMap (ai.onnx.ml; classlabels_strings or classlabels_int64s), i.e. seq(map(class -> float));
 * - regression: one float [N,1] output `variable`;
 * - none of the engine's metadata_props (no class order, task or target).
 * src/contract/adapt.ts is the way back. Emulator code: src/ never imports it.
 */
import { onnx } from 'onnx-proto';

export interface AzureOnnxOptions {
  /** Numeric columns to expose as int64 inputs (columns whose training values are all integers). */
  intColumns?: string[];
  /** Classification: output_label is the int64 index of the class (ZipMap keeps string labels). */
  labelAsIndex?: boolean;
}

const DT = onnx.TensorProto.DataType;
const INT = onnx.AttributeProto.AttributeType.INT;

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

/** Rewrites an endpoint-contract model (label, probabilities, metadata classes) to Azure's conventions. */
export function toAzureConventions(bytes: Uint8Array, opts: AzureOnnxOptions = {}): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const nodes = [...(g.node ?? [])];
  const meta = Object.fromEntries((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  const classes: string[] = meta.classes ? (JSON.parse(meta.classes) as string[]) : [];
  const outputs = new Set((g.output ?? []).map((o) => o.name));
  if (!outputs.has('label')) throw new Error('not an endpoint-contract model: no label output');
  let n = 0;
  const rename = (from: string): string => {
    const to = `${from}_azure_${n++}`;
    for (const node of nodes) {
      node.input = (node.input ?? []).map((i) => (i === from ? to : i));
      node.output = (node.output ?? []).map((o) => (o === from ? to : o));
    }
    return to;
  };

  const head: onnx.INodeProto[] = [];
  const ints = new Set(opts.intColumns ?? []);
  const inputs = (g.input ?? []).map((v) => {
    if (!ints.has(v.name ?? '') || v.type?.tensorType?.elemType !== DT.FLOAT) return v;
    const inner = rename(v.name!);
    head.push({
      opType: 'Cast',
      domain: '',
      input: [v.name!],
      output: [inner],
      name: `azure_cast_${v.name}`,
      attribute: [{ name: 'to', type: INT, i: DT.FLOAT }],
    });
    return tensorInfo(v.name!, DT.INT64, ['N', 1]);
  });

  const tail: onnx.INodeProto[] = [];
  const newOutputs: onnx.IValueInfoProto[] = [];
  if (outputs.has('probabilities')) {
    const label = rename('label');
    const proba = rename('probabilities');
    const intLabels = !opts.labelAsIndex && classes.length > 0 && classes.every((c) => /^-?\d+$/.test(c));
    if (opts.labelAsIndex) {
      tail.push({
        opType: 'ArgMax',
        domain: '',
        input: [proba],
        output: ['output_label'],
        name: 'azure_label',
        attribute: [
          { name: 'axis', type: INT, i: 1 },
          { name: 'keepdims', type: INT, i: 0 },
        ],
      });
    } else if (intLabels) {
      tail.push({
        opType: 'Cast',
        domain: '',
        input: [label],
        output: ['output_label'],
        name: 'azure_label',
        attribute: [{ name: 'to', type: INT, i: DT.INT64 }],
      });
    } else {
      tail.push({ opType: 'Identity', domain: '', input: [label], output: ['output_label'], name: 'azure_label' });
    }
    const zipAttr: onnx.IAttributeProto = intLabels
      ? { name: 'classlabels_int64s', type: onnx.AttributeProto.AttributeType.INTS, ints: classes.map(Number) }
      : { name: 'classlabels_strings', type: onnx.AttributeProto.AttributeType.STRINGS, strings: classes.map((c) => Buffer.from(c, 'utf8')) };
    tail.push({ opType: 'ZipMap', domain: 'ai.onnx.ml', input: [proba], output: ['output_probability'], name: 'azure_zipmap', attribute: [zipAttr] });
    newOutputs.push(tensorInfo('output_label', intLabels || opts.labelAsIndex ? DT.INT64 : DT.STRING, ['N']));
    newOutputs.push({
      name: 'output_probability',
      type: { sequenceType: { elemType: { mapType: { keyType: intLabels ? DT.INT64 : DT.STRING, valueType: { tensorType: { elemType: DT.FLOAT } } } } } },
    });
  } else {
    const label = rename('label');
    const shape = `variable_shape_${n++}`;
    g.initializer = [...(g.initializer ?? []), { name: shape, dataType: DT.INT64, dims: [2], int64Data: [-1, 1] }];
    tail.push({ opType: 'Reshape', domain: '', input: [label, shape], output: ['variable'], name: 'azure_variable' });
    newOutputs.push(tensorInfo('variable', DT.FLOAT, ['N', 1]));
  }
  const out: onnx.IModelProto = {
    ...model,
    producerName: 'azureml-emulator',
    metadataProps: [],
    graph: { ...g, node: [...head, ...nodes, ...tail], input: inputs, output: newOutputs },
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(out)).finish();
}
