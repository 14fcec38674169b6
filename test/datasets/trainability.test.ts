/**
 * What training would refuse is found at registration: more classes than AutoML accepts
 * (TOO_MANY_CLASSES), a class with too few rows for cross-validation (CLASS_TOO_SMALL); rejected by
 * default, registered with a warning under DATASET_TRAINABILITY_POLICY=warn. The default limits are
 * AutoML's own, checked here against the engine itself.
 */
import { analyzeDataset } from '../../src/datasets/analyze';
import { DEFAULT_DATASET_SETTINGS, readDatasetSettings } from '../../src/datasets/settings';
import { runAutoML } from '../../src/automl';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

async function* once(buf: Buffer): AsyncGenerator<Buffer> {
  yield buf;
}
const analyze = (text: string, over = {}) => analyzeDataset(once(Buffer.from(text)), { target: 'y', limits: { ...DEFAULT_DATASET_SETTINGS, ...over } });

/** `classes` labels; label i has counts(i) rows. */
function table(classes: number, counts: (i: number) => number, label = (i: number) => `c${i}`): string {
  const lines = ['a,b,y'];
  for (let c = 0; c < classes; c++) for (let r = 0; r < counts(c); r++) lines.push(`${r},${(r * 7 + c) % 11},${label(c)}`);
  return lines.join('\n') + '\n';
}

describe('trainability at registration', () => {
  test('more classes than AutoML accepts is TOO_MANY_CLASSES', async () => {
    const r = await analyze(table(101, () => 3));
    expect(!r.ok && r.rejection).toMatchObject({ code: 'TOO_MANY_CLASSES', column: 3, columnName: 'y' });
    expect(!r.ok && r.rejection.message).toMatch(/101 classes; training accepts at most 100/);
    expect((await analyze(table(100, () => 3))).ok).toBe(true);
  });

  test('a class with a single row is CLASS_TOO_SMALL, naming it', async () => {
    const r = await analyze(table(3, (i) => (i === 2 ? 1 : 10)));
    expect(!r.ok && r.rejection).toMatchObject({ code: 'CLASS_TOO_SMALL', columnName: 'y' });
    expect(!r.ok && r.rejection.message).toContain('"c2" (1)');
  });

  test('DATASET_MIN_CLASS_ROWS raises the bar (e.g. to the folds a cloud training always runs)', async () => {
    const text = table(2, (i) => (i ? 4 : 20));
    expect((await analyze(text)).ok).toBe(true);
    const r = await analyze(text, { minClassRows: 5 });
    expect(!r.ok && r.rejection.code).toBe('CLASS_TOO_SMALL');
  });

  test('policy warn registers it and reports the warnings', async () => {
    const r = await analyze(
      table(3, (i) => (i === 2 ? 1 : 10)),
      { trainabilityPolicy: 'warn' },
    );
    expect(r.ok).toBe(true);
    expect(r.ok && r.warnings.map((w) => w.code)).toEqual(['CLASS_TOO_SMALL']);
  });

  test('integer targets AutoML regresses (over 10 values) and regression targets are not checked', async () => {
    const ints = table(
      15,
      (i) => (i === 0 ? 1 : 5),
      (i) => String(i),
    );
    expect((await analyze(ints)).ok).toBe(true);
    const reg = ['a,y', ...Array.from({ length: 50 }, (_, i) => `${i},${i * 1.5}`)].join('\n');
    expect((await analyze(reg)).ok).toBe(true);
  });

  test('settings are read and validated', () => {
    expect(readDatasetSettings({ DATASET_MAX_CLASSES: '20', DATASET_MIN_CLASS_ROWS: '5', DATASET_TRAINABILITY_POLICY: 'warn' })).toMatchObject({
      maxClasses: 20,
      minClassRows: 5,
      trainabilityPolicy: 'warn',
    });
    expect(() => readDatasetSettings({ DATASET_TRAINABILITY_POLICY: 'maybe' })).toThrow(/DATASET_TRAINABILITY_POLICY/);
    expect(() => readDatasetSettings({ DATASET_MAX_CLASSES: '1' })).toThrow(/DATASET_MAX_CLASSES/);
  });

  // The defaults are the engine's: what registration accepts at the limit, AutoML accepts too, and
  // one step past it AutoML refuses, so registration must.
  describe('against the AutoML engine', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlops-trainability-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    const train = (text: string) => {
      const csvPath = path.join(dir, `t${Math.random().toString(36).slice(2)}.csv`);
      fs.writeFileSync(csvPath, text);
      return runAutoML({ csvPath }, { target: 'y', budgetSeconds: 1, maxTrials: 1, workers: 0 });
    };
    test('101 classes: AutoML refuses; 1-row class: AutoML refuses', async () => {
      await expect(train(table(101, () => 3))).rejects.toMatchObject({ code: 'BAD_OPTION', message: expect.stringMatching(/101 classes/) });
      await expect(train(table(3, (i) => (i === 2 ? 1 : 10)))).rejects.toMatchObject({ code: 'TOO_FEW_ROWS' });
    });
  });
});
