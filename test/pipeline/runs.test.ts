import { RunStore } from '../../src/pipeline/runs';
import { startTestAzurite } from '../support/azurite';

describe('RunStore', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let runs: RunStore;
  beforeAll(async () => {
    az = await startTestAzurite();
    runs = new RunStore(az.connectionString);
  });
  afterAll(() => az.stop());

  it('opens a run once and keeps the first record when opened again', async () => {
    const a = await runs.open({ runId: 'train-bank-v1', dataset: 'bank', datasetVersion: 1, trigger: 'blob' });
    const b = await runs.open({ runId: 'train-bank-v1', dataset: 'other', datasetVersion: 9 });
    expect(a.phase).toBe('queued');
    expect(b.dataset).toBe('bank');
  });

  it('records each phase once with its timestamp and merges the figures', async () => {
    await runs.update('train-bank-v1', { phase: 'prepare', split: { train: 90, test: 10 } });
    await runs.update('train-bank-v1', { phase: 'automl', automl: { trials: 3, bestScore: 0.9 } });
    await runs.update('train-bank-v1', { phase: 'automl', automl: { trials: 5, bestScore: 0.93 } });
    const r = (await runs.get('train-bank-v1'))!;
    expect(r.phases.map((p) => p.phase)).toEqual(['queued', 'prepare', 'automl']);
    expect(r.automl).toEqual({ trials: 5, bestScore: 0.93 });
    expect(r.split).toEqual({ train: 90, test: 10 });
  });

  it('lists runs newest first', async () => {
    await new Promise((r) => setTimeout(r, 5));
    await runs.open({ runId: 'train-bank-v2', dataset: 'bank', datasetVersion: 2 });
    expect((await runs.list()).map((r) => r.runId)).toEqual(['train-bank-v2', 'train-bank-v1']);
    expect(await runs.get('nope')).toBeUndefined();
  });
});
