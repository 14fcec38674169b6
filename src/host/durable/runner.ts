/**
 * How the engine runs the app's functions: the provider maps this onto the host's invoke(); engine
 * tests script it. Outcomes are values, never exceptions, so that a failing function is history.
 */
import type { FailureDetails } from './history';
import type { OrchestratorAction, TaskFailure } from './replayer';

/** The orchestrator's answer (OrchestratorState as the SDK serializes it). */
export interface OrchestratorState {
  isDone: boolean;
  actions: OrchestratorAction[][];
  output?: unknown;
  error?: string;
  customStatus?: unknown;
  schemaVersion?: number;
}

export type OrchestratorOutcome = { ok: true; state: OrchestratorState } | { ok: false; error: string; failure: FailureDetails; state?: OrchestratorState };

export type ActivityOutcome = { ok: true; result: string | null } | { ok: false; failure: TaskFailure };

/** What the SDK's entity function returns for a batch (EntityState). */
export interface EntityBatchResult {
  entityExists: boolean;
  entityState?: string;
  results: { isError: boolean; duration?: number; startTime?: number; result?: string }[];
  signals: { target: { name: string; key: string }; name: string; input?: string; requestId?: string }[];
}

export type EntityOutcome = { ok: true; result: EntityBatchResult } | { ok: false; error: string };

export interface FunctionRunner {
  isOrchestrator(name: string): boolean;
  isActivity(name: string): boolean;
  /** Canonical registered name (function names are case-insensitive). */
  canonicalName(name: string): string;
  runOrchestrator(name: string, binding: Record<string, unknown>, instanceId: string): Promise<OrchestratorOutcome>;
  runActivity(name: string, input: string | null, instanceId: string): Promise<ActivityOutcome>;
  /** Entity functions (optional: without them entity operations fail). */
  isEntity?(name: string): boolean;
  runEntity?(name: string, binding: Record<string, unknown>, entityId: string): Promise<EntityOutcome>;
}
