/**
 * SubOrchestrationInstanceCreated, and the child's ExecutionStarted naming this execution as its
 * parent (the child reports back to it). An unnamed child is named after the parent execution and the
 * task id, as DurableTask.Core does. An attempt whose retry timeout had expired fails at once.
 */
import { event, EventType } from '../../history';
import { compactId } from '../episodeContext';
import type { Scheduler } from './actionContext';

export const startSubOrchestration: Scheduler<'subOrchestration'> = (w, at) => {
  const childId = w.instanceId ?? `${at.executionId}:${w.id}`;
  const created = event(EventType.SubOrchestrationInstanceCreated, { EventId: w.id, Name: w.name, InstanceId: childId, Input: w.input }, at.now);
  if (w.failWith) {
    return {
      event: created,
      outbound: {
        queue: 'control',
        message: {
          id: at.newId(),
          instanceId: at.instanceId,
          executionId: at.executionId,
          event: event(EventType.SubOrchestrationInstanceFailed, { TaskScheduledId: w.id, ...w.failWith }, at.now),
        },
      },
    };
  }
  const childExecution = compactId(at);
  return {
    event: created,
    outbound: {
      queue: 'control',
      message: {
        id: at.newId(),
        instanceId: childId,
        event: event(
          EventType.ExecutionStarted,
          {
            Name: w.name,
            Input: w.input,
            Version: w.version,
            OrchestrationInstance: { InstanceId: childId, ExecutionId: childExecution },
            ParentInstance: { InstanceId: at.instanceId, ExecutionId: at.executionId, TaskScheduledId: w.id, Name: w.name },
          },
          at.now,
        ),
      },
    },
  };
};
