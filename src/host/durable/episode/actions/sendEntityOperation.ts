/**
 * EventSent (holding the request, whose id the answer will be named after), and the operation as a
 * control message to the entity. A call names this execution so that the entity answers it.
 */
import { event, EventType } from '../../history';
import { ENTITY_OPERATION_EVENT, EntityRequest, entityOperationEvent } from '../../entities/entityRequest';
import type { Scheduler } from './actionContext';

export const sendEntityOperation: Scheduler<'entityOperation'> = (w, at) => {
  const request: EntityRequest = {
    id: at.newId(),
    op: w.operation,
    signal: w.signal,
    ...(w.input !== null ? { input: w.input } : {}),
    ...(w.signal ? {} : { parent: at.instanceId, parentExecution: at.executionId }),
  };
  return {
    event: event(EventType.EventSent, { EventId: w.id, InstanceId: w.entityId, Name: ENTITY_OPERATION_EVENT, Input: JSON.stringify(request) }, at.now),
    outbound: { queue: 'control', message: { id: at.newId(), instanceId: w.entityId, event: entityOperationEvent(request, at.now) } },
  };
};
