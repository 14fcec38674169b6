import { ArmError, armErrors } from './errors';

/** An injected failure: the next `times` requests matching method + path answer with it. */
export interface FaultRule {
  /** Any method when absent. */
  method?: string;
  /** A regular expression (source) tested against the request path. */
  path: string;
  status: number;
  /** ARM error code; defaults by status (TooManyRequests, InternalServerError, ServiceUnavailable). */
  code?: string;
  message?: string;
  /** Sent as Retry-After (seconds) when set; 429 defaults to 1. */
  retryAfterSeconds?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
}

interface ActiveFault extends FaultRule {
  regex: RegExp;
  remaining: number;
  hits: number;
}

/** Fault injection by route pattern, for retries and failure mapping. */
export class FaultInjector {
  private readonly rules: ActiveFault[] = [];

  add(rule: FaultRule): void {
    if (!Number.isInteger(rule.status) || rule.status < 400 || rule.status > 599) throw armErrors.validation('fault status must be 400..599', 'status');
    this.rules.push({ ...rule, regex: new RegExp(rule.path, 'i'), remaining: rule.times ?? 1, hits: 0 });
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The fault to answer this request with, if any (and counts it down). */
  take(method: string, path: string): ArmError | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && (!r.method || r.method.toUpperCase() === method.toUpperCase()) && r.regex.test(path));
    if (!rule) return undefined;
    rule.remaining--;
    rule.hits++;
    const retryAfter = rule.retryAfterSeconds ?? (rule.status === 429 ? 1 : undefined);
    const headers: Record<string, string> = retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {};
    const base = rule.status === 429 ? armErrors.throttled(retryAfter ?? 1) : armErrors.server(rule.status);
    return new ArmError(rule.status, rule.code ?? base.code, rule.message ?? base.message, { headers });
  }

  /** How many requests each rule has failed so far (for tests). */
  hits(): { path: string; method?: string; hits: number; remaining: number }[] {
    return this.rules.map((r) => ({ path: r.path, method: r.method, hits: r.hits, remaining: r.remaining }));
  }
}
