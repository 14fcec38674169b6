/**
 * Points where a test may step into the engine. Production code passes none: the engine only calls
 * `reached(point)` when an EngineHooks object was given. The SIGKILL crash tests install one from a
 * preloaded test module (test/fixtures/durable/crashPoints.js, loaded with `node --require`) that
 * kills the process at a chosen point, which is how they prove each commit step is crash-safe.
 */

export type EnginePoint =
  /** An episode was decided; its commit is next. */
  | 'beforeCommit'
  /** An episode was committed; its outbox is not sent yet. */
  | 'afterCommit'
  /** The outbox and the status row were written; the pending marker is not cleared yet. */
  | 'afterOutbox'
  /** The episode is done; its incoming messages are not deleted yet. */
  | 'beforeDelete'
  /** An activity is about to run. */
  | `activity:${string}`
  /** An activity's result was queued; its work item is not deleted yet. */
  | `afterActivity:${string}`;

export interface EngineHooks {
  reached?(point: EnginePoint): void;
}

let installed: EngineHooks | undefined;

/**
 * Hooks for every engine the provider creates from now on in this process. For test preloads, which
 * cannot reach the provider's options (the host process builds its providers itself).
 */
export function installEngineHooks(hooks: EngineHooks | undefined): void {
  installed = hooks;
}

export function installedEngineHooks(): EngineHooks | undefined {
  return installed;
}
