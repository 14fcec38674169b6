/** The dashboard's HTTP-free data assembly: curves derived from stored metrics, trials, phases, champion history. */
import { classificationMetrics } from '../../src/automl/metrics';
import { latencyHistogram } from '../../src/benchmark/histogram';
import { calibrationFromRoc } from '../../src/dashboard/data/calibration';
import { championHistories } from '../../src/dashboard/data/history';
import { phaseSpans } from '../../src/dashboard/data/phases';
import { trialSeries } from '../../src/dashboard/data/trials';
import type { ModelVersion } from '../../src/models/registry';
import type { RunRecord } from '../../src/pipeline/runs';

function lcg(seed: number) {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) % 2147483648) / 2147483648;
}

describe('calibration derived from the stored ROC points', () => {
  it('matches the reliability diagram computed from the scores themselves', () => {
    // Scores whose true positive rate is p^2 (over-confident): the derived curve must bend the same way.
    const rnd = lcg(7);
    const n = 5000;
    const proba = new Float64Array(2 * n);
    const y = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const p = Math.round(rnd() * 1000) / 1000;
      proba[2 * i + 1] = p;
      proba[2 * i] = 1 - p;
      y[i] = rnd() < p * p ? 1 : 0;
    }
    const m = classificationMetrics(proba, y, ['no', 'yes'], { curves: true });
    const neg = m.confusion_matrix.matrix[0].reduce((a, b) => a + b, 0);
    const pos = m.confusion_matrix.matrix[1].reduce((a, b) => a + b, 0);
    const bins = calibrationFromRoc(m.roc_curve!, neg, pos);
    expect(bins.reduce((s, b) => s + b.rows, 0)).toBe(n);
    // Direct computation, ten equal-width bins.
    const direct = Array.from({ length: 10 }, () => ({ p: 0, pos: 0, rows: 0 }));
    for (let i = 0; i < n; i++) {
      const b = Math.min(9, Math.floor(proba[2 * i + 1] * 10));
      direct[b].p += proba[2 * i + 1];
      direct[b].pos += y[i];
      direct[b].rows++;
    }
    expect(bins).toHaveLength(10);
    bins.forEach((b, k) => {
      const d = direct[k];
      expect(Math.abs(b.predicted - d.p / d.rows)).toBeLessThan(0.03);
      expect(Math.abs(b.observed - d.pos / d.rows)).toBeLessThan(0.08);
    });
    // Over-confident in the middle: observed below predicted around 0.5.
    expect(bins[5].observed).toBeLessThan(bins[5].predicted - 0.1);
  });

  it('gives nothing for a curve without bands', () => {
    expect(calibrationFromRoc({ fpr: [0], tpr: [0], threshold: [1] }, 10, 10)).toEqual([]);
  });
});

describe('trial series from leaderboard.json', () => {
  it('orders trials by number, keeps the best so far and counts failures (lower-is-better metrics too)', () => {
    const entries = [
      { trial: 2, learner: 'gbdt', score: 0.8, fitSeconds: 1, status: 'ok' },
      { trial: 0, learner: 'linear', score: 0.7, fitSeconds: 0.2, status: 'ok' },
      { trial: 1, learner: 'gbdt', score: 0.6, fitSeconds: 0.5, status: 'ok' },
      { trial: 3, learner: 'forest', score: 0, fitSeconds: 0, status: 'failed' },
    ];
    const up = trialSeries({ primaryMetric: 'AUC_weighted', entries });
    expect(up.points.map((p) => p.trial)).toEqual([0, 1, 2]);
    expect(up.bestSoFar.map((b) => b.score)).toEqual([0.7, 0.7, 0.8]);
    expect(up.failed).toBe(1);
    const down = trialSeries({ primaryMetric: 'log_loss', entries });
    expect(down.lowerIsBetter).toBe(true);
    expect(down.bestSoFar.map((b) => b.score)).toEqual([0.7, 0.6, 0.6]);
  });
});

describe('phase spans', () => {
  const marks = [
    { phase: 'queued' as const, at: '2026-01-01T00:00:00.000Z' },
    { phase: 'prepare' as const, at: '2026-01-01T00:00:02.000Z' },
    { phase: 'automl' as const, at: '2026-01-01T00:00:03.500Z' },
  ];
  it('measures each phase up to the next, and the current one up to now', () => {
    const spans = phaseSpans(marks, new Date('2026-01-01T00:00:10.000Z'));
    expect(spans.map((s) => [s.phase, s.seconds, s.current])).toEqual([
      ['queued', 2, false],
      ['prepare', 1.5, false],
      ['automl', 6.5, true],
    ]);
  });
  it('gives the terminal mark of a finished run no span', () => {
    const spans = phaseSpans([...marks, { phase: 'completed', at: '2026-01-01T00:00:09.000Z' }], new Date('2026-01-01T01:00:00.000Z'));
    expect(spans.map((s) => s.phase)).toEqual(['queued', 'prepare', 'automl']);
    expect(spans[2].seconds).toBe(5.5);
  });
});

describe('champion history', () => {
  const run = (id: string, version: number, promoted: boolean, at: string, against?: number): RunRecord => ({
    runId: id,
    dataset: 'bank',
    datasetVersion: version,
    phase: 'completed',
    phases: [{ phase: 'decide', at }],
    createdAt: at,
    updatedAt: at,
    decision: {
      promoted,
      reason: promoted ? 'better' : 'worse',
      challenger: { model: 'bank', version, testScore: 0.9 },
      champion: against ? { version: against } : undefined,
    },
  });
  it('projects decisions and rollbacks into events and served intervals', () => {
    const runs = [run('r3', 3, false, '2026-01-03T00:00:00Z', 2), run('r1', 1, true, '2026-01-01T00:00:00Z'), run('r2', 2, true, '2026-01-02T00:00:00Z', 1)];
    const models = [{ name: 'bank', version: 1, decision: 'rolled back to v1 by an operator', updatedAt: '2026-01-04T00:00:00Z' } as ModelVersion];
    const [h] = championHistories(runs, models);
    expect(h.events.map((e) => [e.kind, e.version, e.against])).toEqual([
      ['promoted', 1, undefined],
      ['promoted', 2, 1],
      ['rejected', 3, 2],
      ['rolled-back', 1, undefined],
    ]);
    expect(h.served).toEqual([
      { version: 1, from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00Z' },
      { version: 2, from: '2026-01-02T00:00:00Z', to: '2026-01-04T00:00:00Z' },
      { version: 1, from: '2026-01-04T00:00:00Z', to: null },
    ]);
  });
});

describe('latency histogram', () => {
  it('counts every latency once, in equal-width bins from min to max', () => {
    const values = Float64Array.from({ length: 400 }, (_, i) => 1 + (i % 40) * 0.25 + (i === 399 ? 50 : 0)).sort();
    const h = latencyHistogram(values);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(400);
    expect(h.counts).toHaveLength(20);
    expect(h.edgesMs).toHaveLength(21);
    expect(h.edgesMs[0]).toBe(1);
    expect(h.edgesMs[20]).toBe(values[399]);
    expect(h.counts[19]).toBe(1); // the outlier alone in the last bin
  });
  it('handles one distinct value and no values', () => {
    expect(latencyHistogram([3, 3, 3])).toEqual({ edgesMs: [3, 4], counts: [3] });
    expect(latencyHistogram([])).toEqual({ edgesMs: [], counts: [] });
  });
});
