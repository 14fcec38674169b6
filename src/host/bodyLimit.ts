/**
 * How much request body each HTTP route may receive, decided before a byte is read (Content-Length)
 * and enforced while streaming (chunked bodies), so that the host never buffers more than the route
 * can use: a GET to /api/health with a 95 MB body costs a few KB, not 95 MB.
 *
 * - A route may declare its own limit on its trigger: `app.http(name, { ..., maxRequestBodyBytes })`
 *   (the library passes trigger options through to the binding); never above the host's limit.
 * - Otherwise requests whose method carries no body by convention (GET, HEAD, DELETE, OPTIONS) and
 *   requests to anonymous routes get the small limit (MLOPS_HTTP_SMALL_BODY_BYTES, default 8 KiB):
 *   anyone can send them, and no handler of ours reads a large body there.
 * - Function- and admin-key routes keep the host limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT, 100 MB as
 *   in Azure).
 */
export interface BodyLimitOptions {
  /** FUNCTIONS_REQUEST_BODY_SIZE_LIMIT. */
  maxBytes: number;
  /** MLOPS_HTTP_SMALL_BODY_BYTES. */
  smallBytes: number;
}

const BODYLESS = new Set(['GET', 'HEAD', 'DELETE', 'OPTIONS']);

export interface BodyLimit {
  bytes: number;
  /** For the 413 message: which rule applied. */
  rule: 'declared' | 'bodyless-method' | 'anonymous' | 'host';
}

/** The declared limit of a trigger binding, when it is a usable number. */
export function declaredBodyLimit(trigger: Record<string, unknown>): number | undefined {
  const v = trigger.maxRequestBodyBytes;
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function bodyLimitFor(route: { authLevel: string; declaredBodyBytes?: number }, method: string, opts: BodyLimitOptions): BodyLimit {
  if (route.declaredBodyBytes !== undefined) return { bytes: Math.min(route.declaredBodyBytes, opts.maxBytes), rule: 'declared' };
  if (BODYLESS.has(method.toUpperCase())) return { bytes: Math.min(opts.smallBytes, opts.maxBytes), rule: 'bodyless-method' };
  if (route.authLevel === 'anonymous') return { bytes: Math.min(opts.smallBytes, opts.maxBytes), rule: 'anonymous' };
  return { bytes: opts.maxBytes, rule: 'host' };
}

export function bodyLimitMessage(limit: BodyLimit, method: string): string {
  const why =
    limit.rule === 'declared'
      ? 'the limit this route declares'
      : limit.rule === 'bodyless-method'
        ? `the limit for ${method.toUpperCase()} requests (MLOPS_HTTP_SMALL_BODY_BYTES)`
        : limit.rule === 'anonymous'
          ? 'the limit for anonymous routes (MLOPS_HTTP_SMALL_BODY_BYTES)'
          : 'the host limit (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT)';
  return `The request body exceeds ${limit.bytes} bytes, ${why}.`;
}
