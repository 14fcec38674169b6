/**
 * FittedPipeline -> ONNX (IR 8, opset 17 + ai.onnx.ml 3), computing what score.ts computes.
 *
 * Graph, per single pipeline (ensemble members share identical feature blocks):
 *   numeric inputs [N,1] --Concat--> Imputer(NaN -> impute) [--> Scaler((x - mean) * f32(1/std))] --+
 *   one-hot columns [N,1] --Concat--> OneHotEncoder(union of categories, zeros=1) --Flatten-->        +--Concat--> X
 *   lookup column [N,1] --LabelEncoder(string -> float, default = fallback)--> [N,1]                  +
 *   X --TreeEnsembleRegressor(n_targets, SUM | AVERAGE, base_values, post SOFTMAX | NONE)--> P
 *   X --Gemm [--> Softmax]--> P
 * Ensemble: P = Sum(Mul(P_i, w_i / sum w)). Outputs: probabilities = P, label = Gather(classes, ArgMax(P)).
 * Regression: label = Reshape(prediction, [-1]) (float [N]), no probabilities.
 *
 * X is laid out numeric block first, then the one-hot block, then lookups, so tree feature ids and
 * linear coefficients are permuted from the pipeline's step order. Binary models get two outputs
 * ([0, z] then softmax = [1 - sigmoid(z), sigmoid(z)]), so probabilities come straight out of the model
 * node: few nodes matter at batch 1, where per-node overhead dominates. TreeEnsembleClassifier is not
 * used: its binary LOGISTIC path does not give sigmoid(raw) for the positive class.
 */
import { onnx } from 'onnx-proto';
import type { FeatureStep, FittedPipeline, SinglePipeline } from '../pipeline';
import { featureCount, isClassification, modelOutputs, singleMembers, stepWidth, validatePipeline } from '../score';
import { AttrValue, FloatAttr, GraphBuilder, ML_DOMAIN, tensorValueInfo } from './graph';

export const IR_VERSION = 8;
export const OPSET = 17;
export const ML_OPSET = 3;
export const PRODUCER_NAME = 'mlops-automl';
export const PRODUCER_VERSION = '0.1.0';

export type OnnxErrorCode = 'ONNX_NAME_CONFLICT' | 'ONNX_NO_FEATURES' | 'ONNX_BAD_MODEL';

export class OnnxError extends Error {
  constructor(
    public readonly code: OnnxErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OnnxError';
  }
}

export interface ExportMeta {
  /** Graph name (default 'automl_pipeline'). */
  name?: string;
  /** Model version: an integer goes to model_version; any value also to metadata_props `version`. */
  version?: string | number;
  docString?: string;
  /** More metadata_props (values that are not strings are stored as JSON). */
  extra?: Record<string, unknown>;
}

export const OUTPUT_LABEL = 'label';
export const OUTPUT_PROBABILITIES = 'probabilities';

const DT = onnx.TensorProto.DataType;

interface Features {
  X: string;
  /** perm[j] = column of pipeline feature j in X. */
  perm: Int32Array;
  /** Number of pipeline features. */
  F: number;
  /** Number of columns of X (>= F: a merged one-hot block has cells no model reads). */
  width: number;
}

class PipelineGraph {
  readonly g = new GraphBuilder();
  private readonly memo = new Map<string, string>();

  constructor(readonly p: FittedPipeline) {
    for (const c of p.inputs) this.g.reserve(c.name);
    for (const o of [OUTPUT_LABEL, OUTPUT_PROBABILITIES]) {
      if (this.g.isUsed(o)) {
        throw new OnnxError('ONNX_NAME_CONFLICT', `input column "${o}" has the name of a model output; rename the column`);
      }
      this.g.reserve(o);
    }
  }

  private once(key: string, build: () => string): string {
    let v = this.memo.get(key);
    if (v === undefined) {
      v = build();
      this.memo.set(key, v);
    }
    return v;
  }

  features(s: SinglePipeline): Features {
    const g = this.g;
    const F = featureCount(s);
    if (F === 0) throw new OnnxError('ONNX_NO_FEATURES', 'the pipeline has no features; nothing to export');
    const perm = new Int32Array(F);
    const offsets: number[] = [];
    let off = 0;
    for (const st of s.features) {
      offsets.push(off);
      off += stepWidth(st);
    }
    const blocks: string[] = [];
    let col = 0;

    const numeric = s.features
      .map((st, i) => ({ st, i }))
      .filter((x): x is { st: Extract<FeatureStep, { kind: 'numeric' }>; i: number } => x.st.kind === 'numeric');
    if (numeric.length > 0) {
      for (const { i } of numeric) perm[offsets[i]] = col++;
      const steps = numeric.map((x) => x.st);
      blocks.push(
        this.once(`numeric:${JSON.stringify(steps)}`, () => {
          const cat =
            steps.length === 1
              ? steps[0].column
              : g.node(
                  'Concat',
                  steps.map((x) => x.column),
                  'num',
                  { axis: 1 },
                );
          let v = g.node(
            'Imputer',
            [cat],
            'imputed',
            {
              imputed_value_floats: { floats: steps.map((x) => x.impute) },
              replaced_value_float: new FloatAttr(NaN),
            },
            ML_DOMAIN,
          );
          if (steps.some((x) => x.scale)) {
            v = g.node(
              'Scaler',
              [v],
              'scaled',
              {
                offset: { floats: steps.map((x) => (x.scale ? x.scale.mean : 0)) },
                scale: { floats: steps.map((x) => scaleFactor(x.scale?.std, !!x.scale)) },
              },
              ML_DOMAIN,
            );
          }
          return v;
        }),
      );
    }
    // One-hot steps: a single OneHotEncoder over all their columns (categories = the union U, so column
    // slot s, category c lands at s * |U| + index(c); cells no model reads are simply never used), unless
    // that would make X much wider than the features, then one encoder per step.
    const onehots = s.features
      .map((st, i) => ({ st, i }))
      .filter((x): x is { st: Extract<FeatureStep, { kind: 'onehot' }>; i: number } => x.st.kind === 'onehot' && x.st.categories.length > 0);
    const union = [...new Set(onehots.flatMap((x) => x.st.categories))];
    const ohWidth = onehots.reduce((a, x) => a + x.st.categories.length, 0);
    const merge = onehots.length >= 2 && onehots.length * union.length <= Math.max(256, 4 * ohWidth);
    if (merge) {
      const uidx = new Map(union.map((c, k) => [c, k]));
      onehots.forEach(({ st, i }, slot) => {
        st.categories.forEach((c, k) => (perm[offsets[i] + k] = col + slot * union.length + (uidx.get(c) as number)));
      });
      col += onehots.length * union.length;
      const steps = onehots.map((x) => x.st);
      blocks.push(
        this.once(`onehot:${JSON.stringify(steps)}`, () => {
          const cat = g.node(
            'Concat',
            steps.map((x) => x.column),
            'cats',
            { axis: 1 },
          );
          const oh = g.node('OneHotEncoder', [cat], 'onehot', { cats_strings: union, zeros: 1 }, ML_DOMAIN);
          return g.node('Flatten', [oh], 'onehot2d', { axis: 1 });
        }),
      );
    }
    s.features.forEach((st, i) => {
      if (st.kind === 'numeric' || (merge && st.kind === 'onehot')) return;
      const w = stepWidth(st);
      if (w === 0) return;
      for (let k = 0; k < w; k++) perm[offsets[i] + k] = col++;
      blocks.push(
        this.once(JSON.stringify(st), () => {
          if (st.kind === 'onehot') {
            const oh = g.node('OneHotEncoder', [st.column], 'onehot', { cats_strings: st.categories, zeros: 1 }, ML_DOMAIN);
            return g.node('Flatten', [oh], 'onehot2d', { axis: 1 });
          }
          const entries = Object.entries(st.map);
          // LabelEncoder needs at least one key: an empty map becomes a key no value can have.
          if (entries.length === 0) entries.push(['\u0000', st.fallback]);
          return g.node(
            'LabelEncoder',
            [st.column],
            'lookup',
            {
              keys_strings: entries.map((e) => e[0]),
              values_floats: { floats: entries.map((e) => e[1]) },
              default_float: new FloatAttr(st.fallback),
            },
            ML_DOMAIN,
          );
        }),
      );
    });
    const X = blocks.length === 1 ? blocks[0] : g.node('Concat', blocks, 'X', { axis: 1 });
    return { X, perm, F, width: col };
  }

  /**
   * The member's output: probabilities [N,C] (classification) or prediction [N,1] (regression). The
   * post transform is folded into the model node where ORT can do it exactly:
   * - binary logistic: two outputs [0, z] and softmax, which is [1 - sigmoid(z), sigmoid(z)];
   * - binary with post 'none' (forest leaves hold p(last class)): two outputs [1 - z, z], built from
   *   negated leaves / coefficients and base (or intercept) 1 - b.
   */
  single(s: SinglePipeline): string {
    const g = this.g;
    const f = this.features(s);
    const m = s.model;
    const K = modelOutputs(m);
    const classification = isClassification(this.p);
    // Outputs of the model node: a binary model with one raw output gets a second, leading one.
    const twoFromOne = classification && K === 1;
    const T = twoFromOne ? 2 : K;
    const softmax = s.post === 'softmax' || s.post === 'logistic';

    if (m.type === 'linear') {
      const W = new Float32Array(T * f.width);
      const b = new Float32Array(T);
      for (let k = 0; k < K; k++) {
        const t = twoFromOne ? 1 : k;
        for (let j = 0; j < f.F; j++) W[t * f.width + f.perm[j]] = m.coef[k][j];
        b[t] = m.intercept[k];
      }
      if (twoFromOne && !softmax) {
        // The raw output is p(last class): the first output is 1 - z = (1 - b) - coef.x.
        for (let j = 0; j < f.width; j++) W[j] = -W[f.width + j];
        b[0] = 1 - m.intercept[0];
      }
      let out = g.node('Gemm', [f.X, g.constFloat('coef', W, [T, f.width]), g.constFloat('intercept', b, [T])], 'linear', { transB: 1 });
      if (softmax) out = g.node('Softmax', [out], 'softmax', { axis: 1 });
      return s.post === 'expm1' ? this.expm1(out) : out;
    }

    const treeIds: number[] = [];
    const nodeIds: number[] = [];
    const featureIds: number[] = [];
    const modes: string[] = [];
    const values: number[] = [];
    const trueIds: number[] = [];
    const falseIds: number[] = [];
    const tTree: number[] = [];
    const tNode: number[] = [];
    const tIds: number[] = [];
    const tWeights: number[] = [];
    const vote = (ti: number, i: number, id: number, w: number) => {
      tTree.push(ti);
      tNode.push(i);
      tIds.push(id);
      tWeights.push(w);
    };
    m.trees.forEach((t, ti) => {
      // A categorical node i ("left when x is one of c1..cm") becomes a chain of BRANCH_EQ nodes that
      // all send a match to the left child: node i tests c1, extra nodes (ids after the tree's own)
      // test c2..cm, and the last one's miss goes right. ai.onnx.ml 3 has no set-membership mode;
      // ORT evaluates such chains (a shared true child) as written.
      let extraId = t.left.length;
      const chains: { first: number; feature: number; values: number[]; left: number; right: number }[] = [];
      for (let i = 0; i < t.left.length; i++) {
        treeIds.push(ti);
        nodeIds.push(i);
        const cats = t.left[i] === -1 ? null : t.categories?.[i];
        if (cats && cats.length > 0) {
          featureIds.push(f.perm[t.feature[i]]);
          modes.push('BRANCH_EQ');
          values.push(Math.fround(cats[0]));
          trueIds.push(t.left[i]);
          falseIds.push(cats.length > 1 ? extraId : t.right[i]);
          if (cats.length > 1) chains.push({ first: extraId, feature: f.perm[t.feature[i]], values: cats.slice(1), left: t.left[i], right: t.right[i] });
          extraId += cats.length - 1;
          continue;
        }
        if (t.left[i] === -1) {
          featureIds.push(0);
          modes.push('LEAF');
          values.push(0);
          trueIds.push(0);
          falseIds.push(0);
          const v = t.value[i];
          if (m.treeClass) vote(ti, i, m.treeClass[ti], v[0]);
          else if (twoFromOne && !softmax) {
            // The raw output is p(last class): the first output is 1 - z = (1 - base) - leaves.
            vote(ti, i, 0, -v[0]);
            vote(ti, i, 1, v[0]);
          } else if (twoFromOne) vote(ti, i, 1, v[0]);
          else for (let k = 0; k < K; k++) vote(ti, i, k, v[k]);
        } else {
          featureIds.push(f.perm[t.feature[i]]);
          modes.push('BRANCH_LEQ');
          values.push(Math.fround(t.threshold[i]));
          trueIds.push(t.left[i]);
          falseIds.push(t.right[i]);
        }
      }
      for (const ch of chains) {
        ch.values.forEach((v, q) => {
          treeIds.push(ti);
          nodeIds.push(ch.first + q);
          featureIds.push(ch.feature);
          modes.push('BRANCH_EQ');
          values.push(Math.fround(v));
          trueIds.push(ch.left);
          falseIds.push(q + 1 < ch.values.length ? ch.first + q + 1 : ch.right);
        });
      }
    });
    const attrs: Record<string, AttrValue | FloatAttr> = {
      n_targets: T,
      aggregate_function: m.aggregate === 'average' ? 'AVERAGE' : 'SUM',
      post_transform: softmax ? 'SOFTMAX' : 'NONE',
      nodes_treeids: { ints: treeIds },
      nodes_nodeids: { ints: nodeIds },
      nodes_featureids: { ints: featureIds },
      nodes_modes: modes,
      nodes_values: { floats: values },
      nodes_truenodeids: { ints: trueIds },
      nodes_falsenodeids: { ints: falseIds },
      target_treeids: { ints: tTree },
      target_nodeids: { ints: tNode },
      target_ids: { ints: tIds },
      target_weights: { floats: tWeights },
    };
    const base = m.base.length > 0 ? m.base : new Array<number>(K).fill(0);
    if (twoFromOne) attrs.base_values = { floats: softmax ? [0, base[0]] : [1 - base[0], base[0]] };
    else if (base.some((b) => b !== 0)) attrs.base_values = { floats: base };
    const out = g.node('TreeEnsembleRegressor', [f.X], 'trees', attrs, ML_DOMAIN);
    return s.post === 'expm1' ? this.expm1(out) : out;
  }

  /** exp(x) - 1 (regression on log(1 + y)). */
  private expm1(x: string): string {
    const e = this.g.node('Exp', [x], 'exp');
    return this.g.node('Sub', [e, this.g.constFloat('one', [1], [])], 'expm1');
  }

  build(): string {
    const members = singleMembers(this.p).filter((m) => m.weight > 0);
    if (members.length === 1) return this.single(members[0].pipeline);
    const W = members.reduce((a, m) => a + m.weight, 0);
    const parts = members.map((m, i) => {
      const out = this.single(m.pipeline);
      return this.g.node('Mul', [out, this.g.constFloat(`w${i}`, [m.weight / W], [])], 'weighted');
    });
    return this.g.node('Sum', parts, 'ensemble');
  }
}

function scaleFactor(std: number | undefined, scaled: boolean): number {
  if (!scaled || std === undefined || !Number.isFinite(std) || std === 0) return 1;
  return 1 / std;
}

/** Serializes the whole pipeline (featurization, model, ensemble) as one ONNX model. */
export function exportOnnx(p: FittedPipeline, meta: ExportMeta = {}): Uint8Array {
  validatePipeline(p);
  const pg = new PipelineGraph(p);
  const g = pg.g;
  const out = pg.build();
  const classification = isClassification(p);
  const outputs: onnx.IValueInfoProto[] = [];
  if (classification) {
    g.bindOutput(out, OUTPUT_PROBABILITIES);
    const idx = g.node('ArgMax', [OUTPUT_PROBABILITIES], 'argmax', { axis: 1, keepdims: 0 });
    const classes = g.constString('classes', p.classes, [p.classes.length]);
    g.bindOutput(g.node('Gather', [classes, idx], 'label', { axis: 0 }), OUTPUT_LABEL);
    outputs.push(tensorValueInfo(OUTPUT_LABEL, DT.STRING, ['N']));
    outputs.push(tensorValueInfo(OUTPUT_PROBABILITIES, DT.FLOAT, ['N', p.classes.length]));
  } else {
    const shape = g.constInt64('flat', [-1], [1]);
    g.bindOutput(g.node('Reshape', [out, shape], 'prediction'), OUTPUT_LABEL);
    outputs.push(tensorValueInfo(OUTPUT_LABEL, DT.FLOAT, ['N']));
  }

  const metadata: Record<string, string> = {
    classes: JSON.stringify(classification ? p.classes : []),
    task: p.task,
    target: p.target,
    inputs: JSON.stringify(p.inputs.map((c) => ({ name: c.name, kind: c.kind }))),
    learner: p.body.kind === 'single' ? p.body.learner : 'ensemble',
    pipeline_format: String(p.formatVersion),
  };
  if (meta.version !== undefined) metadata.version = String(meta.version);
  for (const [k, v] of Object.entries(meta.extra ?? {})) metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);

  const model: onnx.IModelProto = {
    irVersion: IR_VERSION,
    opsetImport: [
      { domain: '', version: OPSET },
      { domain: ML_DOMAIN, version: ML_OPSET },
    ],
    producerName: PRODUCER_NAME,
    producerVersion: PRODUCER_VERSION,
    domain: 'ai.mlops.automl',
    modelVersion: typeof meta.version === 'number' && Number.isInteger(meta.version) ? meta.version : 1,
    docString: meta.docString ?? '',
    graph: {
      name: meta.name ?? 'automl_pipeline',
      node: g.nodes,
      initializer: g.initializers,
      input: p.inputs.map((c) => tensorValueInfo(c.name, c.kind === 'numeric' ? DT.FLOAT : DT.STRING, ['N', 1])),
      output: outputs,
    },
    metadataProps: Object.entries(metadata).map(([key, value]) => ({ key, value })),
  };
  return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
}
