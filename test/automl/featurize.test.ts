import { computeFeatures, detectTarget, featureSteps, Guardrail, planColumns } from '../../src/automl/featurize';
import { featurize as referenceFeaturize } from '../../src/automl/score';
import { tableFromRecords } from '../../src/automl/table';
import { toColumnTable } from '../../src/automl/evaluate';
import type { FittedPipeline } from '../../src/automl/pipeline';

async function sample() {
  const recs = [];
  for (let i = 0; i < 200; i++) {
    recs.push({
      id: i + 1,
      num: i % 10 === 0 ? null : (i * 7) % 13,
      constant: 'same',
      empty: null,
      flag: i % 2 ? 'true' : 'false',
      color: ['red', 'green', 'blue', ''][i % 4],
      code: `c${i % 100}`,
      mostly: i === 5 ? 'n/a-text' : i * 0.5,
      leak: i % 3 === 0 ? 'A' : 'B',
      y: i % 3 === 0 ? 'pos' : 'neg',
    });
  }
  return tableFromRecords(recs);
}

describe('featurization', () => {
  test('infers column kinds and reports what it did in the guardrails', async () => {
    const table = await sample();
    const target = detectTarget(table, 'y');
    expect(target.task).toBe('binary');
    expect(target.classes).toEqual(['neg', 'pos']);
    const guardrails: Guardrail[] = [];
    const plans = planColumns(table, target, 'y', guardrails);
    const kind = Object.fromEntries(plans.map((p) => [p.name, p.kind]));
    expect(kind).toEqual({
      id: 'dropped',
      num: 'numeric',
      constant: 'dropped',
      empty: 'dropped',
      flag: 'boolean',
      color: 'categorical',
      code: 'high_cardinality',
      mostly: 'numeric',
      leak: 'dropped',
    });
    const byCheck = Object.fromEntries(guardrails.map((g) => [g.check, g]));
    expect(byCheck.target_leakage_detection.status).toBe('alerted');
    expect(byCheck.target_leakage_detection.items[0].column).toBe('leak');
    expect(byCheck.unusable_columns.items.map((i) => i.column).sort()).toEqual(['constant', 'empty', 'id']);
    expect(byCheck.target_leakage_detection.items[0].action).toBe('dropped');
    const missingItems = byCheck.missing_feature_values_imputation.items;
    expect([...new Set(missingItems.map((i) => i.column))]).toEqual(['num', 'color', 'mostly']);
    expect(missingItems.find((i) => i.column === 'mostly' && i.detail.includes('non-numeric'))?.action).toBe('treated as missing');
    expect(byCheck.high_cardinality_feature_detection.items[0].column).toBe('code');
  });

  test('feature values equal the reference scorer for both flavors', async () => {
    const table = await sample();
    const target = detectTarget(table, 'y');
    const plans = planColumns(table, target, 'y', []);
    for (const flavor of ['tree', 'linear'] as const) {
      const steps = featureSteps(plans, flavor);
      const fs = computeFeatures(table, steps, null);
      const p: FittedPipeline = {
        formatVersion: 1,
        task: 'binary',
        target: 'y',
        classes: ['neg', 'pos'],
        inputs: plans.filter((q) => q.kind !== 'dropped').map((q) => ({ name: q.name, kind: q.kind === 'numeric' ? 'numeric' : 'categorical' })),
        body: {
          kind: 'single',
          learner: 'x',
          features: steps,
          model: { type: 'linear', coef: [new Array(fs.nFeat).fill(0)], intercept: [0] },
          post: 'logistic',
        },
      };
      const rows = Int32Array.from({ length: table.nRows }, (_, i) => i);
      const ref = referenceFeaturize(p.body as any, toColumnTable(p, table, rows), table.nRows);
      for (let i = 0; i < table.nRows; i++) for (let f = 0; f < fs.nFeat; f++) expect(fs.X[f * table.nRows + i]).toBe(ref[i * fs.nFeat + f]);
    }
  });

  test('target detection: numeric integer with few values is classification, else regression', async () => {
    const t = await tableFromRecords(Array.from({ length: 30 }, (_, i) => ({ a: i % 3, b: i * 1.5, c: i % 2 ? 'x' : '' })));
    expect(detectTarget(t, 'a').task).toBe('multiclass');
    expect(detectTarget(t, 'b').task).toBe('regression');
    // Rows with an empty target are left out, which leaves one class here.
    expect(() => detectTarget(t, 'c')).toThrow(expect.objectContaining({ code: 'ONE_CLASS' }));
    const t2 = await tableFromRecords(Array.from({ length: 30 }, (_, i) => ({ c: ['x', 'y', ''][i % 3] })));
    expect(detectTarget(t2, 'c').rows.length).toBe(20);
    // Missing markers are missing targets, for numbers and for text.
    const t3 = await tableFromRecords(
      Array.from({ length: 30 }, (_, i) => ({ num: i % 5 === 0 ? 'NA' : i * 1.25, txt: i % 5 === 0 ? 'null' : ['u', 'v'][i % 2] })),
    );
    const num = detectTarget(t3, 'num');
    expect(num.task).toBe('regression');
    expect(num.rows.length).toBe(24);
    expect(Array.from(num.y).every(Number.isFinite)).toBe(true);
    expect(detectTarget(t3, 'txt').classes).toEqual(['u', 'v']);
    expect(() => detectTarget(t, 'zzz')).toThrow(expect.objectContaining({ code: 'MISSING_COLUMN' }));
  });
});
