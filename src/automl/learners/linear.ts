/**
 * Linear models on the standardised 'linear' features: L2-regularised logistic regression (binary and
 * multinomial) solved with L-BFGS, and ridge regression solved exactly (Cholesky of the normal equations).
 * Regularisation follows sklearn: minimise C * sum(loss) + ||w||^2 / 2 (intercept not penalised), and
 * for ridge ||y - Xw - b||^2 + alpha ||w||^2.
 */
import type { Model } from '../pipeline';
import { CVOutput, FullOutput, Learner, Params, TrainContext, allRows, checkDeadline, predWidth, trainRowsOf } from './types';

interface LinearFit {
  /** K x d */
  coef: Float64Array[];
  intercept: Float64Array;
}

/** Minimises f with L-BFGS (two-loop recursion, backtracking Armijo line search). */
export function lbfgs(
  fg: (x: Float64Array, grad: Float64Array) => number,
  x0: Float64Array,
  opts: { maxIter?: number; tol?: number; m?: number } = {},
): Float64Array {
  const { maxIter = 300, tol = 1e-6, m = 10 } = opts;
  const d = x0.length;
  let x = x0.slice();
  let g = new Float64Array(d);
  let f = fg(x, g);
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  const dir = new Float64Array(d);
  const xn = new Float64Array(d);
  const gn = new Float64Array(d);
  const alpha = new Float64Array(m);
  for (let it = 0; it < maxIter; it++) {
    let gmax = 0;
    for (let i = 0; i < d; i++) gmax = Math.max(gmax, Math.abs(g[i]));
    if (gmax < tol) break;
    // Two-loop recursion: dir = -H g.
    for (let i = 0; i < d; i++) dir[i] = -g[i];
    for (let k = S.length - 1; k >= 0; k--) {
      let a = 0;
      for (let i = 0; i < d; i++) a += S[k][i] * dir[i];
      a *= rho[k];
      alpha[k] = a;
      for (let i = 0; i < d; i++) dir[i] -= a * Y[k][i];
    }
    if (S.length) {
      const k = S.length - 1;
      let sy = 0;
      let yy = 0;
      for (let i = 0; i < d; i++) ((sy += S[k][i] * Y[k][i]), (yy += Y[k][i] * Y[k][i]));
      const gamma = sy / yy;
      for (let i = 0; i < d; i++) dir[i] *= gamma;
    } else {
      let gn2 = 0;
      for (let i = 0; i < d; i++) gn2 += g[i] * g[i];
      const s = 1 / Math.sqrt(gn2);
      for (let i = 0; i < d; i++) dir[i] *= s;
    }
    for (let k = 0; k < S.length; k++) {
      let b = 0;
      for (let i = 0; i < d; i++) b += Y[k][i] * dir[i];
      b *= rho[k];
      for (let i = 0; i < d; i++) dir[i] += S[k][i] * (alpha[k] - b);
    }
    let slope = 0;
    for (let i = 0; i < d; i++) slope += g[i] * dir[i];
    if (slope >= 0) {
      // Not a descent direction (numerical trouble): restart from steepest descent.
      S.length = Y.length = rho.length = 0;
      for (let i = 0; i < d; i++) dir[i] = -g[i];
      slope = 0;
      for (let i = 0; i < d; i++) slope -= g[i] * g[i];
    }
    let step = 1;
    let fn = Infinity;
    for (let ls = 0; ls < 40; ls++) {
      for (let i = 0; i < d; i++) xn[i] = x[i] + step * dir[i];
      fn = fg(xn, gn);
      if (fn <= f + 1e-4 * step * slope) break;
      step *= 0.5;
    }
    if (!(fn < f)) break;
    const s = new Float64Array(d);
    const yv = new Float64Array(d);
    let sy = 0;
    for (let i = 0; i < d; i++) {
      s[i] = xn[i] - x[i];
      yv[i] = gn[i] - g[i];
      sy += s[i] * yv[i];
    }
    if (sy > 1e-12) {
      S.push(s);
      Y.push(yv);
      rho.push(1 / sy);
      if (S.length > m) (S.shift(), Y.shift(), rho.shift());
    }
    const rel = (f - fn) / Math.max(Math.abs(f), 1);
    x = xn.slice();
    g = gn.slice();
    f = fn;
    if (rel < 1e-10) break;
  }
  return x;
}

/** Logistic regression (K = 1: binary, logit of class 1; K = C: softmax) on rows of column-major X. */
export function fitLogistic(X: Float32Array, n: number, d: number, y: Float64Array, rows: Int32Array, C: number, Creg: number): LinearFit {
  const K = C === 2 ? 1 : C;
  const m = rows.length;
  const D = d + 1; // per output: d weights then the intercept
  // Gather the training rows once (column-major, contiguous) so each pass streams memory.
  const Xr = new Float32Array(m * d);
  for (let f = 0; f < d; f++) for (let j = 0; j < m; j++) Xr[f * m + j] = X[f * n + rows[j]];
  const yr = Float64Array.from(rows, (i) => y[i]);
  const z = new Float64Array(m * K);
  const r = new Float64Array(m * K);
  const fg = (w: Float64Array, grad: Float64Array): number => {
    let loss = 0;
    if (K === 1) {
      // Binary: contiguous single-output loops (the common case, kept tight).
      z.fill(w[d]);
      for (let f = 0; f < d; f++) {
        const wf = w[f];
        if (wf === 0) continue;
        const off = f * m;
        for (let j = 0; j < m; j++) z[j] += wf * Xr[off + j];
      }
      let gb = 0;
      for (let j = 0; j < m; j++) {
        const t = z[j];
        const s = yr[j] === 1 ? -t : t; // loss = log(1 + exp(s))
        loss += s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
        const res = 1 / (1 + Math.exp(-t)) - yr[j];
        r[j] = res;
        gb += res;
      }
      grad[d] = Creg * gb;
      let reg = 0;
      for (let f = 0; f < d; f++) {
        const off = f * m;
        let gf = 0;
        for (let j = 0; j < m; j++) gf += r[j] * Xr[off + j];
        grad[f] = Creg * gf + w[f];
        reg += w[f] * w[f];
      }
      return Creg * loss + reg / 2;
    }
    for (let k = 0; k < K; k++) {
      const b = w[k * D + d];
      for (let j = 0; j < m; j++) z[j * K + k] = b;
      for (let f = 0; f < d; f++) {
        const wf = w[k * D + f];
        if (wf === 0) continue;
        const off = f * m;
        for (let j = 0; j < m; j++) z[j * K + k] += wf * Xr[off + j];
      }
    }
    for (let j = 0; j < m; j++) {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, z[j * K + k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(z[j * K + k] - mx);
      const lse = mx + Math.log(s);
      loss += lse - z[j * K + yr[j]];
      for (let k = 0; k < K; k++) r[j * K + k] = Math.exp(z[j * K + k] - lse) - (yr[j] === k ? 1 : 0);
    }
    let reg = 0;
    for (let k = 0; k < K; k++) {
      let gb = 0;
      for (let j = 0; j < m; j++) gb += r[j * K + k];
      grad[k * D + d] = Creg * gb;
      for (let f = 0; f < d; f++) {
        const off = f * m;
        let gf = 0;
        for (let j = 0; j < m; j++) gf += r[j * K + k] * Xr[off + j];
        const wf = w[k * D + f];
        grad[k * D + f] = Creg * gf + wf;
        reg += wf * wf;
      }
    }
    return Creg * loss + reg / 2;
  };
  // Scale the objective by 1/(C m) for a well-conditioned tolerance: minimise the same thing.
  const scale = 1 / (Creg * m);
  const w = lbfgs(
    (x, gr) => {
      const v = fg(x, gr);
      for (let i = 0; i < gr.length; i++) gr[i] *= scale;
      return v * scale;
    },
    new Float64Array(K * D),
    { maxIter: 100, tol: 1e-4 },
  );
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(K);
  for (let k = 0; k < K; k++) {
    coef.push(w.slice(k * D, k * D + d));
    intercept[k] = w[k * D + d];
  }
  return { coef, intercept };
}

/** Ridge regression with an unpenalised intercept, solved by Cholesky. */
export function fitRidge(X: Float32Array, n: number, d: number, y: Float64Array, rows: Int32Array, alpha: number): LinearFit {
  const m = rows.length;
  const D = d + 1;
  const A = new Float64Array(D * D);
  const b = new Float64Array(D);
  const col = (f: number, j: number) => (f === d ? 1 : X[f * n + rows[j]]);
  const Xr = new Float64Array(m * D);
  for (let f = 0; f < D; f++) for (let j = 0; j < m; j++) Xr[f * m + j] = col(f, j);
  for (let a = 0; a < D; a++) {
    for (let c = a; c < D; c++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += Xr[a * m + j] * Xr[c * m + j];
      A[a * D + c] = A[c * D + a] = s;
    }
    let s = 0;
    for (let j = 0; j < m; j++) s += Xr[a * m + j] * y[rows[j]];
    b[a] = s;
  }
  for (let f = 0; f < d; f++) A[f * D + f] += alpha;
  A[d * D + d] += 1e-9;
  const w = choleskySolve(A, b, D);
  return { coef: [w.slice(0, d)], intercept: Float64Array.of(w[d]) };
}

function choleskySolve(A: Float64Array, b: Float64Array, D: number): Float64Array {
  const L = new Float64Array(D * D);
  for (let i = 0; i < D; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * D + j];
      for (let k = 0; k < j; k++) s -= L[i * D + k] * L[j * D + k];
      if (i === j) L[i * D + i] = Math.sqrt(Math.max(s, 1e-12));
      else L[i * D + j] = s / L[j * D + j];
    }
  }
  const z = new Float64Array(D);
  for (let i = 0; i < D; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= L[i * D + k] * z[k];
    z[i] = s / L[i * D + i];
  }
  const x = new Float64Array(D);
  for (let i = D - 1; i >= 0; i--) {
    let s = z[i];
    for (let k = i + 1; k < D; k++) s -= L[k * D + i] * x[k];
    x[i] = s / L[i * D + i];
  }
  return x;
}

function fitLinear(ctx: TrainContext, p: Params, rows: Int32Array): LinearFit {
  const { X, nFeat } = ctx.linear;
  return ctx.task === 'regression' ? fitRidge(X, ctx.n, nFeat, ctx.y, rows, p.alpha) : fitLogistic(X, ctx.n, nFeat, ctx.y, rows, ctx.C, p.C);
}

function predictRows(ctx: TrainContext, fit: LinearFit, rows: Int32Array, out: Float64Array): void {
  const { X, nFeat } = ctx.linear;
  const n = ctx.n;
  const K = fit.coef.length;
  const P = predWidth(ctx);
  const z = new Float64Array(K);
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    for (let k = 0; k < K; k++) {
      let s = fit.intercept[k];
      const c = fit.coef[k];
      for (let f = 0; f < nFeat; f++) s += c[f] * X[f * n + i];
      z[k] = s;
    }
    if (ctx.task === 'regression') out[i] = z[0];
    else if (K === 1) {
      const p1 = 1 / (1 + Math.exp(-z[0]));
      out[i * P] = 1 - p1;
      out[i * P + 1] = p1;
    } else {
      let mx = -Infinity;
      for (let k = 0; k < K; k++) mx = Math.max(mx, z[k]);
      let s = 0;
      for (let k = 0; k < K; k++) s += Math.exp(z[k] - mx);
      for (let k = 0; k < K; k++) out[i * P + k] = Math.exp(z[k] - mx) / s;
    }
  }
}

function toModel(fit: LinearFit): Model {
  return { type: 'linear', coef: fit.coef.map((c) => Array.from(c)), intercept: Array.from(fit.intercept) };
}

function linearLearner(name: string, tasks: Learner['tasks'], space: Learner['space']): Learner {
  return {
    name,
    flavor: 'linear',
    tasks,
    space,
    cost(_p, n, nFeat) {
      // ~100 L-BFGS iterations of two passes over the data per fold (calibrated against the GBDT cost).
      return (n * nFeat * 200) / 1e6;
    },
    cv(ctx, p, folds, _seed, deadline): CVOutput {
      const oof = new Float64Array(ctx.n * predWidth(ctx));
      folds.forEach((fold, k) => (checkDeadline(deadline), predictRows(ctx, fitLinear(ctx, p, trainRowsOf(ctx, k, fold)), fold, oof)));
      return { oof, extra: {} };
    },
    fit(ctx, p, _extra, _seed, rows): FullOutput {
      const fit = fitLinear(ctx, p, rows ?? allRows(ctx.n));
      const importance = new Float64Array(ctx.linear.nFeat);
      for (const c of fit.coef) for (let f = 0; f < c.length; f++) importance[f] += Math.abs(c[f]);
      const post = ctx.task === 'binary' ? 'logistic' : ctx.task === 'multiclass' ? 'softmax' : 'none';
      return { model: toModel(fit), post, importance };
    },
  };
}

export const logisticLearner = linearLearner('logistic_regression', ['binary', 'multiclass'], {
  C: { type: 'float', low: 1e-3, high: 1e3, log: true, init: 1 },
});

export const ridgeLearner = linearLearner('ridge', ['regression'], {
  alpha: { type: 'float', low: 1e-4, high: 1e3, log: true, init: 1 },
});
