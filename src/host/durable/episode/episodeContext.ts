/**
 * What an episode may know of the world besides its history and messages: the time, fresh ids and
 * the registered function names. Passed in, so that an episode is a function of its inputs (tests
 * give a fixed clock and counting ids).
 */
import type { LogLevel } from '../../provider';

export interface EpisodeContext {
  instanceId: string;
  now: Date;
  /** A fresh unique id (a UUID in production): message ids, execution ids, history keys. */
  newId(): string;
  /** Canonical registered name of a function (names are case-insensitive). */
  canonicalName(name: string): string;
  /** Values the extension passes in the orchestration trigger binding. */
  longRunningTimerIntervalDuration: string;
  maximumShortTimerDuration: string;
}

/** A line the engine logs for the episode (the episode itself does no I/O). */
export interface EpisodeNote {
  level: LogLevel;
  message: string;
  fields: Record<string, unknown>;
}

/** A fresh id without dashes (execution ids and history keys, as DurableTask formats them). */
export function compactId(ctx: Pick<EpisodeContext, 'newId'>): string {
  return ctx.newId().replace(/-/g, '');
}
