/** An episode being built: its events, its outbox, the status row it writes and its log lines. */
import type { HistoryEvent } from '../history';
import type { InstanceStatus, Outbound } from '../messages';
import type { EpisodeNote } from './episodeContext';

export interface EpisodeDraft {
  events: HistoryEvent[];
  outbound: Outbound[];
  instance: InstanceStatus;
  notes: EpisodeNote[];
  /** The ExecutionStarted of the execution (its name, input, version and parent). */
  started: HistoryEvent;
}
