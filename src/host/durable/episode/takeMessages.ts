/** Takes an episode's messages in order, each through the handler of its kind (handlers/). */
import type { ControlMessage } from '../messages';
import type { EpisodeContext } from './episodeContext';
import { handlerFor } from './handlers/messageHandlers';
import { admit, InstanceState, Intake, openIntake } from './intake';

export function takeMessages(state: InstanceState, messages: readonly ControlMessage[], ctx: EpisodeContext): Intake {
  const intake = openIntake(state, ctx);
  for (const msg of messages) {
    const handler = handlerFor(msg);
    if (handler.admission !== 'start' && !admit(intake, msg, handler.admission)) continue;
    handler.take(intake, msg, ctx);
  }
  return intake;
}
