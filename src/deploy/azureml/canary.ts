/**
 * The canary's arithmetic: per-deployment figures from observed answers, and the verdict comparing the
 * challenger with the champion. Pure functions, so the rule is tested apart from any endpoint.
 */
import type { CanaryOptions, DeploymentFigures, Observation } from './routing';

/**
 * An answer that counts against a deployment: no answer (status 0) or any non-2xx but 401/403 (those
 * are the caller's key, refreshed by the route). Both deployments get the same requests, so a 4xx the
 * champion does not give (an input the new model no longer accepts) is the challenger's fault.
 */
export function isFailure(status: number): boolean {
  return status === 0 || ((status < 200 || status >= 300) && status !== 401 && status !== 403);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function figuresOf(deployment: string, obs: Observation[]): DeploymentFigures {
  const mine = obs.filter((o) => o.deployment === deployment);
  const errors = mine.filter((o) => isFailure(o.status)).length;
  // Latency of answered requests only: a refused connection is fast and would flatter a broken model.
  const lat = mine
    .filter((o) => !isFailure(o.status))
    .map((o) => o.latencyMs)
    .sort((a, b) => a - b);
  const round = (v: number) => Math.round(v * 100) / 100;
  return {
    deployment,
    requests: mine.length,
    errors,
    errorRate: mine.length ? errors / mine.length : 0,
    meanMs: round(lat.length ? lat.reduce((s, v) => s + v, 0) / lat.length : 0),
    p50Ms: round(percentile(lat, 50)),
    p95Ms: round(percentile(lat, 95)),
  };
}

export interface Verdict {
  pass: boolean;
  reasons: string[];
}

/** Pass only with enough challenger answers, no worse error rate (within tolerance) and comparable p95. */
export function canaryVerdict(champion: DeploymentFigures, challenger: DeploymentFigures, opts: CanaryOptions = {}): Verdict {
  const minRequests = opts.minRequests ?? 20;
  const tol = opts.errorRateTolerance ?? 0.01;
  const factor = opts.latencyFactor ?? 1.5;
  const slack = opts.latencySlackMs ?? 20;
  const reasons: string[] = [];
  if (challenger.requests < minRequests)
    reasons.push(`challenger answered ${challenger.requests} requests, fewer than the ${minRequests} needed for a verdict`);
  if (challenger.errorRate > champion.errorRate + tol) {
    reasons.push(
      `challenger error rate ${(challenger.errorRate * 100).toFixed(2)} % exceeds the champion's ${(champion.errorRate * 100).toFixed(2)} % by more than ${(tol * 100).toFixed(2)} points`,
    );
  }
  const limit = champion.p95Ms * factor + slack;
  if (champion.requests > 0 && challenger.requests > 0 && challenger.p95Ms > limit) {
    reasons.push(`challenger p95 ${challenger.p95Ms} ms exceeds ${limit.toFixed(1)} ms (champion p95 ${champion.p95Ms} ms x ${factor} + ${slack} ms)`);
  }
  return { pass: reasons.length === 0, reasons };
}
