/** New work, by kind, into the event that records it and the message that carries it out. */
import type { NewWork } from '../../replayer';
import type { ActionContext, Scheduled, Scheduler } from './actionContext';
import { scheduleActivity } from './scheduleActivity';
import { scheduleTimer } from './scheduleTimer';
import { sendEntityOperation } from './sendEntityOperation';
import { startSubOrchestration } from './startSubOrchestration';

const SCHEDULERS: { [K in NewWork['kind']]: Scheduler<K> } = {
  activity: scheduleActivity,
  timer: scheduleTimer,
  entityOperation: sendEntityOperation,
  subOrchestration: startSubOrchestration,
};

export function carryOut(work: NewWork, at: ActionContext): Scheduled {
  return (SCHEDULERS[work.kind] as Scheduler<NewWork['kind']>)(work as never, at);
}
