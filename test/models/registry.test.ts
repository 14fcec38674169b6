import { ModelRegistry } from '../../src/models/registry';
import { startTestAzurite } from '../support/azurite';

describe('ModelRegistry', () => {
  let az: Awaited<ReturnType<typeof startTestAzurite>>;
  let reg: ModelRegistry;
  beforeAll(async () => {
    az = await startTestAzurite();
    reg = new ModelRegistry(az.connectionString);
  });
  afterAll(() => az.stop());

  const info = (runId: string, cv: number) => ({
    learner: 'gbdt',
    task: 'binary',
    primaryMetric: 'AUC_weighted',
    cvScore: cv,
    lineage: { dataset: 'bank', datasetVersion: 1, datasetSha256: 'abc', runId },
  });
  const artifacts = (tag: string) => ({
    'model.onnx': new Uint8Array([1, 2, 3]),
    'pipeline.json': JSON.stringify({ tag }),
    'leaderboard.json': '[]',
    'metrics.json': '{}',
    'model-card.md': `# card ${tag}`,
  });

  it('allocates consecutive versions and stores the artifacts under registry/models/{name}/v{n}/', async () => {
    const v1 = await reg.register('bank', info('run-1', 0.9), artifacts('one'));
    const v2 = await reg.register('bank', info('run-2', 0.91), artifacts('two'));
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(v2.artifactPrefix).toBe('models/bank/v2/');
    expect((await reg.readArtifact(v2, 'model-card.md')).toString()).toBe('# card two');
    expect(await reg.readArtifact(v1, 'model.onnx')).toEqual(Buffer.from([1, 2, 3]));
  });

  it('returns the existing version when the same run registers twice (activity replay)', async () => {
    const again = await reg.register('bank', info('run-1', 0.9), artifacts('one-again'));
    expect(again.version).toBe(1);
    expect((await reg.list('bank')).length).toBe(2);
  });

  it('never gives two concurrent registrations the same version', async () => {
    const made = await Promise.all([0, 1, 2, 3].map((i) => reg.register('concurrent', info(`c-${i}`, 0.5), artifacts(`c${i}`))));
    expect(made.map((m) => m.version).sort()).toEqual([1, 2, 3, 4]);
    for (const m of made) {
      const pipeline = JSON.parse((await reg.readArtifact(m, 'pipeline.json')).toString());
      expect(pipeline.tag).toBe(`c${m.lineage.runId.slice(2)}`);
    }
  });

  it('records status, test score and decision', async () => {
    await reg.update('bank', 2, { status: 'champion', testScore: 0.93, decision: 'promoted' });
    const m = await reg.get('bank', 2);
    expect(m).toMatchObject({ status: 'champion', testScore: 0.93, decision: 'promoted' });
    expect(await reg.get('bank', 99)).toBeUndefined();
  });
});
