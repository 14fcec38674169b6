import type { ControlMessage } from '../../messages';
import type { EpisodeContext } from '../episodeContext';
import type { Admission, Intake } from '../intake';

/** How an episode takes one kind of message. */
export interface MessageHandler {
  /** 'start': judged on its own (a start opens an execution); otherwise the checks of admit(). */
  admission: 'start' | Admission;
  take(intake: Intake, msg: ControlMessage, ctx: EpisodeContext): void;
}
