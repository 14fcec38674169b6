/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// The exported model's contract: IR/opsets, inputs named like the columns, outputs and metadata, the
// ops used, and the edge cases of the featurization as onnxruntime computes them.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { exportOnnx, loadOnnxMetadata, OnnxError } from '../../../src/automl/onnx';
import { createOnnxScorer } from '../../../src/automl/onnx/run';
import type { FeatureStep, FittedPipeline, InputColumn, SinglePipeline } from '../../../src/automl/pipeline';
import { Row, scorePipeline } from '../../../src/automl/score';
import { bankLikeBinaryPipeline, bankLikeRows, randomPipeline } from '../../support/pipelines';

const f32 = Math.fround;
const stump = (f: number, t: number, a: number[], b: number[]) => ({
  feature: [f, 0, 0],
  threshold: [t, 0, 0],
  left: [1, -1, -1],
  right: [2, -1, -1],
  value: [[], a, b],
});
const single = (features: FeatureStep[], model: SinglePipeline['model'], post: SinglePipeline['post']): SinglePipeline => ({
  kind: 'single',
  learner: 'hand',
  features,
  model,
  post,
});

describe('bank-like binary GBDT', () => {
  const p = bankLikeBinaryPipeline({ trees: 50 });
  const bytes = exportOnnx(p, { name: 'bank', version: 3, docString: 'bank marketing', extra: { metric: 'AUC_weighted', score: 0.95 } });

  test('declares IR 8, opset 17 and ai.onnx.ml 3, and carries the metadata', () => {
    const info = loadOnnxMetadata(bytes);
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toEqual({ '': 17, 'ai.onnx.ml': 3 });
    expect(info.classes).toEqual(['no', 'yes']);
    expect(info.task).toBe('binary');
    expect(info.target).toBe('y');
    expect(info.graphName).toBe('bank');
    expect(info.modelVersion).toBe(3);
    expect(info.docString).toBe('bank marketing');
    expect(info.metadata.version).toBe('3');
    expect(info.metadata.metric).toBe('AUC_weighted');
    expect(info.metadata.score).toBe('0.95');
    expect(JSON.parse(info.metadata.classes)).toEqual(['no', 'yes']);
    expect(JSON.parse(info.metadata.inputs)).toEqual(p.inputs);
    expect(info.inputs).toEqual(p.inputs);
    expect(info.outputs).toEqual([
      { name: 'label', elemType: 'string' },
      { name: 'probabilities', elemType: 'float' },
    ]);
  });

  test('uses no ZipMap and no TreeEnsembleClassifier; inputs are [N,1] float or string', () => {
    const m = onnx.ModelProto.decode(bytes);
    const ops = new Set(m.graph!.node!.map((n) => n.opType));
    expect(ops.has('ZipMap')).toBe(false);
    expect(ops.has('TreeEnsembleClassifier')).toBe(false);
    expect(ops.has('TreeEnsembleRegressor')).toBe(true);
    for (const vi of m.graph!.input!) {
      const dims = vi.type!.tensorType!.shape!.dim!;
      expect(dims[0].dimParam).toBe('N');
      expect(Number(dims[1].dimValue)).toBe(1);
    }
  });

  test('onnxruntime loads it with one input per column (dotted names kept) and the two outputs', async () => {
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual(p.inputs.map((c) => c.name));
    expect(session.inputNames).toContain('emp.var.rate');
    expect(session.outputNames).toEqual(['label', 'probabilities']);
    const rows = bankLikeRows(7, 3);
    const feeds: Record<string, ort.Tensor> = {};
    for (const c of p.inputs) {
      feeds[c.name] =
        c.kind === 'numeric'
          ? new ort.Tensor(
              'float32',
              Float32Array.from(rows, (r) => (r[c.name] == null || r[c.name] === '' ? NaN : Number(r[c.name]))),
              [7, 1],
            )
          : new ort.Tensor(
              'string',
              rows.map((r) => (r[c.name] == null ? '' : String(r[c.name]))),
              [7, 1],
            );
    }
    const out = await session.run(feeds);
    expect(out.label.type).toBe('string');
    expect(out.label.dims).toEqual([7]);
    expect(out.probabilities.type).toBe('float32');
    expect(out.probabilities.dims).toEqual([7, 2]);
    const ts = scorePipeline(p, rows);
    expect(Array.from(out.label.data as string[])).toEqual(ts.labels);
    await session.release();
  });
});

describe('regression', () => {
  test('outputs only `label`, a float [N] tensor, and an empty class list', async () => {
    const { pipeline } = randomPipeline({ model: 'gbdt', task: 'regression', seed: 5 });
    const bytes = exportOnnx(pipeline);
    const info = loadOnnxMetadata(bytes);
    expect(info.outputs).toEqual([{ name: 'label', elemType: 'float' }]);
    expect(info.classes).toEqual([]);
    const s = await createOnnxScorer(bytes);
    const res = await s.scoreRows([{}, {}]);
    expect(res.probabilities).toBeUndefined();
    expect(res.labels).toHaveLength(2);
    await s.release();
  });
});

describe('featurization edge cases in onnxruntime', () => {
  const inputs: InputColumn[] = [
    { name: 'cons.price.idx', kind: 'numeric' },
    { name: 'job', kind: 'categorical' },
    { name: 'month', kind: 'categorical' },
    { name: 'unused col', kind: 'categorical' },
  ];
  const x = 92.89299999999999; // float32(x) < x

  async function both(p: FittedPipeline, rows: Row[]) {
    const s = await createOnnxScorer(exportOnnx(p));
    const o = await s.scoreRows(rows);
    await s.release();
    return { ts: scorePipeline(p, rows), ort: o };
  }

  test('a value equal to a threshold in float32 takes the left branch in ORT, as in the TS scorer', async () => {
    const steps: FeatureStep[] = [{ kind: 'numeric', column: 'cons.price.idx', impute: 0 }];
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'regression',
      target: 'y',
      classes: [],
      inputs,
      body: single(steps, { type: 'trees', aggregate: 'sum', base: [0], trees: [stump(0, f32(x), [1], [2])] }, 'none'),
    };
    const { ts, ort: o } = await both(p, [{ 'cons.price.idx': x }, { 'cons.price.idx': 92.9 }, { 'cons.price.idx': null }]);
    expect(o.labels).toEqual([1, 2, 1]);
    expect(ts.labels).toEqual(o.labels);
  });

  test('scaled and imputed numerics, onehot with a listed "", lookups with an empty map and prototype keys', async () => {
    const steps: FeatureStep[] = [
      { kind: 'numeric', column: 'cons.price.idx', impute: 93.2, scale: { mean: 93.5, std: 0.3 } },
      { kind: 'onehot', column: 'job', categories: ['admin.', '', 'a.b c'] },
      { kind: 'onehot', column: 'month', categories: [] },
      { kind: 'lookup', column: 'month', encoding: 'frequency', map: JSON.parse('{"may": 0.33, "__proto__": 0.5, "constructor": 0.25}'), fallback: -1 },
      { kind: 'lookup', column: 'job', encoding: 'ordinal', map: {}, fallback: 7 },
    ];
    const F = 1 + 3 + 0 + 1 + 1;
    const coef = [Array.from({ length: F }, (_, j) => (j + 1) * 0.37)];
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'binary',
      target: 'y',
      classes: ['0', '1'],
      inputs,
      body: single(steps, { type: 'linear', coef, intercept: [-3] }, 'logistic'),
    };
    const rows = [
      { 'cons.price.idx': x, job: 'admin.', month: 'may' },
      { 'cons.price.idx': null, job: '', month: '__proto__' },
      { 'cons.price.idx': 94, job: 'a.b c', month: 'constructor' },
      { job: 'toString', month: 'hasOwnProperty' },
      { 'cons.price.idx': '93.1', job: null, month: '' },
    ];
    const { ts, ort: o } = await both(p, rows);
    ts.probabilities!.forEach((pr, r) => pr.forEach((v, k) => expect(Math.abs(v - o.probabilities![r][k])).toBeLessThanOrEqual(1e-6)));
    expect(o.labels).toEqual(ts.labels);
    // The '' category and the "__proto__" key are real matches (p differs from the all-zero / fallback rows).
    expect(new Set(ts.probabilities!.map((pr) => pr[1].toFixed(6))).size).toBe(rows.length);
  });

  test('trees that are a single leaf export and score', async () => {
    const steps: FeatureStep[] = [{ kind: 'numeric', column: 'cons.price.idx', impute: 0 }];
    const leaf = { feature: [0], threshold: [0], left: [-1], right: [-1], value: [[0.7]] };
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'binary',
      target: 'y',
      classes: ['n', 'y'],
      inputs,
      body: single(steps, { type: 'trees', aggregate: 'average', base: [0], trees: [leaf, stump(0, 1, [0.1], [0.3])] }, 'none'),
    };
    const { ts, ort: o } = await both(p, [{ 'cons.price.idx': 0 }, { 'cons.price.idx': 2 }]);
    expect(o.probabilities![0][1]).toBeCloseTo(0.4, 6);
    expect(o.probabilities![1][1]).toBeCloseTo(0.5, 6);
    expect(o.labels).toEqual(['n', 'n']); // row 2: 0.5 / 0.5 is a tie, the first class wins
    expect(ts.labels).toEqual(o.labels);
  });
});

describe('one-hot layout', () => {
  const opCount = (bytes: Uint8Array, op: string) => onnx.ModelProto.decode(bytes).graph!.node!.filter((n) => n.opType === op).length;

  test('the bank columns share one OneHotEncoder over the union of their categories', () => {
    expect(opCount(exportOnnx(bankLikeBinaryPipeline({ trees: 3 })), 'OneHotEncoder')).toBe(1);
  });

  test('columns with many disjoint categories get one encoder each, and still match the TS scorer', async () => {
    const names = ['a', 'b', 'c', 'd', 'e'];
    const inputs: InputColumn[] = names.map((name) => ({ name, kind: 'categorical' }));
    const steps: FeatureStep[] = names.map((name) => ({ kind: 'onehot', column: name, categories: Array.from({ length: 60 }, (_, k) => `${name}${k}`) }));
    const coef = [Array.from({ length: 300 }, (_, j) => Math.sin(j))];
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'binary',
      target: 'y',
      classes: ['n', 'y'],
      inputs,
      body: single(steps, { type: 'linear', coef, intercept: [0.1] }, 'logistic'),
    };
    const bytes = exportOnnx(p);
    expect(opCount(bytes, 'OneHotEncoder')).toBe(5);
    const rows = Array.from({ length: 50 }, (_, r) => Object.fromEntries(names.map((n, i) => [n, `${names[(r + i) % 5]}${(r * 7 + i) % 61}`])));
    const s = await createOnnxScorer(bytes);
    const o = await s.scoreRows(rows);
    await s.release();
    scorePipeline(p, rows).probabilities!.forEach((pr, r) => pr.forEach((v, k) => expect(Math.abs(v - o.probabilities![r][k])).toBeLessThanOrEqual(1e-5)));
  });
});

describe('binary models whose raw output is p(last class) (post none)', () => {
  const inputs: InputColumn[] = [{ name: 'x', kind: 'numeric' }];
  const steps: FeatureStep[] = [{ kind: 'numeric', column: 'x', impute: 0.5 }];
  const rows = [{ x: 0 }, { x: 0.25 }, { x: 0.9 }, { x: null }];
  const cases: [string, SinglePipeline['model']][] = [
    [
      'forest (average) with a non-zero base',
      { type: 'trees', aggregate: 'average', base: [0.05], trees: [stump(0, 0.3, [0.1], [0.8]), stump(0, 0.6, [0.2], [0.7])] },
    ],
    ['trees summed', { type: 'trees', aggregate: 'sum', base: [0.1], trees: [stump(0, 0.3, [0.1], [0.4]), stump(0, 0.6, [0.05], [0.3])] }],
    ['linear', { type: 'linear', coef: [[0.5]], intercept: [0.2] }],
  ];
  test.each(cases)('%s: probabilities are [1 - z, z] in ORT as in the TS scorer', async (_, model) => {
    const p: FittedPipeline = { formatVersion: 1, task: 'binary', target: 'y', classes: ['a', 'b'], inputs, body: single(steps, model, 'none') };
    const s = await createOnnxScorer(exportOnnx(p));
    const o = await s.scoreRows(rows);
    await s.release();
    const ts = scorePipeline(p, rows);
    ts.probabilities!.forEach((pr, r) => {
      expect(pr[0] + pr[1]).toBeCloseTo(1, 12);
      pr.forEach((v, k) => expect(Math.abs(v - o.probabilities![r][k])).toBeLessThanOrEqual(1e-6));
    });
    expect(o.labels).toEqual(ts.labels);
  });
});

describe('ensembles', () => {
  test('a member with weight 0 is left out of the graph, and the scores equal the other member alone', async () => {
    const { pipeline: a } = randomPipeline({ model: 'gbdt', task: 'binary', seed: 21 });
    const { pipeline: b } = randomPipeline({ model: 'linear', task: 'binary', seed: 21 });
    const ens: FittedPipeline = {
      ...a,
      body: {
        kind: 'ensemble',
        members: [
          { weight: 0.7, pipeline: a.body as SinglePipeline },
          { weight: 0, pipeline: b.body as SinglePipeline },
        ],
      },
    };
    const bytes = exportOnnx(ens);
    const ops = onnx.ModelProto.decode(bytes).graph!.node!.map((n) => n.opType);
    expect(ops).not.toContain('Gemm');
    expect(ops).not.toContain('Sum');
    const rows = bankLikeRows(20, 5).map((r, i) => ({ ...r, 'emp.var.rate': i / 7, job: i % 3 ? 'jo_1' : 'x' }));
    const s = await createOnnxScorer(bytes);
    const o = await s.scoreRows(rows);
    await s.release();
    expect(scorePipeline(ens, rows).probabilities).toEqual(scorePipeline(a, rows).probabilities);
    scorePipeline(a, rows).probabilities!.forEach((pr, r) => pr.forEach((v, k) => expect(Math.abs(v - o.probabilities![r][k])).toBeLessThanOrEqual(1e-5)));
  });
});

describe('column names', () => {
  test('names like the generated ones, with spaces, dots and non-ASCII characters are kept as input names', async () => {
    const inputs: InputColumn[] = [
      { name: '_num_0', kind: 'numeric' },
      { name: '_X_1', kind: 'numeric' },
      { name: 'año de nacimiento', kind: 'categorical' },
      { name: 'nr.employed', kind: 'numeric' },
    ];
    const steps: FeatureStep[] = [
      { kind: 'numeric', column: '_num_0', impute: 1 },
      { kind: 'numeric', column: '_X_1', impute: 2 },
      { kind: 'onehot', column: 'año de nacimiento', categories: ['1990', '2000'] },
      { kind: 'numeric', column: 'nr.employed', impute: 5191 },
    ];
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'regression',
      target: 'y',
      classes: [],
      inputs,
      body: single(steps, { type: 'linear', coef: [[1, 10, 100, 1000, 0.001]], intercept: [0] }, 'none'),
    };
    const bytes = exportOnnx(p);
    expect(loadOnnxMetadata(bytes).inputs).toEqual(inputs);
    const s = await createOnnxScorer(bytes);
    expect(s.session.inputNames).toEqual(inputs.map((c) => c.name));
    const rows = [{ _num_0: 3, _X_1: 4, 'año de nacimiento': '2000', 'nr.employed': 5000 }, {}];
    const o = await s.scoreRows(rows);
    await s.release();
    expect(o.labels[0]).toBeCloseTo(3 + 40 + 1000 + 5, 3);
    expect(o.labels[1]).toBeCloseTo(1 + 20 + 5.191, 3);
  });
});

describe('errors', () => {
  test('an input column named like an output is refused with ONNX_NAME_CONFLICT', () => {
    const p: FittedPipeline = {
      formatVersion: 1,
      task: 'regression',
      target: 'y',
      classes: [],
      inputs: [{ name: 'label', kind: 'numeric' }],
      body: single([{ kind: 'numeric', column: 'label', impute: 0 }], { type: 'linear', coef: [[1]], intercept: [0] }, 'none'),
    };
    expect(() => exportOnnx(p)).toThrow(OnnxError);
    expect(() => exportOnnx(p)).toThrow(expect.objectContaining({ code: 'ONNX_NAME_CONFLICT' }));
  });

  test('an invalid pipeline is refused with PIPELINE_INVALID before anything is written', () => {
    const p = bankLikeBinaryPipeline({ trees: 2 });
    (p.body as SinglePipeline).post = 'softmax';
    expect(() => exportOnnx(p)).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
  });

  test('bytes that are not an ONNX model give ONNX_BAD_MODEL', () => {
    expect(() => loadOnnxMetadata(new Uint8Array([1, 2, 3, 4, 5]))).toThrow(expect.objectContaining({ code: 'ONNX_BAD_MODEL' }));
  });
});
