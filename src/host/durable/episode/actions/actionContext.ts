import type { HistoryEvent } from '../../history';
import type { Outbound } from '../../messages';
import type { NewWork } from '../../replayer';
import type { EpisodeContext } from '../episodeContext';

/** Where new work is scheduled from: the episode, for the execution it belongs to. */
export interface ActionContext extends EpisodeContext {
  executionId: string;
}

/** What scheduling one piece of work adds: the event history records and the message that carries it out. */
export interface Scheduled {
  event: HistoryEvent;
  outbound: Outbound;
}

export type Scheduler<K extends NewWork['kind']> = (work: Extract<NewWork, { kind: K }>, at: ActionContext) => Scheduled;
