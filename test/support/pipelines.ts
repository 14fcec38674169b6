/**
 * Hand-built and randomly generated FittedPipelines (with matching raw rows) for tests: scoring, ONNX
 * parity, serving, deployment. Everything is deterministic for a seed.
 *
 *   bankLikeBinaryPipeline()            a GBDT on the bank marketing columns, classes ['no', 'yes']
 *   bankLikeRows(n, seed)               rows for it (raw values as a CSV/JSON client would send them)
 *   randomPipeline({ model, task, seed, ... })   linear | gbdt | forest | ensemble, any task
 *   randomRows(schema, n, seed, { missing, unseen })
 *
 * Split thresholds are drawn from the float32 feature values the rows can produce, so rows sit exactly
 * on thresholds (the float32 edge case the scorers must agree on).
 */
import type { FeatureStep, FittedPipeline, InputColumn, Model, PostTransform, SinglePipeline, Task, Tree } from '../../src/automl/pipeline';
import { featurize, Row } from '../../src/automl/score';

/** mulberry32: a small, fast, seedable PRNG. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
const gauss = (rand: () => number): number => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());

/** Column names, kinds and the values rows may hold. */
export interface Schema {
  inputs: InputColumn[];
  /** numeric: value pool (numbers); categorical: known categories (strings). */
  pools: Record<string, (number | string)[]>;
  /** Categorical values never seen in training (for unseen-category tests). */
  unseen: string[];
}

export function randomSchema(seed: number, opts: { numeric?: number; categorical?: number } = {}): Schema {
  const rand = rng(seed);
  const nNum = opts.numeric ?? 4;
  const nCat = opts.categorical ?? 3;
  const numNames = ['emp.var.rate', 'age', 'cons price idx', 'x3', 'x4', 'x5', 'x6', 'x7'];
  const catNames = ['job', 'marital.status', 'año', 'c3', 'c4', 'c5'];
  const inputs: InputColumn[] = [];
  const pools: Schema['pools'] = {};
  // Values that are not float32-exact, negative, integral, tiny and large.
  const base = [-1.8, 1.1, 0.1, 92.89299999999999, 1.2990000000000002, 999, 0, -46.2, 5191, 3.3333333333, 1e-7, 12345.678];
  for (let i = 0; i < nNum; i++) {
    const name = numNames[i] ?? `num${i}`;
    inputs.push({ name, kind: 'numeric' });
    const pool = new Set<number>();
    while (pool.size < 8) pool.add(rand() < 0.5 ? pick(rand, base) : Math.round(gauss(rand) * 1000) / 100);
    pools[name] = [...pool];
  }
  for (let i = 0; i < nCat; i++) {
    const name = catNames[i] ?? `cat${i}`;
    inputs.push({ name, kind: 'categorical' });
    const k = 2 + Math.floor(rand() * 5);
    const cats = Array.from({ length: k }, (_, j) => `${name.slice(0, 2)}_${j}`);
    if (i === 0) cats.push('unknown', 'a.b c');
    pools[name] = cats;
  }
  // An input no step reads (an ID-like column the featurizer dropped): must still be accepted.
  inputs.push({ name: 'row.id', kind: 'numeric' });
  pools['row.id'] = [1, 2, 3];
  return { inputs, pools, unseen: ['never-seen', 'constructor', '__proto__', 'toString'] };
}

export function randomRows(schema: Schema, n: number, seed: number, opts: { missing?: number; unseen?: number } = {}): Row[] {
  const rand = rng(seed);
  const missing = opts.missing ?? 0.1;
  const unseen = opts.unseen ?? 0.05;
  const rows: Row[] = [];
  for (let r = 0; r < n; r++) {
    const row: Row = {};
    for (const c of schema.inputs) {
      const u = rand();
      if (u < missing) {
        // The ways a value goes missing: absent key, null, '' (and NaN for numbers).
        const m = rand();
        if (m < 0.25) continue;
        row[c.name] = m < 0.5 ? null : m < 0.75 || c.kind === 'categorical' ? '' : NaN;
      } else if (c.kind === 'categorical' && u < missing + unseen) {
        row[c.name] = pick(rand, schema.unseen);
      } else {
        const v = pick(rand, schema.pools[c.name]);
        // Numbers arrive as numbers or as CSV strings.
        row[c.name] = c.kind === 'numeric' && rand() < 0.3 ? String(v) : v;
      }
    }
    rows.push(row);
  }
  return rows;
}

/** Feature steps over a schema; `scale` adds standardization to numeric steps (linear models). */
export function randomSteps(schema: Schema, rand: () => number, scale: boolean): FeatureStep[] {
  const steps: FeatureStep[] = [];
  for (const c of schema.inputs) {
    if (c.name === 'row.id') continue;
    const pool = schema.pools[c.name];
    if (c.kind === 'numeric') {
      const xs = pool as number[];
      const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
      const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
      steps.push({
        kind: 'numeric',
        column: c.name,
        impute: pick(rand, xs),
        ...(scale || rand() < 0.2 ? { scale: { mean, std } } : {}),
      });
    } else if (rand() < 0.5) {
      const cats = (pool as string[]).filter(() => rand() < 0.9);
      if (rand() < 0.3) cats.push(''); // missing as its own category
      steps.push({ kind: 'onehot', column: c.name, categories: cats.length ? cats : [pool[0] as string] });
    } else {
      const map: Record<string, number> = {};
      for (const v of pool as string[]) map[v] = Math.round(gauss(rand) * 1e4) / 1e4;
      const enc = pick(rand, ['ordinal', 'frequency', 'target'] as const);
      steps.push({ kind: 'lookup', column: c.name, encoding: enc, map, fallback: Math.round(gauss(rand) * 100) / 100 });
    }
  }
  return steps;
}

/** The float32 values each feature takes over the schema's pools (with missing), for thresholds. */
function featureValuePools(schema: Schema, steps: FeatureStep[]): number[][] {
  const probe: SinglePipeline = { kind: 'single', learner: 'probe', features: steps, model: { type: 'linear', coef: [[]], intercept: [0] }, post: 'none' };
  const rows = Math.max(...schema.inputs.map((c) => schema.pools[c.name].length)) + 2;
  const table: Record<string, Float32Array | string[]> = {};
  for (const c of schema.inputs) {
    const pool = schema.pools[c.name];
    if (c.kind === 'numeric') {
      table[c.name] = Float32Array.from({ length: rows }, (_, i) => (i < pool.length ? (pool[i] as number) : NaN));
    } else {
      table[c.name] = Array.from({ length: rows }, (_, i) => (i < pool.length ? (pool[i] as string) : i === pool.length ? '' : 'never-seen'));
    }
  }
  const X = featurize(probe, table, rows);
  const F = X.length / rows;
  const out: number[][] = [];
  for (let j = 0; j < F; j++) {
    const s = new Set<number>();
    for (let r = 0; r < rows; r++) s.add(X[r * F + j]);
    out.push([...s].sort((a, b) => a - b));
  }
  return out;
}

export interface RandomTreeOptions {
  maxLeaves: number;
  /** One output per leaf value vector. */
  leaf: () => number[];
}

/** A random tree grown by splitting random leaves; thresholds on feature values (or between them). */
export function randomTree(rand: () => number, valuePools: number[][], o: RandomTreeOptions): Tree {
  const t: Tree = { feature: [0], threshold: [0], left: [-1], right: [-1], value: [o.leaf()] };
  const leaves = [0];
  const target = 1 + Math.floor(rand() * o.maxLeaves);
  while (leaves.length < target) {
    const li = Math.floor(rand() * leaves.length);
    const node = leaves[li];
    const f = Math.floor(rand() * valuePools.length);
    const vals = valuePools[f];
    let thr = pick(rand, vals);
    if (rand() < 0.3) thr = Math.fround(thr + (rand() - 0.5) * 0.01); // also off-value thresholds
    const l = t.left.length;
    t.feature[node] = f;
    t.threshold[node] = Math.fround(thr);
    t.left[node] = l;
    t.right[node] = l + 1;
    t.value[node] = [];
    for (let k = 0; k < 2; k++) {
      t.feature.push(0);
      t.threshold.push(0);
      t.left.push(-1);
      t.right.push(-1);
      t.value.push(o.leaf());
    }
    leaves.splice(li, 1, l, l + 1);
  }
  return t;
}

export type ModelKind = 'linear' | 'gbdt' | 'forest';

export function randomSingle(
  schema: Schema,
  task: Task,
  kind: ModelKind,
  C: number,
  seed: number,
  opts: { trees?: number; maxLeaves?: number } = {},
): SinglePipeline {
  const rand = rng(seed);
  const steps = randomSteps(schema, rand, kind === 'linear');
  const pools = featureValuePools(schema, steps);
  const F = pools.length;
  const nTrees = opts.trees ?? 20;
  const maxLeaves = opts.maxLeaves ?? 12;
  let model: Model;
  let post: PostTransform;
  if (kind === 'linear') {
    const K = task === 'multiclass' ? C : 1;
    model = {
      type: 'linear',
      coef: Array.from({ length: K }, () => Array.from({ length: F }, () => gauss(rand) * 0.5)),
      intercept: Array.from({ length: K }, () => gauss(rand)),
    };
    post = task === 'binary' ? 'logistic' : task === 'multiclass' ? 'softmax' : 'none';
  } else if (kind === 'gbdt') {
    const K = task === 'multiclass' ? C : 1;
    const scale = task === 'regression' ? 5 : 0.3;
    const trees: Tree[] = [];
    const treeClass: number[] = [];
    for (let t = 0; t < nTrees * K; t++) {
      trees.push(randomTree(rand, pools, { maxLeaves, leaf: () => [Math.fround(gauss(rand) * scale)] }));
      treeClass.push(t % K);
    }
    model = {
      type: 'trees',
      aggregate: 'sum',
      base: Array.from({ length: K }, () => (task === 'regression' ? 20 : gauss(rand) * 0.5)),
      trees,
      ...(K > 1 ? { treeClass } : {}),
    };
    post = task === 'binary' ? 'logistic' : task === 'multiclass' ? 'softmax' : 'none';
  } else {
    const leaf =
      task === 'regression'
        ? () => [Math.round(gauss(rand) * 1000) / 100 + 10]
        : task === 'binary'
          ? () => [rand() < 0.2 ? pick(rand, [0, 0.5, 1]) : rand()]
          : () => {
              const w = Array.from({ length: C }, () => rand() ** 2);
              const s = w.reduce((a, b) => a + b, 0);
              return w.map((x) => x / s);
            };
    const trees = Array.from({ length: nTrees }, () => randomTree(rand, pools, { maxLeaves, leaf }));
    model = { type: 'trees', aggregate: 'average', base: task === 'multiclass' ? Array(C).fill(0) : [0], trees };
    post = 'none';
  }
  return { kind: 'single', learner: kind, features: steps, model, post };
}

export interface RandomPipelineOptions {
  model: ModelKind | 'ensemble';
  task: Task;
  seed: number;
  /** Number of classes for multiclass (default 3). */
  classes?: number;
  trees?: number;
  maxLeaves?: number;
  numeric?: number;
  categorical?: number;
}

export function randomPipeline(o: RandomPipelineOptions): { pipeline: FittedPipeline; schema: Schema } {
  const schema = randomSchema(o.seed, o);
  const C = o.task === 'binary' ? 2 : o.task === 'multiclass' ? (o.classes ?? 3) : 0;
  const classes = o.task === 'binary' ? ['no', 'yes'] : Array.from({ length: C }, (_, i) => `class_${String.fromCharCode(97 + i)}`);
  let body: FittedPipeline['body'];
  if (o.model === 'ensemble') {
    const kinds: ModelKind[] = ['gbdt', 'linear', 'forest', 'gbdt'];
    const rand = rng(o.seed + 7);
    body = {
      kind: 'ensemble',
      members: kinds.map((k, i) => ({ weight: Math.round(rand() * 10 + 1) / 10, pipeline: randomSingle(schema, o.task, k, C, o.seed * 31 + i, o) })),
    };
  } else {
    body = randomSingle(schema, o.task, o.model, C, o.seed * 31, o);
  }
  return { pipeline: { formatVersion: 1, task: o.task, target: 'y', classes, inputs: schema.inputs, body }, schema };
}

// ---------------------------------------------------------------------------------------------------
// Bank marketing look-alike (columns, categories and value ranges of samples/bankmarketing_train.csv).

export const BANK_CATEGORIES: Record<string, string[]> = {
  job: [
    'admin.',
    'blue-collar',
    'entrepreneur',
    'housemaid',
    'management',
    'retired',
    'self-employed',
    'services',
    'student',
    'technician',
    'unemployed',
    'unknown',
  ],
  marital: ['divorced', 'married', 'single', 'unknown'],
  education: ['basic.4y', 'basic.6y', 'basic.9y', 'high.school', 'illiterate', 'professional.course', 'university.degree', 'unknown'],
  default: ['no', 'unknown', 'yes'],
  housing: ['no', 'unknown', 'yes'],
  loan: ['no', 'unknown', 'yes'],
  contact: ['cellular', 'telephone'],
  month: ['apr', 'aug', 'dec', 'jul', 'jun', 'mar', 'may', 'nov', 'oct', 'sep'],
  day_of_week: ['fri', 'mon', 'thu', 'tue', 'wed'],
  poutcome: ['failure', 'nonexistent', 'success'],
};

export const BANK_NUMERIC: Record<string, number[]> = {
  age: [17, 25, 31, 38, 41, 47, 56, 64, 78, 98],
  duration: [0, 58, 102, 180, 258, 319, 371, 550, 1200, 4918],
  campaign: [1, 2, 3, 4, 6, 10, 56],
  pdays: [0, 3, 6, 999],
  previous: [0, 1, 2, 7],
  'emp.var.rate': [-3.4, -1.8, -0.1, 1.1, 1.4],
  'cons.price.idx': [92.201, 92.89299999999999, 93.2, 93.994, 94.767],
  'cons.conf.idx': [-50.8, -46.2, -42.7, -36.4, -26.9],
  euribor3m: [0.634, 1.2990000000000002, 4.076, 4.857, 4.86, 5.045],
  'nr.employed': [4963.6, 5099.1, 5191.0, 5228.1],
};

/** CSV column order of the bank data (without the target `y`). */
export const BANK_COLUMNS = [
  'age',
  'job',
  'marital',
  'education',
  'default',
  'housing',
  'loan',
  'contact',
  'month',
  'day_of_week',
  'duration',
  'campaign',
  'pdays',
  'previous',
  'poutcome',
  'emp.var.rate',
  'cons.price.idx',
  'cons.conf.idx',
  'euribor3m',
  'nr.employed',
];

export function bankSchema(): Schema {
  const inputs: InputColumn[] = BANK_COLUMNS.map((name) => ({ name, kind: name in BANK_NUMERIC ? 'numeric' : 'categorical' }));
  return { inputs, pools: { ...BANK_NUMERIC, ...BANK_CATEGORIES }, unseen: ['never-seen'] };
}

/**
 * A binary GBDT over the bank columns: numeric imputed, low-cardinality categoricals one-hot, job and
 * month by lookup; `trees` trees of up to 15 leaves, classes ['no', 'yes'], target 'y'. Not trained:
 * its scores mean nothing, but its shape and size are those of a real model.
 */
export function bankLikeBinaryPipeline(opts: { trees?: number; seed?: number } = {}): FittedPipeline {
  const schema = bankSchema();
  const rand = rng(opts.seed ?? 42);
  const features: FeatureStep[] = schema.inputs.map((c): FeatureStep => {
    if (c.kind === 'numeric') return { kind: 'numeric', column: c.name, impute: BANK_NUMERIC[c.name][1] };
    const cats = BANK_CATEGORIES[c.name];
    if (c.name === 'job' || c.name === 'month') {
      const map: Record<string, number> = {};
      cats.forEach((v) => (map[v] = Math.round(rand() * 1e4) / 1e5));
      return { kind: 'lookup', column: c.name, encoding: 'target', map, fallback: 0.112 };
    }
    return { kind: 'onehot', column: c.name, categories: cats };
  });
  const pools = featureValuePools(schema, features);
  const trees = Array.from({ length: opts.trees ?? 100 }, () => randomTree(rand, pools, { maxLeaves: 15, leaf: () => [Math.fround(gauss(rand) * 0.1)] }));
  return {
    formatVersion: 1,
    task: 'binary',
    target: 'y',
    classes: ['no', 'yes'],
    inputs: schema.inputs,
    body: { kind: 'single', learner: 'gbdt', features, model: { type: 'trees', aggregate: 'sum', base: [-2.07], trees }, post: 'logistic' },
  };
}

export function bankLikeRows(n: number, seed = 1, opts: { missing?: number; unseen?: number } = {}): Row[] {
  return randomRows(bankSchema(), n, seed, { missing: opts.missing ?? 0.02, unseen: opts.unseen ?? 0.01 });
}
