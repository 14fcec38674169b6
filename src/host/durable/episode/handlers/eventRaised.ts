import type { ControlMessage } from '../../messages';
import { Intake, record, stamp } from '../intake';
import type { MessageHandler } from './messageHandler';

/** An external event (or an entity's answer): always recorded; the orchestrator decides what it means. */
export const eventRaised: MessageHandler = {
  admission: 'active',
  take(intake: Intake, msg: ControlMessage): void {
    record(intake, stamp(msg));
  },
};
