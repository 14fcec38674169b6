/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// adaptToContract on real models: trained by the engine, exported, rewritten to Azure AutoML's ONNX
// conventions by the emulator's converter, adapted back; onnxruntime gives the original's answers.
import * as ort from 'onnxruntime-node';
import { onnx } from 'onnx-proto';
import { runAutoML, tableFromRecords } from '../../src/automl';
import { exportOnnx } from '../../src/automl/onnx';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { adaptToContract } from '../../src/contract/adapt';
import { inputSchemaFromOnnx } from '../../src/contract/schema';
import { toAzureConventions } from '../../emulators/azureml/automl/azureOnnx';
import { rng } from '../support/pipelines';

type Rec = Record<string, string | number | null>;

/** Rows with an integer column (age), a real one (x), a category, and a target made by `label`. */
function rows(n: number, seed: number, label: (age: number, x: number, color: string) => string | number): Rec[] {
  const rand = rng(seed);
  return Array.from({ length: n }, (_, i) => {
    const age = 18 + Math.floor(rand() * 60);
    const x = Number((rand() * 4 - 2).toFixed(4));
    const color = ['red', 'green', 'blue'][Math.floor(rand() * 3)];
    const noisy = rand() < 0.1;
    return { age, x: i % 13 === 0 ? null : x, color, y: noisy ? label(30, -x, color) : label(age, x, color) };
  });
}

async function train(data: Rec[], task?: 'regression'): Promise<FittedPipeline> {
  const r = await runAutoML(await tableFromRecords(data), { target: 'y', task, maxTrials: 2, workers: 0, seed: 5, budgetSeconds: 600 });
  return r.pipeline;
}

/** Contract feeds for rows (numerics float32 with NaN for missing, categoricals strings). */
function feeds(p: FittedPipeline, data: Rec[]): Record<string, ort.Tensor> {
  const out: Record<string, ort.Tensor> = {};
  for (const c of p.inputs) {
    if (c.kind === 'numeric')
      out[c.name] = new ort.Tensor(
        'float32',
        Float32Array.from(data, (r) => (r[c.name] === null ? NaN : Number(r[c.name]))),
        [data.length, 1],
      );
    else
      out[c.name] = new ort.Tensor(
        'string',
        data.map((r) => String(r[c.name] ?? '')),
        [data.length, 1],
      );
  }
  return out;
}

async function run(bytes: Uint8Array, f: Record<string, ort.Tensor>, fetches?: string[]): Promise<Record<string, ort.Tensor>> {
  const s = await ort.InferenceSession.create(bytes);
  try {
    return (await s.run(f, fetches ?? s.outputNames)) as Record<string, ort.Tensor>;
  } finally {
    await s.release();
  }
}

function expectSameOutputs(a: Record<string, ort.Tensor>, b: Record<string, ort.Tensor>): void {
  expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
  expect(Array.from(b.label.data as ArrayLike<unknown>)).toEqual(Array.from(a.label.data as ArrayLike<unknown>));
  if (a.probabilities) {
    expect(b.probabilities.dims).toEqual(a.probabilities.dims);
    const pa = a.probabilities.data as Float32Array;
    const pb = b.probabilities.data as Float32Array;
    for (let i = 0; i < pa.length; i++) expect(Math.abs(pa[i] - pb[i])).toBeLessThan(1e-6);
  }
}

describe('adaptToContract: Azure AutoML ONNX conventions -> endpoint contract', () => {
  const held = (seed: number, label: Parameters<typeof rows>[2]) => rows(300, seed, label);
  const binLabel = (age: number, x: number, color: string) => (x * (age - 45) + (color === 'red' ? 10 : -5) > 0 ? 'yes' : 'no');
  const multiLabel = (age: number, x: number) => (age < 35 ? 1 : x > 0 ? 2 : 3);
  let binary: FittedPipeline;
  let multi: FittedPipeline;
  let reg: FittedPipeline;
  beforeAll(async () => {
    binary = await train(rows(400, 1, binLabel));
    multi = await train(rows(400, 2, multiLabel));
    reg = await train(
      rows(400, 3, (age, x) => Number((age * 0.5 + 3 * x).toFixed(3))),
      'regression',
    );
  }, 120_000);

  test('binary, string classes, int64 age: ZipMap dropped, label kept, age fed as float; ORT answers as the original', async () => {
    const original = exportOnnx(binary);
    const azure = toAzureConventions(original, { intColumns: ['age'] });
    const test = held(11, binLabel);
    // The converted model is a real Azure-style model: int64 age input, output_label, a ZipMap.
    const info = onnx.ModelProto.decode(azure);
    expect(info.graph!.input.find((v) => v.name === 'age')!.type!.tensorType!.elemType).toBe(onnx.TensorProto.DataType.INT64);
    expect(info.graph!.output.map((o) => o.name)).toEqual(['output_label', 'output_probability']);
    expect(info.graph!.node.some((n) => n.opType === 'ZipMap')).toBe(true);
    const azureFeeds = feeds(binary, test);
    azureFeeds.age = new ort.Tensor(
      'int64',
      BigInt64Array.from(test, (r) => BigInt(r.age as number)),
      [test.length, 1],
    );
    const azureOut = await run(azure, azureFeeds, ['output_label']);
    const want = await run(original, feeds(binary, test));
    expect(Array.from(azureOut.output_label.data as string[])).toEqual(Array.from(want.label.data as string[]));

    const { bytes, changes } = adaptToContract(azure, { target: 'y' });
    expect(changes.join('\n')).toMatch(/input 'age': int64 -> float/);
    expect(changes.join('\n')).toMatch(/ZipMap dropped/);
    const schema = inputSchemaFromOnnx(bytes);
    expect(schema).toMatchObject({ task: 'classification', classes: binary.classes, hasProbabilities: true, target: 'y' });
    expect(schema.fields.map((f) => [f.name, f.tensorType])).toEqual(binary.inputs.map((c) => [c.name, c.kind === 'numeric' ? 'float' : 'string']));
    expectSameOutputs(want, await run(bytes, feeds(binary, test)));
  });

  test('multiclass with integer classes (classlabels_int64s, int64 label) and with a class-index label', async () => {
    const original = exportOnnx(multi);
    expect(multi.classes).toEqual(['1', '2', '3']);
    const test = held(12, multiLabel);
    const want = await run(original, feeds(multi, test));
    for (const labelAsIndex of [false, true]) {
      const azure = toAzureConventions(original, { intColumns: ['age'], labelAsIndex });
      const zip = onnx.ModelProto.decode(azure).graph!.node.find((n) => n.opType === 'ZipMap')!;
      expect(zip.attribute[0].name).toBe(labelAsIndex ? 'classlabels_strings' : 'classlabels_int64s');
      const { bytes, changes } = adaptToContract(azure);
      expect(changes.join('\n')).toMatch(labelAsIndex ? /class index\) looked up/ : /int64 class\) cast to string/);
      expect(inputSchemaFromOnnx(bytes).classes).toEqual(['1', '2', '3']);
      expectSameOutputs(want, await run(bytes, feeds(multi, test)));
    }
  });

  test('regression: output variable [N,1] -> label float [N]', async () => {
    const original = exportOnnx(reg);
    const azure = toAzureConventions(original, { intColumns: ['age'] });
    expect(onnx.ModelProto.decode(azure).graph!.output.map((o) => o.name)).toEqual(['variable']);
    const { bytes } = adaptToContract(azure);
    expect(inputSchemaFromOnnx(bytes)).toMatchObject({ task: 'regression', classes: [], hasProbabilities: false });
    const test = held(13, (age, x) => age + x);
    const want = await run(original, feeds(reg, test));
    const got = await run(bytes, feeds(reg, test));
    expect(got.label.dims).toEqual(want.label.dims);
    const a = want.label.data as Float32Array;
    const b = got.label.data as Float32Array;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-6);
  });

  test('a model already in the contract comes back unchanged', () => {
    const original = exportOnnx(binary);
    const res = adaptToContract(original);
    expect(res.changes).toEqual([]);
    expect(res.bytes).toBe(original);
  });

  test('models that cannot be adapted are refused with MODEL_NOT_ADAPTABLE and the reason', () => {
    const refused = (bytes: Uint8Array, why: RegExp) => {
      let err: unknown;
      try {
        adaptToContract(bytes);
      } catch (e) {
        err = e;
      }
      expect(err).toMatchObject({ code: 'MODEL_NOT_ADAPTABLE', status: 422 });
      expect((err as Error).message).toMatch(why);
    };
    refused(Buffer.from('not a model at all, just text'), /not a readable ONNX file|no graph/);
    // A bool input: no column type maps to it.
    const m = onnx.ModelProto.decode(toAzureConventions(exportOnnx(binary)));
    const withBool = onnx.ModelProto.create({
      ...m,
      graph: {
        ...m.graph,
        input: [
          ...m.graph!.input,
          { name: 'flag', type: { tensorType: { elemType: onnx.TensorProto.DataType.BOOL, shape: { dim: [{ dimParam: 'N' }, { dimValue: 1 }] } } } },
        ],
      },
    });
    refused(onnx.ModelProto.encode(withBool).finish(), /input 'flag' has ONNX element type 9/);
    // A ZipMap without class labels: the class order is unknown.
    const noLabels = onnx.ModelProto.decode(toAzureConventions(exportOnnx(binary)));
    noLabels.graph!.node.find((n) => n.opType === 'ZipMap')!.attribute = [];
    refused(onnx.ModelProto.encode(noLabels).finish(), /ZipMap node .* has no class labels/);
    // Two float outputs and nothing that names a label.
    const twoOut = onnx.ModelProto.decode(exportOnnx(reg));
    twoOut.graph!.output = [
      ...twoOut.graph!.output.map((o) => onnx.ValueInfoProto.create({ ...o, name: 'a' })),
      onnx.ValueInfoProto.create({ ...twoOut.graph!.output[0], name: 'b' }),
    ];
    refused(onnx.ModelProto.encode(twoOut).finish(), /no label output/);
  });
});
