/** TimerCreated, and its TimerFired as a control message that becomes visible at the fire time. */
import { event, EventType } from '../../history';
import type { Scheduler } from './actionContext';

export const scheduleTimer: Scheduler<'timer'> = (w, at) => ({
  event: event(EventType.TimerCreated, { EventId: w.id, FireAt: w.fireAt }, at.now),
  outbound: {
    queue: 'control',
    visibleAt: w.fireAt,
    message: {
      id: at.newId(),
      instanceId: at.instanceId,
      executionId: at.executionId,
      event: event(EventType.TimerFired, { TimerId: w.id, FireAt: w.fireAt }, at.now),
    },
  },
});
