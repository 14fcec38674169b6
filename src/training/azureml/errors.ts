/** The provider's failure codes: what the run's status and error carry. */
export type AzureMLErrorCode =
  | 'QUOTA_EXCEEDED'
  | 'COMPUTE_NOT_FOUND'
  | 'AUTH_FAILED'
  | 'INVALID_DATA'
  | 'INVALID_SETTINGS'
  | 'TIMEOUT'
  | 'CANCELED'
  | 'JOB_NOT_FOUND'
  | 'MODEL_NOT_ONNX'
  | 'MODEL_NOT_READABLE'
  | 'MODEL_NOT_ADAPTABLE'
  | 'AZUREML_JOB_FAILED'
  | 'AZUREML_UNAVAILABLE';

/** An error with a stable code; the message starts with it, so a run's error names it too. */
export class AzureMLError extends Error {
  constructor(
    readonly code: AzureMLErrorCode,
    detail: string,
    readonly retryable = false,
  ) {
    super(`${code}: ${detail}`);
    this.name = 'AzureMLError';
  }
  get detail(): string {
    return this.message.slice(this.code.length + 2);
  }
}

/** A service error, as RestError or a run's `{code, message, innerError, details}` carries it. */
export interface ServiceError {
  statusCode?: number;
  code?: string;
  message?: string;
  innerError?: { code?: string; innerError?: unknown };
  details?: { code?: string; message?: string }[];
}

function codesOf(e: ServiceError): string[] {
  const out: string[] = [];
  if (e.code) out.push(e.code);
  let inner = e.innerError as { code?: string; innerError?: unknown } | undefined;
  for (let i = 0; inner && i < 5; i++, inner = inner.innerError as typeof inner) if (inner.code) out.push(inner.code);
  for (const d of e.details ?? []) if (d.code) out.push(d.code);
  return out;
}

/**
 * Maps what Azure ML answered (ARM error at submit, or a failed job's error) to a code. The order
 * matters: a quota message may also say "compute", an auth failure may also say "data".
 */
export function classify(e: ServiceError): { code: AzureMLErrorCode; retryable: boolean } {
  const codes = codesOf(e).join(' ');
  const text = `${codes} ${e.message ?? ''}`;
  if (
    e.statusCode === 401 ||
    e.statusCode === 403 ||
    /AuthenticationFailed|InvalidAuthenticationToken|AuthorizationFailed|Forbidden|Unauthorized|CredentialUnavailable/i.test(codes)
  ) {
    return { code: 'AUTH_FAILED', retryable: false };
  }
  if (/quota/i.test(text)) return { code: 'QUOTA_EXCEEDED', retryable: false };
  if (/ComputeNotFound/i.test(codes) || /compute\b[^.]*\bnot (been )?found/i.test(e.message ?? '')) return { code: 'COMPUTE_NOT_FOUND', retryable: false };
  if (/timeout|timed out|time budget/i.test(text)) return { code: 'TIMEOUT', retryable: false };
  if (
    /DataNotFound|InvalidMLTable|BadData|MISSING_COLUMN|TARGET_|EMPTY|NOT_ENOUGH|TOO_FEW|DataValidation|InvalidData/i.test(codes) ||
    /\b(data|column|target|mltable|csv)\b/i.test(e.message ?? '')
  ) {
    return { code: 'INVALID_DATA', retryable: false };
  }
  if (e.statusCode === 400 || /UserError/i.test(codes)) return { code: 'INVALID_SETTINGS', retryable: false };
  // The service's own failures (SystemError, 5xx after the SDK's retries) may pass on a new job.
  return { code: 'AZUREML_JOB_FAILED', retryable: true };
}

export function toAzureMLError(err: unknown, context: string): AzureMLError {
  if (err instanceof AzureMLError) return err;
  const e = err as ServiceError & { name?: string };
  if (e?.name === 'CredentialUnavailableError' || e?.name === 'AuthenticationError') return new AzureMLError('AUTH_FAILED', `${context}: ${e.message}`);
  const body = (e as { details?: unknown }).details;
  const { code, retryable } = classify({ ...e, details: Array.isArray(body) ? (body as ServiceError['details']) : undefined });
  const status = e?.statusCode ? ` (HTTP ${e.statusCode}${e.code ? ` ${e.code}` : ''})` : '';
  return new AzureMLError(
    code === 'AZUREML_JOB_FAILED' && e?.statusCode ? 'AZUREML_UNAVAILABLE' : code,
    `${context}${status}: ${e?.message ?? String(err)}`,
    retryable,
  );
}
