/**
 * What a failed invocation's log line says. Mostly the error's stack; but the durable-functions SDK
 * fails an orchestration with an OrchestrationFailureError whose message is the orchestrator's return
 * flag (`false`) followed by `\n\n$OutOfProcData$:` and the orchestrator state as JSON, and whose stack
 * is undefined: the real error is the state's `error` (and `failureDetails`). The state itself is for
 * the Durable engine, not for the log.
 */
const OUT_OF_PROC_LABEL = '$OutOfProcData$:';

export function describeInvocationError(err: unknown): string {
  const e = err as { message?: unknown; stack?: unknown } | null | undefined;
  const message = typeof e?.message === 'string' ? e.message : String(err);
  const at = message.indexOf(OUT_OF_PROC_LABEL);
  if (at < 0) return typeof e?.stack === 'string' && e.stack ? e.stack : message;
  const head = message.slice(0, at).trim();
  let state: { error?: unknown; failureDetails?: { errorType?: unknown; errorMessage?: unknown; stackTrace?: unknown } } | undefined;
  try {
    state = JSON.parse(message.slice(at + OUT_OF_PROC_LABEL.length));
  } catch {
    state = undefined;
  }
  const details = state?.failureDetails;
  const fromState =
    typeof state?.error === 'string' && state.error ? state.error : typeof details?.errorMessage === 'string' ? details.errorMessage : undefined;
  const text = fromState ?? (head && head !== 'false' && head !== 'true' ? head : 'the orchestrator failed (no error message in its state)');
  const type = typeof details?.errorType === 'string' ? `${details.errorType}: ` : '';
  const stack = typeof details?.stackTrace === 'string' && details.stackTrace ? `\n${details.stackTrace}` : '';
  return `Orchestrator function failed: ${type}${text}${stack}`;
}
