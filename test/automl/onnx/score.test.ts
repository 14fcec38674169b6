// The TS reference scorer (src/automl/score.ts) on hand-built pipelines with hand-computed answers.
import type { FeatureStep, FittedPipeline, InputColumn, Model, SinglePipeline } from '../../../src/automl/pipeline';
import { compileScorer, FittedPipelineError, scoreColumns, scorePipeline, featurize, validatePipeline } from '../../../src/automl/score';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const f32 = Math.fround;

function single(features: FeatureStep[], model: Model, post: SinglePipeline['post']): SinglePipeline {
  return { kind: 'single', learner: 'hand', features, model, post };
}

function pipe(task: FittedPipeline['task'], classes: string[], inputs: InputColumn[], body: FittedPipeline['body']): FittedPipeline {
  return { formatVersion: 1, task, target: 'y', classes, inputs, body };
}

const leaf = (v: number[]) => ({ feature: [0], threshold: [0], left: [-1], right: [-1], value: [v] });
/** One split on feature f at threshold t: left leaf a, right leaf b. */
const stump = (f: number, t: number, a: number[], b: number[]) => ({
  feature: [f, 0, 0],
  threshold: [t, 0, 0],
  left: [1, -1, -1],
  right: [2, -1, -1],
  value: [[], a, b],
});

describe('features', () => {
  const inputs: InputColumn[] = [
    { name: 'emp.var.rate', kind: 'numeric' },
    { name: 'job', kind: 'categorical' },
    { name: 'month', kind: 'categorical' },
  ];
  const steps: FeatureStep[] = [
    { kind: 'numeric', column: 'emp.var.rate', impute: 1.5, scale: { mean: 0.5, std: 2 } },
    { kind: 'onehot', column: 'job', categories: ['admin.', ''] },
    { kind: 'lookup', column: 'month', encoding: 'target', map: { may: 0.1, jun: 0.25 }, fallback: 0.112 },
  ];
  const s = single(steps, { type: 'linear', coef: [[0, 0, 0, 0]], intercept: [0] }, 'none');

  test('numeric: NaN is imputed, then scaled in float32; onehot: unseen -> zeros, listed "" -> its column; lookup: fallback', () => {
    const X = featurize(s, { 'emp.var.rate': Float32Array.of(NaN, 2.5, -1.8), job: ['admin.', '', 'constructor'], month: ['may', 'toString', ''] }, 3);
    const scaled = (x: number) => f32(f32(f32(x) - 0.5) * 0.5);
    expect(Array.from(X)).toEqual([scaled(1.5), 1, 0, f32(0.1), scaled(2.5), 0, 1, f32(0.112), scaled(-1.8), 0, 0, f32(0.112)]);
  });

  test('rows: absent keys, null, "" and NaN are missing; numeric strings are parsed', () => {
    const p = pipe('regression', [], inputs, single(steps, { type: 'linear', coef: [[1, 0, 0, 0]], intercept: [0] }, 'none'));
    const res = scorePipeline(p, [{}, { 'emp.var.rate': null }, { 'emp.var.rate': '' }, { 'emp.var.rate': NaN }, { 'emp.var.rate': ' 2.5 ' }]);
    const imputed = f32(f32(1.5 - 0.5) * 0.5);
    expect(res.labels).toEqual([imputed, imputed, imputed, imputed, f32(f32(2.5 - 0.5) * 0.5)]);
    expect(res.probabilities).toBeUndefined();
  });

  test('strict rows reject text in a numeric column with a stable code; lenient rows treat it as missing', () => {
    const p = pipe('regression', [], inputs, single(steps, { type: 'linear', coef: [[1, 0, 0, 0]], intercept: [0] }, 'none'));
    expect(() => scorePipeline(p, [{ 'emp.var.rate': 'abc' }], { strict: true })).toThrow(expect.objectContaining({ code: 'INPUT_BAD_NUMBER' }));
    expect(scorePipeline(p, [{ 'emp.var.rate': 'abc' }]).labels).toEqual(scorePipeline(p, [{}]).labels);
  });

  test('columnar input: a missing column or a column of the wrong length is an error with a code', () => {
    const p = pipe('regression', [], inputs, single(steps, { type: 'linear', coef: [[1, 0, 0, 0]], intercept: [0] }, 'none'));
    expect(() => scoreColumns(p, { 'emp.var.rate': Float32Array.of(1), job: ['a'] })).toThrow(expect.objectContaining({ code: 'INPUT_MISSING_COLUMN' }));
    expect(() => scoreColumns(p, { 'emp.var.rate': Float32Array.of(1), job: ['a', 'b'], month: ['x'] })).toThrow(
      expect.objectContaining({ code: 'INPUT_BAD_COLUMN' }),
    );
  });
});

describe('models', () => {
  const inputs: InputColumn[] = [
    { name: 'a', kind: 'numeric' },
    { name: 'b', kind: 'numeric' },
  ];
  const steps: FeatureStep[] = [
    { kind: 'numeric', column: 'a', impute: 0 },
    { kind: 'numeric', column: 'b', impute: 0 },
  ];

  test('linear binary: p(last class) = sigmoid(intercept + coef.x)', () => {
    const p = pipe('binary', ['no', 'yes'], inputs, single(steps, { type: 'linear', coef: [[0.5, -2]], intercept: [0.25] }, 'logistic'));
    const res = scorePipeline(p, [
      { a: 2, b: 0.5 },
      { a: -4, b: 1 },
    ]);
    const p1 = sigmoid(0.25 + 0.5 * 2 - 2 * 0.5);
    expect(res.probabilities![0][1]).toBeCloseTo(p1, 12);
    expect(res.probabilities![0][0]).toBeCloseTo(1 - p1, 12);
    expect(res.labels).toEqual(['yes', 'no']);
  });

  test('linear multiclass: softmax over one score per class', () => {
    const p = pipe(
      'multiclass',
      ['a', 'b', 'c'],
      inputs,
      single(
        steps,
        {
          type: 'linear',
          coef: [
            [1, 0],
            [0, 1],
            [0, 0],
          ],
          intercept: [0, 0, 1],
        },
        'softmax',
      ),
    );
    const [probs] = scorePipeline(p, [{ a: 1, b: 3 }]).probabilities!;
    const e = [Math.exp(1), Math.exp(3), Math.exp(1)];
    const sum = e[0] + e[1] + e[2];
    e.forEach((x, k) => expect(probs[k]).toBeCloseTo(x / sum, 12));
  });

  test('GBDT: base + sum of leaves; multiclass trees add to their treeClass only', () => {
    const model: Model = {
      type: 'trees',
      aggregate: 'sum',
      base: [0.1, -0.2, 0],
      trees: [stump(0, 1, [1], [2]), stump(1, 0, [10], [20]), leaf([0.5]), stump(0, 5, [3], [4])],
      treeClass: [0, 1, 2, 0],
    };
    const p = pipe('multiclass', ['x', 'y', 'z'], inputs, single(steps, model, 'softmax'));
    const c = compileScorer(p);
    const res = c.scoreRows([{ a: 1, b: 0.5 }]);
    // a = 1 <= 1 -> 1 (class 0), b = 0.5 > 0 -> 20 (class 1), 0.5 (class 2), a <= 5 -> 3 (class 0).
    const raw = [f32(f32(1 + 3) + f32(0.1)), f32(20 + f32(-0.2)), f32(0.5)];
    const mx = Math.max(...raw);
    const e = raw.map((r) => Math.exp(r - mx));
    const sum = e.reduce((s, x) => s + x, 0);
    res.probabilities![0].forEach((x, k) => expect(x).toBeCloseTo(e[k] / sum, 12));
    expect(res.labels).toEqual(['y']);
  });

  test('forest: average of leaf probabilities; binary leaves hold p(last class)', () => {
    const model: Model = { type: 'trees', aggregate: 'average', base: [0], trees: [stump(0, 0, [0.2], [0.9]), leaf([0.6])] };
    const p = pipe('binary', ['no', 'yes'], inputs, single(steps, model, 'none'));
    const res = scorePipeline(p, [{ a: -1 }, { a: 1 }]);
    expect(res.probabilities![0][1]).toBeCloseTo(0.4, 6);
    expect(res.probabilities![1][1]).toBeCloseTo(0.75, 6);
    expect(res.probabilities![1][0]).toBeCloseTo(0.25, 6);
    expect(res.labels).toEqual(['no', 'yes']);
  });

  test('ties go to the first class', () => {
    const model: Model = { type: 'trees', aggregate: 'average', base: [0, 0, 0], trees: [leaf([0.25, 0.375, 0.375])] };
    const p = pipe('multiclass', ['a', 'b', 'c'], inputs, single(steps, model, 'none'));
    expect(scorePipeline(p, [{}]).labels).toEqual(['b']);
  });

  test('ensemble: weighted average of member probabilities, weights normalized', () => {
    const m1 = single(steps, { type: 'trees', aggregate: 'average', base: [0], trees: [leaf([0.2])] }, 'none');
    const m2 = single(steps, { type: 'linear', coef: [[0, 0]], intercept: [0] }, 'logistic'); // p = 0.5
    const p = pipe('binary', ['no', 'yes'], inputs, {
      kind: 'ensemble',
      members: [
        { weight: 3, pipeline: m1 },
        { weight: 1, pipeline: m2 },
      ],
    });
    const [probs] = scorePipeline(p, [{}]).probabilities!;
    expect(probs[1]).toBeCloseTo((3 * f32(0.2) + 0.5) / 4, 12);
  });

  test('regression ensemble averages predictions', () => {
    const m1 = single(steps, { type: 'linear', coef: [[1, 0]], intercept: [10] }, 'none');
    const m2 = single(steps, { type: 'trees', aggregate: 'sum', base: [1], trees: [leaf([2])] }, 'none');
    const p = pipe('regression', [], inputs, {
      kind: 'ensemble',
      members: [
        { weight: 0.5, pipeline: m1 },
        { weight: 0.5, pipeline: m2 },
      ],
    });
    expect(scorePipeline(p, [{ a: 4 }]).labels[0]).toBeCloseTo((14 + 3) / 2, 10);
  });
});

describe('float32 thresholds', () => {
  // 92.89299999999999 (a bank `cons.price.idx` value) is not a float32: as float32 it is 92.89299774...,
  // so the float32 feature equals the float32 threshold, while the double value is above it.
  const x = 92.89299999999999;
  const inputs: InputColumn[] = [{ name: 'cons.price.idx', kind: 'numeric' }];
  const steps: FeatureStep[] = [{ kind: 'numeric', column: 'cons.price.idx', impute: 0 }];
  const p = pipe('regression', [], inputs, single(steps, { type: 'trees', aggregate: 'sum', base: [0], trees: [stump(0, f32(x), [1], [2])] }, 'none'));

  test('a value equal to the threshold in float32 goes left, though it is above it in float64', () => {
    expect(x > f32(x)).toBe(true);
    expect(scorePipeline(p, [{ 'cons.price.idx': x }, { 'cons.price.idx': String(x) }]).labels).toEqual([1, 1]);
  });

  test('the next float32 above the threshold goes right', () => {
    const above = new Float32Array(new Int32Array([new Int32Array(Float32Array.of(x).buffer)[0] + 1]).buffer)[0];
    expect(scorePipeline(p, [{ 'cons.price.idx': above }]).labels).toEqual([2]);
  });
});

describe('validation', () => {
  const inputs: InputColumn[] = [
    { name: 'a', kind: 'numeric' },
    { name: 'c', kind: 'categorical' },
  ];
  const steps: FeatureStep[] = [{ kind: 'numeric', column: 'a', impute: 0 }];
  const bad: [string, FittedPipeline][] = [
    [
      'a tree with a cycle',
      pipe(
        'regression',
        [],
        inputs,
        single(
          steps,
          { type: 'trees', aggregate: 'sum', base: [0], trees: [{ feature: [0, 0], threshold: [0, 0], left: [1, 0], right: [1, 0], value: [[], []] }] },
          'none',
        ),
      ),
    ],
    [
      'a split on a feature that does not exist',
      pipe('regression', [], inputs, single(steps, { type: 'trees', aggregate: 'sum', base: [0], trees: [stump(3, 0, [1], [2])] }, 'none')),
    ],
    [
      'a step on an unknown column',
      pipe('regression', [], inputs, single([{ kind: 'numeric', column: 'zz', impute: 0 }], { type: 'linear', coef: [[1]], intercept: [0] }, 'none')),
    ],
    [
      'a numeric step on a categorical column',
      pipe('regression', [], inputs, single([{ kind: 'numeric', column: 'c', impute: 0 }], { type: 'linear', coef: [[1]], intercept: [0] }, 'none')),
    ],
    ['coefficients that do not match the features', pipe('regression', [], inputs, single(steps, { type: 'linear', coef: [[1, 2]], intercept: [0] }, 'none'))],
    [
      'softmax with fewer outputs than classes',
      pipe('multiclass', ['a', 'b', 'c'], inputs, single(steps, { type: 'linear', coef: [[1], [1]], intercept: [0, 0] }, 'softmax')),
    ],
    ['a binary task with one class', pipe('binary', ['a'], inputs, single(steps, { type: 'linear', coef: [[1]], intercept: [0] }, 'logistic'))],
    [
      'an ensemble whose weights sum to 0',
      pipe('regression', [], inputs, {
        kind: 'ensemble',
        members: [{ weight: 0, pipeline: single(steps, { type: 'linear', coef: [[1]], intercept: [0] }, 'none') }],
      }),
    ],
    ['a non-finite coefficient', pipe('regression', [], inputs, single(steps, { type: 'linear', coef: [[NaN]], intercept: [0] }, 'none'))],
  ];
  test.each(bad)('rejects %s with PIPELINE_INVALID', (_, p) => {
    expect(() => validatePipeline(p)).toThrow(FittedPipelineError);
    expect(() => scorePipeline(p, [{ a: 1 }])).toThrow(expect.objectContaining({ code: 'PIPELINE_INVALID' }));
  });
});
