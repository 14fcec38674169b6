/**
 * The reference scorer of a FittedPipeline (pipeline.ts). The ONNX export (onnx/) computes the same
 * numbers in onnxruntime; the two agree within 1e-5 (probabilities; regression: relative 1e-5).
 *
 * Arithmetic, chosen to mirror what onnxruntime does with the exported graph:
 * - Every feature value is a float32 (Math.fround at each step), computed as the ONNX ops do:
 *   numeric: x = f32(value); NaN -> f32(impute); scaled: f32(f32(x - f32(mean)) * f32(1 / std)) (Scaler).
 *   onehot: 0 / 1. lookup: f32(map[value] ?? fallback). So a tree takes the same branch in both scorers,
 *   even when a value sits exactly on a threshold: `x <= f32(threshold)` in float32.
 * - Tree leaf values are float32 and summed in float32 in tree order, then the base is added (as ORT's
 *   TreeEnsemble aggregators do); 'average' divides the sum by the number of trees before adding base.
 * - Linear models, post transforms and ensemble averaging are computed in float64 from float32
 *   coefficients; ORT's float32 versions differ by rounding only (well under 1e-5).
 *
 * Readings of pipeline.ts where it leaves room (the natural one was taken):
 * - Outputs K of a trees model = base.length (an empty base means zeros; K then comes from the first
 *   leaf when treeClass is absent, else from max(treeClass) + 1).
 * - 'average' forests: prediction = base + sum / number of trees (treeClass is honoured as for sums).
 * - Classification with post 'none': K === C gives the probabilities directly; K === 1 with two classes
 *   gives p(last class) = raw, p(first) = 1 - raw.
 * - A scale std that is 0 or not finite scales by 1 (as sklearn's StandardScaler does for constant columns).
 * - Ensemble: sum_i w_i * member_i / sum_i w_i (weights need not sum to 1; all must be >= 0, sum > 0).
 * - Regression labels are the predictions (numbers); classification label = classes[argmax], ties to the
 *   first class.
 * - Lookup and onehot match strings exactly (no trimming or case folding); '' is the missing value and
 *   only matches when it is listed.
 * - Row values: numeric columns take numbers or numeric strings; null, undefined, '' and (unless strict)
 *   unparsable strings are missing (NaN). Categorical columns take strings (numbers via String(v));
 *   null and undefined are ''.
 */
import type { EnsemblePipeline, FeatureStep, FittedPipeline, InputColumn, Model, SinglePipeline, Tree } from './pipeline';

const f32 = Math.fround;

export type FittedPipelineErrorCode = 'PIPELINE_INVALID' | 'INPUT_MISSING_COLUMN' | 'INPUT_BAD_COLUMN' | 'INPUT_BAD_NUMBER';

/** A pipeline that breaks the contract, or input that does not fit it. */
export class FittedPipelineError extends Error {
  constructor(
    public readonly code: FittedPipelineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'FittedPipelineError';
  }
}

export type RowValue = string | number | null | undefined;
export type Row = Record<string, RowValue>;

/** Columnar input: numeric columns as float arrays (NaN = missing), categorical as strings ('' = missing). */
export type ColumnTable = Record<string, Float32Array | ArrayLike<number> | ArrayLike<string>>;

export interface RowScores {
  /** Class labels (classification) or predictions (regression). */
  labels: string[] | number[];
  /** [n][C] in `classes` order (classification only). */
  probabilities?: number[][];
}

export interface ColumnScores {
  n: number;
  /** Class labels (classification) or predictions (regression). */
  labels: string[] | Float64Array;
  /** Row-major n x C, in `classes` order (classification only). */
  probabilities?: Float64Array;
}

// ---------------------------------------------------------------------------------------------------
// Shape helpers shared with the ONNX exporter.

export function stepWidth(step: FeatureStep): number {
  return step.kind === 'onehot' ? step.categories.length : 1;
}

export function featureCount(single: SinglePipeline): number {
  let f = 0;
  for (const s of single.features) f += stepWidth(s);
  return f;
}

/** Number of raw outputs K of a model (see the header for trees). */
export function modelOutputs(model: Model): number {
  if (model.type === 'linear') return model.intercept.length;
  if (model.base.length > 0) return model.base.length;
  if (model.treeClass && model.treeClass.length > 0) return Math.max(...model.treeClass) + 1;
  for (const t of model.trees) {
    for (let i = 0; i < t.left.length; i++) if (t.left[i] === -1) return t.value[i].length;
  }
  return 1;
}

export function isClassification(p: FittedPipeline): boolean {
  return p.task !== 'regression';
}

export function singleMembers(p: FittedPipeline): { weight: number; pipeline: SinglePipeline }[] {
  return p.body.kind === 'single' ? [{ weight: 1, pipeline: p.body }] : p.body.members;
}

// ---------------------------------------------------------------------------------------------------
// Validation: a pipeline that passes scores without exceptions in both scorers.

function invalid(msg: string): never {
  throw new FittedPipelineError('PIPELINE_INVALID', msg);
}

const finite = (x: unknown): boolean => typeof x === 'number' && Number.isFinite(x);

export function validatePipeline(p: FittedPipeline): void {
  if (!p || typeof p !== 'object') invalid('pipeline is not an object');
  if (p.formatVersion !== 1) invalid(`unsupported formatVersion ${String(p.formatVersion)}`);
  if (!['binary', 'multiclass', 'regression'].includes(p.task)) invalid(`unknown task ${String(p.task)}`);
  if (!Array.isArray(p.inputs) || p.inputs.length === 0) invalid('pipeline has no inputs');
  const kinds = new Map<string, InputColumn['kind']>();
  for (const c of p.inputs) {
    if (typeof c.name !== 'string' || c.name === '') invalid('input column without a name');
    if (c.kind !== 'numeric' && c.kind !== 'categorical') invalid(`input ${c.name}: unknown kind ${String(c.kind)}`);
    if (kinds.has(c.name)) invalid(`input ${c.name} listed twice`);
    kinds.set(c.name, c.kind);
  }
  const C = p.classes?.length ?? 0;
  if (p.task !== 'regression') {
    if (C < 2) invalid(`${p.task} needs at least two classes`);
    if (new Set(p.classes).size !== C) invalid('classes are not unique');
    if (p.task === 'binary' && C !== 2) invalid('binary task needs exactly two classes');
  }
  const members = p.body?.kind === 'single' ? [p.body] : p.body?.kind === 'ensemble' ? validateEnsemble(p.body) : invalid('unknown body kind');
  for (const m of members) validateSingle(p, m, kinds);
}

function validateEnsemble(e: EnsemblePipeline): SinglePipeline[] {
  if (!Array.isArray(e.members) || e.members.length === 0) invalid('ensemble has no members');
  let sum = 0;
  for (const m of e.members) {
    if (!finite(m.weight) || m.weight < 0) invalid(`ensemble weight ${String(m.weight)} is not a finite number >= 0`);
    if (m.pipeline?.kind !== 'single') invalid('ensemble members must be single pipelines');
    sum += m.weight;
  }
  if (!(sum > 0)) invalid('ensemble weights sum to 0');
  return e.members.map((m) => m.pipeline);
}

function validateSingle(p: FittedPipeline, s: SinglePipeline, kinds: Map<string, InputColumn['kind']>): void {
  for (const step of s.features) {
    const kind = kinds.get(step.column);
    if (!kind) invalid(`feature step uses unknown column ${step.column}`);
    if (step.kind === 'numeric') {
      if (kind !== 'numeric') invalid(`numeric step on categorical column ${step.column}`);
      if (!finite(step.impute)) invalid(`column ${step.column}: impute must be a finite number`);
      if (step.scale && !finite(step.scale.mean)) invalid(`column ${step.column}: scale mean must be finite`);
    } else if (step.kind === 'onehot') {
      if (kind !== 'categorical') invalid(`onehot step on numeric column ${step.column}`);
      if (new Set(step.categories).size !== step.categories.length) invalid(`column ${step.column}: duplicate onehot categories`);
      if (step.categories.some((c) => typeof c !== 'string')) invalid(`column ${step.column}: onehot categories must be strings`);
    } else if (step.kind === 'lookup') {
      if (kind !== 'categorical') invalid(`lookup step on numeric column ${step.column}`);
      if (!finite(step.fallback)) invalid(`column ${step.column}: lookup fallback must be finite`);
      for (const v of Object.values(step.map)) if (!finite(v)) invalid(`column ${step.column}: lookup values must be finite`);
    } else {
      invalid(`unknown feature step ${(step as { kind: string }).kind}`);
    }
  }
  const F = featureCount(s);
  const K = modelOutputs(s.model);
  const m = s.model;
  if (m.type === 'linear') {
    if (m.coef.length !== K || K === 0) invalid('linear: coef and intercept disagree on the number of outputs');
    for (const row of m.coef) {
      if (row.length !== F) invalid(`linear: ${row.length} coefficients for ${F} features`);
      if (!row.every(finite)) invalid('linear: coefficients must be finite');
    }
    if (!m.intercept.every(finite)) invalid('linear: intercepts must be finite');
  } else if (m.type === 'trees') {
    if (m.aggregate !== 'sum' && m.aggregate !== 'average') invalid(`trees: unknown aggregate ${String(m.aggregate)}`);
    if (m.trees.length === 0) invalid('trees: no trees');
    if (m.base.length !== 0 && m.base.length !== K) invalid('trees: base length');
    if (!m.base.every(finite)) invalid('trees: base must be finite');
    if (m.treeClass && m.treeClass.length !== m.trees.length) invalid('trees: treeClass length differs from trees');
    m.trees.forEach((t, ti) => {
      const cls = m.treeClass?.[ti];
      if (m.treeClass && !(Number.isInteger(cls) && (cls as number) >= 0 && (cls as number) < K)) invalid(`tree ${ti}: bad treeClass`);
      validateTree(t, ti, F, m.treeClass ? 1 : K);
    });
  } else {
    invalid(`unknown model type ${(m as { type: string }).type}`);
  }
  const C = p.classes.length;
  if (p.task === 'regression') {
    if (K !== 1) invalid('regression models have one output');
    if (s.post !== 'none' && s.post !== 'expm1') invalid(`regression with post transform ${s.post}`);
  } else if (s.post === 'expm1') {
    invalid('the expm1 post transform is for regression');
  } else if (s.post === 'logistic') {
    if (K !== 1 || C !== 2) invalid('logistic post transform needs one output and two classes');
  } else if (s.post === 'softmax') {
    if (K !== C) invalid(`softmax over ${K} outputs for ${C} classes`);
  } else if (s.post === 'none') {
    if (!(K === C || (K === 1 && C === 2))) invalid(`${K} outputs for ${C} classes`);
  } else {
    invalid(`unknown post transform ${String(s.post)}`);
  }
}

function validateTree(t: Tree, ti: number, F: number, width: number): void {
  const n = t.left.length;
  if (n === 0) invalid(`tree ${ti}: no nodes`);
  if (t.right.length !== n || t.feature.length < n || t.threshold.length < n || t.value.length < n) {
    invalid(`tree ${ti}: node arrays differ in length`);
  }
  if (t.categories !== undefined && (!Array.isArray(t.categories) || t.categories.length > n)) invalid(`tree ${ti}: categories longer than the nodes`);
  // Every node reachable from the root exactly once: no cycles, no shared children.
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length) {
    const i = stack.pop() as number;
    if (!(Number.isInteger(i) && i >= 0 && i < n)) invalid(`tree ${ti}: child index ${i} out of range`);
    if (seen[i]) invalid(`tree ${ti}: node ${i} reached twice`);
    seen[i] = 1;
    if (t.left[i] === -1) {
      const v = t.value[i];
      if (!Array.isArray(v) || v.length !== width || !v.every(finite)) invalid(`tree ${ti}: leaf ${i} needs ${width} finite values`);
    } else {
      const f = t.feature[i];
      if (!(Number.isInteger(f) && f >= 0 && f < F)) invalid(`tree ${ti}: node ${i} tests feature ${f} of ${F}`);
      if (typeof t.threshold[i] !== 'number' || Number.isNaN(t.threshold[i])) invalid(`tree ${ti}: node ${i} threshold`);
      const cats = t.categories?.[i];
      if (cats !== undefined && cats !== null) {
        if (!Array.isArray(cats) || cats.length === 0 || !cats.every(finite))
          invalid(`tree ${ti}: node ${i} categories must be a non-empty list of finite numbers`);
      }
      stack.push(t.left[i], t.right[i]);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Rows <-> columns.

export function toNumber(v: RowValue, strict = false): number {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return NaN;
  const s = String(v).trim();
  if (s === '') return NaN;
  const x = Number(s);
  if (Number.isNaN(x) && strict) throw new FittedPipelineError('INPUT_BAD_NUMBER', `"${s.slice(0, 40)}" is not a number`);
  return x;
}

export function toCategory(v: RowValue): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' ? v : String(v);
}

/**
 * Rows (JSON objects keyed by column name) to the columnar form both scorers take: Float32Array for
 * numeric inputs, string[] for categorical ones. Absent keys are missing values. With `strict`, a
 * numeric column holding a non-numeric string throws INPUT_BAD_NUMBER (naming the row and column).
 */
export function rowsToColumns(inputs: InputColumn[], rows: Row[], opts: { strict?: boolean } = {}): Record<string, Float32Array | string[]> {
  const n = rows.length;
  const out: Record<string, Float32Array | string[]> = {};
  for (const c of inputs) {
    if (c.kind === 'numeric') {
      const col = new Float32Array(n);
      for (let r = 0; r < n; r++) {
        try {
          col[r] = toNumber(rows[r]?.[c.name], opts.strict);
        } catch (e) {
          throw new FittedPipelineError('INPUT_BAD_NUMBER', `row ${r}, column ${c.name}: ${(e as Error).message}`);
        }
      }
      out[c.name] = col;
    } else {
      const col = new Array<string>(n);
      for (let r = 0; r < n; r++) col[r] = toCategory(rows[r]?.[c.name]);
      out[c.name] = col;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Compiled scorer.

interface CompiledTrees {
  nTrees: number;
  K: number;
  average: boolean;
  base: Float64Array; // float32 values
  root: Int32Array;
  feature: Int32Array;
  threshold: Float32Array;
  left: Int32Array; // absolute node index, -1 for leaves
  right: Int32Array;
  leafAt: Int32Array; // leaves: offset into values
  values: Float64Array; // float32 values
  treeClass: Int32Array | null;
  /** Categorical nodes: offset of the node's set in catValues (-1: threshold split); null when none. */
  catStart: Int32Array | null;
  catEnd: Int32Array | null;
  catValues: Float32Array;
}

interface CompiledSingle {
  F: number;
  K: number;
  featurize(table: ColumnTable, n: number): Float32Array;
  raw(X: Float32Array, n: number): Float64Array;
  post: SinglePipeline['post'];
}

type Featurizer = (table: ColumnTable, n: number, X: Float32Array, F: number) => void;

function compileStep(step: FeatureStep, off: number): Featurizer {
  if (step.kind === 'numeric') {
    const imp = f32(step.impute);
    const scaled = !!step.scale;
    const mean = step.scale ? f32(step.scale.mean) : 0;
    const std = step.scale?.std;
    const factor = scaled && finite(std) && (std as number) !== 0 ? f32(1 / (std as number)) : 1;
    return (table, n, X, F) => {
      const col = table[step.column] as ArrayLike<number>;
      for (let r = 0, o = off; r < n; r++, o += F) {
        let x = f32(col[r]);
        if (x !== x) x = imp;
        X[o] = scaled ? f32(f32(x - mean) * factor) : x;
      }
    };
  }
  if (step.kind === 'onehot') {
    const idx = new Map<string, number>();
    step.categories.forEach((c, i) => idx.set(c, i));
    return (table, n, X, F) => {
      const col = table[step.column] as ArrayLike<string>;
      for (let r = 0, o = off; r < n; r++, o += F) {
        const i = idx.get(col[r] ?? '');
        if (i !== undefined) X[o + i] = 1;
      }
    };
  }
  const map = new Map<string, number>();
  for (const [k, v] of Object.entries(step.map)) map.set(k, f32(v));
  const fb = f32(step.fallback);
  return (table, n, X, F) => {
    const col = table[step.column] as ArrayLike<string>;
    for (let r = 0, o = off; r < n; r++, o += F) {
      const v = map.get(col[r] ?? '');
      X[o] = v === undefined ? fb : v;
    }
  };
}

function compileTrees(m: Extract<Model, { type: 'trees' }>, K: number): CompiledTrees {
  let nodes = 0;
  for (const t of m.trees) nodes += t.left.length;
  const root = new Int32Array(m.trees.length);
  const feature = new Int32Array(nodes);
  const threshold = new Float32Array(nodes);
  const left = new Int32Array(nodes);
  const right = new Int32Array(nodes);
  const leafAt = new Int32Array(nodes);
  const vals: number[] = [];
  const hasCat = m.trees.some((t) => t.categories?.some((c) => c && c.length > 0));
  const catStart = hasCat ? new Int32Array(nodes).fill(-1) : null;
  const catEnd = hasCat ? new Int32Array(nodes).fill(-1) : null;
  const catVals: number[] = [];
  let base = 0;
  m.trees.forEach((t, ti) => {
    root[ti] = base;
    for (let i = 0; i < t.left.length; i++) {
      const j = base + i;
      const cats = t.left[i] === -1 ? null : t.categories?.[i];
      if (cats && cats.length > 0) {
        catStart![j] = catVals.length;
        for (const v of cats) catVals.push(f32(v));
        catEnd![j] = catVals.length;
      }
      if (t.left[i] === -1) {
        left[j] = -1;
        right[j] = -1;
        leafAt[j] = vals.length;
        for (const v of t.value[i]) vals.push(f32(v));
      } else {
        feature[j] = t.feature[i];
        threshold[j] = t.threshold[i];
        left[j] = base + t.left[i];
        right[j] = base + t.right[i];
      }
    }
    base += t.left.length;
  });
  const b = new Float64Array(K);
  for (let k = 0; k < K; k++) b[k] = f32(m.base[k] ?? 0);
  return {
    nTrees: m.trees.length,
    K,
    average: m.aggregate === 'average',
    base: b,
    root,
    feature,
    threshold,
    left,
    right,
    leafAt,
    values: Float64Array.from(vals),
    treeClass: m.treeClass ? Int32Array.from(m.treeClass) : null,
    catStart,
    catEnd,
    catValues: Float32Array.from(catVals),
  };
}

/** The leaf a row reaches, for trees with categorical nodes (left when the value is in the node's set). */
function leafWithCategories(c: CompiledTrees, X: Float32Array, xo: number, i: number): number {
  const { feature, threshold, left, right, catValues } = c;
  const catStart = c.catStart!;
  const catEnd = c.catEnd!;
  while (left[i] !== -1) {
    const x = X[xo + feature[i]];
    const s = catStart[i];
    if (s < 0) i = x <= threshold[i] ? left[i] : right[i];
    else {
      let hit = false;
      for (let q = s, e = catEnd[i]; q < e; q++) if (catValues[q] === x) ((hit = true), (q = e));
      i = hit ? left[i] : right[i];
    }
  }
  return i;
}

function treesRaw(c: CompiledTrees, X: Float32Array, n: number, F: number): Float64Array {
  const { K, root, feature, threshold, left, right, leafAt, values, treeClass, nTrees } = c;
  const cat = c.catStart !== null;
  const out = new Float64Array(n * K);
  if (K === 1) {
    // The common case (binary, regression), with a scalar accumulator.
    const b = c.base[0];
    for (let r = 0; r < n; r++) {
      const xo = r * F;
      let s = 0;
      for (let t = 0; t < nTrees; t++) {
        let i = root[t];
        if (cat) i = leafWithCategories(c, X, xo, i);
        else while (left[i] !== -1) i = X[xo + feature[i]] <= threshold[i] ? left[i] : right[i];
        s = f32(s + values[leafAt[i]]);
      }
      out[r] = f32((c.average ? f32(s / nTrees) : s) + b);
    }
    return out;
  }
  const acc = new Float64Array(K);
  for (let r = 0; r < n; r++) {
    const xo = r * F;
    acc.fill(0);
    for (let t = 0; t < nTrees; t++) {
      let i = root[t];
      if (cat) i = leafWithCategories(c, X, xo, i);
      else while (left[i] !== -1) i = X[xo + feature[i]] <= threshold[i] ? left[i] : right[i];
      const at = leafAt[i];
      if (treeClass) {
        const k = treeClass[t];
        acc[k] = f32(acc[k] + values[at]);
      } else if (K === 1) {
        acc[0] = f32(acc[0] + values[at]);
      } else {
        for (let k = 0; k < K; k++) acc[k] = f32(acc[k] + values[at + k]);
      }
    }
    for (let k = 0; k < K; k++) {
      const s = c.average ? f32(acc[k] / nTrees) : acc[k];
      out[r * K + k] = f32(s + c.base[k]);
    }
  }
  return out;
}

function compileSingle(s: SinglePipeline): CompiledSingle {
  const F = featureCount(s);
  const K = modelOutputs(s.model);
  const steps: Featurizer[] = [];
  let off = 0;
  for (const st of s.features) {
    steps.push(compileStep(st, off));
    off += stepWidth(st);
  }
  const featurize = (table: ColumnTable, n: number): Float32Array => {
    const X = new Float32Array(n * F);
    for (const f of steps) f(table, n, X, F);
    return X;
  };
  let raw: CompiledSingle['raw'];
  const m = s.model;
  if (m.type === 'linear') {
    const W = new Float64Array(K * F);
    for (let k = 0; k < K; k++) for (let j = 0; j < F; j++) W[k * F + j] = f32(m.coef[k][j]);
    const b = m.intercept.map(f32);
    raw = (X, n) => {
      const out = new Float64Array(n * K);
      for (let r = 0; r < n; r++) {
        for (let k = 0; k < K; k++) {
          let z = b[k];
          for (let j = 0, w = k * F, x = r * F; j < F; j++) z += W[w + j] * X[x + j];
          out[r * K + k] = z;
        }
      }
      return out;
    };
  } else {
    const c = compileTrees(m, K);
    raw = (X, n) => treesRaw(c, X, n, F);
  }
  return { F, K, featurize, raw, post: s.post };
}

/** Raw outputs -> probabilities (n x C) or predictions (n). */
function applyPost(raw: Float64Array, n: number, K: number, post: SinglePipeline['post'], C: number): Float64Array {
  if (C === 0) {
    // Regression: K = 1; a log-target model's raw score is log(1 + y).
    if (post === 'expm1') for (let r = 0; r < n; r++) raw[r] = Math.expm1(raw[r]);
    return raw;
  }
  const P = new Float64Array(n * C);
  for (let r = 0; r < n; r++) {
    const o = r * C;
    if (post === 'logistic') {
      const p1 = 1 / (1 + Math.exp(-raw[r]));
      P[o] = 1 - p1;
      P[o + 1] = p1;
    } else if (post === 'softmax') {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, raw[r * K + k]);
      let sum = 0;
      for (let k = 0; k < K; k++) sum += P[o + k] = Math.exp(raw[r * K + k] - mx);
      for (let k = 0; k < K; k++) P[o + k] /= sum;
    } else if (K === 1) {
      P[o] = 1 - raw[r];
      P[o + 1] = raw[r];
    } else {
      for (let k = 0; k < K; k++) P[o + k] = raw[r * K + k];
    }
  }
  return P;
}

export interface CompiledScorer {
  readonly pipeline: FittedPipeline;
  scoreColumns(table: ColumnTable): ColumnScores;
  scoreRows(rows: Row[], opts?: { strict?: boolean }): RowScores;
}

/** Validates the pipeline and prepares typed arrays once; reuse the result for many calls. */
export function compileScorer(p: FittedPipeline): CompiledScorer {
  validatePipeline(p);
  const C = isClassification(p) ? p.classes.length : 0;
  const members = singleMembers(p);
  const wsum = members.reduce((a, m) => a + m.weight, 0);
  // Members with weight 0 contribute nothing: neither scorer computes them.
  const compiled = members.filter((m) => m.weight > 0).map((m) => ({ w: m.weight / wsum, c: compileSingle(m.pipeline) }));

  const scoreColumns = (table: ColumnTable): ColumnScores => {
    let n = -1;
    for (const col of p.inputs) {
      const v = table[col.name];
      if (v === undefined || v === null) throw new FittedPipelineError('INPUT_MISSING_COLUMN', `column ${col.name} is missing`);
      if (typeof v.length !== 'number') throw new FittedPipelineError('INPUT_BAD_COLUMN', `column ${col.name} is not an array`);
      if (n === -1) n = v.length;
      else if (v.length !== n) throw new FittedPipelineError('INPUT_BAD_COLUMN', `column ${col.name} has ${v.length} values, expected ${n}`);
    }
    n = Math.max(n, 0);
    const width = C || 1;
    let out: Float64Array;
    if (compiled.length === 1) {
      const { c } = compiled[0];
      out = applyPost(c.raw(c.featurize(table, n), n), n, c.K, c.post, C);
    } else {
      out = new Float64Array(n * width);
      for (const { w, c } of compiled) {
        const o = applyPost(c.raw(c.featurize(table, n), n), n, c.K, c.post, C);
        for (let i = 0; i < out.length; i++) out[i] += w * o[i];
      }
    }
    if (!C) return { n, labels: out };
    const labels = new Array<string>(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let k = 1; k < C; k++) if (out[r * C + k] > out[r * C + best]) best = k;
      labels[r] = p.classes[best];
    }
    return { n, labels, probabilities: out };
  };

  const scoreRows = (rows: Row[], opts: { strict?: boolean } = {}): RowScores => {
    const res = scoreColumns(rowsToColumns(p.inputs, rows, opts));
    if (!res.probabilities) return { labels: Array.from(res.labels as Float64Array) };
    const P = res.probabilities;
    const probabilities: number[][] = [];
    for (let r = 0; r < res.n; r++) probabilities.push(Array.from(P.subarray(r * C, (r + 1) * C)));
    return { labels: res.labels as string[], probabilities };
  };

  return { pipeline: p, scoreColumns, scoreRows };
}

const cache = new WeakMap<FittedPipeline, CompiledScorer>();

function compiledFor(p: FittedPipeline): CompiledScorer {
  let c = cache.get(p);
  if (!c) {
    c = compileScorer(p);
    cache.set(p, c);
  }
  return c;
}

/** Scores rows of raw values (one key per original column). Compiles once per pipeline object. */
export function scorePipeline(p: FittedPipeline, rows: Row[], opts: { strict?: boolean } = {}): RowScores {
  return compiledFor(p).scoreRows(rows, opts);
}

/** Columnar fast path for big tables (see ColumnTable). Compiles once per pipeline object. */
export function scoreColumns(p: FittedPipeline, table: ColumnTable): ColumnScores {
  return compiledFor(p).scoreColumns(table);
}

/** The float32 feature matrix (row-major n x F) a single pipeline feeds its model; for tests and debugging. */
export function featurize(single: SinglePipeline, table: ColumnTable, n: number): Float32Array {
  return compileSingle(single).featurize(table, n);
}
