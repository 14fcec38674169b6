/**
 * TaskScheduled, and a work item for the activity queue. An attempt whose retry timeout had expired
 * fails at once instead: its TaskFailed goes straight back to the instance, the activity unrun.
 */
import { event, EventType } from '../../history';
import type { Scheduler } from './actionContext';

export const scheduleActivity: Scheduler<'activity'> = (w, at) => ({
  event: event(EventType.TaskScheduled, { EventId: w.id, Name: w.name, Input: w.input }, at.now),
  outbound: w.failWith
    ? {
        queue: 'control',
        message: {
          id: at.newId(),
          instanceId: at.instanceId,
          executionId: at.executionId,
          event: event(EventType.TaskFailed, { TaskScheduledId: w.id, ...w.failWith }, at.now),
        },
      }
    : {
        queue: 'workitems',
        message: { id: at.newId(), instanceId: at.instanceId, executionId: at.executionId, taskScheduledId: w.id, name: w.name, input: w.input },
      },
});
