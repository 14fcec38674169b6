/**
 * @jest-environment ./test/automl/onnx/ortEnvironment.js
 */
// The pipeline's activities against in-memory fakes of their ports (test/pipeline/fakes.ts): what each
// step records, what it hands on, and how it fails. The end-to-end test runs them for real.
import { bankLikeBinaryPipeline, bankLikeRows, BANK_COLUMNS } from '../support/pipelines';
import type { FittedPipeline } from '../../src/automl/pipeline';
import { scoreColumns } from '../../src/automl/score';
import { parseNumber } from '../../src/automl/table';
import * as A from '../../src/pipeline/activities';
import { csvLine } from '../../src/pipeline/split';
import type { PrepareOutput } from '../../src/pipeline/types';
import { Fakes, FIGURES, runInput } from './fakes';

const GOOD = bankLikeBinaryPipeline({ trees: 30, seed: 3 });
const OTHER = bankLikeBinaryPipeline({ trees: 30, seed: 11 });

/** Rows labelled by GOOD's own scores, so GOOD ranks them perfectly and OTHER does not. */
function labelledCsv(n: number, seed: number): string {
  const rows = bankLikeRows(n, seed);
  const table: Record<string, Float32Array | string[]> = {};
  for (const input of GOOD.inputs) {
    const cells = rows.map((r) =>
      r[input.name] === undefined || (typeof r[input.name] === 'number' && Number.isNaN(r[input.name])) ? '' : String(r[input.name]),
    );
    table[input.name] = input.kind === 'numeric' ? Float32Array.from(cells, (c) => parseNumber(c)) : cells;
  }
  const p = scoreColumns(GOOD, table).probabilities!;
  const yes = Array.from({ length: n }, (_, i) => p[i * 2 + 1]);
  const median = [...yes].sort((a, b) => a - b)[Math.floor(n / 2)];
  let out = csvLine([...BANK_COLUMNS, 'y']);
  rows.forEach((r, i) => {
    out += csvLine([
      ...BANK_COLUMNS.map((c) => (r[c] === undefined || (typeof r[c] === 'number' && Number.isNaN(r[c])) ? '' : String(r[c]))),
      yes[i] > median ? 'yes' : 'no',
    ]);
  });
  return out;
}

const CSV = labelledCsv(400, 7);
const CSV2 = labelledCsv(400, 8);
const classCounts = (csv: string) => {
  const counts: Record<string, number> = {};
  for (const line of csv.trim().split('\n').slice(1)) {
    const y = line.slice(line.lastIndexOf(',') + 1);
    counts[y] = (counts[y] ?? 0) + 1;
  }
  return counts;
};

/** Runs a whole successful pipeline for `input` with the given best pipeline; returns the decision. */
async function runThrough(f: Fakes, input = runInput(), best: FittedPipeline = GOOD, job: { onnxOnly?: boolean } = {}) {
  const deps = f.deps();
  const prep = await A.prepareData(deps, input);
  const { jobId } = await A.submitAutoML(deps, { input, prep, attempt: 0 });
  f.finishJob(jobId, best, 0.9, job);
  const model = await A.registerModel(deps, { input, prep, jobId });
  const deployment = await A.deployModel(deps, { input, model });
  const benchmark = await A.benchmarkDeployment(deps, { input, prep, model, deployment });
  const decision = await A.decidePromotion(deps, { input, prep, model, deployment, benchmark });
  return { prep, jobId, model, deployment, benchmark, decision };
}

function fakes(): Fakes {
  const f = new Fakes();
  f.addDataset({ name: 'bank', version: 1, classCounts: classCounts(CSV) }, CSV);
  f.addDataset({ name: 'bank', version: 2, classCounts: classCounts(CSV2) }, CSV2);
  f.addDataset({ name: 'churn', version: 1, classCounts: classCounts(CSV) }, CSV);
  return f;
}

describe('prepareData', () => {
  test('writes a stratified split of the snapshot and records it with the run', async () => {
    const f = fakes();
    const prep = await A.prepareData(f.deps(), runInput());
    expect(prep).toMatchObject({ target: 'y', datasetSha256: 'abc', trainBlob: 'runs/train-bank-v1/train.csv', train: 300, test: 100 });
    const split = f.splits.get('train-bank-v1')!;
    expect(split.test.trim().split('\n')).toHaveLength(101); // header + rows
    expect(f.runs.get('train-bank-v1')!.split).toMatchObject({ train: 300, test: 100 });
  });

  test('a failing split ends the activity promptly with SPLIT_FAILED (it used to hang)', async () => {
    const f = fakes();
    f.failSplitAfter = 10;
    await expect(A.prepareData(f.deps(), runInput())).rejects.toThrow(/^SPLIT_FAILED: .*disk full/);
  });

  test('an unknown or rejected dataset version is a coded error', async () => {
    const f = fakes();
    f.addDataset({ name: 'bad', version: 1, status: 'rejected' }, CSV);
    await expect(A.prepareData(f.deps(), runInput({ dataset: 'nope' }))).rejects.toThrow(/^DATASET_NOT_FOUND/);
    await expect(A.prepareData(f.deps(), runInput({ runId: 'train-bad-v1', dataset: 'bad' }))).rejects.toThrow(/^DATASET_REJECTED/);
    await expect(A.prepareData(f.deps(), runInput({ runId: '../x' }))).rejects.toThrow(/^INVALID_RUN_ID/);
  });
});

describe('AutoML steps', () => {
  test('submit hands the provider the run split and options; poll records progress', async () => {
    const f = fakes();
    const deps = f.deps();
    const input = runInput();
    const prep = await A.prepareData(deps, input);
    const { jobId } = await A.submitAutoML(deps, { input, prep, attempt: 0 });
    expect(f.jobs.get(jobId)!.spec).toEqual({
      runId: input.runId,
      attempt: 0,
      trainBlob: prep.trainBlob,
      target: 'y',
      options: input.automl,
      dataset: { name: 'bank', version: 1, sha256: 'abc' },
    });
    const st = await A.pollAutoML(deps, { runId: input.runId, jobId });
    expect(st.state).toBe('running');
    expect(f.runs.get(input.runId)!.automl).toMatchObject({ trials: 1 });
    expect(f.runs.get(input.runId)!.phase).toBe('automl');
  });

  test("register stores the job outputs with lineage (the provider's included) and records the CV metrics without curves", async () => {
    const f = fakes();
    const deps = f.deps();
    const input = runInput();
    const prep = await A.prepareData(deps, input);
    const { jobId } = await A.submitAutoML(deps, { input, prep, attempt: 0 });
    f.finishJob(jobId, GOOD, 0.93);
    const ref = await A.registerModel(deps, { input, prep, jobId });
    expect(ref).toEqual({ name: 'bank', version: 1, primaryMetric: 'AUC_weighted', cvScore: 0.93 });
    const stored = f.models.get('bank/1')!;
    const lineage = JSON.parse(String(stored.artifacts['lineage.json']));
    expect(lineage).toMatchObject({
      dataset: 'bank',
      datasetVersion: 1,
      runId: input.runId,
      automlJob: jobId,
      provider: 'fake',
      azuremlJob: 'job-123',
      trainRows: 300,
      heldOutRows: 100,
    });
    expect(f.runs.get(input.runId)!.metrics).toEqual({
      primaryMetric: 'AUC_weighted',
      primaryScore: 0.93,
      cv: { AUC_weighted: 0.93 },
      featureImportanceTop: [],
    });
    // Replayed after a crash: the same version, not a second one.
    expect(await A.registerModel(deps, { input, prep, jobId })).toMatchObject({ version: 1 });
    expect(f.events.map((e) => e.type)).toContain('Mlops.ModelRegistered');
  });
});

describe('benchmark and decision', () => {
  test('a first model is benchmarked directly and through its own model route, then promoted', async () => {
    const f = fakes();
    const r = await runThrough(f);
    expect(f.loads.map((l) => l.url)).toEqual(['http://127.0.0.1:1/bank-v1/score', 'http://127.0.0.1:7071/api/models/bank/score']);
    expect(f.loads[0].headers.authorization).toBe('Bearer key-of-bank-v1');
    expect(f.loads[1].headers['azureml-model-deployment']).toBe('bank-v1');
    expect(f.reports.get('bank/1/benchmark.txt')).toContain('ab report for');
    expect(JSON.parse(f.reports.get('bank/1/benchmark.json')!).direct).toEqual(FIGURES);
    expect(r.decision).toMatchObject({ promoted: true, challenger: { model: 'bank', version: 1 } });
    expect(r.decision.reason).toMatch(/no champion/);
    expect(f.deployments.get('bank-v1')!.champion).toBe(true);
    expect(f.models.get('bank/1')!.status).toBe('champion');
    expect(f.locks).toEqual(['bank']);
    expect(f.runs.get('train-bank-v1')!.phase).toBe('completed');
  });

  test('a model without pipeline.json (trained by Azure AutoML) is scored on the held-out rows through its ONNX model', async () => {
    // The same model both ways: the ONNX path gives the pipeline path's score.
    const viaPipeline = await runThrough(fakes());
    const f = fakes();
    const r = await runThrough(f, runInput(), GOOD, { onnxOnly: true });
    expect(f.models.get('bank/1')!.artifacts['pipeline.json']).toBeUndefined();
    expect(r.decision).toMatchObject({ promoted: true, challenger: { model: 'bank', version: 1, evaluatedBy: 'onnx' } });
    expect(viaPipeline.decision.challenger.evaluatedBy).toBe('pipeline');
    expect(Math.abs(r.decision.challenger.testScore - viaPipeline.decision.challenger.testScore)).toBeLessThan(1e-6);
    expect(f.models.get('bank/1')!.testScore).toBe(r.decision.challenger.testScore);
    // The champion is scored the same way (it has no pipeline.json either); a worse challenger loses.
    const worse = await runThrough(f, runInput({ runId: 'train-bank-v2', datasetVersion: 2 }), OTHER, { onnxOnly: true });
    expect(worse.decision).toMatchObject({ promoted: false, champion: { version: 1, evaluatedBy: 'onnx' }, challenger: { evaluatedBy: 'onnx' } });
    expect(worse.decision.challenger.testScore).toBeLessThan(worse.decision.champion!.testScore);
  });

  test('a worse challenger is rejected and retired; the champion stays', async () => {
    const f = fakes();
    await runThrough(f);
    const r = await runThrough(f, runInput({ runId: 'train-bank-v2', datasetVersion: 2 }), OTHER);
    expect(r.decision.promoted).toBe(false);
    expect(r.decision.champion).toMatchObject({ model: 'bank', version: 1, deployment: 'bank-v1' });
    expect(r.decision.challenger.testScore).toBeLessThan(r.decision.champion!.testScore);
    expect(f.deployments.get('bank-v2')!.status).toBe('retired');
    expect(f.deployments.get('bank-v1')!.champion).toBe(true);
    expect(f.models.get('bank/2')!.status).toBe('rejected');
  });

  test("a better challenger replaces its own lineage's champion only; another dataset is served beside it", async () => {
    const f = fakes();
    await runThrough(f, runInput(), OTHER);
    const churn = await runThrough(f, runInput({ runId: 'train-churn-v1', dataset: 'churn' }), OTHER);
    expect(churn.decision).toMatchObject({ promoted: true });
    const r = await runThrough(f, runInput({ runId: 'train-bank-v2', datasetVersion: 2 }), GOOD);
    expect(r.decision).toMatchObject({ promoted: true, champion: { model: 'bank', version: 1 } });
    expect(f.deployments.get('bank-v1')!.status).toBe('retired');
    expect(f.deployments.get('churn-v1')!.champion).toBe(true);
    expect(f.models.get('bank/1')!.status).toBe('retired');
    // The retired champion keeps the held-out score of its own run, not its score on the challenger's rows.
    expect(f.models.get('bank/1')!.testScore).not.toBe(r.decision.champion!.testScore);
    expect(f.locks).toEqual(['bank', 'churn', 'bank']);
  });

  test('an SLO miss keeps the champion; past the served-models limit a new lineage is refused with a code', async () => {
    const f = fakes();
    f.figures = { ...FIGURES, p95Ms: 500 };
    const slow = await runThrough(f);
    expect(slow.decision.promoted).toBe(false);
    expect(slow.decision.reason).toMatch(/SLO|p95/);
    f.figures = FIGURES;
    f.maxServed = 1;
    await runThrough(f, runInput({ runId: 'train-bank-v2', datasetVersion: 2 }));
    const churn = await runThrough(f, runInput({ runId: 'train-churn-v1', dataset: 'churn' }));
    expect(churn.decision.promoted).toBe(false);
    expect(churn.decision.reason).toMatch(/^SERVED_MODELS_LIMIT/);
    expect(f.deployments.get('churn-v1')!.status).toBe('retired');
  });

  test('where the target has a canary stage, a better challenger meets it before promotion; a failed canary keeps the champion', async () => {
    const f = fakes();
    await runThrough(f, runInput(), OTHER);
    f.canaryVerdict = { passed: false, reason: '20% traffic for 5 s: challenger error rate 0.3 > champion 0 + 0.01' };
    const r = await runThrough(f, runInput({ runId: 'train-bank-v2', datasetVersion: 2 }), GOOD);
    expect(f.canaries).toEqual(['bank/bank-v2']);
    expect(r.decision).toMatchObject({ promoted: false, canary: { passed: false } });
    expect(r.decision.reason).toMatch(/^CANARY_FAILED: 20% traffic/);
    expect(f.deployments.get('bank-v1')!.champion).toBe(true);
    expect(f.deployments.get('bank-v2')!.status).toBe('retired');
  });

  test('a decision recorded before a crash is carried out as recorded, not decided again', async () => {
    const f = fakes();
    const deps = f.deps();
    const input = runInput();
    const prep: PrepareOutput = await A.prepareData(deps, input);
    const { jobId } = await A.submitAutoML(deps, { input, prep, attempt: 0 });
    f.finishJob(jobId, GOOD);
    const model = await A.registerModel(deps, { input, prep, jobId });
    const deployment = await A.deployModel(deps, { input, model });
    const benchmark = { direct: FIGURES };
    // A previous attempt recorded "rejected" and crashed before carrying it out.
    const recorded = {
      promoted: false,
      reason: 'recorded before the crash',
      challenger: { model: 'bank', version: 1, testScore: 0.5 },
      metric: 'AUC_weighted',
      tolerance: 0.002,
      sloP95Ms: 50,
      p95Ms: 4,
    };
    await deps.runs.update(input.runId, { decision: recorded });
    const d = await A.decidePromotion(deps, { input, prep, model, deployment, benchmark });
    expect(d).toEqual(recorded);
    expect(f.deployments.get('bank-v1')!.status).toBe('retired');
    expect(f.runs.get(input.runId)!.decision).toMatchObject({ applied: true });
  });
});

describe('failRun', () => {
  test("stops the AutoML job, retires the run's deployment (never a champion) and records the coded error", async () => {
    const f = fakes();
    const champion = await runThrough(f);
    const deps = f.deps();
    const input = runInput({ runId: 'train-bank-v2', datasetVersion: 2 });
    const prep = await A.prepareData(deps, input);
    const { jobId } = await A.submitAutoML(deps, { input, prep, attempt: 0 });
    f.finishJob(jobId, GOOD);
    const model = await A.registerModel(deps, { input, prep, jobId });
    await A.deployModel(deps, { input, model });
    await A.failRun(deps, { input, model, jobId, error: 'BENCHMARK_FAILED: the endpoint did not answer' });
    expect(f.jobs.get(jobId)!.canceled).toBe(true);
    expect(f.deployments.get('bank-v2')!.status).toBe('retired');
    expect(f.deployments.get(champion.deployment.name)!.champion).toBe(true);
    expect(f.runs.get(input.runId)!).toMatchObject({ phase: 'failed', error: { code: 'BENCHMARK_FAILED' } });
    // The champion's own run failing late (a replay) never retires the champion.
    await A.failRun(deps, { input: runInput(), model: champion.model, error: 'boom' });
    expect(f.deployments.get('bank-v1')!).toMatchObject({ champion: true, status: 'running' });
    expect(f.runs.get('train-bank-v1')!.error).toEqual({ code: 'RUN_FAILED', message: 'boom' });
  });
});
