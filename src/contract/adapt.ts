/**
 * Rewrites a tabular ONNX model into the project's endpoint contract (see schema.ts): one graph input
 * per original column, `float [N,1]` numeric or `string [N,1]` categorical; outputs `label` and, for
 * classification, `probabilities` float [N,C] (no ZipMap), the class order in metadata_props `classes`
 * (a JSON array, as the exporter writes it).
 *
 * What it takes in is Azure AutoML's tabular ONNX layout as Microsoft's public doc "Make predictions
 * with an AutoML ONNX model in .NET" describes it (bank marketing model): one input per column typed by
 * the column (int64, double/float, string), shape [N,1]; outputs `output_label` (int64 class index or
 * class, or string) and `output_probability` from a ZipMap (ai.onnx.ml; classlabels_int64s or
 * classlabels_strings), i.e. seq(map(class -> float)); regression: one float output (e.g. `variable`).
 * Those conventions come from that doc; they have not been checked against a real workspace here.
 *
 * The rewrite, with onnx-proto:
 * - a ZipMap node feeding a graph output is dropped; its tensor input becomes the output `probabilities`;
 * - the label becomes the output `label` (string [N] for classification: a string label as is, an int64
 *   label of int64 classes cast to string, an int64 index of string classes looked up in the classes;
 *   float [N] for regression);
 * - each int64/int32/double input becomes a `float [N,1]` input of the same name, cast to the original
 *   type for the rest of the graph (endpoints feed numerics as float);
 * - metadata_props `classes` (from ZipMap's class labels), `task` and, when given, `target` are written
 *   where missing, plus `contract_adapted` listing the changes.
 * A model already in the contract comes back byte for byte (changes = []).
 */
import { onnx } from 'onnx-proto';
import { ScoringError } from './errors';

export interface AdaptedModel {
  bytes: Uint8Array;
  /** What was rewritten, one sentence each; [] when the model was already in the contract. */
  changes: string[];
}

export interface AdaptOptions {
  /** The training target, written to metadata_props `target` when the model has none. */
  target?: string;
}

const DT = onnx.TensorProto.DataType;
const ML_DOMAIN = 'ai.onnx.ml';
const CAST_INPUTS = new Set<number>([DT.INT64, DT.INT32, DT.DOUBLE]);
const TYPE_NAME: Record<number, string> = { [DT.INT64]: 'int64', [DT.INT32]: 'int32', [DT.DOUBLE]: 'double', [DT.FLOAT]: 'float', [DT.STRING]: 'string' };

/** Refusal with a stable code and the reason (422, as the endpoints answer for models they cannot serve). */
const refuse = (why: string) => new ScoringError(422, 'MODEL_NOT_ADAPTABLE', `the ONNX model cannot be adapted to the endpoint contract: ${why}`);

const utf8 = (b: Uint8Array) => Buffer.from(b).toString('utf8');
const num = (v: unknown): number => (typeof v === 'number' ? v : v ? Number((v as { toString(): string }).toString()) : 0);

function attr(node: onnx.INodeProto, name: string): onnx.IAttributeProto | undefined {
  return (node.attribute ?? []).find((a) => a.name === name);
}

/** Class labels of a ZipMap node, as strings, and whether they were int64s. */
function zipMapClasses(node: onnx.INodeProto): { classes: string[]; ints: boolean } {
  const s = attr(node, 'classlabels_strings');
  if (s?.strings?.length) return { classes: s.strings.map(utf8), ints: false };
  const i = attr(node, 'classlabels_int64s');
  if (i?.ints?.length) return { classes: i.ints.map((v) => String(num(v))), ints: true };
  throw refuse(`ZipMap node ${node.name ?? ''} has no class labels`);
}

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

function dimsOf(v: onnx.IValueInfoProto): (number | string)[] | undefined {
  const shape = v.type?.tensorType?.shape;
  if (!shape) return undefined;
  return (shape.dim ?? []).map((d) => (d.dimParam ? d.dimParam : d.dimValue !== undefined && d.dimValue !== null ? num(d.dimValue) : '?'));
}

/** Whether a decoded model already follows the contract (nothing to rewrite). */
function inContract(model: onnx.IModelProto, inputs: onnx.IValueInfoProto[]): boolean {
  const g = model.graph!;
  if (inputs.some((v) => v.type?.tensorType?.elemType !== DT.FLOAT && v.type?.tensorType?.elemType !== DT.STRING)) return false;
  if ((g.node ?? []).some((n) => n.opType === 'ZipMap')) return false;
  const outputs = g.output ?? [];
  if (outputs.some((o) => !o.type?.tensorType)) return false;
  if (!outputs.some((o) => o.name === 'label')) return false;
  const hasClasses = (model.metadataProps ?? []).some((p) => p.key === 'classes');
  return !outputs.some((o) => o.name === 'probabilities') || hasClasses;
}

/** Rewrites `bytes` into the endpoint contract; throws ScoringError MODEL_NOT_ADAPTABLE when it cannot. */
export function adaptToContract(bytes: Uint8Array, opts: AdaptOptions = {}): AdaptedModel {
  let model: onnx.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (err) {
    throw refuse(`not a readable ONNX file (${(err as Error).message})`);
  }
  const g = model.graph;
  if (!g) throw refuse('the model has no graph');
  const initializers = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).filter((v) => !initializers.has(v.name ?? ''));
  if (!inputs.length) throw refuse('the model has no inputs');
  if (inContract(model, inputs)) return { bytes, changes: [] };

  const changes: string[] = [];
  const nodes = [...(g.node ?? [])];
  const used = new Set<string>([...(g.input ?? []), ...(g.output ?? [])].map((v) => v.name ?? ''));
  for (const n of nodes) for (const v of [...(n.input ?? []), ...(n.output ?? [])]) used.add(v);
  for (const t of g.initializer ?? []) used.add(t.name ?? '');
  let counter = 0;
  const fresh = (hint: string) => {
    let name: string;
    do name = `_adapt_${hint}_${counter++}`;
    while (used.has(name));
    used.add(name);
    return name;
  };
  const newInitializers: onnx.ITensorProto[] = [];
  const head: onnx.INodeProto[] = [];
  const tail: onnx.INodeProto[] = [];

  // Inputs: numerics that are not float get a float input of the column's name and a Cast to their type.
  const newInputs: onnx.IValueInfoProto[] = [];
  for (const v of g.input ?? []) {
    const name = v.name ?? '';
    if (initializers.has(name)) {
      newInputs.push(v);
      continue;
    }
    const elem = v.type?.tensorType?.elemType ?? 0;
    const dims = dimsOf(v);
    if (dims && dims.length !== 2) throw refuse(`input '${name}' has rank ${dims.length}; one [N,1] input per column is expected`);
    if (elem === DT.FLOAT || elem === DT.STRING) {
      newInputs.push(v);
      continue;
    }
    if (!CAST_INPUTS.has(elem))
      throw refuse(`input '${name}' has ONNX element type ${elem}; only float, double, int32, int64 and string columns are adaptable`);
    const inner = fresh(name.replace(/[^A-Za-z0-9_]/g, '_'));
    for (const n of nodes) n.input = (n.input ?? []).map((i) => (i === name ? inner : i));
    for (const vi of g.valueInfo ?? []) if (vi.name === name) vi.name = inner;
    head.push({
      opType: 'Cast',
      domain: '',
      input: [name],
      output: [inner],
      name: `adapt_cast_${counter}`,
      attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: elem }],
    });
    newInputs.push(tensorInfo(name, DT.FLOAT, dims ?? ['N', 1]));
    changes.push(`input '${name}': ${TYPE_NAME[elem]} -> float (Cast to ${TYPE_NAME[elem]} inside)`);
  }

  // Outputs.
  const outputs = g.output ?? [];
  const producerOf = (value: string) => nodes.find((n) => (n.output ?? []).includes(value));
  const consumers = (value: string) => nodes.filter((n) => (n.input ?? []).includes(value));
  const meta = new Map((model.metadataProps ?? []).map((p) => [p.key ?? '', p.value ?? '']));
  let classes: string[] | undefined;
  if (meta.has('classes')) {
    try {
      const parsed: unknown = JSON.parse(meta.get('classes')!);
      if (Array.isArray(parsed)) classes = parsed.map(String);
    } catch {
      throw refuse("metadata_props 'classes' is not a JSON array");
    }
  }
  let intClasses = false;
  let probabilities: { value: string; C?: number } | undefined;
  let probOutput: string | undefined;
  for (const o of outputs) {
    const zip = producerOf(o.name ?? '');
    if (zip?.opType === 'ZipMap') {
      if (probabilities) throw refuse('the model has more than one ZipMap output');
      const z = zipMapClasses(zip);
      if (classes && classes.join('\u0000') !== z.classes.join('\u0000')) throw refuse("metadata_props 'classes' disagrees with ZipMap's class labels");
      classes = z.classes;
      intClasses = z.ints;
      probabilities = { value: zip.input?.[0] ?? '' };
      probOutput = o.name ?? '';
      if (consumers(probOutput).length === 0) nodes.splice(nodes.indexOf(zip), 1);
      changes.push(`output '${probOutput}': ZipMap dropped, its tensor exposed as 'probabilities'`);
    }
  }
  if (!probabilities) {
    const p = outputs.find((o) => (o.name === 'probabilities' || o.name === 'output_probability') && o.type?.tensorType);
    if (p) {
      probabilities = { value: p.name ?? '' };
      probOutput = p.name ?? '';
      if (p.name !== 'probabilities') changes.push(`output '${p.name}' exposed as 'probabilities'`);
    }
  }
  const unsupported = outputs.find((o) => o.name !== probOutput && !o.type?.tensorType);
  if (unsupported && !probabilities) throw refuse(`output '${unsupported.name}' is not a tensor and not a ZipMap`);

  const tensorOutputs = outputs.filter((o) => o.name !== probOutput && o.type?.tensorType);
  const labelOut =
    tensorOutputs.find((o) => o.name === 'label') ??
    tensorOutputs.find((o) => o.name === 'output_label') ??
    (tensorOutputs.length === 1 ? tensorOutputs[0] : undefined);
  if (!labelOut) throw refuse(`no label output among ${outputs.map((o) => `'${o.name}'`).join(', ') || 'no outputs'}`);
  const labelElem = labelOut.type?.tensorType?.elemType ?? 0;
  const classification = !!probabilities || !!classes?.length || labelElem === DT.STRING;
  const newOutputs: onnx.IValueInfoProto[] = [];
  // `label` may already be the name of the value we start from: then the rewritten label gets it and
  // the source is renamed first.
  let labelSource = labelOut.name ?? '';
  const renameValue = (from: string, hint: string): string => {
    const to = fresh(hint);
    for (const n of nodes) {
      n.input = (n.input ?? []).map((i) => (i === from ? to : i));
      n.output = (n.output ?? []).map((i) => (i === from ? to : i));
    }
    return to;
  };
  const lastDim = (o: onnx.IValueInfoProto | undefined) => {
    const d = o ? dimsOf(o) : undefined;
    return d && d.length === 2 ? d[1] : undefined;
  };

  if (classification) {
    if (!classes?.length) throw refuse('a classifier without class labels (no ZipMap class labels and no metadata_props classes)');
    if (!probabilities) throw refuse('a classifier without class probabilities (no ZipMap and no probabilities tensor)');
    if (labelSource === 'label') labelSource = renameValue('label', 'label');
    if (labelElem === DT.STRING) {
      tail.push({ opType: 'Identity', domain: '', input: [labelSource], output: ['label'], name: 'adapt_label' });
      if (labelOut.name !== 'label') changes.push(`output '${labelOut.name}' exposed as 'label'`);
    } else if (labelElem === DT.INT64 && intClasses) {
      tail.push({
        opType: 'Cast',
        domain: '',
        input: [labelSource],
        output: ['label'],
        name: 'adapt_label',
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.STRING }],
      });
      changes.push(`output '${labelOut.name}' (int64 class) cast to string as 'label'`);
    } else if (labelElem === DT.INT64) {
      const table = fresh('classes');
      newInitializers.push({ name: table, dataType: DT.STRING, dims: [classes.length], stringData: classes.map((c) => Buffer.from(c, 'utf8')) });
      const flat = fresh('label_index');
      const shape = fresh('flat');
      newInitializers.push({ name: shape, dataType: DT.INT64, dims: [1], int64Data: [-1] });
      tail.push({ opType: 'Reshape', domain: '', input: [labelSource, shape], output: [flat], name: 'adapt_label_flat' });
      tail.push({
        opType: 'Gather',
        domain: '',
        input: [table, flat],
        output: ['label'],
        name: 'adapt_label',
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      });
      changes.push(`output '${labelOut.name}' (int64 class index) looked up in the classes as 'label'`);
    } else {
      throw refuse(`label output '${labelOut.name}' has element type ${labelElem}; string or int64 expected for a classifier`);
    }
    newOutputs.push(tensorInfo('label', DT.STRING, ['N']));
    let probValue = probabilities.value;
    if (probValue === 'probabilities') {
      if (probOutput === 'probabilities') probValue = '';
      else probValue = renameValue('probabilities', 'probabilities');
    }
    if (probValue) tail.push({ opType: 'Identity', domain: '', input: [probValue], output: ['probabilities'], name: 'adapt_probabilities' });
    const C = lastDim(outputs.find((o) => o.name === 'probabilities' && o.type?.tensorType)) ?? classes.length;
    newOutputs.push(tensorInfo('probabilities', DT.FLOAT, ['N', C]));
    if (!meta.has('classes')) {
      meta.set('classes', JSON.stringify(classes));
      changes.push(`metadata_props classes = ${JSON.stringify(classes)} (from ZipMap)`);
    }
    if (!meta.has('task')) meta.set('task', classes.length > 2 ? 'multiclass' : 'binary');
  } else {
    if (labelElem !== DT.FLOAT && labelElem !== DT.DOUBLE) throw refuse(`regression output '${labelOut.name}' has element type ${labelElem}; float expected`);
    if (labelSource === 'label') labelSource = renameValue('label', 'label');
    let v = labelSource;
    if (labelElem === DT.DOUBLE) {
      v = fresh('label_float');
      tail.push({
        opType: 'Cast',
        domain: '',
        input: [labelSource],
        output: [v],
        name: 'adapt_label_cast',
        attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: DT.FLOAT }],
      });
    }
    const shape = fresh('flat');
    newInitializers.push({ name: shape, dataType: DT.INT64, dims: [1], int64Data: [-1] });
    tail.push({ opType: 'Reshape', domain: '', input: [v, shape], output: ['label'], name: 'adapt_label' });
    newOutputs.push(tensorInfo('label', DT.FLOAT, ['N']));
    if (labelOut.name !== 'label' || labelElem !== DT.FLOAT) changes.push(`output '${labelOut.name}' exposed as 'label' (float [N])`);
    if (!meta.has('classes')) meta.set('classes', '[]');
    if (!meta.has('task')) meta.set('task', 'regression');
  }
  const dropped = outputs.filter((o) => o.name !== probOutput && o.name !== labelOut.name).map((o) => o.name);
  if (dropped.length) changes.push(`outputs dropped: ${dropped.join(', ')}`);
  if (opts.target && !meta.has('target')) meta.set('target', opts.target);
  if (!changes.length) return { bytes, changes };
  meta.set('contract_adapted', JSON.stringify(changes));

  // The ops added need ai.onnx >= 9 (Cast to/from string); a model importing an older opset gets 9.
  const opsets = [...(model.opsetImport ?? [])];
  const def = opsets.find((o) => !o.domain || o.domain === 'ai.onnx');
  if (!def) opsets.push({ domain: '', version: 13 });
  else if (num(def.version) < 9) def.version = 9;
  if ((g.node ?? []).some((n) => n.domain === ML_DOMAIN) && !opsets.some((o) => o.domain === ML_DOMAIN)) opsets.push({ domain: ML_DOMAIN, version: 1 });

  const out: onnx.IModelProto = {
    ...model,
    opsetImport: opsets,
    graph: {
      ...g,
      node: [...head, ...nodes, ...tail],
      initializer: [...(g.initializer ?? []), ...newInitializers],
      input: newInputs,
      output: newOutputs,
    },
    metadataProps: [...meta].map(([key, value]) => ({ key, value })),
  };
  return { bytes: onnx.ModelProto.encode(onnx.ModelProto.create(out)).finish(), changes };
}
