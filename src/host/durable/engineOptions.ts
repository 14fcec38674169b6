/** What the engine is told at construction (options.ts reads it from host.json and app settings). */
import type { EngineHooks } from './hooks';

export interface EngineOptions {
  hubName: string;
  maxConcurrentActivities: number;
  maxConcurrentOrchestrations: number;
  /** Lease of a held control message (renewed while held). */
  controlVisibilitySec: number;
  /** Lease of an activity work item (renewed while the activity runs). */
  workItemVisibilitySec: number;
  /** Longest wait between two polls of an idle queue. */
  maxPollingIntervalMs: number;
  /** Values the extension passes in the orchestration trigger binding. */
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
  /** Test seams (crash points); absent in production. */
  hooks?: EngineHooks;
}

export const DEFAULT_ENGINE_OPTIONS: Omit<EngineOptions, 'hubName'> = {
  maxConcurrentActivities: 10,
  maxConcurrentOrchestrations: 10,
  controlVisibilitySec: 30,
  workItemVisibilitySec: 30,
  maxPollingIntervalMs: 1000,
  longRunningTimerIntervalDuration: '3.00:00:00',
  maximumShortTimerDuration: '6.00:00:00',
};
