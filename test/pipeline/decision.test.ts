import { promotionRule, RuleInput } from '../../src/pipeline/decision';

const ok = { errors: 0, non2xx: 0, p95Ms: 10 };
const base: RuleInput = { metric: 'AUC_weighted', challengerScore: 0.9, tolerance: 0.002, benchmark: ok, maxP95Ms: 50 };
const champ = (testScore: number) => ({ model: 'bank', version: 1, testScore });

describe('promotionRule', () => {
  it('promotes the first model when its benchmark meets the SLO', () => {
    expect(promotionRule(base)).toEqual({ promoted: true, reason: expect.stringMatching(/no champion yet/) });
  });

  it('promotes a challenger within the tolerance below the champion, not one beyond it', () => {
    expect(promotionRule({ ...base, challengerScore: 0.899, champion: champ(0.9) }).promoted).toBe(true);
    const worse = promotionRule({ ...base, challengerScore: 0.897, champion: champ(0.9) });
    expect(worse.promoted).toBe(false);
    expect(worse.reason).toMatch(/does not beat champion bank v1 0\.9000/);
  });

  it('reads lower-is-better metrics the other way round', () => {
    const m = { ...base, metric: 'log_loss', tolerance: 0.01 };
    expect(promotionRule({ ...m, challengerScore: 0.305, champion: champ(0.3) }).promoted).toBe(true);
    expect(promotionRule({ ...m, challengerScore: 0.32, champion: champ(0.3) }).promoted).toBe(false);
    expect(promotionRule({ ...m, metric: 'normalized_root_mean_squared_error', challengerScore: 0.2, champion: champ(0.25) }).promoted).toBe(true);
  });

  it('keeps the champion when the benchmark has errors, non-2xx answers or a p95 over the SLO', () => {
    for (const b of [
      { ...ok, errors: 1 },
      { ...ok, non2xx: 3 },
      { ...ok, p95Ms: 50.1 },
    ]) {
      const r = promotionRule({ ...base, challengerScore: 0.99, champion: champ(0.5), benchmark: b });
      expect(r.promoted).toBe(false);
      expect(r.reason).toMatch(/SLO/);
    }
    expect(promotionRule({ ...base, benchmark: { ...ok, p95Ms: 50 } }).promoted).toBe(true);
  });
});

describe('deploymentName', () => {
  // Imported here to keep the rule and the naming (both decide what a run deploys) side by side.
  const { deploymentName } = jest.requireActual('../../src/pipeline/activities') as typeof import('../../src/pipeline/activities');

  it('keeps valid names and makes any dataset name a valid Azure ML deployment name', () => {
    expect(deploymentName('bank', 2)).toBe('bank-v2');
    expect(deploymentName('bank_marketing.2024', 3)).toBe('bank-marketing-2024-v3');
    expect(deploymentName('__', 1)).toBe('model-v1');
    const long = deploymentName('x'.repeat(80), 12345);
    expect(long).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]{0,62}$/);
    expect(long.endsWith('-v12345')).toBe(true);
  });
});
