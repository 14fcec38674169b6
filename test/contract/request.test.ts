// Request validation and the input schema: the three shapes into one columnar batch, missing-value
// conventions, every problem reported with its row and field, limits; schema derivation from ONNX.
import { exportOnnx } from '../../src/automl/onnx';
import { ScoringError } from '../../src/contract/errors';
import { parseScoreBody, validateScoreRequest } from '../../src/contract/request';
import { inputSchemaFromOnnx, InputSchema, parseInputSchema, readOnnxModelInfo } from '../../src/contract/schema';
import { randomPipeline } from '../support/pipelines';
import { BINARY_SPEC, buildTestModel } from '../deploy/fixtures/model';
import { onnx } from 'onnx-proto';

const schema: InputSchema = inputSchemaFromOnnx(buildTestModel(BINARY_SPEC));

function problemOf(fn: () => unknown): ScoringError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ScoringError) return err;
    throw err;
  }
  throw new Error('expected a ScoringError');
}

describe('input schema from the ONNX model', () => {
  test('inputs become fields by element type; classes and target come from metadata', () => {
    expect(schema.fields.map((f) => [f.name, f.kind, f.tensorType])).toEqual([
      ['age', 'numeric', 'float'],
      ['job', 'categorical', 'string'],
      ['duration', 'numeric', 'float'],
    ]);
    expect(schema).toMatchObject({ task: 'classification', classes: ['no', 'yes'], target: 'y', hasProbabilities: true });
  });

  test('an exported regression pipeline has no probabilities; hints never add fields', () => {
    const { pipeline } = randomPipeline({ task: 'regression', model: 'linear', seed: 3 });
    const s = inputSchemaFromOnnx(exportOnnx(pipeline), { fields: { nothere: { example: 1 } } });
    expect(s).toMatchObject({ task: 'regression', classes: [], hasProbabilities: false });
    expect(s.fields.map((f) => f.name)).toEqual(pipeline.inputs.map((c) => c.name));
    const e = problemOf(() => validateScoreRequest({ Inputs: { data: [{}] }, GlobalParameters: { method: 'predict_proba' } }, s));
    expect([e.status, e.code]).toEqual([400, 'METHOD_UNSUPPORTED']);
  });

  test('unreadable models and unsupported input types are refused with codes', () => {
    expect(problemOf(() => inputSchemaFromOnnx(Buffer.from('not a model at all')))).toMatchObject({ code: 'INVALID_MODEL' });
    const m = onnx.ModelProto.decode(buildTestModel(BINARY_SPEC));
    m.graph!.input![0].type!.tensorType!.elemType = onnx.TensorProto.DataType.INT64;
    expect(problemOf(() => inputSchemaFromOnnx(onnx.ModelProto.encode(m).finish()))).toMatchObject({ code: 'UNSUPPORTED_MODEL_INPUT' });
    const info = readOnnxModelInfo(buildTestModel(BINARY_SPEC));
    expect(info.irVersion).toBe(8);
    expect(info.opsets).toEqual({ 'ai.onnx': 17, 'ai.onnx.ml': 3 });
  });

  test('a stored schema reads back; a corrupt one is refused', () => {
    expect(parseInputSchema(JSON.stringify(schema))).toEqual(schema);
    expect(problemOf(() => parseInputSchema({ fields: [{ name: 'a', kind: 'weird' }], classes: [] }))).toMatchObject({ code: 'INVALID_SCHEMA' });
  });
});

describe('validateScoreRequest', () => {
  test('rows become typed columns: null/"" are missing (NaN, ""), numeric strings are numbers, other scalars are categories', () => {
    const b = validateScoreRequest(
      {
        data: [
          { age: 30, job: 'admin', duration: '120' },
          { age: null, job: null, duration: '' },
          { age: '  41 ', job: 7, duration: 0 },
          { age: -1.5, job: true, duration: 1e6 },
        ],
      },
      schema,
    );
    expect(b).toMatchObject({ shape: 'data', method: 'predict', rowCount: 4 });
    expect(Array.from(b.columns.age as Float64Array)).toEqual([30, NaN, 41, -1.5]);
    expect(Array.from(b.columns.duration as Float64Array)).toEqual([120, NaN, 0, 1e6]);
    expect(b.columns.job).toEqual(['admin', '', '7', 'true']);
  });

  test('the MLflow shape maps columns by name, whatever their order', () => {
    const b = validateScoreRequest(
      {
        input_data: {
          columns: ['job', 'duration', 'age', 'y'],
          data: [
            ['a', 1, 2, 'no'],
            ['b', 3, 4, 'yes'],
          ],
        },
      },
      schema,
    );
    expect(b.shape).toBe('input_data');
    expect(Array.from(b.columns.age as Float64Array)).toEqual([2, 4]);
    expect(b.columns.job).toEqual(['a', 'b']);
  });

  test('v2 reads the method; predict is the default', () => {
    const row = { age: 1, job: 'a', duration: 2 };
    expect(validateScoreRequest({ Inputs: { data: [row] } }, schema).method).toBe('predict');
    expect(validateScoreRequest({ Inputs: { data: [row] }, GlobalParameters: { method: 'predict_proba' } }, schema)).toMatchObject({
      shape: 'inputs',
      method: 'predict_proba',
    });
  });

  test('each problem is reported once with its row; the field list has no duplicates', () => {
    const e = problemOf(() =>
      validateScoreRequest(
        {
          data: [
            { age: [1], job: 'a', duration: 1 },
            { age: 1, job: { a: 1 }, duration: 'soon' },
            { age: 1, job: 'a', duration: 1, extra: 0, y: 'no' },
            { job: 'a', duration: 1 },
          ],
        },
        schema,
      ),
    );
    expect(e.status).toBe(400);
    expect(e.fields).toEqual(['age', 'job', 'duration', 'extra']);
    expect(e.details).toEqual([
      { row: 0, field: 'age', problem: 'mistyped', expected: 'number or null', got: 'array' },
      { row: 1, field: 'job', problem: 'mistyped', expected: 'string or null', got: 'object' },
      { row: 1, field: 'duration', problem: 'mistyped', expected: 'number or null', got: 'string' },
      { row: 2, field: 'extra', problem: 'unknown' },
      { row: 3, field: 'age', problem: 'missing', expected: 'numeric' },
    ]);
  });

  test('a huge bad batch reports at most 100 problems', () => {
    const e = problemOf(() => validateScoreRequest({ data: Array(500).fill({}) }, schema));
    expect(e.details).toHaveLength(100);
    expect(e.message).toMatch(/^100\+ problem/);
  });

  test('row limits: too many rows -> 413; none -> 400', () => {
    const row = { age: 1, job: 'a', duration: 2 };
    expect(problemOf(() => validateScoreRequest({ data: Array(11).fill(row) }, schema, { maxRows: 10 }))).toMatchObject({ status: 413, code: 'TOO_MANY_ROWS' });
    expect(validateScoreRequest({ data: Array(10).fill(row) }, schema, { maxRows: 10 }).rowCount).toBe(10);
    expect(problemOf(() => validateScoreRequest({ Inputs: { data: [] } }, schema))).toMatchObject({ status: 400, code: 'EMPTY_BATCH' });
  });

  test('parseScoreBody turns bad JSON and non-objects into 400s with codes', () => {
    expect(problemOf(() => parseScoreBody('{', schema)).code).toBe('INVALID_JSON');
    expect(problemOf(() => parseScoreBody('   ', schema)).code).toBe('EMPTY_BODY');
    expect(problemOf(() => parseScoreBody('null', schema)).code).toBe('INVALID_BODY');
    expect(problemOf(() => parseScoreBody('{"input_data": {"columns": ["age","age"], "data": []}}', schema)).code).toBe('INVALID_BODY');
    expect(problemOf(() => parseScoreBody('{"input_data": {"columns": ["age"], "index": [1,2], "data": [[1]]}}', schema)).code).toBe('INVALID_BODY');
  });

  test('non-finite numbers are refused: 1e999 (JSON.parse gives Infinity) like the string "Infinity"', () => {
    const err = problemOf(() => parseScoreBody('{"data": [{"age": 1e999, "job": "a", "duration": 2}]}', schema));
    expect(err).toMatchObject({ status: 400, code: 'INVALID_FIELDS' });
    expect(err.details).toEqual([expect.objectContaining({ row: 0, field: 'age', problem: 'mistyped' })]);
    expect(problemOf(() => parseScoreBody('{"data": [{"age": "Infinity", "job": "a", "duration": 2}]}', schema)).code).toBe('INVALID_FIELDS');
    expect(problemOf(() => parseScoreBody('{"data": [{"age": -1e400, "job": "a", "duration": 2}]}', schema)).code).toBe('INVALID_FIELDS');
  });
});
