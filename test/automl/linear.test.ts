import { fitLogistic, fitRidge, lbfgs } from '../../src/automl/learners/linear';
import { Rng } from '../../src/automl/random';

const all = (n: number) => Int32Array.from({ length: n }, (_, i) => i);

describe('linear learners', () => {
  test('L-BFGS minimises a badly scaled quadratic', () => {
    const x = lbfgs((v, g) => {
      g[0] = 2 * (v[0] - 3);
      g[1] = 200 * (v[1] + 1);
      return (v[0] - 3) ** 2 + 100 * (v[1] + 1) ** 2;
    }, new Float64Array(2));
    expect(x[0]).toBeCloseTo(3, 5);
    expect(x[1]).toBeCloseTo(-1, 5);
  });

  test('ridge with alpha ~ 0 recovers exact coefficients; alpha shrinks them', () => {
    const n = 50;
    const rng = new Rng(1);
    const X = new Float32Array(2 * n);
    for (let i = 0; i < X.length; i++) X[i] = Math.fround(rng.normal());
    const y = Float64Array.from({ length: n }, (_, i) => 2 * X[i] - 3 * X[n + i] + 5);
    const fit = fitRidge(X, n, 2, y, all(n), 1e-9);
    expect(fit.coef[0][0]).toBeCloseTo(2, 6);
    expect(fit.coef[0][1]).toBeCloseTo(-3, 6);
    expect(fit.intercept[0]).toBeCloseTo(5, 6);
    const shrunk = fitRidge(X, n, 2, y, all(n), 100);
    expect(Math.abs(shrunk.coef[0][0])).toBeLessThan(2);
  });

  test('logistic regression: the solution zeroes the regularised gradient and recovers the generating direction', () => {
    const n = 4000;
    const rng = new Rng(2);
    const X = new Float32Array(2 * n);
    for (let i = 0; i < X.length; i++) X[i] = Math.fround(rng.normal());
    const y = Float64Array.from({ length: n }, (_, i) => (rng.next() < 1 / (1 + Math.exp(-(1.5 * X[i] - 0.5 * X[n + i] + 0.25))) ? 1 : 0));
    const C = 10;
    const fit = fitLogistic(X, n, 2, y, all(n), 2, C);
    const [w0, w1] = fit.coef[0];
    const b = fit.intercept[0];
    const g = [w0, w1, 0];
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const r = 1 / (1 + Math.exp(-(w0 * X[i] + w1 * X[n + i] + b))) - y[i];
      g[0] += C * r * X[i];
      g[1] += C * r * X[n + i];
      gb += C * r;
    }
    // The solver stops when the mean-loss gradient is below 1e-4 (sklearn's lbfgs tolerance).
    expect(Math.abs(g[0]) / (C * n)).toBeLessThan(1e-4);
    expect(Math.abs(g[1]) / (C * n)).toBeLessThan(1e-4);
    expect(Math.abs(gb) / (C * n)).toBeLessThan(1e-4);
    expect(w0).toBeGreaterThan(1.2);
    expect(w0).toBeLessThan(1.8);
    expect(w1).toBeLessThan(-0.3);
  });

  test('multinomial logistic regression classifies three linearly separated groups', () => {
    const n = 900;
    const rng = new Rng(3);
    const X = new Float32Array(2 * n);
    const y = new Float64Array(n);
    const centers = [
      [-3, 0],
      [3, 0],
      [0, 3],
    ];
    for (let i = 0; i < n; i++) {
      const k = i % 3;
      y[i] = k;
      X[i] = Math.fround(centers[k][0] + rng.normal() * 0.5);
      X[n + i] = Math.fround(centers[k][1] + rng.normal() * 0.5);
    }
    const fit = fitLogistic(X, n, 2, y, all(n), 3, 1);
    expect(fit.coef.length).toBe(3);
    let correct = 0;
    for (let i = 0; i < n; i++) {
      const z = fit.coef.map((c, k) => c[0] * X[i] + c[1] * X[n + i] + fit.intercept[k]);
      if (z.indexOf(Math.max(...z)) === y[i]) correct++;
    }
    expect(correct / n).toBeGreaterThan(0.99);
  });
});
