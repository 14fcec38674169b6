import type { FailureDetails } from './history';

/** FailureDetails of a thrown value, as DurableTask.Core records an exception. */
export function failureFromError(err: unknown): FailureDetails {
  const e = err as Error;
  return {
    ErrorType: e?.name || 'Error',
    ErrorMessage: e?.message ?? String(err),
    StackTrace: e?.stack,
    IsNonRetriable: false,
  };
}
