/**
 * The training orchestration's control flow, driven by the durable-functions SDK's own executor on
 * histories the engine's replayer builds (no storage, activities answered by the test): the happy path,
 * and an operator's cancel at each kind of step (orchestrator.ts CANCEL_EVENT).
 */
import { EventType } from '../../src/host/durable/history';
import { Activities, CANCEL_EVENT, trainDeployBenchmark } from '../../src/pipeline/orchestrator';
import { simulate } from '../host/durable/support/simulate';

const input = {
  runId: 'train-bank-v1',
  dataset: 'bank',
  datasetVersion: 1,
  trigger: 'upload',
  automl: { budgetSeconds: 30 },
  settings: { pollSeconds: 2, maxAutoMLResubmits: 1 },
};

/** Fake activities that record their calls; `polls` polls before the job completes. */
function activities(polls = 3) {
  const calls: { name: string; input: any }[] = [];
  let polled = 0;
  const model = { name: 'bank', version: 1, primaryMetric: 'AUC_weighted' };
  const deployment = { name: 'bank-v1', scoringUri: 'http://127.0.0.1:1/score' };
  const record =
    (name: string, f: (i: any) => unknown) =>
    (i: any): unknown => {
      calls.push({ name, input: i });
      return f(i);
    };
  return {
    calls,
    names: () => calls.map((c) => c.name),
    fns: {
      [Activities.prepare]: record(Activities.prepare, () => ({ target: 'y', trainRows: 10, testRows: 5 })),
      [Activities.submit]: record(Activities.submit, () => ({ jobId: 'job-1' })),
      [Activities.poll]: record(Activities.poll, () => (++polled >= polls ? { state: 'completed', trials: 4 } : { state: 'running', trials: polled })),
      [Activities.register]: record(Activities.register, () => model),
      [Activities.deploy]: record(Activities.deploy, () => deployment),
      [Activities.benchmark]: record(Activities.benchmark, () => ({ direct: { p95Ms: 3 } })),
      [Activities.decide]: record(Activities.decide, () => ({ promoted: true, reason: 'first model' })),
      [Activities.fail]: record(Activities.fail, () => null),
    },
  };
}

/** The episode at which an activity is first scheduled (its completion arrives in the next one). */
async function episodeOf(activity: string): Promise<number> {
  const a = activities();
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns });
  const scheduled = r.history.findIndex((e) => e.Name === activity && e.EventType === EventType.TaskScheduled);
  return r.history.slice(0, scheduled).filter((e) => e.EventType === EventType.OrchestratorStarted).length;
}

test('without a cancel the run goes through every step once and returns its decision', async () => {
  const a = activities();
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns });
  expect(r.failed).toBeUndefined();
  expect(r.output).toMatchObject({ runId: 'train-bank-v1', decision: { promoted: true } });
  expect(a.names()).toEqual([
    Activities.prepare,
    Activities.submit,
    Activities.poll,
    Activities.poll,
    Activities.poll,
    Activities.register,
    Activities.deploy,
    Activities.benchmark,
    Activities.decide,
  ]);
});

test('a cancel while AutoML runs stops the polling at once: the job is cancelled, nothing is registered', async () => {
  const a = activities(50);
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns, events: [[4, CANCEL_EVENT, { reason: 'wrong budget' }]] });
  expect(r.failed).toContain('RUN_CANCELLED: cancelled by an operator: wrong budget');
  expect(a.names()).not.toContain(Activities.register);
  expect(a.names().filter((n) => n === Activities.poll).length).toBeLessThan(5);
  const fail = a.calls.find((c) => c.name === Activities.fail)!;
  expect(fail.input).toMatchObject({ jobId: 'job-1', error: expect.stringMatching(/^RUN_CANCELLED:/) });
  expect(fail.input.deployment).toBeUndefined();
});

test('a cancel while a deploy is under way lets it finish, then retires what it made', async () => {
  const at = await episodeOf(Activities.deploy);
  const a = activities();
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns, events: [[at, CANCEL_EVENT, {}]] });
  expect(r.failed).toContain('RUN_CANCELLED: cancelled by an operator');
  expect(a.names()).not.toContain(Activities.benchmark);
  const fail = a.calls.find((c) => c.name === Activities.fail)!;
  // The clean-up knows the deployment the interrupted step created, and the model it serves.
  expect(fail.input).toMatchObject({ jobId: 'job-1', model: { name: 'bank', version: 1 }, deployment: { name: 'bank-v1' } });
});

test('a cancel raised during the benchmark stops the run before it decides', async () => {
  const at = await episodeOf(Activities.benchmark);
  const a = activities();
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns, events: [[at, CANCEL_EVENT, {}]] });
  expect(r.failed).toContain('RUN_CANCELLED');
  expect(a.names()).toContain(Activities.benchmark);
  expect(a.names()).not.toContain(Activities.decide);
  expect(a.calls.find((c) => c.name === Activities.fail)!.input.deployment).toEqual({ name: 'bank-v1', scoringUri: 'http://127.0.0.1:1/score' });
});

test('a cancel raised once the run decides is ignored: the decision is carried out', async () => {
  const at = await episodeOf(Activities.decide);
  const a = activities();
  const r = await simulate(trainDeployBenchmark as any, { input, activities: a.fns, events: [[at, CANCEL_EVENT, {}]] });
  expect(r.failed).toBeUndefined();
  expect(r.output).toMatchObject({ decision: { promoted: true } });
  expect(a.names()).not.toContain(Activities.fail);
});
