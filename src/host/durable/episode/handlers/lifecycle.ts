/**
 * Operator requests: terminate (applied when the episode is built, after everything else it took),
 * suspend (later events are buffered) and resume (the buffered events are applied). A suspend of a
 * suspended instance, or a resume of a running one, changes nothing.
 */
import type { ControlMessage } from '../../messages';
import { Intake, stamp } from '../intake';
import type { MessageHandler } from './messageHandler';

export const executionTerminated: MessageHandler = {
  admission: 'active',
  take(intake: Intake, msg: ControlMessage): void {
    intake.terminated = stamp(msg);
  },
};

export const executionSuspended: MessageHandler = {
  admission: 'active',
  take(intake: Intake, msg: ControlMessage): void {
    if (intake.status === 'Suspended') {
      intake.dropped++;
      return;
    }
    intake.status = 'Suspended';
    intake.newEvents.push(stamp(msg));
  },
};

export const executionResumed: MessageHandler = {
  admission: 'active',
  take(intake: Intake, msg: ControlMessage): void {
    if (intake.status !== 'Suspended') {
      intake.dropped++;
      return;
    }
    intake.status = 'Running';
    intake.newEvents.push(stamp(msg), ...intake.buffered);
    intake.buffered = [];
  },
};
