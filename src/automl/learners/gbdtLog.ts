/**
 * GBDT on log(1 + y), for skewed non-negative regression targets (prices, counts): the model's raw
 * score is log(1 + y) and the pipeline's 'expm1' post transform maps it back. CV scores the
 * back-transformed predictions on the original scale, so the search keeps this learner only where it
 * predicts better than GBDT on y itself: the transform is chosen by CV.
 */
import { gbdtLearner } from './gbdt';
import type { Learner, TrainContext } from './types';

const logContexts = new WeakMap<TrainContext, TrainContext>();

/** The same context with y replaced by log(1 + y) (computed once per context). */
function logContext(ctx: TrainContext): TrainContext {
  let c = logContexts.get(ctx);
  if (!c) {
    c = { ...ctx, y: Float64Array.from(ctx.y, (v) => Math.log1p(Math.max(0, v))) };
    logContexts.set(ctx, c);
  }
  return c;
}

/** Whether a regression target suits a log transform: no negative values and a long right tail. */
export function suitsLogTarget(y: Float64Array): boolean {
  const n = y.length;
  if (n < 20) return false;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    if (!(y[i] >= 0)) return false;
    mean += y[i];
  }
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  for (let i = 0; i < n; i++) {
    const d = y[i] - mean;
    m2 += d * d;
    m3 += d * d * d;
  }
  m2 /= n;
  m3 /= n;
  return m2 > 0 && m3 / m2 ** 1.5 > SKEWNESS;
}

/** Sample skewness above which the log-target learner is tried. */
const SKEWNESS = 1;

export const gbdtLogLearner: Learner = {
  ...gbdtLearner,
  name: 'gbdt_log',
  tasks: ['regression'],
  cv(ctx, p, folds, seed, deadline) {
    const out = gbdtLearner.cv(logContext(ctx), p, folds, seed, deadline);
    for (let i = 0; i < out.oof.length; i++) out.oof[i] = Math.expm1(out.oof[i]);
    return out;
  },
  fit(ctx, p, extra, seed, rows) {
    return { ...gbdtLearner.fit(logContext(ctx), p, extra, seed, rows), post: 'expm1' };
  },
};
