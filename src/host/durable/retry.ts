/**
 * RetryOptions as the SDK sends them with CallActivityWithRetry / CallSubOrchestratorWithRetry, and the
 * delay DurableTask.Core's RetryInterceptor computes from them: firstRetryInterval * backoff^retryCount,
 * capped at maxRetryInterval; no retry once retryTimeout (counted from the first attempt) has passed.
 */

export interface RetryPolicy {
  firstRetryIntervalMs: number;
  maxNumberOfAttempts: number;
  backoffCoefficient: number;
  maxRetryIntervalMs: number;
  retryTimeoutMs: number;
}

function positive(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Normalizes the SDK's retryOptions JSON (missing or non-positive optional fields mean "no limit"). */
export function toRetryPolicy(raw: unknown): RetryPolicy {
  const o = (raw ?? {}) as Record<string, unknown>;
  return {
    firstRetryIntervalMs: positive(o.firstRetryIntervalInMilliseconds, 1000),
    maxNumberOfAttempts: Math.max(1, Math.floor(positive(o.maxNumberOfAttempts, 1))),
    backoffCoefficient: positive(o.backoffCoefficient, 1),
    maxRetryIntervalMs: positive(o.maxRetryIntervalInMilliseconds, Number.POSITIVE_INFINITY),
    retryTimeoutMs: positive(o.retryTimeoutInMilliseconds, Number.POSITIVE_INFINITY),
  };
}

/**
 * Delay before the retry that follows failed attempt `retryCount` (0-based), or 0 when the retry timeout
 * has expired at `now` (then the interceptor gives up).
 */
export function nextRetryDelayMs(policy: RetryPolicy, retryCount: number, firstAttempt: Date, now: Date): number {
  if (now.getTime() >= firstAttempt.getTime() + policy.retryTimeoutMs) return 0;
  const delay = policy.firstRetryIntervalMs * Math.pow(policy.backoffCoefficient, retryCount);
  return Math.min(delay, policy.maxRetryIntervalMs);
}
