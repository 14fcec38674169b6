import type { Intake } from '../intake';
import type { MessageHandler } from './messageHandler';

/** Event types a control message should not carry: counted as dropped, nothing else. */
export const unexpected: MessageHandler = {
  admission: 'active',
  take(intake: Intake): void {
    intake.dropped++;
  },
};
