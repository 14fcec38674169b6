/**
 * Which handler takes a control message: a start first (it is judged before any execution check), a
 * rewind request by its flag, everything else by its event type.
 */
import { EventType } from '../../history';
import type { ControlMessage } from '../../messages';
import { eventRaised } from './eventRaised';
import { executionStarted } from './executionStarted';
import { executionResumed, executionSuspended, executionTerminated } from './lifecycle';
import type { MessageHandler } from './messageHandler';
import { rewindRequest } from './rewindRequest';
import { taskResult } from './taskResult';
import { unexpected } from './unexpected';

const BY_EVENT_TYPE: Partial<Record<EventType, MessageHandler>> = {
  [EventType.ExecutionTerminated]: executionTerminated,
  [EventType.ExecutionSuspended]: executionSuspended,
  [EventType.ExecutionResumed]: executionResumed,
  [EventType.TaskCompleted]: taskResult,
  [EventType.TaskFailed]: taskResult,
  [EventType.SubOrchestrationInstanceCompleted]: taskResult,
  [EventType.SubOrchestrationInstanceFailed]: taskResult,
  [EventType.TimerFired]: taskResult,
  [EventType.EventRaised]: eventRaised,
};

export function handlerFor(msg: ControlMessage): MessageHandler {
  if (msg.event.EventType === EventType.ExecutionStarted) return executionStarted;
  if (msg.rewind) return rewindRequest;
  return BY_EVENT_TYPE[msg.event.EventType] ?? unexpected;
}
